package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/billing"
	invoicing "github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/maildev"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// sentInvoice approves NWT's November invoice (INV-2026-0003, £480.00)
// and marks it sent on 3 December, due 17 December, as the delivery job
// would.
func sentInvoice(t *testing.T, w *timeWorld) int64 {
	t.Helper()
	w.say(managerID, "/invoices", "run")
	w.deliver()
	nwt := w.invoiceOf("NWT", "hourly")
	w.click(patID, billing.ActionApprove, fmt.Sprint(nwt))
	w.settle()
	if tag, err := w.pool.Exec(w.ctx, `UPDATE invoices SET status = 'sent', issue_date = '2026-12-03', due_date = '2026-12-17', sent_at = now()
		WHERE id = $1 AND number = 'INV-2026-0003' AND status = 'approved'`, nwt); err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("mark NWT's invoice sent: %d rows (%v)", tag.RowsAffected(), err)
	}
	// The delivery job redraws the card once the mail server has it.
	tx, err := w.pool.Begin(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.QueueUpdate(w.ctx, tx, outbox.Update{Practice: string(w.pid), Render: invoicing.RenderCard, Subject: invoicing.CardSubject(nwt)}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(w.ctx); err != nil {
		t.Fatal(err)
	}
	w.deliver()
	return nwt
}

func (w *timeWorld) statusOf(id int64) (status, paid string) {
	w.t.Helper()
	if err := w.pool.QueryRow(w.ctx, `SELECT status, paid::text FROM invoices WHERE id = $1`, id).Scan(&status, &paid); err != nil {
		w.t.Fatal(err)
	}
	return status, paid
}

// ask runs a slash command and returns all it answered: the
// acknowledgement and what followed.
func (w *timeWorld) ask(user, command, text string) string {
	w.t.Helper()
	w.mark()
	ack := w.say(user, command, text)
	return ack + "\n" + w.said()
}

// A partial payment typed, then the rest from the card's form: the
// invoice goes part paid, then paid, and its card says so; a payment is
// reversed from /invoice with a reason.
func TestPaymentJourney(t *testing.T) {
	t.Parallel()
	w := newApprovalWorld(t)
	nwt := sentInvoice(t, w)
	card, _ := w.cardOf(nwt)
	mustContain(t, "sent card", card, billing.ActionPay, "Record payment")

	// Staff may not; a wrong currency is refused and changes nothing.
	mustContain(t, "staff", w.ask(staffID, "/invoice", "pay INV-2026-0003 100"), "Payments are recorded and reversed by managers")
	mustContain(t, "euros", w.ask(managerID, "/invoice", "pay INV-2026-0003 €100"), "is in EUR, but the invoice is in GBP")
	if status, paid := w.statusOf(nwt); status != "sent" || paid != "0.00" {
		t.Fatalf("after refusals: %s, paid %s", status, paid)
	}

	mustContain(t, "partial", w.ask(managerID, "/invoice", "pay INV-2026-0003 £200 3 Dec BACS 1234"), "Recorded £200.00 from NWT · Northwind Traders against *INV-2026-0003*, received 3 Dec 2026 (BACS 1234)",
		"Paid £200.00 · balance £280.00 — *Part paid*")
	if status, paid := w.statusOf(nwt); status != "part_paid" || paid != "200.00" {
		t.Fatalf("after £200: %s, paid %s", status, paid)
	}
	w.deliver()
	card, _ = w.cardOf(nwt)
	mustContain(t, "part-paid card", card, "Part paid", "Paid £200.00 · balance £280.00", billing.ActionPay)

	// The rest, from the card's Record payment: too much is sent back to
	// its field; the balance is taken.
	w.clickCard(managerID, billing.ActionPay, fmt.Sprint(nwt))
	view, meta := w.openedView(billing.CallbackPay)
	if !strings.Contains(fmt.Sprint(view), "280.00") {
		t.Fatalf("the form does not start at the balance: %v", view)
	}
	values := func(amount string) map[string]any {
		return map[string]any{"amount": textVal(amount), "date": dateVal("2026-12-03"), "reference": textVal("FPS"), "overpayment": checkedVal()}
	}
	errs := responseErrors(t, w.interact(submission(managerID, billing.CallbackPay, meta, values("300"))))
	if !strings.Contains(errs["amount"], "more than the balance of £280.00") {
		t.Fatalf("£300 on a £280 balance: errors %v", errs)
	}
	w.mark()
	if errs := responseErrors(t, w.interact(submission(managerID, billing.CallbackPay, meta, values("280")))); errs != nil {
		t.Fatalf("the balance refused: %v", errs)
	}
	mustContain(t, "paid", w.said(), "Paid £480.00 · balance £0.00 — *Paid*")
	if status, paid := w.statusOf(nwt); status != "paid" || paid != "480.00" {
		t.Fatalf("after the rest: %s, paid %s", status, paid)
	}
	w.deliver()
	card, _ = w.cardOf(nwt)
	mustContain(t, "paid card", card, "Sent to accounts@nwt.example · Paid", "Paid £480.00 · balance £0.00")
	if strings.Contains(card, billing.ActionPay) {
		t.Fatal("a paid invoice's card still offers Record payment")
	}

	// /invoice lists the payments, each with Reverse; reversing the first
	// asks why and puts its £200 back on the balance.
	mustContain(t, "invoice", w.ask(managerID, "/invoice", "INV-2026-0003"), "*Payments* · Paid £480.00 · balance £0.00", "3 Dec 2026 · £200.00 · BACS 1234 · recorded by Mina Manager",
		"Reverse £200.00 · 3 Dec")
	var first int64
	if err := w.pool.QueryRow(w.ctx, `SELECT min(id) FROM payments WHERE invoice_id = $1`, nwt).Scan(&first); err != nil {
		t.Fatal(err)
	}
	w.click(managerID, billing.ActionReverse+"."+fmt.Sprint(first), fmt.Sprint(first))
	_, meta = w.openedView(billing.CallbackReverse)
	w.mark()
	w.interact(submission(managerID, billing.CallbackReverse, meta, map[string]any{"reason": textVal("Cheque bounced")}))
	mustContain(t, "reversed", w.said(), "Reversed the payment of £200.00 on *INV-2026-0003*", "Paid £280.00 · balance £200.00 — *Part paid*",
		"~reversed~ by Mina Manager: Cheque bounced")
	if status, paid := w.statusOf(nwt); status != "part_paid" || paid != "280.00" {
		t.Fatalf("after the reversal: %s, paid %s", status, paid)
	}
	w.deliver()
	card, _ = w.cardOf(nwt)
	mustContain(t, "card after the reversal", card, "Paid £280.00 · balance £200.00", billing.ActionPay)
}

// /invoices overdue ages what is owed by the days past each due date, as
// the clock moves, and sends the CSV by DM.
func TestOverdueAgesDebt(t *testing.T) {
	t.Parallel()
	w := newApprovalWorld(t)
	sentInvoice(t, w)
	w.say(managerID, "/invoice", "pay INV-2026-0003 80")

	mustContain(t, "staff", w.ask(staffID, "/invoices", "overdue"), "Aged debt is for managers")

	// 10 December: not yet due.
	w.clock.Set(time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC))
	mustContain(t, "current", w.ask(managerID, "/invoices", "overdue"), "Aged debt · 10 Dec 2026", "*£400.00 owed* on 1 invoice by 1 client · *£0.00 overdue*", "Current £400.00",
		"*NWT · Northwind Traders* — £400.00 owed · 1 invoice")

	// 20 January: 34 days past its due date of 17 December.
	w.clock.Set(time.Date(2027, 1, 20, 9, 0, 0, 0, time.UTC))
	got := w.ask(managerID, "/invoices", "overdue")
	mustContain(t, "31-60", got, "*£400.00 owed* on 1 invoice by 1 client · *£400.00 overdue*", "31–60 days £400.00",
		"the oldest due 17 Dec 2026 (34 days ago)", billing.ActionOverdueCSV)
	if strings.Contains(got, "Current £") {
		t.Fatalf("an invoice 34 days past due shown as current: %s", got)
	}

	// 20 March: over 90 days.
	w.clock.Set(time.Date(2027, 3, 20, 9, 0, 0, 0, time.UTC))
	mustContain(t, "90+", w.ask(managerID, "/invoices", "overdue"), "90+ days £400.00")

	w.mark()
	w.click(managerID, billing.ActionOverdueCSV, "2027-03-20")
	mustContain(t, "export", w.said(), "on its way to you, by direct message")
	w.deliver()
	var csv string
	for _, f := range w.fake.Files() {
		if f.Name == "aged-debt-2027-03-20.csv" && f.ChannelID == slackfake.DMChannelID(managerID) {
			csv = string(f.Content)
		}
	}
	mustContain(t, "CSV", csv, "client_code,client,current,days_0_30,days_31_60,days_61_90,days_over_90,total",
		"NWT,Northwind Traders,0.00,0.00,0.00,0.00,400.00,400.00,1,2026-12-17,0.00",
		",Total,0.00,0.00,0.00,0.00,400.00,400.00,1,2026-12-17,0.00")
}

