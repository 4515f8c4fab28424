package billing

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/creditnotes"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Credit notes in Slack: the Credit note button on a sent invoice's card
// and in /invoice opens a form — the whole invoice or one line (part of
// it too), why, and what becomes of its time — and /invoice credit is its
// typed shortcut. The rules, the numbering and the email live in
// internal/creditnotes; the card shows each note against its invoice.

// Actions and callbacks of credit notes.
const (
	ActionCredit     = "invoice.credit"   // value: invoice id
	ActionCreditSend = "credit_note.send" // value: credit note id; sends it again after a failure
	CallbackCredit   = "invoice.credit.modal"

	// FieldScope says what the form credits: ScopeWhole or ScopeLine.
	FieldScope = "scope"
	ScopeWhole = "whole"
	ScopeLine  = "line"
)

// creditButton opens the credit form.
func creditButton(inv billing.Invoice) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(ActionCredit, strconv.FormatInt(inv.ID, 10), blockkit.Plain("Credit note", blockkit.MaxButtonText))
}

// creditBlocks are what a sent invoice's card adds for credit notes: the
// notes issued against it, and the button that issues another while
// something remains to credit.
func (h handlers) creditBlocks(ctx context.Context, pid atlas.PracticeID, inv billing.Invoice) ([]slack.Block, error) {
	if !creditnotes.Creditable(inv.Status) {
		return nil, nil
	}
	notes, err := h.CreditNotes.OfInvoice(ctx, pid, inv.ID)
	if err != nil {
		return nil, err
	}
	var out []slack.Block
	credited := decimal.Zero
	if len(notes) > 0 {
		var b strings.Builder
		for _, n := range notes {
			credited = credited.Add(n.Total)
			fmt.Fprintf(&b, ":receipt: Credit note *%s* · %s · %s — %s", n.Number, money.Format(n.Total, n.Currency), n.IssuedOn.Format("2 Jan"),
				blockkit.Escape(blockkit.Truncate(n.Reason, 120)))
			switch n.Status {
			case creditnotes.StatusSending:
				b.WriteString(" · sending")
			case creditnotes.StatusSent:
				b.WriteString(" · sent")
			default:
				if n.SendError != "" {
					b.WriteString(" · :warning: not sent: " + blockkit.Escape(blockkit.Truncate(n.SendError, 120)))
				} else {
					b.WriteString(" · not sent")
				}
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "Credited %s of %s", money.Format(credited, inv.Currency), money.Format(inv.Total, inv.Currency))
		out = append(out, slack.NewContextBlock("invoice.card.credits", blockkit.Markdown(b.String(), blockkit.MaxSectionText)))
	}
	if credited.LessThan(inv.Total) {
		out = append(out, slack.NewActionBlock("invoice.card.credit", creditButton(inv)))
	}
	return out, nil
}

// CreditModal is the credit form: the whole invoice or one line (part of
// it, with an amount), why, and what becomes of the credited time.
// remaining is what is left to credit of each line, before VAT.
func CreditModal(inv billing.Invoice, remaining map[int64]decimal.Decimal) slack.ModalViewRequest {
	cur := inv.Currency
	left := decimal.Zero
	var opts []blockkit.Option
	for _, l := range inv.Lines {
		r := remaining[l.ID]
		left = left.Add(r)
		if !r.IsPositive() || len(opts) == blockkit.MaxSelectOptions {
			continue
		}
		label := fmt.Sprintf("%s · %s", blockkit.Truncate(l.Description, 50), money.Format(r, cur))
		if !r.Equal(l.Amount) {
			label += " left"
		}
		opts = append(opts, blockkit.Option{Value: strconv.FormatInt(l.ID, 10), Label: label})
	}
	whole := slack.NewOptionBlockObject(ScopeWhole, blockkit.Plain(fmt.Sprintf("The whole invoice — all that remains, %s before VAT", money.Format(left, cur)), 75), nil)
	one := slack.NewOptionBlockObject(ScopeLine, blockkit.Plain("One line, or part of it", 75), nil)
	scope := slack.NewRadioButtonsBlockElement(FieldScope, whole, one)
	scope.InitialOption = whole
	wip := slack.NewOptionBlockObject(string(creditnotes.BackToWIP), blockkit.Plain("Back to work in progress — to bill again", 75), nil)
	off := slack.NewOptionBlockObject(string(creditnotes.WriteOff), blockkit.Plain("Written off — never billed; its value recorded as written off", 75), nil)
	timeTo := slack.NewRadioButtonsBlockElement(creditnotes.FieldTimeTo, wip, off)
	timeTo.InitialOption = wip
	return modal(CallbackCredit, "Credit "+blockkit.Truncate(inv.Number, 17), "Issue", metaOf(inv), heading(inv),
		slack.NewInputBlock(FieldScope, blockkit.Plain("Credit", 2000), nil, scope),
		blockkit.StaticSelect(creditnotes.FieldLine, "Line", opts, "", true),
		blockkit.TextInput(creditnotes.FieldAmount, "Amount before VAT", "For part of the line; empty credits all that remains of it. VAT follows at the line's rate.",
			"", "120.00", 20, true),
		blockkit.TextInput(creditnotes.FieldReason, "Why", "Printed on the credit note the client receives.", "", "Payroll billed for six employees; five were paid", 300, false),
		slack.NewInputBlock(creditnotes.FieldTimeTo, blockkit.Plain("The credited time", 2000),
			blockkit.Plain("For a line credited whole. A line credited in part keeps its time billed.", 150), timeTo),
		slack.NewContextBlock("", blockkit.Markdown("It takes the next credit-note number and is emailed to the client with its PDF.", 0)))
}

// openCredit opens the credit form.
func (h handlers) openCredit(ctx context.Context, r *slackapp.Request) error {
	inv, err := h.Billing.Invoice(ctx, r.Practice.ID, ui.ParseID(r.Action.Value))
	if err != nil {
		return err
	}
	if !creditnotes.Creditable(inv.Status) {
		return atlas.Errorf(atlas.EConflict, "%s is %s: only an invoice sent to the client is credited.", inv.Name(), strings.ToLower(inv.Status.Label()))
	}
	remaining, err := h.CreditNotes.Remaining(ctx, r.Practice.ID, inv)
	if err != nil {
		return err
	}
	return r.OpenModal(CreditModal(inv, remaining))
}

// submitCredit issues the note the form asks for.
func (h handlers) submitCredit(ctx context.Context, r *slackapp.Request) error {
	m, err := h.meta(r)
	if err != nil {
		return err
	}
	req := creditnotes.Request{InvoiceID: m.Invoice, Reason: r.Value(creditnotes.FieldReason), TimeTo: creditnotes.TimeTo(r.Value(creditnotes.FieldTimeTo))}
	if r.Value(FieldScope) == ScopeLine {
		line := ui.ParseID(r.Value(creditnotes.FieldLine))
		if line == 0 {
			return atlas.FieldError(creditnotes.FieldLine, "Pick the line to credit, or choose the whole invoice.")
		}
		amount, err := creditAmount(creditnotes.FieldAmount, r.Value(creditnotes.FieldAmount))
		if err != nil {
			return err
		}
		req.Lines = []creditnotes.LineCredit{{LineID: line, Amount: amount}}
	}
	n, err := h.CreditNotes.Issue(ctx, r.Practice.ID, r.Member.ID, req, r.Now())
	if isFieldError(err) {
		return err
	}
	if err != nil {
		return h.submitted(ctx, r, billing.Invoice{}, err, "")
	}
	r.Ack(nil)
	return r.Send(ctx, slackapp.Text(issuedText(n)))
}

// creditAmount reads an amount typed for a credit; empty is none.
func creditAmount(field, typed string) (decimal.NullDecimal, error) {
	t := strings.TrimSpace(typed)
	if t == "" {
		return decimal.NullDecimal{}, nil
	}
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "−") {
		return decimal.NullDecimal{}, atlas.FieldError(field, "A credit is more than zero: write what to credit, such as 120.00.")
	}
	d, err := practice.ParseMoney(t)
	if err != nil {
		return decimal.NullDecimal{}, atlas.FieldError(field, "%q is not an amount. Write it like 1,150.00 or 95.", typed)
	}
	return decimal.NewNullDecimal(d), nil
}

