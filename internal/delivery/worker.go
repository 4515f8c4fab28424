package delivery

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
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/practice"
)

// RenderSendFailed names the renderer of the direct message that tells a
// partner an invoice did not go (bot/billing registers it): its subject
// is the invoice, its purpose FailedPurpose(attempt); Failure reads what
// to say.
const RenderSendFailed = "invoice.send_failed"

// Mailer sends one message; *mail.Sender is one. A failure is a
// *mail.Error that says whether trying again can help.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// Deps are what the send worker needs.
type Deps struct {
	Pool  *pgxpool.Pool
	Mail  Mailer
	Clock atlas.Clock  // nil: the system clock
	Log   *slog.Logger // nil: slog.Default()
	// AfterSent, when set, is called in the transaction that records an
	// invoice sent, to queue what else follows from it there — the PDF's
	// upload into the card's thread — so that it happens exactly when the
	// invoice is recorded sent. Its error rolls the record back and the
	// job is tried again.
	AfterSent func(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, invoiceID int64) error
	// PortalURL is the client portal's address (PORTAL_URL), which emails
	// to clients that take their invoices there point at.
	PortalURL string
}

// AddWorkers registers the send worker on w.
func AddWorkers(w *river.Workers, deps Deps) error {
	if deps.Pool == nil || deps.Mail == nil {
		return errors.New("delivery: the send worker needs a pool and a mailer")
	}
	if deps.Clock == nil {
		deps.Clock = atlas.SystemClock{}
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	return river.AddWorkerSafely(w, &sendWorker{deps: deps})
}

// sendWorker carries out one send attempt of one invoice.
type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	deps Deps
}

// Timeout leaves room for the mail server's own steps (internal/mail bounds
// each at a minute) after the drawing.
func (w *sendWorker) Timeout(*river.Job[SendArgs]) time.Duration { return 3 * time.Minute }

// Work draws the invoice, sends it, and records the outcome. It returns
// an error only for what a later try may get past: River then tries again
// with backoff, and the invoice stays sending.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	a := job.Args
	pid := atlas.PracticeID(a.Practice)
	log := w.deps.Log.With("practice", a.Practice, "invoice", a.InvoiceID, "attempt", a.Attempt, "try", job.Attempt)
	inv, err := load(ctx, w.deps.Pool, pid, a.InvoiceID)
	if err != nil {
		return fmt.Errorf("delivery: load invoice %d: %w", a.InvoiceID, err)
	}
	if inv.Status != billing.Sending || inv.SendAttempt != a.Attempt {
		// Done already (a try whose completion River did not record) or
		// superseded: sending again would send twice.
		log.Info("delivery: send job has nothing to do", "status", inv.Status, "current_attempt", inv.SendAttempt)
		return nil
	}
	lastTry := job.Attempt >= job.MaxAttempts

	// One "today" for the document, the email and the record, so the PDF's
	// date is the one the invoice is stored with even across midnight.
	today := inv.Practice.Today(w.deps.Clock.Now())
	issue, due := inv.dates(today)
	doc, err := inv.document(false, today)
	if err != nil {
		return w.fail(ctx, inv, a.Attempt, "The invoice could not be drawn: "+atlas.ErrorMessage(err), err)
	}
	data, err := inv.render(doc)
	if err != nil {
		// The document's own checks refused it (its figures disagree): no
		// try will draw it differently.
		return w.fail(ctx, inv, a.Attempt, "The invoice could not be drawn: "+err.Error(), err)
	}
	msg := inv.email(data, due, a.Attempt, w.deps.PortalURL)
	err = w.deps.Mail.Send(ctx, msg)
	switch {
	case err == nil:
		return w.sent(ctx, inv, a.Attempt, issue, due, msg)
	case mail.IsPermanent(err):
		return w.fail(ctx, inv, a.Attempt, refusal(err), err)
	case lastTry:
		return w.fail(ctx, inv, a.Attempt, "The mail server could not be reached after "+fmt.Sprint(job.Attempt)+" tries: "+refusal(err), err)
	}
	log.Warn("delivery: send failed for now; River tries again", "error", err)
	return err
}

