// Package queries is what a pack's practice asks its client during review,
// and the pack's delivery to the client.
//
// A query is flagged from the task window (Flag) while the pack is in
// review: it is stored and, in the same transaction, one email job per
// contact who receives document requests is queued, each with a portal
// sign-in link. The contact answers in the portal (Answer), in words
// and/or with files, which become documents of the pack; the answer
// reaches the preparer as a direct message through the outbox
// (RenderAnswered). A pack is not delivered while a query is open, unless
// its reviewer overrides that with a note (deliver.go).
//
// Delivering (Deliver, run in the delivery's transaction) publishes the
// practice's files marked part of the pack (documents.in_pack) in the
// portal, records the delivery (pack_deliveries) and queues one email job
// per contact: the files attached, or a portal link, or both, by the
// client's delivery method (email.go).
package queries

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// MaxText is the longest query; MaxAnswer the longest answer in words;
// MaxNote the longest note that delivers past an open query.
const (
	MaxText   = 1000
	MaxAnswer = 5000
	MaxNote   = 1000
)

// Fields of the forms, named so that a refusal lands on its input.
const (
	FieldText = "query_text"
	FieldNote = "override_note"
)

// RenderAnswered names the renderer (bot/tasks) of the direct message that
// tells a pack's preparer the client answered a query: its subject is
// ("query", id, "answered").
const RenderAnswered = "queries.answered"

// AuditFlag, AuditDeliver are the audit actions of a query flagged and a
// pack delivered to its client.
const (
	AuditFlag    = "query.flag"
	AuditDeliver = "task.deliver_pack"
)

// Query is one question to a pack's client.
type Query struct {
	ID      int64
	TaskID  int64
	Text    string
	AskedBy string // the member's name
	AskedAt time.Time
	Answer  string // the answer in words ("" for none, or a file alone)
	// AnsweredBy is the contact who answered, when (AnsweredAt); "" and nil
	// while unanswered.
	AnsweredBy   string
	AnsweredAt   *time.Time
	Files        []File // the files sent with the answer
	ClosedAt     *time.Time
	OverriddenAt *time.Time
	OverrideNote string
	OverriddenBy string
}

// File is a document sent with an answer.
type File struct {
	ID   int64
	Name string
	Size int64
}

// Open reports whether the query still waits for its answer.
func (q Query) Open() bool { return q.AnsweredAt == nil && q.ClosedAt == nil && q.OverriddenAt == nil }

// openSQL is Query.Open in SQL, for the queries row q.
const openSQL = `(q.answered_at IS NULL AND q.closed_at IS NULL AND q.overridden_at IS NULL)`

// Flagged is a query just flagged and the contacts it was emailed to.
type Flagged struct {
	ID       int64
	Text     string
	Contacts []requests.Contact
}

// MayFlag says why actor may not flag a query on t, if they may not: who
// may move the pack may, while it is in review (sent for review, at stage
// 5, or approved and not yet delivered).
func MayFlag(t workflow.Task, actor practice.Member) error {
	switch {
	case !t.MayMove(actor):
		return atlas.Errorf(atlas.EForbidden, "Only the preparer (%s), the reviewer (%s), the client's manager or a partner can query the client about %s's %s pack.",
			t.PreparerName, t.ReviewerName, t.EntityCode, t.Period.Label())
	case t.CompletedAt != nil:
		return atlas.Errorf(atlas.EConflict, "%s's %s pack has been delivered, so it takes no more queries.", t.EntityCode, t.Period.Label())
	case !InReview(t):
		return atlas.Errorf(atlas.EConflict, "Queries to the client are raised during review: send the pack for review first.")
	}
	return nil
}

// InReview reports whether t is at review: sent for review, at stage 5, or
// approved and waiting for delivery.
func InReview(t workflow.Task) bool {
	return t.CompletedAt == nil && (t.ReviewState == workflow.ReviewRequested || t.ReviewState == workflow.ReviewApproved || t.Stage == 5)
}