// issuedText is the answer to a note issued: its number and total, where
// it went, and what became of the time and of money already paid.
func issuedText(n creditnotes.Issued) string {
	cur := n.Currency
	s := fmt.Sprintf(":receipt: Credit note *%s* for *%s* (%s): *%s*", n.Number, n.InvoiceNumber, blockkit.Escape(n.Client()), money.Format(n.Total, cur))
	if n.Registered {
		s += fmt.Sprintf(" (%s + VAT %s)", money.Format(n.Subtotal, cur), money.Format(n.VAT, cur))
	}
	s += "."
	switch {
	case n.Unsent != "":
		s += "\n:warning: Not sent: " + blockkit.Escape(n.Unsent)
	default:
		s += " It is on its way to " + blockkit.Escape(n.BillingEmail) + " with its PDF."
	}
	if n.EntriesMoved > 0 {
		where := "back in work in progress"
		if n.TimeTo == creditnotes.WriteOff {
			where = "written off"
		}
		s += fmt.Sprintf("\nIts time: %d %s %s.", n.EntriesMoved, ui.Plural(n.EntriesMoved, "entry", "entries"), where)
	}
	if n.ToAccount.IsPositive() {
		s += fmt.Sprintf("\n%s of it was already paid: it is now credit on %s's account.", money.Format(n.ToAccount, cur), blockkit.Escape(n.EntityCode))
	}
	return s
}

