package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Approval (BILLING.md, Lifecycle and Numbers). A partner approves an
// invoice awaiting approval: in one transaction the invoice leaves
// "awaiting approval" by a conditional update, takes the next number from
// the practice's counter row (an UPDATE … RETURNING, never a sequence:
// sequences skip numbers when a transaction rolls back, the counter does
// not), its time leaves work in progress, a retainer absorbs the covered
// time of its period, and the audit event and the card's redrawing are
// queued. Two partners clicking at once: the second waits on the first's
// row lock and then finds it approved, and is told by whom and when.

// Approve approves an invoice awaiting approval and returns it as it now
// stands (its header: read Invoice for its lines).
func (s Store) Approve(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id int64, now time.Time) (Invoice, error) {
	var out Invoice
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		if out, err = approve(ctx, tx, pid, actor, id, now); err != nil {
			return err
		}
		if s.AfterApprove != nil {
			return s.AfterApprove(ctx, tx, pid, actor, out)
		}
		return nil
	})
	return out, err
}

// approve is one approval, in one statement, since a partner waits for
// it after the click: the next number from the counter, the invoice (if it
// is still awaiting approval once its row lock is had), its time leaving
// work in progress, and the audit record (practice.Audit's row, written
// here to save a round trip). When the invoice was approved meanwhile, the
// statement approves nothing and the transaction rolls back with the
// refusal, taking the counter's step with it: no number is used. Only a
// refusal reads more, to say why; a retainer then absorbs its period's
// time, and the card's redrawing is queued.
func approve(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, actor atlas.MemberID, id int64, now time.Time) (Invoice, error) {
	inv := Invoice{ID: id}
	var period, runPeriod *time.Time
	var feeLine *int64
	err := tx.QueryRow(ctx, `
		WITH n AS (
			INSERT INTO invoice_counters (practice_id, series, next_value)
			SELECT $1, $3, 2 WHERE EXISTS (SELECT 1 FROM invoices WHERE practice_id = $1 AND id = $2 AND status = 'awaiting_approval')
			ON CONFLICT (practice_id, series) DO UPDATE SET next_value = invoice_counters.next_value + 1
			RETURNING next_value - 1 AS seq),
		inv AS (
			UPDATE invoices i SET status = 'approved', approved_by = $4, approved_at = $5, reject_note = '',
			       number = invoice_number(p.invoice_number_format, n.seq, ($5 AT TIME ZONE p.timezone)::date),
			       revision = revision + 1, updated_at = now()
			  FROM n, practices p, entities e
			 WHERE i.practice_id = $1 AND i.id = $2 AND i.status = 'awaiting_approval' AND p.id = $1
			   AND e.practice_id = $1 AND e.id = i.entity_id
			RETURNING i.number, i.total, i.kind, i.entity_id, e.code, e.name, i.period, i.run_period),
		billed AS (
			UPDATE time_entries SET billing_state = 'billed', updated_at = now()
			 WHERE practice_id = $1 AND invoice_id = $2 AND EXISTS (SELECT 1 FROM inv) RETURNING 1),
		audit AS (
			INSERT INTO audit_events (practice_id, actor_id, action, subject_type, subject_id, data)
			SELECT $1, $4, 'invoice.approve', 'invoice', $2, jsonb_build_object('number', inv.number, 'total', inv.total::text) FROM inv)
		SELECT inv.number, inv.total, inv.kind, inv.entity_id, inv.code, inv.name, inv.period, inv.run_period,
		       (SELECT l.id FROM invoice_lines l WHERE l.practice_id = $1 AND l.invoice_id = $2 AND l.kind = 'fee' LIMIT 1)
		  FROM inv`, pid, id, practice.InvoiceSeries, int64(actor), now).
		Scan(&inv.Number, &inv.Total, &inv.Kind, &inv.EntityID, &inv.EntityCode, &inv.EntityName, &period, &runPeriod, &feeLine)
	if errors.Is(err, pgx.ErrNoRows) {
		// Not awaiting approval (or not there): say why.
		cur, rerr := readInvoice(ctx, tx, pid, id)
		if rerr != nil {
			return inv, rerr
		}
		if err := approvable(cur); err != nil {
			return cur, err
		}
		return cur, fmt.Errorf("approve invoice %d: not approved", id)
	}
	if db.IsUniqueViolation(err, "invoices_practice_id_number_key") {
		return inv, atlas.Errorf(atlas.EConflict, "The next invoice number is already on another invoice: the next number in /atlas settings is behind the invoices already numbered. Raise it, then approve again.")
	}
	if err != nil {
		return inv, fmt.Errorf("approve invoice %d: %w", id, err)
	}
	if period != nil {
		p := atlas.PeriodOf(*period)
		inv.Period = &p
	}
	if runPeriod != nil {
		p := atlas.PeriodOf(*runPeriod)
		inv.RunPeriod = &p
	}
	inv.Status, inv.ApprovedAt = Approved, &now
	if inv.Kind == Recurring && feeLine != nil && inv.Period != nil {
		if _, err := absorb(ctx, tx, pid, inv, *feeLine); err != nil {
			return inv, err
		}
	}
	return inv, redraw(ctx, tx, pid, inv)
}

