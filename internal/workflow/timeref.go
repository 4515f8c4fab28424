package workflow

import (
	"context"
	"fmt"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// What the time package needs to know of tasks, so that it can log time
// against one without reading workflow's tables: time imports workflow,
// never the other way.

// Label is "ACME · Monthly bookkeeping · Nov 2026": a task in a list of
// tasks to log time against.
func (t Task) Label() string {
	return fmt.Sprintf("%s · %s · %s", t.EntityCode, t.TemplateName, t.Period.FirstDay().Format("Jan 2006"))
}

// Describe is the description time logged from the task starts with.
func (t Task) Describe() string {
	return fmt.Sprintf("%s (%s) — %s", t.TemplateName, t.Period.FirstDay().Format("Jan 2006"), atlas.StageName(t.Stage))
}

// TaskNameSQL is an SQL expression for the name time entries show for a
// task — its template's name, or ” for none — given expressions for the
// practice and the task id (which may be null).
func TaskNameSQL(practice, task string) string {
	return `coalesce((SELECT tp.name FROM tasks tk JOIN templates tp ON tp.practice_id = tk.practice_id AND tp.id = tk.template_id
		WHERE tk.practice_id = ` + practice + ` AND tk.id = ` + task + `), '')`
}

// TaskClient returns the client a task is for, so time logged against the
// task can be checked to be for the same client.
func TaskClient(ctx context.Context, q db.DB, pid atlas.PracticeID, taskID int64) (int64, error) {
	var entity int64
	err := q.QueryRow(ctx, `SELECT entity_id FROM tasks WHERE practice_id = $1 AND id = $2`, pid, taskID).Scan(&entity)
	return entity, db.MapError(err, noTask)
}
