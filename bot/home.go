package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// home publishes the App Home tab for the person who opened it. The
// calendar keeps the filters and page of the Home they last saw, which
// Slack sends back with the event.
func home(ctx context.Context, r *Request) error {
	var st views.CalendarState
	if ev, ok := r.Event.(*slackevents.AppHomeOpenedEvent); ok && ev.View != nil {
		st = views.DecodeCalendarState(ev.View.PrivateMetadata)
	}
	return publishHome(ctx, r, st)
}

// publishHome builds the whole App Home for the caller, with the calendar
// in state st, and publishes it.
func publishHome(ctx context.Context, r *Request, st views.CalendarState) error {
	if r.UserID == "" {
		return nil
	}
	store := practice.Store{DB: r.router.DB}
	d := views.HomeData{PracticeName: r.Practice.Name, PracticeSetUp: r.Practice.SetUp()}
	team, err := store.Members(ctx, r.Practice.ID)
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
		if d.Time, err = homeTime(ctx, r); err != nil {
			return err
		}
		if r.Member.Can(atlas.RoleManager) {
			d.Calendar, err = homeCalendar(ctx, r, team, st)
		} else if r.Member.Active {
			d.MyTasks, err = homeMyTasks(ctx, r)
		}
		if err != nil {
			return err
		}
	}
	if _, err := r.API.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: r.UserID, View: views.Home(d)}); err != nil {
		return fmt.Errorf("publish home for %s: %w", r.UserID, err)
	}
	return nil
}

// calendarAction applies a calendar control — a filter, the month or the
// page — and publishes Home again.
func calendarAction(ctx context.Context, r *Request) error {
	var st views.CalendarState
	if r.Interaction != nil {
		st = views.DecodeCalendarState(r.Interaction.View.PrivateMetadata)
	}
	a := r.Action
	picked := func() string {
		if v := a.SelectedOption.Value; v != views.CalendarAll {
			return v
		}
		return ""
	}
	switch a.ActionID {
	case views.ActionCalendarMember:
		st.Member, st.Page = atoi64(picked()), 0
	case views.ActionCalendarType:
		st.Type, st.Page = picked(), 0
	case views.ActionCalendarStatus:
		st.Status, st.Page = picked(), 0
	default:
		// The month and page buttons carry the state they lead to.
		st = views.DecodeCalendarState(a.Value)
	}
	return publishHome(ctx, r, st)
}

// homeCalendar gathers the month at a glance in state st, correcting what
// no longer applies (a filter on someone who left, a page past the end).
func homeCalendar(ctx context.Context, r *Request, team []practice.Member, st views.CalendarState) (*views.CalendarData, error) {
	today := r.today()
	ws := workflow.Store{DB: r.router.DB}
	current, err := ws.MonthAtHand(ctx, r.Practice.ID, today)
	if err != nil {
		return nil, err
	}
	period := current
	if p, err := atlas.ParsePeriod(st.Month); st.Month != "" && err == nil {
		period = p
	}
	st.Month = monthState(period, current)
	d := &views.CalendarData{Month: period.Label(),
		PrevLabel: period.Prev().FirstDay().Format("Jan 2006"), NextLabel: period.Next().FirstDay().Format("Jan 2006")}
	d.PrevMonth, d.NextMonth = monthState(period.Prev(), current), monthState(period.Next(), current)

	f := workflow.Filter{Period: period, Today: today, Limit: views.CalendarPageSize}
	for _, m := range team {
		d.Members = append(d.Members, views.Option{Value: strconv.FormatInt(int64(m.ID), 10), Label: m.Name})
		if int64(m.ID) == st.Member {
			f.Member = m.ID
		}
	}
	st.Member = int64(f.Member)
	for _, t := range practice.EntityTypes {
		d.Types = append(d.Types, views.Option{Value: t, Label: practice.EntityTypeLabel(t)})
	}
	if !slices.Contains(practice.EntityTypes, st.Type) {
		st.Type = ""
	}
	f.EntityType = st.Type
	for _, s := range workflow.Statuses {
		d.Statuses = append(d.Statuses, views.Option{Value: string(s), Label: s.Label()})
	}
	if s, ok := workflow.ParseStatus(st.Status); ok {
		f.Status = s
	} else {
		st.Status = ""
	}

	f.Offset = st.Page * views.CalendarPageSize
	page, err := ws.List(ctx, r.Practice.ID, f)
	if err != nil {
		return nil, err
	}
	if len(page.Tasks) == 0 && page.Total > 0 && st.Page > 0 {
		// The list shrank since the button was drawn: show its last page.
		st.Page = (page.Total - 1) / views.CalendarPageSize
		f.Offset = st.Page * views.CalendarPageSize
		if page, err = ws.List(ctx, r.Practice.ID, f); err != nil {
			return nil, err
		}
	}
	if page.Total == 0 {
		st.Page = 0
	}
	d.State, d.Total = st, page.Total
	for _, s := range workflow.Statuses {
		d.Counts = append(d.Counts, views.StatusCount{Colour: statusColour(s), Label: s.Label(), N: page.Counts[s]})
	}
	d.AtRisk = page.AtRisk
	d.Rows = calendarRows(page.Tasks, today)
	if d.EarlierOverdue, err = ws.OverdueBefore(ctx, r.Practice.ID, f); err != nil {
		return nil, err
	}
	return d, nil
}

