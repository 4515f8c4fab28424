package portal

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
)

func TestPeriodPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.signIn(f.client)
	resp, body := f.get(b, "/portal")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	contains(t, body, "Ledgerline &amp; Co", "November 2026", "Bank statements for the month", "Copies of your sales invoices",
		"Waiting for you", `type="file"`, "multiple", `<label for="files-`, `name="viewport"`,
		"/portal/invoices/"+strconv.FormatInt(f.client.invoice, 10)+".pdf", "£874.00", "£774.00", "Awaiting payment")
	if strings.Contains(body, "Reconcile the bank") {
		t.Error("the page shows an item the client was not asked for")
	}
	if strings.Contains(body, "<table") {
		t.Error("the page lays out with a table")
	}
	if resp, _ := f.get(b, "/portal/2026-10"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a period without a pack: %d, want 404", resp.StatusCode)
	}
}

func TestUploadTicksTheItemAndTellsThePreparer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.signIn(f.client)
	item := f.client.items[0]
	resp, body := f.upload(b, item, f.csrf(b), map[string][]byte{"bank-nov.pdf": pdfBytes, "bank-nov-2.csv": []byte("date,amount\n2026-11-02,12.50\n")}, nil)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/portal/2026-11" {
		t.Fatalf("upload: %d at %s: %s", resp.StatusCode, resp.Request.URL, body)
	}
	contains(t, body, "received 2 files", "Received", "bank-nov.pdf", "bank-nov-2.csv")
	var doneAt, receivedAt *time.Time
	var receivedBy, doneBy *int64
	f.scan(`SELECT done_at, received_at, received_by, done_by FROM task_items WHERE id = $1`, []any{item}, &doneAt, &receivedAt, &receivedBy, &doneBy)
	if doneAt == nil || receivedAt == nil || receivedBy == nil || *receivedBy != f.client.contact || doneBy != nil {
		t.Fatalf("item after upload: done %v received %v by %v done_by %v", doneAt, receivedAt, receivedBy, doneBy)
	}
	if n := f.count(`SELECT count(*) FROM river_job WHERE kind = 'slack_post' AND args->>'render' = $1 AND args->>'practice' = $2
		AND args->>'channel' = 'UPREP' AND args->'subject'->>'type' = 'document'`, RenderReceived, string(f.pid)); n != 2 {
		t.Errorf("%d posts to the preparer, want 2", n)
	}
	// A ticked item still takes more files, and keeps its first receipt.
	resp, _ = f.upload(b, item, f.csrf(b), map[string][]byte{"late.png": pngBytes()}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("second upload: %d", resp.StatusCode)
	}
	var again time.Time
	f.scan(`SELECT received_at FROM task_items WHERE id = $1`, []any{item}, &again)
	if !again.Equal(*receivedAt) {
		t.Errorf("received_at moved from %v to %v", *receivedAt, again)
	}
	if n := f.documents(f.client.entity); n != 3 {
		t.Errorf("%d documents, want 3", n)
	}
	// The client downloads what they sent.
	var doc int64
	f.scan(`SELECT id FROM documents WHERE practice_id = $1 AND file_name = 'bank-nov.pdf'`, []any{f.pid}, &doc)
	resp, body = f.get(b, "/portal/documents/"+strconv.FormatInt(doc, 10))
	if resp.StatusCode != http.StatusOK || body != string(pdfBytes) || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// The preparer's message.
	r, err := ReceivedDocument(f.ctx, f.pool, f.pid, doc)
	if err != nil || r.Client != "Harbour Bakery Ltd" || r.Item != "Bank statements" || r.TaskID != f.client.task || r.Period.String() != "2026-11" {
		t.Errorf("received: %+v %v", r, err)
	}
}

func pngBytes() []byte {
	return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
}

func TestUploadNeedsTheCSRFToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.signIn(f.client)
	for name, tok := range map[string]string{"missing": "", "wrong": "bm90LXRoZS10b2tlbg", "another session's": f.csrfOf(f.link(f.client.contact, time.Now()))} {
		t.Run(name, func(t *testing.T) {
			resp, body := f.upload(b, f.client.items[0], tok, map[string][]byte{"bank.pdf": pdfBytes}, nil)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403: %s", resp.StatusCode, body)
			}
		})
	}
	// Sign out is a POST too.
	if resp, _ := f.postForm(b, "/portal/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign out without the token: %d, want 403", resp.StatusCode)
	}
	if n := f.documents(f.client.entity); n != 0 {
		t.Errorf("%d documents stored", n)
	}
}

// csrfOf is the token of the session of tok.
func (f *fixture) csrfOf(tok string) string {
	return (&Handler{deps: Deps{Signer: f.signer}}).csrfToken(tok)
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.signIn(f.client)
	for name, h := range map[string]http.Header{
		"Sec-Fetch-Site": {"Sec-Fetch-Site": {"cross-site"}},
		"Origin":         {"Origin": {"https://evil.example"}},
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := f.upload(b, f.client.items[0], f.csrf(b), map[string][]byte{"bank.pdf": pdfBytes}, h)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403: %s", resp.StatusCode, body)
			}
		})
	}
	if n := f.documents(f.client.entity); n != 0 {
		t.Errorf("%d documents stored", n)
	}
}

func TestUploadOverTheCapIsCutOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.signIn(f.client)
	big := make([]byte, MaxFileBytes+1)
	copy(big, pdfBytes)
	resp, body := f.upload(b, f.client.items[0], f.csrf(b), map[string][]byte{"big.pdf": big}, nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413: %s", resp.StatusCode, body)
	}
	contains(t, body, "big.pdf is larger than 25 MB")
	if n := f.documents(f.client.entity); n != 0 {
		t.Errorf("%d documents stored", n)
	}
	if n := f.count(`SELECT count(*) FROM task_items WHERE id = $1 AND done_at IS NOT NULL`, f.client.items[0]); n != 0 {
		t.Error("the item was ticked")
	}
	// A file of exactly the cap is taken.
	resp, body = f.upload(b, f.client.items[0], f.csrf(b), map[string][]byte{"big.pdf": big[:MaxFileBytes]}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a file of the cap: %d: %s", resp.StatusCode, body)
	}
}

func TestUploadOfAFileNotTaken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.signIn(f.client)
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 200)...)
	for name, c := range map[string]struct {
		file string
		data []byte
	}{
		"an exe":                 {"setup.exe", []byte("MZ\x90\x00\x03\x00\x00\x00")},
		"ELF bytes named as PDF": {"statement.pdf", elf},
		"a PDF named as a PNG":   {"photo.png", pdfBytes},
		"HTML named as CSV":      {"bank.csv", []byte("<html><script>alert(1)</script></html>")},
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := f.upload(b, f.client.items[0], f.csrf(b), map[string][]byte{c.file: c.data}, nil)
			if resp.StatusCode != http.StatusUnsupportedMediaType {
				t.Fatalf("status %d, want 415: %s", resp.StatusCode, body)
			}
			contains(t, body, "PDF, PNG, JPEG")
		})
	}
	if n := f.documents(f.client.entity); n != 0 {
		t.Errorf("%d documents stored", n)
	}
}

