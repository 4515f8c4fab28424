package wip_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/wip"
)

// BenchmarkWIPByClient times work in progress by client for a practice of
// 5,000 clients and 1,000,000 time entries, 200 a client over the past
// year: 40% unbilled (one in 25 of them with no rate, so no value, and a
// draft invoice's time — unbilled still — for one client in ten), 55%
// billed on an approved invoice a client a month (two lines each), 5%
// written off. It is timed beside a floor measured in the same run: the
// bare sum of the unbilled value by client, the least any such report
// reads. Target: under 200 ms on this machine; the ratio to the floor is
// reported, never asserted.
func BenchmarkWIPByClient(b *testing.B) {
	_, pool := pgtest.NewDatabase(b)
	ctx := context.Background()
	pid := atlas.PracticeID("TBENCHWIP")
	const clients = 5000
	asOf := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	seedWIP(b, ctx, pool, pid, clients, asOf)
	q := wip.Query{By: wip.ByClient}
	// The floor reads the report's index, as the report does, on a
	// connection of its own: left to itself the planner may scan the whole
	// table instead, about twice as slow here, which would flatter the
	// ratio.
	fc, err := pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer fc.Release()
	if _, err := fc.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		b.Fatal(err)
	}
	floor := func() (time.Duration, decimal.Decimal) {
		start := time.Now()
		rows, err := fc.Query(ctx, `SELECT entity_id, sum(value) FROM time_entries
			WHERE practice_id = $1 AND billing_state = 'unbilled' GROUP BY entity_id`, pid)
		if err != nil {
			b.Fatal(err)
		}
		var total, value decimal.Decimal
		var entity int64
		n := 0
		if _, err := pgx.ForEachRow(rows, []any{&entity, &value}, func() error {
			n++
			total = total.Add(value)
			return nil
		}); err != nil || n != clients {
			b.Fatalf("floor read %d clients: %v", n, err)
		}
		return time.Since(start), total
	}
	var paths, floors []time.Duration
	for b.Loop() {
		start := time.Now()
		r, err := wip.Store{DB: pool}.Report(ctx, pid, q, asOf)
		paths = append(paths, time.Since(start))
		if err != nil || len(r.Rows) != clients {
			b.Fatalf("work in progress of %d clients: %v", len(r.Rows), err)
		}
		b.StopTimer()
		d, total := floor()
		floors = append(floors, d)
		if !r.Total.Value.Equal(total) {
			b.Fatalf("work in progress is %s, the floor's sum %s", r.Total.Value, total)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(median(paths))/float64(median(floors)), "x-floor-p50")
	b.ReportMetric(float64(median(paths))/1e6, "report-ms")
	b.ReportMetric(float64(median(floors))/1e6, "floor-ms")
}

