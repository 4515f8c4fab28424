package billing_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// awaiting makes n ad-hoc invoices awaiting approval, for clients A0001…,
// one line of £100 each, and returns their ids.
func (f *fixture) awaiting(n int) []int64 {
	f.t.Helper()
	f.exec(`INSERT INTO entities (practice_id, code, name, billing_email) SELECT $1, 'A' || lpad(g::text, 4, '0'), 'Client ' || g, 'a@x.example'
		FROM generate_series(1, $2::int) g`, f.pid, n)
	f.exec(`INSERT INTO invoices (practice_id, entity_id, kind, status, currency, label, subtotal, vat, total, vat_registered)
		SELECT practice_id, id, 'adhoc', 'awaiting_approval', 'GBP', 'Work', 100, 20, 120, true FROM entities
		WHERE practice_id = $1 AND code LIKE 'A%'`, f.pid)
	f.exec(`INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, amount, time_value, vat_treatment, vat_rate)
		SELECT practice_id, id, 0, 'adhoc', 'Work', 100, 0, 'standard', 20 FROM invoices WHERE practice_id = $1`, f.pid)
	rows, err := f.db.Query(f.ctx, `SELECT id FROM invoices WHERE practice_id = $1 ORDER BY id`, f.pid)
	if err != nil {
		f.t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		f.t.Fatal(err)
	}
	return ids
}

// numbers are the practice's invoice numbers, sorted.
func (f *fixture) numbers() []string {
	f.t.Helper()
	rows, err := f.db.Query(f.ctx, `SELECT number FROM invoices WHERE practice_id = $1 AND number IS NOT NULL ORDER BY number`, f.pid)
	if err != nil {
		f.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func series(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("INV-2026-%04d", i))
	}
	return out
}

// 50 goroutines approve 200 invoices in random order, some the same one
// twice at once: one approval each, numbered 1…200 with no gap and no
// number twice; the loser of a race is told who approved it.
func TestNumbersUnderConcurrency(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool, "TNUMBERS", day("2026-12-03").Add(9*time.Hour))
	ids := f.awaiting(200)
	work := make(chan int64, 300)
	order := append(slices.Clone(ids), ids[:100]...) // half of them twice
	rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	for _, id := range order {
		work <- id
	}
	close(work)
	var mu sync.Mutex
	approved, told := 0, 0
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				_, err := f.bs.Approve(context.Background(), f.pid, f.mina, id, f.now)
				mu.Lock()
				switch {
				case err == nil:
					approved++
				case strings.Contains(atlas.ErrorMessage(err), "is already approved, by Mina at"):
					told++
				default:
					t.Errorf("approve %d: %v", id, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if approved != 200 || told != 100 {
		t.Fatalf("%d approvals and %d told it was done, want 200 and 100", approved, told)
	}
	if got := f.numbers(); !slices.Equal(got, series(1, 200)) {
		t.Fatalf("numbers: %d of them, from %s to %s", len(got), got[0], got[len(got)-1])
	}
}

// A rolled-back approval uses no number; an interrupted bulk approval
// leaves its approvals numbered without a gap and the rest awaiting.
func TestApprovalNumbersSurviveFailure(t *testing.T) {
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool, "TNUMFAIL", day("2026-12-03").Add(9*time.Hour))
	ids := f.awaiting(3)
	// Approved in a transaction that then fails: no number used.
	err := db.InTx(f.ctx, pool, func(tx pgx.Tx) error {
		if _, err := (billing.Store{DB: tx}).Approve(f.ctx, f.pid, f.mina, ids[0], f.now); err != nil {
			return err
		}
		return errors.New("crash after the number was taken")
	})
	if err == nil || len(f.numbers()) != 0 {
		t.Fatalf("rolled back: %v, numbers %v", err, f.numbers())
	}
	for _, id := range ids {
		if _, err := f.bs.Approve(f.ctx, f.pid, f.mina, id, f.now); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.numbers(); !slices.Equal(got, series(1, 3)) {
		t.Fatalf("numbers %v", got)
	}

	// 80 unchanged retainers; the bulk approval stops after 30.
	f.exec(`DELETE FROM invoice_lines WHERE practice_id = $1`, f.pid)
	f.exec(`DELETE FROM invoices WHERE practice_id = $1`, f.pid)
	f.exec(`INSERT INTO entities (practice_id, code, name) SELECT $1, 'R' || lpad(g::text, 3, '0'), 'Retainer ' || g FROM generate_series(1, 80) g`, f.pid)
	f.exec(`INSERT INTO invoices (practice_id, entity_id, kind, status, currency, label, subtotal, vat, total, period, made_by_run, run_period, number,
			approved_by, approved_at)
		SELECT practice_id, id, 'recurring', 'approved', 'GBP', 'Fee', 300, 60, 360, '2026-10-01', true, '2026-10-01', 'OLD-' || id, $2, now()
		  FROM entities WHERE practice_id = $1 AND code LIKE 'R%'`, f.pid, f.mina)
	f.exec(`INSERT INTO invoices (practice_id, entity_id, kind, status, currency, label, subtotal, vat, total, period, made_by_run, run_period)
		SELECT practice_id, id, 'recurring', 'awaiting_approval', 'GBP', 'Fee', 300, 60, 360, '2026-11-01', true, '2026-11-01'
		  FROM entities WHERE practice_id = $1 AND code LIKE 'R%'`, f.pid)
	f.exec(`INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, amount, vat_treatment, vat_rate)
		SELECT practice_id, id, 0, 'fee', 'Fee', 300, 'standard', 20 FROM invoices WHERE practice_id = $1`, f.pid)
	unchanged, err := f.bs.Unchanged(f.ctx, f.pid, month("2026-11"))
	if err != nil || len(unchanged) != 80 {
		t.Fatalf("%d unchanged retainers (%v), want 80", len(unchanged), err)
	}
	billing.SetApproveHook(func(i int) error {
		if i == 30 {
			return errors.New("the process died")
		}
		return nil
	})
	done, err := f.bs.ApproveUnchanged(f.ctx, f.pid, f.mina, month("2026-11"), f.now)
	billing.SetApproveHook(nil)
	if err == nil || len(done) != 30 {
		t.Fatalf("interrupted bulk approval: %d approved, %v", len(done), err)
	}
	var awaiting int
	if err := pool.QueryRow(f.ctx, `SELECT count(*) FROM invoices WHERE practice_id = $1 AND status = 'awaiting_approval'`, f.pid).Scan(&awaiting); err != nil || awaiting != 50 {
		t.Fatalf("%d awaiting (%v), want 50", awaiting, err)
	}
	var got []string
	for _, n := range f.numbers() {
		if strings.HasPrefix(n, "INV-") {
			got = append(got, n)
		}
	}
	// The three approved earlier were deleted with their lines: 4 to 33.
	if !slices.Equal(got, series(4, 33)) {
		t.Fatalf("numbers after the interrupted run: %v", got)
	}
	// In client-code order: R001 has the first of them.
	if done[0].EntityCode != "R001" || done[0].Number != "INV-2026-0004" || done[29].EntityCode != "R030" {
		t.Fatalf("order: %s %s … %s", done[0].EntityCode, done[0].Number, done[29].EntityCode)
	}
	// Running it again approves the rest, in order, on from 34.
	done, err = f.bs.ApproveUnchanged(f.ctx, f.pid, f.mina, month("2026-11"), f.now)
	if err != nil || len(done) != 50 || done[0].Number != "INV-2026-0034" || done[49].Number != "INV-2026-0083" {
		t.Fatalf("second bulk approval: %d %v", len(done), err)
	}
}
