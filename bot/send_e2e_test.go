package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/billing"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/mail/mailtest"
	"github.com/atlas-practice/atlas/internal/maildev"
	"github.com/atlas-practice/atlas/internal/pdf/pdftest"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// Approve, then Send now: one email through a real SMTP server with the
// PDF attached, the invoice sent with its dates, the PDF in the card's
// thread; Preview puts a draft's PDF there, marked as a draft.
func TestSendJourney(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	md, err := maildev.Start(ctx, maildev.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = md.Stop() })
	w := newApprovalWorld(t)
	sender, err := mail.NewSender(md.SMTPConfig("billing@ledgerline.example"))
	if err != nil {
		t.Fatal(err)
	}
	w.mailer.Store(sender)

	w.say(managerID, "/invoices", "run")
	w.deliver()
	nwt, nwh := w.invoiceOf("NWT", "hourly"), w.invoiceOf("NWH", "hourly")

	// Preview on a card awaiting approval: the draft's PDF in its thread.
	w.mark()
	w.clickCard(patID, billing.ActionPreview, fmt.Sprint(nwh))
	mustContain(t, "preview", w.said(), "marked as a draft")
	w.deliver()
	files := w.fake.Files()
	if len(files) != 1 || files[0].ChannelID != billCh || files[0].ThreadTS == "" {
		t.Fatalf("%d preview files; the first in %s, thread %q", len(files), files[0].ChannelID, files[0].ThreadTS)
	}
	mustContain(t, "preview PDF", pdftest.Text(t, files[0].Content), "DRAFT — not an invoice", "Northwind Holdings")

	// Approve, and the card offers Send now.
	w.click(patID, billing.ActionApprove, fmt.Sprint(nwt))
	w.deliver()
	card, _ := w.cardOf(nwt)
	mustContain(t, "approved card", card, billing.ActionSend, "Send it to the client?", "accounts@nwt.example")

	w.mark()
	w.click(managerID, billing.ActionSend, fmt.Sprint(nwt))
	mustContain(t, "send", w.said(), "Sending *INV-2026-0003*", "accounts@nwt.example")
	w.deliver()

	emails, err := md.WaitForEmails(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 1 {
		t.Fatalf("%d emails, want 1", len(emails))
	}
	e := emails[0]
	mustContain(t, "subject", e.Subject, "INV-2026-0003", "£480.00")
	if len(e.To) != 1 || e.To[0].Address != "accounts@nwt.example" || len(e.Attachments) != 1 {
		t.Fatalf("email to %v with %d attachments", e.To, len(e.Attachments))
	}
	attached, err := md.Attachment(ctx, e.ID, e.Attachments[0])
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "attached PDF", pdftest.Text(t, attached), "INV-2026-0003", "480.00")

	var status, issued, due string
	if err := w.pool.QueryRow(w.ctx, `SELECT status, issue_date::text, due_date::text FROM invoices WHERE id = $1`, nwt).
		Scan(&status, &issued, &due); err != nil || status != "sent" || issued != "2026-12-03" || due != "2026-12-17" {
		t.Fatalf("sent invoice: %s issued %s due %s (%v)", status, issued, due, err)
	}
	card, _ = w.cardOf(nwt)
	mustContain(t, "sent card", card, "Sent to accounts@nwt.example", "issued 3 Dec, due 17 Dec 2026")
	if strings.Contains(card, billing.ActionSend) {
		t.Fatal("a sent invoice's card still offers Send now")
	}
	mustContain(t, "summary", w.summaryOf(202611), "1 approved", "Sent 1 of 1 approved")
	var pdfFile bool
	for _, f := range w.fake.Files() {
		if f.Name == "INV-2026-0003.pdf" && f.ChannelID == billCh && f.ThreadTS != "" {
			pdfFile = true
			mustContain(t, "card's PDF", pdftest.Text(t, f.Content), "INV-2026-0003")
		}
	}
	if !pdfFile {
		t.Fatalf("no PDF of INV-2026-0003 in its card's thread among %d files", len(w.fake.Files()))
	}

	// Sending it again is refused; nothing more goes.
	w.mark()
	w.click(managerID, billing.ActionSend, fmt.Sprint(nwt))
	mustContain(t, "second send", w.said(), "INV-2026-0003")
	w.deliver()
	if all, err := md.Emails(ctx); err != nil || len(all) != 1 {
		t.Fatalf("%d emails after a second Send now (%v), want 1", len(all), err)
	}
}

// A mail server that refuses the address: the invoice is approved again,
// its card says why, and the partner who asked is told by DM.
func TestSendRefused(t *testing.T) {
	t.Parallel()
	refusing := mailtest.Start(t)
	refusing.RefuseRecipient("accounts@nwt.example", "550 5.1.1 <accounts@nwt.example>: Recipient address rejected")
	w := newApprovalWorld(t)
	sender, err := mail.NewSender(refusing.SMTPConfig("billing@ledgerline.example"))
	if err != nil {
		t.Fatal(err)
	}
	w.mailer.Store(sender)
	w.say(managerID, "/invoices", "run")
	nwt := w.invoiceOf("NWT", "hourly")
	w.click(patID, billing.ActionApprove, fmt.Sprint(nwt))
	w.settle()
	w.mark()
	w.click(patID, billing.ActionSend, fmt.Sprint(nwt))
	mustContain(t, "send", w.said(), "Sending *INV-2026-0003*")
	w.deliver()

	var status string
	if err := w.pool.QueryRow(w.ctx, `SELECT status FROM invoices WHERE id = $1`, nwt).Scan(&status); err != nil || status != "approved" {
		t.Fatalf("refused invoice is %s (%v), want approved", status, err)
	}
	var dm string
	for _, c := range w.fake.Calls("chat.postMessage") {
		if c.Param("channel") == slackfake.DMChannelID(patID) {
			dm = c.Param("blocks")
		}
	}
	mustContain(t, "DM to the partner", dm, "INV-2026-0003", "did not go to accounts@nwt.example", "Recipient address rejected",
		"It is approved again", "/atlas clients edit NWT", "Send now")
	card, _ := w.cardOf(nwt)
	mustContain(t, "refused card", card, "Not sent", "Recipient address rejected", billing.ActionSend)
	mustContain(t, "summary", w.summaryOf(202611), "Sent 0 of 1 approved", "1 not sent, refused by the mail server")
}
