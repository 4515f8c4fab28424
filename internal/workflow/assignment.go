package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Assignment gives a client a template, a preparer and a reviewer, with the
// client's own changes to the template's checklist.
type Assignment struct {
	ID            int64
	EntityID      int64
	EntityCode    string
	EntityName    string
	TemplateID    int64
	TemplateName  string
	PreparerID    atlas.MemberID
	PreparerName  string
	PreparerSlack string
	ReviewerID    atlas.MemberID
	ReviewerName  string
	ReviewerSlack string
	Active        bool
	Extras        []ExtraItem // items added for this client
	Dropped       []int64     // template items this client does without
}

// ExtraItem is an item a client has beyond its template.
type ExtraItem struct {
	ID        int64
	Stage     int
	Position  int
	Text      string
	Mandatory bool
}

// AssignInput is an assignment as set in the form.
type AssignInput struct {
	EntityID   int64
	TemplateID int64
	Preparer   atlas.MemberID
	Reviewer   atlas.MemberID
	Extras     []ItemInput // replaces the client's extra items
	Dropped    []int64     // replaces the template items the client drops
}

// Fields of the assignment form, named as its blocks.
const (
	FieldAssignTemplate = "assign_template"
	FieldAssignPreparer = "assign_preparer"
	FieldAssignReviewer = "assign_reviewer"
	FieldAssignExtras   = "assign_extras"
)

const assignmentColumns = `a.id, a.entity_id, en.code, en.name, a.template_id, tp.name,
	a.preparer_id, pm.name, pm.slack_user_id, a.reviewer_id, rm.name, rm.slack_user_id, a.active`

const assignmentFrom = ` FROM assignments a
	JOIN entities en ON en.practice_id = a.practice_id AND en.id = a.entity_id
	JOIN templates tp ON tp.practice_id = a.practice_id AND tp.id = a.template_id
	JOIN members pm ON pm.practice_id = a.practice_id AND pm.id = a.preparer_id
	JOIN members rm ON rm.practice_id = a.practice_id AND rm.id = a.reviewer_id`

func scanAssignment(row pgx.Row) (Assignment, error) {
	var a Assignment
	var prep, rev int64
	err := row.Scan(&a.ID, &a.EntityID, &a.EntityCode, &a.EntityName, &a.TemplateID, &a.TemplateName,
		&prep, &a.PreparerName, &a.PreparerSlack, &rev, &a.ReviewerName, &a.ReviewerSlack, &a.Active)
	a.PreparerID, a.ReviewerID = atlas.MemberID(prep), atlas.MemberID(rev)
	return a, err
}

// Assignments lists a client's assignments (every client's with entity 0),
// with their changes to the checklist.
func (s Store) Assignments(ctx context.Context, pid atlas.PracticeID, entity int64) ([]Assignment, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+assignmentColumns+assignmentFrom+`
		WHERE a.practice_id = $1 AND ($2 = 0 OR a.entity_id = $2) AND a.active ORDER BY en.code, tp.name`, pid, entity)
	if err != nil {
		return nil, fmt.Errorf("list assignments: %w", err)
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Assignment, error) { return scanAssignment(r) })
	if err != nil || len(as) == 0 || entity == 0 {
		return as, err
	}
	for i := range as {
		if err := loadChanges(ctx, s.DB, pid, &as[i]); err != nil {
			return nil, err
		}
	}
	return as, nil
}

func loadChanges(ctx context.Context, q db.DB, pid atlas.PracticeID, a *Assignment) error {
	rows, err := q.Query(ctx, `SELECT id, kind, template_item_id, coalesce(stage, 0), coalesce(position, 0), coalesce(text, ''), coalesce(mandatory, false)
		FROM assignment_items WHERE practice_id = $1 AND assignment_id = $2 ORDER BY stage, position, id`, pid, a.ID)
	if err != nil {
		return err
	}
	var id int64
	var kind string
	var item *int64
	var x ExtraItem
	_, err = pgx.ForEachRow(rows, []any{&id, &kind, &item, &x.Stage, &x.Position, &x.Text, &x.Mandatory}, func() error {
		if kind == "drop" && item != nil {
			a.Dropped = append(a.Dropped, *item)
		} else {
			x.ID = id
			a.Extras = append(a.Extras, x)
		}
		return nil
	})
	return err
}

