package timeparse

import (
	"testing"
	"time"
)

// saturday is the fixed "today" of these tests: Saturday 21 November 2026,
// late in the evening in a zone far from UTC, to show that only the
// calendar date in the practice's zone counts.
var saturday = time.Date(2026, 11, 21, 23, 30, 0, 0, time.FixedZone("NZDT", 13*3600))

// january is for the year rollover: Tuesday 5 January 2027.
var january = time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestDateAccepts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in    string
		today time.Time
		want  time.Time
	}{
		{"today", saturday, day(2026, 11, 21)},
		{" Today ", saturday, day(2026, 11, 21)},
		{"yesterday", saturday, day(2026, 11, 20)},
		{"YDAY", saturday, day(2026, 11, 20)},
		{"saturday", saturday, day(2026, 11, 21)}, // today's own name is today
		{"sat", saturday, day(2026, 11, 21)},
		{"friday", saturday, day(2026, 11, 20)},
		{"fri", saturday, day(2026, 11, 20)},
		{"thursday", saturday, day(2026, 11, 19)},
		{"thu", saturday, day(2026, 11, 19)},
		{"thur", saturday, day(2026, 11, 19)},
		{"thurs", saturday, day(2026, 11, 19)},
		{"wednesday", saturday, day(2026, 11, 18)},
		{"wed", saturday, day(2026, 11, 18)},
		{"weds", saturday, day(2026, 11, 18)},
		{"tuesday", saturday, day(2026, 11, 17)},
		{"tue", saturday, day(2026, 11, 17)},
		{"tues", saturday, day(2026, 11, 17)},
		{"Monday", saturday, day(2026, 11, 16)},
		{"mon", saturday, day(2026, 11, 16)},
		{"sunday", saturday, day(2026, 11, 15)},
		{"sun", saturday, day(2026, 11, 15)},
		{"mon", january, day(2027, 1, 4)},
		{"sun", january, day(2027, 1, 3)},
		{"2026-11-03", saturday, day(2026, 11, 3)},
		{"2026-11-21", saturday, day(2026, 11, 21)},
		{"2026-1-5", saturday, day(2026, 1, 5)},
		{"2025-10-17", saturday, day(2025, 10, 17)}, // exactly 400 days ago
		{"3 Nov", saturday, day(2026, 11, 3)},
		{"3 November", saturday, day(2026, 11, 3)},
		{"Nov 3", saturday, day(2026, 11, 3)},
		{"November 3", saturday, day(2026, 11, 3)},
		{"3rd Nov", saturday, day(2026, 11, 3)},
		{"21st november", saturday, day(2026, 11, 21)},
		{"Nov. 3", saturday, day(2026, 11, 3)},
		{"03 nov", saturday, day(2026, 11, 3)},
		{"3 Nov 2026", saturday, day(2026, 11, 3)},
		{"Nov 3, 2026", saturday, day(2026, 11, 3)},
		{"3 Dec 2025", saturday, day(2025, 12, 3)},
		{"1 Jan", saturday, day(2026, 1, 1)},
		{"3 sept", saturday, day(2026, 9, 3)},
		{"may 2", saturday, day(2026, 5, 2)},
		// Year rollover: a day-month in the future this year is last year's
		// when that is within 90 days.
		{"28 Dec", january, day(2026, 12, 28)},
		{"Dec 31", january, day(2026, 12, 31)},
		{"7 Oct", january, day(2026, 10, 7)}, // 90 days ago
		{"5 Jan", january, day(2027, 1, 5)},
		{"29 Feb", time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC), day(2028, 2, 29)},
	}
	for _, c := range cases {
		got, err := Date(c.in, c.today)
		if err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("Date(%q, %s) = %v, %v; want %v", c.in, c.today.Format("2006-01-02"), got, err, c.want)
		}
	}
}

