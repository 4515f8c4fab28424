package bot

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timekeeping"
)

// ForgottenTimersSpec is how often timers are checked: a reminder comes at
// most this late after a timer passes the practice's limit.
const ForgottenTimersSpec = "*/5 * * * *"

// RegisterJobs adds the bot's periodic jobs to reg.
func RegisterJobs(reg *jobs.Registry, rt *Router) error {
	return errors.Join(
		reg.AddPeriodic(jobs.Periodic{Name: "forgotten_timers", Spec: ForgottenTimersSpec,
			Run: func(ctx context.Context, tx pgx.Tx, p jobs.Practice, _ time.Time) error {
				return rt.RemindForgottenTimers(ctx, tx, atlas.PracticeID(p.ID))
			}}),
		reg.AddPeriodic(jobs.Periodic{Name: "monthly_tasks", Spec: MonthlyTasksSpec,
			Run: func(ctx context.Context, tx pgx.Tx, p jobs.Practice, slot time.Time) error {
				return rt.GenerateMonthlyTasks(ctx, tx, atlas.PracticeID(p.ID), slot)
			}}),
		reg.AddPeriodic(jobs.Periodic{Name: "overdue_tasks", Spec: OverdueTasksSpec,
			Run: func(ctx context.Context, tx pgx.Tx, p jobs.Practice, _ time.Time) error {
				return rt.AlertOverdueTasks(ctx, tx, atlas.PracticeID(p.ID))
			}}),
	)
}

// RemindForgottenTimers sends one DM about each of a practice's timers that
// has run past the practice's limit (10 hours unless set otherwise), with
// Stop now, Keep running and Adjust. It never stops a timer itself. The
// timers are claimed in tx; one whose DM cannot be sent is released for the
// next run, while the DMs that went out stay claimed and are not repeated.
func (rt *Router) RemindForgottenTimers(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) error {
	p, err := practice.Store{DB: tx}.Get(ctx, pid)
	if err != nil {
		return err
	}
	now := rt.Clock.Now()
	timers, err := timekeeping.ClaimForgotten(ctx, tx, pid, time.Duration(p.TimerReminderHours)*time.Hour, now)
	if err != nil {
		return err
	}
	var unsent []int64
	for _, t := range timers {
		if err := rt.remind(ctx, p, t, now); err != nil {
			rt.Log.Warn("forgotten timer reminder not sent; will retry", "practice", pid, "timer", t.ID, "user", t.SlackUserID, "err", err)
			unsent = append(unsent, t.ID)
			continue
		}
		rt.Log.Info("forgotten timer reminder sent", "practice", pid, "timer", t.ID, "user", t.SlackUserID)
	}
	if len(unsent) > 0 {
		return timekeeping.Unclaim(ctx, tx, pid, unsent)
	}
	return nil
}

// remind sends one forgotten-timer DM.
func (rt *Router) remind(ctx context.Context, p practice.Practice, t timekeeping.Timer, now time.Time) error {
	v := views.TimerView{ID: t.ID, Client: t.ClientLabel(), Service: t.ServiceName, Note: t.Note,
		Started: t.StartedAt.In(p.Location()), Elapsed: t.Elapsed(now)}
	return sendDM(ctx, rt.API, t.SlackUserID, Message{Text: "Your timer is still running", Blocks: views.ForgottenTimer(v)})
}
