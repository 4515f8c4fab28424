package billing_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// Two processes running the month's run at the same instant make each
// draft once and attach each entry once: each process has a pool of its
// own, and runs both a manager's /invoices run and the daily job.
func TestConcurrentRuns(t *testing.T) {
	t.Parallel()
	url, pool := pgtest.NewDatabase(t)
	other, err := db.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	f := newFixture(t, pool, "TBILLCONC", day("2026-12-03").Add(9*3600*1e9))
	for i, code := range []string{"A1", "A2", "A3", "A4"} {
		c := f.hourlyClient(code)
		for d := 2; d <= 27; d += 5 {
			f.log(c, "PAYROLL", time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), 30+i)
		}
	}
	for _, code := range []string{"R1", "R2", "R3"} {
		f.retainerClient(code, "arrears", 1, "2026-10-01", "2026-01-01", "300")
	}
	for round := range 5 {
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, 4)
		for i := range 4 {
			process := []*pgxpool.Pool{pool, other}[i%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if i < 2 {
					_, err := billing.Store{DB: process}.Run(context.Background(), f.pid, month("2026-11"), f.now, f.mina)
					errs <- err
					return
				}
				errs <- db.InTx(context.Background(), process, func(tx pgx.Tx) error {
					_, err := billing.Daily(context.Background(), tx, f.pid, day("2026-12-03"))
					return err
				})
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	var hourly, retainers, attached, entries int
	if err := pool.QueryRow(f.ctx, `SELECT count(*) FILTER (WHERE kind = 'hourly'), count(*) FILTER (WHERE kind = 'recurring')
		FROM invoices WHERE practice_id = $1`, f.pid).Scan(&hourly, &retainers); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(f.ctx, `SELECT count(*) FILTER (WHERE invoice_line_id IS NOT NULL), count(*) FROM time_entries WHERE practice_id = $1`,
		f.pid).Scan(&attached, &entries); err != nil {
		t.Fatal(err)
	}
	// Three retainers: October and November (bill_from October, in arrears).
	if hourly != 4 || retainers != 6 || attached != entries || entries != 24 {
		t.Fatalf("hourly %d, retainers %d, entries attached %d of %d", hourly, retainers, attached, entries)
	}
	var lineValue, entryValue string
	if err := pool.QueryRow(f.ctx, `SELECT (SELECT sum(time_value) FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
			WHERE i.practice_id = $1 AND l.kind = 'time')::text, (SELECT sum(value) FROM time_entries WHERE practice_id = $1)::text`, f.pid).
		Scan(&lineValue, &entryValue); err != nil || lineValue != entryValue {
		t.Fatalf("lines value %s, entries %s (%v)", lineValue, entryValue, err)
	}
}

// After 40 days of downtime the daily run makes each missed retainer
// period, and each missed month's hourly invoices, once.
func TestCatchUpAfterDowntime(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool, "TBILLCATCH", day("2026-12-20").Add(9*3600*1e9))
	west := f.hourlyClient("WEST")
	f.log(west, "PAYROLL", "2026-10-05", 60)
	f.log(west, "PAYROLL", "2026-11-05", 60)
	f.log(west, "PAYROLL", "2026-12-05", 60)
	f.retainerClient("ADV15", "advance", 15, "2026-10-01", "2026-01-01", "300")
	f.retainerClient("ARR1", "arrears", 1, "2026-10-01", "2026-01-01", "200")

	daily := func(today string) []billing.RunResult {
		t.Helper()
		var out []billing.RunResult
		err := db.InTx(f.ctx, pool, func(tx pgx.Tx) error {
			var err error
			out, err = billing.Daily(f.ctx, tx, f.pid, day(today))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// The last run was on 2 October (September's); then 40 days down.
	first := daily("2026-10-02")
	if len(first) != 1 || first[0].Period != month("2026-09") {
		t.Fatalf("first run: %+v", first)
	}
	res := daily("2026-11-11")
	if len(res) != 1 || res[0].Period != month("2026-10") || len(res[0].Hourly) != 1 {
		t.Fatalf("after downtime: %+v", res)
	}
	// Missed: ADV15's November (invoiced on 15 October) and ARR1's October
	// (invoiced on 1 November); ADV15's December waits for 15 November.
	var made []string
	for _, m := range res[0].Retainers {
		made = append(made, m.Label)
	}
	slices.Sort(made)
	if want := []string{"November 2026 (in advance)", "October 2026 (in arrears)"}; !slices.Equal(made, want) {
		t.Fatalf("after downtime made %q, want %q", made, want)
	}
	daily("2026-11-11") // the same slot again (a retry): nothing
	daily("2026-12-20")
	var got []string
	rows, err := pool.Query(f.ctx, `SELECT e.code || ' ' || i.kind || ' ' || coalesce(to_char(i.period, 'YYYY-MM'), '') || ' ' || i.total::text
		FROM invoices i JOIN entities e ON e.id = i.entity_id WHERE i.practice_id = $1 ORDER BY e.code, i.period`, f.pid)
	if err != nil {
		t.Fatal(err)
	}
	got, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		// Advance on the 15th: October is invoiced on 15 September (made by
		// the first run), November on 15 October (missed, made on
		// 11 November), December on 15 November and January on
		// 15 December (both made on 20 December, the next run).
		"ADV15 recurring 2026-10 360.00", "ADV15 recurring 2026-11 360.00", "ADV15 recurring 2026-12 360.00", "ADV15 recurring 2027-01 360.00",
		"ARR1 recurring 2026-10 240.00", "ARR1 recurring 2026-11 240.00",
		"WEST hourly 2026-10 72.00", "WEST hourly 2026-11 72.00",
	}
	if len(got) != len(want) {
		t.Fatalf("invoices:\n%v\nwant:\n%v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("invoice %d: %q, want %q", i, got[i], want[i])
		}
	}
}
