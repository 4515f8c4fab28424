package payments

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Store records and reads payments.
type Store struct{ DB db.DB }

// Source is where a payment came from.
type Source string

// The sources of payments.
const (
	Manual        Source = "manual"         // typed in Slack
	Import        Source = "import"         // a row of a bank file
	AccountCredit Source = "account_credit" // the client's credit on account, set against the invoice
)

// Input is a payment as someone gives it: the invoice, and the amount,
// date and reference as typed.
type Input struct {
	Invoice   string // its number (INV-2026-0042) or id; or InvoiceID
	InvoiceID int64
	Amount    string // "£1,200", "1200.50"
	Date      string // "" for today; "3 Dec", "03/12/2026", "2026-12-03"
	Reference string
	// Overpayment allows an amount above the balance: the excess becomes
	// credit on the client's account.
	Overpayment bool
	Source      Source // Manual when empty
	// Key makes recording the same payment again (a re-sent Slack
	// envelope, a resubmitted form, a bank file imported twice) find the
	// first instead of recording it twice. "" for none.
	Key string
}

// Invoice is an invoice as payments see it.
type Invoice struct {
	ID         int64
	Number     string
	EntityID   int64
	EntityCode string
	EntityName string
	Currency   string
	Status     billing.Status
	Total      decimal.Decimal
	Paid       decimal.Decimal
	Credited   decimal.Decimal
	DueDate    *time.Time
	Location   *time.Location // the practice's timezone
}

// Balance is what is left to pay.
func (inv Invoice) Balance() decimal.Decimal { return inv.Total.Sub(inv.Paid).Sub(inv.Credited) }

// Client is "ACME · Acme Trading Ltd".
func (inv Invoice) Client() string { return inv.EntityCode + " · " + inv.EntityName }

// Name is its number, or "Draft 12" before it has one.
func (inv Invoice) Name() string {
	if inv.Number != "" {
		return inv.Number
	}
	return fmt.Sprintf("Draft %d", inv.ID)
}

// Payment is a payment recorded against an invoice.
type Payment struct {
	ID         int64
	InvoiceID  int64
	Amount     decimal.Decimal // what was received
	Applied    decimal.Decimal // the part set against the invoice; the rest is credit on account
	ReceivedOn time.Time
	Reference  string
	Source     Source
	RecordedBy string // a name; "" for Atlas itself
	CreatedAt  time.Time
	ReversedAt *time.Time
	ReversedBy string
	Reason     string // why it was reversed
}

// Excess is the part of the payment kept as credit on account.
func (p Payment) Excess() decimal.Decimal { return p.Amount.Sub(p.Applied) }

// Reversed reports whether the payment was reversed.
func (p Payment) Reversed() bool { return p.ReversedAt != nil }

// Outcome is what recording or reversing a payment did.
type Outcome struct {
	Payment Payment
	Invoice Invoice        // as it now stands
	Before  billing.Status // its status before
	// Credit is what went to (or, reversing, came off) the client's credit
	// on account.
	Credit decimal.Decimal
	// Again is set when the payment's key had been used: nothing new was
	// recorded, and Payment is the one recorded then.
	Again bool
}

// StatusFor is the status a sent invoice's balance gives it: paid once
// nothing is left, part paid once some of it is paid, else sent.
func StatusFor(total, paid, credited decimal.Decimal) billing.Status {
	switch {
	case !total.Sub(paid).Sub(credited).IsPositive():
		return billing.Paid
	case paid.IsPositive():
		return billing.PartPaid
	}
	return billing.Sent
}

// Record records a payment against a sent invoice: in one transaction the
// invoice's paid and status, the payment, any excess as credit on the
// client's account, the audit event, and its card's redrawing.
//
// Refused, with nothing changed: an invoice not sent (a draft, one awaiting
// approval, approved but unsent, being sent, void), an amount that is not
// one, zero, negative or in another currency, a date after today, and an
// amount above the balance unless marked as an overpayment.
func (s Store) Record(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, in Input, now time.Time) (Outcome, error) {
	var out Outcome
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		out, err = record(ctx, tx, pid, actor, in, now)
		return err
	})
	return out, err
}

