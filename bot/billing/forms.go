package billing

import (
	"fmt"
	"strconv"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/timeparse"
)

// The forms a manager works on a draft with. Each carries the invoice and
// the revision it was drawn from (EditMeta), so a change someone made
// meanwhile is not written over; its block ids are internal/billing's
// field names, so a wrong value goes back to its field.

func modal(callback, title, submit string, meta EditMeta, blocks ...slack.Block) slack.ModalViewRequest {
	return slack.ModalViewRequest{Type: slack.VTModal, CallbackID: callback, PrivateMetadata: meta.String(),
		Title: blockkit.Plain(title, blockkit.MaxModalTitle), Submit: blockkit.Plain(submit, blockkit.MaxModalButton),
		Close: blockkit.Plain("Cancel", blockkit.MaxModalButton), Blocks: slack.Blocks{BlockSet: blocks}}
}

func heading(inv billing.Invoice) slack.Block {
	return slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("*%s* · %s\n%s · subtotal %s", blockkit.Escape(inv.Client()),
		blockkit.Escape(inv.Label), inv.Name(), money.Format(inv.Subtotal, inv.Currency)), blockkit.MaxSectionText), nil, nil)
}

func metaOf(inv billing.Invoice) EditMeta { return EditMeta{Invoice: inv.ID, Revision: inv.Revision} }

// LineModal changes what a line bills: written down (or up) with a reason.
func LineModal(inv billing.Invoice) slack.ModalViewRequest {
	opts := make([]blockkit.Option, 0, len(inv.Lines))
	for _, l := range inv.Lines {
		label := fmt.Sprintf("%s · %s", l.Description, money.Format(l.Amount, inv.Currency))
		if l.Kind == billing.TimeLine {
			label = fmt.Sprintf("%s · %s of %s", l.Description, money.Format(l.Amount, inv.Currency), money.Format(l.TimeValue, inv.Currency))
		}
		opts = append(opts, blockkit.Option{Value: strconv.FormatInt(l.ID, 10), Label: label})
	}
	initial := ""
	if len(opts) == 1 {
		initial = opts[0].Value
	}
	return modal(CallbackLine, "Change a line", "Save", metaOf(inv), heading(inv),
		blockkit.StaticSelect(FieldLine, "Line", opts, initial, false),
		blockkit.TextInput(billing.FieldAmount, "It bills", "The new amount before VAT, such as 1,150.00. Its time's value stays on record, so the write-down shows.",
			"", "1,150.00", 20, false),
		blockkit.TextInput(billing.FieldReason, "Why", "Said on the invoice's record and to the partner who approves it, such as \"first month, agreed with the client\".",
			"", "Agreed with the client", 300, true))
}

// TotalModal sets a new total before VAT, spread over the lines.
func TotalModal(inv billing.Invoice) slack.ModalViewRequest {
	return modal(CallbackTotal, "New total", "Spread it", metaOf(inv), heading(inv),
		blockkit.TextInput(billing.FieldTotal, "New total before VAT",
			"Spread over the lines in proportion to their value, to the penny; the penny left over goes to the largest line.",
			inv.Subtotal.StringFixed(2), "1,000.00", 20, false),
		blockkit.TextInput(billing.FieldReason, "Why", "Kept with each line it changes.", "", "Agreed fee for the year end", 300, false))
}

// AddLineModal adds a line typed by hand: a disbursement or a fixed item.
func AddLineModal(inv billing.Invoice) slack.ModalViewRequest {
	opts := make([]blockkit.Option, 0, len(billing.Treatments))
	for _, t := range billing.Treatments {
		label := t.Label()
		if t == billing.OutsideScope {
			label += " — a disbursement paid for the client"
		}
		opts = append(opts, blockkit.Option{Value: string(t), Label: label})
	}
	return modal(CallbackAddLine, "Add a line", "Add", metaOf(inv), heading(inv),
		blockkit.TextInput(billing.FieldDescription, "Description", "As the client reads it on the invoice.", "", "Companies House confirmation statement fee", 300, false),
		blockkit.TextInput(billing.FieldAmount, "Amount before VAT", "", "", "13.00", 20, false),
		blockkit.StaticSelect(billing.FieldTreatment, "VAT", opts, string(billing.Standard), false))
}

// TakeOffModal takes time off the draft: carried forward to a later
// invoice, or written off.
func TakeOffModal(inv billing.Invoice) slack.ModalViewRequest {
	var opts []*slack.OptionBlockObject
	for _, l := range inv.Lines {
		for _, e := range l.Entries {
			if len(opts) == blockkit.MaxSelectOptions {
				break
			}
			label := fmt.Sprintf("%s · %s · %s · %s", e.WorkDate.Format("Mon 2 Jan"), e.Member, timeparse.Format(e.Minutes), money.Format(e.Value, inv.Currency))
			if e.Description != "" {
				label += " — " + e.Description
			}
			opts = append(opts, slack.NewOptionBlockObject(strconv.FormatInt(e.ID, 10), blockkit.Plain(label, 75), nil))
		}
	}
	pick := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, blockkit.Plain("Choose the time…", blockkit.MaxPlaceholder),
		billing.FieldEntries, opts...)
	carry := slack.NewOptionBlockObject("carry", blockkit.Plain("Carry forward — back to work in progress, for a later invoice", 75), nil)
	off := slack.NewOptionBlockObject("write_off", blockkit.Plain("Write off — never billed; its value is recorded as written off", 75), nil)
	how := slack.NewRadioButtonsBlockElement(billing.FieldTakeOff, carry, off)
	how.InitialOption = carry
	reason := blockkit.TextInput(billing.FieldReason, "Why", "Needed to write time off; kept with the write-off.", "", "Training time, not billable", 300, true)
	return modal(CallbackTakeOff, "Take time off", "Take it off", metaOf(inv), heading(inv),
		slack.NewInputBlock(billing.FieldEntries, blockkit.Plain("Time", 2000), nil, pick),
		slack.NewInputBlock(billing.FieldTakeOff, blockkit.Plain("What happens to it", 2000), nil, how),
		reason)
}
