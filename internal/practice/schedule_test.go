package practice_test

import (
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

// The period rule for invoice days 1, 15, 28 and 31, in advance and in
// arrears, across February and a year end.
func TestSchedulePeriods(t *testing.T) {
	t.Parallel()
	month := func(s string) atlas.Period { p, _ := atlas.ParsePeriod(s); return p }
	cases := []struct {
		timing string
		day    int
		month  string // the month invoiced in
		date   string // the invoice date
		billed string
	}{
		{"advance", 1, "2026-02", "2026-02-01", "2026-02"},
		{"advance", 15, "2026-02", "2026-02-15", "2026-03"},
		{"advance", 28, "2026-02", "2026-02-28", "2026-03"},
		{"advance", 31, "2026-02", "2026-02-28", "2026-03"}, // February's last day
		{"advance", 31, "2028-02", "2028-02-29", "2028-03"}, // a leap year
		{"advance", 31, "2026-04", "2026-04-30", "2026-05"},
		{"advance", 1, "2026-12", "2026-12-01", "2026-12"},
		{"advance", 15, "2026-12", "2026-12-15", "2027-01"}, // over the year end
		{"advance", 31, "2026-12", "2026-12-31", "2027-01"},
		{"arrears", 1, "2027-01", "2027-01-01", "2026-12"}, // back over the year end
		{"arrears", 15, "2026-03", "2026-03-15", "2026-02"},
		{"arrears", 28, "2026-03", "2026-03-28", "2026-02"},
		{"arrears", 31, "2026-03", "2026-03-31", "2026-02"},
		{"arrears", 31, "2026-02", "2026-02-28", "2026-01"},
		{"arrears", 28, "2026-02", "2026-02-28", "2026-01"},
	}
	for _, c := range cases {
		s := practice.Schedule{Timing: c.timing, Day: c.day}
		m := month(c.month)
		if got := s.InvoiceDate(m).Format(time.DateOnly); got != c.date {
			t.Errorf("%s day %d in %s: invoice date %s, want %s", c.timing, c.day, c.month, got, c.date)
		}
		billed := s.Billed(m)
		if billed != month(c.billed) {
			t.Errorf("%s day %d in %s: bills %s, want %s", c.timing, c.day, c.month, billed, c.billed)
		}
		if back := s.InvoicedIn(billed); back != m {
			t.Errorf("%s day %d: %s is invoiced in %s, want %s", c.timing, c.day, billed, back, m)
		}
	}
}

func TestFirstBilledFrom(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, c := range []struct {
		timing string
		day    int
		from   string
		want   string
	}{
		{"advance", 1, "2026-12-01", "2026-12"}, // today's invoice is still to make
		{"advance", 1, "2026-12-03", "2027-01"},
		{"advance", 15, "2026-12-03", "2027-01"},
		{"advance", 15, "2026-12-16", "2027-02"},
		{"arrears", 1, "2026-12-03", "2026-12"},
		{"arrears", 28, "2026-12-03", "2026-11"},
		{"arrears", 31, "2026-12-31", "2026-11"},
	} {
		got := practice.Schedule{Timing: c.timing, Day: c.day}.FirstBilledFrom(day(c.from))
		if got.String() != c.want {
			t.Errorf("%s day %d from %s: %s, want %s", c.timing, c.day, c.from, got, c.want)
		}
	}
}
