package charts_test

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/atlas-practice/atlas/internal/charts"
)

// A chart decodes as a PNG of a sensible size: the chart's width, and a
// height that grows with its bars.
func TestBarsPNG(t *testing.T) {
	chart := func(n int) charts.Bars {
		b := charts.Bars{Title: "Realisation by client", ValueAxis: "% of time value billed", Reference: 100}
		for i := range n {
			b.Bars = append(b.Bars, charts.Bar{Label: string(rune('A'+i)) + "CME", Value: float64(40 + 15*i)})
		}
		return b
	}
	heights := map[int]int{}
	for _, n := range []int{1, 10} {
		data, err := chart(n).PNG()
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%d bars: not a PNG: %v", n, err)
		}
		size := img.Bounds().Size()
		if size.X < 400 || size.X > 2000 || size.Y < 150 || size.Y > 2000 {
			t.Fatalf("%d bars: %v is not a sensible size", n, size)
		}
		heights[n] = size.Y
	}
	if heights[10] <= heights[1] {
		t.Fatalf("ten bars are no taller than one: %v", heights)
	}
}

func TestNoBarsRefused(t *testing.T) {
	if _, err := (charts.Bars{Title: "Empty"}).PNG(); err == nil {
		t.Fatal("a chart with no bars drew")
	}
}
