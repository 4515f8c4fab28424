package timesheet_test

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// A stop is usually one statement on the pool; the cases it cannot settle
// take the transactional path. Either way the saved entry is the same.

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRow(f.ctx, query, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestStopSavesWhatASwitchSaves(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool, "TTKS1")
	start := f.now.Add(-3 * time.Hour)
	in := timesheet.StartInput{Member: f.bea, EntityID: f.acme, ServiceID: &f.payroll, Note: " payroll run "}
	first, err := f.store.Start(f.ctx, f.p, in, start)
	if err != nil {
		t.Fatal(err)
	}
	// Starting over a running timer saves it inside the start's transaction.
	second, err := f.store.Start(f.ctx, f.p, in, start.Add(95*time.Minute+20*time.Second))
	if err != nil || second.Stopped == nil || second.Stopped.Entry == nil {
		t.Fatalf("switch: %+v %v", second, err)
	}
	stopped, err := f.store.Stop(f.ctx, f.p, f.bea, "", start.Add(2*(95*time.Minute+20*time.Second)))
	if err != nil || stopped.Entry == nil || stopped.Timer.ID != second.Timer.ID {
		t.Fatalf("stop: %+v %v", stopped, err)
	}
	a, b := *second.Stopped.Entry, *stopped.Entry
	if b.Minutes != 95 || b.Description != "payroll run" || b.Source != timesheet.SourceTimer || !b.Billable ||
		b.Rate.Decimal.String() != "150" || b.Value.Decimal.StringFixed(2) != "240.00" || !b.WorkDate.Equal(f.today) ||
		b.EntityCode != "ACME" || b.ServiceName != "Payroll" || b.MemberSlackID != "U1BEA" || b.BillingState != timesheet.Unbilled {
		t.Fatalf("stopped entry: %+v", b)
	}
	if a.Minutes != b.Minutes || a.Description != b.Description || !a.Value.Decimal.Equal(b.Value.Decimal) ||
		!a.WorkDate.Equal(b.WorkDate) || a.Source != b.Source || a.EntityID != b.EntityID || *a.ServiceID != *b.ServiceID {
		t.Fatalf("a switch saved %+v, a stop %+v", a, b)
	}
	for _, st := range []timesheet.Started{first, second} {
		if n := f.count(`SELECT count(*) FROM time_entries WHERE practice_id = $1 AND idempotency_key = $2`, f.pid, "timer:"+strconv.FormatInt(st.Timer.ID, 10)); n != 1 {
			t.Fatalf("timer %d has %d entries", st.Timer.ID, n)
		}
	}
	if _, err := f.store.Running(f.ctx, f.pid, f.bea); !errors.Is(err, timesheet.ErrNoTimer) {
		t.Fatalf("a stopped timer still runs: %v", err)
	}
	// A stop sent again finds nothing and saves nothing more.
	if _, err := f.store.Stop(f.ctx, f.p, f.bea, "", f.now); !errors.Is(err, timesheet.ErrNoTimer) {
		t.Fatalf("stop again: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM time_entries WHERE practice_id = $1`, f.pid); n != 2 {
		t.Fatalf("%d entries after two timers", n)
	}
}

func TestStopLeavesRefusalsToTheCarefulPath(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool, "TTKS2")
	running := func(m atlas.MemberID) timesheet.Timer {
		t.Helper()
		r, err := f.store.Running(f.ctx, f.pid, m)
		if err != nil {
			t.Fatalf("the timer should still run: %v", err)
		}
		return r
	}

	// A Stop button of an older timer stops nothing.
	st, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.acme}, f.now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.StopID(f.ctx, f.p, f.bea, st.Timer.ID+1000, f.now); atlas.ErrorCode(err) != atlas.EConflict {
		t.Fatalf("stopping an older timer: %v", err)
	}
	running(f.bea)

	// Someone no longer on the team keeps no time.
	if _, err := pool.Exec(f.ctx, `UPDATE members SET active = false WHERE practice_id = $1 AND id = $2`, f.pid, int64(f.bea)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Stop(f.ctx, f.p, f.bea, "", f.now); atlas.ErrorCode(err) != atlas.EForbidden {
		t.Fatalf("stop by an inactive member: %v", err)
	}
	running(f.bea)
	if _, err := pool.Exec(f.ctx, `UPDATE members SET active = true WHERE practice_id = $1 AND id = $2`, f.pid, int64(f.bea)); err != nil {
		t.Fatal(err)
	}

	// An entry already made under the timer's key is the one returned, and
	// the timer still stops.
	logged, _, err := f.store.Log(f.ctx, f.p, timesheet.NewEntry{Member: f.bea, EntityID: f.acme, WorkDate: f.today, Minutes: 60,
		Billable: true, Source: timesheet.SourceTimer, Key: "timer:" + strconv.FormatInt(st.Timer.ID, 10)}, f.now)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.store.StopID(f.ctx, f.p, f.bea, st.Timer.ID, f.now)
	if err != nil || s.Entry == nil || s.Entry.ID != logged.ID {
		t.Fatalf("stop with its key used: %+v %v", s, err)
	}
	if _, err := f.store.Running(f.ctx, f.pid, f.bea); !errors.Is(err, timesheet.ErrNoTimer) {
		t.Fatalf("the timer should have stopped: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM time_entries WHERE practice_id = $1`, f.pid); n != 1 {
		t.Fatalf("%d entries", n)
	}

	// A timer on a task is saved with the task, once the task is checked.
	var tpl, task int64
	if err := pool.QueryRow(f.ctx, `INSERT INTO templates (practice_id, name) VALUES ($1, 'Monthly bookkeeping') RETURNING id`, f.pid).Scan(&tpl); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(f.ctx, `INSERT INTO tasks (practice_id, entity_id, template_id, period, preparer_id, reviewer_id, due_date, stage_targets)
		VALUES ($1, $2, $3, '2026-11-01', $4, $4, '2026-12-10', '{2026-11-05,2026-11-15,2026-11-20,2026-11-28,2026-12-05,2026-12-10}') RETURNING id`,
		f.pid, f.acme, tpl, int64(f.mina)).Scan(&task); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.max, EntityID: f.acme, TaskID: &task}, f.now.Add(-40*time.Minute)); err != nil {
		t.Fatal(err)
	}
	s, err = f.store.Stop(f.ctx, f.p, f.max, "", f.now)
	if err != nil || s.Entry == nil || s.Entry.TaskID == nil || *s.Entry.TaskID != task || s.Entry.TaskName != "Monthly bookkeeping" || s.Entry.Minutes != 40 {
		t.Fatalf("stop on a task: %+v %v", s.Entry, err)
	}
	// One on a task of another client is refused and keeps running.
	if _, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.max, EntityID: f.beta, TaskID: &task}, f.now.Add(-40*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Stop(f.ctx, f.p, f.max, "", f.now); atlas.ErrorCode(err) != atlas.EInvalid || !strings.Contains(atlas.ErrorMessage(err), "another client") {
		t.Fatalf("stop on another client's task: %v", err)
	}
	running(f.max)

	// Under a minute is removed and saves nothing; over a day is refused.
	if _, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.mina, EntityID: f.acme}, f.now.Add(-29*time.Second)); err != nil {
		t.Fatal(err)
	}
	if s, err := f.store.Stop(f.ctx, f.p, f.mina, "", f.now); err != nil || s.Entry != nil {
		t.Fatalf("29 seconds: %+v %v", s, err)
	}
	if _, err := f.store.Running(f.ctx, f.pid, f.mina); !errors.Is(err, timesheet.ErrNoTimer) {
		t.Fatalf("the short timer should have gone: %v", err)
	}
	if _, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.mina, EntityID: f.acme}, f.now.Add(-24*time.Hour-31*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Stop(f.ctx, f.p, f.mina, "", f.now); atlas.ErrorCode(err) != atlas.EConflict {
		t.Fatalf("a day and a minute: %v", err)
	}
	running(f.mina)
	if s, err := f.store.Stop(f.ctx, f.p, f.mina, "", f.now.Add(-2*time.Second)); err != nil || s.Entry == nil || s.Entry.Minutes != timesheet.MaxMinutes {
		t.Fatalf("a day: %+v %v", s.Entry, err)
	}
}

