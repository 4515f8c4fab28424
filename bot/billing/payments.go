package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/payments"
	"github.com/atlas-practice/atlas/internal/timeparse"
)

// Payments in Slack: `/invoice pay`, the Record payment form from a sent
// invoice's card or `/invoice`, and reversing a payment from `/invoice`.
// Managers and up record and reverse; every card shows what is paid and
// what is left. The rules are internal/payments'.

// Actions and callbacks of payments.
const (
	ActionPay       = "invoice.pay"         // value: invoice id
	ActionReverse   = "invoice.pay.reverse" // value: payment id
	CallbackPay     = "invoice.pay.modal"
	CallbackReverse = "invoice.pay.reverse.modal"
)

// payers is the refusal of payments to staff.
const payers = "Payments are recorded and reversed by managers, partners and admins"

// registerPayments adds the payment and aged debt routes.
func registerPayments(rt *slackapp.Router, h handlers, area string) {
	manager := slackapp.Manager
	rt.HandleCommand(slackapp.Command{Name: "/invoice", Sub: "pay", Area: area, Usage: "/invoice pay <number> <amount> [date] [reference] [overpayment]",
		Summary: "Record a payment received against a sent invoice: part of it or all; the invoice becomes part paid, then paid.",
		Detail: "The date is today unless you give one (`3 Dec`, `03/12/2026`); what follows it is the reference. An amount above the balance is refused " +
			"unless you end with `overpayment`: the excess then becomes credit on the client's account, set against its next invoice when that is sent. " +
			"A payment recorded by mistake is reversed from `/invoice <number>`.",
		Examples: []string{"/invoice pay INV-2026-0042 £1,200 3 Dec BACS 1234", "/invoice pay INV-2026-0042 500", "/invoice pay INV-2026-0042 £1,300 overpayment"},
		Route:    manager(h.payCommand).Because(payers)})
	rt.HandleCommand(slackapp.Command{Name: "/invoices", Sub: "overdue", Area: area, Usage: "/invoices overdue",
		Summary:  "Aged debt: what each client owes on sent invoices — current, and 0–30, 31–60, 61–90 and over 90 days past due — with totals, and a CSV export.",
		Examples: []string{"/invoices overdue"},
		Route:    manager(h.overdue).Because("Aged debt is for managers, partners and admins")})
	rt.HandleAction(ActionPay, manager(h.openPay).Because(payers))
	rt.HandleSubmit(CallbackPay, manager(h.submitPay).Because(payers))
	rt.HandleAction(ActionReverse, manager(h.openReverse).Because(payers))
	rt.HandleAction(ActionReverse+".", manager(h.openReverse).Because(payers))
	rt.HandleSubmit(CallbackReverse, manager(h.submitReverse).Because(payers))
	rt.HandleAction(ActionOverduePage, manager(h.overduePage))
	rt.HandleAction(ActionOverdueCSV, manager(h.overdueCSV))
	rt.HandleFile(RenderAgedCSV, h.renderAgedCSV)
}

// payCommand is /invoice pay <number> <amount> [date] [reference].
func (h handlers) payCommand(ctx context.Context, r *slackapp.Request) error {
	in, err := readPay(ui.Unescape(r.Text), r.Practice.Today(r.Now()))
	if err != nil {
		return err
	}
	in.Key = r.Key()
	out, err := h.Payments.Record(ctx, r.Practice.ID, r.Member.ID, in, r.Now())
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Text(recordedText(out)))
}

// payUsage is how /invoice pay is written.
const payUsage = "`/invoice pay <number> <amount> [date] [reference]`, such as `/invoice pay INV-2026-0042 £1,200 3 Dec BACS 1234`"

// readPay reads `<number> <amount> [date] [reference] [overpayment]`.
func readPay(text string, today time.Time) (payments.Input, error) {
	var in payments.Input
	words := strings.Fields(text)
	if n := len(words); n > 0 {
		if last := strings.ToLower(strings.Trim(words[n-1], ".!")); last == "overpayment" || last == "overpaid" {
			in.Overpayment, words = true, words[:n-1]
		}
	}
	if len(words) < 2 {
		return in, atlas.Errorf(atlas.EInvalid, "Say which invoice and how much was paid: %s.", payUsage)
	}
	in.Invoice, words = words[0], words[1:]
	// The amount: one word, or a currency and a number written apart
	// (`£ 1,200`, `1200 GBP`).
	n := 1
	if len(words) > 1 && (isCurrencyWord(words[0]) || isCurrencyWord(words[1])) {
		n = 2
	}
	in.Amount, words = strings.Join(words[:n], " "), words[n:]
	if len(words) > 0 {
		if strings.Count(words[0], "/") == 2 {
			in.Date, words = words[0], words[1:]
		} else if used, _, err := timeparse.DateFields(words, today); used > 0 {
			if err != nil {
				return in, atlas.Errorf(atlas.EInvalid, "%s", strings.ReplaceAll(atlas.ErrorMessage(err), "time is logged", "a payment is recorded"))
			}
			in.Date, words = strings.Join(words[:used], " "), words[used:]
		}
	}
	in.Reference = strings.Join(words, " ")
	return in, nil
}

