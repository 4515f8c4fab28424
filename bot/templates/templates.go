package templates

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// templatesCommand lists the templates, shows one by name, or with "add"
// opens the new-template form.
func (h handlers) templatesCommand(ctx context.Context, r *slackapp.Request) error {
	text := strings.TrimSpace(ui.Unescape(r.Text))
	canEdit := r.Member.Can(atlas.RoleAdmin)
	switch strings.ToLower(text) {
	case "":
		ts, err := h.Work.Templates(ctx, r.Practice.ID)
		if err != nil {
			return err
		}
		return r.Reply(slackapp.Message{Text: fmt.Sprintf("%d checklist %s", len(ts), ui.Plural(len(ts), "template", "templates")),
			Blocks: Templates(TemplatesData{Templates: ts, CanEdit: canEdit})})
	}
	t, err := h.Work.LookupTemplate(ctx, r.Practice.ID, text)
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Message{Text: "Template " + t.Name, Blocks: Templates(TemplatesData{Templates: []workflow.Template{t}, CanEdit: canEdit})})
}

// actionTemplate loads the template whose id is the button's value.
func (h handlers) actionTemplate(ctx context.Context, r *slackapp.Request) (workflow.Template, error) {
	if r.Action != nil {
		if id, err := strconv.ParseInt(r.Action.Value, 10, 64); err == nil && id > 0 {
			return h.Work.Template(ctx, r.Practice.ID, id)
		}
	}
	return workflow.Template{}, atlas.Errorf(atlas.EInvalid, "That button is out of date; run `/atlas templates` again.")
}

// templateStageShow shows one page of a stage's items: "Show stage N"
// answers in a new message, the page buttons in place.
func (h handlers) templateStageShow(ctx context.Context, r *slackapp.Request) error {
	v := ""
	if r.Action != nil {
		v = r.Action.Value
	}
	tid, stage, page, ok := ParseStageValue(v)
	if !ok {
		return atlas.Errorf(atlas.EInvalid, "That button is out of date; run `/atlas templates` again.")
	}
	t, err := h.Work.Template(ctx, r.Practice.ID, tid)
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Message{Text: t.Name + " — " + atlas.StageName(stage), ReplaceOriginal: r.RouteKey == ActionTemplateStagePage,
		Blocks: TemplateStage(StageData{Template: t, Stage: stage, Page: page, CanEdit: r.Member.Can(atlas.RoleAdmin)})})
}

// templateNewOpen opens the new-template form with the standard timings.
func (h handlers) templateNewOpen(_ context.Context, r *slackapp.Request) error {
	std := workflow.StandardTemplate
	return r.OpenModal(TemplateModal(TemplateForm{
		DueDay: strconv.Itoa(std.DueDay), DueMonths: strconv.Itoa(std.DueMonthOffset),
		Targets: targetDays(std.StageTargetDays),
	}))
}

func targetDays(days [6]int) string {
	f := make([]string, 6)
	for i, d := range days {
		f[i] = strconv.Itoa(d)
	}
	return strings.Join(f, " ")
}

// templateEditOpen is a template's "Edit template" button.
func (h handlers) templateEditOpen(ctx context.Context, r *slackapp.Request) error {
	t, err := h.actionTemplate(ctx, r)
	if err != nil {
		return err
	}
	return r.OpenModal(TemplateModal(TemplateForm{
		ID: t.ID, Name: t.Name, Description: t.Description, DueDay: strconv.Itoa(t.DueDay),
		DueMonths: strconv.Itoa(t.DueMonthOffset), Targets: targetDays(t.StageTargetDays),
	}))
}

// addFieldErrors adds err's field errors after errs and returns any other
// error as it is. The form's own reading of a value comes first and so is
// the one shown: FieldErrors.Fields keeps a field's first message.
func addFieldErrors(errs atlas.FieldErrors, err error) (atlas.FieldErrors, error) {
	fe, ok := err.(atlas.FieldErrors)
	if !ok {
		return errs, err
	}
	return append(errs, fe...), nil
}

// templateSubmit saves the template form: every mistake goes back to its
// field at once.
func (h handlers) templateSubmit(ctx context.Context, r *slackapp.Request) error {
	var meta TemplateMeta
	if err := r.PrivateMetadata(&meta); err != nil {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again from `/atlas templates`.")
	}
	in := workflow.TemplateInput{Name: r.Value(workflow.FieldTemplateName), Description: r.Value(TemplateDescription)}
	var errs atlas.FieldErrors
	if s := strings.TrimSpace(r.Value(workflow.FieldTemplateDueDay)); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			errs = append(errs, atlas.FieldError(workflow.FieldTemplateDueDay, "%q is not a day: give a number from 1 to 28, such as 10.", s))
		}
		in.DueDay = n
	}
	in.DueMonthOffset = -1 // nothing chosen: Validate asks for it
	if n, err := strconv.Atoi(r.Value(workflow.FieldTemplateDueMon)); err == nil {
		in.DueMonthOffset = n
	}
	if s := strings.TrimSpace(r.Value(workflow.FieldTemplateTargets)); s != "" {
		days, ok := workflow.ParseTargetDays(s)
		if !ok {
			errs = append(errs, atlas.FieldError(workflow.FieldTemplateTargets,
				"Give six whole numbers, one target day per stage, counted from the end of the month, such as `3 5 7 8 9 10`; %q is not that.", s))
		}
		in.StageTargetDays = days
	}
	_, verr := in.Validate()
	errs, err := addFieldErrors(errs, verr)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return errs
	}
	t, err := h.Work.SaveTemplate(ctx, r.Practice.ID, r.Member.ID, meta.ID, in, r.Now())
	if db.IsUniqueViolation(err, "") {
		return atlas.FieldError(workflow.FieldTemplateName, "A template called “%s” already exists; give this one another name.", strings.TrimSpace(in.Name))
	}
	if err != nil {
		return err
	}
	r.Ack(nil)
	text := fmt.Sprintf(":white_check_mark: Template *%s* added, due %s. Give it items with its *Add item* button in `/atlas templates`.", t.Name, t.DueRule())
	if meta.ID != 0 {
		text = fmt.Sprintf(":white_check_mark: Template *%s* saved, due %s. Tasks not yet started follow the new dates; tasks under way keep theirs.", t.Name, t.DueRule())
	}
	return r.Send(ctx, slackapp.Text(text))
}
