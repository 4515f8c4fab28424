package billing_test

import (
	"testing"

	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// The run invoices each retainer period whose invoice date has come, once:
// in advance and in arrears, at the fee in force on the period's first
// day, pro rata for a retainer that starts or ends inside a period.
func TestRetainerInvoices(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TBILLRET", day("2026-12-03").Add(9*60*60*1e9))
	// Advance on the 1st: December is invoiced on 1 December.
	acme := f.retainerClient("ACME", "advance", 1, "2026-11-01", "2026-01-01", "450", "2026-12-01", "500")
	// Arrears on the 1st: November is invoiced on 1 December, at
	// November's fee — December's rise does not reach it.
	baker := f.retainerClient("BAKER", "arrears", 1, "2026-11-01", "2026-01-01", "295", "2026-12-01", "310")
	// Advance on the 25th: not yet due for January.
	f.retainerClient("GREEN", "advance", 25, "2027-01-01", "2026-01-01", "650")
	// Starts on 14 November, in arrears: 17 of 30 days of November.
	stone := f.retainerClient("STONE", "arrears", 1, "2026-11-01", "2026-11-14", "540")
	f.exec(`UPDATE entities SET retainer_start = '2026-11-14' WHERE id = $1`, stone)
	// Ended on 10 November: its November invoice (in advance, made on
	// 1 November) was 10 of 30 days; nothing for December.
	valley := f.retainerClient("VALLEY", "advance", 1, "2026-11-01", "2026-01-01", "375")
	f.exec(`UPDATE entities SET retainer_end = '2026-11-10' WHERE id = $1`, valley)
	// A fixed-fee client with no fee in force.
	f.retainerClient("NOFEE", "arrears", 1, "2026-11-01", "2026-12-15", "100")

	res, err := f.bs.Run(f.ctx, f.pid, month("2026-11"), f.now, f.mina)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, inv := range f.invoices() {
		if inv.Kind != billing.Recurring {
			continue
		}
		if inv.Status != billing.AwaitingApproval || len(inv.Lines) != 1 {
			t.Errorf("%s: %s with %d lines", inv.Client(), inv.Status, len(inv.Lines))
		}
		got[inv.EntityCode+" "+inv.Period.String()] = inv.Lines[0].Amount.StringFixed(2) + " " + inv.Lines[0].Note + " | " + inv.Lines[0].Description
	}
	want := map[string]string{
		"ACME 2026-11":   "450.00  | Bookkeeping retainer — November 2026 (in advance)",
		"ACME 2026-12":   "500.00  | Bookkeeping retainer — December 2026 (in advance)",
		"BAKER 2026-11":  "295.00  | Bookkeeping retainer — November 2026 (in arrears)",
		"STONE 2026-11":  "306.00 17 of 30 days | Bookkeeping retainer — November 2026 (in arrears)",
		"VALLEY 2026-11": "125.00 10 of 30 days | Bookkeeping retainer — November 2026 (in advance)",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("invoices %v, want %v", got, want)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Reason != "no monthly fee in force on 1 Nov 2026" {
		t.Errorf("skipped: %+v", res.Skipped)
	}
	_ = acme
	_ = baker

	// Again, and again later the same day: nothing twice.
	for range 2 {
		res, err = f.bs.Run(f.ctx, f.pid, month("2026-11"), f.now, f.mina)
		if err != nil || len(res.Retainers) != 0 || res.HourlyRanBefore == nil {
			t.Fatalf("second run: %+v %v", res, err)
		}
	}
	if n := len(f.invoices()); n != len(want) {
		t.Fatalf("%d invoices after three runs, want %d", n, len(want))
	}
}
