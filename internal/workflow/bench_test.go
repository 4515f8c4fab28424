package workflow_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// The benchmarks here measure the workflow's heavy paths beside a floor
// measured in the same run on the same pool: a plain count(*) over the rows
// the path works on (the month's task_items for generation, the month's
// tasks for the board and the calendar). Each path times a floor query
// after every iteration, outside its own timer, and reports its time over
// the floor's as x-count (x-count-p50 for the medians), so the ratio holds
// on a shared, noisy machine. Targets: generation under 2 s, the board
// and a calendar page under 50 ms; the figures are reported, never asserted.

const (
	benchPractice = atlas.PracticeID("TBENCHFLOW")
	benchClients  = 5000
	benchMembers  = 20
	benchItems    = 30 // checklist items per task
)

type benchFix struct {
	ctx      context.Context
	pool     *pgxpool.Pool
	p        practice.Practice
	ws       workflow.Store
	members  []int64
	template int64
	now      time.Time
}

// newBenchFix builds a practice the size of a large one on a database of
// its own: 20 people, 5,000 clients each assigned a template of 30 items.
func newBenchFix(b *testing.B) *benchFix {
	b.Helper()
	ctx := context.Background()
	_, pool := pgtest.NewDatabase(b)
	f := &benchFix{ctx: ctx, pool: pool, ws: workflow.Store{DB: pool},
		// Friday 20 November 2026, 16:30 in London.
		now: time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC)}
	ps := practice.Store{DB: pool}
	if _, err := ps.Ensure(ctx, benchPractice); err != nil {
		b.Fatal(err)
	}
	p, err := ps.SaveBasics(ctx, benchPractice, 0, practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"})
	if err != nil {
		b.Fatal(err)
	}
	f.p = p
	for i := range benchMembers {
		role := atlas.RoleStaff
		switch {
		case i == 0:
			role = atlas.RoleAdmin
		case i < 3:
			role = atlas.RolePartner
		case i < 7:
			role = atlas.RoleManager
		}
		m, err := ps.AddMember(ctx, benchPractice, 0, practice.NewMember{
			SlackUserID: atlas.SlackUserID(fmt.Sprintf("U0W%03d", i)), Name: fmt.Sprintf("Person %d", i), Role: role})
		if err != nil {
			b.Fatal(err)
		}
		f.members = append(f.members, int64(m.ID))
	}
	// The standard pack plus eleven more items: thirty in all.
	items := slices.Clone(workflow.StandardItems)
	for i := len(items); i < benchItems; i++ {
		items = append(items, workflow.ItemInput{Stage: 1 + i%4, Text: fmt.Sprintf("Client-specific check %d", i), Mandatory: i%3 != 0})
	}
	res, err := f.ws.ImportTemplates(ctx, benchPractice, 0, []workflow.TemplateSpec{{TemplateInput: workflow.StandardTemplate, Items: items}}, f.now)
	if err != nil {
		b.Fatal(err)
	}
	f.template = res[0].ID

	rows := make([][]any, 0, benchClients)
	for g := 1; g <= benchClients; g++ {
		manager := f.members[3+g%4]
		rows = append(rows, []any{string(benchPractice), fmt.Sprintf("C%05d", g), fmt.Sprintf("Client %d Ltd", g),
			[]string{"limited_company", "sole_trader", "partnership", "llp"}[g%4], manager})
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"entities"}, []string{"practice_id", "code", "name", "entity_type", "manager_id"},
		pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	// Preparers are the staff, reviewers the managers and partners.
	if _, err := pool.Exec(ctx, `INSERT INTO assignments (practice_id, entity_id, template_id, preparer_id, reviewer_id)
		SELECT $1, e.id, $2, ($3::bigint[])[8 + (e.id % 13)], ($3::bigint[])[2 + (e.id % 6)]
		FROM entities e WHERE e.practice_id = $1 ORDER BY e.id`, benchPractice, f.template, f.members); err != nil {
		b.Fatal(err)
	}
	f.analyze(b)
	return f
}

