package bot_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot/tasks"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/queries"
)

// contact adds a contact of ACME who receives requests.
func (w *taskWorld) contact(name, email string) int64 {
	w.t.Helper()
	var id int64
	if err := w.pool.QueryRow(w.ctx, `INSERT INTO client_contacts (practice_id, entity_id, name, email) VALUES ($1, $2, $3, $4) RETURNING id`,
		w.pid, w.acme, name, email).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// packFile stores a file of the practice's for the pack, as the "Save to
// client's documents" shortcut does.
func (w *taskWorld) packFile(task int64, name string, inPack bool) int64 {
	w.t.Helper()
	data := []byte("%PDF-1.4 " + name)
	sum := sha256.Sum256(data)
	key := fmt.Sprintf("e2e-%s-%d", w.pid, w.harness.seq.Add(1))
	var id int64
	if err := db.InTx(w.ctx, w.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(w.ctx, `INSERT INTO document_blobs (storage_key, data) VALUES ($1, $2)`, key, data); err != nil {
			return err
		}
		return tx.QueryRow(w.ctx, `INSERT INTO documents (practice_id, entity_id, period, task_id, source, member_id, file_name, content_type,
				size, sha256, storage_key, in_pack)
			SELECT $1, t.entity_id, t.period, t.id, 'practice', $3, $4, 'application/pdf', $5, $6, $7, $8
			FROM tasks t WHERE t.practice_id = $1 AND t.id = $2 RETURNING id`,
			w.pid, task, int64(w.bea.ID), name, len(data), sum[:], key, inPack).Scan(&id)
	}); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// tickStages ticks every item of the stages through the store, as actor.
func (w *taskWorld) tickStages(p practice.Practice, actor practice.Member, task int64, stages ...int) {
	w.t.Helper()
	t, err := w.ws.Task(w.ctx, w.pid, task)
	if err != nil {
		w.t.Fatal(err)
	}
	shown, want := map[int64]bool{}, map[int64]bool{}
	for _, it := range t.Items {
		for _, s := range stages {
			if it.Stage == s {
				shown[it.ID], want[it.ID] = it.Done(), true
			}
		}
	}
	if _, err := w.ws.Tick(w.ctx, p, actor, task, shown, want, w.clock.Now()); err != nil {
		w.t.Fatal(err)
	}
}

func (w *taskWorld) countRows(sql string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.pool.QueryRow(w.ctx, sql, args...).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// The reviewer queries ACME from the task window; Jane's answer (through
// the store, as the portal records it) reaches Bea by DM. With nothing
// marked, Deliver is refused; Bea marks two files from the window; a query
// still open refuses Deliver until Rex delivers anyway with a note: the
// delivery is recorded and its email queued.
func TestTaskQueryAndDeliver(t *testing.T) {
	t.Parallel()
	w := newAskWorld(t)
	task := w.generate()
	p, err := practice.Store{DB: w.pool}.Get(w.ctx, w.pid)
	if err != nil {
		t.Fatal(err)
	}
	jane := w.contact("Jane Smith", "jane@acme.example")
	w.tickStages(p, w.bea, task, 1, 2, 3, 4)
	if _, err := w.ws.SendForReview(w.ctx, p, w.bea, task, w.clock.Now()); err != nil {
		t.Fatal(err)
	}

	rexModal := w.click(tkReviewerID, nil, ui.ActionTaskOpen, task)
	raw, _ := json.Marshal(rexModal)
	if !strings.Contains(string(raw), `"action_id":"`+tasks.ActionTaskQuery+`"`) {
		t.Fatal("the reviewer is not offered Query the client")
	}
	ask := func(text string) {
		t.Helper()
		mark := w.seq()
		w.click(tkReviewerID, rexModal, tasks.ActionTaskQuery, task)
		form, ok := w.viewCall("views.push", tasks.CallbackTaskQuery, mark)
		if !ok {
			t.Fatal("Query the client pushed no form")
		}
		mustContain(t, "query form", taskViewText(t, form), "Jane Smith (jane@acme.example)")
		meta, _ := form["private_metadata"].(string)
		if text == "" {
			errs := responseErrors(t, w.interact(submission(tkReviewerID, tasks.CallbackTaskQuery, meta, map[string]any{tasks.TaskQueryText: textVal(" ")})))
			mustContain(t, "empty query", errs[tasks.TaskQueryText], "Write the question")
			return
		}
		mark = w.seq()
		if errs := responseErrors(t, w.interact(submission(tkReviewerID, tasks.CallbackTaskQuery, meta, map[string]any{tasks.TaskQueryText: textVal(text)}))); errs != nil {
			t.Fatalf("query refused: %v", errs)
		}
		w.settle()
		redrawn, ok := w.viewCall("views.update", tasks.CallbackTask, mark)
		if !ok {
			t.Fatal("the task window was not redrawn after the query")
		}
		mustContain(t, "window after query", taskViewText(t, redrawn), "Query sent to ACME", "Open queries to the client", text)
	}
	ask("")
	ask("What was the £2,400 paid to Smith Ltd on 14 November for?")
	ask("Is the van still yours?")
	var first, second int64
	if err := w.pool.QueryRow(w.ctx, `SELECT min(id), max(id) FROM queries WHERE practice_id = $1 AND task_id = $2`, w.pid, task).Scan(&first, &second); err != nil {
		t.Fatal(err)
	}
	if n := w.countRows(`SELECT count(*) FROM river_job WHERE kind = $1 AND args->>'practice' = $2 AND (args->>'contact_id')::bigint = $3`,
		queries.QueryJobKind, string(w.pid), jane); n != 2 {
		t.Fatalf("%d query emails queued to Jane, want 2", n)
	}

	// Jane answers the first through the portal; Bea hears.
	if err := db.InTx(w.ctx, w.pool, func(tx pgx.Tx) error {
		return queries.Answer(w.ctx, tx, w.pid, jane, w.acme, first, "Rent for the new unit.", nil, w.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	if n := w.countRows(`SELECT count(*) FROM river_job WHERE kind = 'slack_post' AND args->>'practice' = $1 AND args->>'render' = $2`,
		string(w.pid), queries.RenderAnswered); n != 1 {
		t.Fatalf("%d answer DMs queued", n)
	}
	// The emails are another worker's; only the Slack posts are delivered here.
	if _, err := w.pool.Exec(w.ctx, `DELETE FROM river_job WHERE kind = $1`, queries.QueryJobKind); err != nil {
		t.Fatal(err)
	}
	mark := w.seq()
	w.deliver()
	mustContain(t, "Bea's DM", w.dmsTo(tkPreparerID, mark), "Acme Trading Ltd answered your query", "What was the £2,400", "Rent for the new unit.", `"action_id":"task.open"`)
	modal := w.click(tkPreparerID, nil, ui.ActionTaskOpen, task)
	mustContain(t, "window with queries", taskViewText(t, modal), "Open queries to the client: 1", "Is the van still yours?",
		"Queries answered or closed", "Jane Smith", "Rent for the new unit.")

	// Approved, delivery items ticked.
	w.tickStages(p, w.rex, task, 5)
	if _, err := w.ws.Approve(w.ctx, p, w.rex, task, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	w.tickStages(p, w.bea, task, 6)
	modal = w.click(tkPreparerID, nil, ui.ActionTaskOpen, task)
	refused := w.click(tkPreparerID, modal, tasks.ActionTaskDeliver, task)
	mustContain(t, "nothing marked", taskViewText(t, refused), "Nothing is marked to deliver")
	if _, delivered, _ := w.state(task); delivered {
		t.Fatal("delivered with nothing marked")
	}

	// Bea marks two files of the practice's from the window.
	a, b := w.packFile(task, "ACME management accounts Nov 2026.pdf", false), w.packFile(task, "ACME notes.pdf", false)
	modal = w.click(tkPreparerID, nil, ui.ActionTaskOpen, task)
	mustContain(t, "pack files", taskViewText(t, modal), "0 of 2 files marked to deliver")
	for _, id := range []int64{a, b} {
		modal = w.act(tkPreparerID, modal, map[string]any{"type": "button", "action_id": tasks.ActionTaskPackFile, "block_id": "x", "value": fmt.Sprintf("%d:1", id)})
	}
	mustContain(t, "marked", taskViewText(t, modal), "2 of 2 files marked to deliver", "Marked part of the pack")

	// A query is open: refused, and the preparer is not offered the override.
	refused = w.click(tkPreparerID, modal, tasks.ActionTaskDeliver, task)
	mustContain(t, "query open", taskViewText(t, refused), "1 query to the client is still open", "Is the van still yours?")
	if raw, _ := json.Marshal(refused); strings.Contains(string(raw), tasks.ActionTaskDeliverOverride) {
		t.Error("the preparer is offered Deliver anyway")
	}
	if n := w.countRows(`SELECT count(*) FROM pack_deliveries WHERE practice_id = $1`, w.pid); n != 0 {
		t.Fatalf("%d deliveries after refusals", n)
	}

	// Rex delivers anyway, with a note.
	rexModal = w.click(tkReviewerID, nil, ui.ActionTaskOpen, task)
	mark = w.seq()
	w.click(tkReviewerID, rexModal, tasks.ActionTaskDeliverOverride, task)
	form, ok := w.viewCall("views.push", tasks.CallbackTaskDeliver, mark)
	if !ok {
		t.Fatal("Deliver anyway pushed no form")
	}
	mustContain(t, "override form", taskViewText(t, form), "1 open query", "Is the van still yours?")
	meta, _ := form["private_metadata"].(string)
	errs := responseErrors(t, w.interact(submission(tkReviewerID, tasks.CallbackTaskDeliver, meta, map[string]any{tasks.TaskOverrideNote: textVal(" ")})))
	mustContain(t, "empty note", errs[tasks.TaskOverrideNote], "Say why")
	// The preparer submitting it is refused on the form.
	errs = responseErrors(t, w.interact(submission(tkPreparerID, tasks.CallbackTaskDeliver, meta, map[string]any{tasks.TaskOverrideNote: textVal("mine")})))
	mustContain(t, "preparer overrides", errs[tasks.TaskOverrideNote], "Only the reviewer")
	mark = w.seq()
	if errs := responseErrors(t, w.interact(submission(tkReviewerID, tasks.CallbackTaskDeliver, meta, map[string]any{tasks.TaskOverrideNote: textVal("Answered by phone on 8 December.")}))); errs != nil {
		t.Fatalf("override refused: %v", errs)
	}
	w.settle()
	if _, delivered, _ := w.state(task); !delivered {
		t.Fatal("not delivered after the override")
	}
	redrawn, ok := w.viewCall("views.update", tasks.CallbackTask, mark)
	if !ok {
		t.Fatal("the window was not redrawn after delivery")
	}
	mustContain(t, "delivered window", taskViewText(t, redrawn), "Delivered. The task is complete: 2 files emailed to jane@acme.example",
		"Delivered to the client", "Answered by phone on 8 December.")
	if n := w.countRows(`SELECT count(*) FROM pack_deliveries WHERE practice_id = $1 AND task_id = $2 AND delivered_by = $3
		AND cardinality(documents) = 2 AND recipients = '{jane@acme.example}' AND override_note = 'Answered by phone on 8 December.'`,
		w.pid, task, int64(w.rex.ID)); n != 1 {
		t.Fatal("the delivery is not recorded")
	}
	if n := w.countRows(`SELECT count(*) FROM river_job WHERE kind = $1 AND args->>'practice' = $2 AND (args->>'contact_id')::bigint = $3`,
		queries.DeliveryJobKind, string(w.pid), jane); n != 1 {
		t.Fatalf("%d delivery emails queued, want 1", n)
	}
	if n := w.countRows(`SELECT count(*) FROM queries WHERE id = $1 AND overridden_at IS NOT NULL`, second); n != 1 {
		t.Error("the open query is not marked delivered past")
	}
}
