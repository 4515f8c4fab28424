package reminders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/practice"
)

// JobKind is the River kind of a reminder's email job.
const JobKind = "invoice_reminder_email"

// SendArgs is a reminder's email job: the reminder at Step days after the
// due date of an invoice.
type SendArgs struct {
	Practice  string `json:"practice"`
	InvoiceID int64  `json:"invoice_id"`
	Step      int    `json:"step"`
}

// Kind is the River job kind.
func (SendArgs) Kind() string { return JobKind }

// InsertOpts puts the job on the invoices' delivery queue, beside their
// first sending — it draws the same PDF and talks to the same mail
// server — tried as often as a send.
func (SendArgs) InsertOpts() river.InsertOpts {
	return delivery.EmailOpts()
}

// Deps are what the reminder worker needs.
type Deps struct {
	Pool  *pgxpool.Pool
	Mail  delivery.Mailer
	Clock atlas.Clock  // nil: the system clock
	Log   *slog.Logger // nil: slog.Default()
}

// AddWorkers registers the reminder email worker on w.
func AddWorkers(w *river.Workers, deps Deps) error {
	if deps.Pool == nil || deps.Mail == nil {
		return errors.New("reminders: the reminder worker needs a pool and a mailer")
	}
	return river.AddWorkerSafely(w, newWorker(deps))
}

func newWorker(deps Deps) *sendWorker {
	if deps.Clock == nil {
		deps.Clock = atlas.SystemClock{}
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	return &sendWorker{deps: deps}
}

type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	deps Deps
}

// Timeout leaves room for the mail server's own steps after the drawing,
// as a send does.
func (w *sendWorker) Timeout(*river.Job[SendArgs]) time.Duration { return 3 * time.Minute }

// Outcomes of a reminder (invoice_reminders.outcome).
const (
	OutcomePending = "pending"
	OutcomeSent    = "sent"
	OutcomeStopped = "stopped"
	OutcomeFailed  = "failed"
)

// Work sends one reminder. It looks at the invoice again first: one paid
// or credited in full since the claim is reminded of nothing, and the
// reminder is recorded stopped with the reason. It returns an error only
// for what a later try may get past.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	a := job.Args
	pid := atlas.PracticeID(a.Practice)
	log := w.deps.Log.With("practice", a.Practice, "invoice", a.InvoiceID, "step", a.Step, "try", job.Attempt)
	var outcome string
	err := w.deps.Pool.QueryRow(ctx, `SELECT outcome FROM invoice_reminders WHERE practice_id = $1 AND invoice_id = $2 AND step_days = $3`,
		pid, a.InvoiceID, a.Step).Scan(&outcome)
	if err != nil {
		return fmt.Errorf("reminders: read the reminder: %w", err)
	}
	if outcome != OutcomePending {
		// Done by an earlier try whose completion River did not record.
		log.Info("reminders: reminder already settled", "outcome", outcome)
		return nil
	}
	inv, err := Read(ctx, w.deps.Pool, pid, a.InvoiceID)
	if err != nil {
		return fmt.Errorf("reminders: read invoice %d: %w", a.InvoiceID, err)
	}
	if why := inv.StopReason(); why != "" {
		return w.settle(ctx, pid, inv, a.Step, OutcomeStopped, why, "")
	}
	if inv.BillingEmail == "" {
		return w.settle(ctx, pid, inv, a.Step, OutcomeFailed,
			inv.Client()+" has no billing email, so the reminder had nowhere to go.", "")
	}
	p, err := practice.Store{DB: w.deps.Pool}.Get(ctx, pid)
	if err != nil {
		return fmt.Errorf("reminders: read the practice: %w", err)
	}
	settings, err := Load(ctx, w.deps.Pool, pid)
	if err != nil {
		return fmt.Errorf("reminders: read the settings: %w", err)
	}
	pdfData, filename, err := delivery.PDF(ctx, w.deps.Pool, pid, a.InvoiceID, false)
	if err != nil {
		var ae *atlas.Error
		if errors.As(err, &ae) {
			// Refused by the document's own rules: no try draws it otherwise.
			return w.settle(ctx, pid, inv, a.Step, OutcomeFailed, "The invoice could not be drawn: "+ae.Message, "")
		}
		return fmt.Errorf("reminders: draw invoice %d: %w", a.InvoiceID, err)
	}
	terms, err := termsDays(ctx, w.deps.Pool, pid, a.InvoiceID, p)
	if err != nil {
		return err
	}
	today := p.Today(w.deps.Clock.Now())
	msg := compose(p, settings, inv, a.Step, today, terms, mail.Attachment{Name: filename, ContentType: "application/pdf", Data: pdfData})
	err = w.deps.Mail.Send(ctx, msg)
	switch {
	case err == nil:
		return w.settle(ctx, pid, inv, a.Step, OutcomeSent, "", msg.MessageID)
	case mail.IsPermanent(err):
		return w.settle(ctx, pid, inv, a.Step, OutcomeFailed, refusal(err), "")
	case job.Attempt >= job.MaxAttempts:
		return w.settle(ctx, pid, inv, a.Step, OutcomeFailed,
			fmt.Sprintf("The mail server could not be reached after %d tries: %s", job.Attempt, refusal(err)), "")
	}
	log.Warn("reminders: send failed for now; River tries again", "error", err)
	return err
}

