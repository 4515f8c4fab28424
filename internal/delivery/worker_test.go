package delivery_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/mail/mailtest"
	"github.com/atlas-practice/atlas/internal/pdf/pdftest"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

// startWorkers runs a River client that works the delivery queue, as the
// server's engine does, until the test ends.
func startWorkers(t testing.TB, pool *pgxpool.Pool, deps delivery.Deps) {
	t.Helper()
	workers := river.NewWorkers()
	if err := delivery.AddWorkers(workers, deps); err != nil {
		t.Fatal(err)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Logger:  quiet(),
		Queues:  map[string]river.QueueConfig{delivery.Queue: delivery.QueueConfig()},
		Workers: workers,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := client.Stop(ctx); err != nil {
			t.Errorf("stop River: %v", err)
		}
	})
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, t testing.TB, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}

// Approved → Send now → the River worker sends one email through a real
// SMTP server: to the billing contact with the copy, from the practice,
// the amount and due date in the subject and body, the PDF attached with
// the number and total in it; the invoice is sent, dated the day it went in
// London, due after the client's 30 days, and its card redrawn.
func TestSendThroughRiver(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	md := startMaildev(ctx, t)
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool)
	id := f.approved("INV-2026-0042")
	afterSent := func(ctx context.Context, tx pgx.Tx, p atlas.PracticeID, invoice int64) error {
		// What the Slack side queues here (the PDF's upload) stands or
		// falls with the record: an audit row stands in for it.
		return practice.Audit(ctx, tx, p, 0, "test.after_sent", "invoice", invoice, nil)
	}
	startWorkers(t, pool, delivery.Deps{Pool: pool, Mail: newSender(t, md), Clock: londonClock(), Log: quiet(), AfterSent: afterSent})
	f.queueSend(id)

	waitFor(ctx, t, "the invoice to be sent", func() bool { return f.status(id).Status == billing.Sent })
	emails, err := md.WaitForEmails(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 1 {
		t.Fatalf("%d emails, want 1", len(emails))
	}
	e := emails[0]
	if want := "Invoice INV-2026-0042 from Ledgerline & Co — £874.00 due 31 Jul 2026"; e.Subject != want {
		t.Errorf("subject %q, want %q", e.Subject, want)
	}
	if len(e.From) != 1 || e.From[0].Address != "accounts@ledgerline.example" || e.From[0].Name != "Ledgerline Accounts" {
		t.Errorf("from %+v, want the practice's address", e.From)
	}
	if len(e.To) != 1 || e.To[0].Address != "accounts@harbour.example" || e.To[0].Name != "Jane Smith" {
		t.Errorf("to %+v", e.To)
	}
	if len(e.CC) != 1 || e.CC[0].Address != "director@harbour.example" {
		t.Errorf("cc %+v", e.CC)
	}
	wantID := "<invoice-" + itoa(id) + ".1." + strings.ToLower(string(f.pid)) + "@ledgerline.example>"
	if got := e.Header("Message-ID"); got != wantID {
		t.Errorf("Message-ID %q, want %q", got, wantID)
	}
	for _, want := range []string{"Dear Jane Smith,", "Amount due: £874.00", "Due date: 31 Jul 2026", "Sort code 20-45-77 · Account number 43218765",
		"IBAN GB33 BUKB 2045 7743 2187 65", "Please quote INV-2026-0042 as the payment reference."} {
		if !strings.Contains(e.Text, want) {
			t.Errorf("text body lacks %q:\n%s", want, e.Text)
		}
	}
	for _, want := range []string{"<strong>£874.00</strong>", "<strong>31 Jul 2026</strong>", "Ledgerline &amp; Co"} {
		if !strings.Contains(e.HTML, want) {
			t.Errorf("HTML body lacks %q:\n%s", want, e.HTML)
		}
	}
	if len(e.Attachments) != 1 || e.Attachments[0].FileName != "INV-2026-0042.pdf" || e.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("attachments %+v", e.Attachments)
	}
	data, err := md.Attachment(ctx, e.ID, e.Attachments[0])
	if err != nil {
		t.Fatal(err)
	}
	text := pdftest.Text(t, data)
	for _, want := range []string{"INV-2026-0042", "£874.00", "Date and tax point                1 Jul 2026", "31 Jul 2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("the attached PDF lacks %q:\n%s", want, text)
		}
	}

	s := f.status(id)
	if s.IssueDate == nil || s.IssueDate.Format(time.DateOnly) != "2026-07-01" || s.DueDate == nil || s.DueDate.Format(time.DateOnly) != "2026-07-31" ||
		s.SentAt == nil || s.LastError != "" {
		t.Fatalf("sent: %+v", s)
	}
	var audited int
	if err := pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_events WHERE action = 'invoice.sent' AND subject_id = $1
		AND data->>'message_id' = $2`, id, wantID).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("audit %d (%v)", audited, err)
	}
	if err := pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_events WHERE action = 'test.after_sent' AND subject_id = $1`, id).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("AfterSent ran %d times (%v), want once", audited, err)
	}
	// The card was redrawn when it went sending and again when sent.
	if updates := f.jobs("slack_update"); len(updates) != 2 {
		t.Fatalf("card updates %v", updates)
	}
}

