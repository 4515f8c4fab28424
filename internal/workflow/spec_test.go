package workflow_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/workflow"
)

const goodTemplates = `templates:
  - name: Monthly Pack — Lite
    description: For small clients.
    due: {day: 15, months_after: 1}
    stage_targets: [7, 14, 21, 28, 38, 45]
    items:
      - {stage: 1, text: Bank statements received}
      - {stage: 2, text: "Transactions captured"}
      - {stage: 3, text: Bank reconciled, mandatory: true}
      - {stage: 4, text: Variance notes, mandatory: false}
      - {stage: 5, text: Pack reviewed}
      - {stage: 6, text: Pack sent}
  - name: Quarterly Extras
    items:
      - stage: 1
        text: "  VAT   invoices  received  "
`

func TestParseTemplates(t *testing.T) {
	t.Parallel()
	specs, err := workflow.ParseTemplates(strings.NewReader(goodTemplates))
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 {
		t.Fatalf("%d templates", len(specs))
	}
	lite, extras := specs[0], specs[1]
	if lite.Name != "Monthly Pack — Lite" || lite.Description != "For small clients." || lite.DueDay != 15 || lite.DueMonthOffset != 1 ||
		lite.StageTargetDays != [6]int{7, 14, 21, 28, 38, 45} || len(lite.Items) != 6 {
		t.Fatalf("lite: %+v", lite)
	}
	if !lite.Items[0].Mandatory || !lite.Items[2].Mandatory || lite.Items[3].Mandatory || lite.Items[3].Stage != 4 || lite.Items[1].Text != "Transactions captured" {
		t.Fatalf("lite items: %+v", lite.Items)
	}
	// Left out: the standard due rule and targets; mandatory by default.
	if extras.DueDay != 10 || extras.DueMonthOffset != 1 || extras.StageTargetDays != workflow.StandardTemplate.StageTargetDays ||
		len(extras.Items) != 1 || !extras.Items[0].Mandatory {
		t.Fatalf("extras: %+v", extras)
	}
}

func TestParseTemplatesReportsEveryProblemWithItsLine(t *testing.T) {
	t.Parallel()
	bad := `templates:
  - name: Monthly Pack
    stage_targets: [5, 15, 20, 28, 35]
    colour: blue
    due: {day: 10, month_after: 1}
    items:
      - {stage: 7, text: Something}
      - {stage: 1, text: ""}
      - {stage: 2, text: Captured, mandatroy: false}
      - {stage: two, text: Reconciled}
  - name: monthly pack
    items:
      - {stage: 1, text: Fine}
  - name: Empty
`
	_, err := workflow.ParseTemplates(strings.NewReader(bad))
	if atlas.ErrorCode(err) != atlas.EInvalid {
		t.Fatalf("err %v", err)
	}
	msg := atlas.ErrorMessage(err)
	for _, want := range []string{
		"nothing imported",
		"line 3: stage_targets has 5 days",
		`line 4: unknown key "colour"`,
		`line 5: unknown key "month_after"`,
		"line 7: Pick a stage from 1",
		"line 8: Say what is to be done",
		`line 9: unknown key "mandatroy"`,
		"line 10: cannot unmarshal",
		`line 11: a template called "monthly pack" is already on line 2`,
		`line 14: template "Empty" has no items`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	for _, c := range []struct{ name, text, want string }{
		{"empty", "", "lists no templates"},
		{"no templates key", "template:\n  - name: X\n", "line 1"},
		{"not yaml", "templates: [", "not a templates file"},
	} {
		if _, err := workflow.ParseTemplates(strings.NewReader(c.text)); !strings.Contains(atlas.ErrorMessage(err), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestImportTemplatesIsIdempotent(t *testing.T) {
	f := newFixture(t)
	f.assign(f.acme, workflow.AssignInput{})
	specs, err := workflow.ParseTemplates(strings.NewReader(goodTemplates))
	if err != nil {
		t.Fatal(err)
	}
	// The standard template too, which Acme's unstarted task follows: its
	// checklist must come through a re-import untouched.
	specs = append(specs, workflow.TemplateSpec{TemplateInput: workflow.StandardTemplate, Items: workflow.StandardItems})
	res, err := f.ws.ImportTemplates(f.ctx, f.p.ID, f.mina.ID, specs, f.now)
	if err != nil || len(res) != 3 || res[2].Created || res[2].ItemsKept != len(workflow.StandardItems) || !res[0].Created || res[0].ItemsAdded != 6 || res[1].ItemsAdded != 1 {
		t.Fatalf("first import: %+v %v", res, err)
	}
	before, err := f.ws.Templates(f.ctx, f.p.ID)
	if err != nil {
		t.Fatal(err)
	}
	tasks := f.snapshot()
	res, err = f.ws.ImportTemplates(f.ctx, f.p.ID, f.mina.ID, specs, f.now)
	if err != nil || res[0].Created || res[0].ItemsAdded != 0 || res[0].ItemsKept != 6 || res[0].Removed != 0 || res[1].ItemsKept != 1 || res[2].ItemsAdded+res[2].Removed != 0 {
		t.Fatalf("second import: %+v %v", res, err)
	}
	after, err := f.ws.Templates(f.ctx, f.p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 3 || len(before) != 3 {
		t.Fatalf("%d templates, then %d", len(before), len(after))
	}
	for i := range after {
		if after[i].ID != before[i].ID || len(after[i].Items) != len(before[i].Items) {
			t.Fatalf("template %q changed", after[i].Name)
		}
		for j := range after[i].Items {
			if after[i].Items[j] != before[i].Items[j] {
				t.Fatalf("item changed: %+v, then %+v", before[i].Items[j], after[i].Items[j])
			}
		}
	}
	if got := f.snapshot(); got != tasks {
		t.Fatalf("a second import changed the tasks")
	}
}

// The sample file of docs/import parses, and its first template is the
// standard pack exactly.
func TestSampleTemplatesFile(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("..", "..", "docs", "import", "templates.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	specs, err := workflow.ParseTemplates(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 || specs[0].TemplateInput != workflow.StandardTemplate || !reflect.DeepEqual(specs[0].Items, workflow.StandardItems) {
		t.Fatalf("the sample's first template is not the standard pack: %+v", specs[0])
	}
	payroll := specs[1]
	optional := 0
	for _, it := range payroll.Items {
		if !it.Mandatory {
			optional++
		}
	}
	if payroll.DueDay != 7 || payroll.StageTargetDays == workflow.StandardTemplate.StageTargetDays || optional == 0 || len(payroll.Items) != 20 {
		t.Fatalf("payroll template: %+v", payroll)
	}
}
