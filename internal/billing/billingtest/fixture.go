// Package billingtest builds a small practice to bill, for the tests of
// the packages that read billing (realisation, work in progress): two
// staff, a manager and a partner, two services, a rate card, and helpers
// to add clients, log time, draft, approve and mark invoices sent through
// the real stores.
package billingtest

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// Fixture is a practice with two people, two services and clients, in a
// database the test owns.
type Fixture struct {
	T             testing.TB
	Ctx           context.Context
	DB            db.DB
	PID           atlas.PracticeID
	P             practice.Practice
	PS            practice.Store
	TS            timesheet.Store
	BS            billing.Store
	Now           time.Time
	Bea, Cal, Pat atlas.MemberID // staff, staff, partner
	Mina          atlas.MemberID // manager
	Svc           map[string]int64
}

// New makes the practice pid in q at now: the people, the services
// Bookkeeping (BK) and Advisory (ADV), and a rate of £60 an hour.
func New(t testing.TB, q db.DB, pid string, now time.Time) *Fixture {
	t.Helper()
	f := &Fixture{T: t, Ctx: context.Background(), DB: q, PID: atlas.PracticeID(pid), PS: practice.Store{DB: q},
		TS: timesheet.Store{DB: q}, BS: billing.Store{DB: q}, Now: now, Svc: map[string]int64{}}
	if _, err := f.PS.Ensure(f.Ctx, f.PID); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.P, err = f.PS.SaveBasics(f.Ctx, f.PID, 0, practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"}); err != nil {
		t.Fatal(err)
	}
	f.Exec(`UPDATE practices SET vat_registered = true, vat_number = 'GB123456789', postal_address = '1 High Street' WHERE id = $1`, f.PID)
	for _, m := range []struct {
		slack, name string
		role        atlas.Role
		id          *atlas.MemberID
	}{{"UBEA", "Bea", atlas.RoleStaff, &f.Bea}, {"UCAL", "Cal", atlas.RoleStaff, &f.Cal},
		{"UMINA", "Mina", atlas.RoleManager, &f.Mina}, {"UPAT", "Pat", atlas.RolePartner, &f.Pat}} {
		mem, err := f.PS.AddMember(f.Ctx, f.PID, 0, practice.NewMember{SlackUserID: atlas.SlackUserID(m.slack), Name: m.name, Role: m.role})
		if err != nil {
			t.Fatal(err)
		}
		*m.id = mem.ID
	}
	for _, s := range []struct{ code, name string }{{"BK", "Bookkeeping"}, {"ADV", "Advisory"}} {
		sv, err := f.PS.SaveService(f.Ctx, f.PID, 0, s.code, s.name, false)
		if err != nil {
			t.Fatal(err)
		}
		f.Svc[s.code] = sv.ID
	}
	if _, err := f.PS.SaveRate(f.Ctx, f.PID, 0, practice.RateInput{Amount: "60", From: "2020-01-01"}, now); err != nil {
		t.Fatal(err)
	}
	return f
}

// Exec runs a statement, failing the test if it fails.
func (f *Fixture) Exec(sql string, args ...any) {
	f.T.Helper()
	if _, err := f.DB.Exec(f.Ctx, sql, args...); err != nil {
		f.T.Fatalf("%s: %v", sql, err)
	}
}

// HourlyClient adds an hourly client "<code> Ltd" managed by Mina.
func (f *Fixture) HourlyClient(code string) int64 {
	f.T.Helper()
	e, err := f.PS.SaveEntity(f.Ctx, f.PID, 0, 0, practice.EntityInput{Code: code, Name: code + " Ltd", BillingType: "hourly",
		BillingEmail: "accounts@" + code + ".example", Manager: &f.Mina})
	if err != nil {
		f.T.Fatal(err)
	}
	return e.ID
}

