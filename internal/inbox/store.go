package inbox

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// RenderReceived names the renderer (bot/inbox) of the direct message
// that tells a pack's preparer a document arrived by email: its subject is
// ("document", id, "received").
const RenderReceived = "inbox.received"

// inlineLogoBytes: an inline image smaller than this (a signature's logo)
// is not kept.
const inlineLogoBytes = 20 << 10

// Delivery is what Deliver did with a message.
type Delivery struct {
	ID        int64 // the inbox_messages row; 0 for a message already delivered
	Duplicate bool  // its Message-ID was delivered before: nothing was kept again
	Route           // its client (0: it waits in /inbox)
	Documents []int64
	Ticked    []int64  // the requested items it ticked
	Skipped   []string // files not kept: kinds the portal does not take
}

// kept is an attachment the inbox keeps.
type kept struct {
	Name, ContentType, Key string
	Size                   int64
	Sum                    []byte
	Data                   []byte // nil: its bytes are stored under Key already
	AttachmentID           int64  // its inbox_attachments row, when it waits there
}

// sortFiles keeps the attachments of the kinds the portal takes; the names
// of the others are skipped. A signature's small inline image is dropped
// unnamed.
func sortFiles(atts []Attachment) (keep []kept, skipped []string) {
	for _, a := range atts {
		ct, ok := portal.SniffType(a.Name, a.Data)
		if ok && a.Inline && len(a.Data) < inlineLogoBytes && len(ct) > 6 && ct[:6] == "image/" {
			continue
		}
		if !ok {
			skipped = append(skipped, a.Name)
			continue
		}
		sum := sha256.Sum256(a.Data)
		keep = append(keep, kept{Name: a.Name, ContentType: ct, Key: portal.NewStorageKey(), Size: int64(len(a.Data)), Sum: sum[:], Data: a.Data})
	}
	return keep, skipped
}

// Deliver keeps one parsed message for practice pid, in one transaction:
// routed to a client (tag is the recipient's plus tag), its files become
// the client's documents, matched to requested items and ticking them when
// the sender is the client's contact; otherwise it waits in /inbox with its
// files. A Message-ID delivered before keeps nothing.
func Deliver(ctx context.Context, q db.DB, blobs portal.Blobs, pid atlas.PracticeID, tag string, p Parsed, now time.Time) (Delivery, error) {
	if blobs == nil {
		blobs = portal.PGBlobs{}
	}
	var d Delivery
	err := db.InTx(ctx, q, func(tx pgx.Tx) error {
		d = Delivery{}
		r, err := route(ctx, tx, pid, tag, p.From, p.Subject)
		if err != nil {
			return err
		}
		files, skipped := sortFiles(p.Attachments)
		d.Route, d.Skipped = r, skipped
		status := "pending"
		var entity, contact any
		if r.EntityID != 0 {
			status, entity = "filed", r.EntityID
		}
		if r.ContactID != 0 {
			contact = r.ContactID
		}
		var msgID any
		if p.MessageID != "" {
			msgID = p.MessageID
		}
		if skipped == nil {
			skipped = []string{}
		}
		err = tx.QueryRow(ctx, `INSERT INTO inbox_messages (practice_id, message_id, from_address, from_name, subject, snippet,
				received_at, status, entity_id, contact_id, skipped)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (practice_id, message_id) WHERE message_id IS NOT NULL DO NOTHING RETURNING id`,
			pid, msgID, p.From, p.FromName, p.Subject, p.Snippet, now, status, entity, contact, skipped).Scan(&d.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			d.Duplicate = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("inbox: record a message: %w", err)
		}
		if r.EntityID != 0 {
			d.Documents, d.Ticked, err = file(ctx, tx, blobs, filing{pid: pid, entity: r.EntityID, contact: r.ContactID,
				subject: p.Subject, now: now}, files)
			return err
		}
		for _, f := range files {
			if err := blobs.Put(ctx, tx, f.Key, f.Data); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO inbox_attachments (practice_id, message_id, file_name, content_type, size, sha256, storage_key)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, pid, d.ID, f.Name, f.ContentType, f.Size, f.Sum, f.Key); err != nil {
				return fmt.Errorf("inbox: keep an attachment: %w", err)
			}
		}
		return nil
	})
	return d, err
}

