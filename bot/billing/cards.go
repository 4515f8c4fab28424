package billing

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/outbox"
)

// The billing channel: a summary per billing month and, in its thread, a
// card for each invoice a partner should look at. Both are drawn here when
// the outbox sends them (and again whenever what they show changes), from
// the database as it stands — so every copy of a card shows who approved
// it, and the buttons go once nothing is left to decide.

// Actions of the cards and the summary.
const (
	ActionApprove          = "invoice.approve"            // value: invoice id
	ActionCardEdit         = "invoice.card.edit"          // value: invoice id
	ActionReject           = "invoice.reject"             // value: invoice id
	ActionSubmit           = "invoice.submit"             // value: invoice id
	ActionVoid             = "invoice.void"               // value: invoice id
	ActionApproveUnchanged = "invoices.approve_unchanged" // value: the month, 2026-11
	ActionSummaryReview    = ui.ActionInvoicesReview      // value: the month, 2026-11

	CallbackReject = "invoice.reject.modal"
	CallbackVoid   = "invoice.void.modal"
)

// cardLines is how many lines a card lists before "+N more".
const cardLines = 5

// Card draws an invoice's card for the billing channel.
func Card(inv billing.Invoice) []slack.Block {
	cur := inv.Currency
	head := fmt.Sprintf("*%s* · %s\n%s · %s", blockkit.Escape(inv.Client()), blockkit.Escape(inv.Label), inv.Name(), kindLabel(inv.Kind))
	if inv.Preparer != "" {
		head += " · prepared by " + blockkit.Escape(inv.Preparer)
	}
	blocks := []slack.Block{slack.NewSectionBlock(blockkit.Markdown(head, blockkit.MaxSectionText), nil, nil)}
	var b strings.Builder
	for i, l := range inv.Lines {
		if i == cardLines {
			fmt.Fprintf(&b, "\n+%d more %s", len(inv.Lines)-i, ui.Plural(len(inv.Lines)-i, "line", "lines"))
			break
		}
		fmt.Fprintf(&b, "\n• %s", blockkit.Escape(blockkit.Truncate(l.Description, 80)))
		if l.Kind == billing.TimeLine && l.Minutes != nil {
			fmt.Fprintf(&b, " — %s h", billing.Hours(*l.Minutes))
		}
		fmt.Fprintf(&b, " · %s", money.Format(l.Amount, cur))
		if adj := l.Adjustment(); !adj.IsZero() {
			word := "down"
			if adj.IsPositive() {
				word = "up"
			}
			fmt.Fprintf(&b, " _(written %s %s)_", word, money.Format(adj.Abs(), cur))
		}
		if l.Kind == billing.AdhocLine {
			b.WriteString(" _(added by hand)_")
		}
	}
	fmt.Fprintf(&b, "\nSubtotal %s · VAT %s · *Total %s*", money.Format(inv.Subtotal, cur), money.Format(inv.VAT, cur), money.Format(inv.Total, cur))
	if pct, ok := inv.Realisation(); ok {
		billed, value := timeFigures(inv)
		fmt.Fprintf(&b, "\nBills %s of %s of time — %d%%", money.Format(billed, cur), money.Format(value, cur), pct)
	}
	blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(strings.TrimPrefix(b.String(), "\n"), blockkit.MaxSectionText), nil, nil))
	id := strconv.FormatInt(inv.ID, 10)
	if outcome := outcomeText(inv); outcome != "" {
		blocks = append(blocks, slack.NewContextBlock("invoice.card.outcome", blockkit.Markdown(outcome, blockkit.MaxSectionText)))
		if inv.Status == billing.Approved {
			blocks = append(blocks, slack.NewActionBlock("invoice.card.send", sendButton(inv),
				slack.NewButtonBlockElement(ActionVoid, id, blockkit.Plain("Void", blockkit.MaxButtonText)).WithStyle(slack.StyleDanger)))
		}
		if payable(inv) {
			blocks = append(blocks, slack.NewActionBlock("invoice.card.pay", payButton(inv)))
		}
		return blocks
	}
	approve := slack.NewButtonBlockElement(ActionApprove, id, blockkit.Plain("Approve", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary)
	approve.WithConfirm(slack.NewConfirmationBlockObject(blockkit.Plain("Approve this invoice?", blockkit.MaxModalTitle),
		blockkit.Markdown(fmt.Sprintf("%s for *%s*: *%s*. It takes the next invoice number, and nothing more can change on it.",
			inv.Name(), blockkit.Escape(inv.Client()), money.Format(inv.Total, cur)), 300),
		blockkit.Plain("Approve", blockkit.MaxModalButton), blockkit.Plain("Not yet", blockkit.MaxModalButton)))
	return append(blocks, slack.NewActionBlock("invoice.card.actions", approve,
		slack.NewButtonBlockElement(ActionCardEdit, id, blockkit.Plain("Edit", blockkit.MaxButtonText)),
		slack.NewButtonBlockElement(ActionReject, id, blockkit.Plain("Reject", blockkit.MaxButtonText)),
		slack.NewButtonBlockElement(ActionPreview, id, blockkit.Plain("Preview PDF", blockkit.MaxButtonText))))
}

