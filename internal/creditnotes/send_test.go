package creditnotes_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/atlas-practice/atlas/internal/creditnotes"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/mail/mailtest"
	"github.com/atlas-practice/atlas/internal/pdf/pdftest"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// recorder passes each message on to a real SMTP server and keeps it, so
// a test can read the PDF that went.
type recorder struct {
	next *mail.Sender
	mu   sync.Mutex
	sent []mail.Message
}

func (r *recorder) Send(ctx context.Context, m mail.Message) error {
	err := r.next.Send(ctx, m)
	if err == nil {
		r.mu.Lock()
		r.sent = append(r.sent, m)
		r.mu.Unlock()
	}
	return err
}

// job is the note's queued send job as River hands it to a worker on its
// try'th try.
func (f *fixture) job(id int64, try int) *river.Job[creditnotes.SendArgs] {
	f.t.Helper()
	var args creditnotes.SendArgs
	var jobID int64
	if err := f.db.QueryRow(f.ctx, `SELECT id, args->>'practice', (args->>'credit_note_id')::bigint, (args->>'attempt')::int FROM river_job
		WHERE kind = $1 AND (args->>'credit_note_id')::bigint = $2 ORDER BY id DESC LIMIT 1`, creditnotes.JobKind, id).
		Scan(&jobID, &args.Practice, &args.CreditNoteID, &args.Attempt); err != nil {
		f.t.Fatal(err)
	}
	return &river.Job[creditnotes.SendArgs]{JobRow: &rivertype.JobRow{ID: jobID, Kind: creditnotes.JobKind, Attempt: try,
		MaxAttempts: delivery.MaxAttempts, Queue: delivery.Queue}, Args: args}
}

// A note goes to the billing email and its copy over real SMTP, with its
// PDF — "VAT credit note", the invoice it credits and its date, VAT per
// rate — and is recorded sent; a try after that sends nothing more.
func TestSendCreditNote(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t))
	inv, lines := f.harbour("INV-2026-0042")
	n := f.mustIssue(creditnotes.Request{InvoiceID: inv, Lines: []creditnotes.LineCredit{{LineID: lines[0], Amount: nd("100")}, {LineID: lines[2]}},
		Reason: "Two hours of bookkeeping were May's; the filing fee was waived"})
	srv := mailtest.Start(t)
	sender, err := mail.NewSender(srv.SMTPConfig("Atlas <atlas@atlas.example>"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: sender}
	if err := creditnotes.Work(f.ctx, f.db, rec, f.job(n.ID, 1)); err != nil {
		t.Fatal(err)
	}
	if len(rec.sent) != 1 || len(srv.Accepted()) != 1 {
		t.Fatalf("%d messages recorded, %d accepted; want 1", len(rec.sent), len(srv.Accepted()))
	}
	m := rec.sent[0]
	if !strings.Contains(m.Subject, "Credit note CN-0001") || !strings.Contains(m.Subject, "£154.00 against invoice INV-2026-0042") ||
		m.To[0] != `"Jane Smith" <accounts@harbour.example>` || len(m.CC) != 1 || m.CC[0] != "director@harbour.example" {
		t.Fatalf("message %q to %v cc %v", m.Subject, m.To, m.CC)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Name != "CN-0001.pdf" {
		t.Fatalf("attachments %v", m.Attachments)
	}
	golden(t, "credit_note.txt", pdftest.Text(t, m.Attachments[0].Data))
	got, err := f.cs.Get(f.ctx, f.pid, n.ID)
	if err != nil || got.Status != creditnotes.StatusSent || got.SentAt == nil {
		t.Fatalf("after the send: %s at %v (%v)", got.Status, got.SentAt, err)
	}
	if err := creditnotes.Work(f.ctx, f.db, rec, f.job(n.ID, 2)); err != nil || len(rec.sent) != 1 {
		t.Fatalf("a second try sent %d in all (%v), want 1", len(rec.sent), err)
	}
}

// A mail server that refuses the address: the note is issued again with
// the server's reason, and the partner who issued it is told in Slack.
func TestSendCreditNoteRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t))
	inv, _ := f.harbour("INV-2026-0042")
	n := f.mustIssue(creditnotes.Request{InvoiceID: inv, Reason: "Wrong client", TimeTo: creditnotes.WriteOff})
	srv := mailtest.Start(t)
	srv.RefuseRecipient("accounts@harbour.example", "550 5.1.1 <accounts@harbour.example>: Recipient address rejected")
	sender, err := mail.NewSender(srv.SMTPConfig("Atlas <atlas@atlas.example>"))
	if err != nil {
		t.Fatal(err)
	}
	if err := creditnotes.Work(f.ctx, f.db, sender, f.job(n.ID, 1)); err != nil {
		t.Fatal(err)
	}
	got, err := f.cs.Get(f.ctx, f.pid, n.ID)
	if err != nil || got.Status != creditnotes.StatusIssued || !strings.Contains(got.SendError, "Recipient address rejected") {
		t.Fatalf("refused note: %s %q (%v)", got.Status, got.SendError, err)
	}
	if c := f.count(`SELECT count(*) FROM river_job WHERE kind = 'slack_post' AND args->>'channel' = 'UPAT'
		AND args->>'render' = $1`, creditnotes.RenderSendFailed); c != 1 {
		t.Fatalf("%d DMs to the partner, want 1", c)
	}
	fail, err := creditnotes.FailureOf(f.ctx, f.db, f.pid, n.ID, 1)
	if err != nil || !strings.Contains(fail.Reason, "Recipient address rejected") {
		t.Fatalf("failure: %+v (%v)", fail, err)
	}
}
