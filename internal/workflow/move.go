package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// ErrStale says the checklist the person acted on is out of date: someone
// else ticked or unticked one of its items meanwhile. Nothing was written.
var ErrStale = atlas.Errorf(atlas.EConflict, "Someone else changed this checklist meanwhile, so nothing was changed. It now shows where things stand; tick again if you still need to.")

// MaxQuery is the longest review query.
const MaxQuery = 2000

// errUnchanged is what a change's fn returns when it wrote nothing: the
// task as locked is how it stands, and needs neither a refresh nor a
// second read.
var errUnchanged = errors.New("task unchanged")

// change runs fn on the task locked for update, then refreshes its
// progress and returns it as it now stands, checklist and all. A change
// moves the month's kept counts (task_month_counts), which other changes
// to the month move too, so PostgreSQL may abort one of two to break a
// deadlock: it is run again (fn only writes through tx and sets its
// results afresh).
func (s Store) change(ctx context.Context, pid atlas.PracticeID, taskID int64, now time.Time, fn func(tx pgx.Tx, t Task) error) (Task, error) {
	var out Task
	err := db.InTxRetrying(ctx, s.DB, func(tx pgx.Tx) error {
		t, err := loadTask(ctx, tx, pid, taskID, true)
		if err != nil {
			return err
		}
		if err := fn(tx, t); errors.Is(err, errUnchanged) {
			out = t
			return nil
		} else if err != nil {
			return err
		}
		if err := refresh(ctx, tx, pid, []int64{taskID}, now); err != nil {
			return err
		}
		out, err = loadTask(ctx, tx, pid, taskID, false)
		return err
	})
	return out, err
}

// mayChange says why actor may not tick t or move it on, if they may not:
// only its people may, and only until it is delivered.
func mayChange(t Task, actor practice.Member, loc *time.Location) error {
	if !t.MayMove(actor) {
		return forbiddenToMove(t)
	}
	if t.CompletedAt != nil {
		return delivered(t, loc)
	}
	return nil
}

func forbiddenToMove(t Task) error {
	who := "the preparer (" + t.PreparerName + "), the reviewer (" + t.ReviewerName + ")"
	if t.ManagerID != 0 {
		who += ", the client's manager"
	}
	return atlas.Errorf(atlas.EForbidden, "Only %s or a partner can change %s's %s task.", who, t.EntityCode, t.Period.Label())
}

func delivered(t Task, loc *time.Location) error {
	return atlas.Errorf(atlas.EConflict, "%s's %s pack was delivered on %s, so its checklist is closed.",
		t.EntityCode, t.Period.Label(), t.CompletedAt.In(loc).Format("Mon 2 Jan 15:04"))
}

// Tick sets checklist items done (want true) or open. shown is how the
// person saw those items; when the database differs (someone else changed
// one meanwhile), nothing is written and the error is ErrStale, with the
// task as it now stands, so the caller can show it. Items of stages 1 to 4
// change while the preparer has the pack, review items (stage 5) while it
// is in review and only by someone who may review it, delivery items once
// it is approved.
func (s Store) Tick(ctx context.Context, p practice.Practice, actor practice.Member, taskID int64, shown, want map[int64]bool, now time.Time) (Task, error) {
	var stale bool
	t, err := s.change(ctx, p.ID, taskID, now, func(tx pgx.Tx, t Task) error {
		if err := mayChange(t, actor, p.Location()); err != nil {
			return err
		}
		byID := map[int64]Item{}
		for _, it := range t.Items {
			byID[it.ID] = it
		}
		for id, done := range shown {
			it, ok := byID[id]
			if !ok || it.Done() != done {
				stale = true
				return errUnchanged
			}
		}
		var ids []int64
		var dones []bool
		var ticked, unticked []string
		for id, done := range want {
			it, ok := byID[id]
			if !ok {
				stale = true
				return errUnchanged
			}
			if it.Done() == done {
				continue
			}
			if err := mayTick(t, it, actor, p); err != nil {
				return err
			}
			ids, dones = append(ids, id), append(dones, done)
			if done {
				ticked = append(ticked, it.Text)
			} else {
				unticked = append(unticked, it.Text)
			}
		}
		if len(ids) == 0 {
			return errUnchanged
		}
		if _, err := tx.Exec(ctx, `UPDATE task_items ti SET done_by = CASE WHEN w.done THEN $3::bigint END,
			done_at = CASE WHEN w.done THEN $4::timestamptz END
			FROM unnest($5::bigint[], $6::bool[]) AS w(id, done)
			WHERE ti.practice_id = $1 AND ti.task_id = $2 AND ti.id = w.id`, p.ID, taskID, int64(actor.ID), now, ids, dones); err != nil {
			return fmt.Errorf("tick items: %w", err)
		}
		return practice.Audit(ctx, tx, p.ID, actor.ID, "task.tick", "task", taskID, map[string]any{"ticked": ticked, "unticked": unticked})
	})
	if err == nil && stale {
		return t, ErrStale
	}
	return t, err
}

