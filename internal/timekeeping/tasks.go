package timekeeping

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Task is a month's task as time is logged against it.
type Task struct {
	ID         int64
	EntityID   int64
	EntityCode string
	EntityName string
	Name       string // the template's name
	Period     time.Time
	Stage      int // the first stage with a mandatory item open; 7 when all are done
}

// Label is "ACME · Monthly bookkeeping · Nov 2026".
func (t Task) Label() string {
	return fmt.Sprintf("%s · %s · %s", t.EntityCode, t.Name, t.Period.Format("Jan 2006"))
}

// Describe is the description time logged from the task starts with.
func (t Task) Describe() string {
	return fmt.Sprintf("%s (%s) — %s", t.Name, t.Period.Format("Jan 2006"), atlas.StageName(t.Stage))
}

const taskColumns = `tk.id, tk.entity_id, en.code, en.name, tp.name, tk.period,
	coalesce((SELECT min(ti.stage) FROM task_items ti WHERE ti.practice_id = tk.practice_id AND ti.task_id = tk.id
	          AND ti.mandatory AND ti.done_at IS NULL), 7)`

const taskFrom = ` FROM tasks tk
	JOIN entities en ON en.practice_id = tk.practice_id AND en.id = tk.entity_id
	JOIN templates tp ON tp.practice_id = tk.practice_id AND tp.id = tk.template_id`

func scanTask(row pgx.Row) (Task, error) {
	var t Task
	err := row.Scan(&t.ID, &t.EntityID, &t.EntityCode, &t.EntityName, &t.Name, &t.Period, &t.Stage)
	return t, err
}

// Task returns one task.
func (s Store) Task(ctx context.Context, pid atlas.PracticeID, id int64) (Task, error) {
	t, err := scanTask(s.DB.QueryRow(ctx, `SELECT `+taskColumns+taskFrom+` WHERE tk.practice_id = $1 AND tk.id = $2`, pid, id))
	return t, db.MapError(err, "That task no longer exists.")
}

// Tasks lists the tasks of a period that time may be logged against: one
// client's when entity is set, else those the person prepares or reviews.
func (s Store) Tasks(ctx context.Context, pid atlas.PracticeID, entity int64, member atlas.MemberID, period time.Time, limit int) ([]Task, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+taskColumns+taskFrom+`
		WHERE tk.practice_id = $1 AND tk.period = $2
		  AND CASE WHEN $3::bigint <> 0 THEN tk.entity_id = $3 ELSE $4 IN (tk.preparer_id, tk.reviewer_id) END
		ORDER BY en.code, tp.name LIMIT $5`, pid, period, entity, int64(member), limit)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Task, error) { return scanTask(r) })
}
