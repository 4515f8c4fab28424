package ui

import (
	"fmt"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timeparse"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// Hours renders minutes for people, zero included: "0h", "45m", "1h 30m".
func Hours(m int) string { return timeparse.Format(m) }

// TimerView is a running timer as shown to its owner.
type TimerView struct {
	ID      int64
	Client  string // "ACME · Acme Trading Ltd"
	Service string
	Note    string
	Started time.Time // in the practice's timezone
	Elapsed time.Duration
}

// TimerOf is t as p's people see it at now.
func TimerOf(p practice.Practice, t timesheet.Timer, now time.Time) TimerView {
	return TimerView{ID: t.ID, Client: t.ClientLabel(), Service: t.ServiceName, Note: t.Note,
		Started: t.StartedAt.In(p.Location()), Elapsed: t.Elapsed(now)}
}

// Line is the timer in a sentence: what, and for how long.
func (t TimerView) Line() string {
	what := "*" + blockkit.Escape(t.Client) + "*"
	if t.Service != "" {
		what += " · " + blockkit.Escape(t.Service)
	}
	if t.Note != "" {
		what += " — " + blockkit.Escape(t.Note)
	}
	if t.Elapsed < time.Minute {
		return fmt.Sprintf("%s\nJust started, at %s", what, t.Started.Format("15:04"))
	}
	return fmt.Sprintf("%s\nRunning for *%s*, since %s", what, Hours(int(t.Elapsed/time.Minute)), t.Started.Format("Mon 15:04"))
}

// EntryView is a saved entry as shown in messages and the timesheet.
type EntryView struct {
	ID          int64
	Date        time.Time
	Client      string
	Service     string
	Task        string
	Minutes     int
	Rounded     int // the minutes valued and invoiced
	Description string
	Billable    bool
	Value       string // "£75.00", or "" when no rate applied
	Locked      bool
	LockedAs    string // why: "invoiced", "written off", "billed before Atlas"
	Person      string // for someone else's timesheet
}

// EntryOf is e as p's people see it.
func EntryOf(p practice.Practice, e timesheet.Entry) EntryView {
	v := EntryView{
		ID: e.ID, Date: e.WorkDate, Client: e.ClientLabel(), Service: e.ServiceName, Task: e.TaskName,
		Minutes: e.Minutes, Rounded: timesheet.RoundMinutes(e.Minutes, p.RoundingIncrement, p.RoundingMode),
		Description: e.Description, Billable: e.Billable, Locked: e.Locked(), LockedAs: e.LockedAs(), Person: e.MemberName,
	}
	if e.Value.Valid {
		v.Value = money.Format(e.Value.Decimal, p.Currency)
	}
	return v
}

// Line is the entry on one line: "1h 30m · ACME · Payroll — bank rec".
func (e EntryView) Line() string {
	d := Hours(e.Minutes)
	if e.Billable && e.Rounded != e.Minutes {
		d += fmt.Sprintf(" (%s billed)", Hours(e.Rounded))
	}
	s := fmt.Sprintf("*%s* · %s", d, blockkit.Escape(e.Client))
	if e.Service != "" {
		s += " · " + blockkit.Escape(e.Service)
	}
	if e.Task != "" {
		s += " · _" + blockkit.Escape(e.Task) + "_"
	}
	if e.Description != "" {
		s += " — " + blockkit.Escape(blockkit.Truncate(e.Description, 200))
	}
	switch {
	case !e.Billable:
		s += " · non-billable"
	case e.Value != "":
		s += " · " + e.Value
	}
	if e.Locked {
		s += " :lock:"
	}
	return s
}
