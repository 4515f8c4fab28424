package timesheet_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timeparse"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// A /log line whose client is one run of words is saved in one statement
// (LogNamedClient) when the run names one active client; otherwise nothing
// is saved and the line takes the careful path: MatchRuns, the line
// reader's choice, Log. Both must save the same entry, and the one-trip
// path must save nothing whenever the careful path would ask or refuse.

// standIn reads a line before its client is looked up, as the /log
// handler does: one run of words, answered with a client no one has.
type standIn struct{ words string }

var errRuns = errors.New("several runs")

func (s *standIn) Runs(runs []string) ([][]timeparse.ClientMatch, error) {
	if len(runs) != 1 {
		return nil, errRuns
	}
	s.words = runs[0]
	return [][]timeparse.ClientMatch{{{ID: -1, Exact: true}}}, nil
}

// sameEntry compares two entries saved by different requests: all but the
// id and the time saved.
func sameEntry(a, b timesheet.Entry) bool {
	if a.Rate.Valid != b.Rate.Valid || !a.Rate.Decimal.Equal(b.Rate.Decimal) ||
		a.Value.Valid != b.Value.Valid || !a.Value.Decimal.Equal(b.Value.Decimal) {
		return false
	}
	a.ID, a.CreatedAt, a.Rate, a.Value = b.ID, b.CreatedAt, b.Rate, b.Value
	return reflect.DeepEqual(a, b)
}

