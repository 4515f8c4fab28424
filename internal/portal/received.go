package portal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Received is a document a client sent, as the preparer's message tells
// it.
type Received struct {
	DocumentID int64
	FileName   string
	Client     string // the client's name
	Contact    string // who sent it
	Item       string // the item's text in the pack ("" when sent for none)
	TaskID     int64  // 0 when sent for no task
	Period     *atlas.Period
}

// ErrNoDocument is a document that is not there (any more).
var ErrNoDocument = errors.New("portal: no such document")

// ReceivedDocument reads document id for its message.
func ReceivedDocument(ctx context.Context, q db.DB, pid atlas.PracticeID, id int64) (Received, error) {
	var r Received
	var taskID *int64
	var period *time.Time
	err := q.QueryRow(ctx, `SELECT d.id, d.file_name, e.name, coalesce(c.name, ''), coalesce(ti.text, ''), d.task_id, d.period
		FROM documents d
		JOIN entities e ON e.practice_id = d.practice_id AND e.id = d.entity_id
		LEFT JOIN client_contacts c ON c.practice_id = d.practice_id AND c.id = d.contact_id
		LEFT JOIN task_items ti ON ti.practice_id = d.practice_id AND ti.id = d.task_item_id
		WHERE d.practice_id = $1 AND d.id = $2`, pid, id).Scan(&r.DocumentID, &r.FileName, &r.Client, &r.Contact, &r.Item, &taskID, &period)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNoDocument
	}
	if err != nil {
		return r, fmt.Errorf("portal: read document %d: %w", id, err)
	}
	if taskID != nil {
		r.TaskID = *taskID
	}
	if period != nil {
		p := atlas.PeriodOf(*period)
		r.Period = &p
	}
	return r, nil
}
