package bot_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/portal"
)

// "Save to client documents" on a message with a file: the form, then the
// file fetched from Slack and kept among the client's documents of the
// month, with the month's pack, as the practice's, by whoever saved it;
// /docs lists it. A message without files, a file of a kind not taken or
// too large, and someone not on the team are each told so.
func TestSaveToClientDocuments(t *testing.T) {
	t.Parallel()
	w := newTimeWorld(t, "socket")
	// ACME's October pack: the month the form offers first (it is 18 November).
	var template, task int64
	if err := w.pool.QueryRow(w.ctx, `INSERT INTO templates (practice_id, name) VALUES ($1, 'Monthly') RETURNING id`, w.pid).Scan(&template); err != nil {
		t.Fatal(err)
	}
	if err := w.pool.QueryRow(w.ctx, `INSERT INTO tasks (practice_id, entity_id, template_id, period, preparer_id, reviewer_id, due_date, stage_targets)
		VALUES ($1, $2, $3, '2026-10-01', $4, $4, '2026-11-10',
			ARRAY['2026-11-03', '2026-11-05', '2026-11-07', '2026-11-08', '2026-11-09', '2026-11-10']::date[]) RETURNING id`,
		w.pid, w.acme, template, int64(w.staff)).Scan(&task); err != nil {
		t.Fatal(err)
	}

	pdf := []byte("%PDF-1.4\nACME's October bank reconciliation\n%%EOF\n")
	rec := w.fake.AddFile(staffID, "C0GENERAL", "bank-rec.pdf", pdf)
	shortcut := func(user string, files ...string) {
		t.Helper()
		var objs []any
		for _, id := range files {
			objs = append(objs, w.fake.FileObject(id))
		}
		msg := map[string]any{"type": "message", "ts": fmt.Sprintf("1700000000.%06d", w.seq.Add(1)), "user": staffID, "text": "October's rec"}
		if len(objs) > 0 {
			msg["files"] = objs
		}
		w.interact(map[string]any{"type": "message_action", "callback_id": "save_to_client_documents", "user": map[string]any{"id": user},
			"trigger_id": w.trigger(), "channel": map[string]any{"id": "C0GENERAL"}, "message_ts": msg["ts"], "message": msg})
		w.settle()
	}
	lastView := func() (string, string) {
		t.Helper()
		calls := w.fake.Calls("views.open")
		if len(calls) == 0 {
			t.Fatal("no form opened")
		}
		raw := calls[len(calls)-1].Param("view")
		var view map[string]any
		if err := json.Unmarshal([]byte(raw), &view); err != nil {
			t.Fatal(err)
		}
		meta, _ := view["private_metadata"].(string)
		return raw, meta
	}
	values := func(client int64, month string) map[string]any {
		vals := map[string]any{"save_month": map[string]any{"save_month": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": month}}}}
		if client != 0 {
			vals["save_client"] = map[string]any{"client.search": map[string]any{"type": "external_select",
				"selected_option": map[string]any{"value": fmt.Sprint(client)}}}
		}
		return vals
	}
	submit := func(meta string, client int64, month string) json.RawMessage {
		t.Helper()
		ack := w.interact(submission(staffID, "docs.save", meta, values(client, month)))
		w.settle()
		return ack
	}

	// The form: the message's file, the client to pick, last month chosen.
	shortcut(staffID, rec.ID)
	view, meta := lastView()
	mustContain(t, "form", view, `"callback_id":"docs.save"`, "bank-rec.pdf", `"action_id":"client.search"`,
		`"initial_option":{"text":{"type":"plain_text","text":"October 2026","emoji":true},"value":"2026-10"}`)

	// No client: asked on its field, nothing fetched.
	mustContain(t, "no client", responseErrors(t, submit(meta, 0, "2026-10"))["save_client"], "Pick a client")
	if f, _ := w.fake.File(rec.ID); f.Downloads != 0 {
		t.Fatalf("a refused form downloaded the file %d times", f.Downloads)
	}

	// Saved: the form closes at once, then the file is fetched and kept.
	w.mark()
	ack := submit(meta, w.acme, "2026-10")
	if !strings.Contains(string(ack), `"response_action":"clear"`) {
		t.Fatalf("the form was not closed: %s", ack)
	}
	mustContain(t, "answer", w.said(), "Saved bank-rec.pdf to ACME's documents for October 2026 · `/docs acme oct`")
	if f, _ := w.fake.File(rec.ID); f.Downloads != 1 {
		t.Fatalf("downloaded %d times", f.Downloads)
	}
	var (
		period, source, name, ct, key string
		docTask, member, size         int64
	)
	if err := w.pool.QueryRow(w.ctx, `SELECT period::text, source, file_name, content_type, storage_key, task_id, member_id, size
		FROM documents WHERE practice_id = $1 AND entity_id = $2`, w.pid, w.acme).
		Scan(&period, &source, &name, &ct, &key, &docTask, &member, &size); err != nil {
		t.Fatal(err)
	}
	if period != "2026-10-01" || source != "practice" || name != "bank-rec.pdf" || ct != "application/pdf" || docTask != task ||
		member != int64(w.staff) || size != int64(len(pdf)) {
		t.Fatalf("document: %s %s %s %s task %d member %d size %d", period, source, name, ct, docTask, member, size)
	}
	stored, err := portal.PGBlobs{}.Get(w.ctx, w.pool, key)
	if err != nil || !bytes.Equal(stored, pdf) {
		t.Fatalf("stored %q, %v", stored, err)
	}
	got := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(w.ask(staffID, "/docs", "acme oct"))
	mustContain(t, "/docs", got, "Documents · ACME · Acme Trading Ltd · October 2026", "1 document", "_the practice's own_",
		"bank-rec.pdf> · 50 bytes · Sam Staff")

	// The same form submitted again (Slack retries) keeps the file once.
	w.mark()
	submit(meta, w.acme, "2026-10")
	mustContain(t, "again", w.said(), "bank-rec.pdf was already among ACME's documents for October 2026")
	var n int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM documents WHERE practice_id = $1`, w.pid).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d documents, %v", n, err)
	}

	// A file of a kind not taken, and one too large (refused before it is
	// downloaded), beside a good one: the good one is kept.
	exe := w.fake.AddFile(staffID, "C0GENERAL", "setup.exe", []byte("MZ\x90\x00\x03\x00\x00\x00"))
	big := w.fake.AddFile(staffID, "C0GENERAL", "scan.pdf", append([]byte("%PDF-1.4\n"), make([]byte, portal.MaxFileBytes)...))
	csv := w.fake.AddFile(staffID, "C0GENERAL", "sales.csv", []byte("Date,Amount\n2026-09-03,12.50\n"))
	shortcut(staffID, exe.ID, big.ID, csv.ID)
	view, meta = lastView()
	mustContain(t, "form of three", view, "The 3 files of this message", "setup.exe", "scan.pdf", "sales.csv")
	w.mark()
	submit(meta, w.nwt, "2026-09")
	mustContain(t, "mixed", w.said(), "Saved sales.csv to NWT's documents for September 2026 · `/docs nwt sep`",
		":x: setup.exe is not a kind of file Atlas keeps", ":x: scan.pdf is larger than 25 MB")
	if f, _ := w.fake.File(big.ID); f.Downloads != 0 {
		t.Fatalf("the file too large was downloaded %d times", f.Downloads)
	}

	// A message without files; someone not on the team.
	opened := len(w.fake.Calls("views.open"))
	w.mark()
	shortcut(staffID)
	mustContain(t, "no files", w.said(), "That message has no files to save")
	w.mark()
	shortcut(strangerID, rec.ID)
	mustContain(t, "stranger", w.said(), "You are not on this practice's team in Atlas yet")
	if n := len(w.fake.Calls("views.open")); n != opened {
		t.Fatalf("%d forms opened for a message without files or a stranger", n-opened)
	}
}
