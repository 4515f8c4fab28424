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
	"github.com/atlas-practice/atlas/internal/creditnotes"
	"github.com/atlas-practice/atlas/internal/money"
)

// Partners approve, reject and void; managers submit. Each answer goes to
// the person who clicked; the card changes for everyone through the
// outbox, which redraws every copy once the change is committed.

// approve is a card's (or an invoice's) Approve, after its confirmation.
func (h handlers) approve(ctx context.Context, r *slackapp.Request) error {
	inv, err := h.Billing.Approve(ctx, r.Practice.ID, r.Member.ID, ui.ParseID(r.Action.Value), r.Now())
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Text(fmt.Sprintf(":white_check_mark: Approved *%s* for %s, %s.", inv.Number, blockkit.Escape(inv.Client()),
		money.Format(inv.Total, r.Practice.Currency))))
}

// approveUnchanged approves a month's unchanged retainers, after the
// summary's confirmation.
func (h handlers) approveUnchanged(ctx context.Context, r *slackapp.Request) error {
	month, err := atlas.ParsePeriod(r.Action.Value)
	if err != nil {
		return err
	}
	done, err := h.Billing.ApproveUnchanged(ctx, r.Practice.ID, r.Member.ID, month, r.Now())
	if len(done) == 0 && err == nil {
		return r.Reply(slackapp.Text("No unchanged retainer is awaiting approval any more: someone approved them already."))
	}
	var total decimal.Decimal
	for _, inv := range done {
		total = total.Add(inv.Total)
	}
	text := fmt.Sprintf(":white_check_mark: Approved %d unchanged %s, %s in all", len(done), ui.Plural(len(done), "retainer", "retainers"),
		money.Format(total, r.Practice.Currency))
	if len(done) > 0 {
		text += fmt.Sprintf(": %s to %s", done[0].Number, done[len(done)-1].Number)
	}
	text += "."
	if err != nil {
		r.Log().Error("bulk approval stopped", "practice", r.Practice.ID, "approved", len(done), "err", err)
		text += " Then one could not be approved, so the rest still await approval: press the button again."
	}
	return r.Reply(slackapp.Text(text))
}

// cardEdit is a card's Edit: the invoice with its draft buttons, for the
// person who clicked.
func (h handlers) cardEdit(ctx context.Context, r *slackapp.Request) error {
	return h.reply(ctx, r, ui.ParseID(r.Action.Value), 0, "")
}

// openReject asks a partner why the invoice goes back.
func (h handlers) openReject(ctx context.Context, r *slackapp.Request) error {
	inv, err := h.Billing.Invoice(ctx, r.Practice.ID, ui.ParseID(r.Action.Value))
	if err != nil {
		return err
	}
	if inv.Status != billing.AwaitingApproval {
		return atlas.Errorf(atlas.EConflict, "%s is %s now, so there is nothing to reject.", inv.Name(), strings.ToLower(inv.Status.Label()))
	}
	return r.OpenModal(modal(CallbackReject, "Send it back", "Send it back", metaOf(inv), heading(inv),
		blockkit.TextInput(billing.FieldReason, "What to change", "Sent to "+cmpOr(inv.Preparer, "its preparer")+" by DM, and kept on the invoice.",
			"", "The payroll hours look high for November", 1000, false)))
}

func (h handlers) submitReject(ctx context.Context, r *slackapp.Request) error {
	m, err := h.meta(r)
	if err != nil {
		return err
	}
	inv, err := h.Billing.Reject(ctx, r.Practice.ID, r.Member.ID, m.Invoice, r.Value(billing.FieldReason), r.Now())
	if isFieldError(err) {
		return err
	}
	if err != nil {
		return h.submitted(ctx, r, inv, err, "")
	}
	r.Ack(nil)
	return r.Send(ctx, slackapp.Text(fmt.Sprintf(":leftwards_arrow_with_hook: %s for %s went back to %s with your note.", inv.Name(),
		blockkit.Escape(inv.Client()), cmpOr(blockkit.Escape(inv.Preparer), "its preparer"))))
}

