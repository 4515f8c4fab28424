package timesheet

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Valuation. An entry keeps the minutes exactly as logged; its value is
// the hourly rate in force on its work date (practice.RateInForce) times
// the minutes after the practice's rounding, to the penny. SQL values time
// with the function time_value (migration 00006) and Go with Value below;
// TestValueRuleSQLIsGo holds the two equal.

// RoundMinutes applies the practice's rounding rule to a duration. Logged
// minutes are never rewritten; this is used when time is valued.
func RoundMinutes(minutes, increment int, mode string) int {
	if increment <= 1 || mode == "none" || minutes <= 0 {
		return minutes
	}
	switch mode {
	case "nearest":
		return (minutes + increment/2) / increment * increment
	default: // up
		return (minutes + increment - 1) / increment * increment
	}
}

// Value is the value of minutes at an hourly rate after rounding, to the
// penny (half away from zero).
func Value(minutes int, hourly decimal.Decimal, increment int, mode string) decimal.Decimal {
	billed := RoundMinutes(minutes, increment, mode)
	return hourly.Mul(decimal.NewFromInt(int64(billed))).Div(decimal.NewFromInt(60)).Round(2)
}

// rateOfEntry binds practice.RateInForce to an entry's own columns (te), so
// one statement finds the rate of every entry it touches.
var rateOfEntry = bindParams(practice.RateInForce, map[int]string{
	1: "te.practice_id", 2: "te.entity_id", 3: "te.service_id", 4: "te.member_id", 5: "te.work_date"})

// revalueStatement values again, in one statement, the unbilled entries
// dated from $2 that a change to the rate card for a combination can
// reach ($3 client, $4 service, $5 member; null for any), at the rate now
// in force for each, with the practice's rounding ($6 increment, $7 mode).
// Entries whose rate is unchanged are left alone; billed and written-off
// time is never touched, nor time on a draft invoice, which keeps the value
// its line was drafted with until a manager takes it off the draft.
//
// The rate is a lateral join rather than a subquery in the select list:
// the CTE is folded into the UPDATE, where a subquery would be run once
// for each place new_rate is read (the filter, rate and value), three
// look-ups of the rate card per entry instead of one.
var revalueStatement = `WITH c AS (
	SELECT te.id, te.minutes, te.rate AS old_rate, r.hourly_rate AS new_rate
	  FROM time_entries te
	  LEFT JOIN LATERAL (` + rateOfEntry + `) r ON true
	 WHERE te.practice_id = $1 AND te.billing_state = 'unbilled' AND te.invoice_id IS NULL AND te.work_date >= $2
	   AND ($3::bigint IS NULL OR te.entity_id = $3)
	   AND ($4::bigint IS NULL OR te.service_id = $4)
	   AND ($5::bigint IS NULL OR te.member_id = $5))
	UPDATE time_entries te SET rate = c.new_rate, value = time_value(c.minutes, c.new_rate, $6, $7), updated_at = now()
	  FROM c
	 WHERE te.practice_id = $1 AND te.id = c.id AND te.billing_state = 'unbilled' AND te.invoice_id IS NULL
	   AND c.old_rate IS DISTINCT FROM c.new_rate`

// revalue recomputes the rate and value of the unbilled time from a date
// that a change to the rate card for combination k can reach, and returns
// how many entries changed.
func revalue(ctx context.Context, q db.DB, p practice.Practice, k practice.RateKey, from time.Time) (int, error) {
	var member any
	if k.MemberID != nil {
		member = int64(*k.MemberID)
	}
	tag, err := q.Exec(ctx, revalueStatement, p.ID, from, k.EntityID, k.ServiceID, member, p.RoundingIncrement, p.RoundingMode)
	if err != nil {
		return 0, fmt.Errorf("revalue: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// SetRate puts a rate on the card from a date (practice.Store.SaveRate) and
// revalues the unbilled time it reaches, in one transaction: billed time
// keeps the rate it was billed at. It returns how many entries changed.
func (s Store) SetRate(ctx context.Context, p practice.Practice, actor atlas.MemberID, in practice.RateInput, today time.Time) (practice.Rate, int, error) {
	var r practice.Rate
	var n int
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		if err := lockRateCard(ctx, tx, p.ID); err != nil {
			return err
		}
		var err error
		if r, err = (practice.Store{DB: tx}).SaveRate(ctx, p.ID, actor, in, today); err != nil {
			return err
		}
		n, err = revalue(ctx, tx, p, in.Key, r.From)
		return err
	})
	return r, n, err
}

// EndRate stops a rate applying from a date and revalues the unbilled
// time from that date, in one transaction.
func (s Store) EndRate(ctx context.Context, p practice.Practice, actor atlas.MemberID, rateID int64, endOn time.Time) (practice.Rate, int, error) {
	return s.endRate(ctx, p, func(ps practice.Store) (practice.Rate, error) { return ps.EndRate(ctx, p.ID, actor, rateID, endOn) })
}

// EndRateFor ends the rate in force on date for exactly the combination k,
// from that date, and revalues the unbilled time from it.
func (s Store) EndRateFor(ctx context.Context, p practice.Practice, actor atlas.MemberID, k practice.RateKey, date time.Time) (practice.Rate, int, error) {
	return s.endRate(ctx, p, func(ps practice.Store) (practice.Rate, error) { return ps.EndRateFor(ctx, p.ID, actor, k, date) })
}

func (s Store) endRate(ctx context.Context, p practice.Practice, end func(practice.Store) (practice.Rate, error)) (practice.Rate, int, error) {
	var r practice.Rate
	var n int
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		if err := lockRateCard(ctx, tx, p.ID); err != nil {
			return err
		}
		var err error
		if r, err = end(practice.Store{DB: tx}); err != nil {
			return err
		}
		n, err = revalue(ctx, tx, p, r.Key(), *r.To)
		return err
	})
	return r, n, err
}

// lockRateCard takes the practice's row for the rest of the transaction,
// so two changes to the rate card revalue one after the other, each seeing
// the other's rate: run side by side, each would value time without the
// other's. /log does not take it, so logging never waits on a rate change.
func lockRateCard(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) error {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM practices WHERE id = $1 FOR NO KEY UPDATE`, pid); err != nil {
		return fmt.Errorf("lock the rate card: %w", err)
	}
	return nil
}
