package portal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/server"
)

var practices atomic.Int64

var testSecret = []byte("portal-test-secret-0123456789abcdef")

// fixture is a practice with a preparer, and its server: one client with
// a contact, a pack for November 2026 asking for two documents, and a
// sent invoice.
type fixture struct {
	t        testing.TB
	ctx      context.Context
	pool     *pgxpool.Pool
	pid      atlas.PracticeID
	ps       practice.Store
	signer   Signer
	srv      *httptest.Server
	handler  http.Handler
	preparer atlas.MemberID
	client   client
}

// client is one client of the practice, with its contact, pack and
// invoice.
type client struct {
	entity  int64
	contact int64
	email   string
	task    int64
	items   []int64 // requested items: bank statements, sales invoices
	invoice int64
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureOn(t, pgtest.Pool(t))
}

// newFixtureOn is newFixture on pool's database.
func newFixtureOn(t testing.TB, pool *pgxpool.Pool) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), pool: pool, ps: practice.Store{DB: pool}, signer: Signer{Secret: testSecret},
		pid: atlas.PracticeID(fmt.Sprintf("TPRT%d%d", time.Now().UnixNano()%100000, practices.Add(1)))}
	if _, err := f.ps.Ensure(f.ctx, f.pid); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ps.SaveBasics(f.ctx, f.pid, 0, practice.Basics{Name: "Ledgerline & Co", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ps.SaveBillingSettings(f.ctx, f.pid, 0, practice.BillingSettings{
		VATRegistered: true, VATNumber: "GB 123 4567 89", ReducedVATRate: "5", PostalAddress: "14 Quay Street\nBristol\nBS1 4DJ",
		VATRounding: "invoice", LineGrouping: "service", BillingRunDay: "1",
	}); err != nil {
		t.Fatal(err)
	}
	m, err := f.ps.AddMember(f.ctx, f.pid, 0, practice.NewMember{SlackUserID: "UPREP", Name: "Bea Preparer", Role: atlas.RoleManager})
	if err != nil {
		t.Fatal(err)
	}
	f.preparer = m.ID
	f.client = f.newClient("HARB", "Harbour Bakery Ltd", "jane@harbour"+strings.ToLower(string(f.pid))+".example")

	// The portal on Atlas's own server, as serve mounts it.
	log := slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r := server.New(log, func(context.Context) error { return nil }).Router
	New(Deps{DB: pool, Signer: f.signer, Log: log}).Mount(r)
	f.handler = r
	f.srv = httptest.NewServer(r)
	t.Cleanup(f.srv.Close)
	return f
}

var codes atomic.Int64

// newClient adds a client with a contact, November 2026's pack asking for
// two documents (and one item the client is not asked for), and a sent
// invoice of £874.00 of which £100 is paid.
func (f *fixture) newClient(code, name, email string) client {
	f.t.Helper()
	code = fmt.Sprintf("%s%d", code, codes.Add(1))
	e, err := f.ps.SaveEntity(f.ctx, f.pid, 0, 0, practice.EntityInput{Code: code, Name: name, BillingType: "hourly",
		BillingEmail: email, BillingContact: "Jane Smith", BillingAddress: "Unit 3, Wapping Wharf\nBristol\nBS1 6WP",
		PaymentTerms: "30", Manager: &f.preparer})
	if err != nil {
		f.t.Fatal(err)
	}
	c := client{entity: e.ID, email: email}
	f.scan(`INSERT INTO client_contacts (practice_id, entity_id, name, email) VALUES ($1, $2, 'Jane Smith', $3) RETURNING id`,
		[]any{f.pid, c.entity, email}, &c.contact)
	c.task = f.pack(c.entity, atlas.Period{Year: 2026, Month: time.November})
	rows, err := f.pool.Query(f.ctx, `SELECT id FROM task_items WHERE practice_id = $1 AND task_id = $2 AND client_request IS NOT NULL ORDER BY position`, f.pid, c.task)
	if err != nil {
		f.t.Fatal(err)
	}
	c.items, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		f.t.Fatal(err)
	}
	f.scan(`INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency, label, period, up_to,
			subtotal, vat, total, vat_registered, vat_rounding, preparer_id, approved_by, approved_at, created_at,
			issue_date, due_date, sent_at, paid)
		VALUES ($1, $2, 'hourly', 'sent', $3, 'GBP', 'November 2026', '2026-11-01', '2026-11-30', 734, 140, 874, true, 'invoice',
			$4, $4, '2026-11-30 16:00Z', '2026-11-30 09:00Z', '2026-12-01', '2026-12-31', '2026-12-01 08:00Z', 100)
		RETURNING id`, []any{f.pid, c.entity, "INV-" + code, int64(f.preparer)}, &c.invoice)
	f.exec(`INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, minutes, rate, time_value, amount, vat_treatment, vat_rate)
		VALUES ($1, $2, 0, 'time', 'Bookkeeping for November 2026', 450, 60, 450, 450, 'standard', 20),
		       ($1, $2, 1, 'time', 'VAT return for the quarter to 30 November 2026', 180, 95, 285, 250, 'standard', 20),
		       ($1, $2, 2, 'adhoc', 'Companies House confirmation statement fee', NULL, NULL, 0, 34, 'outside', 0)`, f.pid, c.invoice)
	return c
}

