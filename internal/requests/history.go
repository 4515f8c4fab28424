package requests

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Sent is one request emailed to a pack's client: the month's request
// (Step 0), a reminder, or one asked ad hoc from the task window (AdHoc,
// by a member).
type Sent struct {
	At    time.Time
	Step  int
	Items []string // the client's wording of what was asked for
	AdHoc bool
	By    string // who asked, for an ad-hoc request ("" when Atlas did, or they left)
}

// Document is a file sent for a pack.
type Document struct {
	ID   int64
	Name string
	Size int64
	From string // the contact or member who sent it ("" when unknown)
	At   time.Time
	Item string // the text of the item it answers ("" for none)
}

// History is what was asked of a pack's client, and the files sent for
// it.
type History struct {
	Sent      []Sent     // oldest first
	Documents []Document // newest first, at most the number asked for
	// DocumentsTotal counts all the pack's documents.
	DocumentsTotal int
}

// packDocuments picks the documents of pack $2, through its client's
// index.
const packDocuments = `d.practice_id = $1 AND d.task_id = $2
	AND d.entity_id = (SELECT t.entity_id FROM tasks t WHERE t.practice_id = $1 AND t.id = $2)`

// ReadHistory reads a pack's requests, reminders and ad-hoc requests, and
// up to maxDocuments of its documents.
func ReadHistory(ctx context.Context, q db.DB, pid atlas.PracticeID, taskID int64, maxDocuments int) (History, error) {
	var h History
	rows, err := q.Query(ctx, `
		SELECT sent_at, step, items, false, '' FROM document_requests WHERE practice_id = $1 AND task_id = $2
		UNION ALL
		SELECT coalesce((a.data->>'at')::timestamptz, a.at), 0, ARRAY[a.data->>'words'], true, coalesce(m.name, '')
		  FROM audit_events a LEFT JOIN members m ON m.practice_id = a.practice_id AND m.id = a.actor_id
		 WHERE a.practice_id = $1 AND a.subject_type = 'task' AND a.subject_id = $2 AND a.action = '`+AuditAsk+`'
		ORDER BY 1, 2`, pid, taskID)
	if err != nil {
		return h, fmt.Errorf("requests: read the pack's requests: %w", err)
	}
	var s Sent
	if _, err := pgx.ForEachRow(rows, []any{&s.At, &s.Step, &s.Items, &s.AdHoc, &s.By}, func() error {
		h.Sent = append(h.Sent, s)
		return nil
	}); err != nil {
		return h, fmt.Errorf("requests: read the pack's requests: %w", err)
	}
	if err := q.QueryRow(ctx, `SELECT count(*) FROM documents d WHERE `+packDocuments, pid, taskID).
		Scan(&h.DocumentsTotal); err != nil {
		return h, fmt.Errorf("requests: count the pack's documents: %w", err)
	}
	if h.DocumentsTotal == 0 || maxDocuments <= 0 {
		return h, nil
	}
	rows, err = q.Query(ctx, `SELECT d.id, d.file_name, d.size, coalesce(c.name, m.name, ''), d.uploaded_at, coalesce(ti.text, '')
		FROM documents d
		LEFT JOIN client_contacts c ON c.practice_id = d.practice_id AND c.id = d.contact_id
		LEFT JOIN members m ON m.practice_id = d.practice_id AND m.id = d.member_id
		LEFT JOIN task_items ti ON ti.practice_id = d.practice_id AND ti.id = d.task_item_id
		WHERE `+packDocuments+`
		ORDER BY d.uploaded_at DESC, d.id DESC LIMIT $3`, pid, taskID, maxDocuments)
	if err != nil {
		return h, fmt.Errorf("requests: read the pack's documents: %w", err)
	}
	var d Document
	if _, err := pgx.ForEachRow(rows, []any{&d.ID, &d.Name, &d.Size, &d.From, &d.At, &d.Item}, func() error {
		h.Documents = append(h.Documents, d)
		return nil
	}); err != nil {
		return h, fmt.Errorf("requests: read the pack's documents: %w", err)
	}
	return h, nil
}
