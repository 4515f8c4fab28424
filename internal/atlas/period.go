package atlas

import (
	"fmt"
	"strings"
	"time"
)

// Period is a calendar month, the unit of processing and billing.
type Period struct {
	Year  int
	Month time.Month
}

// PeriodOf returns the month that t falls in, in t's location.
func PeriodOf(t time.Time) Period { return Period{t.Year(), t.Month()} }

// ParsePeriod reads "2026-11".
func ParsePeriod(s string) (Period, error) {
	t, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil {
		return Period{}, Errorf(EInvalid, "%q is not a month. Write it as YYYY-MM, for example 2026-11.", s)
	}
	return PeriodOf(t), nil
}

// Start is midnight on the first day of the month in loc.
func (p Period) Start(loc *time.Location) time.Time {
	return time.Date(p.Year, p.Month, 1, 0, 0, 0, 0, loc)
}

// FirstDay is the first day of the month as a date (UTC midnight), the form
// stored in date columns.
func (p Period) FirstDay() time.Time { return p.Start(time.UTC) }

// Next is the month after p.
func (p Period) Next() Period { return PeriodOf(p.FirstDay().AddDate(0, 1, 0)) }

// Prev is the month before p.
func (p Period) Prev() Period { return PeriodOf(p.FirstDay().AddDate(0, -1, 0)) }

// String is "2026-11".
func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// Label is "November 2026".
func (p Period) Label() string { return fmt.Sprintf("%s %d", p.Month, p.Year) }

// DaysBetween counts the calendar days from one date to another; both are
// midnights in UTC (the form Atlas keeps dates in), so no day is 23 or 25
// hours long.
func DaysBetween(from, to time.Time) int {
	return int(to.Sub(from) / (24 * time.Hour))
}

// DateOf is t's calendar date (in t's own location) as midnight UTC, the
// form Atlas keeps work dates, due dates and periods in.
func DateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// WeekOf is the Monday of date's week: practices' weeks, timesheets and
// capacity run Monday to Sunday.
func WeekOf(date time.Time) time.Time {
	return date.AddDate(0, 0, -((int(date.Weekday()) + 6) % 7))
}

// Weekdays counts the Mondays to Fridays from one date up to (not
// including) another: the working days a weekly capacity is spread over.
func Weekdays(from, to time.Time) int {
	n := 0
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n
}

// LastDay is the last day of the month as a date (UTC midnight).
func (p Period) LastDay() time.Time { return p.Next().FirstDay().AddDate(0, 0, -1) }

// Days is the number of days in the month.
func (p Period) Days() int { return p.LastDay().Day() }

// Before reports whether p is an earlier month than q.
func (p Period) Before(q Period) bool { return p.FirstDay().Before(q.FirstDay()) }
