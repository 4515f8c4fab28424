package payments_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/payments"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// Over random sequences of payments (some overpaid), reversals, credits
// (written straight to invoices.credited, as a credit note does) and
// credit on account set against invoices, for every invoice:
//
//	total = payments − reversals + credits + balance, to the penny,
//
// where payments and reversals are summed from the payments table and the
// balance is the model's own, in integer pence; its status is the one its
// balance gives; and each client's credit on account is the model's and
// never negative. What the model says must be refused is refused.
func TestPaymentProperties(t *testing.T) {
	pool := pgtest.Pool(t)
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		ctx := context.Background()
		tx, err := pool.Begin(ctx)
		if err != nil {
			rt.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		checkPayments(rt, tx, fmt.Sprintf("TPPROP%d", n))
	})
}

type modelInvoice struct {
	id, entity            int64
	total, paid, credited int64 // pence
	number                string
}

type modelPayment struct {
	id              int64
	invoice         int
	amount, applied int64
	fromCredit      bool
	reversed        bool
}

func pence(d decimal.Decimal) int64 { return d.Shift(2).IntPart() }

func money(p int64) string { return decimal.New(p, -2).StringFixed(2) }

func checkPayments(rt *rapid.T, tx pgx.Tx, pid string) {
	f := newFixture(rt, tx, pid)
	clients := []int64{f.acme, f.nwt}
	credit := map[int64]int64{}
	var invs []*modelInvoice
	for i := range rapid.IntRange(1, 4).Draw(rt, "invoices") {
		total := rapid.Int64Range(1, 500_000).Draw(rt, fmt.Sprintf("total %d", i))
		entity := clients[rapid.IntRange(0, 1).Draw(rt, fmt.Sprintf("client %d", i))]
		id, number := f.invoice(entity, "sent", money(total), dec3Dec)
		invs = append(invs, &modelInvoice{id: id, entity: entity, total: total, number: number})
	}
	var pays []*modelPayment
	for step := range rapid.IntRange(1, 25).Draw(rt, "steps") {
		i := rapid.IntRange(0, len(invs)-1).Draw(rt, "invoice")
		inv := invs[i]
		balance := inv.total - inv.paid - inv.credited
		switch op := rapid.SampledFrom([]string{"pay", "overpay", "overpay", "reverse", "reverse", "credit", "apply", "apply"}).Draw(rt, "op"); op {
		case "pay", "overpay":
			amount := rapid.Int64Range(1, max(balance, 1)+rapid.Int64Range(0, 10_000).Draw(rt, "over")).Draw(rt, "amount")
			over := op == "overpay"
			out, err := f.ps.Record(f.ctx, f.pid, f.mina, payments.Input{InvoiceID: inv.id, Amount: "£" + money(amount), Overpayment: over}, f.now)
			switch {
			case balance == 0 && !over:
				expectRefused(rt, step, err, atlas.EConflict)
			case amount > balance && !over:
				expectRefused(rt, step, err, atlas.EInvalid)
			case err != nil:
				rt.Fatalf("step %d: £%s on %s (balance %s, overpayment %v) refused: %v", step, money(amount), inv.number, money(balance), over, err)
			default:
				applied := min(amount, balance)
				inv.paid += applied
				credit[inv.entity] += amount - applied
				pays = append(pays, &modelPayment{id: out.Payment.ID, invoice: i, amount: amount, applied: applied})
			}
		case "reverse":
			if len(pays) == 0 {
				continue
			}
			p := pays[rapid.IntRange(0, len(pays)-1).Draw(rt, "payment")]
			pinv := invs[p.invoice]
			_, err := f.ps.Reverse(f.ctx, f.pid, f.mina, p.id, "property", f.now)
			switch {
			case p.reversed:
				expectRefused(rt, step, err, atlas.EConflict)
			case !p.fromCredit && credit[pinv.entity] < p.amount-p.applied:
				expectRefused(rt, step, err, atlas.EConflict)
			case err != nil:
				rt.Fatalf("step %d: reversing payment %d refused: %v", step, p.id, err)
			default:
				p.reversed = true
				pinv.paid -= p.applied
				if p.fromCredit {
					credit[pinv.entity] += p.applied
				} else {
					credit[pinv.entity] -= p.amount - p.applied
				}
			}
		case "credit":
			if balance == 0 {
				continue
			}
			c := rapid.Int64Range(1, balance).Draw(rt, "credit")
			f.exec(`UPDATE invoices SET credited = credited + $2,
				status = CASE WHEN total - paid - credited - $2 = 0 THEN 'paid' WHEN paid > 0 THEN 'part_paid' ELSE 'sent' END
				WHERE id = $1`, inv.id, decimal.New(c, -2))
			inv.credited += c
		case "apply":
			before := f.counts()
			if err := payments.ApplyAccountCredit(f.ctx, tx, f.pid, inv.id); err != nil {
				rt.Fatalf("step %d: apply credit: %v", step, err)
			}
			use := min(credit[inv.entity], balance)
			if use <= 0 {
				if after := f.counts(); after != before {
					rt.Fatalf("step %d: applying no credit changed %v → %v", step, before, after)
				}
				continue
			}
			var id int64
			f.scan(&id, `SELECT max(id) FROM payments WHERE invoice_id = $1 AND source = 'account_credit'`, inv.id)
			inv.paid += use
			credit[inv.entity] -= use
			pays = append(pays, &modelPayment{id: id, invoice: i, amount: use, applied: use, fromCredit: true})
		}
		checkInvariants(rt, f, step, invs, credit)
	}
}

