package payments_test

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/payments"
	"github.com/atlas-practice/atlas/internal/practice"
)

// tb is what a fixture reports failures to: a test, or a property's check.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// fixture is a practice with a manager and two clients, in a database the
// test owns; invoices are written straight into the table in the status a
// test needs, since how they got there is billing's business.
type fixture struct {
	t    tb
	ctx  context.Context
	db   db.DB
	pid  atlas.PracticeID
	ps   payments.Store
	mina atlas.MemberID
	acme int64
	nwt  int64
	now  time.Time
	n    int
}

func newFixture(t tb, q db.DB, pid string) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: q, pid: atlas.PracticeID(pid), ps: payments.Store{DB: q},
		now: time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)}
	store := practice.Store{DB: q}
	if _, err := store.Ensure(f.ctx, f.pid); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SaveBasics(f.ctx, f.pid, 0, practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"}); err != nil {
		t.Fatal(err)
	}
	m, err := store.AddMember(f.ctx, f.pid, 0, practice.NewMember{SlackUserID: "UMINA", Name: "Mina", Role: atlas.RoleManager})
	if err != nil {
		t.Fatal(err)
	}
	f.mina = m.ID
	f.acme = f.client("ACME", "Acme Trading Ltd")
	f.nwt = f.client("NWT", "Northwind Traders")
	return f
}

func (f *fixture) client(code, name string) int64 {
	f.t.Helper()
	var id int64
	f.scan(&id, `INSERT INTO entities (practice_id, code, name, billing_type, billing_email) VALUES ($1, $2, $3, 'hourly', 'a@example.com') RETURNING id`,
		f.pid, code, name)
	return id
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

func (f *fixture) scan(dst any, sql string, args ...any) {
	f.t.Helper()
	if err := f.db.QueryRow(f.ctx, sql, args...).Scan(dst); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

// invoice writes an invoice of total (VAT included) in status, numbered
// unless a draft, sent on issued and due 30 days later when sent.
func (f *fixture) invoice(entity int64, status string, total string, issued time.Time) (int64, string) {
	f.t.Helper()
	f.n++
	number := fmt.Sprintf("INV-2026-%04d", f.n)
	var num, issue, due any = number, issued, issued.AddDate(0, 0, 30)
	switch status {
	case "draft", "awaiting_approval", "deleted":
		num, issue, due, number = nil, nil, nil, ""
	case "approved", "sending", "void":
		issue, due = nil, nil
	}
	var reason any = ""
	if status == "void" {
		reason = "wrong client"
	}
	gross := decimal.RequireFromString(total)
	net := gross.Div(decimal.RequireFromString("1.2")).Round(2)
	var id int64
	f.scan(&id, `INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency, issue_date, due_date, subtotal, vat, total,
			label, voided_at, void_reason, sent_at, sending_started_at, send_attempt)
		VALUES ($1, $2, 'adhoc', $3, $4, 'GBP', $5, $6, $7, $8, $9, 'Advisory', CASE WHEN $3 = 'void' THEN now() END, $10,
			CASE WHEN $5::date IS NOT NULL THEN now() END, CASE WHEN $3 = 'sending' THEN now() END, CASE WHEN $3 = 'sending' THEN 1 ELSE 0 END)
		RETURNING id`, f.pid, entity, status, num, issue, due, net, gross.Sub(net), gross, reason)
	return id, number
}

// state is an invoice's paid, credited and status.
func (f *fixture) state(id int64) (paid, credited decimal.Decimal, status string) {
	f.t.Helper()
	if err := f.db.QueryRow(f.ctx, `SELECT paid, credited, status FROM invoices WHERE id = $1`, id).Scan(&paid, &credited, &status); err != nil {
		f.t.Fatal(err)
	}
	return paid, credited, status
}

// pay records a payment that must be taken.
func (f *fixture) pay(ref, amount string, over bool) payments.Outcome {
	f.t.Helper()
	out, err := f.ps.Record(f.ctx, f.pid, f.mina, payments.Input{Invoice: ref, Amount: amount, Date: "3 Dec", Reference: "BACS", Overpayment: over}, f.now)
	if err != nil {
		f.t.Fatalf("pay %s on %s: %v", amount, ref, err)
	}
	return out
}

func (f *fixture) credit(entity int64) decimal.Decimal {
	f.t.Helper()
	c, err := f.ps.Credit(f.ctx, f.pid, entity)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
