package bot_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/tasks"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/practice"
)

// attachValues is the attach form's state as Slack submits it: the files
// uploaded to the file_input, and the box ticked or not.
func attachValues(inPack bool, files ...string) map[string]any {
	objs := []any{}
	for _, id := range files {
		objs = append(objs, map[string]any{"id": id})
	}
	var sel []any
	if inPack {
		sel = append(sel, map[string]any{"value": tasks.TaskAttachInPackValue, "text": map[string]any{"type": "plain_text", "text": "x"}})
	}
	return map[string]any{
		tasks.TaskAttachFiles:  map[string]any{"files": map[string]any{"type": "file_input", "files": objs}},
		tasks.TaskAttachInPack: map[string]any{"in_pack": map[string]any{"type": "checkboxes", "selected_options": sel}},
	}
}

// The preparer attaches the management accounts to the approved pack
// from the task window: the form closes, the file is fetched from Slack
// and kept among ACME's documents of the month with the pack, marked part
// of it; a file of a kind not taken is refused by name. The window shows
// both, and the pack then delivers. Someone with nothing to do with the
// pack is not offered the button, and is refused if they press it.
func TestTaskAttachFile(t *testing.T) {
	t.Parallel()
	w := newAskWorld(t)
	task := w.generate()
	p, err := practice.Store{DB: w.pool}.Get(w.ctx, w.pid)
	if err != nil {
		t.Fatal(err)
	}
	w.contact("Jane Smith", "jane@acme.example")
	w.tickStages(p, w.bea, task, 1, 2, 3, 4)
	if _, err := w.ws.SendForReview(w.ctx, p, w.bea, task, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	w.tickStages(p, w.rex, task, 5)
	if _, err := w.ws.Approve(w.ctx, p, w.rex, task, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	w.tickStages(p, w.bea, task, 6)

	// Otto is neither offered nor allowed it.
	otto := w.click(tkOutsiderID, nil, ui.ActionTaskOpen, task)
	if raw, _ := json.Marshal(otto); strings.Contains(string(raw), `"action_id":"`+tasks.ActionTaskAttach+`"`) {
		t.Error("Otto is offered Attach a file")
	}
	mark := w.seq()
	refused := w.click(tkOutsiderID, otto, tasks.ActionTaskAttach, task)
	mustContain(t, "Otto refused", taskViewText(t, refused), "Only the preparer")
	if _, ok := w.viewCall("views.push", tasks.CallbackTaskAttach, mark); ok {
		t.Fatal("Otto was given the attach form")
	}

	modal := w.click(tkPreparerID, nil, ui.ActionTaskOpen, task)
	if raw, _ := json.Marshal(modal); !strings.Contains(string(raw), `"action_id":"`+tasks.ActionTaskAttach+`"`) {
		t.Fatal("the preparer is not offered Attach a file")
	}
	mark = w.seq()
	w.click(tkPreparerID, modal, tasks.ActionTaskAttach, task)
	form, ok := w.viewCall("views.push", tasks.CallbackTaskAttach, mark)
	if !ok {
		t.Fatal("Attach a file pushed no form")
	}
	mustContain(t, "attach form", taskViewText(t, form), "Files for the pack", "Part of the pack for the client")
	meta, _ := form["private_metadata"].(string)

	// No file: asked on its field.
	errs := responseErrors(t, w.interact(submission(tkPreparerID, tasks.CallbackTaskAttach, meta, attachValues(true))))
	mustContain(t, "no file", errs[tasks.TaskAttachFiles], "Attach at least one file")

	pdf := []byte("%PDF-1.4\nACME management accounts, November 2026\n%%EOF\n")
	accounts := w.fake.AddFile(tkPreparerID, "", "ACME management accounts Nov 2026.pdf", pdf)
	exe := w.fake.AddFile(tkPreparerID, "", "run.exe", []byte("MZ\x90\x00 not a document"))
	mark = w.seq()
	ack := w.interact(submission(tkPreparerID, tasks.CallbackTaskAttach, meta, attachValues(true, accounts.ID, exe.ID)))
	if errs := responseErrors(t, ack); errs != nil {
		t.Fatalf("attach refused: %v", errs)
	}
	w.settle()
	if f, _ := w.fake.File(accounts.ID); f.Downloads != 1 {
		t.Fatalf("the accounts were downloaded %d times", f.Downloads)
	}
	redrawn, ok := w.viewCall("views.update", tasks.CallbackTask, mark)
	if !ok {
		t.Fatal("the task window was not redrawn after attaching")
	}
	mustContain(t, "window after attach", taskViewText(t, redrawn), "Attached 1 file to the pack: ACME management accounts Nov 2026.pdf",
		"Marked part of the pack for the client", "run.exe is not a kind of file", "1 of 1 file marked to deliver")

	var (
		source, name, key string
		docTask, member   int64
		inPack            bool
	)
	if err := w.pool.QueryRow(w.ctx, `SELECT source, file_name, storage_key, task_id, member_id, in_pack FROM documents
		WHERE practice_id = $1 AND entity_id = $2`, w.pid, w.acme).Scan(&source, &name, &key, &docTask, &member, &inPack); err != nil {
		t.Fatal(err)
	}
	if source != "practice" || name != "ACME management accounts Nov 2026.pdf" || docTask != task || member != int64(w.bea.ID) || !inPack {
		t.Fatalf("document: %s %q task %d member %d in_pack %v", source, name, docTask, member, inPack)
	}
	stored, err := portal.PGBlobs{}.Get(w.ctx, w.pool, key)
	if err != nil || !bytes.Equal(stored, pdf) {
		t.Fatalf("stored %q, %v", stored, err)
	}

	// The same file attached again (Slack retries) is kept once.
	w.interact(submission(tkPreparerID, tasks.CallbackTaskAttach, meta, attachValues(true, accounts.ID)))
	w.settle()
	if n := w.countRows(`SELECT count(*) FROM documents WHERE practice_id = $1`, w.pid); n != 1 {
		t.Fatalf("%d documents after a retry, want 1", n)
	}

	// The pack delivers with it.
	modal = w.click(tkPreparerID, nil, ui.ActionTaskOpen, task)
	delivered := w.click(tkPreparerID, modal, tasks.ActionTaskDeliver, task)
	mustContain(t, "delivered", taskViewText(t, delivered), "Delivered. The task is complete: 1 file emailed to jane@acme.example")
	if _, done, _ := w.state(task); !done {
		t.Fatal("the pack was not delivered")
	}
	if n := w.countRows(`SELECT count(*) FROM pack_deliveries WHERE practice_id = $1 AND task_id = $2 AND cardinality(documents) = 1`, w.pid, task); n != 1 {
		t.Fatal("the delivery is not recorded with the file")
	}

	// Delivered: no longer offered, and refused on the form.
	if raw, _ := json.Marshal(delivered); strings.Contains(string(raw), `"action_id":"`+tasks.ActionTaskAttach+`"`) {
		t.Error("a delivered pack offers Attach a file")
	}
	late := w.fake.AddFile(tkPreparerID, "", "late.pdf", []byte("%PDF-1.4 late\n%%EOF\n"))
	errs = responseErrors(t, w.interact(submission(tkPreparerID, tasks.CallbackTaskAttach, meta, attachValues(true, late.ID))))
	mustContain(t, "delivered pack", errs[tasks.TaskAttachFiles], "has been delivered")
	if f, _ := w.fake.File(late.ID); f.Downloads != 0 {
		t.Fatal("a refused form downloaded its file")
	}
}
