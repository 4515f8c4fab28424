package workflow

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// ChangeCount is how many extra items an assignment adds to its template
// and how many of the template's items it drops.
type ChangeCount struct{ Extras, Dropped int }

// ChangeCounts counts the changes of a client's active assignments to
// their templates (every client's with entity 0), by assignment id, in one
// query: Assignments loads the changes themselves only for one client. A
// dropped item since removed from the template no longer counts.
func (s Store) ChangeCounts(ctx context.Context, pid atlas.PracticeID, entity int64) (map[int64]ChangeCount, error) {
	rows, err := s.DB.Query(ctx, `SELECT ai.assignment_id, count(*) FILTER (WHERE ai.kind = 'add')::int,
			count(*) FILTER (WHERE ai.kind = 'drop' AND ti.removed_at IS NULL)::int
		FROM assignment_items ai
		JOIN assignments a ON a.practice_id = ai.practice_id AND a.id = ai.assignment_id AND a.active
		LEFT JOIN template_items ti ON ti.practice_id = ai.practice_id AND ti.id = ai.template_item_id
		WHERE ai.practice_id = $1 AND ($2 = 0 OR a.entity_id = $2) GROUP BY ai.assignment_id`, pid, entity)
	if err != nil {
		return nil, fmt.Errorf("count assignment changes: %w", err)
	}
	out := map[int64]ChangeCount{}
	var id int64
	var c ChangeCount
	_, err = pgx.ForEachRow(rows, []any{&id, &c.Extras, &c.Dropped}, func() error {
		out[id] = c
		return nil
	})
	return out, err
}
