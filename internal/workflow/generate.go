package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// unstarted is the condition of a task nobody has touched: no item ticked,
// never sent for review. Only such a task takes later changes to its
// template or assignment. Its columns are unqualified, so it reads the
// tasks row in any statement whose other tables lack them.
const unstarted = `items_done = 0 AND review_state = 'none' AND completed_at IS NULL`

// checklistSQL is the checklist an assignment gives its tasks, for the
// assignment and template ids given (SQL over the row of the statement
// that uses it): the template's items less those the client drops, in
// their order, then the client's extra items, as (template_item_id,
// assignment_item_id, stage, position, text, mandatory, client_request).
// The template's items are read in their order so that copying them task
// by task adds each index's rows at its end rather than all over it; the
// drops are read once into a hash (the NOT IN is uncorrelated) rather than
// looked for once per item.
func checklistSQL(assignment, template string) string {
	return `SELECT ti.id AS template_item_id, NULL::bigint AS assignment_item_id, ti.stage, ti.position, ti.text, ti.mandatory, ti.client_request
	  FROM (SELECT * FROM template_items ti WHERE ti.practice_id = $1 AND ti.template_id = ` + template + `
	           AND ti.removed_at IS NULL ORDER BY ti.stage, ti.position) ti
	 WHERE (` + assignment + `, ti.id) NOT IN (SELECT d.assignment_id, d.template_item_id FROM assignment_items d
	                                 WHERE d.practice_id = $1 AND d.kind = 'drop' AND d.template_item_id IS NOT NULL)
	UNION ALL
	SELECT NULL, ai.id, ai.stage, ai.position, ai.text, ai.mandatory, NULL
	  FROM assignment_items ai WHERE ai.practice_id = $1 AND ai.assignment_id = ` + assignment + ` AND ai.kind = 'add'`
}

// copyItems copies checklist items into the tasks of the CTE "new" (id,
// assignment_id, template_id), each its checklistSQL. copyMissingItems
// copies only those a task does not have yet.
var copyItems, copyMissingItems = copyItemsSQL(false), copyItemsSQL(true)

func copyItemsSQL(missingOnly bool) string {
	var missing string
	if missingOnly {
		missing = `
	 WHERE NOT EXISTS (SELECT 1 FROM task_items e WHERE e.practice_id = $1 AND e.task_id = new.id AND e.template_item_id = cl.template_item_id)
	   AND NOT EXISTS (SELECT 1 FROM task_items e WHERE e.practice_id = $1 AND e.task_id = new.id AND e.assignment_item_id = cl.assignment_item_id)`
	}
	return `INSERT INTO task_items (practice_id, task_id, template_item_id, assignment_item_id, stage, position, text, mandatory, client_request)
	SELECT $1, new.id, cl.* FROM new CROSS JOIN LATERAL (` + checklistSQL("new.assignment_id", "new.template_id") + `) cl` + missing
}

// dueDateSQL and stageTargetsSQL are Template.DueDate and
// Template.StageTargets in SQL, for the period (a date) and the template tp.
func dueDateSQL(period string) string {
	return `(` + period + ` + make_interval(months => tp.due_month_offset, days => tp.due_day - 1))::date`
}

func stageTargetsSQL(period string) string {
	return `ARRAY(SELECT (` + period + ` + interval '1 month')::date + (d - 1) FROM unnest(tp.stage_target_days) WITH ORDINALITY AS x(d, n) ORDER BY n)`
}

// stageExpr is CurrentStage in SQL, over a task t and its item counts c.
const stageExpr = `least(coalesce(c.first_open, 7),
	CASE WHEN t.review_state <> 'approved' THEN 5 ELSE 7 END,
	CASE WHEN t.completed_at IS NULL THEN 6 ELSE 7 END)`

// refreshTasks rewrites the progress kept on each task of $2 from its
// items: counts, current stage, and when each stage passed ($3 for a stage
// passed just now; a stage that opens again loses its time).
const refreshTasks = `UPDATE tasks t SET items_total = c.total, items_done = c.done, stage = ` + stageExpr + `,
	stage_done_at = ARRAY(SELECT CASE WHEN g < ` + stageExpr + ` THEN coalesce(t.stage_done_at[g], $3::timestamptz) END
	                      FROM generate_series(1, 6) g ORDER BY g),
	updated_at = $3
	FROM unnest($2::bigint[]) AS ids(id)
	CROSS JOIN LATERAL (SELECT count(*)::int AS total, count(done_at)::int AS done,
	                           min(stage) FILTER (WHERE mandatory AND done_at IS NULL) AS first_open
	                      FROM task_items WHERE practice_id = $1 AND task_id = ids.id) c
	WHERE t.practice_id = $1 AND t.id = ids.id`