// An overpayment's excess is set against the client's next invoice when
// that is sent through the mail server: it goes out part paid.
func TestOverpaymentCarriedWhenTheNextInvoiceIsSent(t *testing.T) {
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
	first := sentInvoice(t, w)
	mustContain(t, "overpaid", w.ask(managerID, "/invoice", "pay INV-2026-0003 £500 overpayment"),
		"£20.00 over the balance is credit on NWT's account")
	if status, paid := w.statusOf(first); status != "paid" || paid != "480.00" {
		t.Fatalf("overpaid invoice: %s, paid %s", status, paid)
	}

	// December's call, drafted, submitted, approved and sent.
	w.say(staffID, "/log", "1h nwt 2 Dec call")
	w.say(managerID, "/invoice", "draft nwt")
	w.settle()
	next := w.invoiceOf("NWT", "hourly")
	if next == first {
		t.Fatal("no new draft for NWT")
	}
	w.click(managerID, billing.ActionSubmit, fmt.Sprint(next))
	w.settle()
	w.click(patID, billing.ActionApprove, fmt.Sprint(next))
	w.settle()
	w.click(managerID, billing.ActionSend, fmt.Sprint(next))
	w.deliver()
	if _, err := md.WaitForEmails(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if status, paid := w.statusOf(next); status != "part_paid" || paid != "20.00" {
		t.Fatalf("next invoice once sent: %s, paid %s; want part paid, 20.00", status, paid)
	}
	var credit string
	if err := w.pool.QueryRow(w.ctx, `SELECT coalesce(sum(amount), 0)::text FROM account_credits WHERE practice_id = $1`, w.pid).Scan(&credit); err != nil || credit != "0.00" {
		t.Fatalf("credit left on account %s (%v), want 0.00", credit, err)
	}
	mustContain(t, "next invoice", w.ask(managerID, "/invoice", fmt.Sprint(next)), "from credit on account", "Paid £20.00 · balance £100.00")
}
