package workflow_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

func (f *fixture) client(code string, manager atlas.MemberID) int64 {
	f.t.Helper()
	in := practice.EntityInput{Code: code, Name: code + " Ltd"}
	if manager != 0 {
		in.Manager = &manager
	}
	e, err := practice.Store{DB: f.q}.SaveEntity(f.ctx, f.p.ID, 0, 0, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return e.ID
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.q.Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

func (f *fixture) reload(id int64) workflow.Task {
	f.t.Helper()
	t, err := f.ws.Task(f.ctx, f.p.ID, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return t
}

// snapshot is every task and checklist item of the practice, as text.
func (f *fixture) snapshot() string {
	f.t.Helper()
	rows, err := f.q.Query(f.ctx, `SELECT format('%s %s %s %s %s %s %s %s %s %s', t.id, t.entity_id, t.period, t.preparer_id, t.reviewer_id,
			t.due_date, t.stage_targets, t.stage, t.items_total, t.items_done) FROM tasks t WHERE t.practice_id = $1
		UNION ALL
		SELECT format('%s %s %s %s %s %s %s %s %s', i.id, i.task_id, i.template_item_id, i.assignment_item_id, i.stage, i.position,
			i.text, i.mandatory, i.done_at) FROM task_items i WHERE i.practice_id = $1
		ORDER BY 1`, f.p.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		f.t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func itemIDs(t workflow.Task) []int64 {
	var ids []int64
	for _, it := range t.Items {
		ids = append(ids, it.ID)
	}
	return ids
}

func TestCurrentStageKeptOnTheRow(t *testing.T) {
	f := newFixture(t)
	f.assign(f.acme, workflow.AssignInput{})
	task := f.task(f.acme)
	if task.Stage != 1 || task.StageDoneAt != [6]*time.Time{} {
		t.Fatalf("fresh: stage %d, %v", task.Stage, task.StageDoneAt)
	}
	t1, t2, t3 := f.now.Add(time.Hour), f.now.Add(26*time.Hour), f.now.Add(50*time.Hour)
	tick := func(task workflow.Task, at time.Time, want bool, stages ...int) workflow.Task {
		t.Helper()
		ids := map[int64]bool{}
		for _, it := range task.Items {
			if it.Mandatory && slices.Contains(stages, it.Stage) {
				ids[it.ID] = want
			}
		}
		got, err := f.ws.Tick(f.ctx, f.p, f.bea, task.ID, nil, ids, at)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	task = tick(task, t1, true, 1)
	if task.Stage != 2 || task.StageDoneAt[0] == nil || !task.StageDoneAt[0].Equal(t1) || task.StageDoneAt[1] != nil {
		t.Fatalf("stage 1 ticked: %d %v", task.Stage, task.StageDoneAt)
	}
	task = tick(task, t2, true, 2, 3)
	if task.Stage != 4 || !task.StageDoneAt[0].Equal(t1) || !task.StageDoneAt[1].Equal(t2) || !task.StageDoneAt[2].Equal(t2) {
		t.Fatalf("stages 2-3 ticked: %d %v", task.Stage, task.StageDoneAt)
	}
	// Unticking a stage 2 item drops the task back to stage 2 and forgets
	// when stages 2 and 3 were done; stage 1 keeps its time.
	var stage2 int64
	for _, it := range task.Items {
		if it.Stage == 2 && it.Mandatory {
			stage2 = it.ID
			break
		}
	}
	task, err := f.ws.Tick(f.ctx, f.p, f.bea, task.ID, nil, map[int64]bool{stage2: false}, t3)
	if err != nil || task.Stage != 2 || !task.StageDoneAt[0].Equal(t1) || task.StageDoneAt[1] != nil || task.StageDoneAt[2] != nil {
		t.Fatalf("untick: %d %v %v", task.Stage, task.StageDoneAt, err)
	}
	task = tick(task, t3, true, 2, 3, 4)
	if task.Stage != 5 || !task.StageDoneAt[1].Equal(t3) || !task.StageDoneAt[3].Equal(t3) || task.StageDoneAt[4] != nil {
		t.Fatalf("stages 2-4: %d %v", task.Stage, task.StageDoneAt)
	}
	// Ticking the review items does not pass review; approval does.
	if task, err = f.ws.SendForReview(f.ctx, f.p, f.bea, task.ID, t3); err != nil || task.Stage != 5 {
		t.Fatalf("send: %d %v", task.Stage, err)
	}
	t4 := t3.Add(24 * time.Hour)
	task = f.tickStages(task, f.rex, 5)
	if task.Stage != 5 || task.StageDoneAt[4] != nil {
		t.Fatalf("review items ticked: %d %v", task.Stage, task.StageDoneAt)
	}
	if task, err = f.ws.Approve(f.ctx, f.p, f.rex, task.ID, t4); err != nil || task.Stage != 6 || !task.StageDoneAt[4].Equal(t4) {
		t.Fatalf("approve: %d %v %v", task.Stage, task.StageDoneAt, err)
	}
	task = f.tickStages(task, f.bea, 6)
	if task.Stage != 6 || task.StageDoneAt[5] != nil {
		t.Fatalf("delivery items ticked: %d %v", task.Stage, task.StageDoneAt)
	}
	t5 := t4.Add(3 * time.Hour)
	if task, err = f.ws.Deliver(f.ctx, f.p, f.bea, task.ID, t5); err != nil || task.Stage != workflow.Done || !task.StageDoneAt[5].Equal(t5) {
		t.Fatalf("deliver: %d %v %v", task.Stage, task.StageDoneAt, err)
	}
	// The row agrees with the rule applied to the checklist.
	var open []int
	for _, it := range task.OpenMandatory() {
		open = append(open, it.Stage)
	}
	if got := workflow.CurrentStage(open, task.ReviewState, task.CompletedAt != nil); got != task.Stage {
		t.Fatalf("rule says %d, row %d", got, task.Stage)
	}
}

// TestSQLStatusMatchesRules builds tasks in every state and checks, on
// days either side of each boundary, that List's counts, at-risk count and
// status filter (the SQL expressions) agree with StatusOn and TrackOn.
func TestSQLStatusMatchesRules(t *testing.T) {
	f := newFixture(t)
	var ids []int64
	make := func(code string, move func(task workflow.Task) workflow.Task) {
		e := f.client(code, 0)
		f.assign(e, workflow.AssignInput{})
		task := f.task(e)
		if move != nil {
			task = move(task)
		}
		ids = append(ids, task.ID)
	}
	optional := func(task workflow.Task) int64 {
		for _, it := range task.Items {
			if !it.Mandatory && it.Stage == 1 {
				return it.ID
			}
		}
		t.Fatal("no optional item")
		return 0
	}
	toReview := func(task workflow.Task) workflow.Task {
		task = f.tickStages(task, f.bea, 1, 2, 3, 4)
		task, err := f.ws.SendForReview(f.ctx, f.p, f.bea, task.ID, f.now)
		if err != nil {
			t.Fatal(err)
		}
		return task
	}
	make("S1", nil)
	make("S2", func(task workflow.Task) workflow.Task {
		got, err := f.ws.Tick(f.ctx, f.p, f.bea, task.ID, nil, map[int64]bool{optional(task): true}, f.now)
		if err != nil {
			t.Fatal(err)
		}
		return got
	})
	make("S3", func(task workflow.Task) workflow.Task { return f.tickStages(task, f.bea, 1, 2) })
	make("S4", toReview)
	make("S5", func(task workflow.Task) workflow.Task {
		task = toReview(task)
		task, err := f.ws.Return(f.ctx, f.p, f.rex, task.ID, "Where is the bank statement for October?", f.now)
		if err != nil {
			t.Fatal(err)
		}
		return task
	})
	approve := func(task workflow.Task) workflow.Task {
		task = f.tickStages(toReview(task), f.rex, 5)
		task, err := f.ws.Approve(f.ctx, f.p, f.rex, task.ID, f.now)
		if err != nil {
			t.Fatal(err)
		}
		return task
	}
	make("S6", approve)
	make("S7", func(task workflow.Task) workflow.Task {
		task = f.tickStages(approve(task), f.bea, 6)
		task, err := f.ws.Deliver(f.ctx, f.p, f.bea, task.ID, f.now)
		if err != nil {
			t.Fatal(err)
		}
		return task
	})
	// Two with an earlier due date: one untouched, one under way.
	make("S8", nil)
	make("S9", func(task workflow.Task) workflow.Task { return f.tickStages(task, f.bea, 1) })
	f.exec(`UPDATE tasks SET due_date = '2026-11-20' WHERE practice_id = $1 AND id = ANY($2)`, f.p.ID, ids[7:])

	for _, day := range []string{"2026-11-02", "2026-11-05", "2026-11-06", "2026-11-15", "2026-11-16", "2026-11-20", "2026-11-21",
		"2026-12-05", "2026-12-06", "2026-12-10", "2026-12-11"} {
		today := date(day)
		want := map[workflow.Status][]int64{}
		risk := 0
		for _, id := range ids {
			task := f.reload(id)
			st := task.StatusOn(today)
			want[st] = append(want[st], id)
			// Overdue tasks count as overdue, not also as at risk.
			if task.TrackOn(today) == workflow.AtRisk && st != workflow.Overdue {
				risk++
			}
		}
		all, err := f.ws.List(f.ctx, f.p.ID, workflow.Filter{Period: f.nov, Today: today})
		if err != nil {
			t.Fatal(err)
		}
		if all.AtRisk != risk || all.Total != len(ids) {
			t.Errorf("%s: at risk %d, want %d; total %d", day, all.AtRisk, risk, all.Total)
		}
		for _, st := range workflow.Statuses {
			page, err := f.ws.List(f.ctx, f.p.ID, workflow.Filter{Period: f.nov, Today: today, Status: st, ByDue: true})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, task := range page.Tasks {
				got = append(got, task.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, want[st]) || all.Counts[st] != len(want[st]) || page.Total != len(want[st]) {
				t.Errorf("%s %s: SQL %v (count %d), rules %v", day, st, got, all.Counts[st], want[st])
			}
		}
	}
}

func TestBoardFigures(t *testing.T) {
	f := newFixture(t)
	var ids []int64
	for _, code := range []string{"T1", "T2", "T3", "T4", "T5"} {
		e := f.client(code, 0)
		f.assign(e, workflow.AssignInput{})
		ids = append(ids, f.task(e).ID)
	}
	// Times set by hand: created on the 1st at midnight, each stage done
	// on the day given.
	set := func(id int64, stage int, review string, done ...string) {
		t.Helper()
		var at []*time.Time
		for g := range 6 {
			if g < len(done) {
				d := date(done[g])
				at = append(at, &d)
			} else {
				at = append(at, nil)
			}
		}
		f.exec(`UPDATE tasks SET created_at = '2026-11-01T00:00:00Z', stage = $3::int, review_state = $4::text, stage_done_at = $5,
			approved_at = CASE WHEN $4::text = 'approved' THEN '2026-11-15T00:00:00Z'::timestamptz END,
			approved_by = CASE WHEN $4::text = 'approved' THEN reviewer_id END,
			completed_at = CASE WHEN $3::int = 7 THEN '2026-11-16T00:00:00Z'::timestamptz END,
			completed_by = CASE WHEN $3::int = 7 THEN preparer_id END
			WHERE practice_id = $1 AND id = $2`, f.p.ID, id, stage, review, at)
	}
	set(ids[0], 7, "approved", "2026-11-03", "2026-11-06", "2026-11-08", "2026-11-12", "2026-11-15", "2026-11-16")
	set(ids[1], 3, "none", "2026-11-02", "2026-11-07")
	set(ids[2], 3, "none", "2026-11-05", "2026-11-06")
	set(ids[3], 1, "none")
	set(ids[4], 5, "requested", "2026-11-04", "2026-11-05", "2026-11-10", "2026-11-11")
	// October: the six clients' tasks are still open, so overdue since
	// 11 November.
	f.assign(f.acme, workflow.AssignInput{})
	if _, err := f.ws.Generate(f.ctx, f.p.ID, f.nov.Prev(), f.now); err != nil {
		t.Fatal(err)
	}
	// Judged on 4 December: stage 1's target (3 December, counted from the
	// end of November) has passed, stage 3's (the 7th) has not.
	b, err := f.ws.Board(f.ctx, f.p.ID, f.nov, date("2026-12-04"))
	if err != nil {
		t.Fatal(err)
	}
	// November has the five plus Acme's task, at stage 1.
	if b.Total != 6 || b.Complete != 1 || b.CompletionRate() != 16 {
		t.Fatalf("total %d, complete %d, rate %d", b.Total, b.Complete, b.CompletionRate())
	}
	f64 := func(v float64) *float64 { return &v }
	want := [6]workflow.StageFigures{
		{Waiting: 2, PastTarget: 2, Passed: 4, MedianDays: f64(2.5)}, // 1, 2, 3, 4 days
		{Waiting: 0, PastTarget: 0, Passed: 4, MedianDays: f64(2)},   // 1, 1, 3, 5
		{Waiting: 2, PastTarget: 0, Passed: 2, MedianDays: f64(3.5)}, // 2, 5
		{Waiting: 0, PastTarget: 0, Passed: 2, MedianDays: f64(2.5)}, // 4, 1
		{Waiting: 1, PastTarget: 0, Passed: 1, MedianDays: f64(3)},
		{Waiting: 0, PastTarget: 0, Passed: 1, MedianDays: f64(1)},
	}
	for g := range 6 {
		got, w := b.Stages[g], want[g]
		if got.Waiting != w.Waiting || got.PastTarget != w.PastTarget || got.Passed != w.Passed ||
			got.MedianDays == nil || *got.MedianDays != *w.MedianDays {
			t.Errorf("stage %d: %+v (median %v), want %+v (median %v)", g+1, got, deref(got.MedianDays), w, *w.MedianDays)
		}
	}
	if b.Bottleneck() != 1 {
		t.Errorf("bottleneck %d, want 1 (a tie with stage 3 goes to the earlier)", b.Bottleneck())
	}
	if b.OverdueTotal != 6 || len(b.Overdue) != 6 || b.Overdue[0].EntityID != f.acme || b.Overdue[5].Period != f.nov.Prev() {
		t.Errorf("overdue: %d %+v", b.OverdueTotal, b.Overdue)
	}
	load := map[atlas.MemberID][2]int{}
	for _, w := range b.Workload {
		load[w.Member] = [2]int{w.Preparing, w.Reviewing}
	}
	if load[f.bea.ID] != [2]int{5, 0} || load[f.rex.ID] != [2]int{0, 5} || load[f.pat.ID] != [2]int{} {
		t.Errorf("workload: %+v", b.Workload)
	}
	// A month with nothing in it.
	b, err = f.ws.Board(f.ctx, f.p.ID, f.nov.Next().Next(), date("2026-11-16"))
	if err != nil || b.Total != 0 || b.CompletionRate() != 0 || b.Bottleneck() != 0 || b.Stages[0].MedianDays != nil {
		t.Fatalf("empty month: %+v %v", b, err)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestGeneration(t *testing.T) {
	f := newFixture(t)
	tpl, err := f.ws.Template(f.ctx, f.p.ID, f.template)
	if err != nil {
		t.Fatal(err)
	}
	dropped := tpl.Items[2].ID // an optional stage 1 item
	f.assign(f.acme, workflow.AssignInput{
		Extras:  []workflow.ItemInput{{Stage: 4, Text: "Board pack prepared", Mandatory: true}, {Stage: 2, Text: "Cost centres coded"}},
		Dropped: []int64{dropped},
	})
	f.assign(f.beta, workflow.AssignInput{})
	gammaAssign := f.assign(f.gamma, workflow.AssignInput{})
	delta := f.client("DELTA", 0)
	f.assign(delta, workflow.AssignInput{})
	if _, err := (practice.Store{DB: f.q}).ArchiveEntity(f.ctx, f.p.ID, 0, delta, true); err != nil {
		t.Fatal(err)
	}
	if err := f.ws.Unassign(f.ctx, f.p.ID, f.mina.ID, gammaAssign.ID); err != nil {
		t.Fatal(err)
	}
	dec := f.nov.Next()
	g, err := f.ws.Generate(f.ctx, f.p.ID, dec, f.now)
	n := len(workflow.StandardItems)
	if err != nil || g.Tasks != 2 || g.Items != (n-1+2)+n {
		t.Fatalf("december: %+v %v", g, err)
	}
	before := f.snapshot()
	for range 2 {
		if g, err := f.ws.Generate(f.ctx, f.p.ID, dec, f.now.Add(time.Hour)); err != nil || g != (workflow.Generated{}) {
			t.Fatalf("again: %+v %v", g, err)
		}
	}
	if after := f.snapshot(); after != before {
		t.Fatalf("generating again changed rows:\n%s\n---\n%s", before, after)
	}
	page, err := f.ws.List(f.ctx, f.p.ID, workflow.Filter{Period: dec, Today: date("2026-12-01")})
	if err != nil || len(page.Tasks) != 2 || page.Tasks[0].EntityID != f.acme || page.Tasks[1].EntityID != f.beta {
		t.Fatalf("december tasks: %+v %v", page.Tasks, err)
	}
	acme := f.reload(page.Tasks[0].ID)
	var texts []string
	for _, it := range acme.Items {
		if it.Text == tpl.Items[2].Text {
			t.Errorf("dropped item on the task: %+v", it)
		}
		texts = append(texts, fmt.Sprintf("%d %s %v", it.Stage, it.Text, it.Mandatory))
	}
	if acme.ItemsTotal != n+1 || !slices.Contains(texts, "4 Board pack prepared true") || !slices.Contains(texts, "2 Cost centres coded false") {
		t.Errorf("acme's checklist: %d items %v", acme.ItemsTotal, texts)
	}
	if !acme.DueDate.Equal(date("2027-01-10")) || !acme.StageTargets[5].Equal(date("2027-01-10")) {
		t.Errorf("december dates: %v %v", acme.DueDate, acme.StageTargets)
	}
}

// TestGeneratedProgressMatchesRefresh holds the progress a new task is
// inserted with (counts, stage, stage times) equal to what the tick path's
// refresh computes from its checklist, for a client following the template,
// one that adds items, and one whose drops leave stage 1 with nothing
// mandatory (so the task starts at stage 2 with stage 1 passed).
func TestGeneratedProgressMatchesRefresh(t *testing.T) {
	f := newFixture(t)
	tpl, err := f.ws.Template(f.ctx, f.p.ID, f.template)
	if err != nil {
		t.Fatal(err)
	}
	var stage1 []int64
	for _, it := range tpl.Items {
		if it.Stage == 1 {
			stage1 = append(stage1, it.ID)
		}
	}
	f.assign(f.acme, workflow.AssignInput{Extras: []workflow.ItemInput{{Stage: 1, Text: "Opening balances agreed", Mandatory: true}}})
	f.assign(f.beta, workflow.AssignInput{})
	f.assign(f.gamma, workflow.AssignInput{Dropped: stage1, Extras: []workflow.ItemInput{{Stage: 1, Text: "Optional note"}}})
	dec := f.nov.Next()
	if _, err := f.ws.Generate(f.ctx, f.p.ID, dec, f.now); err != nil {
		t.Fatal(err)
	}
	progress := func() string {
		t.Helper()
		rows, err := f.q.Query(f.ctx, `SELECT format('%s %s %s %s %s', entity_id, items_total, items_done, stage, stage_done_at)
			FROM tasks WHERE practice_id = $1 AND period = $2 ORDER BY entity_id`, f.p.ID, dec.FirstDay())
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(lines, "\n")
	}
	inserted := progress()
	var ids []int64
	if err := f.q.QueryRow(f.ctx, `SELECT array_agg(id) FROM tasks WHERE practice_id = $1 AND period = $2`, f.p.ID, dec.FirstDay()).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 {
		t.Fatalf("%d tasks", len(ids))
	}
	if err := workflow.Refresh(f.ctx, f.q, f.p.ID, ids, f.now); err != nil {
		t.Fatal(err)
	}
	if refreshed := progress(); refreshed != inserted {
		t.Fatalf("inserted progress differs from the refreshed:\n%s\n---\n%s", inserted, refreshed)
	}
	for _, id := range ids {
		task := f.reload(id)
		want := 1
		if task.EntityID == f.gamma {
			want = 2
		}
		if task.Stage != want || (want == 2) != (task.StageDoneAt[0] != nil) {
			t.Errorf("client %d: stage %d, stage times %v", task.EntityID, task.Stage, task.StageDoneAt)
		}
	}
}

// TestConcurrentGenerate runs two generations of the same month at once,
// as two replicas' jobs would: each task is made exactly once.
func TestConcurrentGenerate(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixtureOn(t, pool)
	for i := range 40 {
		f.assign(f.client(fmt.Sprintf("C%02d", i), 0), workflow.AssignInput{})
	}
	dec := f.nov.Next()
	var wg sync.WaitGroup
	results := make([]workflow.Generated, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.ws.Generate(f.ctx, f.p.ID, dec, f.now)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || results[0].Tasks+results[1].Tasks != 40 ||
		results[0].Items+results[1].Items != 40*len(workflow.StandardItems) {
		t.Fatalf("generations: %+v %v", results, errs)
	}
	var tasks, items int
	if err := pool.QueryRow(f.ctx, `SELECT count(DISTINCT t.id), count(i.id) FROM tasks t JOIN task_items i ON i.task_id = t.id
		WHERE t.practice_id = $1 AND t.period = $2`, f.p.ID, dec.FirstDay()).Scan(&tasks, &items); err != nil ||
		tasks != 40 || items != 40*len(workflow.StandardItems) {
		t.Fatalf("%d tasks, %d items: %v", tasks, items, err)
	}
}

// TestTemplateEditsReachOnlyUnstartedTasks: each kind of edit reaches a
// task nobody has touched and next month's, never one with a ticked item,
// in review or delivered.
func TestTemplateEditsReachOnlyUnstartedTasks(t *testing.T) {
	f := newFixture(t)
	f.assign(f.acme, workflow.AssignInput{})
	f.assign(f.beta, workflow.AssignInput{})
	f.assign(f.gamma, workflow.AssignInput{})
	delta := f.client("DELTA", 0)
	f.assign(delta, workflow.AssignInput{})
	fresh := f.task(f.acme)
	ticked := f.tickStages(f.task(f.beta), f.bea, 1)
	review := f.tickStages(f.task(f.gamma), f.bea, 1, 2, 3, 4)
	if _, err := f.ws.SendForReview(f.ctx, f.p, f.bea, review.ID, f.now); err != nil {
		t.Fatal(err)
	}
	done := f.tickStages(f.task(delta), f.bea, 1, 2, 3, 4)
	if _, err := f.ws.SendForReview(f.ctx, f.p, f.bea, done.ID, f.now); err != nil {
		t.Fatal(err)
	}
	done = f.tickStages(f.reload(done.ID), f.rex, 5)
	if _, err := f.ws.Approve(f.ctx, f.p, f.rex, done.ID, f.now); err != nil {
		t.Fatal(err)
	}
	done = f.tickStages(f.reload(done.ID), f.bea, 6)
	if _, err := f.ws.Deliver(f.ctx, f.p, f.bea, done.ID, f.now); err != nil {
		t.Fatal(err)
	}
	kept := map[int64]workflow.Task{}
	for _, id := range []int64{ticked.ID, review.ID, done.ID} {
		kept[id] = f.reload(id)
	}
	unchanged := func(step string) {
		t.Helper()
		for id, was := range kept {
			now := f.reload(id)
			if !reflect.DeepEqual(now.Items, was.Items) || !now.DueDate.Equal(was.DueDate) || now.StageTargets != was.StageTargets {
				t.Fatalf("%s reached a started task %d", step, id)
			}
		}
	}
	n := len(workflow.StandardItems)
	freshIDs := itemIDs(fresh)

	it, err := f.ws.SaveItem(f.ctx, f.p.ID, f.mina.ID, f.template, 0, workflow.ItemInput{Stage: 2, Text: "Fixed asset additions recorded", Mandatory: true}, f.now)
	if err != nil {
		t.Fatal(err)
	}
	got := f.reload(fresh.ID)
	if got.ItemsTotal != n+1 || !slices.Equal(itemIDs(got)[:4], freshIDs[:4]) {
		t.Fatalf("add: %d items, ids %v (were %v)", got.ItemsTotal, itemIDs(got), freshIDs)
	}
	unchanged("adding an item")

	if _, err := f.ws.SaveItem(f.ctx, f.p.ID, f.mina.ID, f.template, it.ID, workflow.ItemInput{Stage: 2, Text: "Fixed asset additions and disposals recorded", Mandatory: false}, f.now); err != nil {
		t.Fatal(err)
	}
	got = f.reload(fresh.ID)
	found := false
	for _, x := range got.Items {
		found = found || (x.Text == "Fixed asset additions and disposals recorded" && !x.Mandatory)
	}
	if !found {
		t.Fatalf("edit did not reach the fresh task: %+v", got.Items)
	}
	unchanged("editing an item")

	if err := f.ws.RemoveItem(f.ctx, f.p.ID, f.mina.ID, f.template, it.ID, f.now); err != nil {
		t.Fatal(err)
	}
	if got = f.reload(fresh.ID); !slices.Equal(itemIDs(got), freshIDs) {
		t.Fatalf("remove: ids %v, were %v", itemIDs(got), freshIDs)
	}
	unchanged("removing an item")

	in := workflow.StandardTemplate
	in.DueDay, in.StageTargetDays = 15, [6]int{3, 10, 15, 20, 30, 45}
	if _, err := f.ws.SaveTemplate(f.ctx, f.p.ID, f.mina.ID, f.template, in, f.now); err != nil {
		t.Fatal(err)
	}
	if got = f.reload(fresh.ID); !got.DueDate.Equal(date("2026-12-15")) || !got.StageTargets[0].Equal(date("2026-12-03")) {
		t.Fatalf("due rule: %v %v", got.DueDate, got.StageTargets)
	}
	unchanged("changing the due rule")

	items := slices.Clone(workflow.StandardItems)
	items = append(items[:1], items[2:]...) // "Sales and purchase invoices received" goes
	items = append(items, workflow.ItemInput{Stage: 3, Text: "Credit card statements reconciled", Mandatory: true})
	if _, err := f.ws.ImportTemplates(f.ctx, f.p.ID, f.mina.ID, []workflow.TemplateSpec{{TemplateInput: in, Items: items}}, f.now); err != nil {
		t.Fatal(err)
	}
	got = f.reload(fresh.ID)
	var texts []string
	for _, x := range got.Items {
		texts = append(texts, x.Text)
	}
	if got.ItemsTotal != n || slices.Contains(texts, "Sales and purchase invoices received") || !slices.Contains(texts, "Credit card statements reconciled") {
		t.Fatalf("import: %v", texts)
	}
	unchanged("importing the template")

	g, err := f.ws.Generate(f.ctx, f.p.ID, f.nov.Next(), f.now)
	if err != nil || g.Tasks != 4 || g.Items != 4*n {
		t.Fatalf("next month: %+v %v", g, err)
	}
	page, err := f.ws.List(f.ctx, f.p.ID, workflow.Filter{Period: f.nov.Next(), Today: date("2026-12-01"), Limit: 1})
	if err != nil || !page.Tasks[0].DueDate.Equal(date("2027-01-15")) {
		t.Fatalf("next month's due date: %+v %v", page.Tasks, err)
	}
}

func TestPermissions(t *testing.T) {
	f := newFixture(t)
	f.assign(f.acme, workflow.AssignInput{})                                        // Mina manages Acme
	f.assign(f.beta, workflow.AssignInput{})                                        // Beta has no manager
	f.assign(f.gamma, workflow.AssignInput{Preparer: f.pat.ID, Reviewer: f.rex.ID}) // a partner prepares Gamma
	acme, beta, gamma := f.task(f.acme), f.task(f.beta), f.task(f.gamma)
	first := func(task workflow.Task) map[int64]bool { return map[int64]bool{task.Items[0].ID: true} }
	cases := []struct {
		who  practice.Member
		task workflow.Task
		code string
	}{
		{f.bea, acme, ""}, {f.rex, beta, ""}, {f.mina, acme, ""}, {f.pat, beta, ""},
		{f.otto, acme, atlas.EForbidden}, {f.mina, beta, atlas.EForbidden},
	}
	for _, c := range cases {
		_, err := f.ws.Tick(f.ctx, f.p, c.who, c.task.ID, nil, first(c.task), f.now)
		if atlas.ErrorCode(err) != c.code {
			t.Errorf("%s ticks %s: %v, want %q", c.who.Name, c.task.EntityCode, err, c.code)
		}
		if _, err := f.ws.Tick(f.ctx, f.p, c.who, c.task.ID, nil, map[int64]bool{c.task.Items[0].ID: false}, f.now); atlas.ErrorCode(err) != c.code {
			t.Errorf("%s unticks %s: %v", c.who.Name, c.task.EntityCode, err)
		}
	}
	gone := f.otto
	gone.Active = false
	if _, err := f.ws.Tick(f.ctx, f.p, gone, acme.ID, nil, first(acme), f.now); atlas.ErrorCode(err) != atlas.EForbidden {
		t.Errorf("inactive member ticks: %v", err)
	}
	acme = f.tickStages(f.reload(acme.ID), f.bea, 1, 2, 3, 4)
	if _, err := f.ws.SendForReview(f.ctx, f.p, f.otto, acme.ID, f.now); atlas.ErrorCode(err) != atlas.EForbidden {
		t.Errorf("outsider sends for review: %v", err)
	}
	if _, err := f.ws.SendForReview(f.ctx, f.p, f.mina, acme.ID, f.now); err != nil {
		t.Fatalf("the client's manager sends for review: %v", err)
	}
	// The reviewer cannot approve with review items open; a partner
	// cannot either; the outsider may not at all.
	for _, who := range []practice.Member{f.rex, f.pat} {
		if _, err := f.ws.Approve(f.ctx, f.p, who, acme.ID, f.now); atlas.ErrorCode(err) != atlas.EConflict {
			t.Errorf("%s approves with open items: %v", who.Name, err)
		}
	}
	if _, err := f.ws.Approve(f.ctx, f.p, f.otto, acme.ID, f.now); atlas.ErrorCode(err) != atlas.EForbidden {
		t.Errorf("outsider approves: %v", err)
	}
	if _, err := f.ws.Tick(f.ctx, f.p, f.bea, acme.ID, nil, map[int64]bool{acme.OpenMandatory(5)[0].ID: true}, f.now); atlas.ErrorCode(err) != atlas.EForbidden {
		t.Errorf("preparer ticks a review item: %v", err)
	}
	// The partner who prepared Gamma may not approve it while the practice
	// keeps preparers off their own packs, and may once it allows it.
	gamma = f.tickStages(gamma, f.pat, 1, 2, 3, 4)
	if _, err := f.ws.SendForReview(f.ctx, f.p, f.pat, gamma.ID, f.now); err != nil {
		t.Fatal(err)
	}
	gamma = f.tickStages(f.reload(gamma.ID), f.rex, 5)
	if _, err := f.ws.Approve(f.ctx, f.p, f.pat, gamma.ID, f.now); atlas.ErrorCode(err) != atlas.EForbidden {
		t.Fatalf("preparer approves own pack: %v", err)
	}
	if _, err := f.ws.Return(f.ctx, f.p, f.pat, gamma.ID, "Check this", f.now); atlas.ErrorCode(err) != atlas.EForbidden {
		t.Fatalf("preparer returns own pack: %v", err)
	}
	f.exec(`UPDATE practices SET preparer_may_review = true WHERE id = $1`, f.p.ID)
	p, err := practice.Store{DB: f.q}.Get(f.ctx, f.p.ID)
	if err != nil || !p.PreparerMayReview {
		t.Fatal(err)
	}
	if gamma, err = f.ws.Approve(f.ctx, p, f.pat, gamma.ID, f.now); err != nil || gamma.ReviewState != workflow.ReviewApproved {
		t.Fatalf("preparer approves own pack when allowed: %v", err)
	}
	// A staff preparer reviewing their own pack, where allowed.
	self := f.client("SELF", 0)
	f.p = p
	f.assign(self, workflow.AssignInput{Preparer: f.bea.ID, Reviewer: f.bea.ID})
	own := f.tickStages(f.task(self), f.bea, 1, 2, 3, 4)
	if _, err := f.ws.SendForReview(f.ctx, p, f.bea, own.ID, f.now); err != nil {
		t.Fatal(err)
	}
	own = f.tickStages(f.reload(own.ID), f.bea, 5)
	if _, err := f.ws.Approve(f.ctx, p, f.bea, own.ID, f.now); err != nil {
		t.Fatalf("self-review when allowed: %v", err)
	}
	// Delivered: nobody ticks it any more.
	gamma = f.tickStages(gamma, f.pat, 6)
	if gamma, err = f.ws.Deliver(f.ctx, p, f.pat, gamma.ID, f.now); err != nil {
		t.Fatal(err)
	}
	for _, who := range []practice.Member{f.pat, f.rex} {
		if _, err := f.ws.Tick(f.ctx, p, who, gamma.ID, nil, map[int64]bool{gamma.Items[0].ID: false}, f.now); atlas.ErrorCode(err) != atlas.EConflict {
			t.Errorf("%s ticks a delivered task: %v", who.Name, err)
		}
	}
	if _, err := f.ws.Deliver(f.ctx, p, f.pat, gamma.ID, f.now); atlas.ErrorCode(err) != atlas.EConflict {
		t.Errorf("deliver twice: %v", err)
	}
}

// TestConcurrentApproveAndDeliver: two clicks at once approve once and
// deliver once, with one audit event each.
func TestConcurrentApproveAndDeliver(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixtureOn(t, pool)
	f.assign(f.acme, workflow.AssignInput{})
	task := f.tickStages(f.task(f.acme), f.bea, 1, 2, 3, 4)
	if _, err := f.ws.SendForReview(f.ctx, f.p, f.bea, task.ID, f.now); err != nil {
		t.Fatal(err)
	}
	task = f.tickStages(f.reload(task.ID), f.rex, 5)
	twice := func(action string, op func() error) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = op() }()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case atlas.ErrorCode(err) != atlas.EConflict:
				t.Fatalf("%s: %v", action, err)
			}
		}
		var events int
		if err := pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action = $2 AND subject_id = $3`,
			f.p.ID, action, task.ID).Scan(&events); err != nil || ok != 1 || events != 1 {
			t.Fatalf("%s: %d succeeded, %d audit events: %v", action, ok, events, errs)
		}
	}
	twice("task.approve", func() error { _, err := f.ws.Approve(f.ctx, f.p, f.rex, task.ID, f.now); return err })
	task = f.tickStages(f.reload(task.ID), f.bea, 6)
	twice("task.deliver", func() error { _, err := f.ws.Deliver(f.ctx, f.p, f.bea, task.ID, f.now); return err })
	if got := f.reload(task.ID); got.Stage != workflow.Done || got.CompletedAt == nil {
		t.Fatalf("after delivery: %+v", got.Progress)
	}
}

func TestClaimOverdue(t *testing.T) {
	f := newFixture(t)
	f.assign(f.acme, workflow.AssignInput{}) // Mina manages Acme
	f.assign(f.beta, workflow.AssignInput{})
	f.assign(f.gamma, workflow.AssignInput{})
	done := f.tickStages(f.task(f.gamma), f.bea, 1, 2, 3, 4)
	f.exec(`UPDATE tasks SET review_state = 'approved', approved_by = $3, approved_at = $4, completed_by = $3, completed_at = $4
		WHERE practice_id = $1 AND id = $2`, f.p.ID, done.ID, int64(f.rex.ID), f.now)
	claim := func(day string) []string {
		t.Helper()
		var out []string
		err := db.InTx(f.ctx, f.q, func(tx pgx.Tx) error {
			alerts, err := workflow.ClaimOverdue(f.ctx, tx, f.p.ID, date(day))
			for _, a := range alerts {
				if !a.Day.Equal(date("2026-12-11")) {
					t.Errorf("alert day %v", a.Day)
				}
				out = append(out, a.Task.EntityCode+" "+a.SlackUser)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	if got := claim("2026-12-10"); len(got) != 0 {
		t.Fatalf("on the due date: %v", got)
	}
	want := []string{"ACME U1BEA", "ACME U1MINA", "BETA U1BEA"}
	if got := claim("2026-12-11"); !slices.Equal(got, want) {
		t.Fatalf("the day after: %v, want %v", got, want)
	}
	if got := claim("2026-12-11"); len(got) != 0 {
		t.Fatalf("claimed twice the same day: %v", got)
	}
	// An alert is sent once per overdue task and person: the next day's
	// run (or a second replica's) claims nothing new.
	if got := claim("2026-12-12"); len(got) != 0 {
		t.Fatalf("claimed again the next day: %v", got)
	}
}
