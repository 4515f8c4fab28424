package realisation_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/billing/billingtest"
	"github.com/atlas-practice/atlas/internal/creditnotes"
	"github.com/atlas-practice/atlas/internal/practice"
)

type fixture = billingtest.Fixture

var (
	newFixture = billingtest.New
	lineOf     = billingtest.LineOf
	day        = billingtest.Day
	dec        = billingtest.Dec
)

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
	acme, beta, fixed = f.HourlyClient("ACME"), f.HourlyClient("BETA"), f.RetainerClient("FIXED", "300")
	f.Log(f.Bea, acme, "BK", "2026-11-02", 120)
	f.Log(f.Cal, acme, "BK", "2026-11-20", 60)
	f.Log(f.Bea, acme, "ADV", "2026-11-10", 90)
	f.Log(f.Bea, beta, "BK", "2026-11-03", 60)
	calBeta := f.Log(f.Cal, beta, "BK", "2026-11-04", 30)
	f.Log(f.Bea, fixed, "BK", "2026-11-05", 300)
	f.Log(f.Cal, fixed, "BK", "2026-11-25", 150)
	if _, n, err := f.TS.SetRate(f.Ctx, f.P, 0, practice.RateInput{Amount: "80", From: "2026-11-16"}, f.Now); err != nil || n != 2 {
		t.Fatalf("the rate change revalued %d entries (%v), want 2", n, err)
	}

	inv := f.Draft(acme, billing.Hourly)
	bk60, bk80, adv := lineOf(t, inv, f.Svc["BK"], "60"), lineOf(t, inv, f.Svc["BK"], "80"), lineOf(t, inv, f.Svc["ADV"], "60")
	if !bk60.TimeValue.Equal(dec("120")) || !bk80.TimeValue.Equal(dec("80")) || !adv.TimeValue.Equal(dec("90")) {
		t.Fatalf("ACME's lines are worth %s, %s, %s; want 120, 80, 90", bk60.TimeValue, bk80.TimeValue, adv.TimeValue)
	}
	if _, err := f.BS.SetLineAmount(f.Ctx, f.PID, f.Mina, inv.ID, bk60.ID, billing.AnyRevision, "100", "Agreed cap"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.BS.SetLineAmount(f.Ctx, f.PID, f.Mina, inv.ID, adv.ID, billing.AnyRevision, "100", "Urgent advice"); err != nil {
		t.Fatal(err)
	}
	f.Approve(inv.ID)

	inv = f.Draft(beta, billing.Hourly)
	if _, err := f.BS.TakeOff(f.Ctx, f.PID, f.Mina, inv.ID, billing.AnyRevision, []int64{calBeta.ID}, true, "Training time"); err != nil {
		t.Fatal(err)
	}
	f.Approve(inv.ID)
	f.Sent(inv.ID)
	inv, err := f.BS.Invoice(f.Ctx, f.PID, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	line := lineOf(t, inv, f.Svc["BK"], "60")
	if _, err := (creditnotes.Store{DB: f.DB}).Issue(f.Ctx, f.PID, f.Pat, creditnotes.Request{InvoiceID: inv.ID,
		Lines: []creditnotes.LineCredit{{LineID: line.ID, Amount: decimal.NewNullDecimal(dec("15"))}}, Reason: "Goodwill"}, f.Now); err != nil {
		t.Fatal(err)
	}

	f.Approve(f.Draft(fixed, billing.Recurring).ID)
	return acme, beta, fixed
}