func TestUploadNameIsCleaned(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.signIn(f.client)
	resp, body := f.upload(b, f.client.items[1], f.csrf(b), map[string][]byte{"../../etc/passwd.pdf": pdfBytes}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var name, key, ct string
	var size int64
	f.scan(`SELECT file_name, storage_key, content_type, size FROM documents WHERE practice_id = $1 AND entity_id = $2`,
		[]any{f.pid, f.client.entity}, &name, &key, &ct, &size)
	if name != "passwd.pdf" || !regexp.MustCompile(`^doc/[0-9a-f]{32}$`).MatchString(key) || ct != "application/pdf" || size != int64(len(pdfBytes)) {
		t.Errorf("stored as %q under %q (%s, %d bytes)", name, key, ct, size)
	}
	if n := f.count(`SELECT count(*) FROM document_blobs WHERE storage_key = $1 AND data = $2`, key, pdfBytes); n != 1 {
		t.Error("the bytes are not stored under the key")
	}
}

func TestCleanName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 200) + ".pdf"
	for in, want := range map[string]string{
		"../../etc/passwd.pdf":       "passwd.pdf",
		`C:\Users\jane\bank nov.pdf`: "bank nov.pdf",
		"bank\x00\r\nnov.pdf":        "banknov.pdf",
		"inv\u202eFDP.exe":           "invFDP.exe",
		"..":                         "file",
		" .hidden. ":                 "hidden",
		long:                         strings.Repeat("é", 125) + ".pdf",
		"Bank statement – Nov ✓.pdf": "Bank statement – Nov ✓.pdf",
	} {
		if got := CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
		if got := CleanName(in); len(got) > 255 {
			t.Errorf("CleanName(%q) is %d bytes", in, len(got))
		}
	}
}

func TestSignInLinkRequestsAreThrottled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.browser()
	var ok, throttled int
	for i := 0; i < 100; i++ {
		resp, body := f.postForm(b, "/portal/login", url.Values{"email": {strings.ToUpper(f.client.email[:1]) + f.client.email[1:]}})
		switch resp.StatusCode {
		case http.StatusOK:
			ok++
			contains(t, body, "If that address is known, a link is on its way")
		case http.StatusTooManyRequests:
			throttled++
		default:
			t.Fatalf("request %d: %d: %s", i, resp.StatusCode, body)
		}
	}
	if ok != PerEmailPerHour || throttled != 100-PerEmailPerHour {
		t.Errorf("%d answered, %d throttled", ok, throttled)
	}
	if n := f.count(`SELECT count(*) FROM portal_links WHERE practice_id = $1 AND contact_id = $2`, f.pid, f.client.contact); n != PerEmailPerHour {
		t.Errorf("%d links made, want %d", n, PerEmailPerHour)
	}
	if n := f.count(`SELECT count(*) FROM river_job WHERE kind = $1 AND args->>'practice' = $2`, LinkEmailKind, string(f.pid)); n != PerEmailPerHour {
		t.Errorf("%d emails queued, want %d", n, PerEmailPerHour)
	}
	// An unknown address gets the same answer, and nothing is made.
	resp, body := f.postForm(b, "/portal/login", url.Values{"email": {"nobody-" + string(f.pid) + "@example.com"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("unknown address: %d", resp.StatusCode)
	}
	contains(t, body, "If that address is known, a link is on its way")
}

func TestSignInLinkRequestsAreThrottledByIP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ip := "198.51.100." + strconv.Itoa(int(time.Now().UnixNano()%250))
	var ok int
	for i := 0; i < 40; i++ {
		sent, err := RequestLink(f.ctx, f.pool, f.signer, "someone"+strconv.Itoa(i)+"-"+string(f.pid)+"@example.com", ip, atlas.SystemClock{})
		if err != nil {
			t.Fatal(err)
		}
		if sent {
			ok++
		}
	}
	if ok != PerIPPerHour {
		t.Errorf("%d requests taken from one address, want %d", ok, PerIPPerHour)
	}
}