func record(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, actor atlas.MemberID, in Input, now time.Time) (Outcome, error) {
	var out Outcome
	id := in.InvoiceID
	if id == 0 {
		var err error
		if id, err = resolve(ctx, tx, pid, in.Invoice); err != nil {
			return out, err
		}
	}
	inv, err := lockInvoice(ctx, tx, pid, id)
	if err != nil {
		return out, err
	}
	out.Invoice, out.Before = inv, inv.Status
	if in.Key != "" {
		p, err := paymentWhere(ctx, tx, `p.practice_id = $1 AND p.idempotency_key = $2`, pid, in.Key)
		if err == nil {
			out.Payment, out.Again = p, true
			return out, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return out, err
		}
	}
	if err := payable(inv, in.Overpayment); err != nil {
		return out, err
	}
	amount, err := ParseAmount(in.Amount, inv.Currency)
	if err != nil {
		return out, err
	}
	received, err := ParseDate(in.Date, now.In(inv.Location))
	if err != nil {
		return out, err
	}
	reference := strings.TrimSpace(in.Reference)
	if len([]rune(reference)) > 200 {
		return out, atlas.FieldError(FieldReference, "A reference is at most 200 characters; this one is %d.", len([]rune(reference)))
	}
	balance := inv.Balance()
	if amount.GreaterThan(balance) && !in.Overpayment {
		return out, atlas.FieldError(FieldAmount, "%s is more than the balance of %s on %s. Record %s, or mark it as an overpayment to keep the %s over as credit on %s's account.",
			money.Format(amount, inv.Currency), money.Format(balance, inv.Currency), inv.Name(), money.Format(balance, inv.Currency),
			money.Format(amount.Sub(balance), inv.Currency), inv.EntityCode)
	}
	applied := decimal.Min(amount, balance)
	source := in.Source
	if source == "" {
		source = Manual
	}
	var actorID, key any
	if actor != 0 {
		actorID = int64(actor)
	}
	if in.Key != "" {
		key = in.Key
	}
	var pay Payment
	if err := tx.QueryRow(ctx, `INSERT INTO payments (practice_id, invoice_id, amount, applied, received_on, reference, recorded_by, source, idempotency_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		pid, inv.ID, amount, applied, received, reference, actorID, source, key).Scan(&pay.ID); err != nil {
		return out, fmt.Errorf("record a payment on invoice %d: %w", inv.ID, err)
	}
	after, err := settle(ctx, tx, pid, inv, applied)
	if err != nil {
		return out, err
	}
	excess := amount.Sub(applied)
	if excess.IsPositive() {
		if err := addCredit(ctx, tx, pid, inv.EntityID, excess, pay.ID, inv.ID, actorID,
			fmt.Sprintf("Overpaid %s by %s", inv.Name(), money.Format(excess, inv.Currency))); err != nil {
			return out, err
		}
	}
	if err := practice.Audit(ctx, tx, pid, actor, "payment.record", "invoice", inv.ID, map[string]any{
		"payment": pay.ID, "number": inv.Number, "amount": amount.StringFixed(2), "applied": applied.StringFixed(2),
		"credit_on_account": excess.StringFixed(2), "received_on": received.Format(time.DateOnly), "reference": reference,
		"source": source, "status_from": inv.Status, "status_to": after.Status, "balance": after.Balance().StringFixed(2),
	}); err != nil {
		return out, err
	}
	if err := redraw(ctx, tx, pid, inv.ID); err != nil {
		return out, err
	}
	if out.Payment, err = paymentWhere(ctx, tx, `p.practice_id = $1 AND p.id = $2`, pid, pay.ID); err != nil {
		return out, err
	}
	out.Invoice, out.Credit = after, excess
	return out, nil
}

// payable refuses a payment on an invoice nothing is owed on yet, or any
// more, saying why.
func payable(inv Invoice, overpayment bool) error {
	switch inv.Status {
	case billing.Sent, billing.PartPaid:
		return nil
	case billing.Paid:
		if overpayment {
			return nil
		}
		return atlas.Errorf(atlas.EConflict, "%s for %s is paid in full. If the client paid it twice, mark this payment as an overpayment: it becomes credit on %s's account.",
			inv.Name(), inv.Client(), inv.EntityCode)
	case billing.Draft, billing.AwaitingApproval:
		return atlas.Errorf(atlas.EConflict, "%s for %s is %s, not sent: nothing is owed on it until it is approved and sent.",
			inv.Name(), inv.Client(), map[billing.Status]string{billing.Draft: "a draft", billing.AwaitingApproval: "awaiting approval"}[inv.Status])
	case billing.Approved:
		return atlas.Errorf(atlas.EConflict, "%s for %s is approved but not sent yet: nothing is owed on it until it goes to the client. Send it first (*Send now* on its card).",
			inv.Name(), inv.Client())
	case billing.Sending:
		return atlas.Errorf(atlas.EConflict, "%s for %s is being sent right now: record the payment once its card says it was sent.", inv.Name(), inv.Client())
	case billing.Void:
		return atlas.Errorf(atlas.EConflict, "%s for %s is void: nothing is owed on it.", inv.Name(), inv.Client())
	}
	return atlas.Errorf(atlas.EConflict, "That draft for %s was deleted: nothing is owed on it.", inv.Client())
}

// resolve finds an invoice by its number, or by its id.
func resolve(ctx context.Context, q db.DB, pid atlas.PracticeID, ref string) (int64, error) {
	ref = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(ref), "#"))
	if ref == "" {
		return 0, atlas.FieldError(FieldInvoice, "Say which invoice was paid: its number, such as INV-2026-0042.")
	}
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM invoices WHERE practice_id = $1 AND lower(number) = lower($2)`, pid, ref).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		if n, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
			err = q.QueryRow(ctx, `SELECT id FROM invoices WHERE practice_id = $1 AND id = $2 AND status <> 'deleted'`, pid, n).Scan(&id)
		}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, atlas.Errorf(atlas.ENotFound, "There is no invoice %s. `/invoices unpaid` lists the invoices waiting for payment.", ref)
	}
	return id, err
}

