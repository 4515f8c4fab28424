package workflow_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// TestBoardKeptFiguresMatchTasks holds the board's figures, read from the
// stage times the triggers keep and the grouped counts, to the same figures
// computed directly from the tasks (BoardFiguresSQL), after rounds of random
// changes of every kind the triggers see: stage times moved, cleared and
// left with gaps, tasks completed and reopened, ticked, sent for review,
// given other due dates, created, moved to another month and deleted. The
// calendar's counts and the workload, added up from the task states the
// triggers keep, are held to the status rules applied to every task.
func TestBoardKeptFiguresMatchTasks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := range 24 {
		e := f.client(fmt.Sprintf("R%02d", i), 0)
		f.assign(e, workflow.AssignInput{})
	}
	if _, err := f.ws.Generate(f.ctx, f.p.ID, f.nov, f.now); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(28, 2026))
	today := date("2026-11-20")
	for round := range 40 {
		// A few hours' granularity makes equal times (shared rows) common.
		hours := func() int { return rng.IntN(6) * 12 }
		switch rng.IntN(7) {
		case 0, 1, 2: // move some tasks' stage times, some with gaps
			f.exec(`UPDATE tasks SET stage = s, stage_done_at = ARRAY(
					SELECT CASE WHEN g < s AND (g + id + $3::int) % 7 <> 0 THEN created_at + make_interval(hours => (g * $2::int + ((id * g + $3::int) % 5) * 12)::int) END
					FROM generate_series(1, 6) g ORDER BY g)
				FROM (SELECT 1 + ($3::int % 6) AS s) x
				WHERE practice_id = $1 AND (id + $3::int) % 3 = 0 AND completed_at IS NULL`, f.p.ID, hours()+1, round)
		case 3: // complete or reopen some
			f.exec(`UPDATE tasks SET review_state = 'approved', approved_at = $2, approved_by = reviewer_id,
					completed_at = CASE WHEN completed_at IS NULL THEN $2::timestamptz END,
					completed_by = CASE WHEN completed_at IS NULL THEN preparer_id END
				WHERE practice_id = $1 AND (id + $3::int) % 4 = 0`, f.p.ID, f.now.Add(time.Duration(hours())*time.Hour), round)
		case 4: // a task moves to another month and back, so two months' rows change
			f.exec(`UPDATE tasks SET period = CASE WHEN period = $2 THEN $3 ELSE $2 END
				WHERE practice_id = $1 AND (id + $4::int) % 5 = 0
				  AND NOT EXISTS (SELECT 1 FROM tasks x WHERE x.practice_id = $1 AND x.entity_id = tasks.entity_id AND x.id <> tasks.id)`, f.p.ID, f.nov.FirstDay(), f.nov.Next().FirstDay(), round)
		case 6: // open tasks ticked, sent for review or returned, and their due dates moved
			f.exec(`UPDATE tasks SET items_done = (id + $2::int) % (items_total + 1),
					review_state = (ARRAY['none', 'requested', 'returned', 'none'])[1 + (id + $2::int) % 4],
					due_date = due_date + ((id + $2::int) % 3 - 1)::int * 20
				WHERE practice_id = $1 AND completed_at IS NULL AND (id + $2::int) % 2 = 0`, f.p.ID, round)
		case 5: // some are deleted and made again
			f.exec(`DELETE FROM tasks WHERE practice_id = $1 AND (id + $2::int) % 9 = 0`, f.p.ID, round)
			if _, err := f.ws.Generate(f.ctx, f.p.ID, f.nov, f.now); err != nil {
				t.Fatal(err)
			}
		}
		for _, period := range []atlas.Period{f.nov, f.nov.Next()} {
			listCountsMatchTasks(t, f, period, today, round)
		}
		for _, period := range []time.Time{f.nov.FirstDay(), f.nov.Next().FirstDay()} {
			var want workflow.Board
			var medians [6]*float64
			dest := []any{&want.Total, &want.Complete}
			for g := range want.Stages {
				s := &want.Stages[g]
				dest = append(dest, &s.Waiting, &s.PastTarget, &s.Passed, &medians[g])
			}
			if err := f.q.QueryRow(f.ctx, workflow.BoardFiguresSQL, f.p.ID, period, today).Scan(dest...); err != nil {
				t.Fatal(err)
			}
			got, err := f.ws.Board(f.ctx, f.p.ID, f.nov, today)
			if period != f.nov.FirstDay() {
				got, err = f.ws.Board(f.ctx, f.p.ID, f.nov.Next(), today)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != want.Total || got.Complete != want.Complete {
				t.Errorf("round %d %s: total %d complete %d, want %d %d", round, period.Format("2006-01"), got.Total, got.Complete, want.Total, want.Complete)
			}
			for g := range 6 {
				gs, ws := got.Stages[g], want.Stages[g]
				if gs.Waiting != ws.Waiting || gs.PastTarget != ws.PastTarget || gs.Passed != ws.Passed || fmt.Sprint(deref(gs.MedianDays)) != fmt.Sprint(deref(medians[g])) ||
					(gs.MedianDays != nil && *gs.MedianDays != *medians[g]) {
					t.Errorf("round %d %s stage %d: %+v (median %v), want %+v (median %v)", round, period.Format("2006-01"), g+1,
						gs, deref(gs.MedianDays), ws, deref(medians[g]))
				}
			}
		}
	}
	// What the triggers keep equals a count made afresh.
	var stray int
	if err := f.q.QueryRow(f.ctx, `SELECT count(*) FROM ((
			SELECT practice_id, period, preparer_id, reviewer_id, stage, done, review_state, none_done, due_date, target, tasks
			  FROM task_month_counts WHERE practice_id = $1
			EXCEPT ALL
			SELECT practice_id, period, preparer_id, reviewer_id, stage, completed_at IS NOT NULL, review_state, items_done = 0, due_date, stage_targets[stage], count(*)::int
			  FROM tasks WHERE practice_id = $1 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
			UNION ALL (
			SELECT practice_id, period, preparer_id, reviewer_id, stage, completed_at IS NOT NULL, review_state, items_done = 0, due_date, stage_targets[stage], count(*)::int
			  FROM tasks WHERE practice_id = $1 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
			EXCEPT ALL
			SELECT practice_id, period, preparer_id, reviewer_id, stage, done, review_state, none_done, due_date, target, tasks
			  FROM task_month_counts WHERE practice_id = $1)) x`, f.p.ID).Scan(&stray); err != nil || stray != 0 {
		t.Errorf("%d kept task states differ from the tasks: %v", stray, err)
	}
	if err := f.q.QueryRow(f.ctx, `SELECT count(*) FROM (
			SELECT practice_id, period, stage, took, tasks FROM task_stage_times WHERE practice_id = $1
			EXCEPT
			SELECT t.practice_id, t.period, s.stage, s.took, count(*)::int FROM tasks t, task_stage_times_of(t.created_at, t.stage_done_at) s
			 WHERE t.practice_id = $1 GROUP BY 1, 2, 3, 4) x`, f.p.ID).Scan(&stray); err != nil || stray != 0 {
		t.Errorf("%d kept rows differ from the tasks: %v", stray, err)
	}
}

