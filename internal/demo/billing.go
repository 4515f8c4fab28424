package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
)

// The demo's billing: fixed-fee clients invoiced in advance and in
// arrears, one whose retainer began in the middle of last month, and one
// whose fee rose this year; the practice VAT-registered; and, whatever day
// it is seeded, last month's run made, with one hourly draft written down
// as a manager would before a partner's approval.

// retainerStarts is the client whose retainer began mid-month: on the
// 14th of last month.
const retainerStarts = "VALLEY"

// feeRise is the client whose fee rose this year, from the first of the
// month before last.
const feeRise = "ACME"

// seedBilling sets up billing and makes last month's run.
func seedBilling(ctx context.Context, q db.DB, pid atlas.PracticeID, manager atlas.MemberID, channel string, now time.Time) error {
	p, err := settingsOf(ctx, q, pid)
	if err != nil {
		return err
	}
	today := atlas.DateOf(now.In(p))
	last := atlas.PeriodOf(today).Prev()
	if _, err := q.Exec(ctx, `UPDATE practices SET vat_registered = true, vat_number = coalesce(vat_number, 'GB 123 4567 89'),
			postal_address = CASE WHEN postal_address = '' THEN E'Ledgerline Bookkeeping\n14 Quay Street\nBristol BS1 4DJ' ELSE postal_address END,
			billing_run_day = 1, billing_channel = coalesce(billing_channel, nullif($2, ''))
		WHERE id = $1`, pid, channel); err != nil {
		return err
	}
	// Fees in force since the start of last year, billed in Atlas from the
	// month before last; ACME's rose this year; VALLEY's retainer began on
	// the 14th of last month.
	yearStart := time.Date(today.Year()-1, time.January, 1, 0, 0, 0, 0, time.UTC)
	billFrom := last.Prev().FirstDay()
	if _, err := q.Exec(ctx, `
		INSERT INTO entity_fees (practice_id, entity_id, monthly_fee, effective_from)
		SELECT e.practice_id, e.id, f.monthly_fee, $2
		  FROM entities e JOIN LATERAL (SELECT monthly_fee FROM entity_fees x WHERE x.practice_id = e.practice_id AND x.entity_id = e.id
		                                ORDER BY effective_from DESC LIMIT 1) f ON true
		 WHERE e.practice_id = $1 AND e.billing_type = 'fixed'
		ON CONFLICT DO NOTHING`, pid, yearStart); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, `UPDATE entities SET bill_from = $2 WHERE practice_id = $1 AND billing_type = 'fixed'`, pid, billFrom); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, `
		UPDATE entity_fees f SET monthly_fee = 400 FROM entities e
		 WHERE e.practice_id = f.practice_id AND e.id = f.entity_id AND e.practice_id = $1 AND e.code = $2 AND f.effective_from = $3`,
		pid, feeRise, yearStart); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, `
		INSERT INTO entity_fees (practice_id, entity_id, monthly_fee, effective_from)
		SELECT practice_id, id, 450, $3 FROM entities WHERE practice_id = $1 AND code = $2
		ON CONFLICT (practice_id, entity_id, effective_from) DO UPDATE SET monthly_fee = excluded.monthly_fee`,
		pid, feeRise, last.Prev().FirstDay()); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, `UPDATE entities SET retainer_start = $3 WHERE practice_id = $1 AND code = $2`,
		pid, retainerStarts, last.FirstDay().AddDate(0, 0, 13)); err != nil {
		return err
	}

	bs := billing.Store{DB: q}
	if _, err := bs.Run(ctx, pid, last, now, manager); err != nil {
		return fmt.Errorf("demo billing run: %w", err)
	}
	return writeDownOne(ctx, q, bs, pid, manager, last)
}

// writeDownOne writes down the largest hourly draft of the month by a
// tenth, as a manager agreeing a price with the client would — once.
func writeDownOne(ctx context.Context, q db.DB, bs billing.Store, pid atlas.PracticeID, manager atlas.MemberID, month atlas.Period) error {
	var id int64
	var subtotal decimal.Decimal
	var adjusted bool
	err := q.QueryRow(ctx, `
		SELECT i.id, i.subtotal,
		       EXISTS (SELECT 1 FROM invoices j JOIN invoice_lines l ON l.invoice_id = j.id
		                WHERE j.practice_id = i.practice_id AND j.kind = 'hourly' AND j.period = i.period AND l.amount <> l.time_value)
		  FROM invoices i
		 WHERE i.practice_id = $1 AND i.kind = 'hourly' AND i.period = $2 AND i.status = 'awaiting_approval'
		 ORDER BY i.subtotal DESC LIMIT 1`, pid, month.FirstDay()).Scan(&id, &subtotal, &adjusted)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && adjusted) {
		return nil
	}
	if err != nil {
		return err
	}
	total := subtotal.Mul(decimal.New(9, -1)).RoundFloor(0) // a tenth off, to the pound
	_, err = bs.SetTotal(ctx, pid, manager, id, billing.AnyRevision, total.StringFixed(2), "Capped at the quote agreed with the client")
	return err
}

// settingsOf is the practice's timezone.
func settingsOf(ctx context.Context, q db.DB, pid atlas.PracticeID) (*time.Location, error) {
	var tz string
	if err := q.QueryRow(ctx, `SELECT timezone FROM practices WHERE id = $1`, pid).Scan(&tz); err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC, nil
	}
	return loc, nil
}
