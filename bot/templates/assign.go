package templates

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

const assignUsage = "`/atlas assign CLIENT` with the client's code or name, such as `/atlas assign ACME` or `/atlas assign \"Acme Trading\"`"

// assignCommand opens the assignment form for a client.
func (h handlers) assignCommand(ctx context.Context, r *slackapp.Request) error {
	text := strings.TrimSpace(ui.Unescape(r.Text))
	if text == "" {
		return atlas.Errorf(atlas.EInvalid, "Say which client to assign: %s. The form that opens sets its template, preparer, reviewer and its own items.", assignUsage)
	}
	e, err := h.Practice.LookupEntity(ctx, r.Practice.ID, unquote(text))
	if err != nil {
		return err
	}
	form, err := h.assignForm(ctx, r, e, 0)
	if err != nil {
		return err
	}
	return r.OpenModal(AssignModal(form))
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
func (h handlers) assignForm(ctx context.Context, r *slackapp.Request, e practice.Entity, tid int64) (AssignForm, error) {
	ws := h.Work
	all, err := ws.Templates(ctx, r.Practice.ID)
	if err != nil {
		return AssignForm{}, err
	}
	var active []workflow.Template
	for _, t := range all {
		if t.Active {
			active = append(active, t)
		}
	}
	if len(active) == 0 {
		return AssignForm{}, atlas.Errorf(atlas.EInvalid, "The practice has no templates to assign yet. An admin adds one with `/atlas templates add`.")
	}
	as, err := ws.Assignments(ctx, r.Practice.ID, e.ID)
	if err != nil {
		return AssignForm{}, err
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
	f := AssignForm{EntityID: e.ID, Client: e.Label(), Template: strconv.FormatInt(chosen.ID, 10), Items: chosen.Items}
	for _, t := range active {
		f.Templates = append(f.Templates, blockkit.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	for _, a := range as {
		if a.TemplateID != chosen.ID {
			continue
		}
		f.Preparer, f.Reviewer = a.PreparerSlack, a.ReviewerSlack
		lines := make([]string, len(a.Extras))
		for i, x := range a.Extras {
			lines[i] = FormatExtra(x.Stage, x.Text, x.Mandatory)
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
func (h handlers) assignTemplatePicked(ctx context.Context, r *slackapp.Request) error {
	if r.Interaction == nil || r.Action == nil {
		return nil
	}
	var meta AssignMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.EntityID == 0 {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again with `/atlas assign CLIENT`.")
	}
	tid, _ := strconv.ParseInt(r.Action.SelectedOption.Value, 10, 64)
	e, err := h.Practice.Entity(ctx, r.Practice.ID, meta.EntityID)
	if err != nil {
		return err
	}
	f, err := h.assignForm(ctx, r, e, tid)
	if err != nil {
		return err
	}
	if f.Preparer == "" {
		f.Preparer, f.Reviewer, f.Extras = r.Value(workflow.FieldAssignPreparer), r.Value(workflow.FieldAssignReviewer), r.Value(workflow.FieldAssignExtras)
	}
	v := r.Interaction.View
	if err := r.UpdateView(ctx, AssignModal(f), v.Hash, v.ID); err != nil {
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
func (h handlers) assignMember(ctx context.Context, r *slackapp.Request, field, role string) (atlas.MemberID, *atlas.Error) {
	user := r.Value(field)
	if user == "" {
		return 0, atlas.FieldError(field, "Pick who %s this client's pack.", role)
	}
	m, err := h.Practice.MemberBySlackID(ctx, r.Practice.ID, atlas.SlackUserID(user))
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
func (h handlers) assignSubmit(ctx context.Context, r *slackapp.Request) error {
	var meta AssignMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.EntityID == 0 {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again with `/atlas assign CLIENT`.")
	}
	ws := h.Work
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
	if in.Preparer, fe = h.assignMember(ctx, r, workflow.FieldAssignPreparer, "prepares"); fe != nil {
		if fe.Code == atlas.EInternal {
			return fe
		}
		errs = append(errs, fe)
	}
	if in.Reviewer, fe = h.assignMember(ctx, r, workflow.FieldAssignReviewer, "reviews"); fe != nil {
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
	in.Dropped = h.assignDropped(r)
	a, err := ws.Assign(ctx, r.Practice, r.Member.ID, in, r.Now())
	if err != nil {
		return err
	}
	r.Ack(nil)
	return r.Send(ctx, slackapp.Text(h.assignConfirmation(ctx, r, a)))
}

// assignDropped reads every "does without" select of the form, whichever
// template they were drawn for: the store keeps only the chosen
// template's items.
func (h handlers) assignDropped(r *slackapp.Request) []int64 {
	if r.Interaction == nil || r.Interaction.View.State == nil {
		return nil
	}
	var out []int64
	for block := range r.Interaction.View.State.Values {
		if block != AssignDropped && !strings.HasPrefix(block, AssignDropped+".") {
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
func (h handlers) assignConfirmation(ctx context.Context, r *slackapp.Request, a workflow.Assignment) string {
	var b strings.Builder
	fmt.Fprintf(&b, ":white_check_mark: *%s · %s* follows *%s*: <@%s> prepares, <@%s> reviews.",
		a.EntityCode, a.EntityName, a.TemplateName, a.PreparerSlack, a.ReviewerSlack)
	if n := len(a.Extras); n > 0 {
		fmt.Fprintf(&b, " %d extra %s.", n, ui.Plural(n, "item", "items"))
	}
	if n := len(a.Dropped); n > 0 {
		fmt.Fprintf(&b, " %d template %s left out.", n, ui.Plural(n, "item", "items"))
	}
	now := r.Now().In(r.Practice.Location())
	period := atlas.PeriodOf(now)
	page, err := h.Work.List(ctx, r.Practice.ID, workflow.Filter{Period: period, Today: r.Practice.Today(r.Now()), EntityID: a.EntityID})
	if err != nil {
		r.Log().Warn("could not read the new task for a confirmation", "entity", a.EntityID, "err", err)
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
				period.Label(), t.ItemsTotal, ui.Plural(t.ItemsTotal, "item", "items"), t.DueDate.Format("Mon 2 Jan 2006"), t.PreparerSlack)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "\nNo task for %s could be made for this client; it gets one when next month's tasks are made.", period.Label())
	return b.String()
}
