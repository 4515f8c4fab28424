package timesheet_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// fixture is a practice in London with two people, two clients, a service
// and a rate card: £100/h by default, £150/h for Acme × Payroll.
type fixture struct {
	db              db.DB
	p               practice.Practice
	bea, max, mina  atlas.MemberID
	acme, beta      int64
	payroll         int64
	store           timesheet.Store
	now             time.Time
	today           time.Time
	practiceStore   practice.Store
	managerActor    timesheet.Actor
	beaActor        timesheet.Actor
	maxActor        timesheet.Actor
	ctx             context.Context
	t               *testing.T
	pid             atlas.PracticeID
	rateDefault     decimal.Decimal
	rateAcmePayroll decimal.Decimal
}

func date(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

func newFixture(t *testing.T, q db.DB, pid atlas.PracticeID) *fixture {
	t.Helper()
	ctx := context.Background()
	ps := practice.Store{DB: q}
	f := &fixture{db: q, practiceStore: ps, store: timesheet.Store{DB: q}, ctx: ctx, t: t, pid: pid,
		// Saturday 21 November 2026, 10:00 in London.
		now: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), today: date("2026-11-21"),
		rateDefault: decimal.RequireFromString("100"), rateAcmePayroll: decimal.RequireFromString("150")}
	if _, err := ps.Ensure(ctx, pid); err != nil {
		t.Fatal(err)
	}
	p, err := ps.SaveBasics(ctx, pid, 0, practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"})
	if err != nil {
		t.Fatal(err)
	}
	f.p = p
	add := func(slack, name string, role atlas.Role) atlas.MemberID {
		m, err := ps.AddMember(ctx, pid, 0, practice.NewMember{SlackUserID: atlas.SlackUserID(slack), Name: name, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	f.bea, f.max, f.mina = add("U1BEA", "Bea", atlas.RoleStaff), add("U1MAX", "Max", atlas.RoleStaff), add("U1MINA", "Mina", atlas.RoleManager)
	f.beaActor = timesheet.Actor{ID: f.bea, Role: atlas.RoleStaff}
	f.maxActor = timesheet.Actor{ID: f.max, Role: atlas.RoleStaff}
	f.managerActor = timesheet.Actor{ID: f.mina, Role: atlas.RoleManager}
	e, err := ps.SaveEntity(ctx, pid, 0, 0, practice.EntityInput{Code: "ACME", Name: "Acme Trading Ltd"})
	if err != nil {
		t.Fatal(err)
	}
	f.acme = e.ID
	b, err := ps.SaveEntity(ctx, pid, 0, 0, practice.EntityInput{Code: "BETA", Name: "Beta Ltd"})
	if err != nil {
		t.Fatal(err)
	}
	f.beta = b.ID
	sv, err := ps.SaveService(ctx, pid, 0, "PAYROLL", "Payroll", false)
	if err != nil {
		t.Fatal(err)
	}
	f.payroll = sv.ID
	if _, _, err := f.store.SetRate(ctx, p, 0, practice.RateInput{Amount: "100", From: "2025-01-01"}, f.today); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.store.SetRate(ctx, p, 0, practice.RateInput{Key: practice.RateKey{EntityID: &f.acme, ServiceID: &f.payroll}, Amount: "150", From: "2025-01-01"}, f.today); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) log(n timesheet.NewEntry) timesheet.Entry {
	f.t.Helper()
	e, _, err := f.store.Log(f.ctx, f.p, n, f.now)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func TestLogValuesByTheRateCardAndRounding(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TTK1")
	cases := []struct {
		name     string
		service  *int64
		minutes  int
		rounding string
		rate     string
		value    string
	}{
		{"default rate, 45 minutes round up to 48", nil, 45, "up", "100", "80.00"},
		{"rounds 7 minutes up to 12", nil, 7, "up", "100", "20.00"},
		{"client × service rate wins", &f.payroll, 90, "up", "150", "225.00"},
		{"odd minutes to the penny", &f.payroll, 1, "up", "150", "15.00"},
		{"nearest rounds 8 down to 6", nil, 8, "nearest", "100", "10.00"},
		{"none values exact minutes", nil, 7, "none", "100", "11.67"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.p.RoundingMode = c.rounding
			e := f.log(timesheet.NewEntry{Member: f.bea, EntityID: f.acme, ServiceID: c.service, WorkDate: f.today, Minutes: c.minutes, Billable: true})
			if e.Rate.Decimal.String() != c.rate || e.Value.Decimal.StringFixed(2) != c.value {
				t.Fatalf("rate %s value %s, want %s and %s", e.Rate.Decimal, e.Value.Decimal, c.rate, c.value)
			}
			// The SQL valuation is the same rule as timesheet.Value.
			want := timesheet.Value(c.minutes, e.Rate.Decimal, f.p.RoundingIncrement, c.rounding)
			if !want.Equal(e.Value.Decimal) {
				t.Fatalf("value %s, timesheet.Value says %s", e.Value.Decimal, want)
			}
			if e.Minutes != c.minutes || e.BillingState != timesheet.Unbilled || e.EntityCode != "ACME" {
				t.Fatalf("entry: %+v", e)
			}
		})
	}
}

func TestLogNonBillableAndWithoutARate(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	f := newFixture(t, tx, "TTK2")
	e := f.log(timesheet.NewEntry{Member: f.bea, EntityID: f.beta, WorkDate: f.today, Minutes: 30, Billable: false, Description: "  internal call  "})
	if e.BillingState != timesheet.NonBillable || e.Description != "internal call" {
		t.Fatalf("non-billable entry: %+v", e)
	}
	if _, err := tx.Exec(f.ctx, `DELETE FROM rates WHERE practice_id = $1`, f.pid); err != nil {
		t.Fatal(err)
	}
	e = f.log(timesheet.NewEntry{Member: f.bea, EntityID: f.beta, WorkDate: f.today, Minutes: 30, Billable: true})
	if e.Rate.Valid || e.Value.Valid {
		t.Fatalf("no rate on the card should leave rate and value empty: %+v", e)
	}
}

func TestLogRejectsBadEntriesAndChangesNothing(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	f := newFixture(t, tx, "TTK3")
	long := make([]byte, timesheet.MaxDescription+1)
	for i := range long {
		long[i] = 'x'
	}
	cases := []struct {
		name string
		n    timesheet.NewEntry
		want string
	}{
		{"zero minutes", timesheet.NewEntry{Minutes: 0, WorkDate: f.today}, "at least one minute"},
		{"over a day", timesheet.NewEntry{Minutes: 1441, WorkDate: f.today}, "more than 24 hours"},
		{"tomorrow", timesheet.NewEntry{Minutes: 30, WorkDate: f.today.AddDate(0, 0, 1)}, "in the future"},
		{"years ago", timesheet.NewEntry{Minutes: 30, WorkDate: date("2024-01-01")}, "typo in the year"},
		{"long description", timesheet.NewEntry{Minutes: 30, WorkDate: f.today, Description: string(long)}, "keep it under"},
	}
	for _, c := range cases {
		c.n.Member, c.n.EntityID = f.bea, f.acme
		_, _, err := f.store.Log(f.ctx, f.p, c.n, f.now)
		if atlas.ErrorCode(err) != atlas.EInvalid || !strings.Contains(atlas.ErrorMessage(err), c.want) {
			t.Errorf("%s: got %v, want EInvalid saying %q", c.name, err, c.want)
		}
	}
	var n int
	if err := tx.QueryRow(f.ctx, `SELECT count(*) FROM time_entries WHERE practice_id = $1`, f.pid).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d entries after rejected input (%v)", n, err)
	}
}

func TestLogWithTheSameKeyMakesOneEntry(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	f := newFixture(t, tx, "TTK4")
	n := timesheet.NewEntry{Member: f.bea, EntityID: f.acme, WorkDate: f.today, Minutes: 60, Billable: true, Key: "cmd:trigger-1"}
	a, created, err := f.store.Log(f.ctx, f.p, n, f.now)
	if err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	b, created, err := f.store.Log(f.ctx, f.p, n, f.now)
	if err != nil || created || b.ID != a.ID {
		t.Fatalf("retry: created=%v id %d vs %d, %v", created, b.ID, a.ID, err)
	}
	var count int
	_ = tx.QueryRow(f.ctx, `SELECT count(*) FROM time_entries WHERE practice_id = $1`, f.pid).Scan(&count)
	if count != 1 {
		t.Fatalf("%d entries for one request sent twice", count)
	}
}

func TestEditAndDeleteRules(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	f := newFixture(t, tx, "TTK5")
	e := f.log(timesheet.NewEntry{Member: f.bea, EntityID: f.acme, WorkDate: f.today, Minutes: 60, Billable: true})
	edit := timesheet.Edit{EntityID: f.acme, ServiceID: &f.payroll, WorkDate: f.today.AddDate(0, 0, -1), Minutes: 30, Description: "payroll run", Billable: true}

	if _, err := f.store.Update(f.ctx, f.p, f.maxActor, e.ID, edit, f.now); atlas.ErrorCode(err) != atlas.EForbidden {
		t.Fatalf("a colleague editing: %v", err)
	}
	if _, err := f.store.Delete(f.ctx, f.pid, f.maxActor, e.ID); atlas.ErrorCode(err) != atlas.EForbidden {
		t.Fatalf("a colleague deleting: %v", err)
	}
	got, err := f.store.Update(f.ctx, f.p, f.beaActor, e.ID, edit, f.now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Minutes != 30 || !got.WorkDate.Equal(edit.WorkDate) || got.ServiceName != "Payroll" || got.Rate.Decimal.String() != "150" || got.Value.Decimal.StringFixed(2) != "75.00" {
		t.Fatalf("edited and revalued: %+v", got)
	}
	if _, err := f.store.Update(f.ctx, f.p, f.managerActor, e.ID, edit, f.now); err != nil {
		t.Fatalf("a manager may edit anyone's: %v", err)
	}

	// An entry on an invoice is locked.
	if _, err := tx.Exec(f.ctx, `WITH i AS (INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency)
			VALUES ($1, $2, 'adhoc', 'approved', 'INV-1', 'GBP') RETURNING id),
		l AS (INSERT INTO invoice_lines (practice_id, invoice_id, position, description, amount) SELECT $1, id, 0, 'Time', 1 FROM i RETURNING invoice_id, id)
		UPDATE time_entries SET billing_state = 'billed', invoice_id = l.invoice_id, invoice_line_id = l.id FROM l WHERE time_entries.id = $3`,
		f.pid, f.acme, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Update(f.ctx, f.p, f.beaActor, e.ID, edit, f.now); atlas.ErrorCode(err) != atlas.EConflict || !strings.Contains(atlas.ErrorMessage(err), "on an invoice") {
		t.Fatalf("editing a billed entry: %v", err)
	}
	if _, err := f.store.Delete(f.ctx, f.pid, f.managerActor, e.ID); atlas.ErrorCode(err) != atlas.EConflict {
		t.Fatalf("deleting a billed entry: %v", err)
	}
	if got, _ := f.store.Entry(f.ctx, f.pid, e.ID); got.Minutes != 30 || got.BillingState != timesheet.Billed {
		t.Fatalf("billed entry changed: %+v", got)
	}

	other := f.log(timesheet.NewEntry{Member: f.bea, EntityID: f.beta, WorkDate: f.today, Minutes: 15, Billable: true})
	if _, err := f.store.Delete(f.ctx, f.pid, f.beaActor, other.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Entry(f.ctx, f.pid, other.ID); atlas.ErrorCode(err) != atlas.ENotFound {
		t.Fatalf("deleted entry still there: %v", err)
	}
}

func TestTimerStartStopAndSwitch(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	f := newFixture(t, tx, "TTK6")
	start := f.now.Add(-2 * time.Hour)
	st, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.acme, ServiceID: &f.payroll, Note: "payroll run"}, start)
	if err != nil || st.Stopped != nil || st.Timer.EntityCode != "ACME" || st.Timer.ServiceName != "Payroll" {
		t.Fatalf("start: %+v %v", st, err)
	}
	// Starting another stops and saves the first.
	st2, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.beta}, start.Add(90*time.Minute+20*time.Second))
	if err != nil || st2.Stopped == nil || st2.Stopped.Entry == nil {
		t.Fatalf("switch: %+v %v", st2, err)
	}
	if e := st2.Stopped.Entry; e.Minutes != 90 || e.Description != "payroll run" || e.Source != timesheet.SourceTimer || e.Value.Decimal.StringFixed(2) != "225.00" {
		t.Fatalf("saved entry: %+v", e)
	}
	stopped, err := f.store.Stop(f.ctx, f.p, f.bea, "beta accounts", f.now)
	if err != nil || stopped.Entry == nil || stopped.Entry.Minutes != 30 || stopped.Entry.Description != "beta accounts" || stopped.Entry.EntityCode != "BETA" {
		t.Fatalf("stop: %+v %v", stopped, err)
	}
	if _, err := f.store.Stop(f.ctx, f.p, f.bea, "", f.now); !errors.Is(err, timesheet.ErrNoTimer) {
		t.Fatalf("stop with nothing running: %v", err)
	}
	// Under a minute saves nothing, and says so through a nil entry.
	if _, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.acme}, f.now); err != nil {
		t.Fatal(err)
	}
	if s, err := f.store.Stop(f.ctx, f.p, f.bea, "", f.now.Add(20*time.Second)); err != nil || s.Entry != nil {
		t.Fatalf("20-second timer: %+v %v", s, err)
	}
}

