package delivery

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Queue is the River queue of the send jobs. The engine that works them
// gives it QueueConfig.
const Queue = "invoice_delivery"

// JobKind is the River kind of a send job.
const JobKind = "invoice_email"

// MaxAttempts is how many times a send is tried before it is given up and
// the invoice goes back to approved: with River's backoff (the attempt to
// the fourth power, in seconds) the tries span about half a day, long
// enough for a mail server's outage, short enough that a partner hears
// the same day that an invoice has not gone.
const MaxAttempts = 12

// QueueConfig is the suggested configuration of Queue. A send job spends
// most of its time waiting on the mail server — maildev, like many
// servers, waits 100 ms before it greets a connection, to catch clients
// that talk too soon — and a few milliseconds drawing the PDF, which is
// CPU-bound. So the queue runs several jobs per core (sendsPerCore), their
// waits overlapping, while drawing is held to one document per core by
// render's gate; MaxWorkers is then also how many connections a replica
// opens to the mail server at once, which keeps it within what servers
// allow one client. FetchCooldown is short because River fetches a queue
// at most once per cooldown (100 ms by default), which would otherwise
// cap a month-end at a few dozen invoices a second.
func QueueConfig() river.QueueConfig {
	return river.QueueConfig{MaxWorkers: sendsPerCore * runtime.NumCPU(), FetchCooldown: 5 * time.Millisecond}
}

// sendsPerCore is how many send jobs a replica runs per core.
const sendsPerCore = 8

// SendArgs is a send job: attempt Attempt at sending an invoice.
type SendArgs struct {
	Practice  string `json:"practice"`
	InvoiceID int64  `json:"invoice_id"`
	// Attempt is the invoice's send attempt this job carries out (not
	// River's try of the job): a job whose attempt is no longer the
	// invoice's does nothing.
	Attempt int `json:"attempt"`
}

// Kind is the River job kind.
func (SendArgs) Kind() string { return JobKind }

// InsertOpts puts the job on Queue with MaxAttempts tries.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: MaxAttempts}
}

// NotSendable is why an invoice cannot be sent now: it is not approved
// (a draft, already on its way, sent, void), or its client has no billing
// email. Its message is for the person who asked; errors.As finds it, and
// atlas.ErrorMessage shows it (it unwraps to an *atlas.Error).
type NotSendable struct {
	InvoiceID int64
	Number    string         // "" for a draft
	Status    billing.Status // as it stands
	Code      string         // atlas.EConflict, or atlas.EInvalid for a missing address
	Message   string
}

func (e *NotSendable) Error() string { return e.Message }

// Unwrap is the error as an *atlas.Error, so the Slack side's one mapping
// of errors to replies shows it like any other refusal.
func (e *NotSendable) Unwrap() error { return &atlas.Error{Code: e.Code, Message: e.Message} }

