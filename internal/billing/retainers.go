package billing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

// A fixed-fee client's retainer is invoiced on its invoice day for the
// period its schedule picks (practice.Schedule), at the fee in force on the
// period's first day — or, for a retainer starting inside the period, on
// its first day — so a fee change never reprices an earlier period. A
// retainer that starts or ends inside a period bills only its days of it,
// pro rata by calendar days. Atlas bills from the client's bill_from
// period on (where its billing in Atlas began), and never a period before
// the retainer starts or after it ends.

// retainer is a fixed-fee client as its invoices need it.
type retainer struct {
	EntityID   int64
	Code, Name string
	Schedule   practice.Schedule
	Start, End *time.Time
	BillFrom   *time.Time
	Manager    *int64
	Email      string
	Covered    []string    // the names of the services the retainer covers
	Treatments []Treatment // theirs, distinct
	Fees       []fee       // oldest first
}

type fee struct {
	From   time.Time
	Amount decimal.Decimal
}

// feeOn is the fee in force on day.
func (r retainer) feeOn(day time.Time) (decimal.Decimal, bool) {
	var found *fee
	for i := range r.Fees {
		if !r.Fees[i].From.After(day) {
			found = &r.Fees[i]
		}
	}
	if found == nil {
		return decimal.Zero, false
	}
	return found.Amount, true
}

