package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/workflow"
)

var demoTeamPeople = []Person{
	{SlackUserID: "U0BEA", Name: "Bea Bookkeeper", Role: atlas.RoleStaff},
	{SlackUserID: "U0MINA", Name: "Mina Manager", Role: atlas.RoleManager},
	{SlackUserID: "U0PARK", Name: "Park Partner", Role: atlas.RolePartner},
	{SlackUserID: "U0ADA", Name: "Ada Admin", Role: atlas.RoleAdmin},
}

// workflowSnapshot is the demo's tasks, items and audit trail, as text.
func workflowSnapshot(t *testing.T, q pgx.Tx) string {
	t.Helper()
	rows, err := q.Query(context.Background(), `SELECT format('%s %s %s %s %s %s %s %s %s', t.id, t.entity_id, t.period, t.stage,
			t.items_done, t.review_state, t.stage_done_at, t.created_at, t.completed_at) FROM tasks t
		UNION ALL SELECT format('%s %s %s %s', i.id, i.task_id, i.done_by, i.done_at) FROM task_items i
		UNION ALL SELECT format('audit %s %s', action, count(*)) FROM audit_events
			WHERE action LIKE 'task.%' OR action LIKE 'template.%' OR action LIKE 'assignment.%' GROUP BY action
		UNION ALL SELECT format('assignment %s %s %s %s', id, entity_id, preparer_id, reviewer_id) FROM assignments
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func TestSeedWorkflow(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	ctx := context.Background()
	p := Practice{TeamID: "TDEMOFLOW", Name: "Ledgerline Bookkeeping", People: demoTeamPeople}
	// Wednesday 18 November 2026, mid-afternoon in London.
	now := time.Date(2026, 11, 18, 14, 30, 0, 0, time.UTC)
	if err := seedAt(ctx, tx, p, now); err != nil {
		t.Fatal(err)
	}
	first := workflowSnapshot(t, tx)
	if err := seedAt(ctx, tx, p, now); err != nil {
		t.Fatal(err)
	}
	if again := workflowSnapshot(t, tx); again != first {
		a, b := strings.Split(first, "\n"), strings.Split(again, "\n")
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("seeding again changed the demo's tasks: %q became %q", a[i], b[i])
			}
		}
		t.Fatalf("seeding again changed the demo's tasks: %d lines, then %d", len(a), len(b))
	}

	ws := workflow.Store{DB: tx}
	pid := atlas.PracticeID(p.TeamID)
	today := time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC)
	// The month at hand is October, whose packs are worked in November;
	// September's are all done by now.
	oct, sep := atlas.Period{Year: 2026, Month: time.October}, atlas.Period{Year: 2026, Month: time.September}
	as, err := ws.Assignments(ctx, pid, 0)
	if err != nil || len(as) != len(clients) {
		t.Fatalf("%d assignments: %v", len(as), err)
	}
	preparers, reviewers := map[string]int{}, map[string]int{}
	for _, a := range as {
		preparers[a.PreparerName]++
		reviewers[a.ReviewerName]++
		if a.PreparerID == a.ReviewerID {
			t.Errorf("%s prepares and reviews %s", a.PreparerName, a.EntityCode)
		}
	}
	if preparers["Bea Bookkeeper"] < 6 || preparers["Mina Manager"] == 0 || reviewers["Mina Manager"] < 6 || reviewers["Park Partner"] == 0 {
		t.Errorf("preparers %v, reviewers %v", preparers, reviewers)
	}

	if at, err := ws.MonthAtHand(ctx, pid, today); err != nil || at != oct {
		t.Fatalf("month at hand on 18 November: %v %v", at, err)
	}
	last, err := ws.List(ctx, pid, workflow.Filter{Period: sep, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	if last.Total != len(clients) || last.Counts[workflow.Complete] != len(clients) {
		t.Errorf("september: %d tasks, %v", last.Total, last.Counts)
	}
	page, err := ws.List(ctx, pid, workflow.Filter{Period: oct, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	// The light packs and Acme's done, Pine's late, Stonebridge's behind its
	// stage target, the group packs under way.
	c := page.Counts
	if page.Total != len(clients) || c[workflow.Complete] != 3 || c[workflow.Overdue] != 1 || c[workflow.InProgress] != 8 || page.AtRisk != 1 {
		t.Errorf("october: %d tasks, %v, %d at risk", page.Total, c, page.AtRisk)
	}
	stages := map[int]int{}
	for _, task := range page.Tasks {
		stages[task.Stage]++
	}
	if len(stages) < 4 {
		t.Errorf("october: stages %v", stages)
	}
	// The query the reviewer raised on September's Green Gardens pack.
	var queried int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action = 'task.return'`, pid).Scan(&queried); err != nil || queried != 1 {
		t.Errorf("%d packs returned with a query (%v), want 1", queried, err)
	}

	// Times are the team's working days, never in the future, each stage
	// done after the one before, spread over the month.
	days := map[string]bool{}
	for _, period := range []atlas.Period{sep, oct} {
		page, err := ws.List(ctx, pid, workflow.Filter{Period: period, Today: today})
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range page.Tasks {
			if task.CreatedAt.After(now) || task.CreatedAt.Before(period.FirstDay()) {
				t.Errorf("%s created %v", task.Title(), task.CreatedAt)
			}
			prev := task.CreatedAt
			for g, at := range task.StageDoneAt {
				if at == nil {
					continue
				}
				if at.Before(prev) || at.After(now) {
					t.Errorf("%s: stage %d done %v, after %v", task.Title(), g+1, at, prev)
				}
				prev = *at
				days[at.Format(time.DateOnly)] = true
			}
			if task.CompletedAt != nil && (task.CompletedAt.After(now) || task.Stage != workflow.Done) {
				t.Errorf("%s: completed %v, stage %d", task.Title(), task.CompletedAt, task.Stage)
			}
		}
	}
	if len(days) < 15 {
		t.Errorf("stage times fall on only %d days", len(days))
	}
	b, err := ws.Board(ctx, pid, oct, today)
	if err != nil || b.Bottleneck() == 0 || b.Stages[0].MedianDays == nil || b.OverdueTotal != 1 {
		t.Fatalf("board: %+v %v", b, err)
	}
}