// QueueSend sends an approved invoice, in tx: the invoice goes from
// approved to sending, its next send attempt, asked for by by (0 for Atlas
// itself), and the send job is inserted. A rolled-back tx sends nothing.
// An invoice that is not approved, or whose client has no billing email,
// is refused with a *NotSendable and tx is left as it was.
func QueueSend(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, invoiceID int64, by atlas.MemberID) error {
	var (
		status                      billing.Status
		number, code, name, to, how string
		sentAt, sendingSince, run   *time.Time
		requester, tz               string
	)
	err := tx.QueryRow(ctx, `
		SELECT i.status, coalesce(i.number, ''), e.code, e.name, coalesce(e.billing_email, ''), e.delivery_method,
		       i.sent_at, i.sending_started_at, coalesce(r.name, ''), i.run_period, p.timezone
		  FROM invoices i
		  JOIN practices p ON p.id = i.practice_id
		  JOIN entities e ON e.practice_id = i.practice_id AND e.id = i.entity_id
		  LEFT JOIN members r ON r.practice_id = i.practice_id AND r.id = i.send_requested_by
		 WHERE i.practice_id = $1 AND i.id = $2
		   FOR UPDATE OF i`, pid, invoiceID).
		Scan(&status, &number, &code, &name, &to, &how, &sentAt, &sendingSince, &requester, &run, &tz)
	if errors.Is(err, pgx.ErrNoRows) {
		return atlas.Errorf(atlas.ENotFound, "There is no invoice %d.", invoiceID)
	}
	if err != nil {
		return fmt.Errorf("send invoice %d: %w", invoiceID, err)
	}
	refuse := func(code, format string, args ...any) error {
		return &NotSendable{InvoiceID: invoiceID, Number: number, Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
	}
	loc := practice.Practice{Timezone: tz}.Location()
	client := code + " · " + name
	what := number
	if what == "" {
		what = fmt.Sprintf("Draft %d", invoiceID)
	}
	switch status {
	case billing.Approved:
	case billing.Draft, billing.AwaitingApproval:
		return refuse(atlas.EConflict, "%s for %s is not approved yet: a partner approves it before it goes to the client.", what, client)
	case billing.Sending:
		by := ""
		if requester != "" {
			by = " (" + requester + " asked"
			if sendingSince != nil {
				by += " at " + sendingSince.In(loc).Format("15:04 on 2 Jan")
			}
			by += ")"
		}
		return refuse(atlas.EConflict, "%s for %s is already on its way%s.", what, client, by)
	case billing.Sent, billing.PartPaid, billing.Paid:
		when := ""
		if sentAt != nil {
			when = " on " + sentAt.In(loc).Format("2 Jan 2006")
		}
		return refuse(atlas.EConflict, "%s went to %s%s already.", what, client, when)
	case billing.Void:
		return refuse(atlas.EConflict, "%s for %s is void: it is never sent.", what, client)
	default:
		return refuse(atlas.EConflict, "%s for %s cannot be sent: it is %s.", what, client, status.Label())
	}
	if how == practice.DeliveryPortal {
		var contacts int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM client_contacts c JOIN invoices i ON i.practice_id = c.practice_id AND i.entity_id = c.entity_id
			WHERE i.practice_id = $1 AND i.id = $2 AND c.receives_invoices`, pid, invoiceID).Scan(&contacts); err != nil {
			return fmt.Errorf("send invoice %d: %w", invoiceID, err)
		}
		if contacts == 0 {
			return refuse(atlas.EInvalid, "%s takes its invoices in the client portal, but none of its contacts receives invoices, so no one would be told: "+
				"add one in the client's settings, then send.", client)
		}
	} else if to == "" {
		return refuse(atlas.EInvalid, "%s has no billing email, so %s has nowhere to go: add it in the client's settings, then send.", client, what)
	}

	var actor any
	if by != 0 {
		actor = int64(by)
	}
	var attempt int
	err = tx.QueryRow(ctx, `
		UPDATE invoices SET status = 'sending', send_attempt = send_attempt + 1, send_requested_by = $3,
		       sending_started_at = now(), revision = revision + 1, updated_at = now()
		 WHERE practice_id = $1 AND id = $2 AND status = 'approved'
		RETURNING send_attempt`, pid, invoiceID, actor).Scan(&attempt)
	if err != nil {
		return fmt.Errorf("send invoice %d: %w", invoiceID, err)
	}
	if err := jobs.InsertTx(ctx, tx, SendArgs{Practice: string(pid), InvoiceID: invoiceID, Attempt: attempt}); err != nil {
		return fmt.Errorf("send invoice %d: queue the email: %w", invoiceID, err)
	}
	if err := practice.Audit(ctx, tx, pid, by, "invoice.send_requested", "invoice", invoiceID,
		map[string]any{"number": number, "attempt": attempt, "to": to}); err != nil {
		return err
	}
	return redraw(ctx, tx, pid, invoiceID, run)
}

// redraw queues the redrawing of an invoice's card and, when it belongs to
// a billing run, of the run's summary, whose count of invoices sent moves.
func redraw(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, invoiceID int64, runPeriod *time.Time) error {
	updates := []outbox.Update{{Practice: string(pid), Render: billing.RenderCard, Subject: billing.CardSubject(invoiceID)}}
	if runPeriod != nil {
		updates = append(updates, outbox.Update{Practice: string(pid), Render: billing.RenderSummary,
			Subject: billing.SummarySubject(atlas.PeriodOf(*runPeriod))})
	}
	return outbox.QueueUpdates(ctx, tx, updates...)
}

// QueueSendIfAuto sends a just-approved invoice when its practice sends on
// approval: call it in the approval's transaction. queued says whether it
// went on its way. An invoice that cannot go (its client has no billing
// email) stays approved, the approval standing: refused says why, for the
// partner, and err is only for failures.
func QueueSendIfAuto(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, invoiceID int64, by atlas.MemberID) (queued bool, refused *NotSendable, err error) {
	var auto bool
	if err := tx.QueryRow(ctx, `SELECT auto_send FROM practices WHERE id = $1`, pid).Scan(&auto); err != nil {
		return false, nil, fmt.Errorf("read send on approval: %w", err)
	}
	if !auto {
		return false, nil, nil
	}
	err = QueueSend(ctx, tx, pid, invoiceID, by)
	if errors.As(err, &refused) {
		return false, refused, nil
	}
	return err == nil, nil, err
}
