package realisation

import (
	"bytes"
	"encoding/csv"
	"strconv"
)

// CSVHeader is the header row of the realisation table's CSV.
var CSVHeader = []string{"code", "name", "time_value", "written_off", "billed", "credited", "net", "adjusted", "realisation_pct"}

// CSV is the report's table as a CSV file: one row per client, person or
// service, in the table's order, then the total (code empty, name
// "Total"). Amounts have two decimals and no currency sign, so a
// spreadsheet reads them as numbers; a row with no time has an empty
// realisation.
func (r Report) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(CSVHeader)
	for _, row := range r.Rows {
		_ = w.Write(csvRow(row.Code, row.Name, row.Figures))
	}
	_ = w.Write(csvRow("", "Total", r.Total))
	w.Flush()
	return b.Bytes()
}

// CoverageCSV is the fee coverage as a CSV file: one row per client and
// retainer period, in the list's order.
func (r Report) CoverageCSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"code", "name", "period", "fee", "time_value", "coverage_pct"})
	for _, c := range r.Coverage {
		for _, p := range c.Periods {
			pct := ""
			if n, ok := Rate(p.Fee, p.Value); ok {
				pct = strconv.FormatInt(n, 10)
			}
			_ = w.Write([]string{c.Code, c.Name, p.Period.String(), p.Fee.StringFixed(2), p.Value.StringFixed(2), pct})
		}
	}
	w.Flush()
	return b.Bytes()
}

func csvRow(code, name string, f Figures) []string {
	pct := ""
	if r, ok := f.Rate(); ok {
		pct = r.StringFixed(1)
	}
	return []string{code, name, f.TimeValue.StringFixed(2), f.WrittenOff.StringFixed(2), f.Billed.StringFixed(2),
		f.Credited.StringFixed(2), f.Net().StringFixed(2), f.Adjusted().StringFixed(2), pct}
}