func (f *benchFix) analyze(b *testing.B) {
	if _, err := f.pool.Exec(f.ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// timed runs op, then floor outside the benchmark's timer, and records both.
type timed struct{ paths, floors []time.Duration }

func (t *timed) run(b *testing.B, op, floor func()) {
	start := time.Now()
	op()
	t.paths = append(t.paths, time.Since(start))
	b.StopTimer()
	start = time.Now()
	floor()
	t.floors = append(t.floors, time.Since(start))
	b.StartTimer()
}

func (t *timed) report(b *testing.B, unit string, scale time.Duration) {
	if len(t.paths) == 0 {
		return
	}
	b.ReportMetric(mean(t.paths)/float64(scale), unit)
	b.ReportMetric(mean(t.floors)/float64(scale), "floor-"+unit)
	b.ReportMetric(mean(t.paths)/mean(t.floors), "x-count")
	b.ReportMetric(float64(median(t.paths))/float64(median(t.floors)), "x-count-p50")
}

func mean(ds []time.Duration) float64 {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return float64(sum) / float64(len(ds))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func (f *benchFix) count(b *testing.B, sql string, args ...any) int {
	var n int
	if err := f.pool.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkGenerate makes a month's tasks for 5,000 clients: 5,000 tasks
// and 150,000 checklist items in one transaction. Each iteration makes a
// new month and the tasks are deleted again outside the timer, so every
// iteration does the whole work on tables of the same size. The floor is
// a count(*) over the month's 150,000 task_items.
func BenchmarkGenerate(b *testing.B) {
	f := newBenchFix(b)
	period := atlas.Period{Year: 2027, Month: time.January}
	var t timed
	for b.Loop() {
		t.run(b, func() {
			g, err := f.ws.Generate(f.ctx, benchPractice, period, f.now)
			if err != nil || g.Tasks != benchClients || g.Items != benchClients*benchItems {
				b.Fatalf("generate %s: %+v %v", period, g, err)
			}
		}, func() {
			if n := f.count(b, `SELECT count(*) FROM task_items ti JOIN tasks t ON t.practice_id = ti.practice_id AND t.id = ti.task_id
				WHERE t.practice_id = $1 AND t.period = $2`, benchPractice, period.FirstDay()); n != benchClients*benchItems {
				b.Fatalf("%d items", n)
			}
		})
		b.StopTimer()
		if _, err := f.pool.Exec(f.ctx, `DELETE FROM tasks WHERE practice_id = $1 AND period = $2`, benchPractice, period.FirstDay()); err != nil {
			b.Fatal(err)
		}
		period = period.Next()
		b.StartTimer()
	}
	t.report(b, "s/gen", time.Second)
}

// newBoardFix generates October and November for the 5,000 clients and
// moves them along with SQL in bulk: October nearly all delivered, a few
// still open (so overdue on the 20th of November); November spread over
// the stages, with some in review, some returned, a tenth not started and
// a few already delivered, and stage times spread over the month.
func newBoardFix(b *testing.B) (*benchFix, atlas.Period) {
	f := newBenchFix(b)
	oct, nov := atlas.Period{Year: 2026, Month: time.October}, atlas.Period{Year: 2026, Month: time.November}
	for _, p := range []atlas.Period{oct, nov} {
		if _, err := f.ws.Generate(f.ctx, benchPractice, p, p.FirstDay().Add(8*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	// A task's "reach" is the last stage whose items are all ticked: 6 for
	// delivered, 4 for in review, 0 for not started.
	if _, err := f.pool.Exec(f.ctx, `CREATE TEMP TABLE reach AS
		SELECT id, period, CASE
			WHEN period = $2 THEN CASE WHEN id % 40 = 0 THEN 3 ELSE 6 END
			ELSE CASE WHEN id % 10 = 0 THEN 0
			          WHEN id % 10 IN (1, 2) THEN 4
			          WHEN id % 25 = 3 THEN 6
			          ELSE (id % 7) % 4 END
		END AS reach
		FROM tasks WHERE practice_id = $1`, benchPractice, oct.FirstDay()); err != nil {
		b.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE task_items ti SET done_by = t.preparer_id,
			done_at = t.period + make_interval(days => ti.stage * 4 + (ti.id % 3)::int, hours => 9 + (ti.id % 8)::int)
		FROM tasks t JOIN reach r ON r.id = t.id
		WHERE ti.practice_id = $1 AND t.practice_id = $1 AND ti.task_id = t.id
		  AND (ti.stage <= r.reach OR (ti.stage = r.reach + 1 AND ti.id % 2 = 0 AND r.reach < 4))`, benchPractice); err != nil {
		b.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `UPDATE tasks t SET
			review_state = CASE WHEN r.reach = 6 THEN 'approved' WHEN r.reach = 4 AND t.id % 10 = 2 AND t.period <> $2 THEN 'returned'
			                    WHEN r.reach = 4 THEN 'requested' ELSE 'none' END,
			review_query = CASE WHEN r.reach = 4 AND t.id % 10 = 2 AND t.period <> $2 THEN 'Please explain the suspense balance.' END,
			sent_for_review_at = CASE WHEN r.reach >= 4 THEN t.period + interval '18 days' END,
			approved_by = CASE WHEN r.reach = 6 THEN t.reviewer_id END,
			approved_at = CASE WHEN r.reach = 6 THEN t.period + interval '24 days' END,
			completed_by = CASE WHEN r.reach = 6 THEN t.preparer_id END,
			completed_at = CASE WHEN r.reach = 6 THEN t.period + interval '30 days' END
		FROM reach r WHERE t.practice_id = $1 AND t.id = r.id`, benchPractice, oct.FirstDay()); err != nil {
		b.Fatal(err)
	}
	rows, err := f.pool.Query(f.ctx, `SELECT id FROM tasks WHERE practice_id = $1`, benchPractice)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	if err := workflow.Refresh(f.ctx, f.pool, benchPractice, ids, f.now); err != nil {
		b.Fatal(err)
	}
	// Stage times spread over the month rather than all "now".
	if _, err := f.pool.Exec(f.ctx, `UPDATE tasks SET stage_done_at = ARRAY(
			SELECT CASE WHEN g < stage THEN created_at + make_interval(days => g * 4 + (id % 5)::int, hours => (id % 9)::int) END
			FROM generate_series(1, 6) g ORDER BY g)
		WHERE practice_id = $1`, benchPractice); err != nil {
		b.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `VACUUM ANALYZE tasks, task_items, task_stage_times, task_month_counts`); err != nil {
		b.Fatal(err)
	}
	return f, nov
}

// BenchmarkBoard is the month's board over 5,000 tasks, and the calendar:
// List with its counts per status and one page of 25, by client and with
// a status filter. The floor is a count(*) over the month's tasks.
func BenchmarkBoard(b *testing.B) {
	f, nov := newBoardFix(b)
	today := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	floor := func() {
		if n := f.count(b, `SELECT count(*) FROM tasks WHERE practice_id = $1 AND period = $2`, benchPractice, nov.FirstDay()); n != benchClients {
			b.Fatalf("%d tasks", n)
		}
	}
	b.Run("board", func(b *testing.B) {
		var t timed
		for b.Loop() {
			t.run(b, func() {
				board, err := f.ws.Board(f.ctx, benchPractice, nov, today)
				if err != nil || board.Total != benchClients || board.OverdueTotal == 0 || board.Bottleneck() == 0 {
					b.Fatalf("board: total %d, overdue %d: %v", board.Total, board.OverdueTotal, err)
				}
			}, floor)
		}
		t.report(b, "ms/op", time.Millisecond)
	})
	calendar := func(filter workflow.Filter) func(b *testing.B) {
		return func(b *testing.B) {
			var t timed
			i := 0
			for b.Loop() {
				t.run(b, func() {
					filter.Offset = (i * 25) % 300
					page, err := f.ws.List(f.ctx, benchPractice, filter)
					if err != nil || len(page.Tasks) != 25 || page.Total == 0 {
						b.Fatalf("list: %d tasks of %d: %v", len(page.Tasks), page.Total, err)
					}
				}, floor)
				i++
			}
			t.report(b, "ms/op", time.Millisecond)
		}
	}
	b.Run("calendar", calendar(workflow.Filter{Period: nov, Today: today, Limit: 25}))
	b.Run("calendar-in-progress", calendar(workflow.Filter{Period: nov, Today: today, Status: workflow.InProgress, ByDue: true, Limit: 25}))
	b.Run("calendar-member", calendar(workflow.Filter{Period: nov, Today: today, Member: atlas.MemberID(f.members[9]), Limit: 25}))
}
