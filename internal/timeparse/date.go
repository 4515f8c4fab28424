package timeparse

import (
	"strconv"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// maxAgeDays is how far back a date may be. Older work is rare enough that a
// date beyond it is much more likely a typo (a wrong year) than real.
const maxAgeDays = 400

// rolloverDays is how far back a day-month without a year may reach into
// last year. It lets `28 Dec` typed on 5 January mean last December, while
// `1 Dec` typed in November is still caught as a future date.
const rolloverDays = 90

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "sun": time.Sunday,
	"monday": time.Monday, "mon": time.Monday,
	"tuesday": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday,
	"wednesday": time.Wednesday, "wed": time.Wednesday, "weds": time.Wednesday,
	"thursday": time.Thursday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday,
	"friday": time.Friday, "fri": time.Friday,
	"saturday": time.Saturday, "sat": time.Saturday,
}

var months = map[string]time.Month{
	"jan": time.January, "january": time.January,
	"feb": time.February, "february": time.February,
	"mar": time.March, "march": time.March,
	"apr": time.April, "april": time.April,
	"may": time.May,
	"jun": time.June, "june": time.June,
	"jul": time.July, "july": time.July,
	"aug": time.August, "august": time.August,
	"sep": time.September, "sept": time.September, "september": time.September,
	"oct": time.October, "october": time.October,
	"nov": time.November, "november": time.November,
	"dec": time.December, "december": time.December,
}

// Date parses a work date relative to today (a date in the practice's
// timezone; only its Y/M/D matter). It returns a time.Time at midnight UTC
// of that calendar date.
//
// Accepted, ignoring case: `today`, `yesterday`, `yday`, weekday names and
// abbreviations (the most recent such day, today included), `2026-11-03`,
// `3 Nov`, `3rd November`, `Nov 3`, `Nov 3, 2026`, `3 Nov 2026`.
func Date(s string, today time.Time) (time.Time, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return time.Time{}, atlas.Errorf(atlas.EInvalid,
			"Give a date, like `yesterday`, `mon`, `3 Nov` or `2026-11-03`.")
	}
	n, d, err := DateFields(fields, today)
	if err != nil {
		return time.Time{}, err
	}
	if n != len(fields) {
		return time.Time{}, atlas.Errorf(atlas.EInvalid,
			"`%s` is not a date. Write it like `yesterday`, `mon`, `3 Nov` or `2026-11-03`.", show(s))
	}
	return d, nil
}

// DateFields reports whether the words at the start of fields form a date
// Date accepts, and how many fields that date uses (1 for `yesterday` or
// `2026-11-03`, 2 for `3 Nov`, 3 for `3 Nov 2026`); 0 if none.
//
// When the leading fields look like a date but it is wrong (`31 Feb`, a
// future day, `3/11`), it returns n > 0 and the error, so that `/log 1h acme
// 31 Feb fixing` reports the bad date instead of logging "31 Feb fixing" as
// the description. A number is only a day when a month name is next to it,
// so `3 invoices posted` is not a date.
func DateFields(fields []string, today time.Time) (n int, date time.Time, err error) {
	if len(fields) == 0 {
		return 0, time.Time{}, nil
	}
	y, m, d := today.Date()
	t0 := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)

	f0 := dateWord(fields[0])
	switch f0 {
	case "today":
		return 1, t0, nil
	case "yesterday", "yday":
		return 1, t0.AddDate(0, 0, -1), nil
	case "tomorrow":
		return 1, time.Time{}, future(fields[0])
	}
	if wd, ok := weekdays[f0]; ok {
		back := (int(t0.Weekday()) - int(wd) + 7) % 7
		return 1, t0.AddDate(0, 0, -back), nil
	}
	if parts, ok := numericParts(f0, "-"); ok && len(parts) == 3 && len(parts[0]) == 4 {
		date, err := isoDate(fields[0], parts, t0)
		return 1, date, err
	}
	if numericDate(f0) {
		return 1, time.Time{}, atlas.Errorf(atlas.EInvalid,
			"`%s` could be read day-first or month-first. Write the month as a word, like `3 Nov`, or use `2026-11-03`.",
			show(fields[0]))
	}
	if len(fields) < 2 {
		return 0, time.Time{}, nil
	}

	f1 := dateWord(fields[1])
	day, month := 0, time.Month(0)
	if dd, ok := dayNumber(f0); ok {
		if mm, ok := months[f1]; ok {
			day, month = dd, mm
		}
	} else if mm, ok := months[f0]; ok {
		if dd, ok := dayNumber(f1); ok {
			day, month = dd, mm
		}
	}
	if month == 0 {
		return 0, time.Time{}, nil
	}
	n = 2
	year := 0
	if len(fields) > 2 {
		if f2 := dateWord(fields[2]); len(f2) == 4 && allDigits(f2) {
			year, _ = strconv.Atoi(f2)
			n = 3
		}
	}
	typed := strings.Join(fields[:n], " ")
	date, err = dayMonth(typed, day, month, year, t0)
	return n, date, err
}

// dateWord lower-cases a field and drops trailing punctuation people put
// after dates ("Nov 3, 2026", "Nov. 3", "yesterday:").
func dateWord(s string) string {
	return strings.TrimRight(strings.ToLower(s), ",.:")
}

