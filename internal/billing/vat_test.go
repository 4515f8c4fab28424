package billing_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

func TestComputeVAT(t *testing.T) {
	t.Parallel()
	twenty, five := dec("20"), dec("5")
	lines := []billing.Taxed{
		{Net: dec("10.03"), Treatment: billing.Standard, Rate: twenty}, // 2.006
		{Net: dec("10.03"), Treatment: billing.Standard, Rate: twenty}, // 2.006
		{Net: dec("0.10"), Treatment: billing.Reduced, Rate: five},     // 0.005
		{Net: dec("13.00"), Treatment: billing.OutsideScope, Rate: decimal.Zero},
		{Net: dec("7.50"), Treatment: billing.Exempt, Rate: decimal.Zero},
	}
	// Per invoice: 20% of 20.06 = 4.012 → 4.01; 5% of 0.10 = 0.005 → 0.00.
	inv := billing.Compute(lines, billing.PerInvoice)
	if inv.Subtotal.String() != "40.66" || inv.VAT.StringFixed(2) != "4.01" || inv.Total.StringFixed(2) != "44.67" || inv.LineVAT != nil {
		t.Errorf("per invoice: %s + %s = %s", inv.Subtotal, inv.VAT, inv.Total)
	}
	// Per line: 2.01 + 2.01 + 0.01 (half up) = 4.03.
	line := billing.Compute(lines, billing.PerLine)
	if line.VAT.StringFixed(2) != "4.03" || line.Total.StringFixed(2) != "44.69" || len(line.LineVAT) != 5 || line.LineVAT[2].StringFixed(2) != "0.01" {
		t.Errorf("per line: %s + %s = %s (%v)", line.Subtotal, line.VAT, line.Total, line.LineVAT)
	}
	if len(inv.Bands) != 4 || inv.Bands[0].Treatment != billing.Standard || inv.Bands[0].Net.String() != "20.06" {
		t.Errorf("bands: %+v", inv.Bands)
	}
	// Not VAT-registered: no rate for any treatment.
	none := billing.VATRates{Registered: false, Standard: twenty, Reduced: five}
	for _, tr := range billing.Treatments {
		if !none.RateOf(tr).IsZero() {
			t.Errorf("unregistered %s: %s", tr, none.RateOf(tr))
		}
	}
}

// Spread: the shares add up to the total exactly, none below zero, each
// within a penny of its exact share except the largest, which takes what
// is left.
func TestSpread(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		total := decimal.New(rapid.Int64Range(1, 10_000_000).Draw(rt, "total"), -2)
		ws := rapid.SliceOfN(rapid.Int64Range(0, 1_000_000), 1, 20).Draw(rt, "weights")
		weights := make([]decimal.Decimal, len(ws))
		var sum int64
		for i, w := range ws {
			weights[i], sum = decimal.New(w, -2), sum+w
		}
		shares, ok := billing.Spread(total, weights)
		if ok != (sum > 0) {
			rt.Fatalf("ok %v with weights summing to %d", ok, sum)
		}
		if !ok {
			return
		}
		var got decimal.Decimal
		for _, s := range shares {
			if s.IsNegative() || s.Exponent() < -2 {
				rt.Fatalf("share %s", s)
			}
			got = got.Add(s)
		}
		if !got.Equal(total) {
			rt.Fatalf("shares add to %s, want %s", got, total)
		}
	})
}

// A practice that is not VAT-registered charges no VAT anywhere.
func TestNotVATRegistered(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TBILLNOVAT", day("2026-12-03").Add(9*3600*1e9))
	f.exec(`UPDATE practices SET vat_registered = false, vat_number = NULL WHERE id = $1`, f.pid)
	west := f.hourlyClient("WEST")
	f.log(west, "PAYROLL", "2026-11-02", 90)
	f.log(west, "ADV", "2026-11-03", 60)
	f.retainerClient("ACME", "arrears", 1, "2026-11-01", "2026-01-01", "450")
	if _, err := f.bs.Run(f.ctx, f.pid, month("2026-11"), f.now, f.mina); err != nil {
		t.Fatal(err)
	}
	invs := f.invoices()
	if len(invs) != 2 {
		t.Fatalf("%d invoices", len(invs))
	}
	for _, inv := range invs {
		if inv.Registered || !inv.VAT.IsZero() || !inv.Total.Equal(inv.Subtotal) {
			t.Errorf("%s: VAT %s", inv.Client(), inv.VAT)
		}
		for _, l := range inv.Lines {
			if !l.VATRate.IsZero() {
				t.Errorf("%s: line %q at %s%%", inv.Client(), l.Description, l.VATRate)
			}
		}
	}
}
