package importer

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseHours(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		minutes int
		rounded bool
		bad     string
	}{
		{"1.5", 90, false, ""},
		{"1.25", 75, false, ""},
		{".75", 45, false, ""},
		{"1:30", 90, false, ""},
		{"0:45", 45, false, ""},
		{"10:05", 605, false, ""},
		{"7.5h", 450, false, ""},
		{"24", 1440, false, ""},
		{"24:00", 1440, false, ""},
		{"0.33", 20, true, ""},   // 19.8 minutes
		{"0.1", 6, false, ""},    // exactly 6
		{"0.01", 1, true, ""},    // 0.6 of a minute
		{"1.675", 101, true, ""}, // 100.5 rounds up
		{"0.008", 0, false, "no time"},
		{"0", 0, false, "no time"},
		{"0:00", 0, false, "no time"},
		{"24:01", 0, false, "more than 24 hours"},
		{"24.01", 0, false, "more than 24 hours"},
		{"-1", 0, false, "negative"},
		{"1:5", 0, false, "not a number of hours"},
		{"1:60", 0, false, "not a number of hours"},
		{"1h30", 0, false, "not a number of hours"},
		{"1,5", 0, false, "not a number of hours"},
		{"", 0, false, "not a number of hours"},
	}
	for _, c := range cases {
		m, r, reason := parseHours(c.in)
		if m != c.minutes || r != c.rounded || (c.bad == "") != (reason == "") || !strings.Contains(reason, c.bad) {
			t.Errorf("%q: %d minutes, rounded %v, %q; want %d, %v, %q", c.in, m, r, reason, c.minutes, c.rounded, c.bad)
		}
	}
}

// FuzzParseHours: whatever a cell holds, a time it accepts is 1 to 1,440
// whole minutes within half a minute of what the cell says, and it says
// when it rounded.
func FuzzParseHours(f *testing.F) {
	for _, s := range []string{"1.5", "1:30", "0.33", ".75", "24", "7.5h", "-1", "1e2", "0x10", "99999999999999999999", "1:60"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, rounded, reason := parseHours(s)
		if reason != "" {
			if m != 0 || rounded {
				t.Fatalf("%q refused with %d minutes, rounded %v", s, m, rounded)
			}
			return
		}
		if m < 1 || m > 24*60 {
			t.Fatalf("%q: %d minutes", s, m)
		}
		if hoursClock.MatchString(s) {
			if rounded {
				t.Fatalf("%q: h:mm rounded", s)
			}
			return
		}
		d, err := decimal.NewFromString(strings.TrimSuffix(strings.ToLower(s), "h"))
		if err != nil {
			t.Fatalf("%q accepted but is not a number: %v", s, err)
		}
		off := d.Mul(decimal.NewFromInt(60)).Sub(decimal.NewFromInt(int64(m))).Abs()
		if off.GreaterThan(decimal.RequireFromString("0.5")) || rounded == off.IsZero() {
			t.Fatalf("%q: %d minutes, %s off, rounded %v", s, m, off, rounded)
		}
	})
}
