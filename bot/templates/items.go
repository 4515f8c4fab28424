package templates

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// templateItemAddOpen is a template's "Add item" button.
func (h handlers) templateItemAddOpen(ctx context.Context, r *slackapp.Request) error {
	t, err := h.actionTemplate(ctx, r)
	if err != nil {
		return err
	}
	return r.OpenModal(ItemModal(ItemForm{TemplateID: t.ID, TemplateName: t.Name, Mandatory: true}))
}

// templateItemMenu is an item's overflow menu: Edit opens the item form,
// Remove asks first.
func (h handlers) templateItemMenu(ctx context.Context, r *slackapp.Request) error {
	v := ""
	if r.Action != nil {
		v = r.Action.SelectedOption.Value
	}
	verb, tid, iid, ok := ParseItemMenu(v)
	if !ok {
		return atlas.Errorf(atlas.EInvalid, "That menu is out of date; run `/atlas templates` again.")
	}
	t, it, err := h.templateItem(ctx, r, tid, iid)
	if err != nil {
		return err
	}
	if verb == ItemMenuRemove {
		return r.OpenModal(RemoveItemModal(t.Name, it, ItemMeta{TemplateID: t.ID, ItemID: it.ID}))
	}
	return r.OpenModal(ItemModal(ItemForm{TemplateID: t.ID, TemplateName: t.Name, ItemID: it.ID,
		Stage: it.Stage, Text: it.Text, Mandatory: it.Mandatory, ClientRequest: it.ClientRequest}))
}

// templateItem loads a template and one of its items (none for iid 0, a
// new item).
func (h handlers) templateItem(ctx context.Context, r *slackapp.Request, tid, iid int64) (workflow.Template, workflow.TemplateItem, error) {
	t, err := h.Work.Template(ctx, r.Practice.ID, tid)
	if err != nil || iid == 0 {
		return t, workflow.TemplateItem{}, err
	}
	for _, it := range t.Items {
		if it.ID == iid {
			return t, it, nil
		}
	}
	return t, workflow.TemplateItem{}, atlas.Errorf(atlas.ENotFound, "That item is no longer on *%s*; run `/atlas templates` again.", t.Name)
}

// itemPosition turns the place a person typed (1 for first in the stage)
// into the stored position to insert at: the position of the item now at
// that place, or 0 (last) past the end. Stored positions can have gaps
// where items were removed, so the two differ.
func itemPosition(t workflow.Template, itemID int64, stage, place int) int {
	var others []workflow.TemplateItem
	for _, it := range t.Items {
		if it.Stage == stage && it.ID != itemID {
			others = append(others, it)
		}
	}
	if place > len(others) {
		return 0
	}
	return others[place-1].Position
}

// templateItemSubmit saves the item form.
func (h handlers) templateItemSubmit(ctx context.Context, r *slackapp.Request) error {
	var meta ItemMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.TemplateID == 0 {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again from `/atlas templates`.")
	}
	t, current, err := h.templateItem(ctx, r, meta.TemplateID, meta.ItemID)
	if err != nil {
		return err
	}
	stage, _ := strconv.Atoi(r.Value(workflow.FieldItemStage))
	in := workflow.ItemInput{Stage: stage, Text: r.Value(workflow.FieldItemText),
		Mandatory: slices.Contains(r.Values(ItemMandatory), ItemMandatoryValue), ClientRequest: r.Value(workflow.FieldItemRequest)}
	var errs atlas.FieldErrors
	switch place := strings.TrimSpace(r.Value(workflow.FieldItemPosition)); {
	case place != "":
		n, err := strconv.Atoi(place)
		if err != nil || n < 1 || n > workflow.MaxTemplateItems {
			errs = append(errs, atlas.FieldError(workflow.FieldItemPosition,
				"%q is not a place in the stage: give a number such as 1 for first, or leave it empty to put the item last.", place))
		} else if stage >= 1 && stage <= 6 {
			in.Position = itemPosition(t, meta.ItemID, stage, n)
		}
	case current.ID != 0 && current.Stage == stage:
		in.Position = current.Position // an edit keeps the item's place
	}
	_, verr := in.Validate()
	errs, err = addFieldErrors(errs, verr)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return errs
	}
	it, err := h.Work.SaveItem(ctx, r.Practice.ID, r.Member.ID, t.ID, meta.ItemID, in, r.Now())
	if err != nil {
		return err
	}
	r.Ack(nil)
	verb := "Added"
	if meta.ItemID != 0 {
		verb = "Saved"
	}
	kind := "optional"
	if it.Mandatory {
		kind = "mandatory"
	}
	return r.Send(ctx, slackapp.Text(fmt.Sprintf(":white_check_mark: %s “%s” (%s) in stage %s of *%s*. Tasks not yet started have it now; tasks under way keep the checklist they started with.",
		verb, it.Text, kind, atlas.StageName(it.Stage), t.Name)))
}

// templateItemRemoveSubmit is the confirmed removal of an item.
func (h handlers) templateItemRemoveSubmit(ctx context.Context, r *slackapp.Request) error {
	var meta ItemMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.TemplateID == 0 || meta.ItemID == 0 {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again from `/atlas templates`.")
	}
	t, it, err := h.templateItem(ctx, r, meta.TemplateID, meta.ItemID)
	if err != nil {
		return err
	}
	if err := h.Work.RemoveItem(ctx, r.Practice.ID, r.Member.ID, t.ID, it.ID, r.Now()); err != nil {
		return err
	}
	r.Ack(nil)
	return r.Send(ctx, slackapp.Text(fmt.Sprintf(":wastebasket: Removed “%s” from *%s*. Tasks not yet started lose it; tasks under way keep it.", it.Text, t.Name)))
}
