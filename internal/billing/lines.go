package billing

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/money"
)

// Grouping is how an hourly invoice lists its time: one line per service
// and rate, or one line per entry. The practice sets the default; a draft
// can be changed.
type Grouping string

// The groupings.
const (
	ByService Grouping = "service"
	PerEntry  Grouping = "entry"
)

// WIP is an entry of unbilled time as an invoice bills it.
type WIP struct {
	ID            int64
	EntityID      int64
	ServiceID     *int64
	Service       string // its name; "" for none
	Treatment     Treatment
	MemberID      atlas.MemberID
	Member        string
	WorkDate      time.Time
	Minutes       int // as logged
	BilledMinutes int // after the practice's rounding, what the value is of
	Rate          decimal.Decimal
	Value         decimal.Decimal
	Description   string
}

// DraftLine is a line about to be written, with the entries it bills.
type DraftLine struct {
	Kind        LineKind
	Description string
	ServiceID   *int64
	Minutes     int // billed minutes; 0 for a line that is not time
	Rate        decimal.NullDecimal
	TimeValue   decimal.Decimal
	Amount      decimal.Decimal
	Treatment   Treatment
	VATRate     decimal.Decimal
	Note        string
	MemberID    *atlas.MemberID
	WorkDate    *time.Time
	Entries     []int64
}

// LineKind says what a line bills.
type LineKind string

// The kinds of line.
const (
	FeeLine   LineKind = "fee"   // a retainer's monthly fee
	TimeLine  LineKind = "time"  // logged time, at the rates in force
	AdhocLine LineKind = "adhoc" // typed by a manager: a disbursement, a fixed item
)

// OtherWork names the line of time logged with no service.
const OtherWork = "Other work"

// GroupLines turns a client's unbilled time into lines: by service and
// rate (the services in name order, time without a service last), or one
// line per entry in date order. A line's value is the sum of its entries'
// values, each already rounded to the penny, and it bills that value until
// someone writes it up or down.
func GroupLines(entries []WIP, g Grouping, rates VATRates, currency string) []DraftLine {
	es := slices.Clone(entries)
	if g == PerEntry {
		slices.SortStableFunc(es, func(a, b WIP) int {
			return cmp.Or(a.WorkDate.Compare(b.WorkDate), cmp.Compare(a.ID, b.ID))
		})
		lines := make([]DraftLine, 0, len(es))
		for _, e := range es {
			l := newTimeLine(e, rates)
			l.Description = entryDescription(e)
			m, d := e.MemberID, e.WorkDate
			l.MemberID, l.WorkDate = &m, &d
			l.add(e)
			lines = append(lines, l)
		}
		return lines
	}
	slices.SortStableFunc(es, func(a, b WIP) int {
		return cmp.Or(cmp.Compare(noService(a), noService(b)), strings.Compare(a.Service, b.Service),
			cmp.Compare(serviceKey(a), serviceKey(b)), a.Rate.Cmp(b.Rate), a.WorkDate.Compare(b.WorkDate), cmp.Compare(a.ID, b.ID))
	})
	var lines []DraftLine
	for _, e := range es {
		n := len(lines)
		if n == 0 || !sameGroup(lines[n-1], e) {
			l := newTimeLine(e, rates)
			l.Description = cmp.Or(e.Service, OtherWork)
			lines = append(lines, l)
			n++
		}
		lines[n-1].add(e)
	}
	// Two rates for one service: each line says which.
	for i := range lines {
		if (i > 0 && sameService(lines[i-1], lines[i])) || (i+1 < len(lines) && sameService(lines[i+1], lines[i])) {
			lines[i].Note = "at " + money.Format(lines[i].Rate.Decimal, currency) + " an hour"
		}
	}
	return lines
}

func newTimeLine(e WIP, rates VATRates) DraftLine {
	return DraftLine{Kind: TimeLine, ServiceID: e.ServiceID, Rate: decimal.NewNullDecimal(e.Rate),
		Treatment: e.Treatment, VATRate: rates.RateOf(e.Treatment)}
}

func (l *DraftLine) add(e WIP) {
	l.Minutes += e.BilledMinutes
	l.TimeValue = l.TimeValue.Add(e.Value)
	l.Amount = l.TimeValue
	l.Entries = append(l.Entries, e.ID)
}

// noService sorts time without a service after the rest.
func noService(e WIP) int {
	if e.ServiceID == nil {
		return 1
	}
	return 0
}

func serviceKey(e WIP) int64 {
	if e.ServiceID == nil {
		return 0
	}
	return *e.ServiceID
}

func sameGroup(l DraftLine, e WIP) bool {
	return ptrEq(l.ServiceID, e.ServiceID) && l.Rate.Decimal.Equal(e.Rate)
}

func sameService(a, b DraftLine) bool { return ptrEq(a.ServiceID, b.ServiceID) }

func ptrEq(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// entryDescription is an entry's line: "Mon 2 Nov · Bea · Payroll — run".
func entryDescription(e WIP) string {
	s := e.WorkDate.Format("Mon 2 Jan") + " · " + e.Member + " · " + cmp.Or(e.Service, OtherWork)
	if d := strings.TrimSpace(e.Description); d != "" {
		s += " — " + d
	}
	return s
}

// Hours is billed minutes as an invoice shows them: hours to two decimals.
func Hours(minutes int) string {
	return decimal.NewFromInt(int64(minutes)).Div(decimal.NewFromInt(60)).StringFixed(2)
}

// taxed is the lines as VAT sees them.
func taxed(lines []DraftLine) []Taxed {
	out := make([]Taxed, len(lines))
	for i, l := range lines {
		out[i] = Taxed{Net: l.Amount, Treatment: l.Treatment, Rate: l.VATRate}
	}
	return out
}