// termsDays are the invoice's client's payment terms, for the reminder's
// "how to pay".
func termsDays(ctx context.Context, q db.DB, pid atlas.PracticeID, invoiceID int64, p practice.Practice) (int, error) {
	var days *int
	if err := q.QueryRow(ctx, `SELECT e.payment_terms_days FROM invoices i
		JOIN entities e ON e.practice_id = i.practice_id AND e.id = i.entity_id
		WHERE i.practice_id = $1 AND i.id = $2`, pid, invoiceID).Scan(&days); err != nil {
		return 0, fmt.Errorf("reminders: read the client's terms: %w", err)
	}
	if days != nil {
		return *days, nil
	}
	return p.PaymentTermsDays, nil
}

// refusal is a mail failure in words: the server's own where it gave any.
func refusal(err error) string {
	if r := mail.Reason(err); r != "" {
		return r
	}
	var e *mail.Error
	if errors.As(err, &e) && e.Err != nil {
		return e.Err.Error()
	}
	return err.Error()
}

// settle records what became of a reminder, with its audit event; a
// failure is told to the client's manager. A reminder settled already (by
// an earlier try) is left as it is.
func (w *sendWorker) settle(ctx context.Context, pid atlas.PracticeID, inv Invoice, step int, outcome, why, messageID string) error {
	if outcome != OutcomeSent {
		w.deps.Log.Info("reminders: reminder not sent", "practice", pid, "invoice", inv.ID, "step", step, "outcome", outcome, "reason", why)
	}
	return db.InTx(ctx, w.deps.Pool, func(tx pgx.Tx) error {
		var msgID any
		if messageID != "" {
			msgID = messageID
		}
		tag, err := tx.Exec(ctx, `
			UPDATE invoice_reminders SET outcome = $4, error = $5, message_id = $6,
			       sent_at = CASE WHEN $4 = 'sent' THEN now() END
			 WHERE practice_id = $1 AND invoice_id = $2 AND step_days = $3 AND outcome = 'pending'`,
			pid, inv.ID, step, outcome, why, msgID)
		if err != nil {
			return fmt.Errorf("reminders: record invoice %d's reminder %s: %w", inv.ID, outcome, err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		data := map[string]any{"number": inv.Number, "step": step, "balance": inv.Balance().StringFixed(2)}
		action := "invoice.reminded"
		switch outcome {
		case OutcomeSent:
			data["to"], data["cc"], data["message_id"] = inv.BillingEmail, inv.CCEmails, messageID
		case OutcomeStopped:
			action, data["reason"] = "invoice.reminder_stopped", why
		case OutcomeFailed:
			action, data["reason"], data["to"] = "invoice.reminder_failed", why, inv.BillingEmail
		}
		if err := practice.Audit(ctx, tx, pid, 0, action, "invoice", inv.ID, data); err != nil {
			return err
		}
		// The manager is told of a failure, but not of a missing billing
		// email: the message about the reminder said so already.
		if outcome == OutcomeFailed && inv.ManagerSlackID != "" && inv.BillingEmail != "" {
			return outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(pid), Channel: inv.ManagerSlackID, Render: RenderReminded,
				Subject: outbox.Subject{Type: "invoice", ID: inv.ID, Purpose: FailedPurpose(step)}})
		}
		return nil
	})
}

// Reminder is what became of one reminder, for the manager's message.
type Reminder struct {
	Step      int
	Outcome   string
	Why       string // why it stopped or failed
	ClaimedAt time.Time
	SentAt    *time.Time
}

// ReminderOf reads the reminder at step days of an invoice.
func ReminderOf(ctx context.Context, q db.DB, pid atlas.PracticeID, invoiceID int64, step int) (Reminder, error) {
	r := Reminder{Step: step}
	err := q.QueryRow(ctx, `SELECT outcome, error, claimed_at, sent_at FROM invoice_reminders
		WHERE practice_id = $1 AND invoice_id = $2 AND step_days = $3`, pid, invoiceID, step).
		Scan(&r.Outcome, &r.Why, &r.ClaimedAt, &r.SentAt)
	if err != nil {
		return r, db.MapError(err, fmt.Sprintf("Invoice %d has no reminder at %d days.", invoiceID, step))
	}
	return r, nil
}