// approvable refuses the approval of an invoice not awaiting it, saying
// why: approved already (by whom and when), a draft not yet submitted.
func approvable(inv Invoice) error {
	switch inv.Status {
	case AwaitingApproval:
		return nil
	case Draft:
		return atlas.Errorf(atlas.EConflict, "%s for %s is a draft: its preparer submits it for approval first.", inv.Name(), inv.Client())
	case Deleted:
		return atlas.Errorf(atlas.EConflict, "That draft for %s was deleted.", inv.Client())
	case Void:
		return atlas.Errorf(atlas.EConflict, "%s for %s is void.", inv.Name(), inv.Client())
	}
	when := ""
	if inv.ApprovedAt != nil {
		when = " at " + inv.ApprovedAt.Format("15:04 on 2 Jan")
	}
	return atlas.Errorf(atlas.EConflict, "%s for %s is already approved, by %s%s.", inv.Name(), inv.Client(), inv.ApprovedBy, when)
}

// absorb attaches to a retainer's fee line the client's unbilled time of
// the invoice's period on the services the retainer covers: the fee was
// their price, so they leave work in progress, and the line's time value
// becomes theirs (a retainer's realisation is its fee over that value).
func absorb(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, inv Invoice, feeLine int64) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `
		WITH taken AS (
			UPDATE time_entries te SET invoice_id = $2, invoice_line_id = $3, billing_state = 'billed', updated_at = now()
			 WHERE te.practice_id = $1 AND te.entity_id = $4 AND te.invoice_id IS NULL AND te.billing_state = 'unbilled'
			   AND te.billable AND te.work_date BETWEEN $5 AND $6
			   AND te.service_id IN (SELECT service_id FROM entity_services WHERE practice_id = $1 AND entity_id = $4)
			RETURNING te.value, billed_minutes(te.minutes, (SELECT rounding_increment FROM practices WHERE id = $1),
			                                  (SELECT rounding_mode FROM practices WHERE id = $1)) AS minutes)
		UPDATE invoice_lines SET time_value = time_value + coalesce((SELECT sum(value) FROM taken), 0),
		       minutes = nullif(coalesce(minutes, 0) + coalesce((SELECT sum(minutes) FROM taken), 0), 0)
		 WHERE practice_id = $1 AND id = $3
		RETURNING (SELECT count(*) FROM taken)`, pid, inv.ID, feeLine, inv.EntityID, inv.Period.FirstDay(), inv.Period.LastDay()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("absorb the retainer's time: %w", err)
	}
	return n, nil
}

// Unchanged are a billing month's retainer invoices awaiting approval that
// need no look: the same as the month before, nothing added or adjusted.
func (s Store) Unchanged(ctx context.Context, pid atlas.PracticeID, month atlas.Period) ([]Invoice, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+invoiceColumns+invoiceFrom+`
		WHERE i.practice_id = $1 AND i.run_period = $2 AND i.kind = 'recurring' AND i.status = 'awaiting_approval'
		  AND NOT `+needsLookSQL+`
		ORDER BY e.code, i.id`, pid, month.FirstDay())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Invoice, error) { return scanInvoice(r) })
}

// ApproveUnchanged approves a billing month's unchanged retainers, one
// transaction each in client-code order, so their numbers follow the
// clients and a failure part-way leaves the ones before it approved,
// numbered without a gap, and the rest awaiting. It stops at the first
// failure and returns what it approved with the error.
func (s Store) ApproveUnchanged(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, month atlas.Period, now time.Time) ([]Invoice, error) {
	todo, err := s.Unchanged(ctx, pid, month)
	if err != nil {
		return nil, err
	}
	var done []Invoice
	for i, inv := range todo {
		if approveHook != nil {
			if err := approveHook(i); err != nil {
				return done, err
			}
		}
		approved, err := s.Approve(ctx, pid, actor, inv.ID, now)
		if atlas.ErrorCode(err) == atlas.EConflict && strings.Contains(atlas.ErrorMessage(err), "already approved") {
			continue // approved meanwhile by someone else
		}
		if err != nil {
			return done, err
		}
		done = append(done, approved)
	}
	return done, nil
}

// approveHook lets a test stop a bulk approval part-way.
var approveHook func(i int) error

