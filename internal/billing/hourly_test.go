package billing_test

import (
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

// The month's run bills each client's unbilled time up to the month's end:
// all of an hourly client's, and the time a fixed-fee client's retainer
// does not cover. Lines are by service and rate; entries point at them and
// stay work in progress.
func TestHourlyInvoices(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TBILLHR", day("2026-12-03").Add(9*3600*1e9))
	west := f.hourlyClient("WEST")
	acme := f.retainerClient("ACME", "advance", 1, "2027-01-01", "2026-01-01", "450")
	// West: payroll at 60, then a payroll rate of 90 from 16 November;
	// advisory (reduced-rate VAT); time with no service; December's time
	// waits for December's run.
	if _, err := f.ps.SaveRate(f.ctx, f.pid, 0, practiceRate(f.svc["PAYROLL"], "90", "2026-11-16"), f.now); err != nil {
		t.Fatal(err)
	}
	f.log(west, "PAYROLL", "2026-11-02", 90) // 90.00
	f.log(west, "PAYROLL", "2026-11-20", 60) // 90.00 at the new rate
	f.log(west, "PAYROLL", "2026-11-23", 45) // 48 minutes billed: 72.00
	f.log(west, "ADV", "2026-11-10", 100)    // 102 minutes billed: 102.00
	f.log(west, "", "2026-11-11", 30)        // other work: 30.00
	f.log(west, "PAYROLL", "2026-12-01", 60) // December
	// Acme: bookkeeping is covered by the retainer; payroll is not; time
	// with no service waits.
	covered := f.log(acme, "BK", "2026-11-05", 120)
	f.log(acme, "PAYROLL", "2026-11-06", 60) // 60.00
	nosvc := f.log(acme, "", "2026-11-07", 15)
	// Internal work is never billed, even marked billable.
	internal := f.log(west, "INT", "2026-11-12", 60)

	res, err := f.bs.Run(f.ctx, f.pid, month("2026-11"), f.now, f.mina)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hourly) != 2 {
		t.Fatalf("hourly: %+v", res.Hourly)
	}
	byCode := map[string]billing.Invoice{}
	for _, inv := range f.invoices() {
		if inv.Kind == billing.Hourly {
			byCode[inv.EntityCode] = inv
		}
	}
	w := byCode["WEST"]
	var lines []string
	for _, l := range w.Lines {
		lines = append(lines, l.Description+" "+l.Note+" "+billing.Hours(*l.Minutes)+"h "+l.Amount.StringFixed(2)+" "+string(l.Treatment)+" "+l.VATRate.String())
	}
	want := []string{
		"Advisory  1.70h 102.00 reduced 5",
		"Payroll at £60.00 an hour 1.50h 90.00 standard 20",
		"Payroll at £90.00 an hour 1.80h 162.00 standard 20",
		"Other work  0.50h 30.00 standard 20",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("West's lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	// VAT per invoice: 20% of 282.00 = 56.40; 5% of 102.00 = 5.10.
	if w.Subtotal.StringFixed(2) != "384.00" || w.VAT.StringFixed(2) != "61.50" || w.Total.StringFixed(2) != "445.50" ||
		w.Status != billing.AwaitingApproval || w.Label != "November 2026" || !w.MadeByRun || w.PreparerID == nil || *w.PreparerID != f.mina {
		t.Errorf("West: %+v", w)
	}
	a := byCode["ACME"]
	if len(a.Lines) != 1 || a.Lines[0].Description != "Payroll" || a.Total.StringFixed(2) != "72.00" {
		t.Errorf("Acme: %+v", a.Lines)
	}
	// Entries point at their lines and are still work in progress.
	var onInvoice, wip int
	if err := f.db.QueryRow(f.ctx, `SELECT count(*) FILTER (WHERE invoice_line_id IS NOT NULL), count(*) FILTER (WHERE billing_state = 'unbilled')
		FROM time_entries WHERE practice_id = $1`, f.pid).Scan(&onInvoice, &wip); err != nil || onInvoice != 6 || wip != 10 {
		t.Fatalf("on an invoice %d, in WIP %d (%v)", onInvoice, wip, err)
	}
	for _, e := range []int64{covered.ID, nosvc.ID, internal.ID} {
		entry, err := f.ts.Entry(f.ctx, f.pid, e)
		if err != nil || entry.InvoiceID != nil {
			t.Errorf("entry %d was billed hourly: %+v %v", e, entry, err)
		}
	}
	// An entry on a draft is locked.
	entry, err := f.ts.Entry(f.ctx, f.pid, w.Lines[0].Entries[0].ID)
	if err != nil || !entry.Locked() || entry.LockedAs() != "on a draft invoice" {
		t.Fatalf("entry on a draft: %v %q %v", entry.Locked(), entry.LockedAs(), err)
	}
	// The month's run, again: nothing new.
	again, err := f.bs.Run(f.ctx, f.pid, month("2026-11"), f.now, f.mina)
	if err != nil || len(again.Hourly) != 0 || again.HourlyRanBefore == nil {
		t.Fatalf("second run: %+v %v", again, err)
	}
	// A draft on demand takes December's time.
	made, err := f.bs.DraftFor(f.ctx, f.pid, west, day("2026-12-03"), f.now, f.mina)
	if err != nil || len(made) != 1 || made[0].Total.StringFixed(2) != "108.00" {
		t.Fatalf("draft on demand: %+v %v", made, err)
	}
	inv, _ := f.bs.Invoice(f.ctx, f.pid, made[0].InvoiceID)
	if inv.Status != billing.Draft || inv.Label != "Time to 3 December 2026" || inv.MadeByRun {
		t.Fatalf("draft on demand: %+v", inv)
	}
	// Nothing left to draft.
	if _, err := f.bs.DraftFor(f.ctx, f.pid, west, day("2026-12-03"), f.now, f.mina); atlas.ErrorCode(err) != atlas.ENotFound ||
		!strings.Contains(atlas.ErrorMessage(err), "nothing to draft") {
		t.Fatalf("nothing to draft: %v", err)
	}
}

func practiceRate(service int64, amount, from string) practice.RateInput {
	return practice.RateInput{Key: practice.RateKey{ServiceID: &service}, Amount: amount, From: from}
}