func TestTimerAcrossMidnightIsDatedOnItsStartDay(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	f := newFixture(t, tx, "TTK7")
	// 23:30 on Friday 20 March 2026 in London (GMT), stopped at 01:15.
	start := time.Date(2026, 3, 20, 23, 30, 0, 0, time.UTC)
	if _, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.acme}, start); err != nil {
		t.Fatal(err)
	}
	s, err := f.store.Stop(f.ctx, f.p, f.bea, "", start.Add(105*time.Minute))
	if err != nil || !s.Entry.WorkDate.Equal(date("2026-03-20")) || s.Entry.Minutes != 105 {
		t.Fatalf("across midnight: %+v %v", s.Entry, err)
	}
	// 00:30 BST on 1 June is still 31 May in UTC: the practice's day counts.
	start = time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC)
	if _, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.acme}, start); err != nil {
		t.Fatal(err)
	}
	if s, err := f.store.Stop(f.ctx, f.p, f.bea, "", start.Add(time.Hour)); err != nil || !s.Entry.WorkDate.Equal(date("2026-06-01")) {
		t.Fatalf("practice timezone: %+v %v", s.Entry, err)
	}
}

func TestTimerOverADayIsNeverStoppedSilently(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	f := newFixture(t, tx, "TTK8")
	start := f.now.Add(-30 * time.Hour)
	st, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.acme, Note: "year end"}, start)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Stop(f.ctx, f.p, f.bea, "", f.now); atlas.ErrorCode(err) != atlas.EConflict || !strings.Contains(atlas.ErrorMessage(err), "/timer adjust") {
		t.Fatalf("stopping a 30-hour timer: %v", err)
	}
	if _, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.beta}, f.now); atlas.ErrorCode(err) != atlas.EConflict {
		t.Fatalf("starting over a 30-hour timer: %v", err)
	}
	if r, err := f.store.Running(f.ctx, f.pid, f.bea); err != nil || r.ID != st.Timer.ID {
		t.Fatalf("the long timer should still run: %+v %v", r, err)
	}
	for _, bad := range []time.Time{f.now.Add(time.Hour), start.Add(-time.Minute), start.Add(25 * time.Hour)} {
		if _, err := f.store.StopAt(f.ctx, f.p, f.bea, st.Timer.ID, bad, f.now); atlas.ErrorCode(err) != atlas.EInvalid {
			t.Errorf("adjust to %s: %v", bad, err)
		}
	}
	s, err := f.store.StopAt(f.ctx, f.p, f.bea, st.Timer.ID, start.Add(8*time.Hour), f.now)
	if err != nil || s.Entry.Minutes != 480 || s.Entry.Description != "year end" {
		t.Fatalf("adjusted stop: %+v %v", s, err)
	}
	if _, err := f.store.StopAt(f.ctx, f.p, f.bea, st.Timer.ID, start.Add(8*time.Hour), f.now); !errors.Is(err, timesheet.ErrNoTimer) {
		t.Fatalf("adjusting again: %v", err)
	}
}

