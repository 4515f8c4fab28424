// Package home is the App Home tab: the running timer and the week's
// hours, then either the month at a glance (the calendar, for managers and
// up) or the person's own tasks. Each feature that changes what it shows
// asks the kernel to refresh it (slackapp.Request.RefreshHome).
package home

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Deps are what the App Home reads.
type Deps struct {
	Practice practice.Store
	Time     timesheet.Store
	Work     workflow.Store
	Billing  billing.Store
}

type handlers struct{ Deps }

// Register adds the App Home: its event, its calendar's controls, and the
// publisher other features refresh it through.
func Register(rt *slackapp.Router, d Deps) {
	h := handlers{d}
	rt.HandleEvent("app_home_opened", slackapp.Anyone(h.opened))
	rt.HandleHome(func(ctx context.Context, r *slackapp.Request) error { return h.publish(ctx, r, CalendarState{}) })
	rt.HandleAction(ActionCalendar, slackapp.Manager(h.calendarAction))
}

// opened publishes the App Home tab for the person who opened it. The
// calendar keeps the filters and page of the Home they last saw, which
// Slack sends back with the event.
func (h handlers) opened(ctx context.Context, r *slackapp.Request) error {
	var st CalendarState
	if ev, ok := r.Event.(*slackevents.AppHomeOpenedEvent); ok && ev.View != nil {
		st = DecodeCalendarState(ev.View.PrivateMetadata)
	}
	return h.publish(ctx, r, st)
}

// publish builds the whole App Home for the caller, with the calendar in
// state st, and publishes it.
func (h handlers) publish(ctx context.Context, r *slackapp.Request, st CalendarState) error {
	if r.UserID == "" {
		return nil
	}
	d := HomeData{PracticeName: r.Practice.Name, PracticeSetUp: r.Practice.SetUp()}
	team, err := h.Practice.Members(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	d.TeamSize = len(team)
	for _, m := range team {
		if m.Role == atlas.RoleAdmin {
			d.Admins = append(d.Admins, string(m.SlackUserID))
		}
	}
	if m := r.Member; m != nil {
		d.PersonName, d.RoleTitle, d.IsAdmin = m.Name, m.Role.Title(), m.Role == atlas.RoleAdmin
	}
	if r.Member != nil && r.Practice.SetUp() {
		if d.Time, err = h.timeSummary(ctx, r); err != nil {
			return err
		}
		if r.Member.Can(atlas.RolePartner) {
			if d.Approvals, err = h.approvals(ctx, r); err != nil {
				return err
			}
		}
		if r.Member.Can(atlas.RoleManager) {
			d.Calendar, err = h.calendar(ctx, r, team, st)
		} else if r.Member.Active {
			d.MyTasks, err = h.myTasks(ctx, r)
		}
		if err != nil {
			return err
		}
	}
	if _, err := r.API.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: r.UserID, View: Home(d)}); err != nil {
		return fmt.Errorf("publish home for %s: %w", r.UserID, err)
	}
	return nil
}

// approvalsShown is how many invoices awaiting approval Home lists.
const approvalsShown = 5

// approvals gathers a partner's invoices: those awaiting approval, the
// oldest first, and those they approved today.
func (h handlers) approvals(ctx context.Context, r *slackapp.Request) (*ApprovalsData, error) {
	n, total, oldest, err := h.Billing.Awaiting(ctx, r.Practice.ID, approvalsShown)
	if err != nil {
		return nil, err
	}
	d := &ApprovalsData{Awaiting: n, Total: money.Format(total, r.Practice.Currency)}
	for _, inv := range oldest {
		since := inv.CreatedAt
		d.Oldest = append(d.Oldest, ApprovalRow{ID: inv.ID, Name: inv.Name(), Client: inv.Client(), Label: inv.Label,
			Total: money.Format(inv.Total, inv.Currency), Since: since.In(r.Practice.Location())})
	}
	start := r.Practice.Today(r.Now())
	dayStart := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, r.Practice.Location())
	today, err := h.Billing.ApprovedBetween(ctx, r.Practice.ID, r.Member.ID, dayStart, dayStart.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	for _, inv := range today {
		d.ApprovedToday = append(d.ApprovedToday, ApprovalRow{ID: inv.ID, Name: inv.Name(), Client: inv.Client(), Label: inv.Label,
			Total: money.Format(inv.Total, inv.Currency)})
	}
	return d, nil
}

