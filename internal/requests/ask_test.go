package requests_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

const vatWords = "Your VAT return for the quarter to 30 November"

// ask asks a pack's client for words from the task window, as the bot
// does: the item and its emails in one transaction.
func (f *fixture) ask(task int64, words string) (int64, requests.Asked, error) {
	f.t.Helper()
	ps := practice.Store{DB: f.pool}
	p, err := ps.Get(f.ctx, f.pid)
	if err != nil {
		f.t.Fatal(err)
	}
	bea, err := ps.MemberBySlackID(f.ctx, f.pid, "UBEA")
	if err != nil {
		f.t.Fatal(err)
	}
	var asked requests.Asked
	_, id, err := workflow.Store{DB: f.pool}.AskClient(f.ctx, p, bea, task, words, f.clock.Now(), func(tx pgx.Tx, t workflow.Task, item int64) error {
		var err error
		asked, err = requests.AskNow(f.ctx, tx, portal.Signer{Secret: secret}, portalURL+"/", f.pid, bea.ID, t.ID, item, f.clock.Now())
		return err
	})
	return id, asked, err
}

// workAdHoc works the ad-hoc email jobs queued, as River would, and
// returns how many there were.
func (f *fixture) workAdHoc(item int64) int {
	f.t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT id, args FROM river_job WHERE kind = $1 AND args->>'practice' = $2 AND (args->>'item_id')::bigint = $3 ORDER BY id`,
		requests.JobKind, string(f.pid), item)
	if err != nil {
		f.t.Fatal(err)
	}
	var ids []int64
	var all [][]byte
	var id int64
	var raw []byte
	if _, err := pgx.ForEachRow(rows, []any{&id, &raw}, func() error { ids = append(ids, id); all = append(all, raw); return nil }); err != nil {
		f.t.Fatal(err)
	}
	for i, raw := range all {
		var a requests.SendArgs
		if err := json.Unmarshal(raw, &a); err != nil {
			f.t.Fatal(err)
		}
		if a.ItemID != item || a.Step != 0 || a.TaskID != f.acme || a.LinkID == 0 || strings.Contains(string(raw), "/portal/login") {
			f.t.Fatalf("ad-hoc job args %+v", a)
		}
		if err := requests.Work(f.ctx, f.deps, a); err != nil {
			f.t.Fatal(err)
		}
		f.exec(`DELETE FROM river_job WHERE id = $1`, ids[i])
	}
	return len(ids)
}

// Asked ad hoc from the task window, the client's contacts who receive
// requests get an email listing just that item at once, with a sign-in
// link; the pack's reminders then list it with the rest; the window's
// history shows it beside the month's request and reminder, with the
// pack's documents.
func TestAskNow(t *testing.T) {
	f := newFixture(t)
	if c := f.day(london(2026, 12, 2)); len(c) != 1 {
		t.Fatalf("request day: %+v", c)
	}
	f.inbox(2, 0)

	f.clock.Set(london(2026, 12, 3).Add(3 * time.Hour))
	item, asked, err := f.ask(f.acme, "  "+vatWords+" ")
	if err != nil {
		t.Fatal(err)
	}
	if asked.Words != vatWords || asked.ItemID != item || len(asked.Contacts) != 2 {
		t.Fatalf("asked %+v", asked)
	}
	if n := f.workAdHoc(item); n != 2 {
		t.Fatalf("%d ad-hoc email jobs, want one to each of Jane and Bob", n)
	}
	got := f.inbox(4, 2)
	f.check(got, false) // neither the bank statements nor the sales invoices
	for addr, e := range got {
		if !strings.HasPrefix(e.Subject, "Document needed for November 2026") || !strings.Contains(e.Text, vatWords) ||
			!strings.Contains(e.Text, "also needs") || !strings.Contains(e.HTML, vatWords) {
			t.Errorf("%s: %q\n%s", addr, e.Subject, e.Text)
		}
	}

	// The reminder lists what is still missing, the new item with it.
	c := f.day(london(2026, 12, 5))
	if len(c) != 1 || c[0].Step != 3 || !slices.Equal(c[0].Items, []string{bankWords, salesWords, vatWords}) {
		t.Fatalf("+3: claimed %+v", c)
	}
	f.inbox(6, 4)

	// Sent once the client has sent it, an ad-hoc email goes no more.
	f.exec(`UPDATE task_items SET received_at = now(), received_by = $2, done_at = now() WHERE id = $1`, item, f.contacts["jane@acme.example"])
	if err := requests.Work(f.ctx, f.deps, requests.SendArgs{Practice: string(f.pid), TaskID: f.acme, ItemID: item,
		ContactID: f.contacts["bob@acme.example"]}); err != nil {
		t.Fatal(err)
	}
	f.inbox(6, 6)

	f.exec(`INSERT INTO documents (practice_id, entity_id, period, task_id, task_item_id, source, contact_id, file_name, content_type, size, sha256, storage_key)
		SELECT t.practice_id, t.entity_id, t.period, t.id, $2, 'portal', $3, 'vat-q4.pdf', 'application/pdf', 12800, '\x00', 'k-' || t.id
		FROM tasks t WHERE t.id = $1`, f.acme, item, f.contacts["jane@acme.example"])
	h, err := requests.ReadHistory(f.ctx, f.pool, f.pid, f.acme, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Sent) != 3 || h.Sent[0].Step != 0 || h.Sent[0].AdHoc || len(h.Sent[0].Items) != 2 ||
		!h.Sent[1].AdHoc || h.Sent[1].By != "Bea" || !slices.Equal(h.Sent[1].Items, []string{vatWords}) ||
		h.Sent[2].Step != 3 || len(h.Sent[2].Items) != 3 {
		t.Fatalf("history: %+v", h.Sent)
	}
	if h.DocumentsTotal != 1 || len(h.Documents) != 1 || h.Documents[0].Name != "vat-q4.pdf" || h.Documents[0].Size != 12800 ||
		h.Documents[0].From != "Jane Smith" || h.Documents[0].Item != vatWords {
		t.Fatalf("documents: %+v", h)
	}
}

// A client with no contact who receives requests cannot be asked: the
// refusal undoes the item, and nothing is queued.
func TestAskNowWithoutAContact(t *testing.T) {
	f := newFixture(t)
	f.exec(`UPDATE client_contacts SET receives_requests = false WHERE practice_id = $1 AND entity_id = (SELECT entity_id FROM tasks WHERE id = $2)`, f.pid, f.acme)
	var before int
	count := func() (n int) {
		_ = f.pool.QueryRow(f.ctx, `SELECT (SELECT count(*) FROM task_items WHERE task_id = $1) + (SELECT count(*) FROM river_job WHERE kind = $2 AND args->>'practice' = $3)
			+ (SELECT count(*) FROM portal_links WHERE practice_id = $3)`, f.acme, requests.JobKind, string(f.pid)).Scan(&n)
		return n
	}
	before = count()
	_, _, err := f.ask(f.acme, vatWords)
	if atlas.ErrorCode(err) != atlas.EInvalid || !strings.Contains(atlas.ErrorMessage(err), "client form") {
		t.Fatalf("no contact: %v", err)
	}
	if after := count(); after != before {
		t.Fatalf("a refused ask saved something: %d rows, was %d", after, before)
	}
}
