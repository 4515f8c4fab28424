package billing

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// Hourly invoices bill a client's unbilled time up to a date: all of an
// hourly client's billable time, and a fixed-fee client's time on services
// its retainer does not cover. Covered time waits for its retainer's
// invoice, which absorbs it on approval; a fixed-fee client's time with no
// service waits for someone to say what it was (the month-end review lists
// it). Time with no rate in force has no value to bill, and time on a
// non-billable service (internal work) is never billed; the review lists
// both too.

// wipClient is a client's time to bill, with who prepares its invoice.
type wipClient struct {
	EntityID int64
	Manager  *int64
	Entries  []WIP
}

// lockWIP reads, and locks, the time an hourly invoice would bill: up to
// and including upTo, for every client or one. Entries are locked in id
// order, so two runs (or a run and a draft on demand) never deadlock; the
// second waits for the first and then finds the entries it took gone.
func lockWIP(ctx context.Context, tx pgx.Tx, s Settings, upTo time.Time, entity *int64) ([]wipClient, error) {
	rows, err := tx.Query(ctx, `
		SELECT te.id, te.entity_id, e.manager_id, te.service_id, coalesce(sv.name, ''), coalesce(sv.vat_treatment, 'standard'),
		       te.member_id, m.name, te.work_date, te.minutes, billed_minutes(te.minutes, $3, $4), te.rate, te.value, te.description
		  FROM time_entries te
		  JOIN entities e ON e.practice_id = te.practice_id AND e.id = te.entity_id
		  JOIN members m ON m.practice_id = te.practice_id AND m.id = te.member_id
		  LEFT JOIN services sv ON sv.practice_id = te.practice_id AND sv.id = te.service_id
		 WHERE te.practice_id = $1 AND te.billing_state = 'unbilled' AND te.invoice_id IS NULL AND te.billable
		   AND te.value IS NOT NULL AND te.work_date <= $2 AND (sv.billable OR te.service_id IS NULL)
		   AND ($5::bigint IS NULL OR te.entity_id = $5)
		   AND (e.billing_type = 'hourly'
		        OR (te.service_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM entity_services es
		              WHERE es.practice_id = te.practice_id AND es.entity_id = te.entity_id AND es.service_id = te.service_id)))
		 ORDER BY te.id
		 FOR UPDATE OF te`, s.PracticeID, upTo, s.RoundingIncrement, s.RoundingMode, entity)
	if err != nil {
		return nil, fmt.Errorf("read unbilled time: %w", err)
	}
	byEntity := map[int64]*wipClient{}
	var order []int64
	var e WIP
	var manager *int64
	var treatment string
	_, err = pgx.ForEachRow(rows, []any{&e.ID, &e.EntityID, &manager, &e.ServiceID, &e.Service, &treatment, &e.MemberID, &e.Member,
		&e.WorkDate, &e.Minutes, &e.BilledMinutes, &e.Rate, &e.Value, &e.Description}, func() error {
		c, ok := byEntity[e.EntityID]
		if !ok {
			c = &wipClient{EntityID: e.EntityID, Manager: manager}
			byEntity[e.EntityID] = c
			order = append(order, e.EntityID)
		}
		x := e
		x.Treatment = Treatment(treatment)
		if e.ServiceID != nil {
			id := *e.ServiceID
			x.ServiceID = &id
		}
		c.Entries = append(c.Entries, x)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read unbilled time: %w", err)
	}
	out := make([]wipClient, 0, len(order))
	for _, id := range order {
		out = append(out, *byEntity[id])
	}
	return out, nil
}

// hourlyInvoice is the invoice of a client's time.
func hourlyInvoice(c wipClient, s Settings, g Grouping, upTo time.Time, period *atlas.Period, status Status, actor atlas.MemberID) newInvoice {
	// A month's invoice is labelled with its month, unless it also bills
	// time left from before it.
	label := "Time to " + upTo.Format("2 January 2006")
	if period != nil && !slices.ContainsFunc(c.Entries, func(e WIP) bool { return e.WorkDate.Before(period.FirstDay()) }) {
		label = period.Label()
	}
	return newInvoice{EntityID: c.EntityID, Kind: Hourly, Status: status, Period: period, UpTo: &upTo, Label: label,
		MadeByRun: period != nil, Grouping: g, Preparer: c.Manager, CreatedBy: actor, Lines: GroupLines(c.Entries, g, s.Rates, s.Currency)}
}
