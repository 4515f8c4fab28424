package billing_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

// The invariants of billing, over random practices: VAT settings and
// rounding, services of every treatment, a rate changed mid-month, hourly
// clients with a month or two of time, fixed-fee clients with fee
// histories and retainers starting and ending anywhere, and random
// write-downs, new totals, carries and write-offs on the drafts. Every
// expected figure comes from a model in integer pence written here, never
// from the code under test:
//
//   - each invoice's total = Σ line amounts + VAT, its VAT worked out per
//     invoice (each rate's net, rounded down) or per line (half up);
//   - each entry is valued at the rate in force on its work date, and is on
//     at most one live invoice, whose line's time value is the sum of its
//     entries' values;
//   - for every client, recorded value = WIP (drafts included) + billed
//     (the time value of approved invoices' lines) + written off, with
//     random invoices approved and each approved retainer absorbing its
//     period's covered time;
//   - each retainer period invoiced is one the schedule makes due (the
//     model's own reading of the period rule), billed at the fee in force on
//     its first billed day, pro rata by days — and a fee added later, with a
//     run weeks on, never reprices an earlier period.
func TestBillingProperties(t *testing.T) {
	pool := pgtest.Pool(t)
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		ctx := context.Background()
		tx, err := pool.Begin(ctx)
		if err != nil {
			rt.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		checkBilling(rt, tx, fmt.Sprintf("TPROP%d", n))
	})
}

// model is the test's own account of a practice, in pence.
type model struct {
	registered   bool
	rounding     billing.Rounding
	standardBP   int64 // VAT rates in hundredths of a percent
	reducedBP    int64
	increment    int
	mode         string
	defaultRate  int64 // pence an hour
	changed      string
	changedRate  int64
	changedFrom  time.Time
	treatments   map[int64]billing.Treatment // by service id
	serviceCodes []string
}

func (m model) rateOf(t billing.Treatment) int64 {
	switch {
	case !m.registered:
		return 0
	case t == billing.Standard:
		return m.standardBP
	case t == billing.Reduced:
		return m.reducedBP
	}
	return 0
}

func (m model) billedMinutes(minutes int) int {
	inc := m.increment
	switch {
	case inc <= 1 || m.mode == "none":
		return minutes
	case m.mode == "nearest":
		return (minutes + inc/2) / inc * inc
	}
	return (minutes + inc - 1) / inc * inc
}

// value is an entry's value in pence: the rate in force on its date times
// the billed hours, half up.
func (m model) value(service string, date time.Time, minutes int) int64 {
	rate := m.defaultRate
	if service == m.changed && !date.Before(m.changedFrom) {
		rate = m.changedRate
	}
	return (rate*int64(m.billedMinutes(minutes)) + 30) / 60
}

func pence(d decimal.Decimal) int64 { return d.Mul(decimal.NewFromInt(100)).IntPart() }

func pounds(p int64) string { return decimal.New(p, -2).StringFixed(2) }

