package practice

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Fee is one monthly fee in a client's fee history: in force from its day
// until the next fee's. A period is billed at the fee in force on its first
// day, so a rise never reprices an earlier period.
type Fee struct {
	MonthlyFee decimal.Decimal
	From       time.Time       // the first day it is in force
	SetBy      *atlas.MemberID // nil: set by Atlas (an import, the migration)
	SetAt      time.Time
}

const feeColumns = `monthly_fee, effective_from, created_by, created_at`

func scanFee(row pgx.Row) (Fee, error) {
	var f Fee
	var by *int64
	err := row.Scan(&f.MonthlyFee, &f.From, &by, &f.SetAt)
	if by != nil {
		m := atlas.MemberID(*by)
		f.SetBy = &m
	}
	return f, err
}

// Fees is a client's fee history, newest first.
func (s Store) Fees(ctx context.Context, pid atlas.PracticeID, entityID int64) ([]Fee, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+feeColumns+` FROM entity_fees
		WHERE practice_id = $1 AND entity_id = $2 ORDER BY effective_from DESC`, pid, entityID)
	if err != nil {
		return nil, fmt.Errorf("read fee history: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Fee, error) { return scanFee(r) })
}

// FeeInForce is the client's monthly fee on day: the fee with the latest
// start on or before it. ok is false when no fee had started by then.
func (s Store) FeeInForce(ctx context.Context, pid atlas.PracticeID, entityID int64, day time.Time) (fee Fee, ok bool, err error) {
	fee, err = scanFee(s.DB.QueryRow(ctx, `SELECT `+feeColumns+` FROM entity_fees
		WHERE practice_id = $1 AND entity_id = $2 AND effective_from <= $3
		ORDER BY effective_from DESC LIMIT 1`, pid, entityID, atlas.DateOf(day)))
	if errors.Is(err, pgx.ErrNoRows) {
		return Fee{}, false, nil
	}
	if err != nil {
		return Fee{}, false, fmt.Errorf("read fee in force: %w", err)
	}
	return fee, true, nil
}

// FeeChange is a monthly fee about to go into a client's history.
type FeeChange struct {
	EntityID int64
	Fee      decimal.Decimal
	From     time.Time
	// Dated says From was given. A dated fee is written unless it is the
	// fee already in force on From; an undated one (From is then the first
	// period invoiced from today, or the latest fee's day when that is
	// later) unless it is the latest fee. Either way the same fee saved
	// twice adds nothing to the history.
	Dated bool
}

// FeeChangeOf is the change saving e, with id, would ask of its fee
// history at now; ok is false when e has no fee.
func FeeChangeOf(id int64, e Entity, now time.Time) (c FeeChange, ok bool) {
	if !e.MonthlyFee.Valid {
		return FeeChange{}, false
	}
	c = FeeChange{EntityID: id, Fee: e.MonthlyFee.Decimal, Dated: e.FeeFrom != nil}
	if c.Dated {
		c.From = atlas.DateOf(*e.FeeFrom)
	} else {
		c.From = ScheduleOf(e).FirstBilledFrom(now).FirstDay()
	}
	return c, true
}

// feeChangeArgs are changes as the columns of feeChangeRows: $2 to $5.
func feeChangeArgs(changes []FeeChange) []any {
	ids, fees, froms, dated := make([]int64, len(changes)), make([]string, len(changes)), make([]time.Time, len(changes)), make([]bool, len(changes))
	for i, c := range changes {
		ids[i], fees[i], froms[i], dated[i] = c.EntityID, c.Fee.String(), atlas.DateOf(c.From), c.Dated
	}
	return []any{ids, fees, froms, dated}
}

// feeChangeRows are the changes that would write something: each a row c
// of (e, fee, from_day, dated), kept when the fee differs from the one it
// is compared with (FeeChange.Dated says which). An undated fee never
// starts before the latest fee: when that one is planned for later, the
// new fee replaces it rather than landing in front of it, so the fee the
// form showed is the one changed.
const feeChangeRows = `(SELECT c.e, c.fee::numeric AS fee, c.dated,
	       CASE WHEN c.dated THEN c.from_day ELSE greatest(c.from_day, l.effective_from) END AS from_day
	  FROM unnest($2::bigint[], $3::text[], $4::date[], $5::bool[]) AS c(e, fee, from_day, dated)
	  LEFT JOIN LATERAL (SELECT f.monthly_fee, f.effective_from FROM entity_fees f
	                      WHERE f.practice_id = $1 AND f.entity_id = c.e
	                      ORDER BY f.effective_from DESC LIMIT 1) AS l ON true
	 WHERE c.fee::numeric IS DISTINCT FROM CASE WHEN c.dated THEN (
	       SELECT f.monthly_fee FROM entity_fees f
	        WHERE f.practice_id = $1 AND f.entity_id = c.e AND f.effective_from <= c.from_day
	        ORDER BY f.effective_from DESC LIMIT 1) ELSE l.monthly_fee END) AS c`

// Repriced is a fee change refused because it would change the fee of a
// period that already has its retainer invoice.
type Repriced struct {
	Period   atlas.Period // the earliest such period
	Earliest time.Time    // the first day a new fee could start: after the last invoiced period
}

// Err is the refusal, on the fee's date when one was given (dated) and
// otherwise on the fee.
func (r Repriced) Err(dated bool) *atlas.Error {
	field := FieldMonthlyFee
	if dated {
		field = FieldFeeFrom
	}
	return atlas.FieldError(field, "%s already has its retainer invoice, and a new fee never reprices an invoiced period. Start this fee on %s or later.",
		r.Period.Label(), r.Earliest.Format(longDate))
}

// longDate is how messages write a day: "1 December 2026".
const longDate = "2 January 2006"

// RepricedPeriods finds the changes that would alter the fee in force on
// the first day of a period whose retainer invoice exists (a voided or
// deleted one is never made again, so it does not count): by client, the
// earliest such period and the day a fee could start instead. An invoice
// keeps its lines whatever the history says, but the history is what every
// report and the next run read, so it must agree with what was billed.
func RepricedPeriods(ctx context.Context, q db.DB, pid atlas.PracticeID, changes []FeeChange) (map[int64]Repriced, error) {
	out := map[int64]Repriced{}
	if len(changes) == 0 {
		return out, nil
	}
	// A change reaches invoiced period i when it starts on or before i's
	// first day with no other fee starting in between, and then matters
	// only if i's fee was different.
	rows, err := q.Query(ctx, `
		SELECT c.e, min(i.period),
		       (SELECT max(j.period) FROM invoices j WHERE j.practice_id = $1 AND j.entity_id = c.e
		           AND j.kind = 'recurring' AND j.status NOT IN ('void', 'deleted'))
		  FROM `+feeChangeRows+`
		  JOIN invoices i ON i.practice_id = $1 AND i.entity_id = c.e AND i.kind = 'recurring'
		                 AND i.status NOT IN ('void', 'deleted') AND i.period >= c.from_day
		 WHERE NOT EXISTS (SELECT 1 FROM entity_fees f WHERE f.practice_id = $1 AND f.entity_id = c.e
		                      AND f.effective_from > c.from_day AND f.effective_from <= i.period)
		   AND c.fee IS DISTINCT FROM (SELECT f.monthly_fee FROM entity_fees f
		        WHERE f.practice_id = $1 AND f.entity_id = c.e AND f.effective_from <= i.period
		        ORDER BY f.effective_from DESC LIMIT 1)
		 GROUP BY c.e`, append([]any{pid}, feeChangeArgs(changes)...)...)
	if err != nil {
		return nil, fmt.Errorf("check invoiced periods: %w", err)
	}
	var id int64
	var first, last time.Time
	_, err = pgx.ForEachRow(rows, []any{&id, &first, &last}, func() error {
		out[id] = Repriced{Period: atlas.PeriodOf(first), Earliest: atlas.PeriodOf(last).Next().FirstDay()}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check invoiced periods: %w", err)
	}
	return out, nil
}

// WriteFees adds the changes to the clients' fee histories in one
// statement, skipping those that would change nothing (see FeeChange). A
// fee on a day that already has one replaces it. Check RepricedPeriods
// first.
func WriteFees(ctx context.Context, q db.DB, pid atlas.PracticeID, actor atlas.MemberID, changes []FeeChange) error {
	if len(changes) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `
		INSERT INTO entity_fees (practice_id, entity_id, monthly_fee, effective_from, created_by)
		SELECT $1, c.e, c.fee, c.from_day, $6::bigint FROM `+feeChangeRows+`
		ON CONFLICT (practice_id, entity_id, effective_from)
		DO UPDATE SET monthly_fee = excluded.monthly_fee, created_by = excluded.created_by, created_at = now()`,
		append(append([]any{pid}, feeChangeArgs(changes)...), nullMember(actor))...)
	if err != nil {
		return fmt.Errorf("save monthly fees: %w", err)
	}
	return nil
}

// saveFee adds the client's monthly fee to its history when it is new or
// changed: from the day given, else from the first period invoiced from
// today. The same fee again changes nothing, so saving the form twice does
// not move the fee's start; a fee that would reprice an invoiced period is
// refused.
func saveFee(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, actor atlas.MemberID, id int64, e Entity) error {
	c, ok := FeeChangeOf(id, e, time.Now())
	if !ok {
		return nil
	}
	clash, err := RepricedPeriods(ctx, tx, pid, []FeeChange{c})
	if err != nil {
		return err
	}
	if r, ok := clash[id]; ok {
		return r.Err(c.Dated)
	}
	if err := WriteFees(ctx, tx, pid, actor, []FeeChange{c}); err != nil {
		return err
	}
	// The client's first fee says where Atlas's billing of it begins: a
	// date someone chose in the form is meant, so it stands.
	_, err = tx.Exec(ctx, `UPDATE entities SET bill_from = date_trunc('month', $3::date)::date
		WHERE practice_id = $1 AND id = $2 AND bill_from IS NULL`, pid, id, c.From)
	return err
}