func TestLinksThatDoNotWork(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	good := f.link(f.client.contact, time.Now())
	raw := []byte(good)
	raw[len(raw)/2] ^= 1
	if raw[len(raw)/2] == good[len(raw)/2] {
		t.Fatal("not tampered")
	}
	expired := f.link(f.client.contact, time.Now().Add(-LinkLife-time.Minute))
	for name, tok := range map[string]string{
		"tampered": string(raw),
		"expired":  expired,
		"garbage":  "not-a-token",
		"unsigned": Signer{Secret: []byte("another secret")}.token(1, time.Now().Add(time.Hour)),
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := f.get(f.browser(), "/portal/login?t="+url.QueryEscape(tok))
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", resp.StatusCode)
			}
			contains(t, body, "This link does not work — ask for a new one", `name="email"`)
		})
	}
	// A revoked link refuses sign-in and ends the session it began.
	b := f.browser()
	if resp, _ := f.get(b, "/portal/login?t="+good); resp.Request.URL.Path != "/portal" {
		t.Fatalf("sign in landed on %s", resp.Request.URL)
	}
	if _, err := RevokeClient(f.ctx, f.pool, f.pid, f.client.entity, time.Now()); err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.get(b, "/portal"); resp.Request.URL.Path != "/portal/login" {
		t.Errorf("after revoking, the session is still at %s", resp.Request.URL)
	}
	if resp, _ := f.get(f.browser(), "/portal/login?t="+good); resp.StatusCode != http.StatusForbidden {
		t.Errorf("revoked link: %d, want 403", resp.StatusCode)
	}
	if resp, _ := f.get(f.browser(), "/portal"); resp.Request.URL.Path != "/portal/login" {
		t.Errorf("without a session: at %s", resp.Request.URL)
	}
}

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := b.Get(f.srv.URL + "/portal/login?t=" + f.link(f.client.contact, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/portal" {
		t.Fatalf("%d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	c := resp.Header.Get("Set-Cookie")
	for _, want := range []string{cookieName + "=", "Path=/portal", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(c, want) {
			t.Errorf("cookie %q lacks %q", c, want)
		}
	}
	if strings.Contains(c, "Secure") {
		t.Errorf("cookie on 127.0.0.1 is Secure: %q", c)
	}
	// Anywhere else it is Secure.
	req := httptestRequest("portal.example.com")
	if isLocal(req) {
		t.Error("portal.example.com is local")
	}
}

func httptestRequest(host string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "https://"+host+"/portal", nil)
	return r
}

func TestAnotherClientsFilesAreNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	other := f.newClient("QUAY", "Quayside Cafe", "owner@quayside"+strings.ToLower(string(f.pid))+".example")
	ba, bb := f.signIn(f.client), f.signIn(other)
	if resp, body := f.upload(bb, other.items[0], f.csrf(bb), map[string][]byte{"quay.pdf": pdfBytes}, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	var doc int64
	f.scan(`SELECT id FROM documents WHERE practice_id = $1 AND entity_id = $2`, []any{f.pid, other.entity}, &doc)
	for name, path := range map[string]string{
		"document":   "/portal/documents/" + strconv.FormatInt(doc, 10),
		"invoice":    "/portal/invoices/" + strconv.FormatInt(other.invoice, 10) + ".pdf",
		"no such id": "/portal/documents/999999999",
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := f.get(ba, path)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("status %d, want 404", resp.StatusCode)
			}
			if strings.Contains(body, "quay.pdf") || strings.HasPrefix(body, "%PDF") {
				t.Error("the other client's file was sent")
			}
		})
	}
	// Nor may A upload against B's item.
	if resp, _ := f.upload(ba, other.items[1], f.csrf(ba), map[string][]byte{"x.pdf": pdfBytes}, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("upload to another client's item: %d, want 404", resp.StatusCode)
	}
	if n := f.count(`SELECT count(*) FROM invoices WHERE id = $1 AND portal_viewed_at IS NOT NULL`, other.invoice); n != 0 {
		t.Error("another client's invoice was marked viewed")
	}
}

