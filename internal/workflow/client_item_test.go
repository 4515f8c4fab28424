package workflow_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// A pack's people ask the client for a document ad hoc: a mandatory
// stage-1 item whose text is the client's wording, added last, the pack's
// progress moved back to stage 1, and the caller's queue run in the same
// transaction, whose refusal undoes it all.
func TestAskClientAddsAMandatoryStageOneItem(t *testing.T) {
	f := newFixture(t)
	f.assign(f.acme, workflow.AssignInput{})
	task := f.tickStages(f.task(f.acme), f.bea, 1)
	if task.Stage != 2 {
		t.Fatalf("stage %d after ticking stage 1", task.Stage)
	}
	before := task.ItemsTotal
	count := func() int {
		var n int
		if err := f.q.QueryRow(f.ctx, `SELECT count(*) FROM task_items WHERE practice_id = $1 AND task_id = $2`, f.p.ID, task.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	for _, words := range []string{"  ", strings.Repeat("x", workflow.MaxClientRequest+1)} {
		if _, _, err := f.ws.AskClient(f.ctx, f.p, f.bea, task.ID, words, f.now, nil); atlas.ErrorField(err) != workflow.FieldItemRequest {
			t.Fatalf("words %q: %v", words[:min(len(words), 10)], err)
		}
	}
	if _, _, err := f.ws.AskClient(f.ctx, f.p, f.otto, task.ID, "Your VAT return", f.now, nil); atlas.ErrorCode(err) != atlas.EForbidden {
		t.Fatalf("an outsider asked: %v", err)
	}
	refusal := atlas.Errorf(atlas.EInvalid, "no contact")
	if _, _, err := f.ws.AskClient(f.ctx, f.p, f.bea, task.ID, "Your VAT return", f.now, func(pgx.Tx, workflow.Task, int64) error { return refusal }); !errors.Is(err, refusal) {
		t.Fatalf("the queue's refusal: %v", err)
	}
	if n := count(); n != before {
		t.Fatalf("refused asks left %d items, want %d", n, before)
	}

	var queued int64
	got, id, err := f.ws.AskClient(f.ctx, f.p, f.mina, task.ID, "  Your VAT   return for the quarter ", f.now,
		func(tx pgx.Tx, tk workflow.Task, itemID int64) error {
			queued = itemID
			// The item is there, in the same transaction.
			var words string
			return tx.QueryRow(f.ctx, `SELECT client_request FROM task_items WHERE id = $1`, itemID).Scan(&words)
		})
	if err != nil {
		t.Fatal(err)
	}
	if id == 0 || queued != id {
		t.Fatalf("item %d, queued %d", id, queued)
	}
	if got.ItemsTotal != before+1 || got.Stage != 1 || got.StageDoneAt[0] != nil {
		t.Fatalf("after asking: %d items, stage %d, stage 1 done %v", got.ItemsTotal, got.Stage, got.StageDoneAt[0])
	}
	var it workflow.Item
	last := 0
	for _, x := range got.Items {
		if x.Stage == 1 {
			last = x.Position
		}
		if x.ID == id {
			it = x
		}
	}
	if it.Text != "Your VAT return for the quarter" || it.ClientRequest != it.Text || !it.Mandatory || it.Stage != 1 || it.Position != last || it.Done() {
		t.Fatalf("the item: %+v", it)
	}
	var audited int
	_ = f.q.QueryRow(f.ctx, `SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action = 'task.add_item' AND subject_id = $2`, f.p.ID, task.ID).Scan(&audited)
	if audited != 1 {
		t.Fatalf("%d audit rows", audited)
	}

	// In review, stage 1 is closed.
	f.tickStages(got, f.bea, 1, 2, 3, 4)
	if _, err := f.ws.SendForReview(f.ctx, f.p, f.bea, task.ID, f.now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.ws.AskClient(f.ctx, f.p, f.bea, task.ID, "Another thing", f.now, nil); atlas.ErrorCode(err) != atlas.EConflict {
		t.Fatalf("asked in review: %v", err)
	}
}

// An item the client sent through the portal reads who sent it and when.
func TestItemReceivedFromTheClient(t *testing.T) {
	f := newFixture(t)
	f.assign(f.acme, workflow.AssignInput{})
	task := f.task(f.acme)
	var contact int64
	if err := f.q.QueryRow(f.ctx, `INSERT INTO client_contacts (practice_id, entity_id, name, email) VALUES ($1, $2, 'Jane Smith', 'jane@acme.example') RETURNING id`,
		f.p.ID, f.acme).Scan(&contact); err != nil {
		t.Fatal(err)
	}
	item := task.Items[0].ID
	f.exec(`UPDATE task_items SET client_request = 'Your bank statements', received_at = $3, received_by = $2, done_at = $3 WHERE id = $1`, item, contact, f.now)
	for _, it := range f.reload(task.ID).Items {
		switch {
		case it.ID == item:
			if !it.Received() || !it.Done() || it.ReceivedBy != contact || it.ReceivedByName != "Jane Smith" || !it.ReceivedAt.Equal(f.now) ||
				it.ClientRequest != "Your bank statements" || it.DoneBy != 0 {
				t.Fatalf("the received item: %+v", it)
			}
		case it.Received() || it.ClientRequest != "":
			t.Fatalf("another item reads as asked or received: %+v", it)
		}
	}
}
