// Package reminders is the Slack face of the overdue follow-up: the daily
// job that emails reminders of overdue invoices (internal/reminders does
// the claiming and the sending), and the direct message that tells the
// client's manager each reminder went, or why it did not.
package reminders

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/reminders"
)

// Spec is when overdue reminders go each day, in the practice's time: the
// morning, when a client's accounts team reads its mail.
const Spec = "0 9 * * *"

// Deps are what the manager's message is drawn from.
type Deps struct {
	Practice practice.Store
}

// Register adds the renderer of the manager's message about a reminder.
func Register(rt *slackapp.Router, d Deps) {
	rt.HandleRender(reminders.RenderReminded, renderReminded(d, rt))
}

// Job is the daily overdue follow-up.
type Job struct {
	Clock atlas.Clock
	Log   *slog.Logger
	// Practice reads the practice, through the job's transaction; its zero
	// value will do.
	Practice practice.Store
}

// RegisterJobs adds the daily reminders to reg.
func (j Job) RegisterJobs(reg *jobs.Registry) error {
	return reg.AddPeriodic(jobs.Periodic{Name: "overdue_reminders", Spec: Spec,
		Run: func(ctx context.Context, tx pgx.Tx, p jobs.Practice, _ time.Time) error {
			return j.RemindOverdue(ctx, tx, atlas.PracticeID(p.ID))
		}})
}

// RemindOverdue claims the reminders due today in the practice's timezone
// and queues their emails and the managers' messages, in tx
// (reminders.Claim).
func (j Job) RemindOverdue(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) error {
	p, err := j.Practice.In(tx).Get(ctx, pid)
	if err != nil {
		return err
	}
	claimed, err := reminders.Claim(ctx, tx, pid, p.Today(j.Clock.Now()))
	if err != nil {
		return err
	}
	if len(claimed) > 0 {
		j.Log.Info("overdue reminders queued", "practice", pid, "reminders", len(claimed))
	}
	return nil
}

// renderReminded draws the manager's message from the invoice as it
// stands when it is sent: an invoice paid or credited in full meanwhile is
// worth no message (its reminder does not go either).
func renderReminded(d Deps, rt *slackapp.Router) slackapp.RenderFunc {
	return func(ctx context.Context, post outbox.Post) (slackapp.Message, error) {
		pid := atlas.PracticeID(post.Practice)
		step, failed, ok := reminders.ParsePurpose(post.Subject.Purpose)
		if !ok {
			return slackapp.Message{}, fmt.Errorf("reminder message: purpose %q", post.Subject.Purpose)
		}
		inv, err := reminders.Read(ctx, d.Practice.DB, pid, post.Subject.ID)
		if atlas.ErrorCode(err) == atlas.ENotFound {
			return slackapp.Message{}, slackapp.ErrNothingToSay
		}
		if err != nil {
			return slackapp.Message{}, err
		}
		if failed {
			r, err := reminders.ReminderOf(ctx, d.Practice.DB, pid, inv.ID, step)
			if err != nil {
				return slackapp.Message{}, err
			}
			return ReminderFailed(inv, r), nil
		}
		if inv.StopReason() != "" {
			return slackapp.Message{}, slackapp.ErrNothingToSay
		}
		p, err := d.Practice.Get(ctx, pid)
		if err != nil {
			return slackapp.Message{}, err
		}
		s, err := reminders.Load(ctx, d.Practice.DB, pid)
		if err != nil {
			return slackapp.Message{}, err
		}
		return Reminded(inv, step, NextStep(s.Steps, step), p.Today(rt.Clock.Now())), nil
	}
}

// NextStep is the step after step, 0 for none.
func NextStep(steps []int, step int) int {
	i := slices.IndexFunc(steps, func(s int) bool { return s > step })
	if i < 0 {
		return 0
	}
	return steps[i]
}

// Reminded is the manager's message about the reminder at step days of an
// overdue invoice, on today: how much is overdue and for how long, where
// the reminder goes and when the next would — or, for a client with no
// billing email, that none can go and how to fix it.
func Reminded(inv reminders.Invoice, step, next int, today time.Time) slackapp.Message {
	balance := money.Format(inv.Balance(), inv.Currency)
	days := inv.DaysOverdue(today)
	what := fmt.Sprintf("*%s* for %s is %s overdue: %s unpaid, due %s.", inv.Number, blockkit.Escape(inv.Client()),
		plural(days, "day", "days"), balance, inv.DueDate.Format("Mon 2 Jan 2006"))
	var text string
	if inv.BillingEmail == "" {
		text = ":warning: " + what + "\n" + fmt.Sprintf("%s has no billing email, so no payment reminder can go. Add one with `/atlas clients edit %s`.",
			blockkit.Escape(inv.ClientName), blockkit.Escape(inv.ClientCode))
	} else {
		text = ":envelope_with_arrow: " + what + "\n" +
			fmt.Sprintf("Atlas is emailing a payment reminder to %s, %s after the due date, with the invoice attached.",
				blockkit.Escape(inv.BillingEmail), plural(step, "day", "days"))
		if next > 0 {
			text += fmt.Sprintf(" The next goes %s after it if it is still unpaid.", plural(next, "day", "days"))
		} else {
			text += " It is the last reminder Atlas sends."
		}
	}
	return slackapp.Message{
		Text:   fmt.Sprintf("Payment reminder: %s is %s overdue", inv.Number, plural(days, "day", "days")),
		Blocks: []slack.Block{slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, nil)},
	}
}

// ReminderFailed is the manager's message about a reminder that did not
// go, saying why.
func ReminderFailed(inv reminders.Invoice, r reminders.Reminder) slackapp.Message {
	text := fmt.Sprintf(":warning: The %d-day payment reminder for *%s* (%s) did not go:\n> %s",
		r.Step, inv.Number, blockkit.Escape(inv.Client()), blockkit.Escape(r.Why))
	if inv.BillingEmail != "" {
		text += fmt.Sprintf("\nIt was going to %s. Check the client's billing email with `/atlas clients edit %s`.",
			blockkit.Escape(inv.BillingEmail), blockkit.Escape(inv.ClientCode))
	}
	return slackapp.Message{
		Text:   fmt.Sprintf("The payment reminder for %s did not go", inv.Number),
		Blocks: []slack.Block{slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, nil)},
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