// timeSummary gathers the time part of the App Home: the running timer,
// today's and this week's hours and the latest entries.
func (h handlers) timeSummary(ctx context.Context, r *slackapp.Request) (*HomeTime, error) {
	ts := h.Time
	out := &HomeTime{CapacityMinutes: r.Member.WeeklyCapacityMinutes}
	t, err := ts.Running(ctx, r.Practice.ID, r.Member.ID)
	switch {
	case err == nil:
		v := ui.TimerOf(r.Practice, t, r.Now())
		out.Timer = &v
	case atlas.ErrorCode(err) != atlas.ENotFound:
		return nil, err
	}
	today := r.Practice.Today(r.Now())
	if out.TodayMinutes, err = ts.Minutes(ctx, r.Practice.ID, r.Member.ID, today, today.AddDate(0, 0, 1)); err != nil {
		return nil, err
	}
	monday := atlas.WeekOf(today)
	if out.WeekMinutes, err = ts.Minutes(ctx, r.Practice.ID, r.Member.ID, monday, monday.AddDate(0, 0, 7)); err != nil {
		return nil, err
	}
	recent, err := ts.Recent(ctx, r.Practice.ID, r.Member.ID, 5)
	if err != nil {
		return nil, err
	}
	for _, e := range recent {
		out.Recent = append(out.Recent, ui.EntryOf(r.Practice, e))
	}
	return out, nil
}

// calendarAction applies a calendar control — a filter, the month or the
// page — and publishes Home again.
func (h handlers) calendarAction(ctx context.Context, r *slackapp.Request) error {
	var st CalendarState
	if r.Interaction != nil {
		st = DecodeCalendarState(r.Interaction.View.PrivateMetadata)
	}
	a := r.Action
	picked := func() string {
		if v := a.SelectedOption.Value; v != CalendarAll {
			return v
		}
		return ""
	}
	switch a.ActionID {
	case ActionCalendarMember:
		st.Member, st.Page = ui.ParseID(picked()), 0
	case ActionCalendarType:
		st.Type, st.Page = picked(), 0
	case ActionCalendarStatus:
		st.Status, st.Page = picked(), 0
	default:
		// The month and page buttons carry the state they lead to.
		st = DecodeCalendarState(a.Value)
	}
	return h.publish(ctx, r, st)
}