// The mail server is down while the invoice is sent: the try fails as
// temporary and the invoice stays sending; once the server is back the
// next try sends exactly one email, and a stale retry of the same attempt
// sends nothing more.
func TestSendWhileTheServerIsDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	md := startMaildev(ctx, t)
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool)
	id := f.approved("INV-2026-0042")
	mailer := &countingMailer{Mailer: newSender(t, md)}
	w := delivery.SendWorker(delivery.Deps{Pool: pool, Mail: mailer, Clock: londonClock(), Log: quiet()})
	f.queueSend(id)

	if err := md.Stop(); err != nil {
		t.Fatal(err)
	}
	err := w.Work(ctx, f.sendJob(id, 1))
	if err == nil || mail.IsPermanent(err) {
		t.Fatalf("a try with the server down: %v, want a temporary error", err)
	}
	if s := f.status(id); s.Status != billing.Sending || s.LastError != "" {
		t.Fatalf("after a temporary failure: %+v", s)
	}
	if dms := f.jobs("slack_post"); len(dms) != 0 {
		t.Fatalf("a temporary failure told someone: %v", dms)
	}

	if err := md.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Work(ctx, f.sendJob(id, 2)); err != nil {
		t.Fatal(err)
	}
	if s := f.status(id); s.Status != billing.Sent {
		t.Fatalf("after the server came back: %+v", s)
	}
	if err := w.Work(ctx, f.sendJob(id, 3)); err != nil {
		t.Fatal(err)
	}
	if n := mailer.n.Load(); n != 2 {
		t.Fatalf("%d sends, want 2: the one that failed and the one that went", n)
	}
	emails, err := md.WaitForEmails(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 1 {
		t.Fatalf("%d emails, want exactly 1", len(emails))
	}
	if got := emails[0].Header("Message-ID"); !strings.HasPrefix(got, "<invoice-"+itoa(id)+".1.") {
		t.Errorf("Message-ID %q, want attempt 1's", got)
	}
}

