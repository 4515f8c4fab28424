package bot_test

import (
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot"
	"github.com/atlas-practice/atlas/internal/portal"
)

// testPortal is the portal every test world's /docs signs its links for.
var testPortal = bot.Portal{URL: "http://127.0.0.1:8080", Secret: []byte("a test secret of thirty-two bytes!")}

var downloadLink = regexp.MustCompile(`http://127\.0\.0\.1:8080(/portal/files/[A-Za-z0-9_-]+)\|([^>]+)>`)

// /docs lists a client's documents with working download links, to staff
// and up; /docs <client> revoke is the managers', and signs the client's
// contacts out of the portal.
func TestDocsJourney(t *testing.T) {
	t.Parallel()
	w := newTimeWorld(t, "socket")
	// NWT's contact, its October pack asking for bank statements, and the
	// statement the contact sent for it.
	var contact, task, item int64
	scan := func(dest *int64, sql string, args ...any) {
		t.Helper()
		if err := w.pool.QueryRow(w.ctx, sql, args...).Scan(dest); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	scan(&contact, `INSERT INTO client_contacts (practice_id, entity_id, name, email) VALUES ($1, $2, 'Jane Smith', 'jane@nwt.example') RETURNING id`,
		w.pid, w.nwt)
	var template int64
	scan(&template, `INSERT INTO templates (practice_id, name) VALUES ($1, 'Monthly') RETURNING id`, w.pid)
	scan(&task, `INSERT INTO tasks (practice_id, entity_id, template_id, period, preparer_id, reviewer_id, due_date, stage_targets, items_total)
		VALUES ($1, $2, $3, '2026-10-01', $4, $4, '2026-11-10',
			ARRAY['2026-11-03', '2026-11-05', '2026-11-07', '2026-11-08', '2026-11-09', '2026-11-10']::date[], 1) RETURNING id`,
		w.pid, w.nwt, template, int64(w.staff))
	scan(&item, `INSERT INTO task_items (practice_id, task_id, stage, position, text, mandatory, client_request)
		VALUES ($1, $2, 1, 0, 'Bank statements', true, 'Bank statements for the month') RETURNING id`, w.pid, task)
	statement := []byte("%PDF-1.4\nOctober's statement\n%%EOF\n")
	sum := sha256.Sum256(statement)
	if _, err := w.pool.Exec(w.ctx, `INSERT INTO document_blobs (storage_key, data) VALUES ('doc/e2e-1', $1)`, statement); err != nil {
		t.Fatal(err)
	}
	if _, err := w.pool.Exec(w.ctx, `INSERT INTO documents (practice_id, entity_id, period, task_id, task_item_id, source, contact_id,
			file_name, content_type, size, sha256, storage_key, uploaded_at)
		VALUES ($1, $2, '2026-10-01', $3, $4, 'portal', $5, 'bank-oct.pdf', 'application/pdf', $6, $7, 'doc/e2e-1', '2026-11-03 14:05Z')`,
		w.pid, w.nwt, task, item, contact, len(statement), sum[:]); err != nil {
		t.Fatal(err)
	}

	// Staff list a client of several words, typed without quotes.
	got := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(w.ask(staffID, "/docs", "northwind traders"))
	mustContain(t, "list", got, "Documents · NWT · Northwind Traders", "1 document", "*October 2026*",
		"*Bank statements* · _from the client, through the portal_", "bank-oct.pdf> · 35 bytes · Jane Smith · 3 Nov 2026 14:05",
		"Download links work for 15 minutes")
	m := downloadLink.FindStringSubmatch(got)
	if m == nil || m[2] != "bank-oct.pdf" {
		t.Fatalf("no download link in:\n%s", got)
	}

	// The link works through the portal, on the same clock, without a session.
	r := chi.NewRouter()
	portal.New(portal.Deps{DB: w.pool, Signer: portal.Signer{Secret: testPortal.Secret}, Clock: w.clock}).Mount(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	fetch := func(path string) (int, string, http.Header) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	code, body, hdr := fetch(m[1])
	if code != http.StatusOK || body != string(statement) || hdr.Get("Content-Type") != "application/pdf" ||
		hdr.Get("Content-Disposition") != `attachment; filename=bank-oct.pdf` {
		t.Fatalf("download: %d %q %v", code, body, hdr)
	}
	w.clock.Advance(portal.StaffLinkLife)
	if code, _, _ := fetch(m[1]); code != http.StatusForbidden {
		t.Fatalf("a link past its life: %d, want 403", code)
	}

	// A month: the one with the document, and one without.
	mustContain(t, "october", w.ask(staffID, "/docs", "nwt october 2026"), "Documents · NWT · Northwind Traders · October 2026", "bank-oct.pdf")
	mustContain(t, "november", w.ask(staffID, "/docs", "nwt 2026-11"), "None for November 2026. `/docs NWT` lists every month's.")
	mustContain(t, "ambiguous", w.ask(staffID, "/docs", "northwind"), "matches 2 clients")
	mustContain(t, "no client", w.ask(staffID, "/docs", ""), "Name the client")

	// Revoking: the manager's, not staff's.
	var tok string
	if err := pgx.BeginFunc(w.ctx, w.pool, func(tx pgx.Tx) error {
		var err error
		tok, err = portal.Signer{Secret: testPortal.Secret}.NewLink(w.ctx, tx, w.pid, contact, w.clock.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	signedIn := func() bool {
		_, err := portal.Signer{Secret: testPortal.Secret}.Resolve(w.ctx, w.pool, tok, w.clock.Now())
		return err == nil
	}
	if !signedIn() {
		t.Fatal("the link does not sign in before revoking")
	}
	mustContain(t, "staff revoke", w.ask(staffID, "/docs", "nwt revoke"), "Revoking a client's portal sign-in links is for managers, partners and admins")
	mustContain(t, "staff revoke first", w.ask(staffID, "/docs", "revoke nwt"), "Revoking a client's portal sign-in links is for managers, partners and admins")
	if !signedIn() {
		t.Fatal("staff revoked the link")
	}
	mustContain(t, "manager revoke", w.ask(managerID, "/docs", "nwt revoke"),
		"Revoked 1 portal sign-in link of NWT · Northwind Traders", "http://127.0.0.1:8080/portal/login")
	if signedIn() {
		t.Fatal("the link still signs in after revoking")
	}
	var audited int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action = 'portal.links_revoked'
		AND subject_id = $2 AND actor_id = $3`, w.pid, w.nwt, int64(w.manager)).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("audited %d, %v", audited, err)
	}
	mustContain(t, "again", w.ask(managerID, "/docs", "revoke northwind traders"), "had no sign-in link still working, so none was revoked")
}