// listCountsMatchTasks holds the calendar's counts, the month's and each
// person's, added up from the kept task states, to the status rules applied
// to every task of the month.
func listCountsMatchTasks(t *testing.T, f *fixture, period atlas.Period, today time.Time, round int) {
	t.Helper()
	all, err := f.ws.List(f.ctx, f.p.ID, workflow.Filter{Period: period, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	members := map[atlas.MemberID]bool{}
	for _, tk := range all.Tasks {
		members[tk.PreparerID], members[tk.ReviewerID] = true, true
	}
	members[0] = true
	board, err := f.ws.Board(f.ctx, f.p.ID, period, today)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range board.Workload {
		var prep, rev int
		for _, tk := range all.Tasks {
			if tk.CompletedAt == nil && tk.PreparerID == w.Member {
				prep++
			}
			if tk.CompletedAt == nil && tk.ReviewerID == w.Member {
				rev++
			}
		}
		if w.Preparing != prep || w.Reviewing != rev {
			t.Errorf("round %d %s workload of %d: %d, %d, want %d, %d", round, period, w.Member, w.Preparing, w.Reviewing, prep, rev)
		}
	}
	for m := range members {
		got, err := f.ws.List(f.ctx, f.p.ID, workflow.Filter{Period: period, Today: today, Member: m, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		want := map[workflow.Status]int{}
		wantRisk := 0
		for _, tk := range all.Tasks {
			if m != 0 && tk.PreparerID != m && tk.ReviewerID != m {
				continue
			}
			st := tk.StatusOn(today)
			want[st]++
			if st != workflow.Overdue && tk.TrackOn(today) == workflow.AtRisk {
				wantRisk++
			}
		}
		if fmt.Sprint(got.Counts) != fmt.Sprint(want) || got.AtRisk != wantRisk {
			t.Errorf("round %d %s member %d: counts %v at risk %d, want %v %d", round, period, m, got.Counts, got.AtRisk, want, wantRisk)
		}
	}
}
