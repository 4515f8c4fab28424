package portal

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/queries"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// practiceFile stores a file of the practice's for the client's pack,
// marked part of the pack.
func (f *fixture) practiceFile(name string) int64 {
	f.t.Helper()
	data := []byte("%PDF-1.4 " + name)
	sum := sha256.Sum256(data)
	key := newStorageKey()
	var id int64
	if err := db.InTx(f.ctx, f.pool, func(tx pgx.Tx) error {
		if err := (PGBlobs{}).Put(f.ctx, tx, key, data); err != nil {
			return err
		}
		return tx.QueryRow(f.ctx, `INSERT INTO documents (practice_id, entity_id, period, task_id, source, member_id, file_name, content_type,
				size, sha256, storage_key, in_pack)
			VALUES ($1, $2, '2026-11-01', $3, 'practice', $4, $5, 'application/pdf', $6, $7, $8, true) RETURNING id`,
			f.pid, f.client.entity, f.client.task, int64(f.preparer), name, len(data), sum[:], key).Scan(&id)
	}); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// deliver runs the pack's delivery in a transaction, as the task window's
// Deliver does once the pack may be delivered.
func (f *fixture) deliver() (queries.Delivered, error) {
	f.t.Helper()
	p, err := f.ps.Get(f.ctx, f.pid)
	if err != nil {
		f.t.Fatal(err)
	}
	m, err := f.ps.MemberByID(f.ctx, f.pid, f.preparer)
	if err != nil {
		f.t.Fatal(err)
	}
	var d queries.Delivered
	err = db.InTx(f.ctx, f.pool, func(tx pgx.Tx) error {
		t, err := workflow.LockTask(f.ctx, tx, f.pid, f.client.task)
		if err != nil {
			return err
		}
		d, err = queries.Deliver(f.ctx, tx, t, queries.DeliverOptions{Practice: p, Actor: m, Signer: f.signer, PortalURL: "http://portal.example", Now: time.Now()})
		if err != nil {
			return err
		}
		_, err = tx.Exec(f.ctx, `UPDATE tasks SET review_state = 'approved', approved_at = now(), approved_by = $2, completed_at = now(), completed_by = $2
			WHERE id = $1`, f.client.task, int64(f.preparer))
		return err
	})
	return d, err
}

// A query flagged during review shows on the client's page; delivery is
// refused while it is open; the client answers it in the browser with
// words and a file, the file becomes a document of the pack, and the
// preparer's DM is queued. Once delivered, the management accounts are
// listed for download, and the practice's other files are not shown.
func TestQueryInTheBrowser(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	f := newFixture(t)
	f.exec(`UPDATE tasks SET review_state = 'requested', sent_for_review_at = now() WHERE id = $1`, f.client.task)
	p, err := f.ps.Get(f.ctx, f.pid)
	if err != nil {
		t.Fatal(err)
	}
	bea, err := f.ps.MemberByID(f.ctx, f.pid, f.preparer)
	if err != nil {
		t.Fatal(err)
	}
	const question = "What was the £2,400 paid to Smith Ltd on 14 November for?"
	fl, err := queries.Flag(f.ctx, f.pool, f.signer, "http://portal.example", p, bea, f.client.task, question, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.practiceFile("Harbour management accounts Nov 2026.pdf")
	if _, err := f.deliver(); atlas.ErrorCode(err) != atlas.EConflict || !strings.Contains(atlas.ErrorMessage(err), "still open") {
		t.Fatalf("delivery with the query open: %v", err)
	}

	file := filepath.Join(t.TempDir(), "smith-invoice.pdf")
	if err := os.WriteFile(file, pdfBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.Flag("disable-gpu", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	parent, stop := context.WithTimeout(context.Background(), 45*time.Second)
	defer stop()
	alloc, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()

	sel := "#query-" + strconv.FormatInt(fl.ID, 10)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/portal/login?t="+f.link(f.client.contact, time.Now())),
		chromedp.WaitVisible(chromedp.CSS(sel)),
	); err != nil {
		t.Fatal(err)
	}
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Questions from us", "1 waiting for your answer", question} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "Harbour management accounts") {
		t.Error("the practice's file shows before delivery")
	}

	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(sel+" textarea"), "Rent for the new unit; the invoice is attached."),
		chromedp.SetUploadFiles(chromedp.CSS(sel+" input[type=file]"), []string{file}),
		chromedp.Click(chromedp.CSS(sel+" button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	); err != nil {
		t.Fatal(err)
	}
	answered, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Answered", "Rent for the new unit", "smith-invoice.pdf"} {
		if !strings.Contains(answered, want) {
			t.Errorf("the answered query lacks %q:\n%s", want, answered)
		}
	}
	if n := f.count(`SELECT count(*) FROM queries WHERE id = $1 AND answered_by = $2 AND answer_text = 'Rent for the new unit; the invoice is attached.'`,
		fl.ID, f.client.contact); n != 1 {
		t.Error("the answer is not recorded")
	}
	if n := f.count(`SELECT count(*) FROM documents WHERE practice_id = $1 AND query_id = $2 AND task_id = $3 AND source = 'portal'
		AND task_item_id IS NULL AND file_name = 'smith-invoice.pdf'`, f.pid, fl.ID, f.client.task); n != 1 {
		t.Errorf("%d answer documents stored", n)
	}
	if n := f.count(`SELECT count(*) FROM river_job WHERE kind = 'slack_post' AND args->>'practice' = $1 AND args->>'render' = $2
		AND args->>'channel' = 'UPREP' AND (args->'subject'->>'id')::bigint = $3`, string(f.pid), queries.RenderAnswered, fl.ID); n != 1 {
		t.Errorf("%d answer DMs queued, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM river_job WHERE kind = 'slack_post' AND args->>'practice' = $1 AND args->>'render' = 'portal.received'`,
		string(f.pid)); n != 0 {
		t.Errorf("%d document-received DMs queued beside the answer's", n)
	}

	// Answered: delivered, and listed for download.
	d, err := f.deliver()
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/portal/2026-11"), chromedp.WaitVisible(chromedp.CSS("#accounts"))); err != nil {
		t.Fatal(err)
	}
	accounts, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(accounts, "Your management accounts") || !strings.Contains(accounts, "Harbour management accounts Nov 2026.pdf") {
		t.Errorf("the delivered pack is not listed:\n%s", accounts)
	}
	if d.ID == 0 {
		t.Error("no delivery recorded")
	}
}
