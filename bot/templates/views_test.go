package templates_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/templates"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// standardTemplate is the standard pack as a practice gets it, with ids.
func standardTemplate(id int64) workflow.Template {
	t := workflow.Template{ID: id, Name: workflow.StandardTemplate.Name, Description: workflow.StandardTemplate.Description,
		DueDay: 10, DueMonthOffset: 1, StageTargetDays: workflow.StandardTemplate.StageTargetDays, Active: true}
	pos := map[int]int{}
	for i, in := range workflow.StandardItems {
		pos[in.Stage]++
		t.Items = append(t.Items, workflow.TemplateItem{ID: id*1000 + int64(i+1), Stage: in.Stage, Position: pos[in.Stage], Text: in.Text, Mandatory: in.Mandatory})
	}
	return t
}

// longTemplate has the most items a template may hold, each as long as an
// item may be, with mrkdwn to escape.
func longTemplate(id int64) workflow.Template {
	t := workflow.Template{ID: id, Name: strings.Repeat("Very long <template> name ", 10), Description: strings.Repeat("A description & more. ", 60),
		DueDay: 28, DueMonthOffset: 3, StageTargetDays: [6]int{10, 30, 50, 70, 90, 120}, Active: true}
	for i := range workflow.MaxTemplateItems {
		stage := 1 + i*6/workflow.MaxTemplateItems
		if i < 120 {
			stage = 3 // one crowded stage, to page through
		}
		text := fmt.Sprintf("Item %d <check> & ", i+1) + strings.Repeat("x", workflow.MaxItemText)
		t.Items = append(t.Items, workflow.TemplateItem{ID: int64(5000 + i), Stage: stage, Position: i + 1, Text: text[:workflow.MaxItemText], Mandatory: i%3 != 0})
	}
	return t
}

func raw(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// uniqueBlockIDs fails when two blocks share a block_id: Slack rejects
// such a message or view.
func uniqueBlockIDs(t *testing.T, name string, blocks []slack.Block) {
	t.Helper()
	var got []struct {
		BlockID string `json:"block_id"`
	}
	if err := json.Unmarshal([]byte(raw(t, blocks)), &got); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, b := range got {
		if b.BlockID == "" {
			continue
		}
		if seen[b.BlockID] {
			t.Errorf("%s: block_id %q twice", name, b.BlockID)
		}
		seen[b.BlockID] = true
	}
}

func TestTemplatesGolden(t *testing.T) {
	t.Parallel()
	std := standardTemplate(1)
	small := workflow.Template{ID: 2, Name: "Payroll only", DueDay: 5, DueMonthOffset: 0, StageTargetDays: [6]int{1, 2, 3, 4, 5, 5},
		Items: []workflow.TemplateItem{{ID: 21, Stage: 2, Position: 1, Text: "Payroll run", Mandatory: true}}}
	cases := map[string]templates.TemplatesData{
		"template_list_empty_admin": {CanEdit: true},
		"template_list_staff":       {Templates: []workflow.Template{std, small}},
		"template_list_admin":       {Templates: []workflow.Template{std, small}, CanEdit: true},
		"template_list_long_admin":  {Templates: []workflow.Template{longTemplate(3)}, CanEdit: true},
		"template_list_long_staff":  {Templates: []workflow.Template{longTemplate(3)}},
	}
	for name, d := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			blocks := templates.Templates(d)
			blockkittest.GoldenMessage(t, name, blocks)
			uniqueBlockIDs(t, name, blocks)
		})
	}

	admin := raw(t, templates.Templates(cases["template_list_admin"]))
	for _, want := range []string{
		"day 10 of the following month", "1: day 3", "6: day 10", "days after the month ends", "*mandatory*", "_optional_", "1 · Collect documents",
		templates.TemplateChangeNote, `"action_id":"template.item.menu"`, `"value":"edit.1.1001"`, `"value":"remove.1.1001"`,
		`"action_id":"template.new"`, `"action_id":"template.edit"`, `"action_id":"template.item.add"`,
	} {
		if !strings.Contains(admin, want) {
			t.Errorf("admin's list lacks %s", want)
		}
	}
	staff := raw(t, templates.Templates(cases["template_list_staff"]))
	for _, forbidden := range []string{"template.item.menu", "template.new", "template.edit", "template.item.add"} {
		if strings.Contains(staff, forbidden) {
			t.Errorf("staff's list has the admin button %s", forbidden)
		}
	}
	if !strings.Contains(staff, "Bank statements received for every account · *mandatory*") {
		t.Errorf("staff's list lacks the items: %s", staff)
	}

	// A 200-item template is summarised, with a button per stage.
	long := raw(t, templates.Templates(cases["template_list_long_admin"]))
	for _, want := range []string{`"value":"3.3.0"`, "Show stage 3", "120 items", "&lt;template&gt;"} {
		if !strings.Contains(long, want) {
			t.Errorf("long template's summary lacks %s", want)
		}
	}
	if strings.Contains(long, "Item 1 &lt;check&gt;") {
		t.Errorf("a 200-item template is listed whole")
	}
}

