package wip_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/bot/wip"
	report "github.com/atlas-practice/atlas/internal/wip"
)

// A large practice's WIP pages within Block Kit's limits: ten rows a page,
// each hourly client's with its Draft invoice button, and buttons to the
// pages either side.
func TestViewPagesWithinLimits(t *testing.T) {
	r := report.Report{Query: report.Query{By: report.ByClient}, Currency: "GBP", Today: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)}
	long := strings.Repeat("Very Long Client Name ", 8)
	for i := range 95 {
		f := report.Figures{Minutes: 600, Unvalued: 30, Value: decimal.NewFromInt(int64(5000 - i)), Oldest: r.Today.AddDate(0, 0, -100)}
		f.Aged = [4]decimal.Decimal{f.Value.Sub(decimal.NewFromInt(300)), decimal.NewFromInt(100), decimal.NewFromInt(100), decimal.NewFromInt(100)}
		r.Rows = append(r.Rows, report.Row{ID: int64(i + 1), Code: fmt.Sprintf("C%03d", i), Name: long, Hourly: i%2 == 0, Figures: f})
		r.Total.Value = r.Total.Value.Add(f.Value)
	}
	for _, page := range []int{0, 4, 9} {
		blocks := wip.View(r, page)
		if err := blockkit.CheckMessage(blocks); err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		js, _ := json.Marshal(blocks)
		s := string(js)
		want := 5 // ten rows, every other one hourly
		if page == 9 {
			want = 3 // C090 to C094
		}
		if n := strings.Count(s, ui.ActionInvoiceDraft); n != want {
			t.Fatalf("page %d: %d Draft invoice buttons, want %d", page, n, want)
		}
		for _, w := range []string{"Work in progress by client", "over 90 days £100.00", "0.50 h with no rate, not valued", fmt.Sprintf("Page %d of 10", page+1)} {
			if !strings.Contains(s, w) {
				t.Fatalf("page %d lacks %q: %s", page, w, s)
			}
		}
		hasPrev, hasNext := strings.Contains(s, wip.ActionPage+"prev"), strings.Contains(s, wip.ActionPage+"next")
		if hasPrev != (page > 0) || hasNext != (page < 9) {
			t.Fatalf("page %d: previous %v, next %v", page, hasPrev, hasNext)
		}
	}
	// Nothing unbilled says so.
	empty, _ := json.Marshal(wip.View(report.Report{Query: report.Query{By: report.ByPerson}, Today: r.Today}, 0))
	if !strings.Contains(string(empty), "Nothing unbilled on 3 December 2026") {
		t.Fatalf("empty: %s", empty)
	}
}
