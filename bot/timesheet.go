package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/bot/views"
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
	from := d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) // back to Monday
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

// timesheet shows a person's entries by day with totals.
func timesheet(ctx context.Context, r *Request) error {
	var words []string
	who := r.Member
	for _, f := range strings.Fields(r.Text) {
		m := mention.FindStringSubmatch(f)
		if m == nil {
			words = append(words, f)
			continue
		}
		if m[1] == r.UserID {
			continue
		}
		if !r.Member.Can(atlas.RoleManager) {
			return atlas.Errorf(atlas.EForbidden, "Only managers, partners and admins can see someone else's timesheet. `/timesheet` shows yours.")
		}
		other, err := r.practiceStore().MemberBySlackID(ctx, r.Practice.ID, atlas.SlackUserID(m[1]))
		if err != nil {
			return atlas.Errorf(atlas.ENotFound, "<@%s> is not on the team, so has no timesheet.", m[1])
		}
		who = &other
	}
	sp, err := parseSpan(words, r.today())
	if err != nil {
		return err
	}
	entries, err := r.timeStore().Entries(ctx, r.Practice.ID, who.ID, sp.from, sp.to)
	if err != nil {
		return err
	}
	d := views.TimesheetData{Person: "yours", Period: sp.label, Editable: who.ID == r.Member.ID || r.Member.Can(atlas.RoleManager)}
	suffix := ""
	if who.ID != r.Member.ID {
		d.Person, suffix = who.Name+"'s", " <@"+string(who.SlackUserID)+">"
	}
	for _, e := range entries {
		if n := len(d.Days); n == 0 || !d.Days[n-1].Date.Equal(e.WorkDate) {
			d.Days = append(d.Days, views.TimesheetDay{Date: e.WorkDate})
		}
		day := &d.Days[len(d.Days)-1]
		day.Entries = append(day.Entries, r.entryView(e))
		if e.Billable {
			d.Billable += e.Minutes
		} else {
			d.NonBillable += e.Minutes
		}
	}
	if !sp.month && who.WeeklyCapacityMinutes > 0 {
		d.CapacityNote = fmt.Sprintf("%s of a %s week (%d%%)", fmtHours(d.Billable+d.NonBillable),
			fmtHours(who.WeeklyCapacityMinutes), (d.Billable+d.NonBillable)*100/who.WeeklyCapacityMinutes)
	}
	prev, next := weekOf(sp.from.AddDate(0, 0, -7)), weekOf(sp.to)
	if sp.month {
		prev, next = monthOf(sp.from.AddDate(0, -1, 0)), monthOf(sp.to)
	}
	d.Prev = prev.text() + suffix
	if !next.from.After(r.today()) {
		d.Next = next.text() + suffix
	}
	return r.Reply(Message{Text: fmt.Sprintf("Timesheet, %s: %s", sp.label, fmtHours(d.Billable+d.NonBillable)), Blocks: views.Timesheet(d)})
}

// timesheetPage shows a neighbouring period from a timesheet's buttons.
func timesheetPage(_ context.Context, r *Request) error {
	r.router.rerun(r, "/timesheet", r.Action.Value, "")
	return nil
}

// homeTime gathers the time part of the App Home.
func homeTime(ctx context.Context, r *Request) (*views.HomeTime, error) {
	if r.Member == nil {
		return nil, nil
	}
	ts := r.timeStore()
	out := &views.HomeTime{CapacityMinutes: r.Member.WeeklyCapacityMinutes}
	t, err := ts.Running(ctx, r.Practice.ID, r.Member.ID)
	switch {
	case err == nil:
		v := r.timerView(t)
		out.Timer = &v
	case atlas.ErrorCode(err) != atlas.ENotFound:
		return nil, err
	}
	today := r.today()
	if out.TodayMinutes, err = ts.Minutes(ctx, r.Practice.ID, r.Member.ID, today, today.AddDate(0, 0, 1)); err != nil {
		return nil, err
	}
	wk := weekOf(today)
	if out.WeekMinutes, err = ts.Minutes(ctx, r.Practice.ID, r.Member.ID, wk.from, wk.to); err != nil {
		return nil, err
	}
	recent, err := ts.Recent(ctx, r.Practice.ID, r.Member.ID, 5)
	if err != nil {
		return nil, err
	}
	for _, e := range recent {
		out.Recent = append(out.Recent, r.entryView(e))
	}
	return out, nil
}

// fmtHours renders minutes, zero included: "0h", "45m", "1h 30m".
func fmtHours(m int) string {
	if m <= 0 {
		return "0h"
	}
	return timeparse.Format(m)
}
