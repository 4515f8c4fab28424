package bot

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// registerTemplates adds template management (/atlas templates) and client
// assignments (/atlas assign).
func registerTemplates(rt *Router) {
	rt.HandleCommand(Command{Name: "/atlas", Sub: "templates", Usage: "/atlas templates [name]",
		Summary: "The monthly checklist templates: when each is due, its stage target days and its items by stage. " +
			"Admins add a template with `/atlas templates add` and change items with the list's buttons; changes reach future months and tasks not yet started.",
		Examples: []string{"/atlas templates", "/atlas templates standard", "/atlas templates add"},
		Route:    Route{Min: atlas.RoleStaff, Handle: templatesCommand}})
	rt.HandleAction(views.ActionTemplateStage, Route{Min: atlas.RoleStaff, Handle: templateStageShow})
	rt.HandleAction(views.ActionTemplateStagePage, Route{Min: atlas.RoleStaff, Handle: templateStageShow})
	rt.HandleAction(views.ActionTemplateNew, Route{Min: atlas.RoleAdmin, Handle: templateNewOpen})
	rt.HandleAction(views.ActionTemplateEdit, Route{Min: atlas.RoleAdmin, Handle: templateEditOpen})
	rt.HandleAction(views.ActionTemplateAddItem, Route{Min: atlas.RoleAdmin, Handle: templateItemAddOpen})
	rt.HandleAction(views.ActionTemplateItemMenu, Route{Min: atlas.RoleAdmin, Handle: templateItemMenu})
	rt.HandleSubmit(views.CallbackTemplate, Route{Min: atlas.RoleAdmin, Handle: templateSubmit})
	rt.HandleSubmit(views.CallbackTemplateItem, Route{Min: atlas.RoleAdmin, Handle: templateItemSubmit})
	rt.HandleSubmit(views.CallbackTemplateRemove, Route{Min: atlas.RoleAdmin, Handle: templateItemRemoveSubmit})

	rt.HandleCommand(Command{Name: "/atlas", Sub: "assign", Usage: "/atlas assign <client>",
		Summary: "A form for a client's monthly task: its template, preparer, reviewer, the client's extra items and the items it does without. " +
			"This month's task is made at once.",
		Examples: []string{"/atlas assign ACME", "/atlas assign \"Baker & Sons\""},
		Route:    Route{Min: atlas.RoleManager, Handle: assignCommand}})
	rt.HandleAction(views.ActionAssignTemplate, Route{Min: atlas.RoleManager, Handle: assignTemplatePicked})
	rt.HandleSubmit(views.CallbackAssign, Route{Min: atlas.RoleManager, Handle: assignSubmit})

	rt.HandleCommand(Command{Name: "/atlas", Sub: "assignments", Usage: "/atlas assignments [client]",
		Summary:  "Which template each client follows, who prepares and reviews it, and its extra and dropped items.",
		Examples: []string{"/atlas assignments", "/atlas assignments acme"},
		Route:    Route{Min: atlas.RoleStaff, Handle: assignmentsCommand}})
	rt.HandleAction(views.ActionAssignmentsPage, Route{Min: atlas.RoleStaff, Handle: assignmentsPage})
}

const templatesUsage = "`/atlas templates` lists them, `/atlas templates NAME` shows one, `/atlas templates add` adds one (admins)"

// templatesCommand lists the templates, shows one by name, or with "add"
// opens the new-template form.
func templatesCommand(ctx context.Context, r *Request) error {
	text := strings.TrimSpace(unescape(r.Text))
	canEdit := r.Member.Can(atlas.RoleAdmin)
	switch strings.ToLower(text) {
	case "add", "new":
		if !canEdit {
			return atlas.Errorf(atlas.EForbidden, "Only admins can add templates, and you are %s %s. %s.",
				article(r.Member.Role), r.Member.Role.Title(), templatesUsage)
		}
		return templateNewOpen(ctx, r)
	case "":
		ts, err := r.workflowStore().Templates(ctx, r.Practice.ID)
		if err != nil {
			return err
		}
		return r.Reply(Message{Text: fmt.Sprintf("%d checklist %s", len(ts), pluralWord(len(ts), "template", "templates")),
			Blocks: views.Templates(views.TemplatesData{Templates: ts, CanEdit: canEdit})})
	}
	t, err := r.workflowStore().LookupTemplate(ctx, r.Practice.ID, text)
	if err != nil {
		return err
	}
	return r.Reply(Message{Text: "Template " + t.Name, Blocks: views.Templates(views.TemplatesData{Templates: []workflow.Template{t}, CanEdit: canEdit})})
}