// refusal is the failure in words for a partner: the server's own where
// it gave any.
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

// sent records an accepted send: the invoice is sent, dated, its card
// redrawn.
func (w *sendWorker) sent(ctx context.Context, inv invoice, attempt int, issue, due time.Time, msg mail.Message) error {
	return db.InTx(ctx, w.deps.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE invoices SET status = 'sent', issue_date = $4, due_date = $5, sent_at = now(), message_id = $6,
			       send_error = '', revision = revision + 1, updated_at = now()
			 WHERE practice_id = $1 AND id = $2 AND status = 'sending' AND send_attempt = $3`,
			inv.Practice.ID, inv.ID, attempt, issue, due, msg.MessageID)
		if err != nil {
			return fmt.Errorf("delivery: record invoice %d sent: %w", inv.ID, err)
		}
		if tag.RowsAffected() == 0 {
			return nil // recorded by an earlier try
		}
		if err := practice.Audit(ctx, tx, inv.Practice.ID, 0, "invoice.sent", "invoice", inv.ID, map[string]any{
			"number": inv.Number, "attempt": attempt, "to": msg.To, "cc": msg.CC, "message_id": msg.MessageID,
			"issue_date": issue.Format(time.DateOnly), "due_date": due.Format(time.DateOnly), "amount": inv.Balance().StringFixed(2),
		}); err != nil {
			return err
		}
		if w.deps.AfterSent != nil {
			if err := w.deps.AfterSent(ctx, tx, inv.Practice.ID, inv.ID); err != nil {
				return fmt.Errorf("delivery: after invoice %d was sent: %w", inv.ID, err)
			}
		}
		return redraw(ctx, tx, inv.Practice.ID, inv.ID, runPeriod(inv))
	})
}

// fail records a send that will not succeed by trying again: the invoice
// is approved again with the reason, the partner who asked (or approved)
// is told in Slack, and its card redrawn. The job then ends: nil, unless
// recording failed.
func (w *sendWorker) fail(ctx context.Context, inv invoice, attempt int, reason string, cause error) error {
	w.deps.Log.Warn("delivery: invoice not sent", "practice", inv.Practice.ID, "invoice", inv.ID, "attempt", attempt,
		"reason", reason, "error", cause)
	return db.InTx(ctx, w.deps.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE invoices SET status = 'approved', send_error = $4, send_failed_at = now(), sending_started_at = NULL,
			       revision = revision + 1, updated_at = now()
			 WHERE practice_id = $1 AND id = $2 AND status = 'sending' AND send_attempt = $3`,
			inv.Practice.ID, inv.ID, attempt, reason)
		if err != nil {
			return fmt.Errorf("delivery: record invoice %d not sent: %w", inv.ID, err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		if err := practice.Audit(ctx, tx, inv.Practice.ID, 0, "invoice.send_failed", "invoice", inv.ID, map[string]any{
			"number": inv.Number, "attempt": attempt, "reason": reason, "to": inv.Entity.BillingEmail,
		}); err != nil {
			return err
		}
		tell := inv.RequesterSlackID
		if tell == "" {
			tell = inv.ApproverSlackID
		}
		if tell != "" {
			if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(inv.Practice.ID), Channel: tell, Render: RenderSendFailed,
				Subject: outbox.Subject{Type: "invoice", ID: inv.ID, Purpose: FailedPurpose(attempt)}}); err != nil {
				return err
			}
		}
		return redraw(ctx, tx, inv.Practice.ID, inv.ID, runPeriod(inv))
	})
}

func runPeriod(inv invoice) *time.Time {
	if inv.RunPeriod == nil {
		return nil
	}
	d := inv.RunPeriod.FirstDay()
	return &d
}