// Assign gives a client a template with a preparer and a reviewer, or
// changes who prepares and reviews it and the client's own items. The
// client's task for the current month is made at once if it has none, and
// a task not yet started takes the new people and checklist; tasks under
// way keep theirs.
func (s Store) Assign(ctx context.Context, p practice.Practice, actor atlas.MemberID, in AssignInput, now time.Time) (Assignment, error) {
	var errs atlas.FieldErrors
	if in.TemplateID == 0 {
		errs = append(errs, atlas.FieldError(FieldAssignTemplate, "Pick the template this client's monthly task follows."))
	}
	if in.Preparer == 0 {
		errs = append(errs, atlas.FieldError(FieldAssignPreparer, "Pick who prepares this client's pack."))
	}
	if in.Reviewer == 0 {
		errs = append(errs, atlas.FieldError(FieldAssignReviewer, "Pick who reviews this client's pack."))
	}
	if in.Reviewer != 0 && in.Reviewer == in.Preparer && !p.PreparerMayReview {
		errs = append(errs, atlas.FieldError(FieldAssignReviewer, "The practice does not let preparers review their own packs; pick someone else (an admin can change this in `/atlas settings`)."))
	}
	for i, x := range in.Extras {
		v, err := x.Validate()
		if err != nil {
			errs = append(errs, atlas.FieldError(FieldAssignExtras, "Extra item %d: %s", i+1, atlas.ErrorMessage(err)))
		}
		in.Extras[i] = v
	}
	if len(errs) > 0 {
		return Assignment{}, errs
	}
	var out Assignment
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var id int64
		var archived bool
		// The client's row is locked so that two people assigning it at
		// once take turns: the second sees the first's assignment and ends
		// it. (FOR NO KEY UPDATE leaves time logged against it free.)
		if err := tx.QueryRow(ctx, `SELECT archived_at IS NOT NULL FROM entities WHERE practice_id = $1 AND id = $2 FOR NO KEY UPDATE`, p.ID, in.EntityID).Scan(&archived); err != nil {
			return db.MapError(err, "That client no longer exists.")
		}
		if archived {
			return atlas.Errorf(atlas.EInvalid, "That client is archived, so it gets no monthly tasks. Restore it first with `/atlas clients restore`.")
		}
		for _, m := range []struct {
			id    atlas.MemberID
			field string
		}{{in.Preparer, FieldAssignPreparer}, {in.Reviewer, FieldAssignReviewer}} {
			var active bool
			err := tx.QueryRow(ctx, `SELECT active FROM members WHERE practice_id = $1 AND id = $2`, p.ID, int64(m.id)).Scan(&active)
			if errors.Is(err, pgx.ErrNoRows) || (err == nil && !active) {
				return atlas.FieldError(m.field, "That person is not an active member of the team. Add them with `/atlas team add @person role` first.")
			}
			if err != nil {
				return err
			}
		}
		// A client follows one template: picking another ends the old
		// assignment, and its packs nobody has started (nor logged time
		// against) from this month on make way for the new template's.
		if err := endOtherAssignments(ctx, tx, p, actor, in.EntityID, in.TemplateID, now); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO assignments (practice_id, entity_id, template_id, preparer_id, reviewer_id)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (practice_id, entity_id, template_id) DO UPDATE SET preparer_id = EXCLUDED.preparer_id,
				reviewer_id = EXCLUDED.reviewer_id, active = true, updated_at = now()
			RETURNING id`, p.ID, in.EntityID, in.TemplateID, int64(in.Preparer), int64(in.Reviewer)).Scan(&id)
		if err != nil {
			return db.MapError(err, "")
		}
		if err := saveChanges(ctx, tx, p.ID, id, in); err != nil {
			return err
		}
		if err := practice.Audit(ctx, tx, p.ID, actor, "assignment.save", "assignment", id, map[string]any{
			"entity": in.EntityID, "template": in.TemplateID, "preparer": in.Preparer, "reviewer": in.Reviewer,
			"extras": len(in.Extras), "dropped": len(in.Dropped)}); err != nil {
			return err
		}
		// Unstarted tasks take the new people as well as the new checklist.
		if _, err := tx.Exec(ctx, `UPDATE tasks SET preparer_id = $3, reviewer_id = $4, updated_at = now()
			WHERE practice_id = $1 AND assignment_id = $2 AND `+unstarted, p.ID, id, int64(in.Preparer), int64(in.Reviewer)); err != nil {
			return err
		}
		if err := resyncUnstarted(ctx, tx, p.ID, in.TemplateID, id, now); err != nil {
			return err
		}
		if _, err = generateAt(ctx, tx, p.ID, atlas.PeriodOf(now.In(p.Location())), id, now); err != nil {
			return err
		}
		// The assignment as saved, read in the same transaction.
		if out, err = scanAssignment(tx.QueryRow(ctx, `SELECT `+assignmentColumns+assignmentFrom+`
			WHERE a.practice_id = $1 AND a.id = $2`, p.ID, id)); err != nil {
			return fmt.Errorf("read assignment: %w", err)
		}
		return loadChanges(ctx, tx, p.ID, &out)
	})
	if err != nil {
		return Assignment{}, err
	}
	return out, nil
}

// Unassign stops a client's monthly tasks from a template; tasks already
// made stay.
func (s Store) Unassign(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, assignmentID int64) error {
	return db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE assignments SET active = false, updated_at = now() WHERE practice_id = $1 AND id = $2 AND active`, pid, assignmentID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return atlas.Errorf(atlas.ENotFound, "That assignment has already ended.")
		}
		return practice.Audit(ctx, tx, pid, actor, "assignment.end", "assignment", assignmentID, nil)
	})
}

