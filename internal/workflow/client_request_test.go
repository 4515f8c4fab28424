package workflow_test

import (
	"testing"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// A stage-1 item may be asked of the client in the client's words; the
// packs made from the template carry the wording, and an edit reaches the
// packs not started.
func TestItemClientRequest(t *testing.T) {
	f := newFixture(t)
	_, err := f.ws.SaveItem(f.ctx, f.p.ID, f.mina.ID, f.template, 0,
		workflow.ItemInput{Stage: 2, Text: "Payroll journal posted", Mandatory: true, ClientRequest: "Your payroll reports"}, f.now)
	if atlas.ErrorField(err) != workflow.FieldItemRequest {
		t.Fatalf("a stage-2 request: %v", err)
	}
	it, err := f.ws.SaveItem(f.ctx, f.p.ID, f.mina.ID, f.template, 0,
		workflow.ItemInput{Stage: 1, Text: "Bank statements received", Mandatory: true, ClientRequest: "  Your bank statements   for the month "}, f.now)
	if err != nil {
		t.Fatal(err)
	}
	if it.ClientRequest != "Your bank statements for the month" {
		t.Fatalf("saved wording: %q", it.ClientRequest)
	}
	tpl, err := f.ws.Template(f.ctx, f.p.ID, f.template)
	if err != nil {
		t.Fatal(err)
	}
	asked := 0
	for _, x := range tpl.Items {
		if x.ClientRequest != "" {
			asked++
		}
	}
	if asked != 1 {
		t.Fatalf("template items asked of the client: %d", asked)
	}

	f.assign(f.acme, workflow.AssignInput{})
	wording := func(period atlas.Period) []string {
		t.Helper()
		rows, err := f.q.Query(f.ctx, `SELECT ti.client_request FROM task_items ti JOIN tasks t ON t.practice_id = ti.practice_id AND t.id = ti.task_id
			WHERE t.practice_id = $1 AND t.entity_id = $2 AND t.period = $3 AND ti.client_request IS NOT NULL`, f.p.ID, f.acme, period.FirstDay())
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	if got := wording(f.nov); len(got) != 1 || got[0] != "Your bank statements for the month" {
		t.Fatalf("this month's pack: %q", got)
	}
	if _, err := f.ws.SaveItem(f.ctx, f.p.ID, f.mina.ID, f.template, it.ID,
		workflow.ItemInput{Stage: 1, Text: "Bank statements received", Mandatory: true, ClientRequest: "Bank statements for every account"}, f.now); err != nil {
		t.Fatal(err)
	}
	if got := wording(f.nov); len(got) != 1 || got[0] != "Bank statements for every account" {
		t.Fatalf("after the edit: %q", got)
	}
	if _, err := f.ws.Generate(f.ctx, f.p.ID, f.nov.Next(), f.now); err != nil {
		t.Fatal(err)
	}
	if got := wording(f.nov.Next()); len(got) != 1 || got[0] != "Bank statements for every account" {
		t.Fatalf("next month's pack: %q", got)
	}
}