func TestLogNamedClientSavesWhatTheCarefulPathSaves(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	f := newFixture(t, tx, "TTKN1")
	ps := f.practiceStore
	if _, err := ps.SaveService(f.ctx, f.pid, 0, "BK", "Bookkeeping", false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []practice.EntityInput{
		{Code: "HB1", Name: "Harbour Holdings Ltd", Aliases: "Harbourside"},
		{Code: "GF1", Name: "Gamma Foods"}, {Code: "GM1", Name: "Gamma Motors"},
		{Code: "OLD", Name: "Oldfield Farms", Aliases: "Oldfield"},
	} {
		e, err := ps.SaveEntity(f.ctx, f.pid, 0, 0, c)
		if err != nil {
			t.Fatal(err)
		}
		if c.Code == "OLD" {
			if _, err := ps.ArchiveEntity(f.ctx, f.pid, 0, e.ID, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	services, err := ps.Services(f.ctx, f.pid)
	if err != nil {
		t.Fatal(err)
	}
	var lineServices []timeparse.Service
	for _, s := range services {
		lineServices = append(lineServices, timeparse.Service{ID: s.ID, Code: s.Code, Name: s.Name})
	}
	entries := func() int {
		return f.count(`SELECT count(*) FROM time_entries WHERE practice_id = $1`, f.pid)
	}
	one := func(t *testing.T, line string) (timeparse.Reading, string) {
		t.Helper()
		var run standIn
		r, err := timeparse.ReadLog(line, f.today, &run, lineServices)
		if err != nil || run.words == "" {
			t.Fatalf("%q read with a stand-in: %v", line, err)
		}
		return r, run.words
	}
	entry := func(r timeparse.Reading, client int64, key string) timesheet.NewEntry {
		n := timesheet.NewEntry{Member: f.bea, EntityID: client, WorkDate: r.Date, Minutes: r.Minutes,
			Description: r.Description, Billable: true, Key: key}
		if r.Service != nil {
			n.ServiceID = &r.Service.ID
		}
		return n
	}

	saves := []struct {
		name, line        string
		increment         int
		rounding          string
		code, rate, value string
	}{
		{"code, client × service rate", "1h30 acme payroll bank reconciliation", 6, "up", "ACME", "150", "225.00"},
		{"name word, default rate", "45 beta bookkeeping yesterday posted invoices", 6, "up", "BETA", "100", "80.00"},
		{"alias, date in the middle", "20m harbourside bk 3 Nov chased receipts", 15, "up", "HB1", "100", "50.00"},
		{"quoted name, no service", `7 "harbour holdings" call`, 6, "nearest", "HB1", "100", "10.00"},
		{"prefix of a code, none rounding", "7 gf payroll", 6, "none", "GF1", "100", "11.67"},
		{"quoted, misspelt service", `1h "beta" payrol monthly run`, 15, "up", "BETA", "100", "100.00"},
		{"upper case, a weekday", "2h ACME payroll friday", 30, "nearest", "ACME", "150", "300.00"},
	}
	for i, c := range saves {
		t.Run(c.name, func(t *testing.T) {
			p := f.p
			p.RoundingIncrement, p.RoundingMode = c.increment, c.rounding
			r, words := one(t, c.line)
			quick, done, err := f.store.LogNamedClient(f.ctx, p, words, entry(r, 0, "one:"+c.name), f.now)
			if err != nil || !done {
				t.Fatalf("one trip: done %v: %v", done, err)
			}
			careful, err := timeparse.ReadLog(c.line, f.today, practice.LineClients{Ctx: f.ctx, Store: f.practiceStore, Practice: f.pid, Archived: map[int64]bool{}}, lineServices)
			if err != nil || careful.ClientID == 0 {
				t.Fatalf("careful reading: %+v %v", careful, err)
			}
			slow, created, err := f.store.Log(f.ctx, p, entry(careful, careful.ClientID, "careful:"+c.name), f.now)
			if err != nil || !created {
				t.Fatalf("careful: %v %v", created, err)
			}
			if !sameEntry(quick, slow) {
				t.Fatalf("one trip saved\n%+v\nthe careful path\n%+v", quick, slow)
			}
			if quick.EntityCode != c.code || quick.Rate.Decimal.String() != c.rate || quick.Value.Decimal.StringFixed(2) != c.value ||
				quick.TaskID != nil || quick.Source != timesheet.SourceManual || quick.BillingState != timesheet.Unbilled {
				t.Fatalf("saved %s at %s, value %s; want %s at %s, value %s: %+v",
					quick.EntityCode, quick.Rate.Decimal, quick.Value.Decimal.StringFixed(2), c.code, c.rate, c.value, quick)
			}
			if n := entries(); n != 2*(i+1) {
				t.Fatalf("%d entries after %d lines saved twice", n, i+1)
			}
		})
	}

	// Where the careful path asks or refuses, the one trip saves nothing.
	before := entries()
	falls := []struct {
		name, line string
		// careful is what the careful path makes of the line.
		careful func(r timeparse.Reading, archived map[int64]bool) bool
	}{
		{"two clients contain the word", "1h gamma payroll", func(r timeparse.Reading, _ map[int64]bool) bool { return len(r.AskClient) == 2 }},
		{"no client", "1h zebra payroll", func(r timeparse.Reading, _ map[int64]bool) bool { return r.ClientID == 0 && len(r.AskClient) == 0 }},
		{"archived by code", "1h old payroll", func(r timeparse.Reading, a map[int64]bool) bool { return a[r.ClientID] }},
		{"archived by alias", "1h oldfield payroll", func(r timeparse.Reading, a map[int64]bool) bool { return a[r.ClientID] }},
		{"a typo only the careful path reads", "1h harbur payroll", func(r timeparse.Reading, _ map[int64]bool) bool { return r.ClientID != 0 }},
	}
	for _, c := range falls {
		t.Run(c.name, func(t *testing.T) {
			r, words := one(t, c.line)
			if _, done, err := f.store.LogNamedClient(f.ctx, f.p, words, entry(r, 0, "fall:"+c.name), f.now); err != nil || done {
				t.Fatalf("one trip: done %v: %v", done, err)
			}
			if n := entries(); n != before {
				t.Fatalf("%d entries, want %d", n, before)
			}
			archived := map[int64]bool{}
			careful, err := timeparse.ReadLog(c.line, f.today, practice.LineClients{Ctx: f.ctx, Store: f.practiceStore, Practice: f.pid, Archived: archived}, lineServices)
			if (err != nil && c.name != "no client") || !c.careful(careful, archived) {
				t.Fatalf("the careful path read %+v (archived %v): %v", careful, archived, err)
			}
		})
	}

	// Nor when Log would check more than the statement does, or the
	// request was saved before: Log answers those.
	r, words := one(t, "1h acme payroll")
	task := int64(1)
	withTask := entry(r, 0, "task")
	withTask.TaskID = &task
	tooLong := entry(r, 0, "long")
	tooLong.Minutes = timesheet.MaxMinutes + 1
	future := entry(r, 0, "future")
	future.WorkDate = f.today.AddDate(0, 0, 1)
	for name, n := range map[string]timesheet.NewEntry{"a task": withTask, "over a day": tooLong, "tomorrow": future} {
		if _, done, err := f.store.LogNamedClient(f.ctx, f.p, words, n, f.now); err != nil || done {
			t.Errorf("%s: done %v: %v", name, done, err)
		}
	}
	first, done, err := f.store.LogNamedClient(f.ctx, f.p, words, entry(r, 0, "twice"), f.now)
	if err != nil || !done {
		t.Fatalf("first: %v %v", done, err)
	}
	if _, done, err := f.store.LogNamedClient(f.ctx, f.p, words, entry(r, 0, "twice"), f.now); err != nil || done {
		t.Fatalf("a used key: done %v: %v", done, err)
	}
	again, created, err := f.store.Log(f.ctx, f.p, entry(r, f.acme, "twice"), f.now)
	if err != nil || created || again.ID != first.ID {
		t.Fatalf("Log with the used key: created %v, id %d want %d: %v", created, again.ID, first.ID, err)
	}
	if n := entries(); n != before+1 {
		t.Fatalf("%d entries, want %d", n, before+1)
	}
}