// creditCommand is /invoice credit <number> [amount] [wip|write-off] <reason>.
func (h handlers) creditCommand(ctx context.Context, r *slackapp.Request) error {
	const usage = "`/invoice credit <number> [amount] [wip|write-off] <reason>`, such as `/invoice credit INV-2026-0042 wip Billed to the wrong company`"
	words := strings.Fields(ui.Unescape(r.Text))
	if len(words) < 2 {
		return atlas.Errorf(atlas.EInvalid, "Say which invoice and why: %s. Without an amount the whole invoice is credited.", usage)
	}
	id, ok, err := h.Billing.ByNumber(ctx, r.Practice.ID, words[0])
	if err != nil {
		return err
	}
	if !ok {
		return atlas.Errorf(atlas.ENotFound, "There is no invoice %s. `/invoices sent` lists those that can be credited.", words[0])
	}
	words = words[1:]
	req := creditnotes.Request{InvoiceID: id}
	if len(words) > 0 && looksLikeAmount(words[0]) {
		amount, err := creditAmount(creditnotes.FieldAmount, words[0])
		if err != nil {
			return atlas.Errorf(atlas.EInvalid, "%s %s.", atlas.ErrorMessage(err), usage)
		}
		line, err := h.onlyLine(ctx, r.Practice.ID, id)
		if err != nil {
			return err
		}
		req.Lines, words = []creditnotes.LineCredit{{LineID: line, Amount: amount}}, words[1:]
	}
	if len(words) > 0 {
		switch strings.ToLower(words[0]) {
		case "wip":
			req.TimeTo, words = creditnotes.BackToWIP, words[1:]
		case "write-off", "writeoff", "write_off":
			req.TimeTo, words = creditnotes.WriteOff, words[1:]
		}
	}
	req.Reason = strings.Join(words, " ")
	n, err := h.CreditNotes.Issue(ctx, r.Practice.ID, r.Member.ID, req, r.Now())
	switch atlas.ErrorField(err) {
	case "":
	case creditnotes.FieldTimeTo:
		return atlas.Errorf(atlas.EInvalid, "Say what becomes of its time: `wip` (back to work in progress) or `write-off`, before the reason: %s.", usage)
	case creditnotes.FieldReason:
		return atlas.Errorf(atlas.EInvalid, "Say why, after the invoice: %s. The reason goes on the credit note.", usage)
	default:
		return atlas.Errorf(atlas.EInvalid, "%s", atlas.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Text(issuedText(n)))
}

// looksLikeAmount tells an amount (120, £120.50, -5) from the first word
// of a reason, by its first character: a digit, a sign or a currency
// symbol such as £ or €.
func looksLikeAmount(word string) bool {
	r, _ := utf8.DecodeRuneInString(word)
	return unicode.IsDigit(r) || r == '-' || r == '+' || r == '.' || unicode.Is(unicode.Sc, r)
}

// onlyLine is the one line of an invoice with something left to credit:
// an amount typed without a line credits it; with several, the form asks.
func (h handlers) onlyLine(ctx context.Context, pid atlas.PracticeID, id int64) (int64, error) {
	inv, err := h.Billing.Invoice(ctx, pid, id)
	if err != nil {
		return 0, err
	}
	remaining, err := h.CreditNotes.Remaining(ctx, pid, inv)
	if err != nil {
		return 0, err
	}
	var open []int64
	for _, l := range inv.Lines {
		if remaining[l.ID].IsPositive() {
			open = append(open, l.ID)
		}
	}
	if len(open) != 1 {
		return 0, atlas.Errorf(atlas.EInvalid, "%s has %d lines left to credit, so an amount alone does not say which: press *Credit note* on its card or in `/invoice %s`, which asks for the line.",
			inv.Number, len(open), inv.Number)
	}
	return open[0], nil
}

// sendCredit sends a note again after a failed send.
func (h handlers) sendCredit(ctx context.Context, r *slackapp.Request) error {
	id := ui.ParseID(r.Action.Value)
	if err := db.InTx(ctx, h.Billing.DB, func(tx pgx.Tx) error {
		return creditnotes.QueueSend(ctx, tx, r.Practice.ID, id, r.Member.ID)
	}); err != nil {
		return err
	}
	n, err := h.CreditNotes.Get(ctx, r.Practice.ID, id)
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Text(fmt.Sprintf(":outbox_tray: Sending credit note *%s* to %s again.", n.Number, blockkit.Escape(n.BillingEmail))))
}