// RetainerClient is a fixed-fee client whose retainer, billed in advance
// on the 1st, covers Bookkeeping at fee a month.
func (f *Fixture) RetainerClient(code, fee string) int64 {
	f.T.Helper()
	e, err := f.PS.SaveEntity(f.Ctx, f.PID, 0, 0, practice.EntityInput{Code: code, Name: code + " Ltd", BillingType: "hourly",
		BillingEmail: "accounts@" + code + ".example", Manager: &f.Mina, InvoiceTiming: "advance", RetainerServices: []int64{f.Svc["BK"]}})
	if err != nil {
		f.T.Fatal(err)
	}
	f.Exec(`UPDATE entities SET billing_type = 'fixed', invoice_day = 1, bill_from = '2026-11-01' WHERE id = $1`, e.ID)
	f.Exec(`INSERT INTO entity_fees (practice_id, entity_id, effective_from, monthly_fee) VALUES ($1, $2, '2026-01-01', $3)`, f.PID, e.ID, fee)
	return e.ID
}

// Log logs minutes of who's billable time on the service for the client.
func (f *Fixture) Log(who atlas.MemberID, entity int64, service, date string, minutes int) timesheet.Entry {
	f.T.Helper()
	sv := f.Svc[service]
	d, _ := time.Parse(time.DateOnly, date)
	e, _, err := f.TS.Log(f.Ctx, f.P, timesheet.NewEntry{Member: who, EntityID: entity, ServiceID: &sv, WorkDate: d, Minutes: minutes,
		Billable: true}, f.Now)
	if err != nil {
		f.T.Fatalf("log %d minutes on %s: %v", minutes, date, err)
	}
	return e
}

// Draft drafts entity's invoice of the kind asked up to the end of
// November 2026.
func (f *Fixture) Draft(entity int64, kind billing.Kind) billing.Invoice {
	f.T.Helper()
	return f.DraftUpTo(entity, kind, "2026-11-30")
}

// DraftUpTo drafts entity's invoice of the kind asked up to the date.
func (f *Fixture) DraftUpTo(entity int64, kind billing.Kind, upTo string) billing.Invoice {
	f.T.Helper()
	made, err := f.BS.DraftFor(f.Ctx, f.PID, entity, Day(upTo), f.Now, f.Mina)
	if err != nil {
		f.T.Fatal(err)
	}
	for _, m := range made {
		if m.Kind == kind {
			inv, err := f.BS.Invoice(f.Ctx, f.PID, m.InvoiceID)
			if err != nil {
				f.T.Fatal(err)
			}
			return inv
		}
	}
	f.T.Fatalf("no %s draft made: %+v", kind, made)
	return billing.Invoice{}
}

// Approve submits the draft as the manager and approves it as the partner.
func (f *Fixture) Approve(id int64) {
	f.T.Helper()
	if _, err := f.BS.Submit(f.Ctx, f.PID, f.Mina, id); err != nil {
		f.T.Fatal(err)
	}
	if _, err := f.BS.Approve(f.Ctx, f.PID, f.Pat, id, f.Now); err != nil {
		f.T.Fatal(err)
	}
}

// Sent marks an approved invoice sent, as the delivery job would.
func (f *Fixture) Sent(id int64) {
	f.T.Helper()
	f.Exec(`UPDATE invoices SET status = 'sent', issue_date = '2026-11-30', due_date = '2026-12-14', sent_at = now() WHERE id = $1`, id)
}

// LineOf is the invoice's line whose description has the service's name
// and whose rate is rate.
func LineOf(t testing.TB, inv billing.Invoice, serviceID int64, rate string) billing.Line {
	t.Helper()
	for _, l := range inv.Lines {
		if l.ServiceID != nil && *l.ServiceID == serviceID && l.Rate.Valid && l.Rate.Decimal.Equal(decimal.RequireFromString(rate)) {
			return l
		}
	}
	t.Fatalf("no line of service %d at %s on %+v", serviceID, rate, inv.Lines)
	return billing.Line{}
}

// Day reads "2026-11-30".
func Day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// Dec reads a decimal.
func Dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
