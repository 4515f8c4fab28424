package portal

import (
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// A download link from Slack sends the document's bytes as an attachment
// under its stored name and type; altered, expired, or signed with another
// secret it is refused; a document gone is not found.
func TestStaffDownload(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clock := atlas.NewFixedClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	r := chi.NewRouter()
	New(Deps{DB: f.pool, Signer: f.signer, Clock: clock}).Mount(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)

	data := []byte("Date,Amount\n2026-11-03,12.50\n")
	sum := sha256.Sum256(data)
	key := newStorageKey()
	if err := (PGBlobs{}).Put(f.ctx, f.pool, key, data); err != nil {
		t.Fatal(err)
	}
	var doc int64
	f.scan(`INSERT INTO documents (practice_id, entity_id, period, task_id, task_item_id, source, contact_id, file_name, content_type, size, sha256, storage_key)
		VALUES ($1, $2, '2026-11-01', $3, $4, 'portal', $5, $6, 'text/csv; charset=utf-8', $7, $8, $9) RETURNING id`,
		[]any{f.pid, f.client.entity, f.client.task, f.client.items[0], f.client.contact, "bank “nov” 2026.csv", len(data), sum[:], key}, &doc)

	get := func(t *testing.T, url string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	link := f.signer.DownloadURL(srv.URL, doc, clock.Now())

	resp, body := get(t, link)
	if resp.StatusCode != http.StatusOK || body != string(data) {
		t.Fatalf("good link: %d %q", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "bank%20%E2%80%9Cnov%E2%80%9D%202026.csv") {
		t.Errorf("content disposition %q", cd)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("cache control %q", cc)
	}

	tok := link[strings.LastIndex(link, "/")+1:]
	flip := []byte(tok)
	flip[3] ^= 'A' ^ 'B' // another document id, or a broken signature
	if flip[3] == tok[3] {
		t.Fatal("nothing changed")
	}
	forbidden := map[string]string{
		"tampered":       srv.URL + "/portal/files/" + string(flip),
		"truncated":      srv.URL + "/portal/files/" + tok[:len(tok)-2],
		"garbage":        srv.URL + "/portal/files/not-a-token",
		"another secret": Signer{Secret: []byte("another secret of thirty-two bytes")}.DownloadURL(srv.URL, doc, clock.Now()),
	}
	for name, url := range forbidden {
		t.Run(name, func(t *testing.T) {
			resp, body := get(t, url)
			if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "Amount") {
				t.Errorf("status %d, want 403: %s", resp.StatusCode, body)
			}
			contains(t, body, "This link does not work")
		})
	}

	// A document gone since the link was made is not found.
	gone := f.signer.DownloadURL(srv.URL, doc+1_000_000, clock.Now())
	if resp, _ := get(t, gone); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown document: %d, want 404", resp.StatusCode)
	}

	// Just before it expires the link works; at its expiry it no longer does.
	clock.Advance(StaffLinkLife - time.Second)
	if resp, _ := get(t, link); resp.StatusCode != http.StatusOK {
		t.Errorf("a second before expiry: %d", resp.StatusCode)
	}
	clock.Advance(time.Second)
	resp, body = get(t, link)
	if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "Amount") {
		t.Errorf("expired: %d, want 403", resp.StatusCode)
	}
}