// mayTick says why actor may not change it on t, if they may not.
func mayTick(t Task, it Item, actor practice.Member, p practice.Practice) error {
	switch {
	case it.Stage <= 4 && t.ReviewState == ReviewRequested:
		return atlas.Errorf(atlas.EConflict, "The pack is with %s for review, so stages 1–4 are closed. The reviewer can return it with a query if something needs changing.", t.ReviewerName)
	case it.Stage <= 5 && t.ReviewState == ReviewApproved:
		return atlas.Errorf(atlas.EConflict, "The pack has been approved, so only the delivery items (stage 6) can change.")
	case it.Stage == 5 && t.ReviewState != ReviewRequested:
		return atlas.Errorf(atlas.EConflict, "Review items are ticked while the pack is in review. Finish stages 1–4 and press *Send for review* first.")
	case it.Stage == 5 && !t.MayReview(actor, p):
		if actor.ID == t.PreparerID {
			return atlas.Errorf(atlas.EForbidden, "You prepared this pack, and the practice does not let preparers review their own; %s ticks the review items.", t.ReviewerName)
		}
		return atlas.Errorf(atlas.EForbidden, "Only the reviewer (%s) or a partner ticks the review items.", t.ReviewerName)
	case it.Stage == 6 && t.ReviewState != ReviewApproved:
		return atlas.Errorf(atlas.EConflict, "Delivery items are ticked once the pack is approved.")
	}
	return nil
}

func listItems(items []Item, most int) string {
	var names []string
	for i, it := range items {
		if i == most {
			names = append(names, fmt.Sprintf("and %d more", len(items)-most))
			break
		}
		names = append(names, fmt.Sprintf("“%s” (stage %d)", it.Text, it.Stage))
	}
	return strings.Join(names, ", ")
}

// SendForReview hands the pack to its reviewer, once stages 1 to 4 have no
// open mandatory item. A pack returned with a query may be sent again.
func (s Store) SendForReview(ctx context.Context, p practice.Practice, actor practice.Member, taskID int64, now time.Time) (Task, error) {
	return s.change(ctx, p.ID, taskID, now, func(tx pgx.Tx, t Task) error {
		if err := mayChange(t, actor, p.Location()); err != nil {
			return err
		}
		switch {
		case t.ReviewState == ReviewRequested:
			return atlas.Errorf(atlas.EConflict, "The pack is already with %s for review (sent %s).", t.ReviewerName, t.SentForReviewAt.In(p.Location()).Format("Mon 2 Jan 15:04"))
		case t.ReviewState == ReviewApproved:
			return atlas.Errorf(atlas.EConflict, "The pack has already been approved; deliver it when the delivery items are done.")
		}
		if open := t.OpenMandatory(1, 2, 3, 4); len(open) > 0 {
			return atlas.Errorf(atlas.EConflict, "Stages 1–4 still have %d mandatory item(s) open: %s. Tick them, then send the pack for review.", len(open), listItems(open, 3))
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET review_state = 'requested', sent_for_review_at = $3
			WHERE practice_id = $1 AND id = $2`, p.ID, taskID, now); err != nil {
			return err
		}
		return practice.Audit(ctx, tx, p.ID, actor.ID, "task.send_for_review", "task", taskID, map[string]any{"reviewer": t.ReviewerID})
	})
}

func notInReview(t Task) error {
	switch t.ReviewState {
	case ReviewApproved:
		return atlas.Errorf(atlas.EConflict, "The pack has already been approved.")
	case ReviewReturned:
		return atlas.Errorf(atlas.EConflict, "The pack was returned to %s with a query; it comes back when they send it again.", t.PreparerName)
	}
	return atlas.Errorf(atlas.EConflict, "The pack has not been sent for review yet.")
}

func mayNotReview(t Task, actor practice.Member) error {
	if actor.ID == t.PreparerID {
		return atlas.Errorf(atlas.EForbidden, "You prepared this pack, and the practice does not let preparers review their own; %s reviews it.", t.ReviewerName)
	}
	return atlas.Errorf(atlas.EForbidden, "Only the reviewer (%s) or a partner can approve or return this pack.", t.ReviewerName)
}

// inReviewBy says why actor may not approve or return t now, if they may not.
func inReviewBy(t Task, actor practice.Member, p practice.Practice) error {
	switch {
	case !t.MayReview(actor, p):
		return mayNotReview(t, actor)
	case t.CompletedAt != nil:
		return delivered(t, p.Location())
	case t.ReviewState != ReviewRequested:
		return notInReview(t)
	}
	return nil
}

// Approve passes review (stage 5). Only the reviewer or a partner may, not
// the preparer unless the practice allows it, and only with no mandatory
// item open in stages 1 to 5.
func (s Store) Approve(ctx context.Context, p practice.Practice, actor practice.Member, taskID int64, now time.Time) (Task, error) {
	return s.change(ctx, p.ID, taskID, now, func(tx pgx.Tx, t Task) error {
		if err := inReviewBy(t, actor, p); err != nil {
			return err
		}
		if open := t.OpenMandatory(1, 2, 3, 4, 5); len(open) > 0 {
			return atlas.Errorf(atlas.EConflict, "%d mandatory item(s) are still open: %s. Tick them or return the pack with a query.", len(open), listItems(open, 3))
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET review_state = 'approved', approved_by = $3, approved_at = $4
			WHERE practice_id = $1 AND id = $2`, p.ID, taskID, int64(actor.ID), now); err != nil {
			return err
		}
		return practice.Audit(ctx, tx, p.ID, actor.ID, "task.approve", "task", taskID, nil)
	})
}

