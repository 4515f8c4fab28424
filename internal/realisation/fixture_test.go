package realisation_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/creditnotes"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// fixture is a practice with two people, two services and clients, in a
// database the test owns.
type fixture struct {
	t             testing.TB
	ctx           context.Context
	db            db.DB
	pid           atlas.PracticeID
	p             practice.Practice
	ps            practice.Store
	ts            timesheet.Store
	bs            billing.Store
	now           time.Time
	bea, cal, pat atlas.MemberID // staff, staff, partner
	mina          atlas.MemberID // manager
	svc           map[string]int64
}

func newFixture(t testing.TB, q db.DB, pid string, now time.Time) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: q, pid: atlas.PracticeID(pid), ps: practice.Store{DB: q},
		ts: timesheet.Store{DB: q}, bs: billing.Store{DB: q}, now: now, svc: map[string]int64{}}
	if _, err := f.ps.Ensure(f.ctx, f.pid); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.p, err = f.ps.SaveBasics(f.ctx, f.pid, 0, practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"}); err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE practices SET vat_registered = true, vat_number = 'GB123456789', postal_address = '1 High Street' WHERE id = $1`, f.pid)
	for _, m := range []struct {
		slack, name string
		role        atlas.Role
		id          *atlas.MemberID
	}{{"UBEA", "Bea", atlas.RoleStaff, &f.bea}, {"UCAL", "Cal", atlas.RoleStaff, &f.cal},
		{"UMINA", "Mina", atlas.RoleManager, &f.mina}, {"UPAT", "Pat", atlas.RolePartner, &f.pat}} {
		mem, err := f.ps.AddMember(f.ctx, f.pid, 0, practice.NewMember{SlackUserID: atlas.SlackUserID(m.slack), Name: m.name, Role: m.role})
		if err != nil {
			t.Fatal(err)
		}
		*m.id = mem.ID
	}
	for _, s := range []struct{ code, name string }{{"BK", "Bookkeeping"}, {"ADV", "Advisory"}} {
		sv, err := f.ps.SaveService(f.ctx, f.pid, 0, s.code, s.name, false)
		if err != nil {
			t.Fatal(err)
		}
		f.svc[s.code] = sv.ID
	}
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

func (f *fixture) hourlyClient(code string) int64 {
	f.t.Helper()
	e, err := f.ps.SaveEntity(f.ctx, f.pid, 0, 0, practice.EntityInput{Code: code, Name: code + " Ltd", BillingType: "hourly",
		BillingEmail: "accounts@" + code + ".example", Manager: &f.mina})
	if err != nil {
		f.t.Fatal(err)
	}
	return e.ID
}

// retainerClient is a fixed-fee client whose retainer, billed in advance
// on the 1st, covers Bookkeeping at fee a month.
func (f *fixture) retainerClient(code, fee string) int64 {
	f.t.Helper()
	e, err := f.ps.SaveEntity(f.ctx, f.pid, 0, 0, practice.EntityInput{Code: code, Name: code + " Ltd", BillingType: "hourly",
		BillingEmail: "accounts@" + code + ".example", Manager: &f.mina, InvoiceTiming: "advance", RetainerServices: []int64{f.svc["BK"]}})
	if err != nil {
		f.t.Fatal(err)
	}
	f.exec(`UPDATE entities SET billing_type = 'fixed', invoice_day = 1, bill_from = '2026-11-01' WHERE id = $1`, e.ID)
	f.exec(`INSERT INTO entity_fees (practice_id, entity_id, effective_from, monthly_fee) VALUES ($1, $2, '2026-01-01', $3)`, f.pid, e.ID, fee)
	return e.ID
}

func (f *fixture) log(who atlas.MemberID, entity int64, service, date string, minutes int) timesheet.Entry {
	f.t.Helper()
	sv := f.svc[service]
	d, _ := time.Parse(time.DateOnly, date)
	e, _, err := f.ts.Log(f.ctx, f.p, timesheet.NewEntry{Member: who, EntityID: entity, ServiceID: &sv, WorkDate: d, Minutes: minutes,
		Billable: true}, f.now)
	if err != nil {
		f.t.Fatalf("log %d minutes on %s: %v", minutes, date, err)
	}
	return e
}

// draft drafts entity's invoice of the kind asked up to the end of
// November.
func (f *fixture) draft(entity int64, kind billing.Kind) billing.Invoice {
	f.t.Helper()
	made, err := f.bs.DraftFor(f.ctx, f.pid, entity, day("2026-11-30"), f.now, f.mina)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, m := range made {
		if m.Kind == kind {
			inv, err := f.bs.Invoice(f.ctx, f.pid, m.InvoiceID)
			if err != nil {
				f.t.Fatal(err)
			}
			return inv
		}
	}
	f.t.Fatalf("no %s draft made: %+v", kind, made)
	return billing.Invoice{}
}

func (f *fixture) approve(id int64) {
	f.t.Helper()
	if _, err := f.bs.Submit(f.ctx, f.pid, f.mina, id); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.bs.Approve(f.ctx, f.pid, f.pat, id, f.now); err != nil {
		f.t.Fatal(err)
	}
}

// sent marks an approved invoice sent, as the delivery job would.
func (f *fixture) sent(id int64) {
	f.t.Helper()
	f.exec(`UPDATE invoices SET status = 'sent', issue_date = '2026-11-30', due_date = '2026-12-14', sent_at = now() WHERE id = $1`, id)
}

// lineOf is the invoice's line whose description has the service's name
// and whose rate is rate.
func lineOf(t testing.TB, inv billing.Invoice, serviceID int64, rate string) billing.Line {
	t.Helper()
	for _, l := range inv.Lines {
		if l.ServiceID != nil && *l.ServiceID == serviceID && l.Rate.Valid && l.Rate.Decimal.Equal(decimal.RequireFromString(rate)) {
			return l
		}
	}
	t.Fatalf("no line of service %d at %s on %+v", serviceID, rate, inv.Lines)
	return billing.Line{}
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// november is the practice's November 2026 (the month of the fixture):
//
// The practice rate is £60 an hour, £80 from 16 November (a rate change
// made after the month's time was logged, which revalues the unbilled
// time dated from the 16th).
//
// ACME (hourly):
//
//	Bea BK  2 Nov 2h    at £60 = £120.00  line BK@60 written down to £100.00 (−£20.00)
//	Cal BK 20 Nov 1h    at £80 =  £80.00  line BK@80 as valued
//	Bea ADV 10 Nov 1.5h at £60 =  £90.00  line ADV@60 written up to £100.00 (+£10.00)
//	time value £290.00, billed £280.00: 96.6% (280/290 = 0.96551…)
//
// BETA (hourly):
//
//	Bea BK 3 Nov 1h    at £60 = £60.00  line BK@60, billed £60.00
//	Cal BK 4 Nov 0.5h  at £60 = £30.00  taken off the draft and written off
//	then sent, and £15.00 of the line credited by a credit note
//	time value £60.00 + £30.00 written off = £90.00; billed £60.00, credited
//	£15.00, net £45.00: 50.0%
//
// FIXED (retainer £300 a month, covering BK):
//
//	Bea BK  5 Nov 5h   at £60 = £300.00  absorbed by November's retainer
//	Cal BK 25 Nov 2.5h at £80 = £200.00  absorbed by November's retainer
//	fee £300.00 ÷ £500.00 of time: the fee covers 60% of the effort
func november(t testing.TB, f *fixture) (acme, beta, fixed int64) {
	t.Helper()
	acme, beta, fixed = f.hourlyClient("ACME"), f.hourlyClient("BETA"), f.retainerClient("FIXED", "300")
	f.log(f.bea, acme, "BK", "2026-11-02", 120)
	f.log(f.cal, acme, "BK", "2026-11-20", 60)
	f.log(f.bea, acme, "ADV", "2026-11-10", 90)
	f.log(f.bea, beta, "BK", "2026-11-03", 60)
	calBeta := f.log(f.cal, beta, "BK", "2026-11-04", 30)
	f.log(f.bea, fixed, "BK", "2026-11-05", 300)
	f.log(f.cal, fixed, "BK", "2026-11-25", 150)
	if _, n, err := f.ts.SetRate(f.ctx, f.p, 0, practice.RateInput{Amount: "80", From: "2026-11-16"}, f.now); err != nil || n != 2 {
		t.Fatalf("the rate change revalued %d entries (%v), want 2", n, err)
	}

	inv := f.draft(acme, billing.Hourly)
	bk60, bk80, adv := lineOf(t, inv, f.svc["BK"], "60"), lineOf(t, inv, f.svc["BK"], "80"), lineOf(t, inv, f.svc["ADV"], "60")
	if !bk60.TimeValue.Equal(dec("120")) || !bk80.TimeValue.Equal(dec("80")) || !adv.TimeValue.Equal(dec("90")) {
		t.Fatalf("ACME's lines are worth %s, %s, %s; want 120, 80, 90", bk60.TimeValue, bk80.TimeValue, adv.TimeValue)
	}
	if _, err := f.bs.SetLineAmount(f.ctx, f.pid, f.mina, inv.ID, bk60.ID, billing.AnyRevision, "100", "Agreed cap"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.bs.SetLineAmount(f.ctx, f.pid, f.mina, inv.ID, adv.ID, billing.AnyRevision, "100", "Urgent advice"); err != nil {
		t.Fatal(err)
	}
	f.approve(inv.ID)

	inv = f.draft(beta, billing.Hourly)
	if _, err := f.bs.TakeOff(f.ctx, f.pid, f.mina, inv.ID, billing.AnyRevision, []int64{calBeta.ID}, true, "Training time"); err != nil {
		t.Fatal(err)
	}
	f.approve(inv.ID)
	f.sent(inv.ID)
	inv, err := f.bs.Invoice(f.ctx, f.pid, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	line := lineOf(t, inv, f.svc["BK"], "60")
	if _, err := (creditnotes.Store{DB: f.db}).Issue(f.ctx, f.pid, f.pat, creditnotes.Request{InvoiceID: inv.ID,
		Lines: []creditnotes.LineCredit{{LineID: line.ID, Amount: decimal.NewNullDecimal(dec("15"))}}, Reason: "Goodwill"}, f.now); err != nil {
		t.Fatal(err)
	}

	f.approve(f.draft(fixed, billing.Recurring).ID)
	return acme, beta, fixed
}
