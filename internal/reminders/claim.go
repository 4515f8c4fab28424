package reminders

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/outbox"
)

// RenderReminded names the renderer of the direct message that tells a
// client's manager about a reminder (a bot feature registers it): its
// subject is the invoice, its purpose Purpose(step) when the reminder is
// claimed, or FailedPurpose(step) when its email could not go.
const RenderReminded = "invoice.reminded"

const (
	purposePrefix       = "reminder:"
	failedPurposePrefix = "reminder_failed:"
)

// Purpose is the outbox purpose of the manager's message about the
// reminder at step days: one message per invoice and step.
func Purpose(step int) string { return purposePrefix + strconv.Itoa(step) }

// FailedPurpose is the outbox purpose of the manager's message about a
// reminder at step days that did not go.
func FailedPurpose(step int) string { return failedPurposePrefix + strconv.Itoa(step) }

// ParsePurpose reads a Purpose or FailedPurpose: the step, and whether it
// is about a failure.
func ParsePurpose(purpose string) (step int, failed, ok bool) {
	rest, found := strings.CutPrefix(purpose, failedPurposePrefix)
	failed = found
	if !found {
		if rest, found = strings.CutPrefix(purpose, purposePrefix); !found {
			return 0, false, false
		}
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 {
		return 0, false, false
	}
	return n, failed, true
}

// Claimed is one reminder a run claimed.
type Claimed struct {
	InvoiceID int64
	Step      int    // days after the due date
	Manager   string // the Slack user told, "" for nobody
}

// Claim claims, on today (the practice's date), the reminder due on each
// overdue invoice of the practice and queues its email and the message to
// the client's manager, all in tx, and returns what it claimed, by invoice.
//
// An invoice is due a reminder when it is sent or part paid, its balance
// (total − paid − credited) is above zero, and its due date plus a step of
// the practice's reminder_days has been reached. Only the latest step
// reached is claimed, and only when no reminder at that step or a later
// one has been: a first run long after the due date sends one reminder,
// not one for each step it passed, and fewer steps set later never send
// an earlier one again. The claim is a row of invoice_reminders inserted
// with ON CONFLICT DO NOTHING, so a second run, or a second replica
// running at the same moment, claims nothing; and a run that rolls back
// neither claims nor sends.
func Claim(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, today time.Time) ([]Claimed, error) {
	rows, err := tx.Query(ctx, `
		WITH owed AS (
			SELECT i.id,
			       (SELECT max(s) FROM unnest(p.reminder_days) AS s WHERE i.due_date + s <= $2::date) AS step
			  FROM invoices i
			  JOIN practices p ON p.id = i.practice_id
			 WHERE i.practice_id = $1 AND i.status IN ('sent', 'part_paid') AND i.due_date < $2::date
			   AND i.total - i.paid - i.credited > 0
		)
		INSERT INTO invoice_reminders (practice_id, invoice_id, step_days)
		SELECT $1, o.id, o.step FROM owed o
		 WHERE o.step IS NOT NULL
		   AND NOT EXISTS (SELECT 1 FROM invoice_reminders r
		                    WHERE r.practice_id = $1 AND r.invoice_id = o.id AND r.step_days >= o.step)
		ON CONFLICT DO NOTHING
		RETURNING invoice_id, step_days`, pid, today)
	if err != nil {
		return nil, fmt.Errorf("claim overdue reminders: %w", err)
	}
	var out []Claimed
	var c Claimed
	if _, err := pgx.ForEachRow(rows, []any{&c.InvoiceID, &c.Step}, func() error {
		out = append(out, c)
		return nil
	}); err != nil || len(out) == 0 {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Claimed) int { return cmp.Compare(a.InvoiceID, b.InvoiceID) })

	// One read for every manager of the batch: a first run over a backlog
	// must not cost a round trip per invoice.
	ids := make([]int64, len(out))
	for i, c := range out {
		ids[i] = c.InvoiceID
	}
	rows, err = tx.Query(ctx, `
		SELECT i.id, coalesce(m.slack_user_id, '')
		  FROM invoices i
		  JOIN entities e ON e.practice_id = i.practice_id AND e.id = i.entity_id
		  LEFT JOIN members m ON m.practice_id = e.practice_id AND m.id = e.manager_id AND m.active
		 WHERE i.practice_id = $1 AND i.id = ANY($2)`, pid, ids)
	if err != nil {
		return nil, fmt.Errorf("overdue reminders' managers: %w", err)
	}
	managers := map[int64]string{}
	var id int64
	var slackID string
	if _, err := pgx.ForEachRow(rows, []any{&id, &slackID}, func() error { managers[id] = slackID; return nil }); err != nil {
		return nil, err
	}

	emails := make([]river.InsertManyParams, len(out))
	for i := range out {
		out[i].Manager = managers[out[i].InvoiceID]
		emails[i] = river.InsertManyParams{Args: SendArgs{Practice: string(pid), InvoiceID: out[i].InvoiceID, Step: out[i].Step}}
	}
	if err := jobs.InsertManyTx(ctx, tx, emails); err != nil {
		return nil, fmt.Errorf("queue overdue reminders: %w", err)
	}
	for _, c := range out {
		if c.Manager == "" {
			continue
		}
		if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(pid), Channel: c.Manager, Render: RenderReminded,
			Subject: outbox.Subject{Type: "invoice", ID: c.InvoiceID, Purpose: Purpose(c.Step)}}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
