package delivery_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// monthEnd is the size of the month-end the benchmark sends.
const monthEnd = 2000

// BenchmarkMonthEndSend sends a month-end of 2,000 approved invoices, each
// drawn as a PDF and handed over SMTP to maildev, through River's delivery
// queue with QueueConfig (several sends per core, one PDF drawn per core at
// a time), and reports the seconds from
// the commit that queues them to the last one recorded sent (s/month-end;
// target: under 60 on two cores). As the floor it is measured against,
// "render-only" reads and draws the same 2,000 documents through a pool of
// one goroutine per core and does nothing else; "month-end" also reports how many times the floor
// it takes (x-render).
//
//	go test -run='^$' -bench=MonthEndSend -benchtime=1x ./internal/delivery/
func BenchmarkMonthEndSend(b *testing.B) {
	ctx := context.Background()
	md := startMaildev(ctx, b)
	_, pool := pgtest.NewDatabase(b)
	var floor float64

	b.Run("render-only", func(b *testing.B) {
		f := newFixture(b, pool)
		ids := f.monthEnd(monthEnd)
		b.ResetTimer()
		for range b.N {
			start := time.Now()
			renderAll(b, pool, f, ids)
			floor = time.Since(start).Seconds()
		}
		b.ReportMetric(floor, "s/month-end")
	})

	b.Run("month-end", func(b *testing.B) {
		startWorkers(b, pool, delivery.Deps{Pool: pool, Mail: newSender(b, md), Log: quiet()})
		var took float64
		for range b.N {
			b.StopTimer()
			if err := md.DeleteAll(ctx); err != nil {
				b.Fatal(err)
			}
			f := newFixture(b, pool)
			ids := f.monthEnd(monthEnd)
			tx, err := pool.Begin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, id := range ids {
				if err := delivery.QueueSend(ctx, tx, f.pid, id, f.pat); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
			start := time.Now()
			if err := tx.Commit(ctx); err != nil {
				b.Fatal(err)
			}
			wait, cancel := context.WithTimeout(ctx, 10*time.Minute)
			waitFor(wait, b, "the month-end to be sent", func() bool {
				var sent int
				if err := pool.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE practice_id = $1 AND status = $2`,
					f.pid, billing.Sent).Scan(&sent); err != nil {
					b.Fatal(err)
				}
				return sent == monthEnd
			})
			cancel()
			took = time.Since(start).Seconds()
			b.StopTimer()
			emails, err := md.Emails(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if len(emails) != monthEnd {
				b.Fatalf("maildev holds %d emails, want %d", len(emails), monthEnd)
			}
		}
		b.ReportMetric(took, "s/month-end")
		b.ReportMetric(monthEnd/took, "invoices/s")
		if floor > 0 {
			b.ReportMetric(took/floor, "x-render")
		}
	})
}

// renderAll draws the invoices through runtime.NumCPU() goroutines.
func renderAll(b *testing.B, pool *pgxpool.Pool, f *fixture, ids []int64) {
	work := make(chan int64)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Go(func() {
			for id := range work {
				if _, _, err := delivery.PDF(context.Background(), pool, f.pid, id, false); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
}

// monthEnd adds n clients, each with an approved three-line invoice, and
// returns the invoices' ids.
func (f *fixture) monthEnd(n int) []int64 {
	f.t.Helper()
	f.exec(`INSERT INTO entities (practice_id, code, name, billing_email, billing_contact, billing_address, payment_terms_days, cc_emails)
		SELECT $1, 'C' || lpad(g::text, 5, '0'), 'Client ' || g || ' Ltd', 'accounts@client' || g || '.example', 'Jane Smith',
		       g || ' High Street' || chr(10) || 'Bristol' || chr(10) || 'BS1 4DJ', 30, '{director@client.example}'
		  FROM generate_series(1, $2::int) g`, f.pid, n)
	f.exec(`INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency, label, period, up_to,
			subtotal, vat, total, vat_registered, vat_rounding, preparer_id, approved_by, approved_at, created_at)
		SELECT $1, e.id, 'hourly', 'approved', 'INV-2026-' || lpad(row_number() OVER (ORDER BY e.code)::text, 5, '0'), 'GBP', 'June 2026',
		       '2026-06-01', '2026-06-30', 734, 140, 874, true, 'invoice', $2, $3, '2026-06-30 16:00Z', '2026-06-30 09:00Z'
		  FROM entities e WHERE e.practice_id = $1 AND e.code LIKE 'C%'`, f.pid, int64(f.mina), int64(f.pat))
	f.exec(`INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, minutes, rate, time_value, amount, vat_treatment, vat_rate)
		SELECT i.practice_id, i.id, l.pos, l.kind, l.description, l.minutes, l.rate, l.value, l.amount, l.treatment, l.vat_rate
		  FROM invoices i CROSS JOIN (VALUES
		       (0, 'time', 'Bookkeeping for June 2026: bank reconciliations and the sales ledger', 450, 60.00, 450.00, 450.00, 'standard', 20.00),
		       (1, 'time', 'VAT return for the quarter to 30 June 2026', 180, 95.00, 285.00, 250.00, 'standard', 20.00),
		       (2, 'adhoc', 'Companies House confirmation statement fee', NULL, NULL, 0.00, 34.00, 'outside', 0.00))
		       AS l(pos, kind, description, minutes, rate, value, amount, treatment, vat_rate)
		 WHERE i.practice_id = $1`, f.pid)
	rows, err := f.db.Query(f.ctx, `SELECT id FROM invoices WHERE practice_id = $1 ORDER BY number`, f.pid)
	if err != nil {
		f.t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		f.t.Fatal(err)
	}
	return ids
}
