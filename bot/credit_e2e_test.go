package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/billing"
	"github.com/atlas-practice/atlas/internal/creditnotes"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/maildev"
	"github.com/atlas-practice/atlas/internal/pdf/pdftest"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

func radioVal(v string) map[string]any {
	return map[string]any{"x": map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": v}}}
}

// An invoice approved and sent, then credited: part of a line from the
// card's form (its PDF arrives by email with the right number and VAT,
// and the card shows it), the client's statement by DM and emailed, then
// the rest by the typed shortcut, its time back in work in progress.
func TestCreditNoteJourney(t *testing.T) {
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

	// NWT's November invoice, INV-2026-0003: payroll 3.50 h £350.00 and
	// other work £50.00, VAT 20% £80.00, £480.00; approved, then sent.
	w.say(managerID, "/invoices", "run")
	w.deliver()
	nwt := w.invoiceOf("NWT", "hourly")
	w.click(patID, billing.ActionApprove, fmt.Sprint(nwt))
	w.deliver()
	w.click(managerID, billing.ActionSend, fmt.Sprint(nwt))
	w.deliver()
	if _, err := md.WaitForEmails(ctx, 1); err != nil {
		t.Fatal(err)
	}
	card, _ := w.cardOf(nwt)
	mustContain(t, "sent card", card, "Sent to accounts@nwt.example", billing.ActionCredit)

	// Only partners credit.
	w.mark()
	w.clickCard(managerID, billing.ActionCredit, fmt.Sprint(nwt))
	mustContain(t, "manager's credit", w.said(), "Only partners and admins issue credit notes")

	// The form: the payroll line, part of it.
	w.clickCard(patID, billing.ActionCredit, fmt.Sprint(nwt))
	view, meta := w.openedView(billing.CallbackCredit)
	var payroll string
	for _, b := range view["blocks"].([]any) {
		el, _ := b.(map[string]any)["element"].(map[string]any)
		for _, o := range asList(el["options"]) {
			opt := o.(map[string]any)
			if strings.HasPrefix(opt["text"].(map[string]any)["text"].(string), "Payroll") {
				payroll = opt["value"].(string)
			}
		}
	}
	if payroll == "" {
		t.Fatalf("no payroll line in the credit form: %v", view)
	}
	values := func(amount string) map[string]any {
		return map[string]any{billing.FieldScope: radioVal(billing.ScopeLine), creditnotes.FieldLine: selectVal(payroll),
			creditnotes.FieldAmount: textVal(amount), creditnotes.FieldReason: textVal("Two payroll hours were October's, billed then"),
			creditnotes.FieldTimeTo: radioVal(string(creditnotes.BackToWIP))}
	}
	errs := responseErrors(t, w.interact(submission(patID, billing.CallbackCredit, meta, values("350.01"))))
	if !strings.Contains(errs[creditnotes.FieldAmount], "more than remains of the line: £350.00") {
		t.Fatalf("a credit above the line: %v", errs)
	}
	w.mark()
	w.interact(submission(patID, billing.CallbackCredit, meta, values("100")))
	mustContain(t, "credited", w.said(), "Credit note *CN-0001* for *INV-2026-0003*", "*£120.00* (£100.00 + VAT £20.00)",
		"on its way to accounts@nwt.example")
	w.deliver()

	emails, err := md.WaitForEmails(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	var credit *maildev.Email
	for i, e := range emails {
		if strings.Contains(e.Subject, "Credit note") {
			credit = &emails[i]
		}
	}
	if credit == nil || len(credit.Attachments) != 1 || credit.To[0].Address != "accounts@nwt.example" {
		t.Fatalf("no credit note emailed to accounts@nwt.example with its PDF: %+v", emails)
	}
	mustContain(t, "subject", credit.Subject, "CN-0001", "£120.00 against invoice INV-2026-0003")
	attached, err := md.Attachment(ctx, credit.ID, credit.Attachments[0])
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "credit note PDF", pdftest.Text(t, attached), "VAT credit note", "CN-0001", "Credit for invoice INV-2026-0003 of 3 Dec 2026",
		"VAT at 20% on £100.00", "£20.00", "Total credit", "£120.00", "Two payroll hours were October's")
	card, _ = w.cardOf(nwt)
	mustContain(t, "credited card", card, "Credit note *CN-0001* · £120.00", "sent", "Credited £120.00 of £480.00", billing.ActionCredit)
	var pdfInThread bool
	for _, f := range w.fake.Files() {
		pdfInThread = pdfInThread || (f.Name == "CN-0001.pdf" && f.ChannelID == billCh && f.ThreadTS != "")
	}
	if !pdfInThread {
		t.Error("no PDF of CN-0001 in the card's thread")
	}

	// The statement: the invoice less its credit, by DM, then emailed.
	w.mark()
	mustContain(t, "statement", w.say(managerID, "/invoice", "statement nwt"), "on its way to you by DM", "£360.00 owed")
	w.deliver()
	var statement []byte
	for _, f := range w.fake.Files() {
		if strings.HasPrefix(f.Name, "Statement - Northwind Traders") && f.ChannelID == slackfake.DMChannelID(managerID) {
			statement = f.Content
		}
	}
	if statement == nil {
		t.Fatal("no statement in the manager's DM")
	}
	mustContain(t, "statement PDF", pdftest.Text(t, statement), "Statement of account", "INV-2026-0003", "CN-0001", "£480.00", "£120.00", "£360.00")
	offer := w.said()
	mustContain(t, "offer", offer, billing.ActionStatementEmail, "Email to client")
	w.mark()
	w.click(managerID, billing.ActionStatementEmail, fmt.Sprintf("%d:2026-12-03", w.nwt))
	mustContain(t, "email statement", w.said(), "Emailing the statement at 3 Dec 2026 to accounts@nwt.example")
	w.deliver()
	emails, err = md.WaitForEmails(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	var stmt bool
	for _, e := range emails {
		stmt = stmt || (strings.Contains(e.Subject, "Statement of account") && strings.Contains(e.Subject, "£360.00"))
	}
	if !stmt {
		t.Fatalf("no statement emailed among %d emails", len(emails))
	}

	// The rest by the typed shortcut: its time back in work in progress,
	// the invoice settled.
	// An amount typed with its currency is an amount, never the start of
	// the reason: on an invoice of several lines it asks which line.
	mustContain(t, "pound amount", w.say(patID, "/invoice", "credit INV-2026-0003 £10 wip goodwill"), "lines left to credit", "Credit note")
	mustContain(t, "no time said", w.say(patID, "/invoice", "credit INV-2026-0003 Billed in error"), "`wip`", "`write-off`")
	mustContain(t, "typed credit", w.say(patID, "/invoice", "credit INV-2026-0003 wip Billed in error"),
		"Credit note *CN-0002*", "*£360.00* (£300.00 + VAT £60.00)", "3 entries back in work in progress")
	var status string
	var wip int
	if err := w.pool.QueryRow(w.ctx, `SELECT status, (SELECT count(*) FROM time_entries WHERE invoice_id IS NULL AND billing_state = 'unbilled'
		AND entity_id = $2) FROM invoices WHERE id = $1`, nwt, w.nwt).Scan(&status, &wip); err != nil || status != "paid" || wip != 3 {
		t.Fatalf("after the rest: %s with %d entries in WIP (%v); want paid, 3", status, wip, err)
	}
	mustContain(t, "nothing left", w.say(patID, "/invoice", "credit INV-2026-0003 wip Again"), "credited in full already")
}
