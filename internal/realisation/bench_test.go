package realisation_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/realisation"
)

// BenchmarkRealisationYear times realisation by client for a year of a
// practice of 5,000 hourly clients — an approved invoice a month each
// (60,000), two lines an invoice (120,000), three entries a line
// (360,000), most lines written down, a credit note on one invoice in a
// hundred, time written off a draft on one line in fifty — beside a floor
// measured in the same run: the bare sum of the year's lines by client,
// the least any such report reads.
func BenchmarkRealisationYear(b *testing.B) {
	_, pool := pgtest.NewDatabase(b)
	ctx := context.Background()
	pid := atlas.PracticeID("TBENCHREAL")
	const clients = 5000
	seedYear(b, ctx, pool, pid, clients)
	q := realisation.Query{Span: realisation.SpanOf(realisation.Year, day("2026-06-01")), By: realisation.ByClient}
	floor := func() time.Duration {
		start := time.Now()
		rows, err := pool.Query(ctx, `SELECT i.entity_id, sum(l.amount), sum(l.time_value)
			FROM invoices i JOIN invoice_lines l ON l.practice_id = i.practice_id AND l.invoice_id = i.id
			WHERE i.practice_id = $1 AND i.approved_at >= $2 AND i.approved_at < $3 GROUP BY i.entity_id`,
			pid, q.Span.From, q.Span.To.AddDate(0, 0, 1))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		if rows.Err() != nil || n != clients {
			b.Fatalf("floor read %d clients: %v", n, rows.Err())
		}
		return time.Since(start)
	}
	var paths, floors []time.Duration
	for b.Loop() {
		start := time.Now()
		r, err := realisation.Store{DB: pool}.Report(ctx, pid, q)
		paths = append(paths, time.Since(start))
		if err != nil || len(r.Rows) != clients {
			b.Fatalf("realisation of %d clients: %v", len(r.Rows), err)
		}
		b.StopTimer()
		floors = append(floors, floor())
		b.StartTimer()
	}
	b.ReportMetric(float64(median(paths))/float64(median(floors)), "x-floor-p50")
	b.ReportMetric(float64(median(paths))/1e6, "report-ms")
	b.ReportMetric(float64(median(floors))/1e6, "floor-ms")
}