// actionTemplate loads the template whose id is the button's value.
func actionTemplate(ctx context.Context, r *Request) (workflow.Template, error) {
	if r.Action != nil {
		if id, err := strconv.ParseInt(r.Action.Value, 10, 64); err == nil && id > 0 {
			return r.workflowStore().Template(ctx, r.Practice.ID, id)
		}
	}
	return workflow.Template{}, atlas.Errorf(atlas.EInvalid, "That button is out of date; run `/atlas templates` again.")
}

// templateStageShow shows one page of a stage's items: "Show stage N"
// answers in a new message, the page buttons in place.
func templateStageShow(ctx context.Context, r *Request) error {
	v := ""
	if r.Action != nil {
		v = r.Action.Value
	}
	tid, stage, page, ok := views.ParseStageValue(v)
	if !ok {
		return atlas.Errorf(atlas.EInvalid, "That button is out of date; run `/atlas templates` again.")
	}
	t, err := r.workflowStore().Template(ctx, r.Practice.ID, tid)
	if err != nil {
		return err
	}
	return r.Reply(Message{Text: t.Name + " — " + atlas.StageName(stage), ReplaceOriginal: r.RouteKey == views.ActionTemplateStagePage,
		Blocks: views.TemplateStage(views.StageData{Template: t, Stage: stage, Page: page, CanEdit: r.Member.Can(atlas.RoleAdmin)})})
}