// Reject sends an invoice awaiting approval back to its preparer with a
// note: it becomes a draft again, the preparer gets the note by DM, and
// its card says so.
func (s Store) Reject(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id int64, note string, now time.Time) (Invoice, error) {
	note = strings.TrimSpace(note)
	if note == "" {
		return Invoice{}, atlas.FieldError(FieldReason, "Say what to change, for the preparer: the note goes to them.")
	}
	var out Invoice
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		inv, err := lockInvoice(ctx, tx, pid, id)
		if err != nil {
			return err
		}
		if inv.Status != AwaitingApproval {
			if err := approvable(inv); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE invoices SET status = 'draft', reject_note = $3, rejected_by = $4, rejected_at = $5,
				revision = revision + 1, updated_at = now() WHERE practice_id = $1 AND id = $2`, pid, id, note, int64(actor), now); err != nil {
			return err
		}
		if out, err = readInvoice(ctx, tx, pid, id); err != nil {
			return err
		}
		if err := practice.Audit(ctx, tx, pid, actor, "invoice.reject", "invoice", id, map[string]any{"note": note}); err != nil {
			return err
		}
		if out.PreparerSlackID != "" {
			if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(pid), Channel: out.PreparerSlackID, Render: RenderReturned,
				Subject: outbox.Subject{Type: "invoice", ID: id, Purpose: fmt.Sprintf("returned:%d", out.Revision)}}); err != nil {
				return err
			}
		}
		return redraw(ctx, tx, pid, out)
	})
	return out, err
}

// Submit sends a draft for approval: its card is posted in the billing
// channel (in its month's thread when it belongs to a run).
func (s Store) Submit(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id int64) (Invoice, error) {
	var out Invoice
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		inv, err := lockInvoice(ctx, tx, pid, id)
		if err != nil {
			return err
		}
		switch {
		case inv.Status == AwaitingApproval:
			return atlas.Errorf(atlas.EConflict, "%s for %s is already awaiting approval.", inv.Name(), inv.Client())
		case inv.Status != Draft:
			return editable(inv)
		case len(inv.Lines) == 0 || !inv.Subtotal.IsPositive():
			return atlas.Errorf(atlas.EInvalid, "%s for %s bills nothing: add a line, or delete the draft.", inv.Name(), inv.Client())
		}
		if _, err := tx.Exec(ctx, `UPDATE invoices SET status = 'awaiting_approval', submitted_at = now(), revision = revision + 1,
				updated_at = now() WHERE practice_id = $1 AND id = $2`, pid, id); err != nil {
			return err
		}
		if out, err = readInvoice(ctx, tx, pid, id); err != nil {
			return err
		}
		if err := practice.Audit(ctx, tx, pid, actor, "invoice.submit", "invoice", id, nil); err != nil {
			return err
		}
		set, err := settings(ctx, tx, pid)
		if err != nil {
			return err
		}
		if set.Channel != "" {
			post := outbox.Post{Practice: string(pid), Channel: set.Channel, Render: RenderCard, Subject: CardSubject(id)}
			if out.RunPeriod != nil {
				summary := SummarySubject(*out.RunPeriod)
				post.Thread = &summary
			}
			if err := outbox.QueuePost(ctx, tx, post); err != nil {
				return err
			}
		}
		return redraw(ctx, tx, pid, out)
	})
	return out, err
}

// Void voids an approved invoice not yet sent, for reason: it keeps its
// number (numbers are never reused), its time goes back to work in
// progress, and a retainer's period can be invoiced again.
func (s Store) Void(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id int64, reason string, now time.Time) (Invoice, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Invoice{}, atlas.FieldError(FieldReason, "Say why the invoice is void: it keeps its number, and the reason stays with it.")
	}
	var out Invoice
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		inv, err := lockInvoice(ctx, tx, pid, id)
		if err != nil {
			return err
		}
		switch inv.Status {
		case Approved:
		case Sending, Sent, PartPaid, Paid:
			return atlas.Errorf(atlas.EConflict, "%s has gone to %s, so it cannot be voided: a VAT invoice sent is corrected by a credit note.",
				inv.Name(), inv.EntityName)
		case Void:
			return atlas.Errorf(atlas.EConflict, "%s is already void.", inv.Name())
		default:
			return atlas.Errorf(atlas.EConflict, "%s for %s is not approved: only an approved invoice is voided. A draft is deleted instead.",
				inv.Name(), inv.Client())
		}
		tag, err := tx.Exec(ctx, `UPDATE time_entries SET billing_state = 'unbilled', invoice_id = NULL, invoice_line_id = NULL, updated_at = now()
			WHERE practice_id = $1 AND invoice_id = $2`, pid, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE invoices SET status = 'void', voided_at = $3, voided_by = $4, void_reason = $5,
				revision = revision + 1, updated_at = now() WHERE practice_id = $1 AND id = $2`, pid, id, now, int64(actor), reason); err != nil {
			return err
		}
		if out, err = readInvoice(ctx, tx, pid, id); err != nil {
			return err
		}
		if err := practice.Audit(ctx, tx, pid, actor, "invoice.void", "invoice", id, map[string]any{
			"number": out.Number, "reason": reason, "entries_back_in_wip": tag.RowsAffected(),
		}); err != nil {
			return err
		}
		return redraw(ctx, tx, pid, out)
	})
	return out, err
}

// lockInvoice reads an invoice with its row locked.
func lockInvoice(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, id int64) (Invoice, error) {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM invoices WHERE practice_id = $1 AND id = $2 FOR UPDATE`, pid, id); err != nil {
		return Invoice{}, err
	}
	return readInvoice(ctx, tx, pid, id)
}