// numericParts splits s on sep and reports whether every part is a run of
// ASCII digits.
func numericParts(s, sep string) ([]string, bool) {
	parts := strings.Split(s, sep)
	for _, p := range parts {
		if p == "" || !allDigits(p) {
			return nil, false
		}
	}
	return parts, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// numericDate reports whether s looks like a day and month written in
// digits: 3/11, 03/11/2026, 3.11.26, 3-11-2026. Those read differently in
// the UK and the US, so they are refused rather than guessed. Two numbers
// that cannot both be day or month (`50/50`) are left alone as ordinary
// words.
func numericDate(s string) bool {
	for _, sep := range []string{"/", ".", "-"} {
		parts, ok := numericParts(s, sep)
		if !ok || len(parts) < 2 || len(parts) > 3 {
			continue
		}
		if len(parts) == 2 && sep != "/" {
			continue // 3.11 is a number; 3-11 a range
		}
		if len(parts) == 3 && len(parts[2]) != 2 && len(parts[2]) != 4 {
			continue
		}
		if len(parts[0]) > 2 || len(parts[1]) > 2 {
			continue
		}
		a, _ := strconv.Atoi(parts[0])
		b, _ := strconv.Atoi(parts[1])
		if a >= 1 && b >= 1 && a <= 31 && b <= 31 && (a <= 12 || b <= 12) {
			return true
		}
	}
	return false
}

// dayNumber reads a day of the month: one or two digits, optionally with an
// ordinal suffix (3rd, 21st). Values are checked later against the month so
// that `0 Nov` or `32 Jan` is reported as a bad date, not a description.
func dayNumber(s string) (int, bool) {
	for _, suf := range []string{"st", "nd", "rd", "th"} {
		if t, ok := strings.CutSuffix(s, suf); ok {
			s = t
			break
		}
	}
	if len(s) == 0 || len(s) > 2 || !allDigits(s) {
		return 0, false
	}
	d, _ := strconv.Atoi(s)
	return d, true
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func isoDate(typed string, parts []string, t0 time.Time) (time.Time, error) {
	year, _ := strconv.Atoi(parts[0])
	mo, d := 0, 0
	if len(parts[1]) <= 2 && len(parts[2]) <= 2 {
		mo, _ = strconv.Atoi(parts[1])
		d, _ = strconv.Atoi(parts[2])
	}
	if mo < 1 || mo > 12 {
		return time.Time{}, atlas.Errorf(atlas.EInvalid,
			"`%s` is not a real date: write year-month-day with months 01 to 12, like `2026-11-03`.", show(typed))
	}
	if d < 1 || d > daysIn(year, time.Month(mo)) {
		return time.Time{}, notReal(typed, year, time.Month(mo), t0)
	}
	return check(typed, time.Date(year, time.Month(mo), d, 0, 0, 0, 0, time.UTC), t0)
}

// dayMonth resolves `3 Nov` (year 0: not given) or `3 Nov 2026`.
func dayMonth(typed string, day int, month time.Month, year int, t0 time.Time) (time.Time, error) {
	if year != 0 {
		if day < 1 || day > daysIn(year, month) {
			return time.Time{}, notReal(typed, year, month, t0)
		}
		return check(typed, time.Date(year, month, day, 0, 0, 0, 0, time.UTC), t0)
	}
	if day < 1 || day > daysIn(2024, month) { // 2024: a leap year, so 29 Feb passes here
		return time.Time{}, notReal(typed, 0, month, t0)
	}
	this := t0.Year()
	if day <= daysIn(this, month) {
		d := time.Date(this, month, day, 0, 0, 0, 0, time.UTC)
		if !d.After(t0) {
			return check(typed, d, t0)
		}
	}
	// In the future this year (or 29 Feb in a common year): last year's, if
	// recent enough that it is clearly what was meant.
	if day <= daysIn(this-1, month) {
		d := time.Date(this-1, month, day, 0, 0, 0, 0, time.UTC)
		if atlas.DaysBetween(d, t0) <= rolloverDays {
			return d, nil
		}
	}
	if day > daysIn(this, month) {
		return time.Time{}, notReal(typed, this, month, t0)
	}
	return time.Time{}, atlas.Errorf(atlas.EInvalid,
		"`%s` is in the future; time is logged for today or earlier. For last year, write `%d %s %d`.",
		show(typed), day, month.String()[:3], this-1)
}

// check applies the limits every date shares: not after today, not absurdly
// long ago.
func check(typed string, d, t0 time.Time) (time.Time, error) {
	if d.After(t0) {
		return time.Time{}, future(typed)
	}
	if atlas.DaysBetween(d, t0) > maxAgeDays {
		return time.Time{}, atlas.Errorf(atlas.EInvalid,
			"`%s` is more than %d days ago, which is probably a typo. Check the year, e.g. `%s`.",
			show(typed), maxAgeDays, t0.Format("2006-01-02"))
	}
	return d, nil
}

func future(typed string) error {
	return atlas.Errorf(atlas.EInvalid,
		"`%s` is in the future; time is logged for today or earlier. Use `today`, `yesterday` or an earlier date.", show(typed))
}

func notReal(typed string, year int, m time.Month, t0 time.Time) error {
	last := daysIn(t0.Year(), m)
	if year != 0 {
		last = daysIn(year, m)
		return atlas.Errorf(atlas.EInvalid,
			"`%s` is not a real date: %s %d has %d days. Write it like `%d %s` or `%04d-%02d-%02d`.",
			show(typed), m, year, last, last, m.String()[:3], year, int(m), last)
	}
	return atlas.Errorf(atlas.EInvalid,
		"`%s` is not a real date: %s has at most %d days. Write it like `%d %s`.",
		show(typed), m, daysIn(2024, m), last, m.String()[:3])
}