// calendar gathers the month at a glance in state st, correcting what no
// longer applies (a filter on someone who left, a page past the end).
func (h handlers) calendar(ctx context.Context, r *slackapp.Request, team []practice.Member, st CalendarState) (*CalendarData, error) {
	today := r.Practice.Today(r.Now())
	ws := h.Work
	current, err := ws.MonthAtHand(ctx, r.Practice.ID, today)
	if err != nil {
		return nil, err
	}
	period := current
	if p, err := atlas.ParsePeriod(st.Month); st.Month != "" && err == nil {
		period = p
	}
	st.Month = monthState(period, current)
	d := &CalendarData{Month: period.Label(),
		PrevLabel: period.Prev().FirstDay().Format("Jan 2006"), NextLabel: period.Next().FirstDay().Format("Jan 2006")}
	d.PrevMonth, d.NextMonth = monthState(period.Prev(), current), monthState(period.Next(), current)

	f := workflow.Filter{Period: period, Today: today, Limit: CalendarPageSize}
	for _, m := range team {
		d.Members = append(d.Members, blockkit.Option{Value: strconv.FormatInt(int64(m.ID), 10), Label: m.Name})
		if int64(m.ID) == st.Member {
			f.Member = m.ID
		}
	}
	st.Member = int64(f.Member)
	for _, t := range practice.EntityTypes {
		d.Types = append(d.Types, blockkit.Option{Value: t, Label: practice.EntityTypeLabel(t)})
	}
	if !slices.Contains(practice.EntityTypes, st.Type) {
		st.Type = ""
	}
	f.EntityType = st.Type
	for _, s := range workflow.Statuses {
		d.Statuses = append(d.Statuses, blockkit.Option{Value: string(s), Label: s.Label()})
	}
	if s, ok := workflow.ParseStatus(st.Status); ok {
		f.Status = s
	} else {
		st.Status = ""
	}

	f.Offset = st.Page * CalendarPageSize
	page, err := ws.List(ctx, r.Practice.ID, f)
	if err != nil {
		return nil, err
	}
	if len(page.Tasks) == 0 && page.Total > 0 && st.Page > 0 {
		// The list shrank since the button was drawn: show its last page.
		st.Page = (page.Total - 1) / CalendarPageSize
		f.Offset = st.Page * CalendarPageSize
		if page, err = ws.List(ctx, r.Practice.ID, f); err != nil {
			return nil, err
		}
	}
	if page.Total == 0 {
		st.Page = 0
	}
	d.State, d.Total = st, page.Total
	for _, s := range workflow.Statuses {
		d.Counts = append(d.Counts, StatusCount{Colour: ui.StatusColour(s), Label: s.Label(), N: page.Counts[s]})
	}
	d.AtRisk = page.AtRisk
	d.Rows = calendarRows(page.Tasks, today)
	if d.EarlierOverdue, err = ws.OverdueBefore(ctx, r.Practice.ID, f); err != nil {
		return nil, err
	}
	earlier, n, err := ws.OpenBefore(ctx, r.Practice.ID, workflow.Filter{Period: period, Member: f.Member, EntityType: f.EntityType}, earlierShown)
	if err != nil {
		return nil, err
	}
	d.Earlier, d.EarlierOpen = earlierRows(earlier, today), n
	return d, nil
}

// monthState is the state's Month for period: empty for the current month.
func monthState(period, current atlas.Period) string {
	if period == current {
		return ""
	}
	return period.String()
}

// myTasks lists the tasks the caller prepares or reviews this month, the
// soonest due first.
func (h handlers) myTasks(ctx context.Context, r *slackapp.Request) (*MyTasksData, error) {
	today := r.Practice.Today(r.Now())
	period, err := h.Work.MonthAtHandFor(ctx, r.Practice.ID, workflow.Filter{Member: r.Member.ID}, today)
	if err != nil {
		return nil, err
	}
	page, err := h.Work.List(ctx, r.Practice.ID, workflow.Filter{
		Period: period, Today: today, Member: r.Member.ID, ByDue: true, Limit: MyTasksShown})
	if err != nil {
		return nil, err
	}
	earlier, n, err := h.Work.OpenBefore(ctx, r.Practice.ID, workflow.Filter{Period: period, Member: r.Member.ID}, earlierShown)
	if err != nil {
		return nil, err
	}
	return &MyTasksData{Month: period.Label(), Total: page.Total, Rows: calendarRows(page.Tasks, today),
		Earlier: earlierRows(earlier, today), EarlierOpen: n}, nil
}

// earlierShown is how many packs of earlier months Home lists first.
const earlierShown = 5

// earlierRows draws packs of earlier months, each with its month.
func earlierRows(tasks []workflow.Task, today time.Time) []CalendarRow {
	rows := calendarRows(tasks, today)
	for i := range rows {
		rows[i].Month = tasks[i].Period.Label()
	}
	return rows
}

// calendarRows draws tasks as calendar lines on day today.
func calendarRows(tasks []workflow.Task, today time.Time) []CalendarRow {
	perClient := map[int64]int{}
	for _, t := range tasks {
		perClient[t.EntityID]++
	}
	rows := make([]CalendarRow, 0, len(tasks))
	for _, t := range tasks {
		row := CalendarRow{TaskID: t.ID, Colour: ui.ColourOn(t.Progress, today), Client: t.ClientLabel(),
			Stage: atlas.StageName(t.Stage), Due: t.DueDate, Preparer: t.PreparerName}
		if perClient[t.EntityID] > 1 {
			row.Template = t.TemplateName // tell a client's tasks apart
		}
		rows = append(rows, row)
	}
	return rows
}
