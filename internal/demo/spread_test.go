package demo

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// On any day of the month, the demo's month at a glance — the month at
// hand and the packs of earlier months still open — shows what a practice
// looks like: most packs on track or in review, a few at risk, one late,
// some done. The days are spread over the month, across months of 28 to 31
// days and both sides of daylight saving.
func TestDemoSpreadOfStatuses(t *testing.T) {
	t.Parallel()
	days := []time.Time{
		time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC), time.Date(2026, 12, 3, 21, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 6, 21, 0, 0, 0, time.UTC), time.Date(2026, 12, 11, 21, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 17, 21, 0, 0, 0, time.UTC), time.Date(2026, 12, 24, 21, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 31, 21, 0, 0, 0, time.UTC), time.Date(2027, 3, 2, 21, 0, 0, 0, time.UTC),
		time.Date(2027, 3, 10, 21, 0, 0, 0, time.UTC), time.Date(2027, 3, 29, 21, 0, 0, 0, time.UTC),
		time.Date(2027, 5, 4, 20, 0, 0, 0, time.UTC), time.Date(2027, 5, 26, 20, 0, 0, 0, time.UTC),
	}
	for _, now := range days {
		t.Run(now.Format("2006-01-02"), func(t *testing.T) {
			t.Parallel()
			tx := pgtest.Tx(t)
			ctx := context.Background()
			p := Practice{TeamID: "TSPREAD", Name: "Ledgerline Bookkeeping", People: demoTeamPeople}
			if err := seedAt(ctx, tx, p, now); err != nil {
				t.Fatal(err)
			}
			ws := workflow.Store{DB: tx}
			pid := atlas.PracticeID(p.TeamID)
			today := atlas.DateOf(now)
			at, err := ws.MonthAtHand(ctx, pid, today)
			if err != nil {
				t.Fatal(err)
			}
			page, err := ws.List(ctx, pid, workflow.Filter{Period: at, Today: today})
			if err != nil {
				t.Fatal(err)
			}
			earlier, _, err := ws.OpenBefore(ctx, pid, workflow.Filter{Period: at, Today: today}, 100)
			if err != nil {
				t.Fatal(err)
			}
			var complete, overdue, atRisk, onTrack int
			for _, task := range append(page.Tasks, earlier...) {
				switch st := task.StatusOn(today); {
				case st == workflow.Complete:
					complete++
				case st == workflow.Overdue:
					overdue++
				case task.TrackOn(today) == workflow.AtRisk:
					atRisk++
				default:
					onTrack++
				}
			}
			n := complete + overdue + atRisk + onTrack
			spread := fmt.Sprintf("%s at hand: %d packs, %d complete, %d overdue, %d at risk, %d on track or in review",
				at, n, complete, overdue, atRisk, onTrack)
			if n < 12 || onTrack*100 < 50*n || atRisk*100 < 5*n || atRisk*100 > 20*n ||
				overdue*100 < 2*n || overdue*100 > 10*n || complete*100 < 10*n {
				t.Errorf("%s: want ≥50%% on track or in review, 5–20%% at risk, 2–10%% overdue, ≥10%% complete", spread)
			}
		})
	}
}