// sendButton is Send now, its confirmation naming where the invoice goes.
func sendButton(inv billing.Invoice) *slack.ButtonBlockElement {
	b := slack.NewButtonBlockElement(ActionSend, strconv.FormatInt(inv.ID, 10), blockkit.Plain("Send now", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary)
	to := "its billing email"
	if inv.BillingEmail != "" {
		to = inv.BillingEmail
	}
	b.WithConfirm(slack.NewConfirmationBlockObject(blockkit.Plain("Send it to the client?", blockkit.MaxModalTitle),
		blockkit.Markdown(fmt.Sprintf("*%s* for %s, *%s*, goes by email to %s with its PDF. It is issued today.",
			inv.Number, blockkit.Escape(inv.Client()), money.Format(inv.Total, inv.Currency), blockkit.Escape(to)), 300),
		blockkit.Plain("Send", blockkit.MaxModalButton), blockkit.Plain("Not yet", blockkit.MaxModalButton)))
	return b
}

// outcomeText says what became of an invoice no longer awaiting approval:
// the line that replaces the buttons on every copy of its card.
func outcomeText(inv billing.Invoice) string {
	switch inv.Status {
	case billing.AwaitingApproval:
		return ""
	case billing.Approved, billing.Sending, billing.Sent, billing.PartPaid, billing.Paid:
		who := blockkit.Escape(inv.ApprovedBy)
		if inv.ApproverSlackID != "" {
			who = "<@" + inv.ApproverSlackID + ">"
		}
		s := fmt.Sprintf(":white_check_mark: Approved by %s — *%s*", who, inv.Number)
		if inv.ApprovedAt != nil {
			s += " · " + inv.ApprovedAt.Format("2 Jan 15:04")
		}
		switch {
		case inv.Status == billing.Approved && inv.BillingEmail == "":
			s += "\nNot sent: " + blockkit.Escape(inv.EntityCode) + " has no billing email — `/atlas clients edit " + blockkit.Escape(inv.EntityCode) + "`, then *Send now*."
		case inv.Status == billing.Approved && inv.SendError != "":
			s += "\n:warning: Not sent: " + blockkit.Escape(blockkit.Truncate(inv.SendError, 200))
		case inv.Status == billing.Sending:
			s += "\n:outbox_tray: Sending to " + blockkit.Escape(inv.BillingEmail) + "…"
		case inv.SentAt != nil:
			s += "\n:email: Sent to " + blockkit.Escape(inv.BillingEmail)
			if inv.Status != billing.Sent {
				s += " · " + inv.Status.Label()
			}
			if inv.IssueDate != nil && inv.DueDate != nil {
				s += fmt.Sprintf(" · issued %s, due %s", inv.IssueDate.Format("2 Jan"), inv.DueDate.Format("2 Jan 2006"))
			}
			if paid := PaidText(inv); paid != "" {
				s += "\n:moneybag: " + paid
			}
		case inv.Status != billing.Approved:
			s += " · " + inv.Status.Label()
		}
		return s
	case billing.Draft:
		if inv.RejectNote != "" {
			return ":leftwards_arrow_with_hook: Returned to its preparer: " + blockkit.Escape(inv.RejectNote)
		}
		return "Back with its preparer as a draft."
	case billing.Void:
		return fmt.Sprintf(":no_entry_sign: *%s* void: %s. Its time is back in work in progress.", inv.Number, blockkit.Escape(inv.VoidReason))
	case billing.Deleted:
		return ":wastebasket: Deleted; its time is back in work in progress."
	}
	return inv.Status.Label()
}

func kindLabel(k billing.Kind) string {
	switch k {
	case billing.Recurring:
		return "retainer"
	case billing.Adhoc:
		return "ad hoc"
	}
	return "hourly"
}

// timeFigures is what an invoice bills of its time, and the time's value.
func timeFigures(inv billing.Invoice) (billed, value decimal.Decimal) {
	for _, l := range inv.Lines {
		if l.Kind == billing.TimeLine {
			billed, value = billed.Add(l.Amount), value.Add(l.TimeValue)
		}
	}
	return billed, value
}

// SummaryData is a billing month's summary.
type SummaryData struct {
	Month atlas.Period
	billing.RunSummary
}

// Summary draws a billing month's summary for the billing channel.
func Summary(d SummaryData) []slack.Block {
	cur := d.Currency
	var kinds []string
	for _, t := range d.Kinds {
		name := map[billing.Kind][2]string{billing.Recurring: {"retainer", "retainers"}, billing.Hourly: {"hourly", "hourly"}, billing.Adhoc: {"ad hoc", "ad hoc"}}[t.Kind]
		kinds = append(kinds, fmt.Sprintf("%d %s %s", t.N, ui.Plural(t.N, name[0], name[1]), money.Format(t.Total, cur)))
	}
	text := fmt.Sprintf("*Billing · %s*\n%s\n%d awaiting approval · %d approved", d.Month.Label(), strings.Join(kinds, " · "), d.Awaiting, d.Approved)
	if d.Returned > 0 {
		text += fmt.Sprintf(" · %d back with their preparers", d.Returned)
	}
	if d.Sent+d.Sending+d.Failed > 0 {
		text += fmt.Sprintf("\n:email: Sent %s of %s approved", count(d.Sent), count(d.Approved))
		if d.Sending > 0 {
			text += fmt.Sprintf(" · %s sending", count(d.Sending))
		}
		if d.Failed > 0 {
			text += fmt.Sprintf(" · :warning: %s not sent, refused by the mail server (`/invoices approved` lists %s)", count(d.Failed),
				ui.Plural(d.Failed, "it", "them"))
		}
	}
	if look := d.Awaiting - d.Unchanged; look > 0 {
		text += fmt.Sprintf("\n%d %s a partner's look: %s in this thread.", look, ui.Plural(look, "needs", "need"), ui.Plural(look, "its card is", "their cards are"))
	}
	blocks := []slack.Block{slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, nil)}
	month := d.Month.String()
	buttons := []slack.BlockElement{slack.NewButtonBlockElement(ActionSummaryReview, month, blockkit.Plain("Review", blockkit.MaxButtonText))}
	if n := d.Unchanged; n > 0 {
		label := fmt.Sprintf("Approve %d unchanged %s", n, ui.Plural(n, "retainer", "retainers"))
		bulk := slack.NewButtonBlockElement(ActionApproveUnchanged, month, blockkit.Plain(label, blockkit.MaxButtonText)).WithStyle(slack.StylePrimary)
		bulk.WithConfirm(slack.NewConfirmationBlockObject(blockkit.Plain("Approve them all?", blockkit.MaxModalTitle),
			blockkit.Markdown(fmt.Sprintf("%d retainer %s the same as last month's, %s in all. Each takes the next invoice number, in client order.",
				n, ui.Plural(n, "invoice", "invoices"), money.Format(d.UnchangedTotal, cur)), 300),
			blockkit.Plain("Approve", blockkit.MaxModalButton), blockkit.Plain("Not yet", blockkit.MaxModalButton)))
		buttons = append(buttons, bulk)
	}
	return append(blocks, slack.NewActionBlock("invoices.summary", buttons...))
}