func TestDiscardNeedsTheConfirmedTimer(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	f := newFixture(t, tx, "TTK9")
	st, _ := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.acme}, f.now.Add(-time.Hour))
	if _, err := f.store.Discard(f.ctx, f.pid, f.bea, st.Timer.ID+1000); atlas.ErrorCode(err) != atlas.EConflict {
		t.Fatalf("discarding another timer: %v", err)
	}
	if _, err := f.store.Discard(f.ctx, f.pid, f.bea, st.Timer.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	_ = tx.QueryRow(f.ctx, `SELECT count(*) FROM time_entries WHERE practice_id = $1`, f.pid).Scan(&n)
	if _, err := f.store.Running(f.ctx, f.pid, f.bea); !errors.Is(err, timesheet.ErrNoTimer) || n != 0 {
		t.Fatalf("after discard: %v, %d entries", err, n)
	}
}

func TestClaimForgottenOnce(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	f := newFixture(t, tx, "TTK10")
	old, _ := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.acme}, f.now.Add(-11*time.Hour))
	if _, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.max, EntityID: f.acme}, f.now.Add(-9*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := timesheet.ClaimForgotten(f.ctx, tx, f.pid, 10*time.Hour, f.now)
	if err != nil || len(got) != 1 || got[0].ID != old.Timer.ID || got[0].SlackUserID != "U1BEA" {
		t.Fatalf("claim: %+v %v", got, err)
	}
	if again, err := timesheet.ClaimForgotten(f.ctx, tx, f.pid, 10*time.Hour, f.now.Add(30*time.Minute)); err != nil || len(again) != 0 {
		t.Fatalf("a timer is reminded about once: %+v %v", again, err)
	}
}