// Seeded on the first morning of a month, before anyone starts work, the
// month's tasks exist and nothing has happened to them yet, last month's
// packs (the month at hand) have not started either, and the month before
// has its group packs under way and one late.
func TestSeedWorkflowEarlyInTheMonth(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	ctx := context.Background()
	p := Practice{TeamID: "TDEMOEARLY", Name: "Ledgerline Bookkeeping", People: demoTeamPeople[:2]}
	now := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	if err := seedAt(ctx, tx, p, now); err != nil {
		t.Fatal(err)
	}
	page, err := workflow.Store{DB: tx}.List(ctx, "TDEMOEARLY", workflow.Filter{Period: atlas.Period{Year: 2026, Month: time.December},
		Today: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || page.Total != len(clients) || page.Counts[workflow.NotStarted] != len(clients) {
		t.Fatalf("december: %d tasks, %v: %v", page.Total, page.Counts, err)
	}
	for _, task := range page.Tasks {
		if !task.CreatedAt.Equal(now) {
			t.Errorf("%s created %v, want %v", task.EntityCode, task.CreatedAt, now)
		}
	}
	today := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ws := workflow.Store{DB: tx}
	if at, err := ws.MonthAtHand(ctx, "TDEMOEARLY", today); err != nil || at != (atlas.Period{Year: 2026, Month: time.November}) {
		t.Fatalf("month at hand on 1 December: %v %v", at, err)
	}
	nov, err := ws.List(ctx, "TDEMOEARLY", workflow.Filter{Period: atlas.Period{Year: 2026, Month: time.November}, Today: today})
	if err != nil || nov.Counts[workflow.NotStarted] != len(clients) {
		t.Fatalf("november on 1 December: %v %v", nov.Counts, err)
	}
	oct, err := ws.List(ctx, "TDEMOEARLY", workflow.Filter{Period: atlas.Period{Year: 2026, Month: time.October}, Today: today})
	if err != nil || oct.Counts[workflow.Overdue] != 1 || oct.Counts[workflow.Complete] != 4 || oct.Counts[workflow.InProgress] != 7 {
		t.Fatalf("october on 1 December: %v %v", oct.Counts, err)
	}
}
