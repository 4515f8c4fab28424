package billing_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// The period rule through the run: invoice days 1, 15, 28 and 31, in
// advance and in arrears, from December 2026 over the year end and through
// February, each period made on its invoice date (February's last day for
// the 28th and the 31st), at the fee in force on its first day.
func TestRetainerPeriodsThroughTheYearEnd(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TBILLPER", day("2026-12-01").Add(9*time.Hour))
	for _, timing := range []string{"advance", "arrears"} {
		for _, d := range []int{1, 15, 28, 31} {
			// £300 a month, £360 from February.
			f.retainerClient(fmt.Sprintf("%s%d", strings.ToUpper(timing[:3]), d), timing, d, "2026-12-01", "2026-01-01", "300", "2027-02-01", "360")
		}
	}
	seen := map[int64]bool{}
	run := func(today, hourly string) []string {
		t.Helper()
		if _, err := f.bs.Run(f.ctx, f.pid, month(hourly), day(today).Add(9*time.Hour), f.mina); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, inv := range f.invoices() {
			if inv.Kind == billing.Recurring && !seen[inv.ID] {
				seen[inv.ID] = true
				out = append(out, fmt.Sprintf("%s %s %s", inv.EntityCode, inv.Period, inv.Subtotal.StringFixed(2)))
			}
		}
		slices.Sort(out)
		return out
	}
	for _, step := range []struct {
		today, month string
		want         []string
	}{
		{"2027-02-27", "2027-01", []string{
			"ADV1 2026-12 300.00", "ADV1 2027-01 300.00", "ADV1 2027-02 360.00",
			"ADV15 2026-12 300.00", "ADV15 2027-01 300.00", "ADV15 2027-02 360.00", "ADV15 2027-03 360.00",
			"ADV28 2026-12 300.00", "ADV28 2027-01 300.00", "ADV28 2027-02 360.00",
			"ADV31 2026-12 300.00", "ADV31 2027-01 300.00", "ADV31 2027-02 360.00",
			"ARR1 2026-12 300.00", "ARR1 2027-01 300.00",
			"ARR15 2026-12 300.00", "ARR15 2027-01 300.00",
			"ARR28 2026-12 300.00",
			"ARR31 2026-12 300.00",
		}},
		// 28 February: the 28th's invoices, and the 31st's.
		{"2027-02-28", "2027-01", []string{
			"ADV28 2027-03 360.00", "ADV31 2027-03 360.00", "ARR28 2027-01 300.00", "ARR31 2027-01 300.00",
		}},
		{"2027-03-30", "2027-02", []string{
			"ADV1 2027-03 360.00", "ADV15 2027-04 360.00", "ADV28 2027-04 360.00", "ARR1 2027-02 360.00", "ARR15 2027-02 360.00", "ARR28 2027-02 360.00",
		}},
		{"2027-03-31", "2027-02", []string{"ADV31 2027-04 360.00", "ARR31 2027-02 360.00"}},
		{"2027-03-31", "2027-02", nil}, // again: nothing twice
	} {
		if got := run(step.today, step.month); !slices.Equal(got, step.want) {
			t.Errorf("on %s made:\n%q\nwant:\n%q", step.today, got, step.want)
		}
	}
}
