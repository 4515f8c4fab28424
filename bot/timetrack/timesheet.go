package timetrack

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/timeparse"
)

const timesheetUsage = "`/timesheet [week|last week|month|last month|2026-11|2026-11-03] [@person]`"

// span is a timesheet's period: [from, to) in work dates.
type span struct {
	from, to time.Time
	label    string
	month    bool
}

func weekOf(d time.Time) span {
	from := atlas.WeekOf(d)
	return span{from: from, to: from.AddDate(0, 0, 7), label: "week of " + from.Format("Mon 2 Jan")}
}

func monthOf(d time.Time) span {
	from := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	return span{from: from, to: from.AddDate(0, 1, 0), label: from.Format("January 2006"), month: true}
}

// text is the /timesheet text that shows the span.
func (s span) text() string {
	if s.month {
		return s.from.Format("2006-01")
	}
	return s.from.Format(time.DateOnly)
}

// parseSpan reads the period words of /timesheet.
func parseSpan(words []string, today time.Time) (span, error) {
	w := strings.ToLower(strings.Join(words, " "))
	switch w {
	case "", "week", "this week":
		return weekOf(today), nil
	case "last week":
		return weekOf(today.AddDate(0, 0, -7)), nil
	case "month", "this month":
		return monthOf(today), nil
	case "last month":
		return monthOf(monthOf(today).from.AddDate(0, -1, 0)), nil
	}
	if p, err := atlas.ParsePeriod(w); err == nil && len(words) == 1 && len(w) == 7 {
		return monthOf(p.FirstDay()), nil
	}
	if d, err := timeparse.Date(w, today); err == nil {
		return weekOf(d), nil
	}
	return span{}, atlas.Errorf(atlas.EInvalid, "Atlas cannot read %q as a period. Use %s, such as `/timesheet last week` or `/timesheet 2026-10`.", strings.Join(words, " "), timesheetUsage)
}

// pageOf takes "page N" off the end of a /timesheet line: the zero-based
// page of a period too long for one message.
func pageOf(fields []string) ([]string, int) {
	if n := len(fields); n >= 2 && strings.EqualFold(fields[n-2], "page") {
		if p, err := strconv.Atoi(fields[n-1]); err == nil && p >= 1 {
			return fields[:n-2], p - 1
		}
	}
	return fields, 0
}

// timesheet shows a person's entries by day with totals.
func (h handlers) timesheet(ctx context.Context, r *slackapp.Request) error {
	var words []string
	who := r.Member
	fields, page := pageOf(strings.Fields(r.Text))
	for _, f := range fields {
		id, ok := slackapp.ParseMention(f)
		if !ok {
			words = append(words, f)
			continue
		}
		if id == r.UserID {
			continue
		}
		// The route lets only managers and up name someone else.
		other, err := h.Practice.MemberBySlackID(ctx, r.Practice.ID, atlas.SlackUserID(id))
		if err != nil {
			return atlas.Errorf(atlas.ENotFound, "<@%s> is not on the team, so has no timesheet.", id)
		}
		who = &other
	}
	sp, err := parseSpan(words, today(r))
	if err != nil {
		return err
	}
	entries, err := h.Time.Entries(ctx, r.Practice.ID, who.ID, sp.from, sp.to)
	if err != nil {
		return err
	}
	d := TimesheetData{Person: "yours", Period: sp.label, Editable: who.ID == r.Member.ID || r.Member.Can(atlas.RoleManager), Page: page}
	suffix := ""
	if who.ID != r.Member.ID {
		d.Person, suffix = who.Name+"'s", " <@"+string(who.SlackUserID)+">"
	}
	d.Text = sp.text() + suffix
	for _, e := range entries {
		if n := len(d.Days); n == 0 || !d.Days[n-1].Date.Equal(e.WorkDate) {
			d.Days = append(d.Days, TimesheetDay{Date: e.WorkDate})
		}
		day := &d.Days[len(d.Days)-1]
		day.Entries = append(day.Entries, ui.EntryOf(r.Practice, e))
		if e.Billable {
			d.Billable += e.Minutes
		} else {
			d.NonBillable += e.Minutes
		}
	}
	if !sp.month && who.WeeklyCapacityMinutes > 0 {
		d.CapacityNote = fmt.Sprintf("%s of a %s week (%d%%)", ui.Hours(d.Billable+d.NonBillable),
			ui.Hours(who.WeeklyCapacityMinutes), (d.Billable+d.NonBillable)*100/who.WeeklyCapacityMinutes)
	}
	// A running timer is time not yet on the sheet: shown, so the totals
	// are not read as the whole of the period's work.
	if !today(r).Before(sp.from) && today(r).Before(sp.to) {
		t, err := h.Time.Running(ctx, r.Practice.ID, who.ID)
		switch {
		case err == nil:
			v := ui.TimerOf(r.Practice, t, r.Now())
			d.Timer = &v
		case atlas.ErrorCode(err) != atlas.ENotFound:
			return err
		}
	}
	prev, next := weekOf(sp.from.AddDate(0, 0, -7)), weekOf(sp.to)
	if sp.month {
		prev, next = monthOf(sp.from.AddDate(0, -1, 0)), monthOf(sp.to)
	}
	d.Prev = prev.text() + suffix
	if !next.from.After(today(r)) {
		d.Next = next.text() + suffix
	}
	return r.Reply(slackapp.Message{Text: fmt.Sprintf("Timesheet, %s: %s", sp.label, ui.Hours(d.Billable+d.NonBillable)), Blocks: Timesheet(d)})
}

// timesheetPage shows a neighbouring period from a timesheet's buttons.
func (h handlers) timesheetPage(_ context.Context, r *slackapp.Request) error {
	r.Rerun("/timesheet", r.Action.Value, "")
	return nil
}
