package billing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/jobs"
)

// The billing run makes the month's drafts: every retainer invoice whose
// invoice date has come (catching up any a downtime missed), and, once a
// month on the practice's run day, the hourly invoices of the month just
// ended. The run is the submission: its drafts start awaiting approval.
// Nothing is made twice — retainers by their unique index, the month's
// hourly invoices by the billing_runs row the run claims — so the daily
// job, a manager's /invoices run and a second replica can all run it.

// Made is an invoice a run made.
type Made struct {
	InvoiceID int64
	Client    string // "ACME · Acme Trading Ltd"
	Kind      Kind
	Label     string
	Subtotal  decimal.Decimal // before VAT
	Total     decimal.Decimal
	NoEmail   bool // the client has no billing email yet: it cannot be sent until it has
}

// Skipped is a retainer period a run could not invoice, and why.
type Skipped struct {
	Client string
	Period atlas.Period
	Reason string
}

// RunResult is what a run did.
type RunResult struct {
	Period    atlas.Period // the month of the hourly invoices
	Retainers []Made
	Hourly    []Made
	Skipped   []Skipped
	// HourlyRanBefore is when the month's hourly invoices were made, when
	// an earlier run made them; this run then made none.
	HourlyRanBefore *time.Time
	Currency        string
}

// Total is the sum of what the run made.
func (r RunResult) Total() decimal.Decimal {
	var t decimal.Decimal
	for _, m := range append(append([]Made(nil), r.Retainers...), r.Hourly...) {
		t = t.Add(m.Total)
	}
	return t
}

// Run runs the month's billing now, for a manager: retainers due up to
// today and the hourly invoices of period, whatever the run day. Running it
// again makes nothing twice.
func (s Store) Run(ctx context.Context, pid atlas.PracticeID, period atlas.Period, now time.Time, actor atlas.MemberID) (RunResult, error) {
	var out RunResult
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		set, err := settings(ctx, tx, pid)
		if err != nil {
			return err
		}
		out, err = run(ctx, tx, set, now.In(set.Location), &period, actor)
		return err
	})
	return out, err
}