// Flag raises a query on a pack for its client, in its own transaction:
// the query is stored and one email job per contact who receives document
// requests is queued, each with a sign-in link made in the transaction. A
// client with no such contact is refused, and nothing is stored.
func Flag(ctx context.Context, q db.DB, signer requests.Linker, portalURL string, p practice.Practice, actor practice.Member,
	taskID int64, text string, now time.Time) (Flagged, error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > MaxText {
		return Flagged{}, atlas.FieldError(FieldText, "Write the question for the client, in up to %d characters.", MaxText)
	}
	if signer == nil || portalURL == "" {
		return Flagged{}, atlas.Errorf(atlas.EInvalid, "Atlas cannot email the client: the client portal is not set up (PORTAL_URL and PORTAL_SECRET).")
	}
	f := Flagged{Text: text}
	err := db.InTx(ctx, q, func(tx pgx.Tx) error {
		t, err := workflow.LockTask(ctx, tx, p.ID, taskID)
		if err != nil {
			return err
		}
		if err := MayFlag(t, actor); err != nil {
			return err
		}
		if f.Contacts, err = requests.Contacts(ctx, tx, p.ID, t.EntityID); err != nil {
			return err
		}
		if len(f.Contacts) == 0 {
			return atlas.Errorf(atlas.EInvalid, "%s has no contact who receives document requests. Add one in the client form (`/atlas clients edit %s`), then ask again.",
				t.EntityCode, t.EntityCode)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO queries (practice_id, task_id, text, asked_by, asked_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			p.ID, taskID, text, int64(actor.ID), now).Scan(&f.ID); err != nil {
			return fmt.Errorf("queries: store the query: %w", err)
		}
		ids := make([]int64, 0, len(f.Contacts))
		if err := requests.QueueLinked(ctx, tx, signer, p.ID, f.Contacts, now, func(c requests.Contact, linkID int64) river.JobArgs {
			ids = append(ids, c.ID)
			return QueryArgs{Practice: string(p.ID), QueryID: f.ID, ContactID: c.ID, LinkID: linkID}
		}); err != nil {
			return fmt.Errorf("queries: queue emails: %w", err)
		}
		return practice.Audit(ctx, tx, p.ID, actor.ID, AuditFlag, "task", taskID, map[string]any{"query": f.ID, "text": text, "contacts": ids})
	})
	return f, err
}

// Target is a query a contact may answer, as the portal needs it.
type Target struct {
	ID     int64
	TaskID int64
	Period time.Time
	Open   bool
}

// ErrNoQuery is a query that is not the contact's client's.
var ErrNoQuery = errors.New("queries: no such query")

// Find is query id of the client entityID; another client's is
// ErrNoQuery.
func Find(ctx context.Context, q db.DB, pid atlas.PracticeID, entityID, id int64) (Target, error) {
	var t Target
	var completed *time.Time
	err := q.QueryRow(ctx, `SELECT q.id, q.task_id, t.period, `+openSQL+`, t.completed_at
		FROM queries q JOIN tasks t ON t.practice_id = q.practice_id AND t.id = q.task_id
		WHERE q.practice_id = $1 AND q.id = $2 AND t.entity_id = $3`, pid, id, entityID).Scan(&t.ID, &t.TaskID, &t.Period, &t.Open, &completed)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNoQuery
	}
	if err != nil {
		return t, fmt.Errorf("queries: read query %d: %w", id, err)
	}
	t.Open = t.Open && completed == nil
	return t, nil
}

// ErrAnswered is an answer to a query no longer open: answered already,
// closed, or its pack delivered.
var ErrAnswered = atlas.Errorf(atlas.EConflict, "This question has been answered or closed already.")

// Answer records contact's answer to query id in tx: words and/or the
// documents just stored for it (docs, which it links to the query), and
// queues the preparer's direct message. An empty answer is refused
// (EInvalid), and one to a query no longer open is ErrAnswered.
func Answer(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, contactID, entityID, id int64, text string, docs []int64, now time.Time) error {
	text = strings.TrimSpace(text)
	if text == "" && len(docs) == 0 {
		return atlas.Errorf(atlas.EInvalid, "Write an answer or choose a file, then press Send.")
	}
	if utf8.RuneCountInString(text) > MaxAnswer {
		return atlas.Errorf(atlas.EInvalid, "Please keep the answer to %d characters, or send it as a file.", MaxAnswer)
	}
	var taskID int64
	var preparer string
	err := tx.QueryRow(ctx, `UPDATE queries q SET answered_at = $5, answered_by = $4, answer_text = $6
		FROM tasks t LEFT JOIN members m ON m.practice_id = t.practice_id AND m.id = t.preparer_id
		WHERE q.practice_id = $1 AND q.id = $2 AND t.practice_id = q.practice_id AND t.id = q.task_id AND t.entity_id = $3
		  AND t.completed_at IS NULL AND `+openSQL+`
		RETURNING q.task_id, coalesce(m.slack_user_id, '')`, pid, id, entityID, contactID, now, text).Scan(&taskID, &preparer)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrAnswered
	}
	if err != nil {
		return fmt.Errorf("queries: record the answer: %w", err)
	}
	if len(docs) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE documents SET query_id = $2 WHERE practice_id = $1 AND id = ANY($3)`, pid, id, docs); err != nil {
			return fmt.Errorf("queries: link the answer's files: %w", err)
		}
	}
	if preparer == "" {
		return nil
	}
	return outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(pid), Channel: preparer, Render: RenderAnswered,
		Subject: outbox.Subject{Type: "query", ID: id, Purpose: "answered"}})
}

// Close closes an open query the practice no longer needs answered.
func Close(ctx context.Context, q db.DB, p practice.Practice, actor practice.Member, id int64, now time.Time) (int64, error) {
	var taskID int64
	err := db.InTx(ctx, q, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT task_id FROM queries WHERE practice_id = $1 AND id = $2`, p.ID, id).Scan(&taskID); err != nil {
			return db.MapError(err, "That query is no longer there.")
		}
		t, err := workflow.LockTask(ctx, tx, p.ID, taskID)
		if err != nil {
			return err
		}
		if !t.MayMove(actor) {
			return atlas.Errorf(atlas.EForbidden, "Only the preparer (%s), the reviewer (%s), the client's manager or a partner can close this query.", t.PreparerName, t.ReviewerName)
		}
		tag, err := tx.Exec(ctx, `UPDATE queries q SET closed_at = $3, closed_by = $4 WHERE q.practice_id = $1 AND q.id = $2 AND `+openSQL,
			p.ID, id, now, int64(actor.ID))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrAnswered
		}
		return practice.Audit(ctx, tx, p.ID, actor.ID, "query.close", "task", taskID, map[string]any{"query": id})
	})
	return taskID, err
}