func checkBilling(rt *rapid.T, tx pgx.Tx, pid string) {
	now := day("2026-12-03").Add(9 * time.Hour)
	f := newFixture(rt, tx, pid, now)
	m := model{
		registered:  rapid.Bool().Draw(rt, "registered"),
		rounding:    rapid.SampledFrom([]billing.Rounding{billing.PerInvoice, billing.PerLine}).Draw(rt, "rounding"),
		standardBP:  rapid.SampledFrom([]int64{2000, 1750, 1500, 2250}).Draw(rt, "standard"),
		reducedBP:   rapid.SampledFrom([]int64{500, 1250, 0}).Draw(rt, "reduced"),
		increment:   rapid.SampledFrom([]int{1, 6, 15}).Draw(rt, "increment"),
		mode:        rapid.SampledFrom([]string{"up", "nearest", "none"}).Draw(rt, "mode"),
		defaultRate: rapid.Int64Range(1000, 20000).Draw(rt, "default rate"),
		treatments:  map[int64]billing.Treatment{},
	}
	grouping := rapid.SampledFrom([]string{"service", "entry"}).Draw(rt, "grouping")
	f.exec(`UPDATE practices SET vat_registered = $2, vat_rounding = $3, vat_rate = $4, reduced_vat_rate = $5,
		rounding_increment = $6, rounding_mode = $7, line_grouping = $8 WHERE id = $1`,
		f.pid, m.registered, m.rounding, decimal.New(m.standardBP, -2), decimal.New(m.reducedBP, -2), m.increment, m.mode, grouping)
	f.exec(`UPDATE rates SET hourly_rate = $2 WHERE practice_id = $1`, f.pid, decimal.New(m.defaultRate, -2))
	var err error
	if f.p, err = f.ps.Get(f.ctx, f.pid); err != nil {
		rt.Fatal(err)
	}
	// Each service gets a random treatment.
	for code, id := range f.svc {
		t := rapid.SampledFrom(billing.Treatments).Draw(rt, "treatment "+code)
		f.exec(`UPDATE services SET vat_treatment = $2, billable = true WHERE id = $1`, id, t)
		m.treatments[id] = t
		m.serviceCodes = append(m.serviceCodes, code)
	}
	slices.Sort(m.serviceCodes)
	// A rate for one service changes mid-November.
	m.changed = rapid.SampledFrom(m.serviceCodes).Draw(rt, "changed service")
	m.changedRate = rapid.Int64Range(1000, 30000).Draw(rt, "changed rate")
	m.changedFrom = day("2026-11-01").AddDate(0, 0, rapid.IntRange(0, 29).Draw(rt, "change day"))
	svc := f.svc[m.changed]
	if _, err := f.ps.SaveRate(f.ctx, f.pid, 0, practice.RateInput{Key: practice.RateKey{ServiceID: &svc},
		Amount: pounds(m.changedRate), From: m.changedFrom.Format(time.DateOnly)}, now); err != nil {
		rt.Fatal(err)
	}

	// Hourly clients with time in October and November (and a little
	// December, which the November run leaves).
	type logged struct {
		id, entity int64
		value      int64
		covered    bool // on a service a retainer covers
		date       time.Time
	}
	var entries []logged
	hourly := rapid.IntRange(1, 3).Draw(rt, "hourly clients")
	for c := range hourly {
		entity := f.hourlyClient(fmt.Sprintf("H%d", c))
		for range rapid.IntRange(0, 12).Draw(rt, "entries") {
			code := rapid.SampledFrom(append([]string{""}, m.serviceCodes...)).Draw(rt, "service")
			date := day("2026-10-01").AddDate(0, 0, rapid.IntRange(0, 62).Draw(rt, "date"))
			minutes := rapid.IntRange(1, 600).Draw(rt, "minutes")
			e := f.log(entity, code, date.Format(time.DateOnly), minutes)
			entries = append(entries, logged{id: e.ID, entity: entity, value: m.value(code, date, minutes)})
		}
	}
	// Fixed-fee clients with a fee history and retainer dates.
	var retainers []retainerModel
	for c := range rapid.IntRange(0, 3).Draw(rt, "fixed clients") {
		r := retainerModel{
			timing: rapid.SampledFrom([]string{"advance", "arrears"}).Draw(rt, "timing"),
			day:    rapid.SampledFrom([]int{1, 2, 15, 28, 29, 30, 31}).Draw(rt, "invoice day")}
		args := []string{}
		for range rapid.IntRange(1, 3).Draw(rt, "fees") {
			from := day("2026-08-01").AddDate(0, 0, rapid.IntRange(0, 150).Draw(rt, "fee from"))
			if slices.ContainsFunc(r.fees, func(x feeRow) bool { return x.from.Equal(from) }) {
				continue
			}
			amount := rapid.Int64Range(0, 300000).Draw(rt, "fee")
			r.fees = append(r.fees, feeRow{from, amount})
			args = append(args, from.Format(time.DateOnly), pounds(amount))
		}
		r.entity = f.retainerClient(fmt.Sprintf("F%d", c), r.timing, r.day, "2026-09-01", args...)
		if rapid.Bool().Draw(rt, "starts") {
			s := day("2026-09-01").AddDate(0, 0, rapid.IntRange(0, 90).Draw(rt, "start"))
			r.start = &s
		}
		if rapid.Bool().Draw(rt, "ends") {
			e := day("2026-09-15").AddDate(0, 0, rapid.IntRange(0, 90).Draw(rt, "end"))
			if r.start == nil || !e.Before(*r.start) {
				r.end = &e
			}
		}
		f.exec(`UPDATE entities SET retainer_start = $2, retainer_end = $3 WHERE id = $1`, r.entity, r.start, r.end)
		retainers = append(retainers, r)
		// Time of its own: Bookkeeping is covered by the retainer, the
		// rest is billed by the hour.
		for range rapid.IntRange(0, 6).Draw(rt, "fixed entries") {
			code := rapid.SampledFrom(append([]string{""}, m.serviceCodes...)).Draw(rt, "service")
			date := day("2026-10-01").AddDate(0, 0, rapid.IntRange(0, 62).Draw(rt, "date"))
			minutes := rapid.IntRange(1, 600).Draw(rt, "minutes")
			e := f.log(r.entity, code, date.Format(time.DateOnly), minutes)
			entries = append(entries, logged{id: e.ID, entity: r.entity, value: m.value(code, date, minutes), covered: code == "BK", date: date})
		}
	}

	if _, err := f.bs.Run(f.ctx, f.pid, month("2026-11"), now, f.mina); err != nil {
		rt.Fatal(err)
	}

	// Random work on the hourly drafts.
	for _, inv := range f.invoices() {
		if inv.Kind != billing.Hourly {
			continue
		}
		for range rapid.IntRange(0, 3).Draw(rt, "edits") {
			cur, err := f.bs.Invoice(f.ctx, f.pid, inv.ID)
			if err != nil {
				rt.Fatal(err)
			}
			var timeLines []billing.Line
			for _, l := range cur.Lines {
				if l.Kind == billing.TimeLine {
					timeLines = append(timeLines, l)
				}
			}
			if len(timeLines) == 0 {
				break
			}
			switch rapid.IntRange(0, 3).Draw(rt, "edit") {
			case 0:
				l := rapid.SampledFrom(timeLines).Draw(rt, "line")
				amount := rapid.Int64Range(0, pence(l.TimeValue)+5000).Draw(rt, "amount")
				_, err = f.bs.SetLineAmount(f.ctx, f.pid, f.mina, inv.ID, l.ID, billing.AnyRevision, pounds(amount), "property")
			case 1:
				total := rapid.Int64Range(1, pence(cur.Subtotal)+10000).Draw(rt, "total")
				_, err = f.bs.SetTotal(f.ctx, f.pid, f.mina, inv.ID, billing.AnyRevision, pounds(total), "property")
				if pence(cur.Subtotal) == 0 && err != nil {
					err = nil // nothing of value to spread over
				}
			case 2, 3:
				var all []int64
				for _, l := range timeLines {
					for _, e := range l.Entries {
						all = append(all, e.ID)
					}
				}
				k := rapid.IntRange(1, len(all)).Draw(rt, "take off")
				_, err = f.bs.TakeOff(f.ctx, f.pid, f.mina, inv.ID, billing.AnyRevision, all[:k], rapid.Bool().Draw(rt, "write off"), "property")
				if k == len(all) && atlas.ErrorField(err) == billing.FieldEntries {
					err = nil // all of it: refused, as it should be
				}
			}
			if err != nil && atlas.ErrorCode(err) != atlas.EInvalid {
				rt.Fatalf("edit: %v", err)
			}
		}
	}

	// Partners approve some of the invoices awaiting approval.
	approved := map[int64]bool{}
	for _, inv := range f.invoices() {
		if inv.Status != billing.AwaitingApproval || !rapid.Bool().Draw(rt, "approve") {
			continue
		}
		if _, err := f.bs.Approve(f.ctx, f.pid, f.mina, inv.ID, now); err != nil {
			rt.Fatalf("approve %s: %v", inv.Name(), err)
		}
		approved[inv.ID] = true
	}

	// A fee added later, and a run weeks on: no earlier period repriced;
	// the periods that run makes are billed at the fees then known.
	before := map[int64]string{}
	for _, inv := range f.invoices() {
		before[inv.ID] = inv.Total.StringFixed(2)
	}
	later := now.AddDate(0, 0, rapid.IntRange(0, 90).Draw(rt, "days on"))
	for i, r := range retainers {
		from := day("2026-09-01").AddDate(0, 0, rapid.IntRange(0, 180).Draw(rt, "later fee from"))
		if slices.ContainsFunc(r.fees, func(x feeRow) bool { return x.from.Equal(from) }) {
			continue
		}
		amount := rapid.Int64Range(0, 300000).Draw(rt, "later fee")
		f.exec(`INSERT INTO entity_fees (practice_id, entity_id, effective_from, monthly_fee) VALUES ($1, $2, $3, $4)`,
			f.pid, r.entity, from.Format(time.DateOnly), pounds(amount))
		retainers[i].later = &feeRow{from, amount}
	}
	if _, err := f.bs.Run(f.ctx, f.pid, month("2026-11"), later, f.mina); err != nil {
		rt.Fatal(err)
	}

	// Check every invariant against the model.
	invoices := f.invoices()
	for _, inv := range invoices {
		if b, ok := before[inv.ID]; ok && b != inv.Total.StringFixed(2) {
			rt.Fatalf("%s: total %s became %s after a later fee and run", inv.Name(), b, inv.Total.StringFixed(2))
		}
		var subtotal int64
		type band struct {
			t    billing.Treatment
			rate int64
		}
		net := map[band]int64{}
		var lineVAT int64
		for _, l := range inv.Lines {
			subtotal += pence(l.Amount)
			rate := m.rateOf(l.Treatment)
			if pence(l.VATRate) != rate {
				rt.Fatalf("%s line %q: VAT rate %s for %s, want %d bp", inv.Name(), l.Description, l.VATRate, l.Treatment, rate)
			}
			if l.Kind == billing.TimeLine && len(l.Entries) > 0 && l.Entries[0].Service != "" {
				// A line of time carries its service's treatment.
				if want := m.treatments[*l.ServiceID]; l.Treatment != want {
					rt.Fatalf("%s line %q: treatment %s, service's is %s", inv.Name(), l.Description, l.Treatment, want)
				}
			}
			net[band{l.Treatment, rate}] += pence(l.Amount)
			lineVAT += (pence(l.Amount)*rate + 5000) / 10000
		}
		var vat int64
		if m.rounding == billing.PerLine {
			vat = lineVAT
		} else {
			for b, n := range net {
				vat += n * b.rate / 10000 // rounded down
			}
		}
		if pence(inv.Subtotal) != subtotal || pence(inv.VAT) != vat || pence(inv.Total) != subtotal+vat {
			rt.Fatalf("%s: subtotal %s, VAT %s, total %s; model %s + %s = %s (%s rounding)", inv.Name(), inv.Subtotal, inv.VAT, inv.Total,
				pounds(subtotal), pounds(vat), pounds(subtotal+vat), m.rounding)
		}
		if !m.registered && !inv.VAT.IsZero() {
			rt.Fatalf("%s charges VAT for a practice that is not VAT-registered", inv.Name())
		}
	}

	// Entries: valued by the model; on at most one live invoice, whose line
	// is worth the sum of its entries.
	valueOf := map[int64]int64{}
	for _, e := range entries {
		valueOf[e.id] = e.value
	}
	type state struct {
		entity int64
		value  int64
		state  string
		line   *int64
		status *string
	}
	got := map[int64]state{}
	rows, err := tx.Query(f.ctx, `SELECT te.id, te.entity_id, (te.value * 100)::bigint, te.billing_state, te.invoice_line_id, i.status
		FROM time_entries te LEFT JOIN invoices i ON i.id = te.invoice_id WHERE te.practice_id = $1`, f.pid)
	if err != nil {
		rt.Fatal(err)
	}
	var id int64
	var s state
	if _, err := pgx.ForEachRow(rows, []any{&id, &s.entity, &s.value, &s.state, &s.line, &s.status}, func() error {
		got[id] = s
		return nil
	}); err != nil {
		rt.Fatal(err)
	}
	lineValue := map[int64]int64{}
	for id, s := range got {
		if s.value != valueOf[id] {
			rt.Fatalf("entry %d valued %s, model %s", id, pounds(s.value), pounds(valueOf[id]))
		}
		if s.line != nil {
			// On a live invoice: billed once approved, WIP until then.
			if s.status == nil || !billing.Status(*s.status).Live() ||
				(s.state == "billed") != (*s.status == string(billing.Approved)) || (s.state != "billed" && s.state != "unbilled") {
				rt.Fatalf("entry %d is %s on a %v invoice", id, s.state, s.status)
			}
			lineValue[*s.line] += s.value
		} else if s.state != "unbilled" && s.state != "written_off" {
			rt.Fatalf("entry %d is %s on no invoice", id, s.state)
		}
	}
	for _, inv := range invoices {
		for _, l := range inv.Lines {
			if (l.Kind == billing.TimeLine || l.Kind == billing.FeeLine) && pence(l.TimeValue) != lineValue[l.ID] {
				rt.Fatalf("%s line %q: time value %s, its entries' %s", inv.Name(), l.Description, l.TimeValue, pounds(lineValue[l.ID]))
			}
		}
	}
	// Recorded value = WIP (drafts included) + written off, client by client.
	written := map[int64]int64{}
	rows, err = tx.Query(f.ctx, `SELECT te.entity_id, (w.value * 100)::bigint FROM write_offs w
		JOIN time_entries te ON te.id = w.entry_id WHERE w.practice_id = $1`, f.pid)
	if err != nil {
		rt.Fatal(err)
	}
	var entity, value int64
	if _, err := pgx.ForEachRow(rows, []any{&entity, &value}, func() error { written[entity] += value; return nil }); err != nil {
		rt.Fatal(err)
	}
	recorded, wip, billed := map[int64]int64{}, map[int64]int64{}, map[int64]int64{}
	for _, e := range entries {
		recorded[e.entity] += e.value
		if got[e.id].state == "unbilled" {
			wip[e.entity] += e.value
		}
	}
	for _, inv := range invoices {
		if inv.Status != billing.Approved {
			continue
		}
		for _, l := range inv.Lines {
			billed[inv.EntityID] += pence(l.TimeValue)
		}
	}
	for entity, r := range recorded {
		if r != wip[entity]+billed[entity]+written[entity] {
			rt.Fatalf("client %d: recorded %s ≠ WIP %s + billed %s + written off %s", entity, pounds(r), pounds(wip[entity]),
				pounds(billed[entity]), pounds(written[entity]))
		}
	}
	for entity, b := range billed {
		if _, ok := recorded[entity]; !ok && b != 0 {
			rt.Fatalf("client %d: billed %s of no time", entity, pounds(b))
		}
	}
	// An approved retainer takes its period's covered time; covered time of
	// any other period waits, never on an hourly invoice.
	absorbedBy := map[int64]map[string]billing.Invoice{}
	for _, inv := range invoices {
		if inv.Kind == billing.Recurring && inv.Status == billing.Approved {
			if absorbedBy[inv.EntityID] == nil {
				absorbedBy[inv.EntityID] = map[string]billing.Invoice{}
			}
			absorbedBy[inv.EntityID][inv.Period.String()] = inv
		}
	}
	feeLine := func(inv billing.Invoice) int64 {
		for _, l := range inv.Lines {
			if l.Kind == billing.FeeLine {
				return l.ID
			}
		}
		rt.Fatalf("%s has no fee line", inv.Name())
		return 0
	}
	for _, e := range entries {
		if !e.covered {
			continue
		}
		s := got[e.id]
		inv, ok := absorbedBy[e.entity][e.date.Format("2006-01")]
		switch {
		case ok && (s.state != "billed" || s.line == nil || *s.line != feeLine(inv)):
			rt.Fatalf("covered entry %d of %s: %s on line %v, not absorbed by %s", e.id, e.date.Format(time.DateOnly), s.state, s.line, inv.Name())
		case !ok && (s.state != "unbilled" || s.line != nil):
			rt.Fatalf("covered entry %d of %s: %s on line %v with no approved retainer for its month", e.id, e.date.Format(time.DateOnly), s.state, s.line)
		}
	}

	// Retainers: exactly the periods the schedule makes due, at the fee in
	// force on the first billed day, pro rata by days; the periods the first
	// run made at the fees it knew, the rest at the fees known later.
	for _, r := range retainers {
		first := r.due(day("2026-12-03"), r.fees)
		all := slices.Clone(r.fees)
		if r.later != nil {
			all = append(all, *r.later)
		}
		want := r.due(atlas.DateOf(later), all)
		for p, amount := range first {
			want[p] = amount
		}
		have := map[string]int64{}
		for _, inv := range invoices {
			if inv.EntityID == r.entity && inv.Kind == billing.Recurring {
				have[inv.Period.String()] = pence(inv.Subtotal)
			}
		}
		if fmt.Sprint(have) != fmt.Sprint(want) {
			rt.Fatalf("client %d (%s day %d, fees %v then %v, start %v, end %v, runs to %s): invoiced %v, model %v", r.entity, r.timing, r.day,
				r.fees, r.later, r.start, r.end, later.Format(time.DateOnly), have, want)
		}
	}
}