// TestTemplatesNeverExceedLimits: however many templates and items there
// are, the list stays a valid message and says what it left out.
func TestTemplatesNeverExceedLimits(t *testing.T) {
	t.Parallel()
	for _, canEdit := range []bool{false, true} {
		for _, n := range []int{1, 2, 3, 5, 12, 40} {
			var ts []workflow.Template
			for i := range n {
				if i%2 == 0 {
					ts = append(ts, longTemplate(int64(100+i)))
				} else {
					ts = append(ts, standardTemplate(int64(100+i)))
				}
			}
			blocks := templates.Templates(templates.TemplatesData{Templates: ts, CanEdit: canEdit})
			if err := blockkit.CheckMessage(blocks); err != nil {
				t.Fatalf("%d templates (admin %v): %v", n, canEdit, err)
			}
			uniqueBlockIDs(t, fmt.Sprintf("%d templates", n), blocks)
			r := raw(t, blocks)
			headings := 0
			for _, tt := range ts {
				if strings.Contains(r, fmt.Sprintf(`"block_id":"template.%d"`, tt.ID)) {
					headings++
				}
			}
			if headings < n && !strings.Contains(r, fmt.Sprintf("+%d more", n-headings)) {
				t.Errorf("%d templates, %d shown, and no note of the rest", n, headings)
			}
		}
	}
	blockkittest.GoldenMessage(t, "template_list_many", templates.Templates(templates.TemplatesData{
		Templates: []workflow.Template{longTemplate(1), longTemplate(2), longTemplate(3), longTemplate(4), longTemplate(5),
			longTemplate(6), longTemplate(7), longTemplate(8), longTemplate(9), longTemplate(10), longTemplate(11), longTemplate(12),
			longTemplate(13)},
		CanEdit: true,
	}))
}

func TestTemplateStageGolden(t *testing.T) {
	t.Parallel()
	long := longTemplate(3)
	first := templates.TemplateStage(templates.StageData{Template: long, Stage: 3, CanEdit: true})
	blockkittest.GoldenMessage(t, "template_stage_first_admin", first)
	last := templates.TemplateStage(templates.StageData{Template: long, Stage: 3, Page: 2, CanEdit: true})
	blockkittest.GoldenMessage(t, "template_stage_last_admin", last)
	staff := templates.TemplateStage(templates.StageData{Template: long, Stage: 3, Page: 1})
	blockkittest.GoldenMessage(t, "template_stage_middle_staff", staff)
	blockkittest.GoldenMessage(t, "template_stage_empty", templates.TemplateStage(templates.StageData{Template: standardTemplate(1), Stage: 6, Page: 9}))

	f, l, s := raw(t, first), raw(t, last), raw(t, staff)
	if !strings.Contains(f, `"value":"3.3.1"`) || strings.Contains(f, "Previous") || !strings.Contains(f, "Page 1 of 3") {
		t.Errorf("first page: want Next only: %s", f)
	}
	if !strings.Contains(l, `"value":"3.3.1"`) || strings.Contains(l, "Next") || !strings.Contains(l, "81. Item 81") {
		t.Errorf("last page: want Previous only, numbered on: %s", l)
	}
	if strings.Contains(s, "template.item.menu") || !strings.Contains(s, "41. Item 41") {
		t.Errorf("staff's middle page: %s", s)
	}
	for _, v := range []string{templates.StageValue(3, 3, 2)} {
		if id, stage, page, ok := templates.ParseStageValue(v); !ok || id != 3 || stage != 3 || page != 2 {
			t.Errorf("ParseStageValue(%q) = %d %d %d %v", v, id, stage, page, ok)
		}
	}
	for _, bad := range []string{"", "3.7.0", "3.3", "a.b.c", "3.3.-1"} {
		if _, _, _, ok := templates.ParseStageValue(bad); ok {
			t.Errorf("ParseStageValue(%q) accepted", bad)
		}
	}
	if verb, tid, iid, ok := templates.ParseItemMenu(templates.ItemMenuValue(templates.ItemMenuRemove, 4, 99)); !ok || verb != "remove" || tid != 4 || iid != 99 {
		t.Errorf("item menu value does not round-trip: %s %d %d %v", verb, tid, iid, ok)
	}
	if _, _, _, ok := templates.ParseItemMenu("delete.1.2"); ok {
		t.Errorf("an unknown verb is accepted")
	}
}