// RefreshProgress brings tasks' kept progress (counts, stage, stage
// dates) up to date after their items changed outside Tick: a client's
// upload through the portal ticks the item it answers.
func RefreshProgress(ctx context.Context, q db.DB, pid atlas.PracticeID, ids []int64, now time.Time) error {
	return refresh(ctx, q, pid, ids, now)
}

func refresh(ctx context.Context, q db.DB, pid atlas.PracticeID, ids []int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := q.Exec(ctx, refreshTasks, pid, ids, now); err != nil {
		return fmt.Errorf("refresh task progress: %w", err)
	}
	return nil
}

// Generated says what a generation run made.
type Generated struct {
	Tasks int
	Items int
}

// Generate makes period's task for every active assignment of an active
// client that has none yet, each with its own copy of the checklist, its
// preparer, reviewer, due date and stage targets. Running it again makes
// nothing: the unique (client, template, period) key is the guard, so two
// replicas running it at once make each task once.
func (s Store) Generate(ctx context.Context, pid atlas.PracticeID, period atlas.Period, now time.Time) (Generated, error) {
	var g Generated
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		g, err = generateAt(ctx, tx, pid, period, 0, now)
		return err
	})
	return g, err
}

// GenerateTx is Generate inside the caller's transaction (a periodic job's).
func GenerateTx(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, period atlas.Period, now time.Time) (Generated, error) {
	return generateAt(ctx, tx, pid, period, 0, now)
}

// generateAt is one statement: it inserts the tasks with their progress
// already computed (nothing is ticked yet, so a new task's counts and stage
// follow from its checklist alone) and copies their items.
func generateAt(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, period atlas.Period, assignment int64, now time.Time) (Generated, error) {
	var g Generated
	err := tx.QueryRow(ctx, `WITH template_sums AS (
		-- Most clients follow their template as it is: its counts are
		-- worked out once here rather than once per client.
		SELECT template_id, count(*)::int AS total, min(stage) FILTER (WHERE mandatory) AS first_open
		  FROM template_items WHERE practice_id = $1 AND removed_at IS NULL
		 GROUP BY template_id
	), new AS (
		INSERT INTO tasks (practice_id, entity_id, entity_key, template_id, assignment_id, period, preparer_id, reviewer_id, due_date, stage_targets,
		                   items_total, items_done, stage, stage_done_at, created_at, updated_at)
		SELECT p.practice_id, p.entity_id, p.entity_key, p.template_id, p.id, $2::date, p.preparer_id, p.reviewer_id, p.due_date, p.stage_targets,
		       p.total, 0, `+newTaskStage+`,
		       ARRAY(SELECT CASE WHEN g < `+newTaskStage+` THEN $4::timestamptz END FROM generate_series(1, 6) g ORDER BY g),
		       $4, $4
		  FROM (SELECT a.practice_id, a.entity_id, lower(en.code) AS entity_key, a.template_id, a.id, a.preparer_id, a.reviewer_id,
		               `+dueDateSQL("$2::date")+` AS due_date,
		               `+stageTargetsSQL("$2::date")+` AS stage_targets,
		               CASE WHEN c.custom THEN k.total ELSE coalesce(ts.total, 0) END AS total,
		               CASE WHEN c.custom THEN k.first_open ELSE ts.first_open END AS first_open
		          FROM assignments a
		          JOIN templates tp ON tp.practice_id = a.practice_id AND tp.id = a.template_id AND tp.active
		          JOIN entities en ON en.practice_id = a.practice_id AND en.id = a.entity_id AND en.archived_at IS NULL
		          LEFT JOIN template_sums ts ON ts.template_id = a.template_id
		          CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM assignment_items z
		                                              WHERE z.practice_id = a.practice_id AND z.assignment_id = a.id) AS custom) c
		          -- A client that drops template items or adds its own: the
		          -- checklist copyItems gives it, counted.
		          CROSS JOIN LATERAL (SELECT count(*)::int AS total, min(cl.stage) FILTER (WHERE cl.mandatory) AS first_open
		                                FROM (`+checklistSQL("a.id", "a.template_id")+`) cl WHERE c.custom) k
		         WHERE a.practice_id = $1 AND a.active AND ($3::bigint = 0 OR a.id = $3)
		           -- One pack per client and month: a client that changed template
		           -- keeps the pack it has (under way, or made before the change).
		           AND NOT EXISTS (SELECT 1 FROM tasks x WHERE x.practice_id = a.practice_id AND x.entity_id = a.entity_id AND x.period = $2::date)
		         ORDER BY a.id) p
		ON CONFLICT (practice_id, entity_id, template_id, period) DO NOTHING
		RETURNING id, assignment_id, template_id
	), items AS (`+copyItems+` RETURNING task_id)
	SELECT (SELECT count(*) FROM new), (SELECT count(*) FROM items)`,
		pid, period.FirstDay(), assignment, now).Scan(&g.Tasks, &g.Items)
	if err != nil {
		return g, fmt.Errorf("generate tasks for %s: %w", period, err)
	}
	return g, nil
}

