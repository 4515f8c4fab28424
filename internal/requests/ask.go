package requests

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// AuditAsk is the audit action of a request made ad hoc from a pack's
// task window. Its audit row is the request's record (with its email
// jobs): document_requests holds one row per pack and step, and its steps
// drive the daily job's reminders, so an ad-hoc request is not kept there.
const AuditAsk = "document_request.ask"

// Contact is one of a client's contacts who receive document requests.
type Contact struct {
	ID    int64
	Name  string
	Email string
}

// Contacts lists the contacts of a client who receive document requests.
func Contacts(ctx context.Context, q db.DB, pid atlas.PracticeID, entityID int64) ([]Contact, error) {
	return requestContacts(ctx, q, pid, entityID)
}

func requestContacts(ctx context.Context, q db.DB, pid atlas.PracticeID, entityID int64) ([]Contact, error) {
	rows, err := q.Query(ctx, `SELECT id, name, email FROM client_contacts
		WHERE practice_id = $1 AND entity_id = $2 AND receives_requests ORDER BY id`, pid, entityID)
	if err != nil {
		return nil, fmt.Errorf("requests: read contacts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Contact, error) {
		var c Contact
		err := r.Scan(&c.ID, &c.Name, &c.Email)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("requests: read contacts: %w", err)
	}
	return out, nil
}

// Asked is a request made ad hoc: the item asked for and the email jobs
// queued, one per contact.
type Asked struct {
	TaskID   int64
	ItemID   int64
	Words    string
	Contacts []int64
}

// AskNow asks a client at once for one item of its pack (an item with a
// client_request, not yet received nor ticked), from a member of the
// practice (actor): in tx it queues one email job per contact of the
// client who receives requests, listing just that item, each with a
// sign-in link made in tx, and records the request in the audit log
// (AuditAsk). The pack must be open and its client not archived; a client
// with no contact who receives requests is refused (EInvalid), and the
// caller's transaction should be rolled back.
func AskNow(ctx context.Context, tx pgx.Tx, signer Linker, portalURL string, pid atlas.PracticeID, actor atlas.MemberID,
	taskID, itemID int64, now time.Time) (Asked, error) {
	a := Asked{TaskID: taskID, ItemID: itemID}
	if signer == nil || portalURL == "" {
		return a, atlas.Errorf(atlas.EInvalid, "Atlas cannot email the client: the client portal is not set up (PORTAL_URL and PORTAL_SECRET).")
	}
	var entityID int64
	var code string
	var completed, archived *time.Time
	var words *string
	var done, received *time.Time
	err := tx.QueryRow(ctx, `SELECT t.entity_id, e.code, t.completed_at, e.archived_at, ti.client_request, ti.done_at, ti.received_at
		FROM tasks t
		JOIN entities e ON e.practice_id = t.practice_id AND e.id = t.entity_id
		JOIN task_items ti ON ti.practice_id = t.practice_id AND ti.task_id = t.id AND ti.id = $3
		WHERE t.practice_id = $1 AND t.id = $2`, pid, taskID, itemID).
		Scan(&entityID, &code, &completed, &archived, &words, &done, &received)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, atlas.Errorf(atlas.ENotFound, "That item is no longer in the pack.")
	}
	if err != nil {
		return a, fmt.Errorf("requests: read the item asked for: %w", err)
	}
	switch {
	case completed != nil:
		return a, atlas.Errorf(atlas.EConflict, "The pack was delivered, so nothing more is asked of the client.")
	case archived != nil:
		return a, atlas.Errorf(atlas.EConflict, "%s is archived, so Atlas does not email its contacts.", code)
	case words == nil:
		return a, atlas.Errorf(atlas.EInvalid, "That item is not asked of the client.")
	case done != nil || received != nil:
		return a, atlas.Errorf(atlas.EConflict, "That item is already in.")
	}
	a.Words = *words
	a.Contacts, err = queueTo(ctx, tx, pid, entityID, SendArgs{Practice: string(pid), TaskID: taskID, ItemID: itemID}, now, signer, portalURL)
	if err != nil {
		return a, err
	}
	if len(a.Contacts) == 0 {
		return a, atlas.Errorf(atlas.EInvalid, "%s has no contact who receives document requests. Add one in the client form (`/atlas clients edit %s`), then ask again.", code, code)
	}
	if err := practice.Audit(ctx, tx, pid, actor, AuditAsk, "task", taskID, map[string]any{
		"item": itemID, "words": a.Words, "contacts": a.Contacts, "at": now}); err != nil {
		return a, err
	}
	return a, nil
}