// renderCard draws an invoice's card when the outbox sends or redraws it.
func (h handlers) renderCard(ctx context.Context, p outbox.Post) (slackapp.Message, error) {
	inv, err := h.Billing.Invoice(ctx, atlas.PracticeID(p.Practice), p.Subject.ID)
	if atlas.ErrorCode(err) == atlas.ENotFound {
		return slackapp.Message{}, slackapp.ErrNothingToSay
	}
	if err != nil {
		return slackapp.Message{}, err
	}
	credits, err := h.creditBlocks(ctx, atlas.PracticeID(p.Practice), inv)
	if err != nil {
		return slackapp.Message{}, err
	}
	text := fmt.Sprintf("%s · %s · %s", inv.Name(), inv.Client(), money.Format(inv.Total, inv.Currency))
	return slackapp.Message{Text: text, Blocks: append(Card(inv), credits...)}, nil
}

// renderSummary draws a billing month's summary.
func (h handlers) renderSummary(ctx context.Context, p outbox.Post) (slackapp.Message, error) {
	pid := atlas.PracticeID(p.Practice)
	month := billing.PeriodOfSummary(p.Subject)
	sum, err := h.Billing.RunSummary(ctx, pid, month)
	if err != nil {
		return slackapp.Message{}, err
	}
	if sum.Invoices == 0 {
		return slackapp.Message{}, slackapp.ErrNothingToSay
	}
	return slackapp.Message{Text: "Billing · " + month.Label(), Blocks: Summary(SummaryData{Month: month, RunSummary: sum})}, nil
}

// renderReturned draws the DM to the preparer of an invoice sent back.
func (h handlers) renderReturned(ctx context.Context, p outbox.Post) (slackapp.Message, error) {
	inv, err := h.Billing.Invoice(ctx, atlas.PracticeID(p.Practice), p.Subject.ID)
	if atlas.ErrorCode(err) == atlas.ENotFound {
		return slackapp.Message{}, slackapp.ErrNothingToSay
	}
	if err != nil {
		return slackapp.Message{}, err
	}
	text := fmt.Sprintf(":leftwards_arrow_with_hook: %s for *%s* (%s, %s) came back to you", inv.Name(), blockkit.Escape(inv.Client()),
		blockkit.Escape(inv.Label), money.Format(inv.Total, inv.Currency))
	if inv.RejectNote != "" {
		text += ":\n> " + blockkit.Escape(inv.RejectNote)
	}
	text += "\nChange it with `/invoice " + strconv.FormatInt(inv.ID, 10) + "`, then submit it again."
	blocks := []slack.Block{slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil,
		slack.NewAccessory(slack.NewButtonBlockElement(ActionOpen, strconv.FormatInt(inv.ID, 10), blockkit.Plain("Open", blockkit.MaxButtonText))))}
	return slackapp.Message{Text: fmt.Sprintf("%s for %s came back to you", inv.Name(), inv.Client()), Blocks: blocks}, nil
}

// count writes n with thousands separators: 1,240.
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