// run makes, at now (in the practice's zone), the retainers due by its
// day and, when period is given, that month's hourly invoices.
func run(ctx context.Context, tx pgx.Tx, s Settings, now time.Time, period *atlas.Period, actor atlas.MemberID) (RunResult, error) {
	today := atlas.DateOf(now)
	out := RunResult{Currency: s.Currency}
	if period != nil {
		out.Period = *period
	}
	// The run's invoices belong to its month's summary: the month of its
	// hourly invoices, or of today for a run of retainers alone.
	runPeriod := atlas.PeriodOf(today)
	if period != nil {
		runPeriod = *period
	}
	made, skipped, err := makeRetainers(ctx, tx, s, today, nil, AwaitingApproval, actor, &runPeriod)
	if err != nil {
		return out, err
	}
	out.Retainers, out.Skipped = made, skipped
	if period == nil {
		return out, announce(ctx, tx, s, runPeriod, ids(out.made()))
	}
	var ranBy *int64
	if actor != 0 {
		a := int64(actor)
		ranBy = &a
	}
	tag, err := tx.Exec(ctx, `INSERT INTO billing_runs (practice_id, period, ran_by, ran_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		s.PracticeID, period.FirstDay(), ranBy, now)
	if err != nil {
		return out, fmt.Errorf("claim the month's run: %w", err)
	}
	if tag.RowsAffected() == 0 {
		var at time.Time
		if err := tx.QueryRow(ctx, `SELECT ran_at FROM billing_runs WHERE practice_id = $1 AND period = $2`,
			s.PracticeID, period.FirstDay()).Scan(&at); err != nil {
			return out, err
		}
		out.HourlyRanBefore = &at
		return out, announce(ctx, tx, s, runPeriod, ids(out.made()))
	}
	out.Hourly, err = makeHourly(ctx, tx, s, period.LastDay(), period, nil, Grouping(s.Grouping), AwaitingApproval, actor)
	if err != nil {
		return out, err
	}
	return out, announce(ctx, tx, s, runPeriod, ids(out.made()))
}

// made is every invoice the run made.
func (r RunResult) made() []Made { return append(append([]Made(nil), r.Retainers...), r.Hourly...) }

func ids(made []Made) []int64 {
	out := make([]int64, len(made))
	for i, m := range made {
		out[i] = m.InvoiceID
	}
	return out
}

// makeRetainers makes every due retainer invoice not made yet.
func makeRetainers(ctx context.Context, tx pgx.Tx, s Settings, today time.Time, entity *int64, status Status, actor atlas.MemberID,
	runPeriod *atlas.Period) ([]Made, []Skipped, error) {
	clients, err := readRetainers(ctx, tx, s.PracticeID, entity)
	if err != nil {
		return nil, nil, err
	}
	done, err := invoicedPeriods(ctx, tx, s.PracticeID)
	if err != nil {
		return nil, nil, err
	}
	var batch []newInvoice
	var skipped []Skipped
	byID := map[int64]retainer{}
	for _, c := range clients {
		byID[c.EntityID] = c
		for _, d := range c.duePeriods(today) {
			if done[periodKey{c.EntityID, d.Period}] {
				continue
			}
			if d.Problem != "" {
				skipped = append(skipped, Skipped{Client: c.Code + " · " + c.Name, Period: d.Period, Reason: d.Problem})
				continue
			}
			inv := c.invoice(d, s.Rates, status, actor)
			inv.RunPeriod = runPeriod
			batch = append(batch, inv)
		}
	}
	w, err := writeInvoices(ctx, tx, s, batch)
	if err != nil {
		return nil, nil, err
	}
	made := make([]Made, 0, len(w))
	for _, x := range w {
		c := byID[x.EntityID]
		made = append(made, Made{InvoiceID: x.ID, Client: c.Code + " · " + c.Name, Kind: Recurring, Label: batch[x.Index].Label,
			Subtotal: x.Subtotal, Total: x.Total, NoEmail: c.Email == ""})
	}
	return made, skipped, nil
}

type periodKey struct {
	entity int64
	period atlas.Period
}

// invoicedPeriods are the retainer periods already invoiced, in any state
// but void: a voided invoice's period is invoiced again.
func invoicedPeriods(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) (map[periodKey]bool, error) {
	rows, err := tx.Query(ctx, `SELECT entity_id, period FROM invoices WHERE practice_id = $1 AND kind = 'recurring' AND status <> 'void'`, pid)
	if err != nil {
		return nil, err
	}
	out := map[periodKey]bool{}
	var id int64
	var p time.Time
	_, err = pgx.ForEachRow(rows, []any{&id, &p}, func() error {
		out[periodKey{id, atlas.PeriodOf(p)}] = true
		return nil
	})
	return out, err
}

// makeHourly makes an hourly invoice for each client with time to bill up
// to upTo.
func makeHourly(ctx context.Context, tx pgx.Tx, s Settings, upTo time.Time, period *atlas.Period, entity *int64, g Grouping,
	status Status, actor atlas.MemberID) ([]Made, error) {
	clients, err := lockWIP(ctx, tx, s, upTo, entity)
	if err != nil {
		return nil, err
	}
	batch := make([]newInvoice, 0, len(clients))
	for _, c := range clients {
		inv := hourlyInvoice(c, s, g, upTo, period, status, actor)
		inv.RunPeriod = period
		batch = append(batch, inv)
	}
	w, err := writeInvoices(ctx, tx, s, batch)
	if err != nil {
		return nil, err
	}
	return describeMade(ctx, tx, s.PracticeID, w, batch)
}

// describeMade names the clients of the invoices a batch wrote.
func describeMade(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, w []written, batch []newInvoice) ([]Made, error) {
	if len(w) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(w))
	for i, x := range w {
		ids[i] = x.EntityID
	}
	rows, err := tx.Query(ctx, `SELECT id, code || ' · ' || name, coalesce(billing_email, '') = '' FROM entities
		WHERE practice_id = $1 AND id = ANY($2)`, pid, ids)
	if err != nil {
		return nil, err
	}
	type client struct {
		label   string
		noEmail bool
	}
	names := map[int64]client{}
	var id int64
	var c client
	if _, err := pgx.ForEachRow(rows, []any{&id, &c.label, &c.noEmail}, func() error { names[id] = c; return nil }); err != nil {
		return nil, err
	}
	out := make([]Made, len(w))
	for i, x := range w {
		out[i] = Made{InvoiceID: x.ID, Client: names[x.EntityID].label, Kind: x.Kind, Label: batch[x.Index].Label, Subtotal: x.Subtotal, Total: x.Total,
			NoEmail: names[x.EntityID].noEmail}
	}
	return out, nil
}

// RunSpec runs billing at 06:00 each day in the practice's timezone:
// before the working day, clear of the hour daylight saving moves.
const RunSpec = "0 6 * * *"

// Runs is the periodic billing run. It touches only the database.
type Runs struct {
	Log *slog.Logger
}

// RegisterJobs adds the daily billing run to reg.
func (j Runs) RegisterJobs(reg *jobs.Registry) error {
	return reg.AddPeriodic(jobs.Periodic{Name: "billing_run", Spec: RunSpec,
		Run: func(ctx context.Context, tx pgx.Tx, p jobs.Practice, slot time.Time) error {
			res, err := Daily(ctx, tx, atlas.PracticeID(p.ID), slot)
			for _, r := range res {
				j.Log.Info("billing run", "practice", p.ID, "period", r.Period.String(), "retainers", len(r.Retainers),
					"hourly", len(r.Hourly), "skipped", len(r.Skipped))
			}
			return err
		}})
}

// Daily is the day's run, at slot in the practice's zone: the retainers
// due by its day and, from the run day on, the hourly invoices of each
// month since the last run up to the month just ended (a downtime over a
// run day is caught up, month by month). A practice's first run bills only
// the month just ended.
func Daily(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, slot time.Time) ([]RunResult, error) {
	s, err := settings(ctx, tx, pid)
	if err != nil {
		return nil, err
	}
	today := atlas.DateOf(slot)
	last := atlas.PeriodOf(today).Prev()
	if today.Day() < s.RunDay {
		last = last.Prev()
	}
	var lastRun *time.Time
	if err := tx.QueryRow(ctx, `SELECT max(period) FROM billing_runs WHERE practice_id = $1`, pid).Scan(&lastRun); err != nil &&
		!errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	first := last
	if lastRun != nil {
		first = atlas.PeriodOf(*lastRun).Next()
		if monthsBetween(first, last) > maxCatchUp {
			first = atlas.PeriodOf(last.FirstDay().AddDate(0, -maxCatchUp, 0))
		}
	}
	var out []RunResult
	for p := first; !last.Before(p); p = p.Next() {
		r, err := run(ctx, tx, s, slot, &p, 0)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		r, err := run(ctx, tx, s, slot, nil, 0)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}
