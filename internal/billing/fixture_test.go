package billing_test

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// fixture is a practice with a team, services and clients, in a database
// the test owns (a transaction rolled back, or a database of its own).
type fixture struct {
	t     tb
	ctx   context.Context
	db    db.DB
	pid   atlas.PracticeID
	p     practice.Practice
	ps    practice.Store
	ts    timesheet.Store
	bs    billing.Store
	now   time.Time
	bea   atlas.MemberID // staff
	mina  atlas.MemberID // manager
	svc   map[string]int64
	codes map[int64]string
}

// tb is what a fixture reports failures to: a test, or a property's check.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

func newFixture(t tb, q db.DB, pid string, now time.Time) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: q, pid: atlas.PracticeID(pid), ps: practice.Store{DB: q},
		ts: timesheet.Store{DB: q}, bs: billing.Store{DB: q}, now: now, svc: map[string]int64{}, codes: map[int64]string{}}
	if _, err := f.ps.Ensure(f.ctx, f.pid); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.p, err = f.ps.SaveBasics(f.ctx, f.pid, 0, practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"}); err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE practices SET vat_registered = true, vat_number = 'GB123456789', postal_address = '1 High Street' WHERE id = $1`, f.pid)
	bea, err := f.ps.AddMember(f.ctx, f.pid, 0, practice.NewMember{SlackUserID: "UBEA", Name: "Bea", Role: atlas.RoleStaff})
	if err != nil {
		t.Fatal(err)
	}
	mina, err := f.ps.AddMember(f.ctx, f.pid, 0, practice.NewMember{SlackUserID: "UMINA", Name: "Mina", Role: atlas.RoleManager})
	if err != nil {
		t.Fatal(err)
	}
	f.bea, f.mina = bea.ID, mina.ID
	for _, s := range []struct{ code, name, vat string }{
		{"BK", "Bookkeeping", "standard"}, {"PAYROLL", "Payroll", "standard"}, {"ADV", "Advisory", "reduced"},
		{"CH", "Companies House", "outside"}, {"INT", "Internal", "exempt"},
	} {
		sv, err := f.ps.SaveService(f.ctx, f.pid, 0, s.code, s.name, false)
		if err != nil {
			t.Fatal(err)
		}
		f.svc[s.code] = sv.ID
		f.exec(`UPDATE services SET vat_treatment = $2 WHERE id = $1`, sv.ID, s.vat)
	}
	f.exec(`UPDATE services SET billable = false WHERE id = $1`, f.svc["INT"])
	if _, err := f.ps.SaveRate(f.ctx, f.pid, 0, practice.RateInput{Amount: "60", From: "2020-01-01"}, now); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

// hourlyClient adds an hourly client managed by Mina.
func (f *fixture) hourlyClient(code string) int64 {
	f.t.Helper()
	e, err := f.ps.SaveEntity(f.ctx, f.pid, 0, 0, practice.EntityInput{Code: code, Name: code + " Ltd", BillingType: "hourly",
		BillingEmail: "accounts@" + code + ".example", Manager: &f.mina})
	if err != nil {
		f.t.Fatal(err)
	}
	f.codes[e.ID] = code
	return e.ID
}

// retainerClient adds a fixed-fee client with the given schedule, covering
// Bookkeeping, with a fee history (from, amount pairs) and billed by Atlas
// from billFrom.
func (f *fixture) retainerClient(code, timing string, day int, billFrom string, fees ...string) int64 {
	f.t.Helper()
	e, err := f.ps.SaveEntity(f.ctx, f.pid, 0, 0, practice.EntityInput{Code: code, Name: code + " Ltd", BillingType: "hourly",
		BillingEmail: "accounts@" + code + ".example", Manager: &f.mina, InvoiceTiming: timing, RetainerServices: []int64{f.svc["BK"]}})
	if err != nil {
		f.t.Fatal(err)
	}
	f.exec(`UPDATE entities SET billing_type = 'fixed', invoice_day = $2, bill_from = $3 WHERE id = $1`, e.ID, day, billFrom)
	for i := 0; i+1 < len(fees); i += 2 {
		f.exec(`INSERT INTO entity_fees (practice_id, entity_id, effective_from, monthly_fee) VALUES ($1, $2, $3, $4)`, f.pid, e.ID, fees[i], fees[i+1])
	}
	f.codes[e.ID] = code
	return e.ID
}

// log logs time as Bea; service is a code, "" for none.
func (f *fixture) log(entity int64, service, date string, minutes int) timesheet.Entry {
	f.t.Helper()
	var sv *int64
	if service != "" {
		id := f.svc[service]
		sv = &id
	}
	d, _ := time.Parse(time.DateOnly, date)
	e, _, err := f.ts.Log(f.ctx, f.p, timesheet.NewEntry{Member: f.bea, EntityID: entity, ServiceID: sv, WorkDate: d, Minutes: minutes,
		Billable: true}, f.now)
	if err != nil {
		f.t.Fatalf("log %d minutes on %s: %v", minutes, date, err)
	}
	return e
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func month(s string) atlas.Period {
	p, err := atlas.ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// invoices lists the practice's live invoices, oldest first.
func (f *fixture) invoices() []billing.Invoice {
	f.t.Helper()
	page, err := f.bs.List(f.ctx, f.pid, billing.Filter{Limit: 1000})
	if err != nil {
		f.t.Fatal(err)
	}
	out := make([]billing.Invoice, 0, len(page.Invoices))
	for i := len(page.Invoices) - 1; i >= 0; i-- {
		inv, err := f.bs.Invoice(f.ctx, f.pid, page.Invoices[i].ID)
		if err != nil {
			f.t.Fatal(err)
		}
		out = append(out, inv)
	}
	return out
}

// checkSummary holds a billing month's summary, counted by PostgreSQL,
// equal to the same count made here from each of the run's invoices, and
// returns it.
func (f *fixture) checkSummary(m atlas.Period) billing.RunSummary {
	f.t.Helper()
	got, err := f.bs.RunSummary(f.ctx, f.pid, m)
	if err != nil {
		f.t.Fatal(err)
	}
	rows, err := f.db.Query(f.ctx, `SELECT id FROM invoices WHERE practice_id = $1 AND run_period = $2`, f.pid, m.FirstDay())
	if err != nil {
		f.t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		f.t.Fatal(err)
	}
	want := billing.RunSummary{Currency: "GBP", Invoices: len(ids)}
	kinds := map[billing.Kind]*billing.KindTally{}
	for _, id := range ids {
		inv, err := f.bs.Invoice(f.ctx, f.pid, id)
		if err != nil {
			f.t.Fatal(err)
		}
		switch {
		case inv.SentAt != nil:
			want.Sent++
		case inv.Status == billing.Sending:
			want.Sending++
		case inv.Status == billing.Approved && inv.SendError != "":
			want.Failed++
		}
		if !inv.Status.Live() {
			continue
		}
		if kinds[inv.Kind] == nil {
			kinds[inv.Kind] = &billing.KindTally{Kind: inv.Kind}
		}
		kinds[inv.Kind].N++
		kinds[inv.Kind].Total = kinds[inv.Kind].Total.Add(inv.Total)
		switch inv.Status {
		case billing.AwaitingApproval:
			want.Awaiting++
		case billing.Draft:
			want.Returned++
		default:
			want.Approved++
		}
	}
	for _, k := range []billing.Kind{billing.Recurring, billing.Hourly, billing.Adhoc} {
		if t := kinds[k]; t != nil {
			want.Kinds = append(want.Kinds, *t)
		}
	}
	unchanged, err := f.bs.Unchanged(f.ctx, f.pid, m)
	if err != nil {
		f.t.Fatal(err)
	}
	want.Unchanged = len(unchanged)
	for _, inv := range unchanged {
		want.UnchangedTotal = want.UnchangedTotal.Add(inv.Total)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		f.t.Fatalf("summary of %s:\n got %+v\nwant %+v", m, got, want)
	}
	return got
}
