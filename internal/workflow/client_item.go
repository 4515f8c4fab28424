package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

// AskClient adds to a pack a stage-1 item asked of the client, ad hoc:
// words, in the client's own words, are both its text and its
// client_request. The item is mandatory, so the pack waits at stage 1
// until it is in (received through the portal, or ticked). It is added
// last in stage 1 and belongs to neither the template nor the client's
// assignment, so a later edit of either leaves it be.
//
// Who may tick the pack may ask (its preparer, its reviewer, the client's
// manager, partners and admins), while stage 1 is open: not once the pack
// is in review, approved or delivered. queue runs in the same transaction
// once the item is in, the pack locked: it sends the request (a refusal
// from it, such as a client with no contact to ask, undoes everything).
// The pack's kept progress is then refreshed and it is returned as it now
// stands, with the new item's id.
func (s Store) AskClient(ctx context.Context, p practice.Practice, actor practice.Member, taskID int64, words string, now time.Time,
	queue func(tx pgx.Tx, t Task, itemID int64) error) (Task, int64, error) {
	words = strings.Join(strings.Fields(words), " ")
	if words == "" || utf8.RuneCountInString(words) > MaxClientRequest {
		return Task{}, 0, atlas.FieldError(FieldItemRequest,
			"Say what the client should send, in their words and in up to %d characters, such as \"Your VAT return for the quarter\".", MaxClientRequest)
	}
	var itemID int64
	t, err := s.change(ctx, p.ID, taskID, now, func(tx pgx.Tx, t Task) error {
		if err := mayChange(t, actor, p.Location()); err != nil {
			return err
		}
		if err := mayTick(t, Item{Stage: 1}, actor, p); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO task_items (practice_id, task_id, stage, position, text, mandatory, client_request)
			SELECT $1, $2, 1, coalesce(max(position) + 1, 0), $3, true, $3
			  FROM task_items WHERE practice_id = $1 AND task_id = $2 AND stage = 1
			RETURNING id`, p.ID, taskID, words).Scan(&itemID); err != nil {
			return fmt.Errorf("add the client's item: %w", err)
		}
		if err := practice.Audit(ctx, tx, p.ID, actor.ID, "task.add_item", "task", taskID, map[string]any{
			"item": itemID, "stage": 1, "text": words, "mandatory": true, "client_request": words}); err != nil {
			return err
		}
		if queue == nil {
			return nil
		}
		return queue(tx, t, itemID)
	})
	if err != nil {
		return t, 0, err
	}
	return t, itemID, nil
}

// LockTask reads a task, with its checklist, and locks it in tx until tx
// ends, for a change another package makes to the pack (a query to the
// client) that must see it as it stands.
func LockTask(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, taskID int64) (Task, error) {
	return loadTask(ctx, tx, pid, taskID, true)
}