// isCurrencyWord is a currency written apart from its amount.
func isCurrencyWord(w string) bool {
	if len(w) == 3 && money.Known(strings.ToUpper(w)) {
		return true
	}
	switch w {
	case "£", "€", "$", "¥":
		return true
	}
	return false
}

// recordedText is the answer to a payment recorded.
func recordedText(out payments.Outcome) string {
	inv, p := out.Invoice, out.Payment
	if out.Again {
		return fmt.Sprintf("That payment of %s on *%s* was recorded already, on %s. Nothing more was recorded.",
			money.Format(p.Amount, inv.Currency), inv.Name(), p.CreatedAt.In(inv.Location).Format("2 Jan 15:04"))
	}
	text := fmt.Sprintf(":white_check_mark: Recorded %s from %s against *%s*, received %s", money.Format(p.Amount, inv.Currency),
		blockkit.Escape(inv.Client()), inv.Name(), p.ReceivedOn.Format("2 Jan 2006"))
	if p.Reference != "" {
		text += " (" + blockkit.Escape(p.Reference) + ")"
	}
	text += fmt.Sprintf(".\n%s — *%s*.", balanceOf(inv), inv.Status.Label())
	if out.Credit.IsPositive() {
		text += fmt.Sprintf("\n%s over the balance is credit on %s's account: it is set against %s next invoice when that is sent.",
			money.Format(out.Credit, inv.Currency), blockkit.Escape(inv.EntityCode), blockkit.Escape(inv.EntityCode)+"'s")
	}
	return text
}

// PaidText is what a sent invoice's card says of its payments: "Paid
// £500.00 · balance £700.00"; "" before anything is paid or credited.
func PaidText(inv billing.Invoice) string {
	if inv.Paid.IsZero() && inv.Credited.IsZero() {
		return ""
	}
	s := "Paid " + money.Format(inv.Paid, inv.Currency)
	if !inv.Credited.IsZero() {
		s += " · credited " + money.Format(inv.Credited, inv.Currency)
	}
	return s + " · balance " + money.Format(inv.Balance(), inv.Currency)
}

// payButton opens the Record payment form.
func payButton(inv billing.Invoice) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(ActionPay, strconv.FormatInt(inv.ID, 10), blockkit.Plain("Record payment", blockkit.MaxButtonText))
}

// payable reports whether an invoice takes payments: sent and owing.
func payable(inv billing.Invoice) bool {
	return inv.Status == billing.Sent || inv.Status == billing.PartPaid
}

// payMeta travels in the payment forms.
type payMeta struct {
	Invoice int64 `json:"invoice"`
	Payment int64 `json:"payment,omitempty"`
}

func (m payMeta) String() string {
	b, _ := json.Marshal(m)
	return string(b)
}

// PayModal is the Record payment form: the amount (the balance to start
// with), the day it was received, the bank's reference, and whether an
// amount above the balance is an overpayment.
func PayModal(inv billing.Invoice, today time.Time) slack.ModalViewRequest {
	cur := inv.Currency
	head := fmt.Sprintf("*%s* · %s\n%s · total %s · %s", blockkit.Escape(inv.Client()), blockkit.Escape(inv.Label), inv.Name(),
		money.Format(inv.Total, cur), cmpOr(PaidText(inv), "nothing paid yet"))
	blocks := []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown(head, blockkit.MaxSectionText), nil, nil),
		blockkit.TextInput(payments.FieldAmount, "Amount received", "In "+cur+", as the bank credited it. The balance is "+money.Format(inv.Balance(), cur)+".",
			inv.Balance().StringFixed(2), "1,200.00", 30, false),
		blockkit.DatePicker(payments.FieldDate, "Received on", "", today.Format(time.DateOnly), false),
		blockkit.TextInput(payments.FieldReference, "Reference", "The bank's reference, a cheque number.", "", "BACS 1234", 200, true),
	}
	blocks = append(blocks, blockkit.Checkboxes(payments.FieldOverpayment, "Overpayment",
		[]blockkit.Option{{Value: "yes", Label: "Keep what is above the balance as credit on " + inv.EntityCode + "'s account"}}, nil)...)
	return slack.ModalViewRequest{Type: slack.VTModal, CallbackID: CallbackPay, PrivateMetadata: payMeta{Invoice: inv.ID}.String(),
		Title: blockkit.Plain("Record payment", blockkit.MaxModalTitle), Submit: blockkit.Plain("Record", blockkit.MaxModalButton),
		Close: blockkit.Plain("Cancel", blockkit.MaxModalButton), Blocks: slack.Blocks{BlockSet: blocks}}
}

