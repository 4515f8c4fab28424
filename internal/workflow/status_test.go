package workflow_test

import (
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/workflow"
)

// novTargets are the standard pack's stage targets for November 2026:
// any six dates serve here; these fall inside and after the month.
var novTargets = [6]time.Time{date("2026-11-05"), date("2026-11-15"), date("2026-11-20"), date("2026-11-28"), date("2026-12-05"), date("2026-12-10")}

func progress(stage, done int, review string, completed bool) workflow.Progress {
	p := workflow.Progress{Stage: stage, ItemsDone: done, ReviewState: review, DueDate: date("2026-12-10"), StageTargets: novTargets}
	if completed {
		at := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
		p.CompletedAt = &at
	}
	return p
}

func TestStatusOn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		p    workflow.Progress
		day  string
		want workflow.Status
	}{
		{"nothing ticked", progress(1, 0, workflow.ReviewNone, false), "2026-11-02", workflow.NotStarted},
		{"nothing ticked, on its due date", progress(1, 0, workflow.ReviewNone, false), "2026-12-10", workflow.NotStarted},
		{"nothing ticked, the day after", progress(1, 0, workflow.ReviewNone, false), "2026-12-11", workflow.Overdue},
		{"an optional item ticked", progress(1, 1, workflow.ReviewNone, false), "2026-11-02", workflow.InProgress},
		// Nobody has done anything yet, though a stage with no mandatory
		// item counts as passed.
		{"stage 1 has only optional items, none ticked", progress(2, 0, workflow.ReviewNone, false), "2026-11-02", workflow.NotStarted},
		{"under way", progress(3, 9, workflow.ReviewNone, false), "2026-11-16", workflow.InProgress},
		{"under way, on its due date", progress(3, 9, workflow.ReviewNone, false), "2026-12-10", workflow.InProgress},
		{"under way, the day after", progress(3, 9, workflow.ReviewNone, false), "2026-12-11", workflow.Overdue},
		{"in review", progress(5, 14, workflow.ReviewRequested, false), "2026-11-20", workflow.InReview},
		{"in review on its due date", progress(5, 14, workflow.ReviewRequested, false), "2026-12-10", workflow.InReview},
		{"in review the day after", progress(5, 14, workflow.ReviewRequested, false), "2026-12-11", workflow.Overdue},
		{"returned with a query", progress(5, 14, workflow.ReviewReturned, false), "2026-11-20", workflow.InProgress},
		{"returned with nothing ticked", progress(5, 0, workflow.ReviewReturned, false), "2026-11-20", workflow.InProgress},
		{"approved", progress(6, 18, workflow.ReviewApproved, false), "2026-11-30", workflow.InProgress},
		{"approved, the day after its due date", progress(6, 18, workflow.ReviewApproved, false), "2026-12-11", workflow.Overdue},
		{"delivered", progress(workflow.Done, 19, workflow.ReviewApproved, true), "2026-12-04", workflow.Complete},
		{"delivered, long after its due date", progress(workflow.Done, 19, workflow.ReviewApproved, true), "2027-03-01", workflow.Complete},
	}
	for _, c := range cases {
		if got := c.p.StatusOn(date(c.day)); got != c.want {
			t.Errorf("%s on %s: %s, want %s", c.name, c.day, got, c.want)
		}
	}
}

func TestTrackOn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		p    workflow.Progress
		day  string
		want workflow.Track
	}{
		{"stage 1 before its target", progress(1, 0, workflow.ReviewNone, false), "2026-11-04", workflow.OnTrack},
		{"stage 1 on its target", progress(1, 0, workflow.ReviewNone, false), "2026-11-05", workflow.OnTrack},
		{"stage 1 the day after its target", progress(1, 0, workflow.ReviewNone, false), "2026-11-06", workflow.AtRisk},
		{"stage 2 on the 6th", progress(2, 3, workflow.ReviewNone, false), "2026-11-06", workflow.OnTrack},
		{"stage 2 on its target", progress(2, 3, workflow.ReviewNone, false), "2026-11-15", workflow.OnTrack},
		{"stage 2 the day after", progress(2, 3, workflow.ReviewNone, false), "2026-11-16", workflow.AtRisk},
		{"stage 4 on its target", progress(4, 9, workflow.ReviewNone, false), "2026-11-28", workflow.OnTrack},
		{"stage 5 in review on its target", progress(5, 14, workflow.ReviewRequested, false), "2026-12-05", workflow.OnTrack},
		{"stage 5 in review the day after", progress(5, 14, workflow.ReviewRequested, false), "2026-12-06", workflow.AtRisk},
		{"stage 6 on its target and due date", progress(6, 18, workflow.ReviewApproved, false), "2026-12-10", workflow.OnTrack},
		{"stage 6 overdue", progress(6, 18, workflow.ReviewApproved, false), "2026-12-11", workflow.AtRisk},
		{"delivered", progress(workflow.Done, 19, workflow.ReviewApproved, true), "2026-12-20", workflow.NoTrack},
	}
	for _, c := range cases {
		if got := c.p.TrackOn(date(c.day)); got != c.want {
			t.Errorf("%s on %s: %q, want %q", c.name, c.day, got, c.want)
		}
	}
	// Overdue is at risk even when the stage's target is later than the
	// due date (a template may set them so).
	p := progress(2, 3, workflow.ReviewNone, false)
	p.StageTargets[1] = date("2027-01-31")
	if got := p.TrackOn(date("2026-12-11")); got != workflow.AtRisk {
		t.Errorf("overdue with a later target: %q", got)
	}
}

func TestCurrentStage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		open      []int
		review    string
		completed bool
		want      int
	}{
		{"fresh task", []int{1, 1, 2, 3, 4, 5, 6}, workflow.ReviewNone, false, 1},
		{"stage 1 done", []int{2, 3, 4, 5, 6}, workflow.ReviewNone, false, 2},
		{"only a later stage open", []int{4, 5, 6}, workflow.ReviewNone, false, 4},
		{"open items out of order", []int{6, 3, 5}, workflow.ReviewNone, false, 3},
		{"stages 1-4 done", []int{5, 6}, workflow.ReviewNone, false, 5},
		{"in review, review items open", []int{5, 6}, workflow.ReviewRequested, false, 5},
		{"review items ticked, not approved", []int{6}, workflow.ReviewRequested, false, 5},
		{"returned with nothing open in 1-4", []int{6}, workflow.ReviewReturned, false, 5},
		{"returned and a stage 2 item reopened", []int{2, 6}, workflow.ReviewReturned, false, 2},
		{"approved", []int{6}, workflow.ReviewApproved, false, 6},
		{"approved, delivery items ticked", nil, workflow.ReviewApproved, false, 6},
		{"delivered", nil, workflow.ReviewApproved, true, workflow.Done},
		{"no mandatory items at all", nil, workflow.ReviewNone, false, 5},
	}
	for _, c := range cases {
		if got := workflow.CurrentStage(c.open, c.review, c.completed); got != c.want {
			t.Errorf("%s: stage %d, want %d", c.name, got, c.want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]workflow.Status{"overdue": workflow.Overdue, "in review": workflow.InReview,
		"in-progress": workflow.InProgress, "not_started": workflow.NotStarted, "complete": workflow.Complete} {
		if got, ok := workflow.ParseStatus(in); !ok || got != want {
			t.Errorf("%q: %q %v", in, got, ok)
		}
	}
	if _, ok := workflow.ParseStatus("done-ish"); ok {
		t.Error("an unknown status parsed")
	}
}
