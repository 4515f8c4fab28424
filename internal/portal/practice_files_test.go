package portal

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// A practice's own file is kept among its client's documents, of the
// month, linked to the client's pack of that month when there is one, on
// the portal's terms: the same kinds of file, the same cap, the quota.
func TestSavePracticeFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := time.Date(2026, 12, 2, 11, 30, 0, 0, time.UTC)
	nov := atlas.Period{Year: 2026, Month: time.November}
	oct := atlas.Period{Year: 2026, Month: time.October}
	pdf := []byte("%PDF-1.4\nthe practice's bank reconciliation\n%%EOF\n")

	save := func(pf PracticeFile) (SavedFile, error) {
		t.Helper()
		var saved SavedFile
		err := db.InTx(f.ctx, f.pool, func(tx pgx.Tx) error {
			var err error
			saved, err = SavePracticeFile(f.ctx, tx, PGBlobs{}, f.pid, pf, now)
			return err
		})
		return saved, err
	}

	// November has a pack: the file is linked to it.
	got, err := save(PracticeFile{EntityID: f.client.entity, Period: &nov, MemberID: f.preparer, Name: "reports/bank-rec.pdf", Data: pdf})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "bank-rec.pdf" || got.ContentType != "application/pdf" || got.Size != int64(len(pdf)) || got.TaskID != f.client.task {
		t.Fatalf("saved %+v", got)
	}
	var (
		period                *time.Time
		task, item, contact   *int64
		member                int64
		source, name, ct, key string
		size                  int64
		sum                   []byte
		uploaded              time.Time
	)
	f.scan(`SELECT period, task_id, task_item_id, contact_id, member_id, source, file_name, content_type, size, sha256, storage_key, uploaded_at
		FROM documents WHERE practice_id = $1 AND id = $2`, []any{f.pid, got.ID},
		&period, &task, &item, &contact, &member, &source, &name, &ct, &size, &sum, &key, &uploaded)
	want := sha256.Sum256(pdf)
	if period == nil || !period.Equal(nov.FirstDay()) || task == nil || *task != f.client.task || item != nil || contact != nil ||
		member != int64(f.preparer) || source != SourcePractice || name != "bank-rec.pdf" || ct != "application/pdf" ||
		size != int64(len(pdf)) || !bytes.Equal(sum, want[:]) || !uploaded.Equal(now) {
		t.Fatalf("row: %v %v %v %v %d %s %s %s %d %v", period, task, item, contact, member, source, name, ct, size, uploaded)
	}
	data, err := PGBlobs{}.Get(f.ctx, f.pool, key)
	if err != nil || !bytes.Equal(data, pdf) {
		t.Fatalf("bytes: %q, %v", data, err)
	}
	// It is listed with the client's documents, as the practice's, by the member.
	docs, err := ClientDocuments(f.ctx, f.pool, f.pid, f.client.entity, &nov)
	if err != nil {
		t.Fatal(err)
	}
	var listed bool
	for _, d := range docs {
		if d.ID == got.ID {
			listed = d.Source == SourcePractice && d.By != "" && d.FileName == "bank-rec.pdf"
		}
	}
	if !listed {
		t.Fatalf("not listed as the practice's: %+v", docs)
	}

	// The same file again for the month (a retried submission) is not kept twice.
	again, err := save(PracticeFile{EntityID: f.client.entity, Period: &nov, MemberID: f.preparer, Name: "bank-rec.pdf", Data: pdf})
	if err != nil || !again.Already || again.ID != got.ID || again.TaskID != f.client.task {
		t.Fatalf("again: %+v, %v", again, err)
	}
	if n := f.count(`SELECT count(*) FROM documents WHERE practice_id = $1 AND entity_id = $2`, f.pid, f.client.entity); n != 1 {
		t.Fatalf("%d documents after saving the same file twice", n)
	}

	// October has no pack; a file of no month has none either.
	csv := []byte("Date,Amount\n2026-10-03,12.50\n")
	if got, err := save(PracticeFile{EntityID: f.client.entity, Period: &oct, MemberID: f.preparer, Name: "oct.csv", Data: csv}); err != nil ||
		got.TaskID != 0 || got.ContentType != "text/csv; charset=utf-8" {
		t.Fatalf("october: %+v, %v", got, err)
	}
	if got, err := save(PracticeFile{EntityID: f.client.entity, MemberID: f.preparer, Name: "engagement.pdf", Data: pdf}); err != nil || got.TaskID != 0 {
		t.Fatalf("no month: %+v, %v", got, err)
	}
	// A pack named must be the client's of that month.
	if _, err := save(PracticeFile{EntityID: f.client.entity, Period: &oct, TaskID: f.client.task, MemberID: f.preparer, Name: "x.pdf", Data: pdf}); atlas.ErrorCode(err) != atlas.EInvalid {
		t.Fatalf("another month's pack: %v", err)
	}

	// Refusals keep nothing, and say why, naming the file.
	before := f.count(`SELECT count(*) FROM documents WHERE practice_id = $1`, f.pid)
	for _, c := range []struct {
		name string
		pf   PracticeFile
		want string
	}{
		{"too large", PracticeFile{Name: "big.pdf", Data: pdf, MaxBytes: 10}, "big.pdf is larger than 10 bytes"},
		{"over the cap", PracticeFile{Name: "huge.pdf", Data: append(append([]byte{}, pdf...), make([]byte, MaxFileBytes)...)}, "huge.pdf is larger than 25 MB"},
		{"empty", PracticeFile{Name: "empty.pdf"}, "empty.pdf is empty"},
		{"not taken", PracticeFile{Name: "run.exe", Data: []byte("MZ\x90\x00\x03")}, "run.exe is not a kind of file Atlas keeps"},
		{"disguised", PracticeFile{Name: "invoice.pdf", Data: []byte("<html><script>alert(1)</script></html>")}, "invoice.pdf is not a kind"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.pf.EntityID, c.pf.Period, c.pf.MemberID = f.client.entity, &nov, f.preparer
			_, err := save(c.pf)
			var ae *atlas.Error
			if !errors.As(err, &ae) || ae.Code != atlas.EInvalid || !strings.Contains(ae.Message, c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
	// The client's quota holds for the practice's files too.
	f.exec(`UPDATE practices SET upload_quota_bytes = $2 WHERE id = $1`, f.pid, int64(3*len(pdf)))
	_, err = save(PracticeFile{EntityID: f.client.entity, Period: &nov, MemberID: f.preparer, Name: "more.pdf", Data: pdf})
	if atlas.ErrorCode(err) != atlas.EInvalid || !strings.Contains(err.Error(), "used all the space") {
		t.Fatalf("over the quota: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM documents WHERE practice_id = $1`, f.pid); n != before {
		t.Fatalf("refusals kept %d documents", n-before)
	}
}