// openPay opens the Record payment form on a sent invoice.
func (h handlers) openPay(ctx context.Context, r *slackapp.Request) error {
	inv, err := h.Billing.Invoice(ctx, r.Practice.ID, ui.ParseID(r.Action.Value))
	if err != nil {
		return err
	}
	if !payable(inv) {
		return atlas.Errorf(atlas.EConflict, "%s is %s now: only a sent invoice with a balance takes payments.", inv.Name(), strings.ToLower(inv.Status.Label()))
	}
	return r.OpenModal(PayModal(inv, r.Practice.Today(r.Now())))
}

func (h handlers) submitPay(ctx context.Context, r *slackapp.Request) error {
	var m payMeta
	if err := r.PrivateMetadata(&m); err != nil || m.Invoice == 0 {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open the invoice again with `/invoice`.")
	}
	over := false
	for _, v := range r.Values(payments.FieldOverpayment) {
		over = over || v == "yes"
	}
	out, err := h.Payments.Record(ctx, r.Practice.ID, r.Member.ID, payments.Input{InvoiceID: m.Invoice, Amount: r.Value(payments.FieldAmount),
		Date: r.Value(payments.FieldDate), Reference: r.Value(payments.FieldReference), Overpayment: over, Key: r.Key()}, r.Now())
	if isFieldError(err) {
		return err
	}
	if err != nil {
		return h.submitted(ctx, r, billing.Invoice{ID: m.Invoice}, payRefusal(err), "")
	}
	return h.submitted(ctx, r, billing.Invoice{ID: m.Invoice}, nil, recordedText(out))
}

// payRefusal makes a refusal that is not a field's close the form and show
// the invoice with why.
func payRefusal(err error) error {
	if code := atlas.ErrorCode(err); code == atlas.EInvalid || code == atlas.ENotFound {
		return atlas.Errorf(atlas.EConflict, "%s", atlas.ErrorMessage(err))
	}
	return err
}

// openReverse asks why a payment is reversed.
func (h handlers) openReverse(ctx context.Context, r *slackapp.Request) error {
	p, err := h.Payments.Payment(ctx, r.Practice.ID, ui.ParseID(r.Action.Value))
	if err != nil {
		return err
	}
	inv, err := h.Billing.Invoice(ctx, r.Practice.ID, p.InvoiceID)
	if err != nil {
		return err
	}
	if p.Reversed() {
		return atlas.Errorf(atlas.EConflict, "That payment of %s on %s was already reversed: %s.", money.Format(p.Amount, inv.Currency), inv.Name(), p.Reason)
	}
	text := fmt.Sprintf("*%s* · %s\n%s received %s", blockkit.Escape(inv.Client()), inv.Name(), money.Format(p.Amount, inv.Currency),
		p.ReceivedOn.Format("2 Jan 2006"))
	if p.Reference != "" {
		text += " · " + blockkit.Escape(p.Reference)
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, nil),
		slack.NewContextBlock("", blockkit.Markdown("The invoice's balance goes back up by what this payment paid; the payment stays on record, marked reversed, with your reason.", 0)),
		blockkit.TextInput(payments.FieldReason, "Why", "Kept with the payment.", "", "Cheque bounced", 500, false),
	}
	return r.OpenModal(slack.ModalViewRequest{Type: slack.VTModal, CallbackID: CallbackReverse,
		PrivateMetadata: payMeta{Invoice: inv.ID, Payment: p.ID}.String(),
		Title:           blockkit.Plain("Reverse payment", blockkit.MaxModalTitle), Submit: blockkit.Plain("Reverse it", blockkit.MaxModalButton),
		Close: blockkit.Plain("Cancel", blockkit.MaxModalButton), Blocks: slack.Blocks{BlockSet: blocks}})
}