func TestStopsAndStartsAtOnceSaveEachTimerOnce(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool, "TTKS3")
	for round := range 10 {
		at := f.now.Add(time.Duration(round) * time.Hour)
		first, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.acme}, at.Add(-45*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		wg.Go(func() { _, errs[0] = f.store.Stop(f.ctx, f.p, f.bea, "", at) })
		wg.Go(func() { _, errs[1] = f.store.Stop(f.ctx, f.p, f.bea, "", at) })
		wg.Go(func() { _, errs[2] = f.store.StopID(f.ctx, f.p, f.bea, first.Timer.ID, at) })
		wg.Go(func() {
			_, errs[3] = f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.beta}, at)
		})
		wg.Wait()
		for i, err := range errs {
			if err != nil && !errors.Is(err, timesheet.ErrNoTimer) && atlas.ErrorCode(err) != atlas.EConflict {
				t.Fatalf("round %d, call %d: %v", round, i, err)
			}
		}
		if errs[3] != nil {
			t.Fatalf("round %d: start: %v", round, errs[3])
		}
		// The first timer is saved once, by whichever got it; the second
		// ran for no time, so stopping it saved nothing.
		if n := f.count(`SELECT count(*) FROM time_entries WHERE practice_id = $1 AND idempotency_key = $2`, f.pid, "timer:"+strconv.FormatInt(first.Timer.ID, 10)); n != 1 {
			t.Fatalf("round %d: %d entries for the first timer", round, n)
		}
		if n := f.count(`SELECT count(*) FROM time_entries WHERE practice_id = $1`, f.pid); n != round+1 {
			t.Fatalf("round %d: %d entries in all", round, n)
		}
		if n := f.count(`SELECT count(*) FROM timers WHERE practice_id = $1`, f.pid); n > 1 {
			t.Fatalf("round %d: %d timers for one person", round, n)
		}
		if _, err := pool.Exec(f.ctx, `DELETE FROM timers WHERE practice_id = $1`, f.pid); err != nil {
			t.Fatal(err)
		}
	}
}
