package portal

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// BenchmarkUpload10MB stores a 10 MB PDF through the real handler over
// HTTP — session check, CSRF, streaming read, sniffing, hashing, the blob,
// the document row, the tick and the preparer's message in one
// transaction — beside a floor measured in the same run: a bare INSERT of
// the same bytes into document_blobs. The ratio is reported, not asserted.
func BenchmarkUpload10MB(b *testing.B) {
	_, pool := pgtest.NewDatabase(b)
	f := newFixtureOn(b, pool)
	f.exec(`UPDATE practices SET upload_quota_bytes = $2 WHERE id = $1`, f.pid, int64(1)<<50)
	browser := f.signIn(f.client)
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	token := f.csrf(browser)
	data := make([]byte, 10<<20)
	copy(data, pdfBytes)
	for i := len(pdfBytes); i < len(data); i++ {
		data[i] = byte(i * 7)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", token)
	w, _ := mw.CreateFormFile("files", "bank-statements.pdf")
	_, _ = w.Write(data)
	_ = mw.Close()
	url := f.srv.URL + "/portal/items/" + strconv.FormatInt(f.client.items[0], 10) + "/files"

	var paths, floors []time.Duration
	for i := 0; b.Loop(); i++ {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body.Bytes()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		start := time.Now()
		resp, err := browser.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		paths = append(paths, time.Since(start))
		if resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("upload: %d", resp.StatusCode)
		}
		b.StopTimer()
		start = time.Now()
		if _, err := pool.Exec(f.ctx, `INSERT INTO document_blobs (storage_key, data) VALUES ($1, $2)`, fmt.Sprintf("floor/%d", i), data); err != nil {
			b.Fatal(err)
		}
		floors = append(floors, time.Since(start))
		b.StartTimer()
	}
	b.ReportMetric(float64(median(paths))/float64(median(floors)), "x-floor-p50")
	b.ReportMetric(float64(median(paths))/1e6, "upload-ms")
	b.ReportMetric(float64(median(floors))/1e6, "floor-ms")
}

// BenchmarkPeriodPage draws the period page of a client with 24 months of
// history — a pack a month with two requested items, three documents a
// month, an invoice a month and a credit note a quarter — in the server
// (the handler, no network). Target: under 20 ms.
func BenchmarkPeriodPage(b *testing.B) {
	_, pool := pgtest.NewDatabase(b)
	f := newFixtureOn(b, pool)
	c := f.client
	p := atlas.Period{Year: 2026, Month: time.November}
	for m := 1; m < 24; m++ {
		p = p.Prev()
		f.pack(c.entity, p)
	}
	f.exec(`INSERT INTO document_blobs (storage_key, data)
		SELECT 'bench/' || $1::text || '/' || g, convert_to(repeat('x', 2000), 'UTF8') FROM generate_series(1, 72) g`, string(f.pid))
	f.exec(`INSERT INTO documents (practice_id, entity_id, period, task_id, task_item_id, source, contact_id, file_name, content_type, size, sha256, storage_key)
		SELECT $1, $2, t.period, t.id, ti.id, 'portal', $3, 'statement-' || g || '.pdf', 'application/pdf', 2000, '\x00',
		       'bench/' || $1 || '/' || (row_number() OVER ())
		  FROM tasks t JOIN task_items ti ON ti.practice_id = t.practice_id AND ti.task_id = t.id AND ti.position = 0
		  CROSS JOIN generate_series(1, 3) g
		 WHERE t.practice_id = $1 AND t.entity_id = $2`, f.pid, c.entity, c.contact)
	f.exec(`INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency, label, period, up_to, subtotal, vat, total,
			vat_registered, vat_rounding, approved_by, approved_at, issue_date, due_date, sent_at, paid)
		SELECT $1, $2, 'hourly', CASE WHEN g > 2 THEN 'paid' ELSE 'sent' END, 'B-' || $1 || '-' || g, 'GBP', 'Month ' || g,
		       date '2026-10-01' - make_interval(months => g), date '2026-10-31' - make_interval(months => g), 500, 100, 600, true, 'invoice',
		       $3, now(), date '2026-11-01' - make_interval(months => g), date '2026-12-01' - make_interval(months => g), now(),
		       CASE WHEN g > 2 THEN 600 ELSE 0 END
		  FROM generate_series(1, 23) g`, f.pid, c.entity, int64(f.preparer))
	f.exec(`INSERT INTO credit_notes (practice_id, invoice_id, number, issued_on, reason, time_to, subtotal, vat, total)
		SELECT practice_id, id, 'CN-' || id, issue_date + 5, 'Goodwill', 'none', 10, 2, 12
		  FROM invoices WHERE practice_id = $1 AND entity_id = $2 AND status = 'sent' AND number LIKE 'B-%'`, f.pid, c.entity)
	f.exec(`ANALYZE`)

	tok := f.link(c.contact, time.Now())
	req := httptest.NewRequest(http.MethodGet, "/portal/2026-11", nil)
	req.AddCookie(&http.Cookie{Name: cookieName, Value: tok})
	var took []time.Duration
	for b.Loop() {
		rec := httptest.NewRecorder()
		start := time.Now()
		f.handler.ServeHTTP(rec, req)
		took = append(took, time.Since(start))
		if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte("November 2025")) {
			b.Fatalf("page: %d", rec.Code)
		}
	}
	b.ReportMetric(float64(median(took))/1e6, "page-ms-p50")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
