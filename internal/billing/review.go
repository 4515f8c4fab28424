package billing

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// The month-end time review, before the hourly run: what would make the
// run bill incomplete or miscategorised time. Time with no service (a
// fixed-fee client's waits unbilled, an hourly client's bills as "Other
// work"), non-billable time on a billable service and billable time on a
// non-billable one, time with no rate in force (it has no value to bill),
// and working days on which someone logged nothing.

// ReviewEntry is an entry the review lists.
type ReviewEntry struct {
	ID          int64
	Member      string
	SlackUserID string
	Client      string // "ACME · Acme Trading Ltd"
	Service     string
	WorkDate    time.Time
	Minutes     int
	Description string
}

// MissingDays are a person's working days with no time logged.
type MissingDays struct {
	Member      string
	SlackUserID string
	Days        []time.Time
}

// Review is the month-end review of a month's time.
type Review struct {
	Period            atlas.Period
	NoService         []ReviewEntry
	NonBillableOnPaid []ReviewEntry // non-billable time on a billable service
	BillableOnUnpaid  []ReviewEntry // billable time on a non-billable service
	NoRate            []ReviewEntry
	Missing           []MissingDays
}

// Clean reports whether the review found nothing.
func (r Review) Clean() bool {
	return len(r.NoService)+len(r.NonBillableOnPaid)+len(r.BillableOnUnpaid)+len(r.NoRate)+len(r.Missing) == 0
}

// Review reviews period's time not yet on an invoice. Working days count
// up to today for the month in progress.
func (s Store) Review(ctx context.Context, pid atlas.PracticeID, period atlas.Period, today time.Time) (Review, error) {
	r := Review{Period: period}
	rows, err := s.DB.Query(ctx, `
		SELECT CASE WHEN te.service_id IS NULL AND te.billable THEN 'none'
		            WHEN te.value IS NULL AND te.billable THEN 'rate'
		            WHEN NOT te.billable AND sv.billable THEN 'nonbillable'
		            ELSE 'billable' END,
		       te.id, m.name, m.slack_user_id, e.code || ' · ' || e.name, coalesce(sv.name, ''), te.work_date, te.minutes, te.description
		  FROM time_entries te
		  JOIN members m ON m.practice_id = te.practice_id AND m.id = te.member_id
		  JOIN entities e ON e.practice_id = te.practice_id AND e.id = te.entity_id
		  LEFT JOIN services sv ON sv.practice_id = te.practice_id AND sv.id = te.service_id
		 WHERE te.practice_id = $1 AND te.work_date BETWEEN $2 AND $3 AND te.invoice_id IS NULL
		   AND te.billing_state IN ('unbilled', 'non_billable')
		   AND ((te.billable AND (te.service_id IS NULL OR te.value IS NULL OR NOT sv.billable))
		        OR (NOT te.billable AND sv.billable))
		 ORDER BY te.work_date, m.name, te.id`, pid, period.FirstDay(), period.LastDay())
	if err != nil {
		return r, err
	}
	var kind string
	var e ReviewEntry
	if _, err := pgx.ForEachRow(rows, []any{&kind, &e.ID, &e.Member, &e.SlackUserID, &e.Client, &e.Service, &e.WorkDate, &e.Minutes, &e.Description}, func() error {
		switch kind {
		case "none":
			r.NoService = append(r.NoService, e)
		case "rate":
			r.NoRate = append(r.NoRate, e)
		case "nonbillable":
			r.NonBillableOnPaid = append(r.NonBillableOnPaid, e)
		default:
			r.BillableOnUnpaid = append(r.BillableOnUnpaid, e)
		}
		return nil
	}); err != nil {
		return r, err
	}
	to := period.LastDay()
	if today.Before(to) {
		to = today
	}
	rows, err = s.DB.Query(ctx, `
		SELECT m.name, m.slack_user_id, d::date
		  FROM members m
		 CROSS JOIN generate_series($2::date, $3::date, interval '1 day') AS d
		 WHERE m.practice_id = $1 AND m.active AND m.weekly_capacity_minutes > 0
		   AND extract(isodow FROM d) < 6
		   AND NOT EXISTS (SELECT 1 FROM time_entries te WHERE te.practice_id = m.practice_id AND te.member_id = m.id AND te.work_date = d::date)
		 ORDER BY m.name, m.id, d`, pid, period.FirstDay(), to)
	if err != nil {
		return r, err
	}
	var name, slackID string
	var day time.Time
	if _, err := pgx.ForEachRow(rows, []any{&name, &slackID, &day}, func() error {
		if n := len(r.Missing); n == 0 || r.Missing[n-1].SlackUserID != slackID {
			r.Missing = append(r.Missing, MissingDays{Member: name, SlackUserID: slackID})
		}
		r.Missing[len(r.Missing)-1].Days = append(r.Missing[len(r.Missing)-1].Days, day)
		return nil
	}); err != nil {
		return r, err
	}
	return r, nil
}