// Return sends the pack back to its preparer with a query.
func (s Store) Return(ctx context.Context, p practice.Practice, actor practice.Member, taskID int64, query string, now time.Time) (Task, error) {
	query = strings.TrimSpace(query)
	if query == "" || utf8.RuneCountInString(query) > MaxQuery {
		return Task{}, atlas.FieldError("return_query", "Say what the preparer should look at, in up to %d characters.", MaxQuery)
	}
	return s.change(ctx, p.ID, taskID, now, func(tx pgx.Tx, t Task) error {
		if err := inReviewBy(t, actor, p); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET review_state = 'returned', review_query = $3, returned_by = $4, returned_at = $5
			WHERE practice_id = $1 AND id = $2`, p.ID, taskID, query, int64(actor.ID), now); err != nil {
			return err
		}
		return practice.Audit(ctx, tx, p.ID, actor.ID, "task.return", "task", taskID, map[string]any{"query": query})
	})
}

// Deliver completes an approved task (stage 6) once its mandatory delivery
// items are ticked, and stamps the time.
func (s Store) Deliver(ctx context.Context, p practice.Practice, actor practice.Member, taskID int64, now time.Time) (Task, error) {
	return s.DeliverWith(ctx, p, actor, taskID, now, nil)
}

// DeliverWith is Deliver with send run in the same transaction, the pack
// locked, once the pack may be delivered and before it is marked so: it
// sends the pack to the client (internal/queries), and a refusal from it
// (a query still open, nothing marked to send) undoes everything.
func (s Store) DeliverWith(ctx context.Context, p practice.Practice, actor practice.Member, taskID int64, now time.Time,
	send func(tx pgx.Tx, t Task) error) (Task, error) {
	return s.change(ctx, p.ID, taskID, now, func(tx pgx.Tx, t Task) error {
		if err := mayChange(t, actor, p.Location()); err != nil {
			return err
		}
		if t.ReviewState != ReviewApproved {
			return atlas.Errorf(atlas.EConflict, "A pack is delivered once its reviewer has approved it.")
		}
		if open := t.OpenMandatory(6); len(open) > 0 {
			return atlas.Errorf(atlas.EConflict, "Tick the delivery items first: %s.", listItems(open, 3))
		}
		if send != nil {
			if err := send(tx, t); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET completed_by = $3, completed_at = $4 WHERE practice_id = $1 AND id = $2`,
			p.ID, taskID, int64(actor.ID), now); err != nil {
			return err
		}
		return practice.Audit(ctx, tx, p.ID, actor.ID, "task.deliver", "task", taskID, nil)
	})
}

// Reassign changes who prepares and reviews one task (a manager moving
// work around); the client's assignment is unchanged.
func (s Store) Reassign(ctx context.Context, p practice.Practice, actor practice.Member, taskID int64, preparer, reviewer atlas.MemberID, now time.Time) (Task, error) {
	return s.change(ctx, p.ID, taskID, now, func(tx pgx.Tx, t Task) error {
		switch {
		case !actor.Can(atlas.RoleManager):
			return atlas.Errorf(atlas.EForbidden, "Only managers and partners reassign tasks.")
		case t.CompletedAt != nil:
			return delivered(t, p.Location())
		case preparer == reviewer && !p.PreparerMayReview:
			return atlas.Errorf(atlas.EInvalid, "The practice does not let preparers review their own packs; pick two people.")
		}
		var inactive bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM unnest($2::bigint[]) AS p(id)
			WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.practice_id = $1 AND m.id = p.id AND m.active))`,
			p.ID, []int64{int64(preparer), int64(reviewer)}).Scan(&inactive); err != nil {
			return err
		}
		if inactive {
			return atlas.Errorf(atlas.EInvalid, "Packs go to active members of the team; `/atlas team` lists them.")
		}
		if _, err := tx.Exec(ctx, `UPDATE tasks SET preparer_id = $3, reviewer_id = $4 WHERE practice_id = $1 AND id = $2`,
			p.ID, taskID, int64(preparer), int64(reviewer)); err != nil {
			return db.MapError(err, "")
		}
		return practice.Audit(ctx, tx, p.ID, actor.ID, "task.reassign", "task", taskID, map[string]any{
			"preparer": preparer, "reviewer": reviewer, "was_preparer": t.PreparerID, "was_reviewer": t.ReviewerID})
	})
}
