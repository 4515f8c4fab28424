package workflow_test

import (
	"context"
	"errors"
	"fmt"
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

// fixture is a practice in London with a preparer (Bea), a reviewer (Rex),
// a manager (Mina) who manages Acme, a partner (Pat) and an outsider on the
// team (Otto), three clients and the standard template, assigned to Acme
// and Beta. It is Monday 2 November 2026.
type fixture struct {
	t                         *testing.T
	ctx                       context.Context
	q                         db.DB
	p                         practice.Practice
	ws                        workflow.Store
	bea, rex, mina, pat, otto practice.Member
	acme, beta, gamma         int64
	template                  int64
	now                       time.Time
	nov                       atlas.Period
}

func date(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOn(t, pgtest.Tx(t))
}

// newFixtureOn builds the fixture on q: a rolled-back transaction, or a
// database of the test's own where goroutines must see committed work.
func newFixtureOn(t *testing.T, q db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	pid := atlas.PracticeID("TWORKFLOW")
	ps := practice.Store{DB: q}
	f := &fixture{t: t, ctx: ctx, q: q, ws: workflow.Store{DB: q},
		now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), nov: atlas.Period{Year: 2026, Month: time.November}}
	if _, err := ps.Ensure(ctx, pid); err != nil {
		t.Fatal(err)
	}
	p, err := ps.SaveBasics(ctx, pid, 0, practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"})
	if err != nil {
		t.Fatal(err)
	}
	f.p = p
	add := func(slack, name string, role atlas.Role) practice.Member {
		m, err := ps.AddMember(ctx, pid, 0, practice.NewMember{SlackUserID: atlas.SlackUserID(slack), Name: name, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	f.bea, f.rex, f.mina = add("U1BEA", "Bea", atlas.RoleStaff), add("U1REX", "Rex", atlas.RoleStaff), add("U1MINA", "Mina", atlas.RoleManager)
	f.pat, f.otto = add("U1PAT", "Pat", atlas.RolePartner), add("U1OTTO", "Otto", atlas.RoleStaff)
	client := func(code, name string, manager atlas.MemberID) int64 {
		in := practice.EntityInput{Code: code, Name: name}
		if manager != 0 {
			in.Manager = &manager
		}
		e, err := ps.SaveEntity(ctx, pid, 0, 0, in)
		if err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	f.acme, f.beta, f.gamma = client("ACME", "Acme Trading Ltd", f.mina.ID), client("BETA", "Beta Ltd", 0), client("GAMMA", "Gamma LLP", 0)
	if f.template, err = f.ws.EnsureStandard(ctx, pid, f.now); err != nil || f.template == 0 {
		t.Fatalf("standard template %d: %v", f.template, err)
	}
	return f
}

func (f *fixture) assign(entity int64, in workflow.AssignInput) workflow.Assignment {
	f.t.Helper()
	in.EntityID = entity
	if in.TemplateID == 0 {
		in.TemplateID = f.template
	}
	if in.Preparer == 0 {
		in.Preparer, in.Reviewer = f.bea.ID, f.rex.ID
	}
	a, err := f.ws.Assign(f.ctx, f.p, f.mina.ID, in, f.now)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *fixture) task(entity int64) workflow.Task {
	f.t.Helper()
	page, err := f.ws.List(f.ctx, f.p.ID, workflow.Filter{Period: f.nov, Today: date("2026-11-02"), EntityID: entity})
	if err != nil || len(page.Tasks) != 1 {
		f.t.Fatalf("task of %d: %d tasks, %v", entity, len(page.Tasks), err)
	}
	t, err := f.ws.Task(f.ctx, f.p.ID, page.Tasks[0].ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return t
}

// tickStages ticks every mandatory item of the given stages as actor.
func (f *fixture) tickStages(t workflow.Task, actor practice.Member, stages ...int) workflow.Task {
	f.t.Helper()
	want := map[int64]bool{}
	for _, it := range t.OpenMandatory(stages...) {
		want[it.ID] = true
	}
	got, err := f.ws.Tick(f.ctx, f.p, actor, t.ID, nil, want, f.now)
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

func TestAssignMakesThisMonthsTaskAndGenerationIsIdempotent(t *testing.T) {
	f := newFixture(t)
	f.assign(f.acme, workflow.AssignInput{})
	acme := f.task(f.acme)
	if acme.ItemsTotal != len(workflow.StandardItems) || acme.Stage != 1 || acme.PreparerID != f.bea.ID {
		t.Fatalf("acme task: %+v", acme)
	}
	if got := acme.DueDate; !got.Equal(date("2026-12-10")) {
		t.Fatalf("due %v, want 2026-12-10", got)
	}
	// Counted from the end of November: the documents exist from then.
	if got := acme.StageTargets[0]; !got.Equal(date("2026-12-03")) {
		t.Fatalf("stage 1 target %v", got)
	}
	f.assign(f.beta, workflow.AssignInput{})
	for range 2 {
		g, err := f.ws.Generate(f.ctx, f.p.ID, f.nov, f.now)
		if err != nil || g.Tasks != 0 || g.Items != 0 {
			t.Fatalf("generate again: %+v %v", g, err)
		}
	}
	g, err := f.ws.Generate(f.ctx, f.p.ID, f.nov.Next(), f.now)
	if err != nil || g.Tasks != 2 || g.Items != 2*len(workflow.StandardItems) {
		t.Fatalf("december: %+v %v", g, err)
	}
}

func TestReviewFlowAndStatus(t *testing.T) {
	f := newFixture(t)
	f.assign(f.acme, workflow.AssignInput{})
	task := f.task(f.acme)
	today := date("2026-11-02")
	if s := task.StatusOn(today); s != workflow.NotStarted {
		t.Fatalf("status %s", s)
	}
	if _, err := f.ws.SendForReview(f.ctx, f.p, f.bea, task.ID, f.now); atlas.ErrorCode(err) != atlas.EConflict {
		t.Fatalf("send with open items: %v", err)
	}
	task = f.tickStages(task, f.bea, 1, 2)
	if task.Stage != 3 || task.StatusOn(today) != workflow.InProgress || task.StageDoneAt[1] == nil || task.StageDoneAt[2] != nil {
		t.Fatalf("after stages 1-2: stage %d, %s, %v", task.Stage, task.StatusOn(today), task.StageDoneAt)
	}
	task = f.tickStages(task, f.bea, 3, 4)
	if task.Stage != 5 {
		t.Fatalf("stage %d, want 5", task.Stage)
	}
	if _, err := f.ws.Tick(f.ctx, f.p, f.otto, task.ID, nil, map[int64]bool{task.Items[0].ID: false}, f.now); atlas.ErrorCode(err) != atlas.EForbidden {
		t.Fatalf("outsider ticks: %v", err)
	}
	if task, err := f.ws.SendForReview(f.ctx, f.p, f.bea, task.ID, f.now); err != nil || task.StatusOn(today) != workflow.InReview {
		t.Fatalf("send: %v", err)
	}
	task = f.task(f.acme)
	if _, err := f.ws.Approve(f.ctx, f.p, f.rex, task.ID, f.now); atlas.ErrorCode(err) != atlas.EConflict {
		t.Fatalf("approve with stage 5 open: %v", err)
	}
	if _, err := f.ws.Approve(f.ctx, f.p, f.bea, task.ID, f.now); atlas.ErrorCode(err) != atlas.EForbidden {
		t.Fatalf("preparer approves: %v", err)
	}
	task = f.tickStages(task, f.rex, 5)
	task, err := f.ws.Approve(f.ctx, f.p, f.rex, task.ID, f.now)
	if err != nil || task.Stage != 6 {
		t.Fatalf("approve: stage %d %v", task.Stage, err)
	}
	if _, err := f.ws.Deliver(f.ctx, f.p, f.bea, task.ID, f.now); atlas.ErrorCode(err) != atlas.EConflict {
		t.Fatalf("deliver with stage 6 open: %v", err)
	}
	task = f.tickStages(task, f.bea, 6)
	// A refusal from the delivery's send undoes it; send sees the pack
	// approved and locked, before it is marked delivered.
	refusal := atlas.Errorf(atlas.EConflict, "nothing to send")
	_, err = f.ws.DeliverWith(f.ctx, f.p, f.bea, task.ID, f.now, func(tx pgx.Tx, t workflow.Task) error {
		if t.ReviewState != workflow.ReviewApproved || t.CompletedAt != nil {
			return fmt.Errorf("send saw %s, completed %v", t.ReviewState, t.CompletedAt)
		}
		return refusal
	})
	if err != refusal || f.task(f.acme).CompletedAt != nil {
		t.Fatalf("a refused send: %v", err)
	}
	task, err = f.ws.Deliver(f.ctx, f.p, f.bea, task.ID, f.now)
	if err != nil || task.Stage != workflow.Done || task.StatusOn(date("2027-01-01")) != workflow.Complete {
		t.Fatalf("deliver: %+v %v", task.Progress, err)
	}
	if _, err := f.ws.Tick(f.ctx, f.p, f.bea, task.ID, nil, map[int64]bool{task.Items[0].ID: false}, f.now); atlas.ErrorCode(err) != atlas.EConflict {
		t.Fatalf("tick a delivered task: %v", err)
	}
}

func TestStaleChecklistRefreshesInsteadOfOverwriting(t *testing.T) {
	f := newFixture(t)
	f.assign(f.acme, workflow.AssignInput{})
	task := f.task(f.acme)
	a, b := task.Items[0].ID, task.Items[1].ID
	// Mina ticks a; Bea, looking at the list from before, unticks... b.
	if _, err := f.ws.Tick(f.ctx, f.p, f.mina, task.ID, map[int64]bool{a: false, b: false}, map[int64]bool{a: true, b: false}, f.now); err != nil {
		t.Fatal(err)
	}
	got, err := f.ws.Tick(f.ctx, f.p, f.bea, task.ID, map[int64]bool{a: false, b: false}, map[int64]bool{a: false, b: true}, f.now)
	if !errors.Is(err, workflow.ErrStale) {
		t.Fatalf("stale tick: %v", err)
	}
	if got.ItemsDone != 1 || !got.Items[0].Done() || got.Items[1].Done() {
		t.Fatalf("stale tick wrote: %+v", got.Items[:2])
	}
}

func TestMonthAtHand(t *testing.T) {
	f := newFixture(t)
	oct := f.nov.Prev()
	at := func(day string) atlas.Period {
		t.Helper()
		p, err := f.ws.MonthAtHand(f.ctx, f.p.ID, date(day))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if got := at("2026-11-02"); got != f.nov {
		t.Fatalf("no October tasks: %v, want November", got)
	}
	f.assign(f.acme, workflow.AssignInput{})
	if _, err := f.ws.Generate(f.ctx, f.p.ID, oct, f.now); err != nil {
		t.Fatal(err)
	}
	// October's pack is due on 10 November: until then it is the work at
	// hand; after it, November's view counts it as an earlier overdue pack.
	for day, want := range map[string]atlas.Period{"2026-11-02": oct, "2026-11-10": oct, "2026-11-11": f.nov} {
		if got := at(day); got != want {
			t.Errorf("on %s: %v, want %v", day, got, want)
		}
	}
	// Otto has no October pack to finish: his own month is November.
	if p, err := f.ws.MonthAtHandFor(f.ctx, f.p.ID, workflow.Filter{Member: f.otto.ID}, date("2026-11-02")); err != nil || p != f.nov {
		t.Errorf("Otto's month at hand: %v %v", p, err)
	}
	if p, err := f.ws.MonthAtHandFor(f.ctx, f.p.ID, workflow.Filter{Member: f.bea.ID}, date("2026-11-02")); err != nil || p != oct {
		t.Errorf("Bea's month at hand: %v %v", p, err)
	}
	for day, want := range map[string]int{"2026-11-10": 0, "2026-11-11": 1} {
		if n, err := f.ws.OverdueBefore(f.ctx, f.p.ID, workflow.Filter{Period: f.nov, Today: date(day)}); err != nil || n != want {
			t.Errorf("overdue before November on %s: %d, want %d (%v)", day, n, want, err)
		}
	}
	// Filtered to someone who has none, or to another entity type: none.
	for _, other := range []workflow.Filter{{Member: f.otto.ID}, {EntityType: "charity"}} {
		other.Period, other.Today = f.nov, date("2026-11-11")
		if n, err := f.ws.OverdueBefore(f.ctx, f.p.ID, other); err != nil || n != 0 {
			t.Errorf("overdue before November for %+v: %d (%v)", other, n, err)
		}
	}
	if _, err := f.q.Exec(f.ctx, `UPDATE tasks SET review_state = 'approved', approved_by = $2, approved_at = now(),
		completed_by = $2, completed_at = now() WHERE practice_id = $1 AND period = $3`, f.p.ID, f.pat.ID, oct.FirstDay()); err != nil {
		t.Fatal(err)
	}
	if got := at("2026-11-02"); got != f.nov {
		t.Fatalf("October delivered: %v, want November", got)
	}
}

// Picking another template replaces the client's: the old assignment ends,
// its untouched task this month goes for the new template's, and a started
// one stays as the client's pack this month, the new template following
// from next month.
func TestAssignAnotherTemplateReplacesTheFirst(t *testing.T) {
	f := newFixture(t)
	first := f.assign(f.acme, workflow.AssignInput{})
	f.assign(f.beta, workflow.AssignInput{})
	f.tickStages(f.task(f.beta), f.bea, 1)
	other, err := f.ws.SaveTemplate(f.ctx, f.p.ID, f.mina.ID, 0, workflow.TemplateInput{Name: "Payroll pack", DueDay: 7, DueMonthOffset: 1,
		StageTargetDays: [6]int{3, 10, 15, 22, 30, 35}}, f.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ws.SaveItem(f.ctx, f.p.ID, f.mina.ID, other.ID, 0, workflow.ItemInput{Stage: 1, Text: "Payroll report received", Mandatory: true}, f.now); err != nil {
		t.Fatal(err)
	}
	second := f.assign(f.acme, workflow.AssignInput{TemplateID: other.ID})
	f.assign(f.beta, workflow.AssignInput{TemplateID: other.ID})
	as, err := f.ws.Assignments(f.ctx, f.p.ID, f.acme)
	if err != nil || len(as) != 1 || as[0].ID != second.ID || as[0].ID == first.ID {
		t.Fatalf("acme's assignments: %+v %v", as, err)
	}
	acme := f.task(f.acme)
	if acme.TemplateID != other.ID || acme.ItemsTotal != 1 {
		t.Fatalf("acme's task: template %d, %d items", acme.TemplateID, acme.ItemsTotal)
	}
	page, err := f.ws.List(f.ctx, f.p.ID, workflow.Filter{Period: f.nov, Today: date("2026-11-02"), EntityID: f.beta})
	if err != nil || len(page.Tasks) != 1 || page.Tasks[0].TemplateID != f.template || page.Tasks[0].ItemsDone == 0 {
		t.Fatalf("beta keeps its started pack, and only it: %+v, %v", page.Tasks, err)
	}
	// Generating November again, as a missed run would, adds nothing.
	if g, err := f.ws.Generate(f.ctx, f.p.ID, f.nov, f.now); err != nil || g.Tasks != 0 {
		t.Fatalf("november again: %+v %v", g, err)
	}
	g, err := f.ws.Generate(f.ctx, f.p.ID, f.nov.Next(), f.now)
	if err != nil || g.Tasks != 2 {
		t.Fatalf("december: %+v %v (one task per client)", g, err)
	}
	var onNew int
	if err := f.q.QueryRow(f.ctx, `SELECT count(*) FROM tasks WHERE practice_id = $1 AND period = $2 AND template_id = $3`,
		f.p.ID, f.nov.Next().FirstDay(), other.ID).Scan(&onNew); err != nil || onNew != 2 {
		t.Fatalf("%d December tasks on the new template, want 2: %v", onNew, err)
	}

	// A pack with time logged against it is never removed by a switch,
	// though nobody has ticked it.
	f.assign(f.gamma, workflow.AssignInput{})
	gamma := f.task(f.gamma)
	if _, err := f.q.Exec(f.ctx, `INSERT INTO time_entries (practice_id, member_id, entity_id, task_id, work_date, minutes, source)
		VALUES ($1, $2, $3, $4, $5, 30, 'task')`, f.p.ID, f.bea.ID, f.gamma, gamma.ID, date("2026-11-02")); err != nil {
		t.Fatal(err)
	}
	f.assign(f.gamma, workflow.AssignInput{TemplateID: other.ID})
	if _, err := f.ws.Task(f.ctx, f.p.ID, gamma.ID); err != nil {
		t.Fatalf("a pack with time logged was removed: %v", err)
	}
}

// A file naming a template in other case updates it rather than adding a
// second one that reads the same.
func TestImportMatchesNamesWhateverTheCase(t *testing.T) {
	f := newFixture(t)
	spec := workflow.TemplateSpec{TemplateInput: workflow.StandardTemplate, Items: workflow.StandardItems}
	spec.Name = "MONTHLY BOOKKEEPING PACK — standard"
	res, err := f.ws.ImportTemplates(f.ctx, f.p.ID, f.mina.ID, []workflow.TemplateSpec{spec}, f.now)
	if err != nil || len(res) != 1 || res[0].Created || res[0].ID != f.template || res[0].ItemsKept != len(workflow.StandardItems) {
		t.Fatalf("import: %+v %v", res, err)
	}
	ts, err := f.ws.Templates(f.ctx, f.p.ID)
	if err != nil || len(ts) != 1 {
		t.Fatalf("%d templates: %v", len(ts), err)
	}
}

// Saving a client's assignment again with the same extras leaves the
// checklist of its unstarted task as it was, item ids and all, so a
// checklist open meanwhile stays current; a changed extra alone is new.
func TestAssignAgainKeepsUnchangedExtras(t *testing.T) {
	f := newFixture(t)
	in := workflow.AssignInput{Extras: []workflow.ItemInput{
		{Stage: 4, Text: "Management commentary", Mandatory: true},
		{Stage: 4, Text: "Board pack", Mandatory: false},
	}}
	f.assign(f.acme, in)
	before := f.task(f.acme)
	in.Extras = append([]workflow.ItemInput(nil), in.Extras...)
	f.assign(f.acme, in)
	after := f.task(f.acme)
	if len(after.Items) != len(before.Items) {
		t.Fatalf("%d items, then %d", len(before.Items), len(after.Items))
	}
	for i := range before.Items {
		if before.Items[i].ID != after.Items[i].ID {
			t.Fatalf("item %q changed id on an unchanged save", before.Items[i].Text)
		}
	}
	in.Extras[1].Text = "Cost-centre reporting"
	f.assign(f.acme, in)
	changed := f.task(f.acme)
	ids := map[int64]string{}
	for _, it := range changed.Items {
		ids[it.ID] = it.Text
	}
	for _, it := range before.Items {
		_, kept := ids[it.ID]
		if want := it.Text != "Board pack"; kept != want {
			t.Errorf("%q kept: %v, want %v", it.Text, kept, want)
		}
	}
	if len(changed.Items) != len(before.Items) {
		t.Fatalf("%d items after changing one extra, want %d", len(changed.Items), len(before.Items))
	}
}

// Two people assigning one client two templates at once leave it on one:
// the client's row makes them take turns, and the second ends the first.
func TestConcurrentAssignsLeaveOneTemplate(t *testing.T) {
	_, pool := pgtest.NewDatabase(t)
	f := newFixtureOn(t, pool)
	var templates []int64
	for _, name := range []string{"Payroll pack", "Charity pack"} {
		tp, err := f.ws.SaveTemplate(f.ctx, f.p.ID, f.mina.ID, 0, workflow.TemplateInput{Name: name, DueDay: 7, DueMonthOffset: 1,
			StageTargetDays: [6]int{3, 10, 15, 22, 30, 35}}, f.now)
		if err != nil {
			t.Fatal(err)
		}
		templates = append(templates, tp.ID)
	}
	for round := range 5 {
		var wg sync.WaitGroup
		errs := make([]error, len(templates))
		for i, tp := range templates {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.ws.Assign(f.ctx, f.p, f.mina.ID, workflow.AssignInput{EntityID: f.acme, TemplateID: tp,
					Preparer: f.bea.ID, Reviewer: f.rex.ID}, f.now)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		var active, tasks int
		if err := pool.QueryRow(f.ctx, `SELECT (SELECT count(*) FROM assignments WHERE practice_id = $1 AND entity_id = $2 AND active),
			(SELECT count(*) FROM tasks WHERE practice_id = $1 AND entity_id = $2 AND period = $3)`,
			f.p.ID, f.acme, f.nov.FirstDay()).Scan(&active, &tasks); err != nil {
			t.Fatal(err)
		}
		if active != 1 || tasks != 1 {
			t.Fatalf("round %d: %d active assignments and %d November packs, want 1 and 1", round, active, tasks)
		}
	}
}