// readRetainers reads the practice's active fixed-fee clients (or one).
func readRetainers(ctx context.Context, q pgx.Tx, pid atlas.PracticeID, entity *int64) ([]retainer, error) {
	rows, err := q.Query(ctx, `
		SELECT e.id, e.code, e.name, e.invoice_timing, e.invoice_day, e.retainer_start, e.retainer_end, e.bill_from,
		       e.manager_id, coalesce(e.billing_email, ''),
		       coalesce((SELECT array_agg(s.name ORDER BY lower(s.name)) FROM entity_services es
		                  JOIN services s ON s.practice_id = es.practice_id AND s.id = es.service_id
		                 WHERE es.practice_id = e.practice_id AND es.entity_id = e.id), '{}'),
		       coalesce((SELECT array_agg(DISTINCT s.vat_treatment) FROM entity_services es
		                  JOIN services s ON s.practice_id = es.practice_id AND s.id = es.service_id
		                 WHERE es.practice_id = e.practice_id AND es.entity_id = e.id), '{}'),
		       coalesce((SELECT array_agg(f.effective_from ORDER BY f.effective_from) FROM entity_fees f
		                 WHERE f.practice_id = e.practice_id AND f.entity_id = e.id), '{}'),
		       coalesce((SELECT array_agg(f.monthly_fee ORDER BY f.effective_from) FROM entity_fees f
		                 WHERE f.practice_id = e.practice_id AND f.entity_id = e.id), '{}')
		  FROM entities e
		 WHERE e.practice_id = $1 AND e.billing_type = 'fixed' AND e.archived_at IS NULL
		   AND ($2::bigint IS NULL OR e.id = $2)
		 ORDER BY e.id`, pid, entity)
	if err != nil {
		return nil, fmt.Errorf("read retainers: %w", err)
	}
	var out []retainer
	var r retainer
	var treatments []string
	var froms []time.Time
	var amounts []decimal.Decimal
	_, err = pgx.ForEachRow(rows, []any{&r.EntityID, &r.Code, &r.Name, &r.Schedule.Timing, &r.Schedule.Day, &r.Start, &r.End,
		&r.BillFrom, &r.Manager, &r.Email, &r.Covered, &treatments, &froms, &amounts}, func() error {
		x := r
		x.Covered = append([]string(nil), r.Covered...)
		x.Treatments = nil
		for _, t := range treatments {
			x.Treatments = append(x.Treatments, Treatment(t))
		}
		x.Fees = make([]fee, len(froms))
		for i := range froms {
			x.Fees[i] = fee{From: froms[i], Amount: amounts[i]}
		}
		out = append(out, x)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read retainers: %w", err)
	}
	return out, nil
}

// maxCatchUp bounds how many months back one run looks for a retainer
// period still to invoice: far more than any downtime, far less than a
// mistaken bill_from decades ago would cost.
const maxCatchUp = 24

// Due is a retainer period whose invoice date has come.
type Due struct {
	Period atlas.Period
	Date   time.Time // the invoice date
	Amount decimal.Decimal
	Days   int // billed days of the period; Period.Days() unless pro-rated
	// Problem says why the period cannot be invoiced (no fee in force);
	// empty when it can.
	Problem string
}

// duePeriods lists the periods of r whose invoice date is on or before
// today, from where its billing in Atlas began, oldest first.
func (r retainer) duePeriods(today time.Time) []Due {
	if r.BillFrom == nil {
		return nil
	}
	first := atlas.PeriodOf(*r.BillFrom)
	m := r.Schedule.InvoicedIn(first)
	if oldest := atlas.PeriodOf(today).Prev(); monthsBetween(m, oldest) > maxCatchUp {
		m = atlas.PeriodOf(today.AddDate(0, -maxCatchUp, 0))
	}
	var out []Due
	for ; !r.Schedule.InvoiceDate(m).After(today); m = m.Next() {
		p := r.Schedule.Billed(m)
		if p.Before(first) {
			continue
		}
		from, to := p.FirstDay(), p.LastDay()
		if r.Start != nil && r.Start.After(from) {
			from = *r.Start
		}
		if r.End != nil && r.End.Before(to) {
			to = *r.End
		}
		if to.Before(from) {
			continue // the retainer does not run in p
		}
		d := Due{Period: p, Date: r.Schedule.InvoiceDate(m), Days: atlas.DaysBetween(from, to) + 1}
		amount, ok := r.feeOn(from)
		if !ok {
			d.Problem = fmt.Sprintf("no monthly fee in force on %s", from.Format("2 Jan 2006"))
		} else {
			d.Amount = prorate(amount, d.Days, p.Days())
		}
		out = append(out, d)
	}
	return out
}

// prorate is fee × days ÷ daysInMonth, to the penny, half up.
func prorate(fee decimal.Decimal, days, daysInMonth int) decimal.Decimal {
	if days >= daysInMonth {
		return fee
	}
	return fee.Mul(decimal.NewFromInt(int64(days))).Div(decimal.NewFromInt(int64(daysInMonth))).Round(2)
}

func monthsBetween(a, b atlas.Period) int {
	return (b.Year-a.Year)*12 + int(b.Month) - int(a.Month)
}

// retainerName is what the retainer is called on its line: "Bookkeeping
// retainer", "Bookkeeping and Payroll retainer", "Monthly retainer:
// Bookkeeping, Payroll and VAT returns", "Monthly retainer".
func (r retainer) retainerName() string {
	switch n := len(r.Covered); n {
	case 0:
		return "Monthly retainer"
	case 1:
		return r.Covered[0] + " retainer"
	case 2:
		return r.Covered[0] + " and " + r.Covered[1] + " retainer"
	default:
		return "Monthly retainer: " + strings.Join(r.Covered[:n-1], ", ") + " and " + r.Covered[n-1]
	}
}

// treatment is the VAT treatment of the retainer's line: its services', if
// they share one, else the standard rate.
func (r retainer) treatment() Treatment {
	if len(r.Treatments) == 1 && r.Treatments[0].Valid() {
		return r.Treatments[0]
	}
	return Standard
}

// periodLabel is "November 2026 (in advance)".
func periodLabel(p atlas.Period, timing string) string {
	return fmt.Sprintf("%s (in %s)", p.Label(), timing)
}

// retainerInvoice is the invoice of one due period.
func (r retainer) invoice(d Due, rates VATRates, status Status, actor atlas.MemberID) newInvoice {
	p := d.Period
	label := periodLabel(p, r.Schedule.Timing)
	l := DraftLine{Kind: FeeLine, Description: r.retainerName() + " — " + label, Amount: d.Amount,
		Treatment: r.treatment(), VATRate: rates.RateOf(r.treatment())}
	if d.Days < p.Days() {
		l.Note = fmt.Sprintf("%d of %d days", d.Days, p.Days())
	}
	return newInvoice{EntityID: r.EntityID, Kind: Recurring, Status: status, Period: &p, Label: label, MadeByRun: true,
		Grouping: ByService, Preparer: r.Manager, CreatedBy: actor, Lines: []DraftLine{l}}
}
