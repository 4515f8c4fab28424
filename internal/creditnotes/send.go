package creditnotes

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
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/practice"
)

// JobKind is the River kind of a note's send job. The jobs run on
// delivery's queue, beside the invoices', with its bounded pool.
const JobKind = "credit_note_email"

// Renderers bot/billing registers for the notes' messages in Slack.
const (
	// RenderSendFailed draws the DM that tells the partner who issued a
	// note that it did not go; its subject is the note, its purpose
	// "send_failed:<attempt>".
	RenderSendFailed = "credit_note.send_failed"
	// RenderPDF draws the note's PDF for the thread of its invoice's card.
	RenderPDF = "credit_note.pdf"
)

// SendArgs is a send job: attempt Attempt at sending a note.
type SendArgs struct {
	Practice     string `json:"practice"`
	CreditNoteID int64  `json:"credit_note_id"`
	Attempt      int    `json:"attempt"`
}

// Kind is the River job kind.
func (SendArgs) Kind() string { return JobKind }

// InsertOpts puts the job on delivery's queue, tried as an invoice's is.
func (SendArgs) InsertOpts() river.InsertOpts {
	return delivery.EmailOpts()
}

// NotSendable is why a note cannot be sent now: it is on its way or sent,
// or its client has no billing email. atlas.ErrorMessage shows it.
type NotSendable struct {
	Code    string
	Message string
}

func (e *NotSendable) Error() string { return e.Message }

// Unwrap is the error as an *atlas.Error, for the Slack side's replies.
func (e *NotSendable) Unwrap() error { return &atlas.Error{Code: e.Code, Message: e.Message} }

// QueueSend sends an issued note, in tx: it goes from issued to sending,
// its next attempt, and the send job is inserted. A rolled-back tx sends
// nothing. A note that is not issued, or whose client has no billing
// email, is refused with a *NotSendable and tx is left as it was.
func QueueSend(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, id int64, by atlas.MemberID) error {
	var status Status
	var number, client, to, how string
	err := tx.QueryRow(ctx, `SELECT n.status, n.number, e.code || ' · ' || e.name, coalesce(e.billing_email, ''), e.delivery_method
		FROM credit_notes n
		JOIN invoices i ON i.practice_id = n.practice_id AND i.id = n.invoice_id
		JOIN entities e ON e.practice_id = i.practice_id AND e.id = i.entity_id
		WHERE n.practice_id = $1 AND n.id = $2 FOR UPDATE OF n`, pid, id).Scan(&status, &number, &client, &to, &how)
	if errors.Is(err, pgx.ErrNoRows) {
		return atlas.Errorf(atlas.ENotFound, "There is no credit note %d.", id)
	}
	if err != nil {
		return fmt.Errorf("send credit note %d: %w", id, err)
	}
	switch {
	case status == StatusSending:
		return &NotSendable{atlas.EConflict, fmt.Sprintf("Credit note %s is already on its way to %s.", number, client)}
	case status == StatusSent:
		return &NotSendable{atlas.EConflict, fmt.Sprintf("Credit note %s went to %s already.", number, client)}
	case how != practice.DeliveryEmail && how != practice.DeliveryBoth:
		return &NotSendable{atlas.EInvalid, fmt.Sprintf("%s takes its documents in the client portal, where credit note %s is shown already. To email it as well, set the client to email or both in its settings, then send it.", client, number)}
	case to == "":
		return &NotSendable{atlas.EInvalid, fmt.Sprintf("%s has no billing email, so credit note %s has nowhere to go: add it in the client's settings (`/atlas clients edit`), then send it.", client, number)}
	}
	var attempt int
	if err := tx.QueryRow(ctx, `UPDATE credit_notes SET status = 'sending', send_attempt = send_attempt + 1
		WHERE practice_id = $1 AND id = $2 AND status = 'issued' RETURNING send_attempt`, pid, id).Scan(&attempt); err != nil {
		return fmt.Errorf("send credit note %d: %w", id, err)
	}
	if err := jobs.InsertTx(ctx, tx, SendArgs{Practice: string(pid), CreditNoteID: id, Attempt: attempt}); err != nil {
		return fmt.Errorf("send credit note %d: queue the email: %w", id, err)
	}
	return practice.Audit(ctx, tx, pid, by, "credit_note.send_requested", "credit_note", id,
		map[string]any{"number": number, "attempt": attempt, "to": to})
}

// Deps are what the send worker needs.
type Deps struct {
	Pool  *pgxpool.Pool
	Mail  delivery.Mailer
	Clock atlas.Clock  // nil: the system clock
	Log   *slog.Logger // nil: slog.Default()
}

// AddWorkers registers the notes' send worker on w.
func AddWorkers(w *river.Workers, deps Deps) error {
	if deps.Pool == nil || deps.Mail == nil {
		return errors.New("creditnotes: the send worker needs a pool and a mailer")
	}
	if deps.Clock == nil {
		deps.Clock = atlas.SystemClock{}
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	return river.AddWorkerSafely(w, &sendWorker{deps: deps, db: deps.Pool})
}

type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	deps Deps
	db   db.DB // the pool; a test's transaction in tests
}

// Timeout leaves room for the mail server's own steps.
func (w *sendWorker) Timeout(*river.Job[SendArgs]) time.Duration { return 3 * time.Minute }