// newTaskStage is stageExpr for a task nothing of which is ticked, not sent
// for review and not complete, over a row p with the first stage holding a
// mandatory item (first_open).
const newTaskStage = `least(coalesce(p.first_open, 7), 5)`

// resyncUnstarted gives the unstarted tasks of a template (of one
// assignment, when assignment is set) the template's current due rule,
// stage targets and checklist. Tasks under way or done keep theirs. The
// checklist is brought up to date item by item rather than copied afresh,
// so items that did not change keep their ids: a checklist someone has open
// in Slack stays valid, and an edit that changes nothing changes no row.
func resyncUnstarted(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, template, assignment int64, now time.Time) error {
	// The update locks each task as a tick would, and re-checks that it is
	// still unstarted once a tick running meanwhile has committed.
	rows, err := tx.Query(ctx, `UPDATE tasks t SET
		due_date = `+dueDateSQL("t.period")+`,
		stage_targets = `+stageTargetsSQL("t.period")+`,
		updated_at = $4
		FROM templates tp
		WHERE t.practice_id = $1 AND t.template_id = $2 AND ($3::bigint = 0 OR t.assignment_id = $3)
		  AND tp.practice_id = t.practice_id AND tp.id = t.template_id
		  AND `+unstarted+`
		RETURNING t.id`, pid, template, assignment, now)
	if err != nil {
		return fmt.Errorf("resync tasks: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) == 0 {
		return err
	}
	b := &pgx.Batch{}
	// Items the template no longer has, or the client now drops or no
	// longer adds.
	b.Queue(`DELETE FROM task_items ti USING tasks t
		WHERE ti.practice_id = $1 AND ti.task_id = ANY($2) AND t.practice_id = $1 AND t.id = ti.task_id
		  AND CASE WHEN ti.template_item_id IS NOT NULL THEN
		        NOT EXISTS (SELECT 1 FROM template_items x WHERE x.practice_id = $1 AND x.id = ti.template_item_id
		                     AND x.template_id = t.template_id AND x.removed_at IS NULL)
		        OR EXISTS (SELECT 1 FROM assignment_items d WHERE d.practice_id = $1 AND d.assignment_id = t.assignment_id
		                    AND d.kind = 'drop' AND d.template_item_id = ti.template_item_id)
		      WHEN ti.assignment_item_id IS NOT NULL THEN
		        NOT EXISTS (SELECT 1 FROM assignment_items a WHERE a.practice_id = $1 AND a.id = ti.assignment_item_id
		                     AND a.assignment_id = t.assignment_id AND a.kind = 'add')
		      ELSE false END`, pid, ids)
	// Items whose wording, stage, place or mandatory flag changed.
	b.Queue(`UPDATE task_items ti SET stage = x.stage, position = x.position, text = x.text, mandatory = x.mandatory,
		       client_request = x.client_request
		FROM template_items x
		WHERE ti.practice_id = $1 AND ti.task_id = ANY($2) AND x.practice_id = $1 AND x.id = ti.template_item_id
		  AND (ti.stage, ti.position, ti.text, ti.mandatory, ti.client_request)
		      IS DISTINCT FROM (x.stage, x.position, x.text, x.mandatory, x.client_request)`, pid, ids)
	b.Queue(`UPDATE task_items ti SET stage = a.stage, position = a.position, text = a.text, mandatory = a.mandatory
		FROM assignment_items a
		WHERE ti.practice_id = $1 AND ti.task_id = ANY($2) AND a.practice_id = $1 AND a.id = ti.assignment_item_id
		  AND (ti.stage, ti.position, ti.text, ti.mandatory) IS DISTINCT FROM (a.stage, a.position, a.text, a.mandatory)`, pid, ids)
	// Items new to the template or the client.
	b.Queue(`WITH new AS (SELECT id, assignment_id, template_id FROM tasks WHERE practice_id = $1 AND id = ANY($2))
		`+copyMissingItems, pid, ids)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("resync task checklists: %w", err)
	}
	return refresh(ctx, tx, pid, ids, now)
}
