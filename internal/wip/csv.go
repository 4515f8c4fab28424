package wip

import (
	"bytes"
	"encoding/csv"
)

// CSVHeader is the header row of the WIP table's CSV.
var CSVHeader = []string{"code", "name", "hours", "unvalued_hours", "value", "on_drafts", "age_0_30", "age_31_60", "age_61_90", "age_over_90", "oldest"}

// CSV is the report's table as a CSV file: one row per client, person or
// month, in the table's order, then the total (code empty, name "Total").
// Amounts have two decimals and no currency sign, so a spreadsheet reads
// them as numbers; a month's code is its "2026-11".
func (r Report) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(CSVHeader)
	for _, row := range r.Rows {
		code := row.Code
		if r.By == ByMonth {
			code = row.Month.String()
		}
		_ = w.Write(csvRow(code, row.Name, row.Figures))
	}
	_ = w.Write(csvRow("", "Total", r.Total))
	w.Flush()
	return b.Bytes()
}

func csvRow(code, name string, f Figures) []string {
	oldest := ""
	if !f.Oldest.IsZero() {
		oldest = f.Oldest.Format("2006-01-02")
	}
	return []string{code, name, f.Hours(), Figures{Minutes: f.Unvalued}.Hours(), f.Value.StringFixed(2), f.OnDraft.StringFixed(2),
		f.Aged[0].StringFixed(2), f.Aged[1].StringFixed(2), f.Aged[2].StringFixed(2), f.Aged[3].StringFixed(2), oldest}
}