// pack adds the client's task of period, prepared by the fixture's
// preparer: stage 1 asks the client for bank statements and sales
// invoices; a third item is the practice's own.
func (f *fixture) pack(entity int64, period atlas.Period) int64 {
	f.t.Helper()
	var tpl int64
	err := f.pool.QueryRow(f.ctx, `SELECT id FROM templates WHERE practice_id = $1 AND name = 'Monthly'`, f.pid).Scan(&tpl)
	if err == pgx.ErrNoRows {
		f.scan(`INSERT INTO templates (practice_id, name) VALUES ($1, 'Monthly') RETURNING id`, []any{f.pid}, &tpl)
	} else if err != nil {
		f.t.Fatal(err)
	}
	start := period.FirstDay()
	var task int64
	f.scan(`INSERT INTO tasks (practice_id, entity_id, template_id, period, preparer_id, reviewer_id, due_date, stage_targets, items_total)
		VALUES ($1, $2, $3, $4, $5, $5, $4::date + 40, ARRAY[$4::date + 5, $4::date + 15, $4::date + 20, $4::date + 28, $4::date + 35, $4::date + 40], 3)
		RETURNING id`, []any{f.pid, entity, tpl, start, int64(f.preparer)}, &task)
	f.exec(`INSERT INTO task_items (practice_id, task_id, stage, position, text, mandatory, client_request)
		VALUES ($1, $2, 1, 0, 'Bank statements', true, 'Bank statements for the month'),
		       ($1, $2, 1, 1, 'Sales invoices', true, 'Copies of your sales invoices'),
		       ($1, $2, 1, 2, 'Reconcile the bank', true, NULL)`, f.pid, task)
	return task
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.pool.Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

func (f *fixture) scan(sql string, args []any, dest ...any) {
	f.t.Helper()
	if err := f.pool.QueryRow(f.ctx, sql, args...).Scan(dest...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	f.scan(sql, args, &n)
	return n
}

// link makes a sign-in link for a contact, now.
func (f *fixture) link(contact int64, now time.Time) string {
	f.t.Helper()
	var tok string
	err := pgx.BeginFunc(f.ctx, f.pool, func(tx pgx.Tx) error {
		var err error
		tok, err = f.signer.NewLink(f.ctx, tx, f.pid, contact, now)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// browser is an HTTP client with its own cookies.
func (f *fixture) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// signIn is a browser signed in as the client's contact.
func (f *fixture) signIn(c client) *http.Client {
	f.t.Helper()
	b := f.browser()
	resp, body := f.get(b, "/portal/login?t="+f.link(c.contact, time.Now()))
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/portal" {
		f.t.Fatalf("sign in: %d at %s: %s", resp.StatusCode, resp.Request.URL, body)
	}
	return b
}

func (f *fixture) get(b *http.Client, path string) (*http.Response, string) {
	f.t.Helper()
	resp, err := b.Get(f.srv.URL + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the form token on the signed-in page.
func (f *fixture) csrf(b *http.Client) string {
	f.t.Helper()
	_, body := f.get(b, "/portal")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		f.t.Fatalf("no csrf field on the page: %s", body)
	}
	return m[1]
}

// upload posts files to an item as the form does: the token first, then
// the files. token "" sends no token field.
func (f *fixture) upload(b *http.Client, item int64, token string, files map[string][]byte, header http.Header) (*http.Response, string) {
	f.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if token != "" {
		_ = mw.WriteField("csrf", token)
	}
	for name, data := range files {
		w, err := mw.CreateFormFile("files", name)
		if err != nil {
			f.t.Fatal(err)
		}
		_, _ = w.Write(data)
	}
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/portal/items/"+strconv.FormatInt(item, 10)+"/files", &buf)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

func (f *fixture) postForm(b *http.Client, path string, form url.Values) (*http.Response, string) {
	f.t.Helper()
	resp, err := b.PostForm(f.srv.URL+path, form)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

func (f *fixture) documents(entity int64) int {
	return f.count(`SELECT count(*) FROM documents WHERE practice_id = $1 AND entity_id = $2`, f.pid, entity)
}

// pdfBytes is a small file that sniffs as a PDF.
var pdfBytes = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func contains(t testing.TB, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q:\n%s", w, body)
		}
	}
}

// recorder keeps the messages sent through it.
type recorder struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (r *recorder) Send(_ context.Context, m mail.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil
}

func jobOf(a LinkEmailArgs) *river.Job[LinkEmailArgs] {
	return &river.Job[LinkEmailArgs]{JobRow: &rivertype.JobRow{Kind: LinkEmailKind, Attempt: 1, MaxAttempts: 6}, Args: a}
}

// logWriter sends the server's log to the test's.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