// seedWIP makes the practice: the invoices and lines set-based, the
// entries (the largest table) by COPY, streamed, then VACUUM ANALYZE so
// that the visibility map is set, as autovacuum would have it.
func seedWIP(b *testing.B, ctx context.Context, pool *pgxpool.Pool, pid atlas.PracticeID, clients int, asOf time.Time) {
	b.Helper()
	start := time.Now()
	for _, sql := range []string{
		`INSERT INTO practices (id, name) VALUES ($1, 'Bench')`,
		`INSERT INTO members (practice_id, slack_user_id, name, role) SELECT $1, 'U' || g, 'Person ' || g, 'staff' FROM generate_series(1, 20) g`,
		`INSERT INTO members (practice_id, slack_user_id, name, role) VALUES ($1, 'UPARTNER', 'Pat', 'partner')`,
		`INSERT INTO services (practice_id, code, name) VALUES ($1, 'BK', 'Bookkeeping'), ($1, 'ADV', 'Advisory')`,
		// One client in ten on a retainer.
		`INSERT INTO entities (practice_id, code, name, billing_type, billing_email)
			SELECT $1, 'C' || g, 'Client ' || g, CASE WHEN g % 10 = 0 THEN 'fixed' ELSE 'hourly' END, 'c' || g || '@example.com'
			  FROM generate_series(1, ` + strconv.Itoa(clients) + `) g`,
		// An approved invoice a client a month, December 2025 to October
		// 2026, and November's draft for one client in ten.
		`INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency, label, up_to, approved_by, approved_at)
			SELECT $1, e.id, 'hourly', 'approved', 'INV-' || e.id || '-' || m, 'GBP', 'Month ' || m,
			       (date '2025-12-01' + make_interval(months => m + 1) - interval '1 day')::date,
			       (SELECT id FROM members WHERE practice_id = $1 AND role = 'partner'),
			       date '2025-12-01' + make_interval(months => m + 1)
			  FROM entities e, generate_series(0, 10) m WHERE e.practice_id = $1`,
		`INSERT INTO invoices (practice_id, entity_id, kind, status, currency, label, up_to)
			SELECT $1, e.id, 'hourly', 'draft', 'GBP', 'November', date '2026-11-30'
			  FROM entities e WHERE e.practice_id = $1 AND e.id % 10 = 0`,
		`INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, service_id, rate, amount)
			SELECT i.practice_id, i.id, s.pos, 'time', s.name, s.id, 60, 0
			  FROM invoices i, (SELECT id, name, CASE code WHEN 'BK' THEN 0 ELSE 1 END AS pos FROM services WHERE practice_id = $1) s
			 WHERE i.practice_id = $1`,
	} {
		if _, err := pool.Exec(ctx, sql, pid); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	var members, entities, services []int64
	for sql, ids := range map[string]*[]int64{
		`SELECT array_agg(id ORDER BY id) FROM members WHERE practice_id = $1 AND role = 'staff'`: &members,
		`SELECT array_agg(id ORDER BY id) FROM entities WHERE practice_id = $1`:                   &entities,
		`SELECT array_agg(id ORDER BY id) FROM services WHERE practice_id = $1`:                   &services,
	} {
		if err := pool.QueryRow(ctx, sql, pid).Scan(ids); err != nil {
			b.Fatal(err)
		}
	}
	// Each line by client, month (0 for December 2025) and service.
	type onLine struct {
		entity  int64
		month   int
		service int64
	}
	type billedOn struct{ invoice, line int64 }
	lines := map[onLine]billedOn{}
	rows, err := pool.Query(ctx, `SELECT i.entity_id, i.up_to, l.service_id, l.invoice_id, l.id
		FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE l.practice_id = $1`, pid)
	if err != nil {
		b.Fatal(err)
	}
	var k onLine
	var on billedOn
	var upTo time.Time
	if _, err := pgx.ForEachRow(rows, []any{&k.entity, &upTo, &k.service, &on.invoice, &on.line}, func() error {
		k.month = monthsSince(upTo)
		lines[k] = on
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	// 200 entries a client, by people in turn, of 6 minutes to 4 hours at
	// £60 or £80 an hour. Of each 20: 8 unbilled, mostly of the last four
	// months; 11 billed in the month of their work; one written off.
	const perClient = 200
	rates := []decimal.Decimal{decimal.NewFromInt(60), decimal.NewFromInt(80)}
	i, unbilled := 0, 0
	row := make([]any, 12)
	// next makes the next entry's row, nil after the last; it runs on the
	// copy's own goroutine, so it returns its error rather than fail.
	next := func() ([]any, error) {
		if i == clients*perClient {
			return nil, nil
		}
		c, e := i/perClient, i%perClient
		entity := entities[c]
		service := services[e%2]
		minutes := int64(6 * (1 + (i*13)%40))
		rate := rates[c%3/2]
		var value any = decimal.NewFromInt(minutes * rate.IntPart() / 60)
		var workDate time.Time
		state, invoice, line := "billed", any(nil), any(nil)
		switch {
		case e%20 < 8:
			state = "unbilled"
			back := (i * 31) % 120
			if e%4 == 0 {
				back = (i * 31) % 365
			}
			workDate = asOf.AddDate(0, 0, -back)
			if unbilled%25 == 0 {
				value = nil
			}
			unbilled++
			if on, ok := lines[onLine{entity, monthsSince(workDate), service}]; ok && workDate.Month() == time.November && workDate.Year() == 2026 {
				invoice, line = on.invoice, on.line
			}
		case e%20 < 19:
			m := e % 11
			workDate = time.Date(2025, 12+time.Month(m), 1+i%28, 0, 0, 0, 0, time.UTC)
			on, ok := lines[onLine{entity, m, service}]
			if !ok {
				return nil, fmt.Errorf("no line for client %d in month %d", entity, m)
			}
			invoice, line = on.invoice, on.line
		default:
			state = "written_off"
			workDate = asOf.AddDate(0, 0, -((i * 17) % 300))
		}
		var r any = rate
		if value == nil {
			r = nil
		}
		row[0], row[1], row[2], row[3], row[4], row[5] = string(pid), members[(i+c)%len(members)], entity, service, workDate, int32(minutes)
		row[6], row[7], row[8], row[9], row[10], row[11] = "manual", r, value, state, invoice, line
		i++
		return row, nil
	}
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"time_entries"},
		[]string{"practice_id", "member_id", "entity_id", "service_id", "work_date", "minutes", "source", "rate", "value", "billing_state",
			"invoice_id", "invoice_line_id"}, pgx.CopyFromFunc(next))
	if err != nil || n != int64(clients*perClient) {
		b.Fatalf("copied %d entries: %v", n, err)
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE time_entries`); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d entries, %d unbilled, in %s", n, unbilled, time.Since(start).Round(time.Millisecond))
}

// monthsSince is the months from December 2025 to d's month.
func monthsSince(d time.Time) int { return (d.Year()-2025)*12 + int(d.Month()) - 12 }

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