func TestTemplateModalsGolden(t *testing.T) {
	t.Parallel()
	blank := templates.TemplateModal(templates.TemplateForm{DueDay: "10", DueMonths: "1", Targets: "5 15 20 28 35 40"})
	blockkittest.GoldenModal(t, "template_modal_new", blank)
	if blank.CallbackID != templates.CallbackTemplate || blank.PrivateMetadata != `{}` {
		t.Fatalf("new template modal: %q %q", blank.CallbackID, blank.PrivateMetadata)
	}
	std := standardTemplate(7)
	edit := templates.TemplateModal(templates.TemplateForm{ID: 7, Name: std.Name, Description: std.Description, DueDay: "10", DueMonths: "1", Targets: "5 15 20 28 35 40"})
	blockkittest.GoldenModal(t, "template_modal_edit", edit)
	r := raw(t, edit)
	for _, want := range []string{`"block_id":"template_name"`, `"block_id":"template_due_day"`, `"block_id":"template_due_months"`,
		`"block_id":"template_targets"`, `"initial_value":"5 15 20 28 35 40"`, `"value":"1"`, "Edit template"} {
		if !strings.Contains(r, want) {
			t.Errorf("template modal lacks %s", want)
		}
	}

	add := templates.ItemModal(templates.ItemForm{TemplateID: 7, TemplateName: std.Name, Mandatory: true})
	blockkittest.GoldenModal(t, "template_item_modal_add", add)
	r = raw(t, add)
	for _, want := range []string{`"block_id":"item_stage"`, `"block_id":"item_text"`, `"block_id":"item_position"`, `"block_id":"item_mandatory"`,
		"3 · Reconcile bank", `"initial_options"`} {
		if !strings.Contains(r, want) {
			t.Errorf("add item modal lacks %s", want)
		}
	}
	if add.PrivateMetadata != `{"template_id":7}` {
		t.Errorf("add item metadata %s", add.PrivateMetadata)
	}
	it := std.Items[2]
	edited := templates.ItemModal(templates.ItemForm{TemplateID: 7, TemplateName: std.Name, ItemID: it.ID, Stage: it.Stage, Text: it.Text, Mandatory: it.Mandatory})
	blockkittest.GoldenModal(t, "template_item_modal_edit", edited)
	if r := raw(t, edited); strings.Contains(r, `"initial_options"`) || !strings.Contains(r, `"initial_value":"Receipts and petty cash records received"`) {
		t.Errorf("an optional item's edit modal: %s", r)
	}
	blockkittest.GoldenModal(t, "template_item_remove", templates.RemoveItemModal(std.Name, it, templates.ItemMeta{TemplateID: 7, ItemID: it.ID}))
}

