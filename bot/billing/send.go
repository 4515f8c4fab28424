package billing

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/outbox"
)

// Sending an approved invoice to its client, and the PDFs in Slack: Send
// now queues the email (internal/delivery) in the transaction that marks
// the invoice sending; once the mail server has it, the PDF goes into the
// card's thread. Preview uploads a draft's PDF, marked as a draft, so a
// partner sees exactly what the client will get.

// Actions of sending.
const (
	ActionSend    = "invoice.send"    // value: invoice id
	ActionPreview = "invoice.preview" // value: invoice id
)

// send is Send now, after its confirmation.
func (h handlers) send(ctx context.Context, r *slackapp.Request) error {
	id := ui.ParseID(r.Action.Value)
	if err := db.InTx(ctx, h.Billing.DB, func(tx pgx.Tx) error {
		return delivery.QueueSend(ctx, tx, r.Practice.ID, id, r.Member.ID)
	}); err != nil {
		return err
	}
	inv, err := h.Billing.Invoice(ctx, r.Practice.ID, id)
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Text(fmt.Sprintf(":outbox_tray: Sending *%s* (%s, %s) to %s. Its card says when the mail server has it, and the PDF goes into the card's thread.",
		inv.Number, blockkit.Escape(inv.Client()), money.Format(inv.Total, inv.Currency), blockkit.Escape(inv.BillingEmail))))
}

// preview uploads a draft's PDF for who asked.
func (h handlers) preview(ctx context.Context, r *slackapp.Request) error {
	inv, err := h.Billing.Preview(ctx, r.Practice.ID, ui.ParseID(r.Action.Value), r.ChannelID, r.UserID)
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Text(fmt.Sprintf(":page_facing_up: The PDF of %s for %s is on its way, marked as a draft — in the card's thread, or by DM when you asked elsewhere.",
		inv.Name(), blockkit.Escape(inv.Client()))))
}

// renderPDF draws a sent invoice's PDF for its card's thread.
func (h handlers) renderPDF(ctx context.Context, p outbox.Post) (slackapp.File, error) {
	pid := atlas.PracticeID(p.Practice)
	inv, err := h.Billing.Invoice(ctx, pid, p.Subject.ID)
	if err != nil {
		return slackapp.File{}, err
	}
	data, name, err := delivery.PDF(ctx, h.Billing.DB, pid, p.Subject.ID, false)
	if err != nil {
		return slackapp.File{}, err
	}
	comment := fmt.Sprintf("%s as sent to %s", inv.Number, inv.BillingEmail)
	if inv.IssueDate != nil && inv.DueDate != nil {
		comment += fmt.Sprintf(" — issued %s, due %s", inv.IssueDate.Format("2 Jan 2006"), inv.DueDate.Format("2 Jan 2006"))
	}
	return slackapp.File{Name: name, Title: inv.Number + " · " + inv.Client(), Comment: comment, Data: data}, nil
}

// renderPreview draws a draft's PDF, marked as a draft.
func (h handlers) renderPreview(ctx context.Context, p outbox.Post) (slackapp.File, error) {
	pid := atlas.PracticeID(p.Practice)
	inv, err := h.Billing.Invoice(ctx, pid, p.Subject.ID)
	if err != nil {
		return slackapp.File{}, err
	}
	data, name, err := delivery.PDF(ctx, h.Billing.DB, pid, p.Subject.ID, true)
	if err != nil {
		return slackapp.File{}, err
	}
	return slackapp.File{Name: name, Title: "Preview · " + inv.Name() + " · " + inv.Client(),
		Comment: fmt.Sprintf("Preview of %s for %s, %s: what the client gets once it is approved, without the DRAFT mark.",
			inv.Name(), inv.Client(), money.Format(inv.Total, inv.Currency)), Data: data}, nil
}

// renderSendFailed draws the DM that tells a partner an invoice did not go.
func (h handlers) renderSendFailed(ctx context.Context, p outbox.Post) (slackapp.Message, error) {
	pid := atlas.PracticeID(p.Practice)
	attempt, ok := delivery.ParseFailedPurpose(p.Subject.Purpose)
	if !ok {
		return slackapp.Message{}, fmt.Errorf("send failed: purpose %q", p.Subject.Purpose)
	}
	f, err := delivery.FailureOf(ctx, h.Billing.DB, pid, p.Subject.ID, attempt)
	if err != nil {
		return slackapp.Message{}, err
	}
	text := fmt.Sprintf(":warning: *%s* for %s did not go to %s. The mail server said:\n> %s", f.Number, blockkit.Escape(f.Client),
		blockkit.Escape(cmpOr(f.To, "its billing email")), blockkit.Escape(cmpOr(f.Reason, "nothing more")))
	switch f.Status {
	case billing.Approved:
		text += "\nIt is approved again, not sent. Check the client's billing email (`/atlas clients edit " + blockkit.Escape(codeOf(f.Client)) +
			"`), then press *Send now* on its card or in `/invoice " + f.Number + "`."
	case billing.Sent, billing.PartPaid, billing.Paid:
		text += "\nIt has been sent since."
	}
	return slackapp.Message{Text: fmt.Sprintf("%s did not go to its client", f.Number), Blocks: []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, nil)}}, nil
}

// codeOf is the client code of "ACME · Acme Trading Ltd".
func codeOf(client string) string {
	for i := range client {
		if client[i] == ' ' {
			return client[:i]
		}
	}
	return client
}
