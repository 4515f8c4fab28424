package realisation_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/realisation"
	"github.com/atlas-practice/atlas/internal/atlas"
	report "github.com/atlas-practice/atlas/internal/realisation"
)

// A large practice's report pages within Block Kit's limits: ten rows a
// page with buttons to the pages either side, the adjustments and fixed
// fees cut short with how many more.
func TestViewPagesWithinLimits(t *testing.T) {
	q, err := report.ParseQuery("2026-Q4 by client", time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	r := report.Report{Query: q, Currency: "GBP", AdjustmentCount: 120}
	long := strings.Repeat("Very Long Client Name ", 8)
	for i := range 95 {
		f := report.Figures{TimeValue: decimal.NewFromInt(1000), Billed: decimal.NewFromInt(int64(500 + 10*i)), Credited: decimal.NewFromInt(5)}
		r.Rows = append(r.Rows, report.Row{Code: fmt.Sprintf("C%03d", i), Name: long, Figures: f})
		r.Total.TimeValue, r.Total.Billed, r.Total.Credited = r.Total.TimeValue.Add(f.TimeValue), r.Total.Billed.Add(f.Billed), r.Total.Credited.Add(f.Credited)
	}
	for i := range report.MaxAdjustments {
		r.Adjustments = append(r.Adjustments, report.Adjustment{Invoice: fmt.Sprintf("INV-%d", i), Client: "C · " + long, Description: long,
			TimeValue: decimal.NewFromInt(100), Amount: decimal.NewFromInt(80), Reason: long})
	}
	for i := range 30 {
		r.Coverage = append(r.Coverage, report.Coverage{Code: fmt.Sprintf("F%02d", i), Name: long, Fee: decimal.NewFromInt(300), Value: decimal.NewFromInt(400),
			Periods: []report.PeriodCoverage{{Period: atlas.Period{Year: 2026, Month: 10}, Fee: decimal.NewFromInt(300), Value: decimal.NewFromInt(400)}}})
	}
	for _, page := range []int{0, 4, 9} {
		blocks := realisation.View(r, page)
		if err := blockkit.CheckMessage(blocks); err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		js, _ := json.Marshal(blocks)
		s := string(js)
		for _, want := range []string{"Realisation · Q4 2026 by client", "realised", "Write-ups and write-downs", "+115 more in the period",
			"fee covers *75%* of the effort", "+22 more clients"} {
			if !strings.Contains(s, want) {
				t.Fatalf("page %d lacks %q: %s", page, want, s)
			}
		}
		hasPrev, hasNext := strings.Contains(s, realisation.ActionPage+"prev"), strings.Contains(s, realisation.ActionPage+"next")
		if hasPrev != (page > 0) || hasNext != (page < 9) {
			t.Fatalf("page %d: previous %v, next %v", page, hasPrev, hasNext)
		}
		if !strings.Contains(s, fmt.Sprintf("Page %d of 10", page+1)) {
			t.Fatalf("page %d is not labelled: %s", page, s)
		}
	}
}