// A server that refuses the recipient for good: the invoice is approved
// again with the server's reason, the partner who asked gets a direct
// message about it, and a new Send now is a new attempt.
func TestPermanentRefusal(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	srv := mailtest.Start(t)
	srv.RefuseRecipient("accounts@harbour.example", "550 5.1.1 <accounts@harbour.example>: Recipient address rejected: User unknown")
	sender, err := mail.NewSender(srv.SMTPConfig("Atlas <atlas@atlas.example>"))
	if err != nil {
		t.Fatal(err)
	}
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool)
	id := f.approved("INV-2026-0042")
	startWorkers(t, pool, delivery.Deps{Pool: pool, Mail: sender, Clock: londonClock(), Log: quiet()})
	f.queueSend(id)

	waitFor(ctx, t, "the invoice back to approved", func() bool { return f.status(id).Status == billing.Approved })
	const reason = "550 5.1.1 <accounts@harbour.example>: Recipient address rejected: User unknown"
	s := f.status(id)
	if !strings.Contains(s.LastError, reason) || s.FailedAt == nil || s.Attempt != 1 || s.SentAt != nil || s.IssueDate != nil {
		t.Fatalf("after a refusal: %+v", s)
	}
	if len(srv.Accepted()) != 0 {
		t.Fatalf("the server accepted %d messages", len(srv.Accepted()))
	}
	dms := f.jobs("slack_post")
	if len(dms) != 1 || !strings.Contains(dms[0], `"channel": "UPAT"`) || !strings.Contains(dms[0], `"render": "invoice.send_failed"`) ||
		!strings.Contains(dms[0], `"purpose": "send_failed:1"`) {
		t.Fatalf("direct messages %v, want one to Pat about attempt 1", dms)
	}
	failure, err := delivery.FailureOf(f.ctx, pool, f.pid, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(failure.Reason, reason) || failure.Number != "INV-2026-0042" || failure.Client != "HARB · Harbour Bakery Ltd" ||
		failure.To != "accounts@harbour.example" || failure.Status != billing.Approved {
		t.Fatalf("failure %+v", failure)
	}
	if _, err := delivery.FailureOf(f.ctx, pool, f.pid, id, 2); err == nil {
		t.Fatal("a failure of an attempt never made")
	}

	// The address put right, and sent again: attempt 2, with its own
	// Message-ID.
	f.exec(`UPDATE entities SET billing_email = 'ap@harbour.example' WHERE id = $1`, f.client)
	f.queueSend(id)
	waitFor(ctx, t, "the second attempt to be sent", func() bool { return f.status(id).Status == billing.Sent })
	accepted := srv.Accepted()
	if len(accepted) != 1 || !strings.Contains(string(accepted[0].Data), "Message-ID: <invoice-"+itoa(id)+".2.") {
		t.Fatalf("accepted %d messages", len(accepted))
	}
	if s := f.status(id); s.Attempt != 2 || s.LastError != "" {
		t.Fatalf("after the second attempt: %+v", s)
	}
}

// A server that says "try later" is tried again; on the last try the
// invoice goes back to approved, saying the server never took it.
func TestTemporaryRefusalUntilTheLastTry(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	srv := mailtest.Start(t)
	srv.RefuseMessages("451 4.3.0 Try again later")
	sender, err := mail.NewSender(srv.SMTPConfig("Atlas <atlas@atlas.example>"))
	if err != nil {
		t.Fatal(err)
	}
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool)
	id := f.approved("INV-2026-0042")
	w := delivery.SendWorker(delivery.Deps{Pool: pool, Mail: sender, Clock: londonClock(), Log: quiet()})
	f.queueSend(id)

	if err := w.Work(ctx, f.sendJob(id, 1)); err == nil || mail.IsPermanent(err) {
		t.Fatalf("first try: %v, want a temporary error", err)
	}
	if s := f.status(id); s.Status != billing.Sending {
		t.Fatalf("after the first try: %+v", s)
	}
	if err := w.Work(ctx, f.sendJob(id, delivery.MaxAttempts)); err != nil {
		t.Fatalf("last try: %v, want the failure recorded", err)
	}
	s := f.status(id)
	if s.Status != billing.Approved || !strings.Contains(s.LastError, "after 12 tries: 451 4.3.0 Try again later") {
		t.Fatalf("after the last try: %+v", s)
	}
	if dms := f.jobs("slack_post"); len(dms) != 1 {
		t.Fatalf("direct messages %v", dms)
	}
}
