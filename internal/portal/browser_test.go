package portal

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds Debian's chromium, which `make test` installs.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: the portal's browser test needs it. `make test` installs it (apt-get install -y chromium).")
	return ""
}

// TestInTheBrowser drives headless Chromium through the portal as a
// client does: the emailed link, the requested documents, an upload
// through the file input, the item marked received, an invoice's PDF.
func TestInTheBrowser(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	f := newFixture(t)
	item := f.client.items[0]
	file := filepath.Join(t.TempDir(), "bank-november.pdf")
	if err := os.WriteFile(file, pdfBytes, 0o600); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.Flag("disable-gpu", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	// The whole browser lives within the deadline.
	parent, stop := context.WithTimeout(context.Background(), 45*time.Second)
	defer stop()
	alloc, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()

	itemSel := "#item-" + strconv.FormatInt(item, 10)
	err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/portal/login?t="+f.link(f.client.contact, time.Now())),
		chromedp.WaitVisible(chromedp.CSS(itemSel)),
	)
	if err != nil {
		t.Fatal(err)
	}
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Bank statements for the month", "Copies of your sales invoices", "Waiting for you"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}

	err = chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS(itemSel+" input[type=file]"), []string{file}),
		chromedp.Click(chromedp.CSS(itemSel+" button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(itemSel+" .status")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status, "Received") {
		t.Errorf("the item shows %q after the upload", status)
	}
	if n := f.count(`SELECT count(*) FROM task_items WHERE id = $1 AND done_at IS NOT NULL AND received_by = $2`, item, f.client.contact); n != 1 {
		t.Error("the item is not ticked in the database")
	}
	// The pack's kept progress moved with the tick.
	if n := f.count(`SELECT count(*) FROM tasks t JOIN task_items i ON i.practice_id = t.practice_id AND i.task_id = t.id
		WHERE i.id = $1 AND t.items_done = (SELECT count(*) FROM task_items WHERE task_id = t.id AND done_at IS NOT NULL)`, item); n != 1 {
		t.Error("the pack's progress did not move with the tick")
	}
	if n := f.count(`SELECT count(*) FROM documents WHERE practice_id = $1 AND task_item_id = $2 AND file_name = 'bank-november.pdf'`, f.pid, item); n != 1 {
		t.Errorf("%d documents stored", n)
	}
	if n := f.count(`SELECT count(*) FROM river_job WHERE kind = 'slack_post' AND args->>'render' = 'portal.received' AND args->>'practice' = $1`,
		string(f.pid)); n != 1 {
		t.Errorf("%d portal.received posts queued, want 1", n)
	}

	// The invoice's PDF, fetched with the browser's own (HttpOnly) cookie.
	head, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/portal/invoices/`+strconv.FormatInt(f.client.invoice, 10)+`.pdf")
		.then(r => r.ok ? r.arrayBuffer() : Promise.reject(new Error("status " + r.status)))
		.then(b => String.fromCharCode(...new Uint8Array(b).slice(0, 5)))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if head != "%PDF-" {
		t.Errorf("the invoice starts %q", head)
	}
	if n := f.count(`SELECT count(*) FROM invoices WHERE id = $1 AND portal_viewed_at IS NOT NULL`, f.client.invoice); n != 1 {
		t.Error("the invoice is not marked viewed")
	}
}