func TestInvoicePDF(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.signIn(f.client)
	path := "/portal/invoices/" + strconv.FormatInt(f.client.invoice, 10) + ".pdf"
	resp, body := f.get(b, path)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "%PDF") {
		t.Fatalf("status %d, body %.40q", resp.StatusCode, body)
	}
	var first time.Time
	f.scan(`SELECT portal_viewed_at FROM invoices WHERE id = $1`, []any{f.client.invoice}, &first)
	f.get(b, path)
	var again time.Time
	f.scan(`SELECT portal_viewed_at FROM invoices WHERE id = $1`, []any{f.client.invoice}, &again)
	if !first.Equal(again) {
		t.Errorf("portal_viewed_at moved from %v to %v", first, again)
	}
	// A draft is not the client's to see.
	var draft int64
	f.scan(`INSERT INTO invoices (practice_id, entity_id, kind, status, currency, label, subtotal, vat, total, vat_registered, vat_rounding)
		VALUES ($1, $2, 'adhoc', 'draft', 'GBP', 'Draft', 10, 2, 12, true, 'invoice') RETURNING id`, []any{f.pid, f.client.entity}, &draft)
	if resp, _ := f.get(b, "/portal/invoices/"+strconv.FormatInt(draft, 10)+".pdf"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a draft: %d, want 404", resp.StatusCode)
	}
}

func TestQuota(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.exec(`UPDATE practices SET upload_quota_bytes = $2 WHERE id = $1`, f.pid, len(pdfBytes)+10)
	b := f.signIn(f.client)
	if resp, _ := f.upload(b, f.client.items[0], f.csrf(b), map[string][]byte{"a.pdf": pdfBytes}, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("first file: %d", resp.StatusCode)
	}
	resp, body := f.upload(b, f.client.items[1], f.csrf(b), map[string][]byte{"b.pdf": pdfBytes}, nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("over the quota: %d: %s", resp.StatusCode, body)
	}
	contains(t, body, "used all the space")
}

func TestSignInEmail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sent, err := RequestLink(f.ctx, f.pool, f.signer, f.client.email, "192.0.2.1", atlas.SystemClock{})
	if err != nil || !sent {
		t.Fatalf("request: %v %v", sent, err)
	}
	var args LinkEmailArgs
	f.scan(`SELECT args->>'practice', (args->>'contact_id')::bigint, (args->>'link_id')::bigint FROM river_job
		WHERE kind = $1 AND args->>'practice' = $2`, []any{LinkEmailKind, string(f.pid)}, &args.Practice, &args.ContactID, &args.LinkID)
	box := &recorder{}
	w := &linkEmailWorker{deps: MailDeps{Pool: f.pool, Mail: box, Signer: f.signer, BaseURL: f.srv.URL}}
	if err := w.Work(f.ctx, jobOf(args)); err != nil {
		t.Fatal(err)
	}
	if len(box.msgs) != 1 {
		t.Fatalf("%d messages", len(box.msgs))
	}
	m := box.msgs[0]
	if m.To[0] != `"Jane Smith" <`+f.client.email+`>` || !strings.Contains(m.Subject, "Ledgerline & Co") {
		t.Errorf("to %v, subject %q", m.To, m.Subject)
	}
	link := regexp.MustCompile(`http://\S+/portal/login\?t=\S+`).FindString(m.Text)
	if link == "" || !strings.Contains(m.HTML, "Sign in to Ledgerline &amp; Co") {
		t.Fatalf("no link in %s", m.Text)
	}
	resp, _ := f.get(f.browser(), strings.TrimPrefix(link, f.srv.URL))
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/portal" {
		t.Errorf("the emailed link: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	// A revoked link's email is not sent.
	if _, err := RevokeClient(f.ctx, f.pool, f.pid, f.client.entity, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := w.Work(f.ctx, jobOf(args)); err != nil || len(box.msgs) != 1 {
		t.Errorf("after revoking: %v, %d messages", err, len(box.msgs))
	}
}

func TestPGBlobs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	key := newStorageKey()
	var s Blobs = PGBlobs{}
	err := pgx.BeginFunc(f.ctx, f.pool, func(tx pgx.Tx) error { return s.Put(f.ctx, tx, key, []byte("abc")) })
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(f.ctx, f.pool, key); err != nil || !bytes.Equal(got, []byte("abc")) {
		t.Errorf("get: %q %v", got, err)
	}
	if err := s.Delete(f.ctx, f.pool, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(f.ctx, f.pool, key); err != ErrNoBlob {
		t.Errorf("after delete: %v", err)
	}
}