// feeRow is a monthly fee in pence, in force from a day.
type feeRow struct {
	from   time.Time
	amount int64
}

// retainerModel is a fixed-fee client as the test sees it.
type retainerModel struct {
	entity     int64
	timing     string // advance or arrears
	day        int    // the invoice day, 1 to 31
	fees       []feeRow
	later      *feeRow // added after the first run
	start, end *time.Time
}

// due is the model's own reading of the period rule: each month the client
// is invoiced on its invoice day (the month's last day where the month is
// shorter); in advance, for the month that begins on or after that date,
// in arrears for the month before. It returns each period billed by today,
// from September 2026 (where billing began), with its amount in pence: the
// fee in force on its first billed day × billed days ÷ days in the month,
// half up.
func (r retainerModel) due(today time.Time, fees []feeRow) map[string]int64 {
	daysIn := func(m time.Time) int { return m.AddDate(0, 1, -1).Day() }
	out := map[string]int64{}
	for m := day("2026-07-01"); ; m = m.AddDate(0, 1, 0) {
		invoiced := m.AddDate(0, 0, min(r.day, daysIn(m))-1)
		if invoiced.After(today) {
			return out
		}
		p := m.AddDate(0, -1, 0)
		if r.timing == "advance" {
			p = m
			if invoiced.Day() != 1 {
				p = m.AddDate(0, 1, 0)
			}
		}
		if p.Before(day("2026-09-01")) {
			continue
		}
		from, to := p, p.AddDate(0, 1, -1)
		if r.start != nil && r.start.After(from) {
			from = *r.start
		}
		if r.end != nil && r.end.Before(to) {
			to = *r.end
		}
		if to.Before(from) {
			continue
		}
		var fee *feeRow
		for i, x := range fees {
			if !x.from.After(from) && (fee == nil || x.from.After(fee.from)) {
				fee = &fees[i]
			}
		}
		if fee == nil {
			continue
		}
		days, dim := int64(to.Sub(from).Hours()/24)+1, int64(daysIn(p))
		out[p.Format("2006-01")] = (fee.amount*days*2 + dim) / (2 * dim)
	}
}
