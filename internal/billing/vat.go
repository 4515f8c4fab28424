package billing

import (
	"cmp"
	"slices"

	"github.com/shopspring/decimal"
)

// Treatment is how VAT applies to a line: the practice's standard rate,
// its reduced rate, zero-rated, exempt, or outside the scope of VAT (true
// disbursements, such as a Companies House fee paid for the client).
type Treatment string

// The VAT treatments.
const (
	Standard     Treatment = "standard"
	Reduced      Treatment = "reduced"
	ZeroRated    Treatment = "zero"
	Exempt       Treatment = "exempt"
	OutsideScope Treatment = "outside"
)

// Treatments lists every treatment, in the order forms offer them.
var Treatments = []Treatment{Standard, Reduced, ZeroRated, Exempt, OutsideScope}

// Label is the treatment as an invoice prints it.
func (t Treatment) Label() string {
	switch t {
	case Reduced:
		return "Reduced rate"
	case ZeroRated:
		return "Zero-rated"
	case Exempt:
		return "Exempt"
	case OutsideScope:
		return "Outside the scope of VAT"
	}
	return "Standard rate"
}

// Valid reports whether t is a treatment.
func (t Treatment) Valid() bool { return slices.Contains(Treatments, t) }

// Rounding is how VAT is rounded, a practice setting applied to every
// invoice (VAT Notice 700 §17.5).
type Rounding string

// The VAT rounding modes.
const (
	// PerInvoice works out, for each rate, the VAT on the sum of the net
	// amounts at that rate, rounded down to the penny.
	PerInvoice Rounding = "invoice"
	// PerLine rounds each line's VAT to the nearest penny (half up), and
	// sums them.
	PerLine Rounding = "line"
)

// VATRates are the practice's rates, in percent.
type VATRates struct {
	Registered bool
	Standard   decimal.Decimal
	Reduced    decimal.Decimal
}

// RateOf is the rate, in percent, a treatment charges: none at all for a
// practice that is not VAT-registered.
func (r VATRates) RateOf(t Treatment) decimal.Decimal {
	switch {
	case !r.Registered:
		return decimal.Zero
	case t == Standard:
		return r.Standard
	case t == Reduced:
		return r.Reduced
	}
	return decimal.Zero
}

// Taxed is a line as VAT sees it: its net amount, treatment and rate.
type Taxed struct {
	Net       decimal.Decimal
	Treatment Treatment
	Rate      decimal.Decimal // percent
}

// Band is the VAT at one rate and treatment: the net amounts at it and
// their VAT.
type Band struct {
	Treatment Treatment
	Rate      decimal.Decimal
	Net       decimal.Decimal
	VAT       decimal.Decimal
}

// Totals are an invoice's figures: total = subtotal + VAT, the VAT by
// band, and (rounding per line) each line's VAT.
type Totals struct {
	Subtotal decimal.Decimal
	VAT      decimal.Decimal
	Total    decimal.Decimal
	Bands    []Band
	LineVAT  []decimal.Decimal // per line when rounding per line; nil per invoice
}

var hundred = decimal.NewFromInt(100)

// Compute works out an invoice's totals from its lines. A practice that is
// not VAT-registered charges none (its lines carry rate 0).
func Compute(lines []Taxed, rounding Rounding) Totals {
	var t Totals
	type key struct {
		treatment Treatment
		rate      string
	}
	bands := map[key]*Band{}
	var order []key
	if rounding == PerLine {
		t.LineVAT = make([]decimal.Decimal, len(lines))
	}
	for i, l := range lines {
		t.Subtotal = t.Subtotal.Add(l.Net)
		k := key{l.Treatment, l.Rate.String()}
		b, ok := bands[k]
		if !ok {
			b = &Band{Treatment: l.Treatment, Rate: l.Rate}
			bands[k] = b
			order = append(order, k)
		}
		b.Net = b.Net.Add(l.Net)
		if rounding == PerLine {
			v := l.Net.Mul(l.Rate).Div(hundred).Round(2) // half away from zero: half up for amounts ≥ 0
			t.LineVAT[i] = v
			b.VAT = b.VAT.Add(v)
		}
	}
	for _, k := range order {
		b := bands[k]
		if rounding != PerLine {
			b.VAT = b.Net.Mul(b.Rate).Div(hundred).RoundFloor(2)
		}
		t.VAT = t.VAT.Add(b.VAT)
		t.Bands = append(t.Bands, *b)
	}
	slices.SortStableFunc(t.Bands, func(a, b Band) int { return cmp.Compare(rank(a.Treatment), rank(b.Treatment)) })
	t.Total = t.Subtotal.Add(t.VAT)
	return t
}

func rank(t Treatment) int { return slices.Index(Treatments, t) }
