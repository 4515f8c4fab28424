package practice

import (
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// Schedule is when a fixed-fee client is invoiced: on its invoice day each
// month — the month's last day where the month is shorter, so 31 means
// "month end" — for the month the timing picks:
//
//   - in advance, the next month that begins on or after the invoice date:
//     invoice day 1 bills that month; any later day bills the month after;
//   - in arrears, the last month that ended before the invoice date: always
//     the month before.
type Schedule struct {
	Timing string // TimingAdvance or TimingArrears
	Day    int    // 1 to 31
}

// Invoice timings.
const (
	TimingAdvance = "advance"
	TimingArrears = "arrears"
)

// ScheduleOf is a client's invoicing schedule.
func ScheduleOf(e Entity) Schedule { return Schedule{Timing: e.InvoiceTiming, Day: e.InvoiceDay} }

// InvoiceDate is the day in month m the client is invoiced.
func (s Schedule) InvoiceDate(m atlas.Period) time.Time {
	return m.FirstDay().AddDate(0, 0, min(max(s.Day, 1), m.Days())-1)
}

// Billed is the period the invoice of month m bills.
func (s Schedule) Billed(m atlas.Period) atlas.Period {
	if s.Timing == TimingArrears {
		return m.Prev()
	}
	if s.InvoiceDate(m).Day() == 1 {
		return m
	}
	return m.Next()
}

// InvoicedIn is the month whose invoice bills period p: the inverse of
// Billed.
func (s Schedule) InvoicedIn(p atlas.Period) atlas.Period {
	switch {
	case s.Timing == TimingArrears:
		return p.Next()
	case s.Day <= 1:
		return p
	}
	return p.Prev()
}

// FirstBilledFrom is the first period whose invoice date falls on or after
// day: where a new fee starts when nobody says otherwise, so setting one
// never bills a month already past.
func (s Schedule) FirstBilledFrom(day time.Time) atlas.Period {
	m := atlas.PeriodOf(day)
	if s.InvoiceDate(m).Before(atlas.DateOf(day)) {
		m = m.Next()
	}
	return s.Billed(m)
}