// submit sends a draft for approval.
func (h handlers) submit(ctx context.Context, r *slackapp.Request) error {
	inv, err := h.Billing.Submit(ctx, r.Practice.ID, r.Member.ID, ui.ParseID(r.Action.Value))
	if err != nil {
		return err
	}
	r.ReplaceOriginal()
	return h.reply(ctx, r, inv.ID, 0, ":outbox_tray: Submitted for a partner's approval.")
}

// openVoid asks a partner why the invoice is void.
func (h handlers) openVoid(ctx context.Context, r *slackapp.Request) error {
	inv, err := h.Billing.Invoice(ctx, r.Practice.ID, ui.ParseID(r.Action.Value))
	if err != nil {
		return err
	}
	if inv.Status != billing.Approved {
		return atlas.Errorf(atlas.EConflict, "%s is %s, and only an approved invoice not yet sent can be voided.", inv.Name(), strings.ToLower(inv.Status.Label()))
	}
	return r.OpenModal(modal(CallbackVoid, "Void "+inv.Number, "Void it", metaOf(inv), heading(inv),
		slack.NewContextBlock("", blockkit.Markdown("It keeps its number, and its time goes back to work in progress. A retainer's month can be invoiced again.", 0)),
		blockkit.TextInput(billing.FieldReason, "Why", "Kept with the invoice.", "", "Wrong client", 500, false)))
}

func (h handlers) submitVoid(ctx context.Context, r *slackapp.Request) error {
	m, err := h.meta(r)
	if err != nil {
		return err
	}
	inv, err := h.Billing.Void(ctx, r.Practice.ID, r.Member.ID, m.Invoice, r.Value(billing.FieldReason), r.Now())
	if isFieldError(err) {
		return err
	}
	return h.submitted(ctx, r, inv, err, ":no_entry_sign: Void. Its time is back in work in progress.")
}

// review is the summary's Review: the month's invoices awaiting approval.
func (h handlers) review(_ context.Context, r *slackapp.Request) error {
	r.Rerun("/invoices", "awaiting "+r.Action.Value, "")
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// decisionButtons are an invoice's buttons for who is looking: partners
// approve, reject and void; managers submit a draft.
func decisionButtons(inv billing.Invoice, role atlas.Role) []slack.BlockElement {
	id := strconv.FormatInt(inv.ID, 10)
	var out []slack.BlockElement
	switch {
	case inv.Status == billing.Draft && role.AtLeast(atlas.RoleManager):
		out = append(out, slack.NewButtonBlockElement(ActionSubmit, id, blockkit.Plain("Submit for approval", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary))
	case inv.Status == billing.AwaitingApproval && role.AtLeast(atlas.RolePartner):
		approve := slack.NewButtonBlockElement(ActionApprove, id, blockkit.Plain("Approve", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary)
		approve.WithConfirm(slack.NewConfirmationBlockObject(blockkit.Plain("Approve this invoice?", blockkit.MaxModalTitle),
			blockkit.Markdown(fmt.Sprintf("%s for *%s*: *%s*.", inv.Name(), blockkit.Escape(inv.Client()), money.Format(inv.Total, inv.Currency)), 300),
			blockkit.Plain("Approve", blockkit.MaxModalButton), blockkit.Plain("Not yet", blockkit.MaxModalButton)))
		out = append(out, approve, slack.NewButtonBlockElement(ActionReject, id, blockkit.Plain("Reject", blockkit.MaxButtonText)))
	case inv.Status == billing.Approved && role.AtLeast(atlas.RoleManager):
		out = append(out, sendButton(inv))
		if role.AtLeast(atlas.RolePartner) {
			out = append(out, slack.NewButtonBlockElement(ActionVoid, id, blockkit.Plain("Void", blockkit.MaxButtonText)).WithStyle(slack.StyleDanger))
		}
	case creditnotes.Creditable(inv.Status) && role.AtLeast(atlas.RolePartner):
		out = append(out, creditButton(inv))
	}
	if payable(inv) && role.AtLeast(atlas.RoleManager) {
		out = append([]slack.BlockElement{payButton(inv)}, out...)
	}
	if (inv.Status == billing.Draft || inv.Status == billing.AwaitingApproval) && role.AtLeast(atlas.RoleManager) {
		out = append(out, slack.NewButtonBlockElement(ActionPreview, id, blockkit.Plain("Preview PDF", blockkit.MaxButtonText)))
	}
	return out
}
