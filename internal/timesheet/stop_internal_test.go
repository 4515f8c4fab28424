package timesheet

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

type stopFixture struct {
	ctx    context.Context
	s      Store
	p      practice.Practice
	member atlas.MemberID
	entity int64
	// Saturday 21 November 2026, 16:00 in London.
	now time.Time
}

func newStopFixture(t *testing.T, q db.DB, pid atlas.PracticeID) *stopFixture {
	t.Helper()
	ctx := context.Background()
	ps := practice.Store{DB: q}
	if _, err := ps.Ensure(ctx, pid); err != nil {
		t.Fatal(err)
	}
	p, err := ps.SaveBasics(ctx, pid, 0, practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ps.AddMember(ctx, pid, 0, practice.NewMember{SlackUserID: "U1BEA", Name: "Bea", Role: atlas.RoleStaff})
	if err != nil {
		t.Fatal(err)
	}
	e, err := ps.SaveEntity(ctx, pid, 0, 0, practice.EntityInput{Code: "ACME", Name: "Acme Trading Ltd"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 16, 0, 0, 0, time.UTC)
	if _, _, err := (Store{DB: q}).SetRate(ctx, p, 0, practice.RateInput{Amount: "100", From: "2025-01-01"}, now); err != nil {
		t.Fatal(err)
	}
	return &stopFixture{ctx: ctx, s: Store{DB: q}, p: p, member: m.ID, entity: e.ID, now: now}
}

func (f *stopFixture) start(t *testing.T, at time.Time) Timer {
	t.Helper()
	st, err := f.s.Start(f.ctx, f.p, StartInput{Member: f.member, EntityID: f.entity, Note: "books"}, at)
	if err != nil {
		t.Fatal(err)
	}
	return st.Timer
}

func (f *stopFixture) entries(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.s.DB.QueryRow(f.ctx, `SELECT count(*) FROM time_entries WHERE practice_id = $1`, f.p.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The common stop is one statement, and it saves what the careful path
// would: the minutes rounded as timerEntry rounds them, whatever the
// fractions of a second.
func TestStopNowSavesWhatTimerEntrySays(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newStopFixture(t, pool, "TTKI1")
	for _, ran := range []time.Duration{
		30 * time.Second, 30*time.Second + time.Nanosecond, 90*time.Second - time.Nanosecond, 90 * time.Second,
		90*time.Second - time.Microsecond, 47*time.Minute + 29*time.Second + 999999999, 47*time.Minute + 30*time.Second,
		7*time.Hour + 59*time.Minute + 30*time.Second, 15*time.Hour + 59*time.Minute,
	} {
		for _, startFraction := range []time.Duration{0, 123456 * time.Microsecond, 999999 * time.Microsecond} {
			start := f.now.Add(-16 * time.Hour).Add(startFraction)
			timer := f.start(t, start)
			end := timer.StartedAt.Add(ran)
			want, err := timerEntry(f.p, timer, end, "")
			if err != nil {
				t.Fatal(err)
			}
			out, done, err := f.s.stopNow(f.ctx, f.p, f.member, timer.ID, "", end)
			if !done || err != nil || out.Entry == nil {
				t.Fatalf("ran %s: done %v, %+v, %v", ran, done, out, err)
			}
			e := out.Entry
			if e.Minutes != want.Minutes || !e.WorkDate.Equal(want.WorkDate) || e.Description != want.Description || e.Source != SourceTimer ||
				out.Timer.ID != timer.ID || !out.Timer.StartedAt.Equal(timer.StartedAt) || out.Timer.EntityCode != "ACME" || out.Timer.SlackUserID != "U1BEA" {
				t.Fatalf("ran %s: saved %+v of %+v, timerEntry says %+v", ran, e, out.Timer, want)
			}
			value := Value(e.Minutes, e.Rate.Decimal, f.p.RoundingIncrement, f.p.RoundingMode)
			if !e.Value.Decimal.Equal(value) {
				t.Fatalf("ran %s: value %s, Value says %s", ran, e.Value.Decimal, value)
			}
		}
	}
	var key string
	if err := pool.QueryRow(f.ctx, `SELECT idempotency_key FROM time_entries WHERE practice_id = $1 ORDER BY id DESC LIMIT 1`, f.p.ID).Scan(&key); err != nil {
		t.Fatal(err)
	}
	if _, err := strconv.ParseInt(key[len("timer:"):], 10, 64); err != nil || key[:len("timer:")] != "timer:" {
		t.Fatalf("key %q", key)
	}
}

// Whatever the one statement cannot settle it leaves untouched, for the
// careful path.
func TestStopNowLeavesTheRestAlone(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newStopFixture(t, pool, "TTKI2")
	untouched := func(what string, timerID int64, end time.Time) {
		t.Helper()
		before := f.entries(t)
		running, runErr := f.s.Running(f.ctx, f.p.ID, f.member)
		if _, done, err := f.s.stopNow(f.ctx, f.p, f.member, timerID, "", end); done || err != nil {
			t.Fatalf("%s: done %v, %v", what, done, err)
		}
		after, err := f.s.Running(f.ctx, f.p.ID, f.member)
		if f.entries(t) != before || !errors.Is(err, runErr) || after.ID != running.ID {
			t.Fatalf("%s changed something: %+v %v", what, after, err)
		}
	}
	untouched("nothing running", 0, f.now)
	timer := f.start(t, f.now.Add(-time.Hour))
	untouched("another timer", timer.ID+1000, f.now)
	untouched("29 seconds", 0, timer.StartedAt.Add(29*time.Second+999*time.Millisecond))
	untouched("before the start", 0, timer.StartedAt.Add(-time.Hour))
	if _, err := pool.Exec(f.ctx, `UPDATE members SET active = false WHERE practice_id = $1 AND id = $2`, f.p.ID, int64(f.member)); err != nil {
		t.Fatal(err)
	}
	untouched("inactive member", 0, f.now)
	if _, err := pool.Exec(f.ctx, `UPDATE members SET active = true WHERE practice_id = $1 AND id = $2`, f.p.ID, int64(f.member)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.Log(f.ctx, f.p, NewEntry{Member: f.member, EntityID: f.entity, WorkDate: atlas.DateOf(f.now), Minutes: 60,
		Billable: true, Key: "timer:" + strconv.FormatInt(timer.ID, 10)}, f.now); err != nil {
		t.Fatal(err)
	}
	untouched("key already used", 0, f.now)
	if _, err := pool.Exec(f.ctx, `DELETE FROM time_entries WHERE practice_id = $1`, f.p.ID); err != nil {
		t.Fatal(err)
	}
	// 23:00 on Friday to 01:00 on Saturday: dated on the Friday.
	if _, err := pool.Exec(f.ctx, `DELETE FROM timers WHERE practice_id = $1`, f.p.ID); err != nil {
		t.Fatal(err)
	}
	timer = f.start(t, time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC))
	untouched("started the day before", 0, timer.StartedAt.Add(2*time.Hour))
	if out, done, err := f.s.stopNow(f.ctx, f.p, f.member, timer.ID, "", timer.StartedAt.Add(59*time.Minute)); !done || err != nil || out.Entry.Minutes != 59 {
		t.Fatalf("stopped the same day: %+v %v %v", out, done, err)
	}
}

// Inside a caller's transaction, a key already used refuses the one
// statement without spoiling the transaction, and the careful path returns
// the entry made under the key.
func TestStopInATransactionSurvivesAUsedKey(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	f := newStopFixture(t, tx, "TTKI3")
	timer := f.start(t, f.now.Add(-time.Hour))
	logged, _, err := f.s.Log(f.ctx, f.p, NewEntry{Member: f.member, EntityID: f.entity, WorkDate: atlas.DateOf(f.now), Minutes: 60,
		Billable: true, Source: SourceTimer, Key: "timer:" + strconv.FormatInt(timer.ID, 10)}, f.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, done, err := f.s.stopNow(f.ctx, f.p, f.member, 0, "", f.now); done || err != nil {
		t.Fatalf("a used key: done %v, %v", done, err)
	}
	s, err := f.s.Stop(f.ctx, f.p, f.member, "", f.now)
	if err != nil || s.Entry == nil || s.Entry.ID != logged.ID {
		t.Fatalf("stop: %+v %v", s, err)
	}
	if _, err := f.s.Running(f.ctx, f.p.ID, f.member); !errors.Is(err, ErrNoTimer) || f.entries(t) != 1 {
		t.Fatalf("after the stop: %v, %d entries", err, f.entries(t))
	}
}

// The bindings leave unbound only the practice, member and day of the
// statements stopStatement is built from (the bound expressions bring $7 to
// $9 of its own), so a parameter added to them must be bound too.
func TestStopStatementBindsEveryParameter(t *testing.T) {
	t.Parallel()
	params := func(statement string) []string {
		found := paramPattern.FindAllString(statement, -1)
		slices.Sort(found)
		return slices.Compact(found)
	}
	upTo := func(n int) []string {
		var out []string
		for i := 1; i <= n; i++ {
			out = append(out, "$"+strconv.Itoa(i))
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		name      string
		statement string
		want      []string
	}{
		{"practice.RateInForce", practice.RateInForce, upTo(5)},
		{"insertEntryRow", insertEntryRow, upTo(13)},
		{"practice.RateInForce bound", bindParams(practice.RateInForce, timerRate), []string{"$1", "$4", "$5"}},
		{"insertEntryRow bound", bindParams(insertEntryRow, timerEntryRow), []string{"$1", "$4", "$5", "$7", "$8", "$9"}},
		{"stopStatement", stopStatement, upTo(9)},
	} {
		if got := params(c.statement); !slices.Equal(got, c.want) {
			t.Errorf("%s has parameters %v, want %v", c.name, got, c.want)
		}
	}
}

// From dayStart to the end, every instant falls on the end's day, in zones
// whose clocks change at 01:00, at midnight and by half an hour.
func TestDayStartKeepsToOneDay(t *testing.T) {
	t.Parallel()
	for _, zone := range []string{"Europe/London", "America/Sao_Paulo", "America/Santiago", "Australia/Lord_Howe", "UTC"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		days, ok := 0, 0
		for end := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC); end.Year() < 2020; end = end.Add(97 * time.Minute) {
			start, fine := dayStart(end, loc)
			days++
			if !fine {
				continue
			}
			ok++
			want := atlas.DateOf(end.In(loc))
			for at := start; at.Before(end); at = at.Add(13 * time.Minute) {
				if !atlas.DateOf(at.In(loc)).Equal(want) {
					t.Fatalf("%s: end %s, day start %s, but %s is on %s", zone, end.In(loc), start.In(loc), at.In(loc), atlas.DateOf(at.In(loc)))
				}
			}
			if !atlas.DateOf(start.In(loc)).Equal(want) || start.After(end) {
				t.Fatalf("%s: end %s, day start %s", zone, end.In(loc), start.In(loc))
			}
		}
		if ok < days*98/100 {
			t.Fatalf("%s: a day start for %d of %d ends", zone, ok, days)
		}
	}
	// On the day the clocks go forward, before the change and after it.
	london, _ := time.LoadLocation("Europe/London")
	if start, ok := dayStart(time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), london); !ok || !start.Equal(time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("before the change: %s %v", start, ok)
	}
	if _, ok := dayStart(time.Date(2026, 3, 29, 10, 0, 0, 0, time.UTC), london); ok {
		t.Fatal("after the change the careful path should date the time")
	}
}
