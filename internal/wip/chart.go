package wip

import (
	"fmt"

	"github.com/atlas-practice/atlas/internal/charts"
)

// ChartTop is how many clients or people a chart shows: the largest.
const ChartTop = 15

// ChartMonths is how many months the trend shows: the latest.
const ChartMonths = 24

// Chart is the report's picture: the value of the unbilled time, by month
// worked (the trend, oldest first, at most ChartMonths of the latest), or
// of the top clients or people (the table's order). The amounts become
// floats here, for drawing only. ok is false when there is no WIP.
func (r Report) Chart(top int) (charts.Bars, bool) {
	b := charts.Bars{Title: r.Title(), ValueAxis: fmt.Sprintf("unbilled value (%s)", r.Currency)}
	rows := r.Rows
	if r.By == ByMonth {
		rows = everyMonth(rows)
		rows = rows[max(0, len(rows)-ChartMonths):]
	} else if len(rows) > top {
		rows = rows[:top]
	}
	for _, row := range rows {
		label := row.Name
		switch {
		case row.Code != "":
			label = row.Code
		case r.By == ByMonth:
			label = row.Month.FirstDay().Format("Jan 2006")
		}
		v, _ := row.Value.Float64()
		b.Bars = append(b.Bars, charts.Bar{Label: label, Value: v})
	}
	return b, len(b.Bars) > 0 && r.Total.Value.IsPositive()
}

// everyMonth is the months' rows with the months between them that have
// no WIP put in as empty rows, so the trend's gaps show as gaps.
func everyMonth(rows []Row) []Row {
	var out []Row
	for _, row := range rows {
		if len(out) > 0 {
			for m := out[len(out)-1].Month.Next(); m.Before(row.Month); m = m.Next() {
				out = append(out, Row{Month: m, Name: m.Label()})
			}
		}
		out = append(out, row)
	}
	return out
}
