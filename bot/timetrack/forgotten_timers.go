package timetrack

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// ForgottenTimersSpec is how often timers are checked: a reminder comes at
// most this late after a timer passes the practice's limit.
const ForgottenTimersSpec = "*/5 * * * *"

// Reminders sends the one DM about a timer left running.
type Reminders struct {
	Slack slackapp.Notifier
	Clock atlas.Clock
	Log   *slog.Logger
}

// RegisterJobs adds the forgotten-timer reminder to reg.
func (rm Reminders) RegisterJobs(reg *jobs.Registry) error {
	return reg.AddPeriodic(jobs.Periodic{Name: "forgotten_timers", Spec: ForgottenTimersSpec,
		Run: func(ctx context.Context, tx pgx.Tx, p jobs.Practice, _ time.Time) error {
			return rm.RemindForgottenTimers(ctx, tx, atlas.PracticeID(p.ID))
		}})
}

// RemindForgottenTimers sends one DM about each of a practice's timers that
// has run past the practice's limit (10 hours unless set otherwise), with
// Stop now, Keep running and Adjust. It never stops a timer itself. The
// timers are claimed in tx; one whose DM cannot be sent is released for the
// next run, while the DMs that went out stay claimed and are not repeated.
func (rm Reminders) RemindForgottenTimers(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) error {
	p, err := practice.Store{DB: tx}.Get(ctx, pid)
	if err != nil {
		return err
	}
	now := rm.Clock.Now()
	timers, err := timesheet.ClaimForgotten(ctx, tx, pid, time.Duration(p.TimerReminderHours)*time.Hour, now)
	if err != nil {
		return err
	}
	var unsent []int64
	for _, t := range timers {
		if err := rm.Slack.DM(ctx, t.SlackUserID, slackapp.Message{Text: "Your timer is still running", Blocks: ForgottenTimer(ui.TimerOf(p, t, now))}); err != nil {
			rm.Log.Warn("forgotten timer reminder not sent; will retry", "practice", pid, "timer", t.ID, "user", t.SlackUserID, "err", err)
			unsent = append(unsent, t.ID)
			continue
		}
		rm.Log.Info("forgotten timer reminder sent", "practice", pid, "timer", t.ID, "user", t.SlackUserID)
	}
	if len(unsent) > 0 {
		return timesheet.Unclaim(ctx, tx, pid, unsent)
	}
	return nil
}
