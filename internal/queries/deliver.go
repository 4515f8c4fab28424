package queries

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// PackFile is one of the practice's files for a pack, which may be marked
// part of the pack that is delivered to the client.
type PackFile struct {
	ID        int64
	Name      string
	Size      int64
	InPack    bool
	Delivered bool
}

// PackFiles lists the practice's files of a pack (source 'practice'),
// oldest first.
func PackFiles(ctx context.Context, q db.DB, pid atlas.PracticeID, taskID int64) ([]PackFile, error) {
	rows, err := q.Query(ctx, `SELECT id, file_name, size, in_pack, delivery_id IS NOT NULL FROM documents
		WHERE practice_id = $1 AND task_id = $2 AND source = 'practice' ORDER BY uploaded_at, id`, pid, taskID)
	if err != nil {
		return nil, fmt.Errorf("queries: read the pack's files: %w", err)
	}
	var out []PackFile
	var f PackFile
	if _, err := pgx.ForEachRow(rows, []any{&f.ID, &f.Name, &f.Size, &f.InPack, &f.Delivered}, func() error {
		out = append(out, f)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("queries: read the pack's files: %w", err)
	}
	return out, nil
}

// SetInPack marks one of the practice's files of a pack part of the pack
// (or not), for whoever may move the pack, until it is delivered. It
// returns the pack's task id.
func SetInPack(ctx context.Context, q db.DB, p practice.Practice, actor practice.Member, docID int64, in bool) (int64, error) {
	var taskID int64
	err := db.InTx(ctx, q, func(tx pgx.Tx) error {
		var source string
		var task *int64
		if err := tx.QueryRow(ctx, `SELECT task_id, source FROM documents WHERE practice_id = $1 AND id = $2`, p.ID, docID).Scan(&task, &source); err != nil {
			return db.MapError(err, "That file is no longer there.")
		}
		if task == nil || source != "practice" {
			return atlas.Errorf(atlas.EInvalid, "Only the practice's own files of a pack can be part of what is delivered.")
		}
		taskID = *task
		t, err := workflow.LockTask(ctx, tx, p.ID, taskID)
		if err != nil {
			return err
		}
		switch {
		case !t.MayMove(actor):
			return atlas.Errorf(atlas.EForbidden, "Only the preparer (%s), the reviewer (%s), the client's manager or a partner can choose what is delivered.", t.PreparerName, t.ReviewerName)
		case t.CompletedAt != nil:
			return atlas.Errorf(atlas.EConflict, "The pack has been delivered, so what it holds cannot change.")
		}
		if _, err := tx.Exec(ctx, `UPDATE documents SET in_pack = $3 WHERE practice_id = $1 AND id = $2`, p.ID, docID, in); err != nil {
			return fmt.Errorf("queries: mark the file: %w", err)
		}
		return practice.Audit(ctx, tx, p.ID, actor.ID, "task.pack_file", "task", taskID, map[string]any{"document": docID, "in_pack": in})
	})
	return taskID, err
}

// DeliverOptions are what a delivery needs beyond the pack.
type DeliverOptions struct {
	Practice practice.Practice
	Actor    practice.Member
	// OverrideNote delivers past open queries: only the reviewer (or a
	// partner) may, and the note is kept on the queries and the delivery.
	OverrideNote string
	// Signer and PortalURL make the contacts' portal links; without them a
	// client whose delivery method is the portal (or both) is refused.
	Signer    requests.Linker
	PortalURL string
	Now       time.Time
}

// Delivered is what a delivery sent.
type Delivered struct {
	ID         int64
	Method     string
	Files      []string
	Recipients []string
	Overridden int // open queries delivered past
}

// Deliver sends pack t to its client, in tx (workflow's DeliverWith, the
// pack locked): it refuses, before anything changes, a pack with no file
// marked part of it, a pack with an open query (unless the reviewer
// overrides with a note), and a client with no contact to send it to.
// Otherwise it publishes the marked files in the portal, records the
// delivery and queues one email job per contact.
func Deliver(ctx context.Context, tx pgx.Tx, t workflow.Task, o DeliverOptions) (Delivered, error) {
	var d Delivered
	pid := o.Practice.ID
	note := strings.TrimSpace(o.OverrideNote)
	if utf8.RuneCountInString(note) > MaxNote {
		return d, atlas.FieldError(FieldNote, "Keep the note to %d characters.", MaxNote)
	}
	files, err := PackFiles(ctx, tx, pid, t.ID)
	if err != nil {
		return d, err
	}
	var docs []int64
	for _, f := range files {
		if f.InPack {
			docs = append(docs, f.ID)
			d.Files = append(d.Files, f.Name)
		}
	}
	if len(docs) == 0 {
		return d, atlas.Errorf(atlas.EConflict, "Nothing is marked to deliver. Tick *Part of the pack* beside the management accounts under *The pack for the client* in the task window, then press *Deliver*.")
	}
	qs, err := ForTask(ctx, tx, pid, t.ID)
	if err != nil {
		return d, err
	}
	var open []int64
	var first string
	for _, q := range qs {
		if q.Open() {
			if first == "" {
				first = q.Text
			}
			open = append(open, q.ID)
		}
	}
	if len(open) > 0 {
		switch {
		case note == "":
			return d, atlas.Errorf(atlas.EConflict, "%d %s to the client %s still open (“%s”). Wait for the answer, or the reviewer can deliver anyway with a note.",
				len(open), plural(len(open), "query", "queries"), plural(len(open), "is", "are"), clip(first, 80))
		case !t.MayReview(o.Actor, o.Practice):
			return d, atlas.Errorf(atlas.EForbidden, "Only the reviewer (%s) or a partner can deliver past an open query.", t.ReviewerName)
		}
	} else {
		note = ""
	}
	contacts, err := requests.Contacts(ctx, tx, pid, t.EntityID)
	if err != nil {
		return d, err
	}
	if len(contacts) == 0 {
		return d, atlas.Errorf(atlas.EInvalid, "%s has no contact to deliver the pack to. Add one in the client form (`/atlas clients edit %s`), then deliver.", t.EntityCode, t.EntityCode)
	}
	if err := tx.QueryRow(ctx, `SELECT delivery_method FROM entities WHERE practice_id = $1 AND id = $2`, pid, t.EntityID).Scan(&d.Method); err != nil {
		return d, fmt.Errorf("queries: read the delivery method: %w", err)
	}
	link := d.Method != "email"
	if link && (o.Signer == nil || o.PortalURL == "") {
		return d, atlas.Errorf(atlas.EInvalid, "%s takes its pack through the client portal, which is not set up (PORTAL_URL and PORTAL_SECRET).", t.EntityCode)
	}
	ids := make([]int64, len(contacts))
	for i, c := range contacts {
		ids[i] = c.ID
		d.Recipients = append(d.Recipients, c.Email)
	}
	var noteArg any
	if note != "" {
		noteArg = note
	}
	if err := tx.QueryRow(ctx, `INSERT INTO pack_deliveries (practice_id, task_id, delivered_at, delivered_by, method, documents, file_names,
			contacts, recipients, override_note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		pid, t.ID, o.Now, int64(o.Actor.ID), d.Method, docs, d.Files, ids, d.Recipients, noteArg).Scan(&d.ID); err != nil {
		return d, db.MapError(err, "")
	}
	if _, err := tx.Exec(ctx, `UPDATE documents SET delivery_id = $3 WHERE practice_id = $1 AND id = ANY($2)`, pid, docs, d.ID); err != nil {
		return d, fmt.Errorf("queries: publish the pack's files: %w", err)
	}
	if len(open) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE queries SET overridden_at = $3, overridden_by = $4, override_note = $5
			WHERE practice_id = $1 AND id = ANY($2)`, pid, open, o.Now, int64(o.Actor.ID), note); err != nil {
			return d, fmt.Errorf("queries: record the override: %w", err)
		}
		d.Overridden = len(open)
	}
	if link {
		err = requests.QueueLinked(ctx, tx, o.Signer, pid, contacts, o.Now, func(c requests.Contact, linkID int64) river.JobArgs {
			return DeliveryArgs{Practice: string(pid), DeliveryID: d.ID, ContactID: c.ID, LinkID: linkID}
		})
	} else {
		params := make([]river.InsertManyParams, 0, len(contacts))
		for _, c := range contacts {
			params = append(params, river.InsertManyParams{Args: DeliveryArgs{Practice: string(pid), DeliveryID: d.ID, ContactID: c.ID}})
		}
		err = jobs.InsertManyTx(ctx, tx, params)
	}
	if err != nil {
		return d, fmt.Errorf("queries: queue the delivery emails: %w", err)
	}
	return d, practice.Audit(ctx, tx, pid, o.Actor.ID, AuditDeliver, "task", t.ID, map[string]any{
		"delivery": d.ID, "method": d.Method, "files": d.Files, "recipients": d.Recipients, "override_note": note, "overridden": open})
}

// Delivery is a pack's delivery as the task window shows it.
type Delivery struct {
	At         time.Time
	By         string
	Method     string
	Files      []string
	Recipients []string
	Note       string
}

// DeliveryOf reads a pack's delivery; ok is false when it has none.
func DeliveryOf(ctx context.Context, q db.DB, pid atlas.PracticeID, taskID int64) (Delivery, bool, error) {
	var d Delivery
	err := q.QueryRow(ctx, `SELECT pd.delivered_at, coalesce(m.name, ''), pd.method, pd.file_names, pd.recipients, coalesce(pd.override_note, '')
		FROM pack_deliveries pd LEFT JOIN members m ON m.practice_id = pd.practice_id AND m.id = pd.delivered_by
		WHERE pd.practice_id = $1 AND pd.task_id = $2`, pid, taskID).Scan(&d.At, &d.By, &d.Method, &d.Files, &d.Recipients, &d.Note)
	if err == pgx.ErrNoRows {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("queries: read the delivery: %w", err)
	}
	return d, true, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
