// Package board is /board: the month's completion rate, the stage holding
// work up, each person's workload and the overdue list, for managers.
package board

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
	"github.com/atlas-practice/atlas/internal/workflow"
)

const boardUsage = "`/board` for this month, or `/board 2026-11` for another"

// Deps are what the board reads.
type Deps struct {
	Work workflow.Store
	Time timesheet.Store
}

type handlers struct{ Deps }

// Register adds /board.
func Register(rt *slackapp.Router, d Deps) {
	h := handlers{d}
	rt.HandleCommand(slackapp.Command{Name: "/board", Area: "Tasks", Usage: "/board [2026-11]",
		Summary:  "The month's task board: completion rate, the stage holding work up, each person's workload and what is overdue.",
		Examples: []string{"/board", "/board last month", "/board 2026-10"},
		Route:    slackapp.Manager(h.board)})
}

// parseBoardMonth reads /board's month: "this month", "last month", "next
// month", or YYYY-MM. atHand is true for no text at all, which means the
// month at hand, for the caller to look up.
func parseBoardMonth(text string, today time.Time) (period atlas.Period, atHand bool, err error) {
	current := atlas.PeriodOf(today)
	switch w := strings.ToLower(strings.Join(strings.Fields(text), " ")); w {
	case "":
		return atlas.Period{}, true, nil
	case "month", "this month":
		return current, false, nil
	case "last", "last month":
		return current.Prev(), false, nil
	case "next", "next month":
		return current.Next(), false, nil
	default:
		p, err := atlas.ParsePeriod(w)
		if err != nil || len(w) != len("2026-11") {
			return atlas.Period{}, false, atlas.Errorf(atlas.EInvalid, "%q is not a month. Use %s (year, then month 01 to 12).", text, boardUsage)
		}
		return p, false, nil
	}
}

// board shows the month's task board.
func (h handlers) board(ctx context.Context, r *slackapp.Request) error {
	today := r.Practice.Today(r.Now())
	ws := h.Work
	period, atHand, err := parseBoardMonth(ui.Unescape(r.Text), today)
	if err != nil {
		return err
	}
	if atHand {
		if period, err = ws.MonthAtHand(ctx, r.Practice.ID, today); err != nil {
			return err
		}
	}
	b, err := ws.Board(ctx, r.Practice.ID, period, today)
	if err != nil {
		return err
	}
	d := BoardData{Month: period.Label(), MonthName: period.Month.String(), Total: b.Total, Complete: b.Complete, Rate: b.CompletionRate(),
		Bottleneck: b.Bottleneck(), OverdueTotal: b.OverdueTotal}
	hours, err := h.hoursLogged(ctx, r.Practice.ID, period, today)
	if err != nil {
		return err
	}
	for i, s := range b.Stages {
		d.Stages[i] = BoardStage{Name: atlas.StageName(i + 1), Waiting: s.Waiting, PastTarget: s.PastTarget, MedianDays: s.MedianDays}
	}
	for _, w := range b.Workload {
		p := BoardPerson{Name: w.Name, Preparing: w.Preparing, Reviewing: w.Reviewing, CapacityHours: capacity(w.WeeklyCapacityMinutes),
			WeekMinutes: hours.week[w.Member], WeekCapacityMinutes: w.WeeklyCapacityMinutes, MonthMinutes: -1}
		if hours.monthDays > 0 {
			p.MonthMinutes = hours.month[w.Member]
			p.MonthCapacityMinutes = w.WeeklyCapacityMinutes * hours.monthDays / 5
		}
		d.People = append(d.People, p)
	}
	for _, t := range b.Overdue {
		d.Overdue = append(d.Overdue, BoardOverdue{TaskID: t.ID, Client: t.ClientLabel(), Month: t.Period.Label(),
			Stage: atlas.StageName(t.Stage), DaysOverdue: atlas.DaysBetween(t.DueDate, today), Preparer: t.PreparerName})
	}
	text := fmt.Sprintf("Task board, %s: %d%% complete (%d of %d), %d overdue", period.Label(), d.Rate, d.Complete, d.Total, d.OverdueTotal)
	return r.Reply(slackapp.Message{Text: text, Blocks: Board(d)})
}

// logged is the time each person logged this week and in the board's month.
type logged struct {
	week, month map[atlas.MemberID]int
	// monthDays is the weekdays of the month up to today, over which
	// capacity is counted; 0 for a month not yet begun.
	monthDays int
}

// hoursLogged reads this week's hours and the month's to date.
func (h handlers) hoursLogged(ctx context.Context, pid atlas.PracticeID, period atlas.Period, today time.Time) (logged, error) {
	var out logged
	monday := atlas.WeekOf(today)
	var err error
	if out.week, err = h.Time.MinutesByMember(ctx, pid, monday, monday.AddDate(0, 0, 7)); err != nil {
		return out, err
	}
	start, end := period.FirstDay(), period.Next().FirstDay()
	if start.After(today) {
		return out, nil
	}
	upTo := today.AddDate(0, 0, 1)
	if end.Before(upTo) {
		upTo = end
	}
	out.monthDays = atlas.Weekdays(start, upTo)
	out.month, err = h.Time.MinutesByMember(ctx, pid, start, end)
	return out, err
}

// capacity is a weekly capacity in hours, or "" for none.
func capacity(minutes int) string {
	if minutes <= 0 {
		return ""
	}
	return practice.CapacityHours(minutes).String()
}