func expectRefused(rt *rapid.T, step int, err error, code string) {
	rt.Helper()
	if atlas.ErrorCode(err) != code {
		rt.Fatalf("step %d: want a %s refusal, got %v", step, code, err)
	}
}

func checkInvariants(rt *rapid.T, f *fixture, step int, invs []*modelInvoice, credit map[int64]int64) {
	rt.Helper()
	for _, inv := range invs {
		var total, paid, credited, payTotal, reversed decimal.Decimal
		var status string
		if err := f.db.QueryRow(f.ctx, `SELECT i.total, i.paid, i.credited, i.status,
				coalesce((SELECT sum(applied) FROM payments p WHERE p.invoice_id = i.id), 0),
				coalesce((SELECT sum(applied) FROM payments p WHERE p.invoice_id = i.id AND p.reversed_at IS NOT NULL), 0)
			FROM invoices i WHERE i.id = $1`, inv.id).Scan(&total, &paid, &credited, &status, &payTotal, &reversed); err != nil {
			rt.Fatal(err)
		}
		balance := inv.total - inv.paid - inv.credited
		if pence(total) != pence(payTotal)-pence(reversed)+pence(credited)+balance {
			rt.Fatalf("step %d, %s: total %s ≠ payments %s − reversals %s + credits %s + balance %s", step, inv.number,
				total, payTotal, reversed, credited, money(balance))
		}
		if pence(paid) != inv.paid || pence(credited) != inv.credited {
			rt.Fatalf("step %d, %s: paid %s credited %s, model %s and %s", step, inv.number, paid, credited, money(inv.paid), money(inv.credited))
		}
		want := "sent"
		switch {
		case balance == 0:
			want = "paid"
		case inv.paid > 0:
			want = "part_paid"
		}
		if status != want {
			rt.Fatalf("step %d, %s: status %s with balance %s and paid %s, want %s", step, inv.number, status, money(balance), money(inv.paid), want)
		}
	}
	for entity, want := range credit {
		got := f.credit(entity)
		if pence(got) != want || got.IsNegative() {
			rt.Fatalf("step %d: client %d's credit on account %s, model %s", step, entity, got, money(want))
		}
	}
}