// templateNewOpen opens the new-template form with the standard timings.
func templateNewOpen(_ context.Context, r *Request) error {
	std := workflow.StandardTemplate
	return r.OpenModal(views.TemplateModal(views.TemplateForm{
		DueDay: strconv.Itoa(std.DueDay), DueMonths: strconv.Itoa(std.DueMonthOffset),
		Targets: targetDays(std.StageTargetDays), Channel: r.ChannelID,
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
func templateEditOpen(ctx context.Context, r *Request) error {
	t, err := actionTemplate(ctx, r)
	if err != nil {
		return err
	}
	return r.OpenModal(views.TemplateModal(views.TemplateForm{
		ID: t.ID, Name: t.Name, Description: t.Description, DueDay: strconv.Itoa(t.DueDay),
		DueMonths: strconv.Itoa(t.DueMonthOffset), Targets: targetDays(t.StageTargetDays), Channel: r.ChannelID,
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
func templateSubmit(ctx context.Context, r *Request) error {
	var meta views.TemplateMeta
	if err := r.PrivateMetadata(&meta); err != nil {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again from `/atlas templates`.")
	}
	if meta.Channel != "" {
		r.ChannelID = meta.Channel
	}
	in := workflow.TemplateInput{Name: r.Value(workflow.FieldTemplateName), Description: r.Value(views.TemplateDescription)}
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
				"Give six whole numbers, one target day per stage, such as `5 15 20 28 35 40`; %q is not that.", s))
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
	t, err := r.workflowStore().SaveTemplate(ctx, r.Practice.ID, r.Member.ID, meta.ID, in, r.now())
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
	return r.send(ctx, ephemeral(text))
}

// templateItemAddOpen is a template's "Add item" button.
func templateItemAddOpen(ctx context.Context, r *Request) error {
	t, err := actionTemplate(ctx, r)
	if err != nil {
		return err
	}
	return r.OpenModal(views.ItemModal(views.ItemForm{TemplateID: t.ID, TemplateName: t.Name, Mandatory: true, Channel: r.ChannelID}))
}

// templateItemMenu is an item's overflow menu: Edit opens the item form,
// Remove asks first.
func templateItemMenu(ctx context.Context, r *Request) error {
	v := ""
	if r.Action != nil {
		v = r.Action.SelectedOption.Value
	}
	verb, tid, iid, ok := views.ParseItemMenu(v)
	if !ok {
		return atlas.Errorf(atlas.EInvalid, "That menu is out of date; run `/atlas templates` again.")
	}
	t, it, err := templateItem(ctx, r, tid, iid)
	if err != nil {
		return err
	}
	if verb == views.ItemMenuRemove {
		return r.OpenModal(views.RemoveItemModal(t.Name, it, views.ItemMeta{TemplateID: t.ID, ItemID: it.ID, Channel: r.ChannelID}))
	}
	return r.OpenModal(views.ItemModal(views.ItemForm{TemplateID: t.ID, TemplateName: t.Name, ItemID: it.ID,
		Stage: it.Stage, Text: it.Text, Mandatory: it.Mandatory, Channel: r.ChannelID}))
}

// templateItem loads a template and one of its items (none for iid 0, a
// new item).
func templateItem(ctx context.Context, r *Request, tid, iid int64) (workflow.Template, workflow.TemplateItem, error) {
	t, err := r.workflowStore().Template(ctx, r.Practice.ID, tid)
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
func templateItemSubmit(ctx context.Context, r *Request) error {
	var meta views.ItemMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.TemplateID == 0 {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again from `/atlas templates`.")
	}
	if meta.Channel != "" {
		r.ChannelID = meta.Channel
	}
	t, current, err := templateItem(ctx, r, meta.TemplateID, meta.ItemID)
	if err != nil {
		return err
	}
	stage, _ := strconv.Atoi(r.Value(workflow.FieldItemStage))
	in := workflow.ItemInput{Stage: stage, Text: r.Value(workflow.FieldItemText),
		Mandatory: slices.Contains(r.Values(views.ItemMandatory), views.ItemMandatoryValue)}
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
	it, err := r.workflowStore().SaveItem(ctx, r.Practice.ID, r.Member.ID, t.ID, meta.ItemID, in, r.now())
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
	return r.send(ctx, ephemeral(fmt.Sprintf(":white_check_mark: %s “%s” (%s) in stage %s of *%s*. Tasks not yet started have it now; tasks under way keep the checklist they started with.",
		verb, it.Text, kind, atlas.StageName(it.Stage), t.Name)))
}

// templateItemRemoveSubmit is the confirmed removal of an item.
func templateItemRemoveSubmit(ctx context.Context, r *Request) error {
	var meta views.ItemMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.TemplateID == 0 || meta.ItemID == 0 {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again from `/atlas templates`.")
	}
	if meta.Channel != "" {
		r.ChannelID = meta.Channel
	}
	t, it, err := templateItem(ctx, r, meta.TemplateID, meta.ItemID)
	if err != nil {
		return err
	}
	if err := r.workflowStore().RemoveItem(ctx, r.Practice.ID, r.Member.ID, t.ID, it.ID, r.now()); err != nil {
		return err
	}
	r.Ack(nil)
	return r.send(ctx, ephemeral(fmt.Sprintf(":wastebasket: Removed “%s” from *%s*. Tasks not yet started lose it; tasks under way keep it.", it.Text, t.Name)))
}

const assignUsage = "`/atlas assign CLIENT` with the client's code or name, such as `/atlas assign ACME` or `/atlas assign \"Acme Trading\"`"

// assignCommand opens the assignment form for a client.
func assignCommand(ctx context.Context, r *Request) error {
	text := strings.TrimSpace(unescape(r.Text))
	if text == "" {
		return atlas.Errorf(atlas.EInvalid, "Say which client to assign: %s. The form that opens sets its template, preparer, reviewer and its own items.", assignUsage)
	}
	e, err := r.practiceStore().LookupEntity(ctx, r.Practice.ID, unquote(text))
	if err != nil {
		return err
	}
	form, err := assignForm(ctx, r, e, 0)
	if err != nil {
		return err
	}
	return r.OpenModal(views.AssignModal(form))
}

// unquote drops the quotes around a client of several words.
func unquote(s string) string {
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}} {
		if strings.HasPrefix(s, q[0]) && strings.HasSuffix(s, q[1]) && len(s) > len(q[0])+len(q[1]) {
			return strings.TrimSpace(s[len(q[0]) : len(s)-len(q[1])])
		}
	}
	return s
}

// assignForm fills the assignment form for a client and template (0: the
// template of its assignment, else the practice's only or standard one),
// from the client's assignment to it when there is one.
func assignForm(ctx context.Context, r *Request, e practice.Entity, tid int64) (views.AssignForm, error) {
	ws := r.workflowStore()
	all, err := ws.Templates(ctx, r.Practice.ID)
	if err != nil {
		return views.AssignForm{}, err
	}
	var active []workflow.Template
	for _, t := range all {
		if t.Active {
			active = append(active, t)
		}
	}
	if len(active) == 0 {
		return views.AssignForm{}, atlas.Errorf(atlas.EInvalid, "The practice has no templates to assign yet. An admin adds one with `/atlas templates add`.")
	}
	as, err := ws.Assignments(ctx, r.Practice.ID, e.ID)
	if err != nil {
		return views.AssignForm{}, err
	}
	find := func(id int64) *workflow.Template {
		for i := range active {
			if active[i].ID == id {
				return &active[i]
			}
		}
		return nil
	}
	chosen := find(tid)
	for i := 0; chosen == nil && i < len(as); i++ {
		chosen = find(as[i].TemplateID)
	}
	for i := 0; chosen == nil && i < len(active); i++ {
		if active[i].Name == workflow.StandardTemplateName {
			chosen = &active[i]
		}
	}
	if chosen == nil {
		chosen = &active[0]
	}
	f := views.AssignForm{EntityID: e.ID, Client: e.Label(), Template: strconv.FormatInt(chosen.ID, 10), Items: chosen.Items, Channel: r.ChannelID}
	for _, t := range active {
		f.Templates = append(f.Templates, views.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	for _, a := range as {
		if a.TemplateID != chosen.ID {
			continue
		}
		f.Preparer, f.Reviewer = a.PreparerSlack, a.ReviewerSlack
		lines := make([]string, len(a.Extras))
		for i, x := range a.Extras {
			lines[i] = views.FormatExtra(x.Stage, x.Text, x.Mandatory)
		}
		f.Extras = strings.Join(lines, "\n")
		for _, d := range a.Dropped {
			f.Dropped = append(f.Dropped, strconv.FormatInt(d, 10))
		}
	}
	return f, nil
}

// assignTemplatePicked refills the open form when another template is
// picked: that template's items to drop, and the client's assignment to it
// if it has one; the people and extras typed so far stay otherwise.
func assignTemplatePicked(ctx context.Context, r *Request) error {
	if r.Interaction == nil || r.Action == nil {
		return nil
	}
	var meta views.AssignMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.EntityID == 0 {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again with `/atlas assign CLIENT`.")
	}
	tid, _ := strconv.ParseInt(r.Action.SelectedOption.Value, 10, 64)
	e, err := r.practiceStore().Entity(ctx, r.Practice.ID, meta.EntityID)
	if err != nil {
		return err
	}
	f, err := assignForm(ctx, r, e, tid)
	if err != nil {
		return err
	}
	f.Channel = meta.Channel
	if f.Preparer == "" {
		f.Preparer, f.Reviewer, f.Extras = r.Value(workflow.FieldAssignPreparer), r.Value(workflow.FieldAssignReviewer), r.Value(workflow.FieldAssignExtras)
	}
	v := r.Interaction.View
	if _, err := r.API.UpdateViewContext(ctx, views.AssignModal(f), "", v.Hash, v.ID); err != nil {
		return fmt.Errorf("refill the assign form: %w", err)
	}
	return nil
}

// maxExtraItems bounds a client's own items; the template holds the rest.
const maxExtraItems = 50

var (
	extraLine     = regexp.MustCompile(`^(?i:stage\s*)?(\d+)\s*[:.)–-]\s*(.*)$`)
	extraOptional = regexp.MustCompile(`(?i)\s*\(\s*optional\s*\)$`)
	extraRequired = regexp.MustCompile(`(?i)\s*\(\s*mandatory\s*\)$`)
)

const extraExample = "such as “3: Cost-centre reporting”, with “(optional)” at the end for an optional item"

// parseExtras reads the client's extra items, one a line as "3: Text" or
// "3: Text (optional)". Every wrong line is named, by its line number.
func parseExtras(text string) ([]workflow.ItemInput, *atlas.Error) {
	var out []workflow.ItemInput
	var problems []string
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "-*•"))
		if line == "" {
			continue
		}
		n := i + 1
		m := extraLine.FindStringSubmatch(line)
		if m == nil {
			problems = append(problems, fmt.Sprintf("Line %d (“%s”) has no stage: write it as stage: item, %s.", n, blockkit.Truncate(line, 40), extraExample))
			continue
		}
		stage, _ := strconv.Atoi(m[1])
		item := workflow.ItemInput{Stage: stage, Text: m[2], Mandatory: true}
		if extraOptional.MatchString(item.Text) {
			item.Text, item.Mandatory = extraOptional.ReplaceAllString(item.Text, ""), false
		} else {
			item.Text = extraRequired.ReplaceAllString(item.Text, "")
		}
		item.Text = strings.Join(strings.Fields(item.Text), " ")
		switch {
		case stage < 1 || stage > 6:
			problems = append(problems, fmt.Sprintf("Line %d: there is no stage %s; stages run from 1 (collect documents) to 6 (deliver).", n, m[1]))
		case item.Text == "":
			problems = append(problems, fmt.Sprintf("Line %d: say what is to be done after the stage, %s.", n, extraExample))
		case utf8.RuneCountInString(item.Text) > workflow.MaxItemText:
			problems = append(problems, fmt.Sprintf("Line %d: an item is at most %d characters.", n, workflow.MaxItemText))
		default:
			out = append(out, item)
		}
	}
	if len(out) > maxExtraItems {
		problems = append(problems, fmt.Sprintf("That is %d extra items; a client has at most %d of its own (add the rest to a template).", len(out), maxExtraItems))
	}
	if len(problems) == 0 {
		return out, nil
	}
	if len(problems) > 4 {
		problems = append(problems[:4], fmt.Sprintf("…and %d more.", len(problems)-4))
	}
	return nil, atlas.FieldError(workflow.FieldAssignExtras, "%s", strings.Join(problems, " "))
}

// assignMember resolves the person picked in a users_select to a member
// of the team.
func assignMember(ctx context.Context, r *Request, field, role string) (atlas.MemberID, *atlas.Error) {
	user := r.Value(field)
	if user == "" {
		return 0, atlas.FieldError(field, "Pick who %s this client's pack.", role)
	}
	m, err := r.practiceStore().MemberBySlackID(ctx, r.Practice.ID, atlas.SlackUserID(user))
	if atlas.ErrorCode(err) == atlas.ENotFound {
		return 0, atlas.FieldError(field, "The person picked is not on the practice's team in Atlas (or no longer active), so cannot be given work. "+
			"Pick someone on the team, or ask an admin to add them first with `/atlas team add @person staff`.")
	}
	if err != nil {
		return 0, atlas.Wrap(err, atlas.EInternal, "look up %s", user)
	}
	return m.ID, nil
}

// assignSubmit saves a client's assignment; this month's task is made at
// once, and the person is told who prepares and reviews it.
func assignSubmit(ctx context.Context, r *Request) error {
	var meta views.AssignMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.EntityID == 0 {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again with `/atlas assign CLIENT`.")
	}
	if meta.Channel != "" {
		r.ChannelID = meta.Channel
	}
	ws := r.workflowStore()
	var errs atlas.FieldErrors
	tid, _ := strconv.ParseInt(r.Value(workflow.FieldAssignTemplate), 10, 64)
	var tmpl workflow.Template
	if tid != 0 {
		var err error
		tmpl, err = ws.Template(ctx, r.Practice.ID, tid)
		switch {
		case atlas.ErrorCode(err) == atlas.ENotFound:
			errs = append(errs, atlas.FieldError(workflow.FieldAssignTemplate, "That template no longer exists; pick another."))
		case err != nil:
			return err
		case !tmpl.Active:
			errs = append(errs, atlas.FieldError(workflow.FieldAssignTemplate, "That template is retired and makes no new tasks; pick another."))
		}
	}
	in := workflow.AssignInput{EntityID: meta.EntityID, TemplateID: tid}
	var fe *atlas.Error
	if in.Preparer, fe = assignMember(ctx, r, workflow.FieldAssignPreparer, "prepares"); fe != nil {
		if fe.Code == atlas.EInternal {
			return fe
		}
		errs = append(errs, fe)
	}
	if in.Reviewer, fe = assignMember(ctx, r, workflow.FieldAssignReviewer, "reviews"); fe != nil {
		if fe.Code == atlas.EInternal {
			return fe
		}
		errs = append(errs, fe)
	}
	if in.Extras, fe = parseExtras(r.Value(workflow.FieldAssignExtras)); fe != nil {
		errs = append(errs, fe)
	}
	if len(errs) > 0 {
		return errs
	}
	in.Dropped = assignDropped(r)
	a, err := ws.Assign(ctx, r.Practice, r.Member.ID, in, r.now())
	if err != nil {
		return err
	}
	r.Ack(nil)
	return r.send(ctx, ephemeral(assignConfirmation(ctx, r, a)))
}

// assignDropped reads every "does without" select of the form, whichever
// template they were drawn for: the store keeps only the chosen
// template's items.
func assignDropped(r *Request) []int64 {
	if r.Interaction == nil || r.Interaction.View.State == nil {
		return nil
	}
	var out []int64
	for block := range r.Interaction.View.State.Values {
		if block != views.AssignDropped && !strings.HasPrefix(block, views.AssignDropped+".") {
			continue
		}
		for _, v := range r.Values(block) {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out
}

// assignConfirmation says who prepares and reviews the client's pack and
// what became of this month's task.
func assignConfirmation(ctx context.Context, r *Request, a workflow.Assignment) string {
	var b strings.Builder
	fmt.Fprintf(&b, ":white_check_mark: *%s · %s* follows *%s*: <@%s> prepares, <@%s> reviews.",
		a.EntityCode, a.EntityName, a.TemplateName, a.PreparerSlack, a.ReviewerSlack)
	if n := len(a.Extras); n > 0 {
		fmt.Fprintf(&b, " %d extra %s.", n, pluralWord(n, "item", "items"))
	}
	if n := len(a.Dropped); n > 0 {
		fmt.Fprintf(&b, " %d template %s left out.", n, pluralWord(n, "item", "items"))
	}
	now := r.now().In(r.Practice.Location())
	period := atlas.PeriodOf(now)
	page, err := r.workflowStore().List(ctx, r.Practice.ID, workflow.Filter{Period: period, Today: r.today(), EntityID: a.EntityID})
	if err != nil {
		r.log.Warn("could not read the new task for a confirmation", "entity", a.EntityID, "err", err)
		return b.String()
	}
	for _, t := range page.Tasks {
		if t.TemplateID != a.TemplateID {
			continue
		}
		if t.ItemsDone > 0 || t.ReviewState != workflow.ReviewNone || t.CompletedAt != nil {
			fmt.Fprintf(&b, "\nThis month's task (%s) was already under way, so it keeps its checklist and people; the change applies from next month's task.", period.Label())
		} else {
			fmt.Fprintf(&b, "\nThis month's task (%s) exists: %d %s, due %s, prepared by <@%s>.",
				period.Label(), t.ItemsTotal, pluralWord(t.ItemsTotal, "item", "items"), t.DueDate.Format("Mon 2 Jan 2006"), t.PreparerSlack)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "\nNo task for %s could be made for this client; it gets one when next month's tasks are made.", period.Label())
	return b.String()
}

// assignmentsCommand lists every client's assignment, or one client's.
func assignmentsCommand(ctx context.Context, r *Request) error {
	var e practice.Entity
	if text := strings.TrimSpace(unescape(r.Text)); text != "" {
		var err error
		if e, err = r.practiceStore().LookupEntity(ctx, r.Practice.ID, unquote(text)); err != nil {
			return err
		}
	}
	m, err := assignmentsMessage(ctx, r, e, 0)
	if err != nil {
		return err
	}
	return r.Reply(m)
}

// assignmentsPage is the list's Previous and Next.
func assignmentsPage(ctx context.Context, r *Request) error {
	v := ""
	if r.Action != nil {
		v = r.Action.Value
	}
	page, entity, ok := views.ParseAssignmentsPage(v)
	if !ok {
		return atlas.Errorf(atlas.EInvalid, "That button is out of date; run `/atlas assignments` again.")
	}
	var e practice.Entity
	if entity != 0 {
		var err error
		if e, err = r.practiceStore().Entity(ctx, r.Practice.ID, entity); err != nil {
			return err
		}
	}
	m, err := assignmentsMessage(ctx, r, e, page)
	if err != nil {
		return err
	}
	m.ReplaceOriginal = true
	return r.Reply(m)
}

func assignmentsMessage(ctx context.Context, r *Request, e practice.Entity, page int) (Message, error) {
	ws := r.workflowStore()
	as, err := ws.Assignments(ctx, r.Practice.ID, e.ID)
	if err != nil {
		return Message{}, err
	}
	counts, err := ws.ChangeCounts(ctx, r.Practice.ID, e.ID)
	if err != nil {
		return Message{}, err
	}
	d := views.AssignmentsData{Page: page, EntityID: e.ID, CanAssign: r.Member.Can(atlas.RoleManager)}
	if e.ID != 0 {
		d.Client = e.Label()
	}
	for _, a := range as {
		c := counts[a.ID]
		d.Rows = append(d.Rows, views.AssignmentRow{Client: a.EntityCode + " · " + a.EntityName, Template: a.TemplateName,
			Preparer: a.PreparerSlack, Reviewer: a.ReviewerSlack, Extras: c.Extras, Dropped: c.Dropped})
	}
	return Message{Text: fmt.Sprintf("%d %s", len(d.Rows), pluralWord(len(d.Rows), "assignment", "assignments")), Blocks: views.Assignments(d)}, nil
}
