package delivery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
)

// SendStatus is where an invoice's delivery stands, for its card: whether
// it is on its way (since when, asked by whom), when it went and with
// which dates, or why the last attempt failed.
type SendStatus struct {
	InvoiceID   int64
	Number      string
	Status      billing.Status
	Attempt     int    // send attempts so far; 0 before the first
	RequestedBy string // the name of who asked for the latest attempt; "" for Atlas itself
	// SendingSince is when the attempt under way began (status sending).
	SendingSince *time.Time
	SentAt       *time.Time
	IssueDate    *time.Time // the tax point, set when it went
	DueDate      *time.Time
	// LastError is why the latest attempt failed, in the mail server's
	// words where it gave any; "" once an attempt succeeds.
	LastError string
	FailedAt  *time.Time
	To        string   // the client's billing email
	CC        []string // its copies
}

// Status reads where an invoice's delivery stands.
func Status(ctx context.Context, q db.DB, pid atlas.PracticeID, invoiceID int64) (SendStatus, error) {
	s := SendStatus{InvoiceID: invoiceID}
	err := q.QueryRow(ctx, `
		SELECT coalesce(i.number, ''), i.status, i.send_attempt, coalesce(r.name, ''), i.sending_started_at, i.sent_at,
		       i.issue_date, i.due_date, i.send_error, i.send_failed_at, coalesce(e.billing_email, ''), e.cc_emails
		  FROM invoices i
		  JOIN entities e ON e.practice_id = i.practice_id AND e.id = i.entity_id
		  LEFT JOIN members r ON r.practice_id = i.practice_id AND r.id = i.send_requested_by
		 WHERE i.practice_id = $1 AND i.id = $2`, pid, invoiceID).
		Scan(&s.Number, &s.Status, &s.Attempt, &s.RequestedBy, &s.SendingSince, &s.SentAt,
			&s.IssueDate, &s.DueDate, &s.LastError, &s.FailedAt, &s.To, &s.CC)
	if err != nil {
		return s, db.MapError(err, fmt.Sprintf("There is no invoice %d.", invoiceID))
	}
	return s, nil
}

// failedPrefix starts the purpose of a failure's direct message.
const failedPrefix = "send_failed:"

// FailedPurpose is the outbox purpose of the direct message about a failed
// send attempt: one message per attempt.
func FailedPurpose(attempt int) string { return failedPrefix + strconv.Itoa(attempt) }

// ParseFailedPurpose reads the attempt from a FailedPurpose.
func ParseFailedPurpose(purpose string) (attempt int, ok bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(purpose, failedPrefix))
	if err != nil || !strings.HasPrefix(purpose, failedPrefix) || n < 1 {
		return 0, false
	}
	return n, true
}

// Failure is one failed send attempt, as the partner is told of it.
type Failure struct {
	InvoiceID int64
	Number    string
	Client    string // "ACME · Acme Trading Ltd"
	Attempt   int
	Reason    string // the mail server's words where it gave any
	To        string // where it was going
	At        time.Time
	// Status is the invoice's status now: a later attempt may have sent it
	// since, which the message then says rather than urging a resend.
	Status billing.Status
}

// FailureOf reads why a send attempt failed, from the audit record the
// failure left: the invoice keeps only its latest failure, and the message
// about an earlier attempt must still say what happened then.
func FailureOf(ctx context.Context, q db.DB, pid atlas.PracticeID, invoiceID int64, attempt int) (Failure, error) {
	f := Failure{InvoiceID: invoiceID, Attempt: attempt}
	err := q.QueryRow(ctx, `
		SELECT coalesce(i.number, ''), e.code || ' · ' || e.name, i.status,
		       a.data->>'reason', coalesce(a.data->>'to', ''), a.at
		  FROM invoices i
		  JOIN entities e ON e.practice_id = i.practice_id AND e.id = i.entity_id
		  JOIN audit_events a ON a.practice_id = i.practice_id AND a.subject_type = 'invoice' AND a.subject_id = i.id
		                     AND a.action = 'invoice.send_failed' AND a.data->>'attempt' = $3::text
		 WHERE i.practice_id = $1 AND i.id = $2
		 ORDER BY a.id DESC LIMIT 1`, pid, invoiceID, strconv.Itoa(attempt)).
		Scan(&f.Number, &f.Client, &f.Status, &f.Reason, &f.To, &f.At)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, atlas.Errorf(atlas.ENotFound, "Invoice %d has no failed send attempt %d.", invoiceID, attempt)
	}
	if err != nil {
		return f, fmt.Errorf("read failed send %d of invoice %d: %w", attempt, invoiceID, err)
	}
	return f, nil
}
