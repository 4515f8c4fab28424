package timetrack

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// ForgottenTimersSpec is how often timers are checked: a reminder comes at
// most this late after a timer passes the practice's limit.
const ForgottenTimersSpec = "*/5 * * * *"

// RenderForgotten names the forgotten-timer DM's renderer in the outbox.
const RenderForgotten = "timer.forgotten"

// Reminders queues the one DM about a timer left running.
type Reminders struct {
	Clock atlas.Clock
	Log   *slog.Logger
	// Practice reads the practice, through the job's transaction; its zero
	// value will do.
	Practice practice.Store
}

// RegisterJobs adds the forgotten-timer reminder to reg.
func (rm Reminders) RegisterJobs(reg *jobs.Registry) error {
	return reg.AddPeriodic(jobs.Periodic{Name: "forgotten_timers", Spec: ForgottenTimersSpec,
		Run: func(ctx context.Context, tx pgx.Tx, p jobs.Practice, _ time.Time) error {
			return rm.RemindForgottenTimers(ctx, tx, atlas.PracticeID(p.ID))
		}})
}

// RemindForgottenTimers queues one DM about each of a practice's timers
// that has run past the practice's limit (10 hours unless set otherwise),
// with Stop now, Keep running and Adjust. It never stops a timer itself.
// The timers are claimed and their DMs queued in tx: a run that fails to
// commit claims nothing, and one that commits reminds once.
func (rm Reminders) RemindForgottenTimers(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) error {
	p, err := rm.Practice.In(tx).Get(ctx, pid)
	if err != nil {
		return err
	}
	timers, err := timesheet.ClaimForgotten(ctx, tx, pid, time.Duration(p.TimerReminderHours)*time.Hour, rm.Clock.Now())
	if err != nil {
		return err
	}
	for _, t := range timers {
		if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(pid), Channel: t.SlackUserID, Render: RenderForgotten,
			Subject: outbox.Subject{Type: "timer", ID: t.ID, Purpose: "forgotten"}}); err != nil {
			return err
		}
	}
	if len(timers) > 0 {
		rm.Log.Info("forgotten timer reminders queued", "practice", pid, "timers", len(timers))
	}
	return nil
}

// renderForgotten draws the reminder from the timer as it stands when the
// DM goes out: a timer stopped in the meantime needs no reminder.
func renderForgotten(d Deps, rt *slackapp.Router) slackapp.RenderFunc {
	return func(ctx context.Context, post outbox.Post) (slackapp.Message, error) {
		pid := atlas.PracticeID(post.Practice)
		p, err := d.Practice.Get(ctx, pid)
		if err != nil {
			return slackapp.Message{}, err
		}
		t, err := d.Time.TimerByID(ctx, pid, post.Subject.ID)
		if errors.Is(err, timesheet.ErrNoTimer) {
			return slackapp.Message{}, slackapp.ErrNothingToSay
		}
		if err != nil {
			return slackapp.Message{}, err
		}
		return slackapp.Message{Text: "Your timer is still running", Blocks: ForgottenTimer(ui.TimerOf(p, t, rt.Clock.Now()))}, nil
	}
}
