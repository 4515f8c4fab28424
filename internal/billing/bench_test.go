package billing_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// BenchmarkMonthRun times the month's run for a practice of 2,000 clients
// — 1,500 on a retainer, 500 hourly with 40 entries each in the month —
// beside a floor measured in the same run: COPY of as many invoice lines
// as the run writes. Each iteration runs on a practice of its own, made
// while the timer is stopped.
func BenchmarkMonthRun(b *testing.B) {
	_, pool := pgtest.NewDatabase(b)
	ctx := context.Background()
	const fixed, hourly, perClient = 1500, 500, 40
	now := day("2026-12-03").Add(9 * time.Hour)
	var paths, floors []time.Duration
	var lines, invoices int
	i := 0
	for b.Loop() {
		b.StopTimer()
		pid := atlas.PracticeID(fmt.Sprintf("TBENCH%d", i))
		seedBenchPractice(b, ctx, pool, pid, fixed, hourly, perClient, now)
		b.StartTimer()
		start := time.Now()
		res, err := billing.Store{DB: pool}.Run(ctx, pid, month("2026-11"), now, 0)
		paths = append(paths, time.Since(start))
		b.StopTimer()
		if err != nil || len(res.Retainers) != fixed || len(res.Hourly) != hourly {
			b.Fatalf("run made %d retainers, %d hourly: %v", len(res.Retainers), len(res.Hourly), err)
		}
		if err := pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT invoice_id) FROM invoice_lines WHERE practice_id = $1`, pid).
			Scan(&lines, &invoices); err != nil {
			b.Fatal(err)
		}
		floors = append(floors, copyLines(b, ctx, pool, pid, lines))
		i++
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed())/float64(len(paths))/mean(floors), "x-floor")
	b.ReportMetric(float64(median(paths))/float64(median(floors)), "x-floor-p50")
	b.ReportMetric(float64(median(paths))/1e6, "run-ms")
	b.ReportMetric(float64(median(floors))/1e6, "floor-ms")
	b.ReportMetric(float64(lines), "lines")
}

// seedBenchPractice makes the practice in a few set-based statements.
func seedBenchPractice(b *testing.B, ctx context.Context, pool *pgxpool.Pool, pid atlas.PracticeID, fixed, hourly, perClient int, now time.Time) {
	b.Helper()
	for _, sql := range []string{
		`INSERT INTO practices (id, name, vat_registered, vat_number) VALUES ($1, 'Bench', true, 'GB1')`,
		`INSERT INTO members (practice_id, slack_user_id, name, role) SELECT $1, 'U' || g, 'Person ' || g, 'staff' FROM generate_series(1, 20) g`,
		`INSERT INTO services (practice_id, code, name, vat_treatment) VALUES ($1, 'BK', 'Bookkeeping', 'standard'),
			($1, 'PAYROLL', 'Payroll', 'standard'), ($1, 'ADV', 'Advisory', 'reduced'), ($1, 'VAT', 'VAT returns', 'standard')`,
		`INSERT INTO rates (practice_id, hourly_rate, effective_from) VALUES ($1, 75, '2020-01-01')`,
		`INSERT INTO rates (practice_id, service_id, hourly_rate, effective_from)
			SELECT $1, id, 95, '2026-11-16' FROM services WHERE practice_id = $1 AND code = 'ADV'`,
	} {
		if _, err := pool.Exec(ctx, sql, pid); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	if _, err := pool.Exec(ctx, `INSERT INTO entities (practice_id, code, name, billing_type, invoice_timing, invoice_day, billing_email, bill_from)
		SELECT $1, 'C' || g, 'Client ' || g, CASE WHEN g <= $2::int THEN 'fixed' ELSE 'hourly' END,
		       CASE WHEN g % 2 = 0 THEN 'advance' ELSE 'arrears' END, 1, 'c' || g || '@example.com',
		       -- one period each: December in advance, November in arrears
		       CASE WHEN g % 2 = 0 THEN '2026-12-01'::date ELSE '2026-11-01'::date END
		  FROM generate_series(1, $2::int + $3::int) g`, pid, fixed, hourly); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO entity_fees (practice_id, entity_id, monthly_fee, effective_from)
		SELECT practice_id, id, 300 + id % 700, '2026-01-01' FROM entities WHERE practice_id = $1 AND billing_type = 'fixed'`, pid); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO entity_services (practice_id, entity_id, service_id)
		SELECT e.practice_id, e.id, s.id FROM entities e JOIN services s ON s.practice_id = e.practice_id AND s.code = 'BK'
		 WHERE e.practice_id = $1 AND e.billing_type = 'fixed'`, pid); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
		INSERT INTO time_entries (practice_id, member_id, entity_id, service_id, work_date, minutes, source, rate, value)
		SELECT e.practice_id, m.id, e.id, s.id, d, mins, 'manual', r, time_value(mins, r, 6, 'up')
		  FROM entities e
		 CROSS JOIN generate_series(1, $2) n
		 CROSS JOIN LATERAL (SELECT ('2026-11-01'::date + (n % 30))::date AS d, 15 + (n * 7) % 180 AS mins) x
		  JOIN services s ON s.practice_id = e.practice_id AND s.code = (ARRAY['BK', 'PAYROLL', 'ADV', 'VAT'])[1 + n % 4]
		 CROSS JOIN LATERAL (SELECT CASE WHEN s.code = 'ADV' AND x.d >= '2026-11-16' THEN 95 ELSE 75 END AS r) rr
		  JOIN members m ON m.practice_id = e.practice_id AND m.slack_user_id = 'U' || (1 + n % 20)
		 WHERE e.practice_id = $1 AND e.billing_type = 'hourly'`, pid, perClient); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE time_entries, entities, invoices, invoice_lines`); err != nil {
		b.Fatal(err)
	}
}

// copyLines is the floor: COPY of n invoice lines, onto one invoice.
func copyLines(b *testing.B, ctx context.Context, pool *pgxpool.Pool, pid atlas.PracticeID, n int) time.Duration {
	b.Helper()
	var inv int64
	if err := pool.QueryRow(ctx, `INSERT INTO invoices (practice_id, entity_id, kind, currency)
		SELECT $1, min(id), 'adhoc', 'GBP' FROM entities WHERE practice_id = $1 RETURNING id`, pid).Scan(&inv); err != nil {
		b.Fatal(err)
	}
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = []any{string(pid), inv, int32(i), "time", "Payroll", dec("75.00"), dec("112.50"), dec("112.50"), "standard", dec("20")}
	}
	start := time.Now()
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"invoice_lines"},
		[]string{"practice_id", "invoice_id", "position", "kind", "description", "rate", "time_value", "amount", "vat_treatment", "vat_rate"},
		pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func mean(ds []time.Duration) float64 {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return float64(t) / float64(len(ds))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkApprove times one approval — the invoice's number from the
// counter, its state, its entries leaving WIP, the audit and the outbox
// job — beside a floor measured in the same run: a bare one-row UPDATE in
// a transaction of its own.
func BenchmarkApprove(b *testing.B) {
	_, pool := pgtest.NewDatabase(b)
	ctx := context.Background()
	now := day("2026-12-03").Add(9 * time.Hour)
	f := newFixture(b, pool, "TBENCHAPPROVE", now)
	f.exec(`UPDATE practices SET billing_channel = 'C0BILLING' WHERE id = $1`, f.pid)
	const n = 2000
	west := f.hourlyClient("WEST")
	// n invoices awaiting approval, each with a line of five entries.
	f.exec(`INSERT INTO invoices (practice_id, entity_id, kind, status, currency, label, subtotal, vat, total, up_to, vat_registered)
		SELECT $1, $2, 'hourly', 'awaiting_approval', 'GBP', 'November 2026', 300, 60, 360, '2026-11-30', true FROM generate_series(1, $3::int)`,
		f.pid, west, n)
	f.exec(`INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, rate, time_value, amount, vat_treatment, vat_rate)
		SELECT practice_id, id, 0, 'time', 'Payroll', 60, 300, 300, 'standard', 20 FROM invoices WHERE practice_id = $1`, f.pid)
	f.exec(`INSERT INTO time_entries (practice_id, member_id, entity_id, work_date, minutes, source, rate, value, invoice_id, invoice_line_id)
		SELECT l.practice_id, $2, $3, '2026-11-02', 60, 'manual', 60, 60, l.invoice_id, l.id
		  FROM invoice_lines l CROSS JOIN generate_series(1, 5) WHERE l.practice_id = $1`, f.pid, int64(f.bea), west)
	rows, err := pool.Query(ctx, `SELECT id FROM invoices WHERE practice_id = $1 ORDER BY id`, f.pid)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	floor := func(id int64) time.Duration {
		start := time.Now()
		tx, err := pool.Begin(ctx)
		if err == nil {
			_, err = tx.Exec(ctx, `UPDATE invoices SET updated_at = now() WHERE practice_id = $1 AND id = $2`, f.pid, id)
		}
		if err == nil {
			err = tx.Commit(ctx)
		}
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var paths, floors []time.Duration
	i := 0
	for b.Loop() {
		if i == len(ids) {
			b.Fatal("ran out of invoices to approve")
		}
		start := time.Now()
		if _, err := f.bs.Approve(ctx, f.pid, f.mina, ids[i], now); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, time.Since(start))
		b.StopTimer()
		floors = append(floors, floor(ids[len(ids)-1-i]))
		i++
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed())/float64(len(paths))/mean(floors), "x-floor")
	b.ReportMetric(float64(median(paths))/float64(median(floors)), "x-floor-p50")
	b.ReportMetric(float64(median(floors))/1e3, "floor-µs")
}
