package realisation

import (
	"fmt"

	"github.com/atlas-practice/atlas/internal/charts"
)

// ChartTop is how many rows the chart shows: the furthest from 100%.
const ChartTop = 15

// Chart is the report's picture: realisation in percent of the top rows
// furthest from 100% (the table's order), against a line at 100%. The
// percentages become floats here, for drawing only. ok is false when no
// row had time to realise.
func (r Report) Chart(top int) (charts.Bars, bool) {
	b := charts.Bars{Title: fmt.Sprintf("Realisation by %s · %s", r.By, r.Span.Label()), ValueAxis: "% of the time's value billed",
		Reference: 100}
	for _, row := range r.Rows {
		if len(b.Bars) == top {
			break
		}
		pct, ok := row.Rate()
		if !ok {
			continue
		}
		label := row.Name
		if row.Code != "" {
			label = row.Code
		}
		v, _ := pct.Float64()
		b.Bars = append(b.Bars, charts.Bar{Label: label, Value: v})
	}
	return b, len(b.Bars) > 0
}