func (h handlers) submitReverse(ctx context.Context, r *slackapp.Request) error {
	var m payMeta
	if err := r.PrivateMetadata(&m); err != nil || m.Payment == 0 {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open the invoice again with `/invoice`.")
	}
	out, err := h.Payments.Reverse(ctx, r.Practice.ID, r.Member.ID, m.Payment, r.Value(payments.FieldReason), r.Now())
	if isFieldError(err) {
		return err
	}
	if err != nil {
		return h.submitted(ctx, r, billing.Invoice{ID: m.Invoice}, payRefusal(err), "")
	}
	inv := out.Invoice
	notice := fmt.Sprintf(":leftwards_arrow_with_hook: Reversed the payment of %s on *%s*. %s — *%s*.", money.Format(out.Payment.Amount, inv.Currency),
		inv.Name(), balanceOf(inv), inv.Status.Label())
	return h.submitted(ctx, r, billing.Invoice{ID: m.Invoice}, nil, notice)
}

// balanceOf is "Paid £500.00 · balance £700.00" for an invoice as
// payments see it.
func balanceOf(inv payments.Invoice) string {
	s := "Paid " + money.Format(inv.Paid, inv.Currency)
	if !inv.Credited.IsZero() {
		s += " · credited " + money.Format(inv.Credited, inv.Currency)
	}
	return s + " · balance " + money.Format(inv.Balance(), inv.Currency)
}

// paymentsShown is how many of an invoice's payments /invoice lists.
const paymentsShown = 8

// paymentBlocks are an invoice's payments in /invoice, with a Reverse
// button each for those who may, and Record payment while it is owing.
func paymentBlocks(v InvoiceView) []slack.Block {
	inv := v.Invoice
	if inv.SentAt == nil && len(v.Payments) == 0 {
		return nil
	}
	cur := inv.Currency
	var b strings.Builder
	b.WriteString("*Payments* · " + cmpOr(PaidText(inv), "nothing paid yet · balance "+money.Format(inv.Balance(), cur)))
	var reverse []slack.BlockElement
	start := max(0, len(v.Payments)-paymentsShown)
	if start > 0 {
		fmt.Fprintf(&b, "\n_%d earlier %s_", start, ui.Plural(start, "payment", "payments"))
	}
	for _, p := range v.Payments[start:] {
		fmt.Fprintf(&b, "\n• %s · %s", p.ReceivedOn.Format("2 Jan 2006"), money.Format(p.Amount, cur))
		if p.Source == payments.AccountCredit {
			b.WriteString(" from credit on account")
		}
		if p.Reference != "" && p.Source != payments.AccountCredit {
			b.WriteString(" · " + blockkit.Escape(blockkit.Truncate(p.Reference, 60)))
		}
		if x := p.Excess(); x.IsPositive() {
			fmt.Fprintf(&b, " (%s to credit on account)", money.Format(x, cur))
		}
		if p.Reversed() {
			fmt.Fprintf(&b, " — ~reversed~ by %s: %s", blockkit.Escape(cmpOr(p.ReversedBy, "Atlas")), blockkit.Escape(blockkit.Truncate(p.Reason, 80)))
			continue
		}
		if p.RecordedBy != "" {
			b.WriteString(" · recorded by " + blockkit.Escape(p.RecordedBy))
		}
		if v.Role.AtLeast(atlas.RoleManager) {
			label := fmt.Sprintf("Reverse %s · %s", money.Format(p.Amount, cur), p.ReceivedOn.Format("2 Jan"))
			reverse = append(reverse, slack.NewButtonBlockElement(ActionReverse+"."+strconv.FormatInt(p.ID, 10), strconv.FormatInt(p.ID, 10),
				blockkit.Plain(label, blockkit.MaxButtonText)))
		}
	}
	if v.Credit.IsPositive() {
		fmt.Fprintf(&b, "\n%s has %s credit on account, set against its next invoice when that is sent.", blockkit.Escape(inv.EntityCode), money.Format(v.Credit, cur))
	}
	blocks := []slack.Block{slack.NewSectionBlock(blockkit.Markdown(b.String(), blockkit.MaxSectionText), nil, nil)}
	if len(reverse) > 0 {
		blocks = append(blocks, slack.NewActionBlock("invoice.payments", reverse...))
	}
	return blocks
}