// monthState is the state's Month for period: empty for the current month.
func monthState(period, current atlas.Period) string {
	if period == current {
		return ""
	}
	return period.String()
}

// homeMyTasks lists the tasks the caller prepares or reviews this month,
// the soonest due first.
func homeMyTasks(ctx context.Context, r *Request) (*views.MyTasksData, error) {
	today := r.today()
	ws := workflow.Store{DB: r.router.DB}
	period, err := ws.MonthAtHandFor(ctx, r.Practice.ID, workflow.Filter{Member: r.Member.ID}, today)
	if err != nil {
		return nil, err
	}
	page, err := ws.List(ctx, r.Practice.ID, workflow.Filter{
		Period: period, Today: today, Member: r.Member.ID, ByDue: true, Limit: views.MyTasksShown})
	if err != nil {
		return nil, err
	}
	return &views.MyTasksData{Month: period.Label(), Total: page.Total, Rows: calendarRows(page.Tasks, today)}, nil
}

func calendarRows(tasks []workflow.Task, today time.Time) []views.CalendarRow {
	perClient := map[int64]int{}
	for _, t := range tasks {
		perClient[t.EntityID]++
	}
	rows := make([]views.CalendarRow, 0, len(tasks))
	for _, t := range tasks {
		row := views.CalendarRow{TaskID: t.ID, Colour: taskColour(t.Progress, today), Client: t.ClientLabel(),
			Stage: atlas.StageName(t.Stage), Due: t.DueDate, Preparer: t.PreparerName}
		if perClient[t.EntityID] > 1 {
			row.Template = t.TemplateName // tell a client's tasks apart
		}
		rows = append(rows, row)
	}
	return rows
}

// taskColour is a task's colour on day: complete and overdue first, then
// at risk (behind its stage's target), then its status.
func taskColour(p workflow.Progress, day time.Time) views.TaskColour {
	s := p.StatusOn(day)
	if s == workflow.Complete || s == workflow.Overdue {
		return statusColour(s)
	}
	if p.TrackOn(day) == workflow.AtRisk {
		return views.ColourAtRisk
	}
	return statusColour(s)
}

func statusColour(s workflow.Status) views.TaskColour {
	switch s {
	case workflow.Complete:
		return views.ColourComplete
	case workflow.Overdue:
		return views.ColourOverdue
	case workflow.InReview:
		return views.ColourInReview
	case workflow.NotStarted:
		return views.ColourNotStarted
	}
	return views.ColourOnTrack
}
