package workflow_test

import (
	"slices"
	"testing"

	"github.com/atlas-practice/atlas/internal/workflow"
)

// TestCalendarFollowsClientCodes: the calendar orders by the client's code
// kept on each task (migration 00031), so a renamed client moves in the
// list, and a task inserted without the key (as tests and fixes by hand in
// SQL do) gets it.
func TestCalendarFollowsClientCodes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, code := range []string{"B02", "A01", "C03"} {
		f.assign(f.client(code, 0), workflow.AssignInput{})
	}
	if _, err := f.ws.Generate(f.ctx, f.p.ID, f.nov, f.now); err != nil {
		t.Fatal(err)
	}
	codes := func(byDue bool) []string {
		t.Helper()
		page, err := f.ws.List(f.ctx, f.p.ID, workflow.Filter{Period: f.nov, Today: f.now, ByDue: byDue, Limit: 25})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tk := range page.Tasks {
			out = append(out, tk.EntityCode)
		}
		return out
	}
	for _, byDue := range []bool{false, true} {
		if got, want := codes(byDue), []string{"A01", "B02", "C03"}; !slices.Equal(got, want) {
			t.Errorf("by due %v: %v, want %v", byDue, got, want)
		}
	}
	f.exec(`UPDATE entities SET code = 'Z01' WHERE practice_id = $1 AND code = 'A01'`, f.p.ID)
	for _, byDue := range []bool{false, true} {
		if got, want := codes(byDue), []string{"B02", "C03", "Z01"}; !slices.Equal(got, want) {
			t.Errorf("by due %v after renaming: %v, want %v", byDue, got, want)
		}
	}
	// A task made in SQL without the key, as other packages' tests do.
	f.exec(`DELETE FROM tasks WHERE practice_id = $1 AND entity_id = (SELECT id FROM entities WHERE practice_id = $1 AND code = 'C03')`, f.p.ID)
	f.exec(`INSERT INTO tasks (practice_id, entity_id, template_id, period, preparer_id, reviewer_id, due_date, stage_targets)
		SELECT t.practice_id, e.id, t.template_id, t.period, t.preparer_id, t.reviewer_id, t.due_date, t.stage_targets
		  FROM tasks t, entities e WHERE t.practice_id = $1 AND e.practice_id = $1 AND e.code = 'C03' LIMIT 1`, f.p.ID)
	if got, want := codes(false), []string{"B02", "C03", "Z01"}; !slices.Equal(got, want) {
		t.Errorf("after inserting in SQL: %v, want %v", got, want)
	}
}