func TestDateRejects(t *testing.T) {
	t.Parallel()
	const help = "`yesterday`, `mon`, `3 Nov` or `2026-11-03`"
	cases := []struct {
		in    string
		today time.Time
		want  []string
	}{
		{"", saturday, []string{"Give a date", help}},
		{"abc", saturday, []string{"`abc` is not a date", help}},
		{"nov", saturday, []string{"`nov` is not a date", help}},
		{"3", saturday, []string{"`3` is not a date"}},
		{"3 invoices", saturday, []string{"`3 invoices` is not a date"}},
		{"3 Nov fixing", saturday, []string{"`3 Nov fixing` is not a date"}},
		{"tomorrow", saturday, []string{"`tomorrow` is in the future; time is logged for today or earlier", "`yesterday`"}},
		{"2026-12-01", saturday, []string{"`2026-12-01` is in the future; time is logged for today or earlier."}},
		{"2026-11-22", saturday, []string{"in the future"}},
		{"22 Nov 2026", saturday, []string{"in the future"}},
		{"22 Nov", saturday, []string{"`22 Nov` is in the future", "`22 Nov 2025`"}},
		{"1 Dec", saturday, []string{"`1 Dec` is in the future", "`1 Dec 2025`"}},
		{"6 Jan", january, []string{"`6 Jan` is in the future", "`6 Jan 2026`"}},
		{"6 Oct", january, []string{"in the future", "`6 Oct 2026`"}}, // 91 days back: too far to guess
		{"31 Feb", saturday, []string{"`31 Feb` is not a real date", "`28 Feb`"}},
		{"30 Feb", saturday, []string{"not a real date"}},
		{"29 Feb", saturday, []string{"`29 Feb` is not a real date", "February 2026 has 28 days", "`2026-02-28`"}},
		{"29 Feb 2025", saturday, []string{"not a real date", "February 2025 has 28 days"}},
		{"31 Apr", saturday, []string{"not a real date", "`30 Apr`"}},
		{"0 Nov", saturday, []string{"not a real date"}},
		{"32 Jan", saturday, []string{"not a real date"}},
		{"2026-02-30", saturday, []string{"`2026-02-30` is not a real date", "`2026-02-28`"}},
		{"2026-02-00", saturday, []string{"not a real date"}},
		{"2026-13-01", saturday, []string{"`2026-13-01` is not a real date", "`2026-11-03`"}},
		{"2026-00-10", saturday, []string{"not a real date"}},
		{"2026-011-03", saturday, []string{"not a real date"}},
		{"3/11", saturday, []string{"`3/11` could be read day-first or month-first", "`3 Nov`", "`2026-11-03`"}},
		{"11/3", saturday, []string{"day-first or month-first"}},
		{"03/11/2026", saturday, []string{"day-first or month-first"}},
		{"3.11.2026", saturday, []string{"day-first or month-first"}},
		{"3-11-26", saturday, []string{"day-first or month-first"}},
		{"2025-10-16", saturday, []string{"`2025-10-16` is more than 400 days ago, which is probably a typo", "`2026-11-21`"}},
		{"3 Nov 2020", saturday, []string{"more than 400 days ago"}},
		{"0000-01-01", saturday, []string{"more than 400 days ago"}},
		{"9999-12-31", saturday, []string{"in the future"}},
		{"29 Feb", time.Date(2029, 1, 10, 0, 0, 0, 0, time.UTC), []string{"February 2029 has 28 days"}},
	}
	for _, c := range cases {
		got, err := Date(c.in, c.today)
		if !got.IsZero() {
			t.Errorf("Date(%q) = %v with error %v, want zero time", c.in, got, err)
		}
		wantInvalid(t, c.in, err, c.want...)
	}
}

func TestDateFields(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fields  []string
		n       int
		want    time.Time
		wantErr string
	}{
		{nil, 0, time.Time{}, ""},
		{[]string{"3", "invoices", "posted"}, 0, time.Time{}, ""},
		{[]string{"nov", "payroll"}, 0, time.Time{}, ""},
		{[]string{"today's", "call"}, 0, time.Time{}, ""},
		{[]string{"50/50", "split"}, 0, time.Time{}, ""},
		{[]string{"1.5", "hours"}, 0, time.Time{}, ""},
		{[]string{"3-11", "invoices"}, 0, time.Time{}, ""},
		{[]string{"2026-11", "accounts"}, 0, time.Time{}, ""},
		{[]string{"100", "Nov", "invoices"}, 0, time.Time{}, ""},
		{[]string{"yesterday"}, 1, day(2026, 11, 20), ""},
		{[]string{"yesterday:", "call"}, 1, day(2026, 11, 20), ""},
		{[]string{"2026-11-03", "x"}, 1, day(2026, 11, 3), ""},
		{[]string{"3", "Nov"}, 2, day(2026, 11, 3), ""},
		{[]string{"3", "Nov", "fixing"}, 2, day(2026, 11, 3), ""},
		{[]string{"3", "Nov", "200", "invoices"}, 2, day(2026, 11, 3), ""},
		{[]string{"3", "Nov", "2026", "fixing"}, 3, day(2026, 11, 3), ""},
		{[]string{"Nov", "3,", "2026"}, 3, day(2026, 11, 3), ""},
		{[]string{"may", "2", "invoices"}, 2, day(2026, 5, 2), ""},
		{[]string{"31", "Feb", "fixing"}, 2, time.Time{}, "not a real date"},
		{[]string{"1", "Dec", "fixing"}, 2, time.Time{}, "in the future"},
		{[]string{"3/11", "fixing"}, 1, time.Time{}, "day-first"},
		{[]string{"tomorrow"}, 1, time.Time{}, "in the future"},
	}
	for _, c := range cases {
		n, got, err := DateFields(c.fields, saturday)
		if n != c.n || !got.Equal(c.want) {
			t.Errorf("DateFields(%q) = %d, %v, %v; want %d, %v", c.fields, n, got, err, c.n, c.want)
		}
		if c.wantErr == "" {
			if err != nil {
				t.Errorf("DateFields(%q): unexpected error %v", c.fields, err)
			}
			continue
		}
		wantInvalid(t, c.fields[0], err, c.wantErr)
	}
}