// lockInvoice reads an invoice with its row locked, so the payments on it
// are taken one at a time.
func lockInvoice(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, id int64) (Invoice, error) {
	var inv Invoice
	var tz string
	err := tx.QueryRow(ctx, `
		SELECT i.id, coalesce(i.number, ''), i.entity_id, e.code, e.name, i.currency, i.status, i.total, i.paid, i.credited, i.due_date, p.timezone
		  FROM invoices i
		  JOIN entities e ON e.practice_id = i.practice_id AND e.id = i.entity_id
		  JOIN practices p ON p.id = i.practice_id
		 WHERE i.practice_id = $1 AND i.id = $2
		   FOR UPDATE OF i`, pid, id).
		Scan(&inv.ID, &inv.Number, &inv.EntityID, &inv.EntityCode, &inv.EntityName, &inv.Currency, &inv.Status,
			&inv.Total, &inv.Paid, &inv.Credited, &inv.DueDate, &tz)
	if err != nil {
		return inv, db.MapError(err, fmt.Sprintf("There is no invoice %d.", id))
	}
	if inv.Location, err = time.LoadLocation(tz); err != nil {
		inv.Location = time.UTC
	}
	return inv, nil
}

// settle adds delta (negative for a reversal) to the locked invoice's paid
// and moves its status with the balance, by a conditional update: a row
// that changed since it was read is a bug, and the transaction fails.
func settle(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, inv Invoice, delta decimal.Decimal) (Invoice, error) {
	after := inv
	after.Paid = inv.Paid.Add(delta)
	after.Status = StatusFor(inv.Total, after.Paid, inv.Credited)
	if after.Paid.IsNegative() || after.Paid.Add(inv.Credited).GreaterThan(inv.Total) {
		return inv, fmt.Errorf("settle invoice %d: paid %s + credited %s outside the total %s", inv.ID, after.Paid, inv.Credited, inv.Total)
	}
	tag, err := tx.Exec(ctx, `UPDATE invoices SET paid = $3, status = $4, revision = revision + 1, updated_at = now()
		WHERE practice_id = $1 AND id = $2 AND paid = $5 AND credited = $6 AND status = $7`,
		pid, inv.ID, after.Paid, after.Status, inv.Paid, inv.Credited, inv.Status)
	if err != nil {
		return inv, fmt.Errorf("settle invoice %d: %w", inv.ID, err)
	}
	if tag.RowsAffected() != 1 {
		return inv, fmt.Errorf("settle invoice %d: it changed under its lock", inv.ID)
	}
	return after, nil
}

// lockClient takes the client's row lock: credit on account is spent and
// given back one change at a time.
func lockClient(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, entity int64) error {
	_, err := tx.Exec(ctx, `SELECT 1 FROM entities WHERE practice_id = $1 AND id = $2 FOR UPDATE`, pid, entity)
	return err
}

// addCredit writes a line of the client's credit on account: in
// (positive) or out (negative).
func addCredit(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, entity int64, amount decimal.Decimal, payment, invoice int64, actor any, note string) error {
	if err := lockClient(ctx, tx, pid, entity); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO account_credits (practice_id, entity_id, amount, payment_id, invoice_id, note, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, pid, entity, amount, payment, invoice, note, actor)
	if err != nil {
		return fmt.Errorf("credit on account: %w", err)
	}
	return nil
}

// creditOf is a client's credit on account.
func creditOf(ctx context.Context, q db.DB, pid atlas.PracticeID, entity int64) (decimal.Decimal, error) {
	var c decimal.Decimal
	err := q.QueryRow(ctx, `SELECT coalesce(sum(amount), 0) FROM account_credits WHERE practice_id = $1 AND entity_id = $2`, pid, entity).Scan(&c)
	return c, err
}

