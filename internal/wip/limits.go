package wip

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// Over is the practice's work in progress as the morning digest reads it:
// the total, and the clients over its limits.
type Over struct {
	Total decimal.Decimal
	// Clients are those whose oldest unbilled work is more than the days
	// limit before today, or whose value is over the value limit, the
	// largest value first, at most the limit asked for; Count is how many
	// there are in all.
	Clients []Row
	Count   int
}

// OverLimits reads the total and the clients over the limits in one pass
// of the unbilled index, without the ages or names of every client a full
// report carries.
func (s Store) OverLimits(ctx context.Context, pid atlas.PracticeID, today time.Time, days int, value decimal.Decimal, limit int) (Over, error) {
	var o Over
	rows, err := s.DB.Query(ctx, `
		WITH c AS (SELECT te.entity_id, coalesce(sum(te.value), 0) AS v, min(te.work_date) AS oldest
		             FROM time_entries te WHERE te.practice_id = $1 AND te.billing_state = 'unbilled' GROUP BY te.entity_id),
		     t AS (SELECT coalesce(sum(v), 0) AS total FROM c)
		SELECT t.total, x.n, x.entity_id, x.code, x.name, x.v, x.oldest
		  FROM t LEFT JOIN LATERAL (
		       SELECT count(*) OVER () AS n, c.entity_id, e.code, e.name, c.v, c.oldest
		         FROM c JOIN entities e ON e.practice_id = $1 AND e.id = c.entity_id
		        WHERE c.v > $3 OR c.oldest < $2::date - $4::int
		        ORDER BY c.v DESC, e.code LIMIT $5) x ON true`, pid, today, value, days, limit)
	if err != nil {
		return o, fmt.Errorf("wip: clients over the limits: %w", err)
	}
	var n *int
	var id *int64
	var code, name *string
	var v *decimal.Decimal
	var oldest *time.Time
	_, err = pgx.ForEachRow(rows, []any{&o.Total, &n, &id, &code, &name, &v, &oldest}, func() error {
		if id == nil {
			return nil // none over: the total alone
		}
		o.Count = *n
		o.Clients = append(o.Clients, Row{ID: *id, Code: *code, Name: *name, Figures: Figures{Value: *v, Oldest: *oldest}})
		return nil
	})
	if err != nil {
		return o, fmt.Errorf("wip: clients over the limits: %w", err)
	}
	return o, nil
}
