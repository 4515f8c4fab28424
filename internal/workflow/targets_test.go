package workflow_test

import (
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Stage targets count from the end of the month being processed: the
// standard template's November pack is collected by 3 December and
// delivered by the 10th, and a pack nobody has touched is on track until
// its first target passes.
func TestStageTargetsFromPeriodEnd(t *testing.T) {
	t.Parallel()
	nov := atlas.Period{Year: 2026, Month: time.November}
	std := workflow.StandardTemplate
	tpl := workflow.Template{DueDay: std.DueDay, DueMonthOffset: std.DueMonthOffset, StageTargetDays: std.StageTargetDays}
	got := tpl.StageTargets(nov)
	for i, want := range []string{"2026-12-03", "2026-12-05", "2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10"} {
		if !got[i].Equal(date(want)) {
			t.Errorf("stage %d target %s, want %s", i+1, got[i].Format(time.DateOnly), want)
		}
	}
	feb := tpl.StageTargets(atlas.Period{Year: 2027, Month: time.February})
	if !feb[0].Equal(date("2027-03-03")) {
		t.Errorf("February's first target %s, want 3 March", feb[0].Format(time.DateOnly))
	}
	fresh := workflow.Progress{Stage: 1, ReviewState: workflow.ReviewNone, DueDate: tpl.DueDate(nov), StageTargets: got}
	for _, day := range []string{"2026-11-15", "2026-12-01", "2026-12-03"} {
		if tr := fresh.TrackOn(date(day)); tr != workflow.OnTrack {
			t.Errorf("a fresh November pack on %s: %q, want on track", day, tr)
		}
		if st := fresh.StatusOn(date(day)); st != workflow.NotStarted {
			t.Errorf("a fresh November pack on %s: %q, want not started", day, st)
		}
	}
	if tr := fresh.TrackOn(date("2026-12-04")); tr != workflow.AtRisk {
		t.Errorf("a November pack not collected on 4 December: %q, want at risk", tr)
	}
}