// endOtherAssignments ends the client's assignments to templates other
// than template and removes their untouched tasks from the current month
// on. The unique index on a client's active assignment is the backstop.
func endOtherAssignments(ctx context.Context, tx pgx.Tx, p practice.Practice, actor atlas.MemberID, entity, template int64, now time.Time) error {
	rows, err := tx.Query(ctx, `UPDATE assignments SET active = false, updated_at = now()
		WHERE practice_id = $1 AND entity_id = $2 AND template_id <> $3 AND active RETURNING id`, p.ID, entity, template)
	if err != nil {
		return fmt.Errorf("end other assignments: %w", err)
	}
	ended, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ended) == 0 {
		return err
	}
	removed, err := removeUntouched(ctx, tx, p.ID, ended, atlas.PeriodOf(now.In(p.Location())).FirstDay())
	if err != nil {
		return err
	}
	for _, id := range ended {
		if err := practice.Audit(ctx, tx, p.ID, actor, "assignment.end", "assignment", id, map[string]any{
			"replaced_by_template": template, "untouched_tasks_removed": removed[id]}); err != nil {
			return err
		}
	}
	return nil
}

// removeUntouched deletes the unstarted tasks of the ended assignments from
// period on, and counts them per assignment. A task with time logged
// against it (or a timer running on it) is kept: the time package's rows
// refer to it, so its delete fails on their foreign key and is rolled back
// to a savepoint on its own. Workflow never reads the time package's
// tables; the reference itself is the guard.
func removeUntouched(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, ended []int64, period time.Time) (map[int64]int, error) {
	rows, err := tx.Query(ctx, `SELECT t.id, t.assignment_id FROM tasks t
		WHERE t.practice_id = $1 AND t.assignment_id = ANY($2) AND t.period >= $3 AND `+unstarted+`
		ORDER BY t.id FOR UPDATE`, pid, ended, period)
	if err != nil {
		return nil, fmt.Errorf("find replaced tasks: %w", err)
	}
	type candidate struct{ task, assignment int64 }
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (candidate, error) {
		var c candidate
		err := r.Scan(&c.task, &c.assignment)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	removed := map[int64]int{}
	for _, c := range found {
		err := db.InTx(ctx, tx, func(sp pgx.Tx) error {
			_, err := sp.Exec(ctx, `DELETE FROM tasks WHERE practice_id = $1 AND id = $2`, pid, c.task)
			return err
		})
		switch {
		case err == nil:
			removed[c.assignment]++
		case db.IsForeignKeyViolation(err):
			// Time was logged against it: it stays, as started work does.
		default:
			return nil, fmt.Errorf("remove replaced task %d: %w", c.task, err)
		}
	}
	return removed, nil
}

// saveChanges makes the client's extra and dropped items those of the
// form, which shows them all. An extra is matched to a saved one by stage
// and wording, so an unchanged extra keeps its id, and the checklists of
// unstarted tasks copied from it are left alone rather than copied again.
func saveChanges(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, assignment int64, in AssignInput) error {
	rows, err := tx.Query(ctx, `SELECT id, stage, lower(text) FROM assignment_items
		WHERE practice_id = $1 AND assignment_id = $2 AND kind = 'add' ORDER BY id`, pid, assignment)
	if err != nil {
		return err
	}
	type key struct {
		stage int
		text  string
	}
	saved := map[key][]int64{}
	var id int64
	var k key
	if _, err := pgx.ForEachRow(rows, []any{&id, &k.stage, &k.text}, func() error {
		saved[k] = append(saved[k], id)
		return nil
	}); err != nil {
		return err
	}
	b := &pgx.Batch{}
	pos := map[int]int{}
	for _, x := range in.Extras {
		pos[x.Stage]++
		// After the template's items in the stage, in the form's order.
		position := 1000 + pos[x.Stage]
		k := key{x.Stage, strings.ToLower(x.Text)}
		if ids := saved[k]; len(ids) > 0 {
			saved[k] = ids[1:]
			b.Queue(`UPDATE assignment_items SET position = $3, text = $4, mandatory = $5 WHERE practice_id = $1 AND id = $2`,
				pid, ids[0], position, x.Text, x.Mandatory)
			continue
		}
		b.Queue(`INSERT INTO assignment_items (practice_id, assignment_id, kind, stage, position, text, mandatory)
			VALUES ($1, $2, 'add', $3, $4, $5, $6)`, pid, assignment, x.Stage, position, x.Text, x.Mandatory)
	}
	var gone []int64
	for _, ids := range saved {
		gone = append(gone, ids...)
	}
	b.Queue(`DELETE FROM assignment_items WHERE practice_id = $1 AND assignment_id = $2 AND id = ANY($3)`, pid, assignment, gone)
	dropped := append([]int64{}, in.Dropped...)
	b.Queue(`DELETE FROM assignment_items WHERE practice_id = $1 AND assignment_id = $2 AND kind = 'drop'
		AND NOT (template_item_id = ANY($3))`, pid, assignment, dropped)
	b.Queue(`INSERT INTO assignment_items (practice_id, assignment_id, kind, template_item_id)
		SELECT $1, $2, 'drop', id FROM template_items WHERE practice_id = $1 AND template_id = $3 AND id = ANY($4)
		ON CONFLICT (practice_id, assignment_id, template_item_id) DO NOTHING`, pid, assignment, in.TemplateID, dropped)
	return db.MapError(tx.SendBatch(ctx, b).Close(), "")
}