func TestAssignModalGolden(t *testing.T) {
	t.Parallel()
	std := standardTemplate(1)
	opts := []blockkit.Option{{Value: "1", Label: std.Name}, {Value: "2", Label: "Payroll only"}}
	filled := templates.AssignModal(templates.AssignForm{EntityID: 12, Client: "ACME · Acme Trading Ltd", Templates: opts, Template: "1", Items: std.Items,
		Preparer: "USTAFF1", Reviewer: "UMGR001", Extras: templates.FormatExtra(3, "Cost-centre reporting", true) + "\n" + templates.FormatExtra(4, "Board pack", false),
		Dropped: []string{"1003", "1004"}})
	blockkittest.GoldenModal(t, "assign_modal", filled)
	r := raw(t, filled)
	for _, want := range []string{`"block_id":"assign_template"`, `"dispatch_action":true`, `"action_id":"assign.template"`,
		`"block_id":"assign_preparer"`, `"initial_user":"USTAFF1"`, `"block_id":"assign_reviewer"`, `"initial_user":"UMGR001"`,
		`"block_id":"assign_extras"`, `3: Cost-centre reporting\n4: Board pack (optional)`, `"block_id":"assign_dropped.1"`,
		`"option_groups"`, `"value":"1003"`} {
		if !strings.Contains(r, want) {
			t.Errorf("assign modal lacks %s", want)
		}
	}
	if filled.PrivateMetadata != `{"entity_id":12}` {
		t.Errorf("assign metadata %s", filled.PrivateMetadata)
	}

	// 200 items take two selects of a hundred each.
	long := longTemplate(3)
	big := templates.AssignModal(templates.AssignForm{EntityID: 12, Client: "ACME · Acme Trading Ltd", Templates: opts, Template: "3", Items: long.Items})
	blockkittest.GoldenModal(t, "assign_modal_200_items", big)
	r = raw(t, big)
	if !strings.Contains(r, `"block_id":"assign_dropped.3"`) || !strings.Contains(r, `"block_id":"assign_dropped.3.2"`) ||
		!strings.Contains(r, "items 101–200") || strings.Contains(r, "initial_user") {
		t.Errorf("200-item assign modal: %s", r[:min(len(r), 2000)])
	}
	if got := templates.DroppedBlockIDs("3", 200); len(got) != 2 {
		t.Errorf("DroppedBlockIDs(200) = %v", got)
	}
	if got := templates.DroppedBlockIDs("3", 0); len(got) != 0 {
		t.Errorf("DroppedBlockIDs(0) = %v", got)
	}
	empty := templates.AssignModal(templates.AssignForm{EntityID: 12, Client: "ACME · Acme Trading Ltd", Templates: opts[1:], Template: "2"})
	if err := blockkit.CheckModal(empty); err != nil || strings.Contains(raw(t, empty), "assign_dropped") {
		t.Errorf("a template without items: %v", err)
	}
}

func TestAssignmentsGolden(t *testing.T) {
	t.Parallel()
	rows := []templates.AssignmentRow{
		{Client: "ACME · Acme Trading Ltd", Template: workflow.StandardTemplateName, Preparer: "USTAFF1", Reviewer: "UMGR001", Extras: 2, Dropped: 1},
		{Client: "BAKER · Baker & Sons", Template: "Payroll only", Preparer: "USTAFF1", Reviewer: "USTAFF1"},
	}
	blockkittest.GoldenMessage(t, "assign_list", templates.Assignments(templates.AssignmentsData{Rows: rows, CanAssign: true}))
	blockkittest.GoldenMessage(t, "assign_list_empty", templates.Assignments(templates.AssignmentsData{Client: "ACME · Acme Trading Ltd", EntityID: 12}))
	var many []templates.AssignmentRow
	for i := range 5000 {
		many = append(many, templates.AssignmentRow{Client: fmt.Sprintf("C%04d · %s", i, strings.Repeat("Long client name ", 20)),
			Template: strings.Repeat("Template ", 20), Preparer: "USTAFF1", Reviewer: "UMGR001", Extras: 50, Dropped: 199})
	}
	page := templates.Assignments(templates.AssignmentsData{Rows: many, Page: 3})
	blockkittest.GoldenMessage(t, "assign_list_page", page)
	r := raw(t, page)
	if !strings.Contains(r, "Page 4 of 125") || !strings.Contains(r, `"value":"2.0"`) || !strings.Contains(r, `"value":"4.0"`) || !strings.Contains(r, "C0120") {
		t.Errorf("page 4 of the list: %s", r[:min(len(r), 1500)])
	}
	if p, e, ok := templates.ParseAssignmentsPage(templates.AssignmentsPageValue(4, 12)); !ok || p != 4 || e != 12 {
		t.Errorf("assignments page value does not round-trip")
	}
}