// filing is where files go: a client, the contact who sent them (0: not
// one of the client's), the member assigning them from /inbox (0:
// delivered as they came), the item they were assigned to (0: matched by
// name), and the message's subject.
type filing struct {
	pid     atlas.PracticeID
	entity  int64
	contact int64
	actor   atlas.MemberID
	item    int64
	subject string
	now     time.Time
}

// pack is an open pack of the client.
type pack struct {
	period   time.Time
	preparer string // Slack user id; "" without one
}

// file makes files documents of the client (source 'inbox').
//
// Each file goes to the client's open pack (a task not yet delivered): the
// item it was assigned to, or else the requested item still open whose
// keywords its name (or the subject) carries (matchItem). Only mail from a
// contact of the client, or a member's assignment, ticks that item; mail
// from anyone else is kept for the pack without an item ("unsorted"). A file
// matched to no item goes to the oldest open pack with a requested item
// still open, or else the latest open pack, or else to no pack at all.
// Ticking moves the pack's progress; each document of a pack with a
// preparer queues the preparer's DM.
func file(ctx context.Context, tx pgx.Tx, blobs portal.Blobs, f filing, files []kept) (docs, ticked []int64, err error) {
	packs := map[int64]pack{}
	var latest int64
	rows, err := tx.Query(ctx, `SELECT t.id, t.period, coalesce(m.slack_user_id, '') FROM tasks t
		LEFT JOIN members m ON m.practice_id = t.practice_id AND m.id = t.preparer_id
		WHERE t.practice_id = $1 AND t.entity_id = $2 AND t.completed_at IS NULL ORDER BY t.period, t.id`, f.pid, f.entity)
	if err != nil {
		return nil, nil, fmt.Errorf("inbox: read the client's packs: %w", err)
	}
	for rows.Next() {
		var id int64
		var p pack
		if err := rows.Scan(&id, &p.period, &p.preparer); err != nil {
			rows.Close()
			return nil, nil, err
		}
		packs[id], latest = p, id
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var items []openItem
	rows, err = tx.Query(ctx, `SELECT ti.id, ti.task_id, ti.text, ti.client_request FROM task_items ti
		JOIN tasks t ON t.practice_id = ti.practice_id AND t.id = ti.task_id
		WHERE t.practice_id = $1 AND t.entity_id = $2 AND t.completed_at IS NULL
		  AND ti.client_request IS NOT NULL AND ti.done_at IS NULL
		ORDER BY t.period, t.id, ti.stage, ti.position, ti.id`, f.pid, f.entity)
	if err != nil {
		return nil, nil, fmt.Errorf("inbox: read the requested items: %w", err)
	}
	for rows.Next() {
		var it openItem
		var text, asked string
		if err := rows.Scan(&it.ID, &it.TaskID, &text, &asked); err != nil {
			rows.Close()
			return nil, nil, err
		}
		it.Keywords = itemKeywords(text, asked)
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	defaultTask := latest
	if len(items) > 0 {
		defaultTask = items[0].TaskID
	}
	var chosenTask int64
	if f.item != 0 {
		var period time.Time
		var preparer string
		err := tx.QueryRow(ctx, `SELECT t.id, t.period, coalesce(m.slack_user_id, '') FROM task_items ti
			JOIN tasks t ON t.practice_id = ti.practice_id AND t.id = ti.task_id
			LEFT JOIN members m ON m.practice_id = t.practice_id AND m.id = t.preparer_id
			WHERE ti.practice_id = $1 AND ti.id = $2 AND t.entity_id = $3 AND ti.client_request IS NOT NULL`,
			f.pid, f.item, f.entity).Scan(&chosenTask, &period, &preparer)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil, atlas.Errorf(atlas.EInvalid, "That item is not one this client was asked for: pick another, or none.")
		}
		if err != nil {
			return nil, nil, fmt.Errorf("inbox: read the item: %w", err)
		}
		packs[chosenTask] = pack{period: period, preparer: preparer}
	}

	tick := map[int64]int64{} // item → its task
	for _, fl := range files {
		task, item := defaultTask, int64(0)
		switch {
		case f.item != 0:
			task, item = chosenTask, f.item
		default:
			if i := matchItem(items, fl.Name, f.subject); i >= 0 && f.contact != 0 {
				task, item = items[i].TaskID, items[i].ID
			} else if i >= 0 {
				task = items[i].TaskID
			}
		}
		if fl.Data != nil {
			if err := blobs.Put(ctx, tx, fl.Key, fl.Data); err != nil {
				return nil, nil, err
			}
		}
		var period, taskID, itemID, contactID, memberID any
		if task != 0 {
			period, taskID = packs[task].period, task
		}
		if item != 0 {
			itemID = item
			tick[item] = task
		}
		if f.contact != 0 {
			contactID = f.contact
		}
		if f.actor != 0 && f.contact == 0 {
			memberID = f.actor
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO documents (practice_id, entity_id, period, task_id, task_item_id, source, contact_id,
				member_id, file_name, content_type, size, sha256, storage_key, uploaded_at)
			VALUES ($1, $2, $3, $4, $5, 'inbox', $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			f.pid, f.entity, period, taskID, itemID, contactID, memberID, fl.Name, fl.ContentType, fl.Size, fl.Sum, fl.Key, f.now).Scan(&id); err != nil {
			return nil, nil, fmt.Errorf("inbox: record a document: %w", err)
		}
		docs = append(docs, id)
		if fl.AttachmentID != 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM inbox_attachments WHERE practice_id = $1 AND id = $2`, f.pid, fl.AttachmentID); err != nil {
				return nil, nil, fmt.Errorf("inbox: move an attachment: %w", err)
			}
		}
		if p := packs[task]; task != 0 && p.preparer != "" {
			if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(f.pid), Channel: p.preparer, Render: RenderReceived,
				Subject: outbox.Subject{Type: "document", ID: id, Purpose: "received"}}); err != nil {
				return nil, nil, err
			}
		}
	}
	var tasks []int64
	for item, task := range tick {
		var tag interface{ RowsAffected() int64 }
		var err error
		if f.contact != 0 {
			tag, err = tx.Exec(ctx, `UPDATE task_items SET done_at = $3, received_at = $3, received_by = $4
				WHERE practice_id = $1 AND id = $2 AND done_at IS NULL`, f.pid, item, f.now, f.contact)
		} else {
			tag, err = tx.Exec(ctx, `UPDATE task_items SET done_at = $3, done_by = $4
				WHERE practice_id = $1 AND id = $2 AND done_at IS NULL`, f.pid, item, f.now, f.actor)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("inbox: tick an item: %w", err)
		}
		if tag.RowsAffected() > 0 {
			ticked = append(ticked, item)
			tasks = append(tasks, task)
		}
	}
	if len(tasks) > 0 {
		if err := workflow.RefreshProgress(ctx, tx, f.pid, tasks, f.now); err != nil {
			return nil, nil, err
		}
	}
	return docs, ticked, nil
}

// Pending is a message waiting in /inbox.
type Pending struct {
	ID         int64
	From       string
	FromName   string
	Subject    string
	Snippet    string
	ReceivedAt time.Time
	Files      []File
	Skipped    []string
}

// File is one of a pending message's files.
type File struct {
	Name string
	Size int64
}

// PendingMessages lists up to limit messages waiting in /inbox, the
// oldest first, and how many wait in all.
func PendingMessages(ctx context.Context, q db.DB, pid atlas.PracticeID, limit int) ([]Pending, int, error) {
	var total int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM inbox_messages WHERE practice_id = $1 AND status = 'pending'`, pid).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("inbox: count the pending mail: %w", err)
	}
	rows, err := q.Query(ctx, `SELECT m.id, m.from_address, m.from_name, m.subject, m.snippet, m.received_at, m.skipped,
			coalesce(array_agg(a.file_name ORDER BY a.id) FILTER (WHERE a.id IS NOT NULL), '{}'),
			coalesce(array_agg(a.size ORDER BY a.id) FILTER (WHERE a.id IS NOT NULL), '{}')
		FROM inbox_messages m
		LEFT JOIN inbox_attachments a ON a.practice_id = m.practice_id AND a.message_id = m.id
		WHERE m.practice_id = $1 AND m.status = 'pending'
		GROUP BY m.id ORDER BY m.received_at, m.id LIMIT $2`, pid, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("inbox: list the pending mail: %w", err)
	}
	defer rows.Close()
	var out []Pending
	for rows.Next() {
		var p Pending
		var names []string
		var sizes []int64
		if err := rows.Scan(&p.ID, &p.From, &p.FromName, &p.Subject, &p.Snippet, &p.ReceivedAt, &p.Skipped, &names, &sizes); err != nil {
			return nil, 0, err
		}
		for i := range names {
			p.Files = append(p.Files, File{Name: names[i], Size: sizes[i]})
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

// PendingMessage reads one message still waiting; ENotFound once it was
// assigned or discarded (or was never there).
func PendingMessage(ctx context.Context, q db.DB, pid atlas.PracticeID, id int64) (Pending, error) {
	var p Pending
	err := q.QueryRow(ctx, `SELECT id, from_address, from_name, subject, snippet, received_at, skipped FROM inbox_messages
		WHERE practice_id = $1 AND id = $2 AND status = 'pending'`, pid, id).
		Scan(&p.ID, &p.From, &p.FromName, &p.Subject, &p.Snippet, &p.ReceivedAt, &p.Skipped)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, errGone
	}
	if err != nil {
		return p, fmt.Errorf("inbox: read message %d: %w", id, err)
	}
	return p, nil
}

var errGone = atlas.Errorf(atlas.ENotFound, "That email is no longer waiting: someone has assigned or discarded it. `/inbox` lists what still waits.")

// Assigned is what Assign did.
type Assigned struct {
	Documents int
	Ticked    int
}

// Assign files a pending message's attachments as documents of the client
// (and of the requested item, when one is picked, which it ticks), and
// marks it assigned, audited. A sender who is one of the client's contacts
// is recorded as such (and ticks as the client); otherwise the member
// assigning it does.
func Assign(ctx context.Context, q db.DB, pid atlas.PracticeID, id, entityID, itemID int64, actor atlas.MemberID, now time.Time) (Assigned, error) {
	var a Assigned
	err := db.InTx(ctx, q, func(tx pgx.Tx) error {
		var from, subject string
		err := tx.QueryRow(ctx, `SELECT from_address, subject FROM inbox_messages
			WHERE practice_id = $1 AND id = $2 AND status = 'pending' FOR UPDATE`, pid, id).Scan(&from, &subject)
		if errors.Is(err, pgx.ErrNoRows) {
			return errGone
		}
		if err != nil {
			return fmt.Errorf("inbox: read message %d: %w", id, err)
		}
		var archived bool
		err = tx.QueryRow(ctx, `SELECT archived_at IS NOT NULL FROM entities WHERE practice_id = $1 AND id = $2`, pid, entityID).Scan(&archived)
		if errors.Is(err, pgx.ErrNoRows) || archived {
			return atlas.Errorf(atlas.EInvalid, "Pick a current client.")
		}
		if err != nil {
			return err
		}
		var contact int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(min(id), 0) FROM client_contacts WHERE practice_id = $1 AND entity_id = $2 AND lower(email) = lower($3)`,
			pid, entityID, from).Scan(&contact); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, file_name, content_type, size, sha256, storage_key FROM inbox_attachments
			WHERE practice_id = $1 AND message_id = $2 ORDER BY id`, pid, id)
		if err != nil {
			return err
		}
		var files []kept
		for rows.Next() {
			var k kept
			if err := rows.Scan(&k.AttachmentID, &k.Name, &k.ContentType, &k.Size, &k.Sum, &k.Key); err != nil {
				rows.Close()
				return err
			}
			files = append(files, k)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		docs, ticked, err := file(ctx, tx, portal.PGBlobs{}, filing{pid: pid, entity: entityID, contact: contact, actor: actor,
			item: itemID, subject: subject, now: now}, files)
		if err != nil {
			return err
		}
		a = Assigned{Documents: len(docs), Ticked: len(ticked)}
		var contactID any
		if contact != 0 {
			contactID = contact
		}
		if _, err := tx.Exec(ctx, `UPDATE inbox_messages SET status = 'assigned', entity_id = $3, contact_id = $4, decided_by = $5, decided_at = $6
			WHERE practice_id = $1 AND id = $2`, pid, id, entityID, contactID, actor, now); err != nil {
			return fmt.Errorf("inbox: assign message %d: %w", id, err)
		}
		return practice.Audit(ctx, tx, pid, actor, "inbox.assigned", "inbox_message", id,
			map[string]any{"entity_id": entityID, "item_id": itemID, "documents": docs})
	})
	return a, err
}

// Discard throws a pending message away with its files' bytes, audited.
func Discard(ctx context.Context, q db.DB, blobs portal.Blobs, pid atlas.PracticeID, id int64, actor atlas.MemberID, now time.Time) error {
	if blobs == nil {
		blobs = portal.PGBlobs{}
	}
	return db.InTx(ctx, q, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE inbox_messages SET status = 'discarded', decided_by = $3, decided_at = $4
			WHERE practice_id = $1 AND id = $2 AND status = 'pending'`, pid, id, actor, now)
		if err != nil {
			return fmt.Errorf("inbox: discard message %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return errGone
		}
		rows, err := tx.Query(ctx, `DELETE FROM inbox_attachments WHERE practice_id = $1 AND message_id = $2 RETURNING storage_key`, pid, id)
		if err != nil {
			return err
		}
		keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := blobs.Delete(ctx, tx, k); err != nil {
				return err
			}
		}
		return practice.Audit(ctx, tx, pid, actor, "inbox.discarded", "inbox_message", id, map[string]any{"files": len(keys)})
	})
}

// Item is a requested item of a client's open pack, for the assign form.
type Item struct {
	ID     int64
	Text   string
	Period atlas.Period
	Done   bool
}

// ClientItems lists the requested items of the client's open packs, the
// oldest pack first (at most limit).
func ClientItems(ctx context.Context, q db.DB, pid atlas.PracticeID, entityID int64, limit int) ([]Item, error) {
	rows, err := q.Query(ctx, `SELECT ti.id, ti.text, t.period, ti.done_at IS NOT NULL FROM task_items ti
		JOIN tasks t ON t.practice_id = ti.practice_id AND t.id = ti.task_id
		WHERE t.practice_id = $1 AND t.entity_id = $2 AND t.completed_at IS NULL AND ti.client_request IS NOT NULL
		ORDER BY t.period, t.id, ti.stage, ti.position, ti.id LIMIT $3`, pid, entityID, limit)
	if err != nil {
		return nil, fmt.Errorf("inbox: list the client's items: %w", err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		var period time.Time
		if err := rows.Scan(&it.ID, &it.Text, &period, &it.Done); err != nil {
			return nil, err
		}
		it.Period = atlas.PeriodOf(period)
		out = append(out, it)
	}
	return out, rows.Err()
}

// Local is the practice's inbox local part ("" when none is set).
func Local(ctx context.Context, q db.DB, pid atlas.PracticeID) (string, error) {
	var local *string
	if err := q.QueryRow(ctx, `SELECT inbox_local FROM practices WHERE id = $1`, pid).Scan(&local); err != nil {
		return "", fmt.Errorf("inbox: read the inbox address: %w", err)
	}
	if local == nil {
		return "", nil
	}
	return *local, nil
}

// SetLocal sets the local part of the practice's inbox address ("docs" in
// docs@in.example.com); one another practice has is refused.
func SetLocal(ctx context.Context, q db.DB, pid atlas.PracticeID, actor atlas.MemberID, local string) error {
	if !localRE.MatchString(local) {
		return atlas.Errorf(atlas.EInvalid, "An inbox name is lower-case letters, digits, dots, dashes and underscores (at most 64), such as `docs`.")
	}
	return db.InTx(ctx, q, func(tx pgx.Tx) error {
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM practices WHERE inbox_local = $1 AND id <> $2)`, local, pid).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return atlas.Errorf(atlas.EConflict, "Another practice's inbox is called %s: pick another name.", local)
		}
		if _, err := tx.Exec(ctx, `UPDATE practices SET inbox_local = $2 WHERE id = $1`, pid, local); err != nil {
			return fmt.Errorf("inbox: set the inbox address: %w", err)
		}
		return practice.Audit(ctx, tx, pid, actor, "inbox.address_set", "practice", 0, map[string]any{"local": local})
	})
}

// localRE is an inbox name, as practices.inbox_local's check has it.
var localRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
