package billing

import (
	"context"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
)

// openForm opens one of the draft forms on the invoice the button names,
// as it stands now.
func (h handlers) openForm(form func(billing.Invoice) slack.ModalViewRequest) slackapp.HandlerFunc {
	return func(ctx context.Context, r *slackapp.Request) error {
		inv, err := h.Billing.Invoice(ctx, r.Practice.ID, ui.ParseID(r.Action.Value))
		if err != nil {
			return err
		}
		if !inv.Status.Editable() {
			return atlas.Errorf(atlas.EConflict, "%s is %s now, so it can no longer change.", inv.Name(), strings.ToLower(inv.Status.Label()))
		}
		return r.OpenModal(form(inv))
	}
}

// submitted finishes a form: the form closes, and the invoice as it now
// stands is shown where the form was opened.
func (h handlers) submitted(ctx context.Context, r *slackapp.Request, inv billing.Invoice, err error, notice string) error {
	if err != nil {
		if atlas.ErrorCode(err) == atlas.EConflict {
			// Changed meanwhile, or no longer a draft: close the form and
			// show the invoice as it is, with why.
			r.Ack(nil)
			var meta EditMeta
			_ = r.PrivateMetadata(&meta)
			return h.reply(ctx, r, meta.Invoice, 0, ":warning: "+atlas.ErrorMessage(err))
		}
		return err
	}
	r.Ack(nil)
	return h.reply(ctx, r, inv.ID, 0, notice)
}

func (h handlers) meta(r *slackapp.Request) (EditMeta, error) {
	var m EditMeta
	if err := r.PrivateMetadata(&m); err != nil || m.Invoice == 0 {
		return m, atlas.Errorf(atlas.EInvalid, "That form is out of date; open the invoice again with `/invoice`.")
	}
	return m, nil
}

func (h handlers) submitLine(ctx context.Context, r *slackapp.Request) error {
	m, err := h.meta(r)
	if err != nil {
		return err
	}
	line := ui.ParseID(r.Value(FieldLine))
	if line == 0 {
		return atlas.FieldError(FieldLine, "Pick the line to change.")
	}
	inv, err := h.Billing.SetLineAmount(ctx, r.Practice.ID, r.Member.ID, m.Invoice, line, billing.Expect(m.Revision),
		r.Value(billing.FieldAmount), r.Value(billing.FieldReason))
	if isFieldError(err) {
		return err
	}
	return h.submitted(ctx, r, inv, err, ":white_check_mark: Line changed.")
}

func (h handlers) submitTotal(ctx context.Context, r *slackapp.Request) error {
	m, err := h.meta(r)
	if err != nil {
		return err
	}
	inv, err := h.Billing.SetTotal(ctx, r.Practice.ID, r.Member.ID, m.Invoice, billing.Expect(m.Revision),
		r.Value(billing.FieldTotal), r.Value(billing.FieldReason))
	if isFieldError(err) {
		return err
	}
	return h.submitted(ctx, r, inv, err, ":white_check_mark: New total spread over the lines.")
}

func (h handlers) submitAddLine(ctx context.Context, r *slackapp.Request) error {
	m, err := h.meta(r)
	if err != nil {
		return err
	}
	inv, err := h.Billing.AddLine(ctx, r.Practice.ID, r.Member.ID, m.Invoice, billing.Expect(m.Revision),
		r.Value(billing.FieldDescription), r.Value(billing.FieldAmount), billing.Treatment(r.Value(billing.FieldTreatment)))
	if isFieldError(err) {
		return err
	}
	return h.submitted(ctx, r, inv, err, ":white_check_mark: Line added.")
}

func (h handlers) submitTakeOff(ctx context.Context, r *slackapp.Request) error {
	m, err := h.meta(r)
	if err != nil {
		return err
	}
	var entries []int64
	for _, v := range r.Values(billing.FieldEntries) {
		if id := ui.ParseID(v); id != 0 {
			entries = append(entries, id)
		}
	}
	writeOff := r.Value(billing.FieldTakeOff) == "write_off"
	inv, err := h.Billing.TakeOff(ctx, r.Practice.ID, r.Member.ID, m.Invoice, billing.Expect(m.Revision), entries, writeOff, r.Value(billing.FieldReason))
	if isFieldError(err) {
		return err
	}
	notice := ":white_check_mark: " + strconv.Itoa(len(entries)) + " " + ui.Plural(len(entries), "entry", "entries") +
		" carried forward: back in work in progress, for a later invoice."
	if writeOff {
		notice = ":white_check_mark: " + strconv.Itoa(len(entries)) + " " + ui.Plural(len(entries), "entry", "entries") +
			" written off: never billed, and its value recorded as written off."
	}
	return h.submitted(ctx, r, inv, err, notice)
}

// grouping lists the draft's time by service, or entry by entry.
func (h handlers) grouping(ctx context.Context, r *slackapp.Request) error {
	idText, g, _ := strings.Cut(r.Action.Value, ":")
	r.ReplaceOriginal()
	inv, err := h.Billing.SetGrouping(ctx, r.Practice.ID, r.Member.ID, ui.ParseID(idText), billing.AnyRevision, billing.Grouping(g))
	if err != nil {
		return err
	}
	return h.reply(ctx, r, inv.ID, 0, "")
}

// delete deletes a draft, after the button's confirmation.
func (h handlers) delete(ctx context.Context, r *slackapp.Request) error {
	inv, err := h.Billing.Delete(ctx, r.Practice.ID, r.Member.ID, ui.ParseID(r.Action.Value), billing.AnyRevision)
	if err != nil {
		return err
	}
	r.ReplaceOriginal()
	return r.Reply(slackapp.Text(":wastebasket: " + inv.Name() + " for " + inv.Client() + " is deleted. Its time is back in work in progress, " +
		"and the run will not make it again; `/invoice draft " + inv.EntityCode + "` drafts a new one."))
}

// isFieldError reports whether err belongs on a form field: it goes back
// to the open form rather than closing it.
func isFieldError(err error) bool { return atlas.ErrorField(err) != "" }
