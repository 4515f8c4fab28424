package inbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/smtp"
	"net/textproto"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

var seq atomic.Int64

// world is a practice with an inbox named inbox-N at in.example.com, a
// preparer, client ACMEn with a contact and November 2026's pack asking
// for bank statements and sales invoices, and client NWTn with nothing;
// its SMTP server runs on a free local port.
type world struct {
	t                    *testing.T
	ctx                  context.Context
	pool                 *pgxpool.Pool
	pid                  atlas.PracticeID
	local, acmeCode      string
	nwtCode              string
	acme, nwt, contact   int64
	task, bankItem, sale int64
	addr                 string
	now                  time.Time
}

func newWorld(t *testing.T, maxBytes int64) *world {
	t.Helper()
	n := seq.Add(1)
	w := &world{t: t, ctx: context.Background(), pool: pgtest.Pool(t), now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	w.pid = atlas.PracticeID(fmt.Sprintf("TINBOX%d%d", time.Now().UnixNano()%100000, n))
	w.local = fmt.Sprintf("docs-%d-%d", time.Now().UnixNano()%100000, n)
	ps := practice.Store{DB: w.pool}
	w.must(ps.Ensure(w.ctx, w.pid))
	w.exec(`UPDATE practices SET inbox_local = $2 WHERE id = $1`, w.pid, w.local)
	m, err := ps.AddMember(w.ctx, w.pid, 0, practice.NewMember{SlackUserID: "UPREP", Name: "Bea Preparer", Role: atlas.RoleManager})
	w.must(m, err)
	w.acmeCode, w.nwtCode = fmt.Sprintf("ACME%d", n), fmt.Sprintf("NWT%d", n)
	e, err := ps.SaveEntity(w.ctx, w.pid, 0, 0, practice.EntityInput{Code: w.acmeCode, Name: "Acme Trading Ltd"})
	w.must(e, err)
	w.acme = e.ID
	e, err = ps.SaveEntity(w.ctx, w.pid, 0, 0, practice.EntityInput{Code: w.nwtCode, Name: "Northwind Traders"})
	w.must(e, err)
	w.nwt = e.ID
	w.scan(&w.contact, `INSERT INTO client_contacts (practice_id, entity_id, name, email) VALUES ($1, $2, 'Jane Smith', $3) RETURNING id`,
		w.pid, w.acme, w.janeAddr())
	var tpl int64
	w.scan(&tpl, `INSERT INTO templates (practice_id, name) VALUES ($1, 'Monthly') RETURNING id`, w.pid)
	w.scan(&w.task, `INSERT INTO tasks (practice_id, entity_id, template_id, period, preparer_id, reviewer_id, due_date, stage_targets, items_total)
		VALUES ($1, $2, $3, '2026-11-01', $4, $4, '2026-12-10',
			ARRAY['2026-12-03', '2026-12-05', '2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10']::date[], 3) RETURNING id`,
		w.pid, w.acme, tpl, int64(m.ID))
	w.scan(&w.bankItem, `INSERT INTO task_items (practice_id, task_id, stage, position, text, mandatory, client_request)
		VALUES ($1, $2, 1, 0, 'Bank statements', true, 'Bank statements for November') RETURNING id`, w.pid, w.task)
	w.scan(&w.sale, `INSERT INTO task_items (practice_id, task_id, stage, position, text, mandatory, client_request)
		VALUES ($1, $2, 1, 1, 'Sales invoices', true, 'Copies of your sales invoices') RETURNING id`, w.pid, w.task)
	w.exec(`INSERT INTO task_items (practice_id, task_id, stage, position, text, mandatory) VALUES ($1, $2, 2, 0, 'Capture the bank', true)`, w.pid, w.task)

	srv := New(Deps{DB: w.pool, Domains: []string{"In.Example.com"}, Clock: atlas.NewFixedClock(w.now),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxMessageBytes: maxBytes})
	l, err := srv.Listen(w.ctx, "127.0.0.1:0")
	w.must(l, err)
	w.addr = l.Addr().String()
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return w
}

func (w *world) janeAddr() string {
	return fmt.Sprintf("jane@acme-%s.example", strings.ToLower(string(w.pid)))
}

func (w *world) must(_ any, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) exec(sql string, args ...any) {
	w.t.Helper()
	if _, err := w.pool.Exec(w.ctx, sql, args...); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
}

func (w *world) scan(dest any, sql string, args ...any) {
	w.t.Helper()
	if err := w.pool.QueryRow(w.ctx, sql, args...).Scan(dest); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
}

// attach is an attachment to send.
type attach struct {
	name string
	data []byte
}

var pdf = []byte("%PDF-1.4\nNovember statement\n%%EOF\n")

// message is a multipart email with files, its body base64 in 76-column
// lines as mailers send it.
func message(from, to, subject string, files ...attach) []byte {
	var b bytes.Buffer
	id := seq.Add(1)
	fmt.Fprintf(&b, "From: Jane Smith <%s>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <m%d.%d@test>\r\nMIME-Version: 1.0\r\n", from, to, subject, id, time.Now().UnixNano())
	b.WriteString("Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n\r\n")
	b.WriteString("--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHere are this month's papers.\r\n")
	for _, f := range files {
		fmt.Fprintf(&b, "--BOUNDARY\r\nContent-Type: application/octet-stream; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", f.name, f.name)
		enc := base64.StdEncoding.EncodeToString(f.data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--BOUNDARY--\r\n")
	return b.Bytes()
}

// send sends msg over SMTP as the test's own client.
func (w *world) send(from, to string, msg []byte) error {
	w.t.Helper()
	return smtp.SendMail(w.addr, nil, from, []string{to}, msg)
}

func (w *world) inbox(tag string) string {
	if tag != "" {
		return w.local + "+" + tag + "@in.example.com"
	}
	return w.local + "@in.example.com"
}

type doc struct {
	entity       int64
	task, item   *int64
	contact      *int64
	name, source string
}

func (w *world) docs() []doc {
	w.t.Helper()
	rows, err := w.pool.Query(w.ctx, `SELECT entity_id, task_id, task_item_id, contact_id, file_name, source FROM documents WHERE practice_id = $1 ORDER BY id`, w.pid)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	var out []doc
	for rows.Next() {
		var d doc
		if err := rows.Scan(&d.entity, &d.task, &d.item, &d.contact, &d.name, &d.source); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func (w *world) ticked(item int64) (bool, *int64) {
	w.t.Helper()
	var done bool
	var by *int64
	if err := w.pool.QueryRow(w.ctx, `SELECT done_at IS NOT NULL, received_by FROM task_items WHERE id = $1`, item).Scan(&done, &by); err != nil {
		w.t.Fatal(err)
	}
	return done, by
}

func (w *world) pending() []Pending {
	w.t.Helper()
	p, _, err := PendingMessages(w.ctx, w.pool, w.pid, 50)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// A plus-addressed mail from the client's contact lands on that client,
// its statement ticks the bank item (received from the contact) and the
// pack's progress moves; sent again (the same Message-ID), nothing more is
// kept.
func TestPlusAddressTicksTheMatchingItem(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	msg := message(w.janeAddr(), w.inbox(w.acmeCode), "November", attach{"Bank-Nov-2026.pdf", pdf}, attach{"notes.txt", []byte("misc notes\n")})
	if err := w.send(w.janeAddr(), w.inbox(strings.ToLower(w.acmeCode)), msg); err != nil {
		t.Fatal(err)
	}
	docs := w.docs()
	if len(docs) != 2 {
		t.Fatalf("%d documents, want 2: %+v", len(docs), docs)
	}
	if d := docs[0]; d.entity != w.acme || d.source != "inbox" || d.item == nil || *d.item != w.bankItem || d.contact == nil || *d.contact != w.contact ||
		d.task == nil || *d.task != w.task || d.name != "Bank-Nov-2026.pdf" {
		t.Fatalf("the statement: %+v", d)
	}
	if d := docs[1]; d.item != nil || d.task == nil || *d.task != w.task {
		t.Fatalf("the notes are for no item of the pack: %+v", d)
	}
	if done, by := w.ticked(w.bankItem); !done || by == nil || *by != w.contact {
		t.Fatalf("the bank item: done %v by %v", done, by)
	}
	if done, _ := w.ticked(w.sale); done {
		t.Fatal("the sales item was ticked")
	}
	var itemsDone int
	w.scan(&itemsDone, `SELECT items_done FROM tasks WHERE id = $1`, w.task)
	if itemsDone != 1 {
		t.Fatalf("the pack's progress: %d done", itemsDone)
	}
	var dms int
	w.scan(&dms, `SELECT count(*) FROM river_job WHERE kind = 'slack_post' AND args->>'practice' = $1 AND args->>'render' = $2 AND args->>'channel' = 'UPREP'`,
		string(w.pid), RenderReceived)
	if dms != 2 {
		t.Fatalf("%d DMs to the preparer queued, want 2", dms)
	}
	if err := w.send(w.janeAddr(), w.inbox(w.acmeCode), msg); err != nil {
		t.Fatal(err)
	}
	if n := len(w.docs()); n != 2 {
		t.Fatalf("a re-delivery kept more: %d documents", n)
	}
}

// Mail from a known contact, to the bare address, lands on the contact's
// client; mail from a stranger naming a client in its subject lands on it
// too but ticks nothing.
func TestSenderAndSubjectRouting(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	if err := w.send(w.janeAddr(), w.inbox(""), message(w.janeAddr(), w.inbox(""), "Papers", attach{"sales-invoices.pdf", pdf})); err != nil {
		t.Fatal(err)
	}
	docs := w.docs()
	if len(docs) != 1 || docs[0].entity != w.acme || docs[0].item == nil || *docs[0].item != w.sale {
		t.Fatalf("from the contact: %+v", docs)
	}
	if done, by := w.ticked(w.sale); !done || by == nil || *by != w.contact {
		t.Fatalf("the sales item: done %v by %v", done, by)
	}

	stranger := "bookkeeper@elsewhere.example"
	if err := w.send(stranger, w.inbox(""), message(stranger, w.inbox(""), "Statements for "+strings.ToLower(w.acmeCode)+" (Acme)", attach{"bank.pdf", pdf})); err != nil {
		t.Fatal(err)
	}
	docs = w.docs()
	if len(docs) != 2 || docs[1].entity != w.acme || docs[1].item != nil || docs[1].contact != nil || docs[1].task == nil {
		t.Fatalf("named in the subject: %+v", docs)
	}
	if done, _ := w.ticked(w.bankItem); done {
		t.Fatal("a stranger's mail ticked the bank item")
	}
	if err := w.send(stranger, w.inbox(""), message(stranger, w.inbox(""), "Fwd: Northwind Traders year end", attach{"ledger.csv", []byte("date,amount\n2026-11-01,10.00\n")})); err != nil {
		t.Fatal(err)
	}
	if docs := w.docs(); len(docs) != 3 || docs[2].entity != w.nwt || docs[2].task != nil {
		t.Fatalf("named by its whole name, a client with no pack: %+v", docs)
	}
	if p := w.pending(); len(p) != 0 {
		t.Fatalf("routed mail waits in triage: %+v", p)
	}
}

// Mail that names no client waits in triage with its files; assigning it
// files them for the client and ticks the item picked; discarding another
// drops its files.
func TestTriageAssignAndDiscard(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	stranger := "someone@unknown.example"
	if err := w.send(stranger, w.inbox("NOSUCH"), message(stranger, w.inbox("NOSUCH"), "Receipts", attach{"scan.pdf", pdf})); err != nil {
		t.Fatal(err)
	}
	if err := w.send(stranger, w.inbox(""), message(stranger, w.inbox(""), "Hello", attach{"photo.png", []byte("\x89PNG\r\n\x1a\n0000")})); err != nil {
		t.Fatal(err)
	}
	if d := w.docs(); len(d) != 0 {
		t.Fatalf("triage mail became documents: %+v", d)
	}
	p := w.pending()
	if len(p) != 2 || p[0].Subject != "Receipts" || p[0].From != stranger || p[0].FromName != "Jane Smith" || len(p[0].Files) != 1 ||
		p[0].Files[0].Name != "scan.pdf" || p[0].Snippet != "Here are this month's papers." {
		t.Fatalf("pending: %+v", p)
	}
	var member int64
	w.scan(&member, `SELECT id FROM members WHERE practice_id = $1`, w.pid)
	a, err := Assign(w.ctx, w.pool, w.pid, p[0].ID, w.acme, w.bankItem, atlas.MemberID(member), w.now)
	if err != nil || a.Documents != 1 || a.Ticked != 1 {
		t.Fatalf("assign: %+v %v", a, err)
	}
	docs := w.docs()
	if len(docs) != 1 || docs[0].entity != w.acme || docs[0].item == nil || *docs[0].item != w.bankItem {
		t.Fatalf("assigned: %+v", docs)
	}
	var doneBy *int64
	w.scan(&doneBy, `SELECT done_by FROM task_items WHERE id = $1`, w.bankItem)
	if doneBy == nil || *doneBy != member {
		t.Fatalf("the item was ticked by %v, want the member who assigned it", doneBy)
	}
	if _, err := Assign(w.ctx, w.pool, w.pid, p[0].ID, w.nwt, 0, atlas.MemberID(member), w.now); atlas.ErrorCode(err) != atlas.ENotFound {
		t.Fatalf("assigning twice: %v", err)
	}
	if err := Discard(w.ctx, w.pool, nil, w.pid, p[1].ID, atlas.MemberID(member), w.now); err != nil {
		t.Fatal(err)
	}
	var left int
	w.scan(&left, `SELECT count(*) FROM inbox_attachments WHERE practice_id = $1`, w.pid)
	if left != 0 || len(w.pending()) != 0 {
		t.Fatalf("after discarding: %d attachments, %d pending", left, len(w.pending()))
	}
}

// Refusals at SMTP time: a recipient outside the domains or of no
// practice's inbox (550 at RCPT), a message over the size cap (552) and
// one with too many attachments (552); nothing is kept of them. A program
// attached is not kept, and the rest of its message is.
func TestRefusedAndSkipped(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 64<<10)
	for _, to := range []string{w.local + "@elsewhere.example", "nobody-" + w.local + "@in.example.com"} {
		err := w.send(w.janeAddr(), to, message(w.janeAddr(), to, "x", attach{"bank.pdf", pdf}))
		if smtpCode(err) != 550 {
			t.Fatalf("to %s: %v, want 550", to, err)
		}
	}
	big := attach{"bank.pdf", append(append([]byte{}, pdf...), bytes.Repeat([]byte("0"), 80<<10)...)}
	if err := w.send(w.janeAddr(), w.inbox(""), message(w.janeAddr(), w.inbox(""), "big", big)); smtpCode(err) != 552 {
		t.Fatalf("an oversized message: %v, want 552", err)
	}
	var many []attach
	for i := range MaxAttachments + 1 {
		many = append(many, attach{fmt.Sprintf("bank-%d.pdf", i), pdf})
	}
	err := w.send(w.janeAddr(), w.inbox(""), message(w.janeAddr(), w.inbox(""), "many", many...))
	if smtpCode(err) != 552 || !strings.Contains(err.Error(), "at most 20") {
		t.Fatalf("too many attachments: %v, want 552", err)
	}
	if d := w.docs(); len(d) != 0 {
		t.Fatalf("refused mail kept documents: %+v", d)
	}
	exe := attach{"invoice.pdf.exe", append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0}, 64)...)}
	fake := attach{"statement.pdf", []byte("MZ\x90\x00 not a pdf at all")}
	if err := w.send(w.janeAddr(), w.inbox(""), message(w.janeAddr(), w.inbox(""), "bank", exe, fake, attach{"bank.pdf", pdf})); err != nil {
		t.Fatal(err)
	}
	docs := w.docs()
	if len(docs) != 1 || docs[0].name != "bank.pdf" {
		t.Fatalf("kept: %+v, want bank.pdf alone", docs)
	}
	var skipped []string
	w.scan(&skipped, `SELECT skipped FROM inbox_messages WHERE practice_id = $1 AND subject = 'bank'`, w.pid)
	if strings.Join(skipped, ",") != "invoice.pdf.exe,statement.pdf" {
		t.Fatalf("skipped %v", skipped)
	}
	var blobs int
	w.scan(&blobs, `SELECT count(*) FROM document_blobs b WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.storage_key = b.storage_key)
		AND NOT EXISTS (SELECT 1 FROM inbox_attachments a WHERE a.storage_key = b.storage_key)`)
	if blobs != 0 {
		t.Fatalf("%d stored files belong to nothing", blobs)
	}
}

func TestItemMatching(t *testing.T) {
	items := []openItem{
		{ID: 1, Keywords: itemKeywords("Bank statements", "Bank statements for the month")},
		{ID: 2, Keywords: itemKeywords("Sales invoices", "Copies of your sales invoices")},
		{ID: 3, Keywords: itemKeywords("Credit card statements", "")},
	}
	for _, c := range []struct {
		name, subject string
		want          int
	}{
		{"HSBC bank Nov.pdf", "", 0},
		{"sales_invoice_0042.pdf", "", 1},
		{"scan.pdf", "Our sales invoices", 1},
		{"credit-card.pdf", "", 2},
		{"statement.pdf", "", 0},
		{"IMG_0042.jpg", "Hello", -1},
	} {
		if got := matchItem(items, c.name, c.subject); got != c.want {
			t.Errorf("matchItem(%q, %q) = %d, want %d", c.name, c.subject, got, c.want)
		}
	}
}

func TestParseAddress(t *testing.T) {
	a, ok := ParseAddress("<Docs+ACME@In.Example.com>")
	if !ok || a.Local != "docs" || a.Tag != "ACME" || a.Domain != "in.example.com" {
		t.Fatalf("%+v %v", a, ok)
	}
	if _, ok := ParseAddress("nobody"); ok {
		t.Fatal("an address without a domain")
	}
}

// Routing reads each practice's clients once and keeps them while they
// stay the same: a client added, renamed, archived, restored or deleted
// is routed to (or not) by the next email, and a change to something else
// about a client keeps the list it has.
func TestRoutingFollowsClientChanges(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	stranger := "bookkeeper@elsewhere.example"
	routed := func(subject string) int64 {
		t.Helper()
		r, err := route(w.ctx, w.pool, w.pid, "", stranger, subject)
		if err != nil {
			t.Fatal(err)
		}
		return r.EntityID
	}
	version := func() string {
		var v string
		w.scan(&v, `SELECT version::text FROM client_list_versions WHERE practice_id = $1`, w.pid)
		return v
	}
	if id := routed("Papers for Brightwater Bakery"); id != 0 {
		t.Fatalf("no such client yet, routed to %d", id)
	}
	ps := practice.Store{DB: w.pool}
	e, err := ps.SaveEntity(w.ctx, w.pid, 0, 0, practice.EntityInput{Code: fmt.Sprintf("BWB%d", seq.Add(1)), Name: "Brightwater Bakery"})
	w.must(e, err)
	if id := routed("Papers for Brightwater Bakery"); id != e.ID {
		t.Fatalf("a client added: routed to %d, want %d", id, e.ID)
	}

	before := version()
	w.exec(`UPDATE entities SET billing_email = 'accounts@brightwater.example' WHERE practice_id = $1 AND id = $2`, w.pid, e.ID)
	if after := version(); after != before {
		t.Errorf("a billing address changed the client list's version: %s, then %s", before, after)
	}

	w.exec(`UPDATE entities SET name = 'Brightwater Patisserie' WHERE practice_id = $1 AND id = $2`, w.pid, e.ID)
	if id := routed("Papers for Brightwater Bakery"); id != 0 {
		t.Fatalf("renamed: the old name routed to %d", id)
	}
	if id := routed("Re: Brightwater Patisserie VAT"); id != e.ID {
		t.Fatalf("renamed: the new name routed to %d, want %d", id, e.ID)
	}
	w.exec(`UPDATE entities SET archived_at = now() WHERE practice_id = $1 AND id = $2`, w.pid, e.ID)
	if id := routed("Re: Brightwater Patisserie VAT"); id != 0 {
		t.Fatalf("archived, still routed to %d", id)
	}
	w.exec(`UPDATE entities SET archived_at = NULL WHERE practice_id = $1 AND id = $2`, w.pid, e.ID)
	if id := routed("Re: Brightwater Patisserie VAT"); id != e.ID {
		t.Fatalf("restored: routed to %d, want %d", id, e.ID)
	}
	w.exec(`DELETE FROM entities WHERE practice_id = $1 AND id = $2`, w.pid, e.ID)
	if id := routed("Re: Brightwater Patisserie VAT"); id != 0 {
		t.Fatalf("deleted, still routed to %d", id)
	}
}
