package realisation

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Coverage is whether a fixed-fee client's fees covered the time their
// retainers absorbed, period by period.
type Coverage struct {
	Code, Name string
	Periods    []PeriodCoverage // oldest first
	Fee, Value decimal.Decimal  // over the span
}

// PeriodCoverage is one retainer period's fee (net of credit notes) and
// the value of the time its invoice absorbed.
type PeriodCoverage struct {
	Period     atlas.Period
	Fee, Value decimal.Decimal
}

// Rate is the fee as a percent of the time's value, rounded down to a
// whole percent ("fee covers 74% of the effort"); ok is false when no
// time was absorbed.
func Rate(fee, value decimal.Decimal) (pct int64, ok bool) {
	if !value.IsPositive() {
		return 0, false
	}
	return fee.Mul(hundred).Div(value).IntPart(), true
}

// Rate is the client's coverage over the span.
func (c Coverage) Rate() (int64, bool) { return Rate(c.Fee, c.Value) }

// Coverage reads the fee coverage of a span alone, the furthest
// under-recovered first: what the morning digest needs of realisation,
// without the rows and adjustments a report reads besides.
func (s Store) Coverage(ctx context.Context, pid atlas.PracticeID, span Span) ([]Coverage, error) {
	return coverage(ctx, s.DB, pid, span)
}

// coverage reads each fixed-fee client's retainers for the periods in the
// span: a retainer belongs to the month it pays for, whenever it was
// approved.
func coverage(ctx context.Context, tx db.DB, pid atlas.PracticeID, span Span) ([]Coverage, error) {
	rs, err := tx.Query(ctx, `
		SELECT e.code, e.name, i.period, sum(l.amount - coalesce(c.credited, 0)), sum(l.time_value)
		  FROM invoices i JOIN entities e ON e.practice_id = i.practice_id AND e.id = i.entity_id
		  JOIN invoice_lines l ON l.practice_id = i.practice_id AND l.invoice_id = i.id AND l.kind = 'fee'
		  LEFT JOIN LATERAL (SELECT sum(cl.amount) AS credited FROM credit_note_lines cl
		                      WHERE cl.practice_id = $1 AND cl.invoice_line_id = l.id) c ON true
		 WHERE i.practice_id = $1 AND i.kind = 'recurring' AND i.status = ANY($4::text[])
		   AND i.period BETWEEN $2 AND $3
		 GROUP BY e.code, e.name, i.period
		 ORDER BY e.code, i.period`, pid, span.From, span.To, liveStatuses)
	if err != nil {
		return nil, fmt.Errorf("realisation: fee coverage: %w", err)
	}
	var out []Coverage
	var code, name string
	var p PeriodCoverage
	var period time.Time
	_, err = pgx.ForEachRow(rs, []any{&code, &name, &period, &p.Fee, &p.Value}, func() error {
		p.Period = atlas.PeriodOf(period)
		if n := len(out); n == 0 || out[n-1].Code != code {
			out = append(out, Coverage{Code: code, Name: name})
		}
		c := &out[len(out)-1]
		c.Periods = append(c.Periods, p)
		c.Fee, c.Value = c.Fee.Add(p.Fee), c.Value.Add(p.Value)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("realisation: fee coverage: %w", err)
	}
	SortCoverage(out)
	return out, nil
}

// SortCoverage puts the clients furthest under-recovered first: the
// lowest coverage, then those whose retainers absorbed no time at all.
func SortCoverage(cs []Coverage) {
	slices.SortStableFunc(cs, func(a, b Coverage) int {
		ra, oka := a.Rate()
		rb, okb := b.Rate()
		if oka != okb {
			if oka {
				return -1
			}
			return 1
		}
		if c := a.Fee.Mul(b.Value).Cmp(b.Fee.Mul(a.Value)); oka && c != 0 {
			return c // fee/value compared exactly, not by the rounded percent
		}
		return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(a.Code, b.Code))
	})
}