// The concurrency tests need committed rows seen by separate connections.

func TestTwoStartsAtOnceLeaveOneTimer(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool, "TTKC1")
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.acme, Note: "at once"}, f.now)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var timers, entries int
	_ = pool.QueryRow(f.ctx, `SELECT (SELECT count(*) FROM timers WHERE practice_id = $1), (SELECT count(*) FROM time_entries WHERE practice_id = $1)`, f.pid).Scan(&timers, &entries)
	// The starts took turns: each stopped the zero-length timer before it,
	// which saves nothing.
	if timers != 1 || entries != 0 {
		t.Fatalf("%d timers and %d entries after %d simultaneous starts", timers, entries, n)
	}
}

func TestRetriedStartKeepsItsTimer(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool, "TTKC2")
	in := timesheet.StartInput{Member: f.bea, EntityID: f.acme, Key: "cmd:trigger-9"}
	first, err := f.store.Start(f.ctx, f.p, in, f.now)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.store.Start(f.ctx, f.p, in, f.now.Add(5*time.Minute))
	if err != nil || !again.Repeat || again.Stopped != nil || again.Timer.ID != first.Timer.ID || !again.Timer.StartedAt.Equal(f.now) {
		t.Fatalf("retried start: %+v %v", again, err)
	}
}

func TestTwoStopsAtOnceSaveOneEntry(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool, "TTKC3")
	if _, err := f.store.Start(f.ctx, f.p, timesheet.StartInput{Member: f.bea, EntityID: f.acme}, f.now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { _, errs[i] = f.store.Stop(f.ctx, f.p, f.bea, "", f.now) })
	}
	wg.Wait()
	ok, none := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, timesheet.ErrNoTimer):
			none++
		default:
			t.Fatal(err)
		}
	}
	var entries int
	_ = pool.QueryRow(f.ctx, `SELECT count(*) FROM time_entries WHERE practice_id = $1`, f.pid).Scan(&entries)
	if ok != 1 || none != n-1 || entries != 1 {
		t.Fatalf("%d stops succeeded, %d found nothing, %d entries", ok, none, entries)
	}
}
