// Package charts draws the pictures Atlas uploads beside its tables, as
// PNG images rendered in pure Go (gonum.org/v1/plot): no browser and no
// system library, so they render the same on every replica.
//
// A chart takes its series as float64, the one place Atlas allows floats
// near money: callers convert their decimals at the edge, for drawing
// only, and every figure a person reads as a number stays in the table
// and the CSV.
package charts

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Bar is one bar: its label and its length.
type Bar struct {
	Label string  `json:"label"`
	Value float64 `json:"value"`
}

// Bars is a horizontal bar chart: one bar a row, the first at the top,
// with a reference line (100% for realisation) to read each bar against.
type Bars struct {
	Title     string  `json:"title"`
	ValueAxis string  `json:"value_axis"`
	Reference float64 `json:"reference"` // drawn as a dashed line across the bars; 0 for none
	Bars      []Bar   `json:"bars"`
}

// Width of every chart; its height grows with its bars so labels never
// crowd.
const (
	Width     = 16 * vg.Centimeter
	barHeight = 0.8 * vg.Centimeter
	margin    = 4 * vg.Centimeter
)

var (
	under = color.RGBA{R: 0xd9, G: 0x53, B: 0x4f, A: 0xff} // below the reference
	over  = color.RGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff} // at or above it
)

// PNG draws b. A chart with no bars is refused: there is nothing to show.
func (b Bars) PNG() ([]byte, error) {
	if len(b.Bars) == 0 {
		return nil, errors.New("charts: no bars to draw")
	}
	p := plot.New()
	p.Title.Text = b.Title
	p.X.Label.Text = b.ValueAxis
	p.X.Min = 0
	// Horizontal bars are laid out from the bottom: reverse them so the
	// first reads at the top, as in the table beside the chart.
	n := len(b.Bars)
	labels := make([]string, n)
	lo, hi := make(plotter.Values, n), make(plotter.Values, n)
	for i, bar := range b.Bars {
		j := n - 1 - i
		labels[j] = bar.Label
		if b.Reference > 0 && bar.Value < b.Reference {
			lo[j] = max(bar.Value, 0)
		} else {
			hi[j] = max(bar.Value, 0)
		}
	}
	for _, part := range []struct {
		vs plotter.Values
		c  color.Color
	}{{lo, under}, {hi, over}} {
		bc, err := plotter.NewBarChart(part.vs, barHeight*0.7)
		if err != nil {
			return nil, fmt.Errorf("charts: %w", err)
		}
		bc.Horizontal = true
		bc.Color = part.c
		bc.LineStyle.Width = 0
		p.Add(bc)
	}
	if b.Reference > 0 {
		ref := plotter.XYs{{X: b.Reference, Y: -0.5}, {X: b.Reference, Y: float64(n) - 0.5}}
		line, err := plotter.NewLine(ref)
		if err != nil {
			return nil, fmt.Errorf("charts: %w", err)
		}
		line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		line.Width = vg.Points(1)
		p.Add(line)
		p.X.Max = max(p.X.Max, b.Reference*1.1)
	}
	// Headroom past the longest bar, and half a bar's slot above and below
	// the outer bars, so no bar touches the frame however few there are.
	p.X.Max *= 1.05
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	p.NominalY(labels...)
	w, err := p.WriterTo(Width, margin+barHeight*vg.Length(n), "png")
	if err != nil {
		return nil, fmt.Errorf("charts: %w", err)
	}
	var out bytes.Buffer
	if _, err := w.WriteTo(&out); err != nil {
		return nil, fmt.Errorf("charts: %w", err)
	}
	return out.Bytes(), nil
}