// Credit is a client's credit on account: what overpayments left, less
// what has been set against its invoices since.
func (s Store) Credit(ctx context.Context, pid atlas.PracticeID, entity int64) (decimal.Decimal, error) {
	return creditOf(ctx, s.DB, pid, entity)
}

// redraw queues the redrawing of the invoice's card.
func redraw(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, invoice int64) error {
	return outbox.QueueUpdate(ctx, tx, outbox.Update{Practice: string(pid), Render: billing.RenderCard, Subject: billing.CardSubject(invoice)})
}

// Reverse reverses a payment, for reason: the invoice's balance and status
// go back, the payment stays on record marked reversed. An overpayment's
// excess leaves the client's credit on account (refused when that credit
// has since been spent); a payment from credit on account returns to it.
func (s Store) Reverse(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, paymentID int64, reason string, now time.Time) (Outcome, error) {
	var out Outcome
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return out, atlas.FieldError(FieldReason, "Say why the payment is reversed (a bounced cheque, recorded on the wrong invoice): the reason stays with it.")
	}
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var invoiceID int64
		err := tx.QueryRow(ctx, `SELECT invoice_id FROM payments WHERE practice_id = $1 AND id = $2`, pid, paymentID).Scan(&invoiceID)
		if err != nil {
			return db.MapError(err, "That payment is not on record.")
		}
		inv, err := lockInvoice(ctx, tx, pid, invoiceID)
		if err != nil {
			return err
		}
		out.Before = inv.Status
		if _, err := tx.Exec(ctx, `SELECT 1 FROM payments WHERE practice_id = $1 AND id = $2 FOR UPDATE`, pid, paymentID); err != nil {
			return err
		}
		pay, err := paymentWhere(ctx, tx, `p.practice_id = $1 AND p.id = $2`, pid, paymentID)
		if err != nil {
			return err
		}
		if pay.Reversed() {
			return atlas.Errorf(atlas.EConflict, "That payment of %s on %s was already reversed, by %s on %s: %s.", money.Format(pay.Amount, inv.Currency),
				inv.Name(), cmpOr(pay.ReversedBy, "Atlas"), pay.ReversedAt.In(inv.Location).Format("2 Jan 2006"), pay.Reason)
		}
		var actorID any
		if actor != 0 {
			actorID = int64(actor)
		}
		credit := decimal.Zero
		switch {
		case pay.Source == AccountCredit:
			// The credit set against the invoice goes back on account.
			credit = pay.Applied
			if err := addCredit(ctx, tx, pid, inv.EntityID, pay.Applied, pay.ID, inv.ID, actorID,
				fmt.Sprintf("Credit set against %s returned: %s", inv.Name(), reason)); err != nil {
				return err
			}
		case pay.Excess().IsPositive():
			if err := lockClient(ctx, tx, pid, inv.EntityID); err != nil {
				return err
			}
			left, err := creditOf(ctx, tx, pid, inv.EntityID)
			if err != nil {
				return err
			}
			if left.LessThan(pay.Excess()) {
				return atlas.Errorf(atlas.EConflict, "%s of this payment went to %s's credit on account, and only %s of that credit is left: the rest was set against a later invoice. Reverse the credit used on that invoice first.",
					money.Format(pay.Excess(), inv.Currency), inv.EntityCode, money.Format(left, inv.Currency))
			}
			credit = pay.Excess().Neg()
			if err := addCredit(ctx, tx, pid, inv.EntityID, credit, pay.ID, inv.ID, actorID,
				fmt.Sprintf("Overpayment of %s reversed: %s", inv.Name(), reason)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE payments SET reversed_at = $3, reversed_by = $4, reverse_reason = $5
			WHERE practice_id = $1 AND id = $2 AND reversed_at IS NULL`, pid, pay.ID, now, actorID, reason); err != nil {
			return fmt.Errorf("reverse payment %d: %w", pay.ID, err)
		}
		after := inv
		if !pay.Applied.IsZero() {
			if after, err = settle(ctx, tx, pid, inv, pay.Applied.Neg()); err != nil {
				return err
			}
		}
		if err := practice.Audit(ctx, tx, pid, actor, "payment.reverse", "invoice", inv.ID, map[string]any{
			"payment": pay.ID, "number": inv.Number, "amount": pay.Amount.StringFixed(2), "applied": pay.Applied.StringFixed(2),
			"credit_on_account": credit.StringFixed(2), "reason": reason, "status_from": inv.Status, "status_to": after.Status,
			"balance": after.Balance().StringFixed(2),
		}); err != nil {
			return err
		}
		if err := redraw(ctx, tx, pid, inv.ID); err != nil {
			return err
		}
		if out.Payment, err = paymentWhere(ctx, tx, `p.practice_id = $1 AND p.id = $2`, pid, pay.ID); err != nil {
			return err
		}
		out.Invoice, out.Credit = after, credit
		return nil
	})
	return out, err
}

// ApplyAccountCredit sets the client's credit on account against a sent
// invoice, as far as its balance goes, in tx: a payment from credit on
// account, dated the invoice's issue date. It does nothing when the
// client has no credit or the invoice is not sent and owing. Call it in
// the transaction that records the invoice sent.
func ApplyAccountCredit(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, invoiceID int64) error {
	inv, err := lockInvoice(ctx, tx, pid, invoiceID)
	if err != nil {
		return err
	}
	if (inv.Status != billing.Sent && inv.Status != billing.PartPaid) || !inv.Balance().IsPositive() {
		return nil
	}
	if err := lockClient(ctx, tx, pid, inv.EntityID); err != nil {
		return err
	}
	credit, err := creditOf(ctx, tx, pid, inv.EntityID)
	if err != nil || !credit.IsPositive() {
		return err
	}
	use := decimal.Min(credit, inv.Balance())
	var paymentID int64
	if err := tx.QueryRow(ctx, `INSERT INTO payments (practice_id, invoice_id, amount, applied, received_on, reference, source)
		SELECT $1, $2, $3, $3, coalesce(i.issue_date, (now() AT TIME ZONE p.timezone)::date), 'Credit on account', 'account_credit'
		  FROM invoices i JOIN practices p ON p.id = i.practice_id WHERE i.practice_id = $1 AND i.id = $2
		RETURNING id`, pid, inv.ID, use).Scan(&paymentID); err != nil {
		return fmt.Errorf("set credit on account against invoice %d: %w", inv.ID, err)
	}
	if err := addCredit(ctx, tx, pid, inv.EntityID, use.Neg(), paymentID, inv.ID, nil,
		fmt.Sprintf("Set against %s", inv.Name())); err != nil {
		return err
	}
	after, err := settle(ctx, tx, pid, inv, use)
	if err != nil {
		return err
	}
	if err := practice.Audit(ctx, tx, pid, 0, "payment.account_credit", "invoice", inv.ID, map[string]any{
		"payment": paymentID, "number": inv.Number, "applied": use.StringFixed(2), "credit_left": credit.Sub(use).StringFixed(2),
		"status_from": inv.Status, "status_to": after.Status, "balance": after.Balance().StringFixed(2),
	}); err != nil {
		return err
	}
	return redraw(ctx, tx, pid, inv.ID)
}

const paymentColumns = `p.id, p.invoice_id, p.amount, p.applied, p.received_on, p.reference, p.source, coalesce(r.name, ''), p.created_at,
	p.reversed_at, coalesce(x.name, ''), p.reverse_reason
	FROM payments p
	LEFT JOIN members r ON r.practice_id = p.practice_id AND r.id = p.recorded_by
	LEFT JOIN members x ON x.practice_id = p.practice_id AND x.id = p.reversed_by`

func scanPayment(row pgx.Row) (Payment, error) {
	var p Payment
	err := row.Scan(&p.ID, &p.InvoiceID, &p.Amount, &p.Applied, &p.ReceivedOn, &p.Reference, &p.Source, &p.RecordedBy, &p.CreatedAt,
		&p.ReversedAt, &p.ReversedBy, &p.Reason)
	return p, err
}

func paymentWhere(ctx context.Context, q db.DB, where string, args ...any) (Payment, error) {
	return scanPayment(q.QueryRow(ctx, `SELECT `+paymentColumns+` WHERE `+where, args...))
}

// Payment reads a payment.
func (s Store) Payment(ctx context.Context, pid atlas.PracticeID, id int64) (Payment, error) {
	p, err := paymentWhere(ctx, s.DB, `p.practice_id = $1 AND p.id = $2`, pid, id)
	return p, db.MapError(err, "That payment is not on record.")
}

// Of lists an invoice's payments, reversed ones too, in the order received.
func (s Store) Of(ctx context.Context, pid atlas.PracticeID, invoiceID int64) ([]Payment, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+paymentColumns+` WHERE p.practice_id = $1 AND p.invoice_id = $2 ORDER BY p.received_on, p.id`, pid, invoiceID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Payment, error) { return scanPayment(r) })
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
