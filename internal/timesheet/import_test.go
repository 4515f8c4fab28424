package timesheet_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

func TestImportEntries(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TTKIMP")
	rows := []timesheet.ImportRow{
		{Key: "import:a:1", Member: f.bea, EntityID: f.acme, ServiceID: &f.payroll, WorkDate: date("2026-10-01"), Minutes: 90, Description: "Payroll", State: timesheet.BilledElsewhere},
		{Key: "import:b:1", Member: f.max, EntityID: f.acme, WorkDate: date("2026-10-02"), Minutes: 45, State: timesheet.Unbilled},
		{Key: "import:c:1", Member: f.mina, EntityID: f.beta, ServiceID: &f.payroll, WorkDate: date("2026-10-03"), Minutes: 7, State: timesheet.NonBillable},
		// Before the card's first rate: no rate, no value, as when logged.
		{Key: "import:d:1", Member: f.bea, EntityID: f.beta, WorkDate: date("2024-06-03"), Minutes: 60, State: timesheet.BilledElsewhere},
	}
	imported, err := f.store.ImportEntries(f.ctx, f.p, rows)
	want := map[string]int{timesheet.BilledElsewhere: 2, timesheet.Unbilled: 1, timesheet.NonBillable: 1}
	if err != nil || imported.Created != 4 || !reflect.DeepEqual(imported.ByState, want) {
		t.Fatalf("import: %+v %v", imported, err)
	}
	got := map[string]timesheet.Entry{}
	for _, m := range []atlas.MemberID{f.bea, f.max, f.mina} {
		es, err := f.store.Entries(f.ctx, f.pid, m, date("2024-01-01"), date("2027-01-01"))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			got[e.WorkDate.Format("2006-01-02")] = e
		}
	}
	for _, r := range rows {
		e := got[r.WorkDate.Format("2006-01-02")]
		if e.Minutes != r.Minutes || e.BillingState != r.State || e.Source != timesheet.SourceImport || e.InvoiceID != nil ||
			e.Billable != (r.State != timesheet.NonBillable) || e.Description != r.Description {
			t.Errorf("%s: %+v", r.Key, e)
		}
		// Valued as logging values: the rate in force, the value rule.
		rate, err := f.practiceStore.ResolveRate(f.ctx, f.pid, practice.RateKey{EntityID: &r.EntityID, ServiceID: r.ServiceID, MemberID: &r.Member}, r.WorkDate)
		if atlas.ErrorCode(err) == atlas.ENotFound {
			if e.Rate.Valid || e.Value.Valid {
				t.Errorf("%s: valued %v at %v with no rate in force", r.Key, e.Value, e.Rate)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		want := timesheet.Value(r.Minutes, rate.HourlyRate, f.p.RoundingIncrement, f.p.RoundingMode)
		if !e.Rate.Decimal.Equal(rate.HourlyRate) || !e.Value.Decimal.Equal(want) {
			t.Errorf("%s: %s at %s, want %s at %s", r.Key, e.Value.Decimal, e.Rate.Decimal, want, rate.HourlyRate)
		}
	}
	if v := got["2026-10-01"].Value.Decimal.StringFixed(2); v != "225.00" {
		t.Errorf("Acme × Payroll, 90 minutes at 150: %s", v)
	}

	// The same keys again, in the same transaction: nothing new.
	if again, err := f.store.ImportEntries(f.ctx, f.p, rows); err != nil || again.Created != 0 || len(again.ByState) != 0 {
		t.Fatalf("again: %+v %v", again, err)
	}

	// A new rate revalues the imported work in progress, never the time
	// billed elsewhere.
	if _, n, err := f.store.SetRate(f.ctx, f.p, 0, practice.RateInput{Amount: "120", From: "2026-01-01"}, f.today); err != nil || n != 1 {
		t.Fatalf("set rate: %d %v", n, err)
	}
	after, err := f.store.Entries(f.ctx, f.pid, f.max, date("2026-10-02"), date("2026-10-03"))
	if err != nil || len(after) != 1 || after[0].Rate.Decimal.String() != "120" {
		t.Fatalf("unbilled import not revalued: %+v %v", after, err)
	}
	billed, err := f.store.Entry(f.ctx, f.pid, got["2026-10-01"].ID)
	if err != nil || billed.Rate.Decimal.String() != "150" || billed.BillingState != timesheet.BilledElsewhere {
		t.Fatalf("billed elsewhere revalued: %+v %v", billed, err)
	}
	var wip int
	if err := f.db.QueryRow(f.ctx, `SELECT count(*) FROM time_entries WHERE practice_id = $1 AND billing_state = 'unbilled'`, f.pid).Scan(&wip); err != nil || wip != 1 {
		t.Fatalf("work in progress: %d %v", wip, err)
	}

	// History billed before Atlas is locked: neither its owner nor a manager
	// can change or delete it.
	if !billed.Locked() || billed.LockedAs() != "billed before Atlas" {
		t.Fatalf("billed elsewhere not locked: %v %q", billed.Locked(), billed.LockedAs())
	}
	manager := timesheet.Actor{ID: f.mina, Role: atlas.RoleManager}
	if _, err := f.store.Delete(f.ctx, f.pid, manager, billed.ID); atlas.ErrorCode(err) != atlas.EConflict || !strings.Contains(atlas.ErrorMessage(err), "billed before Atlas") {
		t.Fatalf("delete billed elsewhere: %v", err)
	}
	edit := timesheet.Edit{EntityID: billed.EntityID, ServiceID: billed.ServiceID, WorkDate: billed.WorkDate, Minutes: 30, Billable: true}
	if _, err := f.store.Update(f.ctx, f.p, manager, billed.ID, edit, f.today); atlas.ErrorCode(err) != atlas.EConflict || !strings.Contains(atlas.ErrorMessage(err), "billed before Atlas") {
		t.Fatalf("edit billed elsewhere: %v", err)
	}
	if again, err := f.store.Entry(f.ctx, f.pid, billed.ID); err != nil || again.Minutes != 90 {
		t.Fatalf("billed elsewhere changed: %+v %v", again, err)
	}
}

// The table holds billed_elsewhere to no invoice, as it holds billed to
// one; a bad row is refused before anything is written.
func TestImportEntriesChecks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TTKIMP2")
	for state, ok := range map[string]bool{timesheet.Billed: false, timesheet.BilledElsewhere: true} {
		sp, err := f.db.Begin(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = sp.Exec(f.ctx, `INSERT INTO time_entries (practice_id, member_id, entity_id, work_date, minutes, source, billing_state)
			VALUES ($1, $2, $3, '2026-10-01', 30, 'import', $4)`, f.pid, int64(f.bea), f.acme, state)
		if (err == nil) != ok {
			t.Errorf("%s without an invoice: %v", state, err)
		}
		if err := sp.Rollback(f.ctx); err != nil {
			t.Fatal(err)
		}
	}
	good := timesheet.ImportRow{Key: "k", Member: f.bea, EntityID: f.acme, WorkDate: date("2026-10-01"), Minutes: 30, State: timesheet.Unbilled}
	for i, mutate := range []func(*timesheet.ImportRow){
		func(r *timesheet.ImportRow) { r.Key = "" },
		func(r *timesheet.ImportRow) { r.Minutes = 0 },
		func(r *timesheet.ImportRow) { r.Minutes = timesheet.MaxMinutes + 1 },
		func(r *timesheet.ImportRow) { r.State = timesheet.Billed },
		func(r *timesheet.ImportRow) { r.EntityID = 0 },
	} {
		bad := good
		mutate(&bad)
		imported, err := f.store.ImportEntries(f.ctx, f.p, []timesheet.ImportRow{good, bad})
		if atlas.ErrorCode(err) != atlas.EInvalid || imported.Created != 0 {
			t.Errorf("case %d: %+v %v", i, imported, err)
		}
	}
	var n int
	if err := f.db.QueryRow(f.ctx, `SELECT count(*) FROM time_entries WHERE practice_id = $1`, f.pid).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d entries written by refused imports: %v", n, err)
	}
	// Many rows, one statement.
	rows := make([]timesheet.ImportRow, 500)
	for i := range rows {
		rows[i] = good
		rows[i].Key = fmt.Sprintf("import:many:%d", i)
		rows[i].Minutes = 1 + i%600
	}
	if imported, err := f.store.ImportEntries(f.ctx, f.p, rows); err != nil || imported.Created != 500 || imported.ByState[timesheet.Unbilled] != 500 {
		t.Fatalf("500 rows: %+v %v", imported, err)
	}
}