// seedYear makes the practice: the invoices and lines set-based, the
// entries (the largest table) by COPY.
func seedYear(b *testing.B, ctx context.Context, pool *pgxpool.Pool, pid atlas.PracticeID, clients int) {
	b.Helper()
	for _, sql := range []string{
		`INSERT INTO practices (id, name, vat_registered, vat_number) VALUES ($1, 'Bench', true, 'GB1')`,
		`INSERT INTO members (practice_id, slack_user_id, name, role) SELECT $1, 'U' || g, 'Person ' || g, 'staff' FROM generate_series(1, 20) g`,
		`INSERT INTO members (practice_id, slack_user_id, name, role) VALUES ($1, 'UPARTNER', 'Pat', 'partner')`,
		`INSERT INTO services (practice_id, code, name) VALUES ($1, 'BK', 'Bookkeeping'), ($1, 'ADV', 'Advisory')`,
		`INSERT INTO entities (practice_id, code, name, billing_type, billing_email)
			SELECT $1, 'C' || g, 'Client ' || g, 'hourly', 'c' || g || '@example.com' FROM generate_series(1, ` + itoa(clients) + `) g`,
		`INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency, label, subtotal, vat, total, up_to,
		                       approved_by, approved_at)
			SELECT $1, e.id, 'hourly', 'approved', 'INV-' || e.id || '-' || m, 'GBP', 'Month ' || m, 0, 0, 0,
			       (date '2026-01-01' + make_interval(months => m) - interval '1 day')::date,
			       (SELECT id FROM members WHERE practice_id = $1 AND role = 'partner'),
			       date '2026-01-01' + make_interval(months => m) - interval '12 hours'
			  FROM entities e, generate_series(1, 12) m WHERE e.practice_id = $1`,
		// A Bookkeeping line worth £300 and an Advisory line worth £240 on
		// each; four in five written down by up to 20%, one in five up.
		`INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, service_id, rate, time_value, amount, adjust_reason)
			SELECT i.practice_id, i.id, s.pos, 'time', s.name, s.id, 60, s.value,
			       round(s.value * (0.80 + (i.id % 5) * 0.05 + CASE WHEN i.id % 5 = 4 THEN 0.1 ELSE 0 END), 2),
			       CASE WHEN i.id % 5 = 0 THEN '' ELSE 'Agreed' END
			  FROM invoices i, (SELECT id, name, CASE code WHEN 'BK' THEN 0 ELSE 1 END AS pos,
			                           CASE code WHEN 'BK' THEN 300 ELSE 240 END AS value FROM services WHERE practice_id = $1) s
			 WHERE i.practice_id = $1`,
	} {
		if _, err := pool.Exec(ctx, sql, pid); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	// Three entries a line, each a third of its value, by people in turn.
	rows, err := pool.Query(ctx, `SELECT l.id, l.invoice_id, i.entity_id, l.service_id, l.time_value, i.up_to
		FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE l.practice_id = $1 ORDER BY l.id`, pid)
	if err != nil {
		b.Fatal(err)
	}
	var members []int64
	if err := pool.QueryRow(ctx, `SELECT array_agg(id ORDER BY id) FROM members WHERE practice_id = $1 AND role = 'staff'`, pid).Scan(&members); err != nil {
		b.Fatal(err)
	}
	var entries [][]any
	var line, inv, entity, service int64
	var value decimal.Decimal
	var upTo time.Time
	n := 0
	if _, err := pgx.ForEachRow(rows, []any{&line, &inv, &entity, &service, &value, &upTo}, func() error {
		third := value.Div(decimal.NewFromInt(3)).Round(2)
		for k := range 3 {
			entries = append(entries, []any{string(pid), members[n%len(members)], entity, service, upTo.AddDate(0, 0, -k), int32(60),
				"manual", decimal.NewFromInt(60), third, "billed", inv, line})
			n++
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"time_entries"},
		[]string{"practice_id", "member_id", "entity_id", "service_id", "work_date", "minutes", "source", "rate", "value", "billing_state",
			"invoice_id", "invoice_line_id"}, pgx.CopyFromRows(entries)); err != nil {
		b.Fatal(err)
	}
	for _, sql := range []string{
		// Time written off a draft: an extra entry on one line in fifty.
		`WITH e AS (INSERT INTO time_entries (practice_id, member_id, entity_id, service_id, work_date, minutes, source, rate, value, billing_state)
			SELECT l.practice_id, (SELECT min(id) FROM members WHERE practice_id = $1), i.entity_id, l.service_id, i.up_to, 30, 'manual', 60, 30, 'written_off'
			  FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE l.practice_id = $1 AND l.id % 50 = 0
			RETURNING id, entity_id, work_date)
		 INSERT INTO write_offs (practice_id, entry_id, invoice_id, value, reason)
		 SELECT $1, e.id, i.id, 30, 'Training' FROM e JOIN invoices i ON i.practice_id = $1 AND i.entity_id = e.entity_id AND i.up_to = e.work_date`,
		// A credit note of £50 on the first line of one invoice in a hundred.
		`UPDATE invoices SET status = 'sent', issue_date = up_to, due_date = up_to + 14, sent_at = approved_at WHERE practice_id = $1 AND id % 100 = 0`,
		`WITH n AS (INSERT INTO credit_notes (practice_id, invoice_id, number, issued_on, reason, time_to, subtotal, vat, total)
			SELECT $1, id, 'CN-' || id, up_to + 20, 'Goodwill', 'none', 50, 0, 50 FROM invoices WHERE practice_id = $1 AND id % 100 = 0
			RETURNING id, invoice_id)
		 INSERT INTO credit_note_lines (practice_id, credit_note_id, invoice_line_id, description, amount, vat_treatment, vat_rate, vat)
		 SELECT $1, n.id, l.id, l.description, 50, 'standard', 0, 0 FROM n JOIN invoice_lines l ON l.invoice_id = n.invoice_id AND l.position = 0`,
	} {
		if _, err := pool.Exec(ctx, sql, pid); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

func itoa(n int) string { return decimal.NewFromInt(int64(n)).String() }

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