// renderCreditPDF draws a sent note's PDF for its invoice card's thread.
func (h handlers) renderCreditPDF(ctx context.Context, p outbox.Post) (slackapp.File, error) {
	pid := atlas.PracticeID(p.Practice)
	n, err := h.CreditNotes.Get(ctx, pid, p.Subject.ID)
	if err != nil {
		return slackapp.File{}, err
	}
	data, name, err := creditnotes.PDF(ctx, h.Billing.DB, pid, n.ID)
	if err != nil {
		return slackapp.File{}, err
	}
	return slackapp.File{Name: name, Title: n.Number + " · " + n.Client(), Data: data,
		Comment: fmt.Sprintf("Credit note %s for %s as sent to %s", n.Number, n.InvoiceNumber, n.BillingEmail)}, nil
}

// renderCreditSendFailed draws the DM that tells a partner a note did not go.
func (h handlers) renderCreditSendFailed(ctx context.Context, p outbox.Post) (slackapp.Message, error) {
	attempt, err := strconv.Atoi(strings.TrimPrefix(p.Subject.Purpose, "send_failed:"))
	if err != nil {
		return slackapp.Message{}, fmt.Errorf("credit note send failed: purpose %q", p.Subject.Purpose)
	}
	f, err := creditnotes.FailureOf(ctx, h.Billing.DB, atlas.PracticeID(p.Practice), p.Subject.ID, attempt)
	if err != nil {
		return slackapp.Message{}, err
	}
	n := f.Note
	text := fmt.Sprintf(":warning: Credit note *%s* for %s did not go to %s. The mail server said:\n> %s", n.Number, blockkit.Escape(n.Client()),
		blockkit.Escape(cmpOr(f.To, "its billing email")), blockkit.Escape(cmpOr(f.Reason, "nothing more")))
	var accessory *slack.Accessory
	if n.Status == creditnotes.StatusIssued {
		text += "\nCheck the client's billing email (`/atlas clients edit " + blockkit.Escape(n.EntityCode) + "`), then send it again."
		accessory = slack.NewAccessory(slack.NewButtonBlockElement(ActionCreditSend, strconv.FormatInt(n.ID, 10), blockkit.Plain("Send again", blockkit.MaxButtonText)))
	} else {
		text += "\nIt has been sent since."
	}
	return slackapp.Message{Text: "Credit note " + n.Number + " did not go to its client", Blocks: []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, accessory)}}, nil
}