// Work draws the note, sends it and records the outcome; it returns an
// error only for what a later try may get past.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	a := job.Args
	pid := atlas.PracticeID(a.Practice)
	f, err := load(ctx, w.db, pid, a.CreditNoteID)
	if err != nil {
		return fmt.Errorf("creditnotes: load credit note %d: %w", a.CreditNoteID, err)
	}
	if f.Status != StatusSending || f.SendAttempt != a.Attempt {
		return nil // done by an earlier try, or superseded: sending again would send twice
	}
	data, err := f.render()
	if err != nil {
		return w.fail(ctx, f, a.Attempt, "The credit note could not be drawn: "+err.Error(), err)
	}
	msg := f.email(data, a.Attempt)
	err = w.deps.Mail.Send(ctx, msg)
	switch {
	case err == nil:
		return w.sent(ctx, f, a.Attempt, msg)
	case mail.IsPermanent(err):
		return w.fail(ctx, f, a.Attempt, refusal(err), err)
	case job.Attempt >= job.MaxAttempts:
		return w.fail(ctx, f, a.Attempt, fmt.Sprintf("The mail server could not be reached after %d tries: %s", job.Attempt, refusal(err)), err)
	}
	w.deps.Log.Warn("creditnotes: send failed for now; River tries again", "practice", a.Practice, "credit_note", a.CreditNoteID, "error", err)
	return err
}

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

// sent records an accepted send, redraws the invoice's card, and puts the
// note's PDF in the card's thread where the card is in the billing channel.
func (w *sendWorker) sent(ctx context.Context, f full, attempt int, msg mail.Message) error {
	return db.InTx(ctx, w.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE credit_notes SET status = 'sent', sent_at = $4, message_id = $5, send_error = ''
			WHERE practice_id = $1 AND id = $2 AND status = 'sending' AND send_attempt = $3`,
			f.Practice.ID, f.ID, attempt, w.deps.Clock.Now(), msg.MessageID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if err := practice.Audit(ctx, tx, f.Practice.ID, 0, "credit_note.sent", "credit_note", f.ID, map[string]any{
			"number": f.Number, "attempt": attempt, "to": msg.To, "cc": msg.CC, "message_id": msg.MessageID,
		}); err != nil {
			return err
		}
		if err := queuePDF(ctx, tx, f.Practice.ID, f.ID, f.InvoiceID); err != nil {
			return err
		}
		return redrawCard(ctx, tx, f.Practice.ID, f.InvoiceID)
	})
}

// fail records a send that no retry will make: the note is issued again
// with the reason, and the partner who issued it is told in Slack.
func (w *sendWorker) fail(ctx context.Context, f full, attempt int, reason string, cause error) error {
	w.deps.Log.Warn("creditnotes: credit note not sent", "practice", f.Practice.ID, "credit_note", f.ID, "reason", reason, "error", cause)
	return db.InTx(ctx, w.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE credit_notes SET status = 'issued', send_error = $4
			WHERE practice_id = $1 AND id = $2 AND status = 'sending' AND send_attempt = $3`, f.Practice.ID, f.ID, attempt, reason)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if err := practice.Audit(ctx, tx, f.Practice.ID, 0, "credit_note.send_failed", "credit_note", f.ID, map[string]any{
			"number": f.Number, "attempt": attempt, "reason": reason, "to": f.Entity.BillingEmail,
		}); err != nil {
			return err
		}
		if f.CreatorSlack != "" {
			if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(f.Practice.ID), Channel: f.CreatorSlack, Render: RenderSendFailed,
				Subject: outbox.Subject{Type: "credit_note", ID: f.ID, Purpose: fmt.Sprintf("send_failed:%d", attempt)}}); err != nil {
				return err
			}
		}
		return redrawCard(ctx, tx, f.Practice.ID, f.InvoiceID)
	})
}

func redrawCard(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, invoiceID int64) error {
	return outbox.QueueUpdate(ctx, tx, outbox.Update{Practice: string(pid), Render: billing.RenderCard, Subject: billing.CardSubject(invoiceID)})
}

// queuePDF queues the upload of a sent note's PDF into the thread of its
// invoice's card in the billing channel; an invoice with no card there
// gets none, as a sent invoice's PDF does.
func queuePDF(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, id, invoiceID int64) error {
	var channel string
	err := tx.QueryRow(ctx, `
		SELECT p.billing_channel FROM practices p
		 WHERE p.id = $1 AND EXISTS (SELECT 1 FROM slack_posts sp WHERE sp.practice_id = $1 AND sp.channel = p.billing_channel
		   AND sp.subject_type = 'invoice' AND sp.subject_id = $2 AND sp.purpose = 'card')`, pid, invoiceID).Scan(&channel)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find the card of invoice %d: %w", invoiceID, err)
	}
	card := billing.CardSubject(invoiceID)
	return outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(pid), Channel: channel, Render: RenderPDF, Upload: true,
		Subject: outbox.Subject{Type: "credit_note", ID: id, Purpose: "pdf"}, Thread: &card})
}

// Failure is one failed send of a note, as the partner is told of it.
type Failure struct {
	Note   Note
	Reason string
	To     string
}

// FailureOf reads why a send attempt failed, from the audit record it
// left: the note keeps only its latest failure.
func FailureOf(ctx context.Context, q db.DB, pid atlas.PracticeID, id int64, attempt int) (Failure, error) {
	var f Failure
	var err error
	if f.Note, err = read(ctx, q, pid, id); err != nil {
		return f, err
	}
	err = q.QueryRow(ctx, `SELECT data->>'reason', coalesce(data->>'to', '') FROM audit_events
		WHERE practice_id = $1 AND subject_type = 'credit_note' AND subject_id = $2 AND action = 'credit_note.send_failed'
		  AND data->>'attempt' = $3::text ORDER BY id DESC LIMIT 1`, pid, id, fmt.Sprint(attempt)).Scan(&f.Reason, &f.To)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, atlas.Errorf(atlas.ENotFound, "Credit note %s has no failed send attempt %d.", f.Note.Number, attempt)
	}
	return f, err
}