const querySelect = `SELECT q.id, q.task_id, q.text, coalesce(am.name, ''), q.asked_at, q.answer_text, coalesce(c.name, ''), q.answered_at,
	q.closed_at, q.overridden_at, coalesce(q.override_note, ''), coalesce(om.name, '')
	FROM queries q
	LEFT JOIN members am ON am.practice_id = q.practice_id AND am.id = q.asked_by
	LEFT JOIN members om ON om.practice_id = q.practice_id AND om.id = q.overridden_by
	LEFT JOIN client_contacts c ON c.practice_id = q.practice_id AND c.id = q.answered_by`

func collect(ctx context.Context, q db.DB, pid atlas.PracticeID, rows pgx.Rows) ([]Query, error) {
	var out []Query
	var x Query
	if _, err := pgx.ForEachRow(rows, []any{&x.ID, &x.TaskID, &x.Text, &x.AskedBy, &x.AskedAt, &x.Answer, &x.AnsweredBy, &x.AnsweredAt,
		&x.ClosedAt, &x.OverriddenAt, &x.OverrideNote, &x.OverriddenBy}, func() error {
		out = append(out, x)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("queries: read queries: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	at := map[int64]int{}
	for i, x := range out {
		ids[i], at[x.ID] = x.ID, i
	}
	rows, err := q.Query(ctx, `SELECT query_id, id, file_name, size FROM documents WHERE practice_id = $1 AND query_id = ANY($2) ORDER BY id`, pid, ids)
	if err != nil {
		return nil, fmt.Errorf("queries: read the answers' files: %w", err)
	}
	var qid int64
	var f File
	if _, err := pgx.ForEachRow(rows, []any{&qid, &f.ID, &f.Name, &f.Size}, func() error {
		out[at[qid]].Files = append(out[at[qid]].Files, f)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("queries: read the answers' files: %w", err)
	}
	return out, nil
}

// ForTask lists a pack's queries, oldest first.
func ForTask(ctx context.Context, q db.DB, pid atlas.PracticeID, taskID int64) ([]Query, error) {
	rows, err := q.Query(ctx, querySelect+` WHERE q.practice_id = $1 AND q.task_id = $2 ORDER BY q.asked_at, q.id`, pid, taskID)
	if err != nil {
		return nil, fmt.Errorf("queries: read queries: %w", err)
	}
	return collect(ctx, q, pid, rows)
}

// ForPeriod lists the queries of a client's pack of one month, oldest
// first, as its portal page shows them.
func ForPeriod(ctx context.Context, q db.DB, pid atlas.PracticeID, entityID int64, period atlas.Period) ([]Query, error) {
	rows, err := q.Query(ctx, querySelect+` JOIN tasks t ON t.practice_id = q.practice_id AND t.id = q.task_id
		WHERE q.practice_id = $1 AND t.entity_id = $2 AND t.period = $3 ORDER BY q.asked_at, q.id`, pid, entityID, period.FirstDay())
	if err != nil {
		return nil, fmt.Errorf("queries: read queries: %w", err)
	}
	return collect(ctx, q, pid, rows)
}

// Answered is a query's answer, as the preparer's message tells it.
type Answered struct {
	Query
	Client string // the client's name
	Period atlas.Period
}

// ReadAnswered reads query id for the preparer's message; ErrNoQuery when
// it is gone.
func ReadAnswered(ctx context.Context, q db.DB, pid atlas.PracticeID, id int64) (Answered, error) {
	rows, err := q.Query(ctx, querySelect+` WHERE q.practice_id = $1 AND q.id = $2`, pid, id)
	if err != nil {
		return Answered{}, fmt.Errorf("queries: read query %d: %w", id, err)
	}
	qs, err := collect(ctx, q, pid, rows)
	if err != nil {
		return Answered{}, err
	}
	if len(qs) == 0 {
		return Answered{}, ErrNoQuery
	}
	a := Answered{Query: qs[0]}
	var period time.Time
	if err := q.QueryRow(ctx, `SELECT e.name, t.period FROM tasks t JOIN entities e ON e.practice_id = t.practice_id AND e.id = t.entity_id
		WHERE t.practice_id = $1 AND t.id = $2`, pid, a.TaskID).Scan(&a.Client, &period); err != nil {
		return a, fmt.Errorf("queries: read query %d's pack: %w", id, err)
	}
	a.Period = atlas.PeriodOf(period)
	return a, nil
}
