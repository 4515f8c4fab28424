package digest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/realisation"
	"github.com/atlas-practice/atlas/internal/wip"
)

// Store reads the digests' figures; it writes nothing.
type Store struct{ DB db.DB }

// In is s reading through q instead, a transaction most often: a job that
// runs in one reads through s.In(tx).
func (s Store) In(q db.DB) Store {
	s.DB = q
	return s
}

// Recipient is a person who gets the morning DM.
type Recipient struct {
	Member    atlas.MemberID
	SlackUser string
}

// Practice gathers the practice's digest figures for day (the practice's
// date, midnight UTC) with its settings s, all read in one snapshot.
func (st Store) Practice(ctx context.Context, s Settings, day time.Time) (Practice, error) {
	pid := s.PracticeID
	p := Practice{Day: day, LastDay: s.LastWorkingDay(day)}
	weekEnd := s.WeekEnd(day)
	err := db.InSnapshot(ctx, st.DB, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT name, currency FROM practices WHERE id = $1`, pid).Scan(&p.Name, &p.Currency); err != nil {
			return db.MapError(err, "The practice is not set up yet.")
		}
		var err error
		if p.Overdue, p.OverdueTotal, err = packs(ctx, tx, pid, day, overduePacks, 0, nil); err != nil {
			return fmt.Errorf("digest: overdue packs: %w", err)
		}
		if p.DueThisWeek, p.DueWeekTotal, err = packs(ctx, tx, pid, day, duePacks, 0, &weekEnd); err != nil {
			return fmt.Errorf("digest: packs due this week: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM tasks tk`+activeClient+`
			WHERE tk.practice_id = $1 AND tk.due_date >= $2::date AND `+atRisk("$2::date"), pid, day).Scan(&p.AtRisk); err != nil {
			return fmt.Errorf("digest: packs at risk: %w", err)
		}
		if p.Bottleneck, err = bottleneck(ctx, tx, s, day); err != nil {
			return err
		}
		if p.Completion, err = completion(ctx, tx, s, day); err != nil {
			return err
		}
		if p.AwaitingApproval, p.AwaitingApprovalTotal, p.AwaitingApprovalSum, err = awaitingApproval(ctx, tx, pid); err != nil {
			return err
		}
		if p.OverdueInvoices, p.OverdueInvoicesTotal, p.OverdueInvoicesOwed, err = overdueInvoices(ctx, tx, pid, day); err != nil {
			return err
		}
		if err := p.readWIP(ctx, tx, s, day); err != nil {
			return err
		}
		if p.UnderRecovered, err = underRecovered(ctx, tx, pid, day); err != nil {
			return err
		}
		p.Idle, err = idle(ctx, tx, s, p.LastDay)
		return err
	})
	if err != nil {
		return Practice{}, err
	}
	return p, nil
}

// Person gathers one member's morning DM figures for day, all read in one
// snapshot.
func (st Store) Person(ctx context.Context, s Settings, member atlas.MemberID, day time.Time) (Person, error) {
	pid := s.PracticeID
	p := Person{Member: member, Day: day, LastDay: s.LastWorkingDay(day)}
	weekEnd := s.WeekEnd(day)
	err := db.InSnapshot(ctx, st.DB, func(tx pgx.Tx) error {
		var weekly int
		err := tx.QueryRow(ctx, `SELECT m.slack_user_id, m.name, m.role IN ('partner', 'admin'), m.weekly_capacity_minutes, p.currency
			FROM members m JOIN practices p ON p.id = m.practice_id WHERE m.practice_id = $1 AND m.id = $2`, pid, int64(member)).
			Scan(&p.SlackUser, &p.Name, &p.IsPartner, &weekly, &p.Currency)
		if err != nil {
			return db.MapError(err, "That person is not in the practice.")
		}
		p.CapacityMinutes = dailyCapacity(weekly, s)
		if p.Overdue, _, err = packs(ctx, tx, pid, day, overduePacks, member, nil); err != nil {
			return fmt.Errorf("digest: %s's overdue packs: %w", p.Name, err)
		}
		if p.DueThisWeek, _, err = packs(ctx, tx, pid, day, duePacks, member, &weekEnd); err != nil {
			return fmt.Errorf("digest: %s's packs due this week: %w", p.Name, err)
		}
		if p.ToReview, _, err = packs(ctx, tx, pid, day, toReview, member, nil); err != nil {
			return fmt.Errorf("digest: %s's packs to review: %w", p.Name, err)
		}
		if p.IsPartner {
			if p.ToApprove, _, _, err = awaitingApproval(ctx, tx, pid); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(minutes), 0) FROM time_entries
			WHERE practice_id = $1 AND member_id = $2 AND work_date = $3::date`, pid, int64(member), p.LastDay).Scan(&p.LoggedMinutes); err != nil {
			return fmt.Errorf("digest: %s's time on %s: %w", p.Name, p.LastDay.Format(time.DateOnly), err)
		}
		// A timer left running from before the day began.
		var since time.Time
		var client string
		err = tx.QueryRow(ctx, `SELECT tm.started_at, en.code || ' · ' || en.name
			FROM timers tm JOIN entities en ON en.practice_id = tm.practice_id AND en.id = tm.entity_id
			WHERE tm.practice_id = $1 AND tm.member_id = $2 AND tm.started_at < $3`, pid, int64(member), startOf(day, s.Location)).
			Scan(&since, &client)
		switch {
		case err == nil:
			p.TimerSince, p.TimerClient = &since, client
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("digest: %s's timer: %w", p.Name, err)
		}
		return nil
	})
	if err != nil {
		return Person{}, err
	}
	return p, nil
}

// Recipients lists the active members who get the personal DM: those who
// asked for it, and those who did not say when the practice's default is
// to send it; by name.
func (st Store) Recipients(ctx context.Context, s Settings) ([]Recipient, error) {
	rows, err := st.DB.Query(ctx, `SELECT id, slack_user_id FROM members WHERE `+recipients+`
		ORDER BY lower(name), id`, s.PracticeID, s.PersonalDefault)
	return scanRecipients(rows, err)
}

// recipients are the members who get the DM, of practice $1 whose default
// is $2.
const recipients = `practice_id = $1 AND active AND coalesce(personal_digest, $2::boolean)`

// scanRecipients reads rows of a member's id and Slack user id.
func scanRecipients(rows pgx.Rows, err error) ([]Recipient, error) {
	if err != nil {
		return nil, fmt.Errorf("digest: recipients: %w", err)
	}
	var out []Recipient
	var r Recipient
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &r.SlackUser}, func() error {
		r.Member = atlas.MemberID(id)
		out = append(out, r)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("digest: recipients: %w", err)
	}
	return out, nil
}

// activeClient joins a task tk to its client en, leaving out archived
// clients: their packs are not chased.
const activeClient = ` JOIN entities en ON en.practice_id = tk.practice_id AND en.id = tk.entity_id AND en.archived_at IS NULL`

// atRisk is workflow's atRiskExpr (internal/workflow/task.go: Progress.TrackOn
// = AtRisk in SQL), which is unexported: an open task past its current
// stage's target date or past its due date, on the date today.
func atRisk(today string) string {
	return `(tk.completed_at IS NULL AND (tk.stage_targets[tk.stage] < ` + today + ` OR tk.due_date < ` + today + `))`
}

// A packList is which open packs a list holds ($2 being the day, $3 the
// member it is of, $5 the last due date it reaches, if any) and their
// order.
type packList struct{ where, order string }

var (
	// overduePacks are the packs past their due date, the oldest due first.
	overduePacks = packList{`tk.due_date < $2::date`, `tk.due_date, lower(en.code), tk.id`}
	// duePacks are the packs due from the day on, the soonest first.
	duePacks = packList{`tk.due_date >= $2::date`, `tk.due_date, lower(en.code), tk.id`}
	// toReview are the packs sent for review and waiting on their reviewer
	// (the member the list is of), the longest waiting first.
	toReview = packList{`tk.review_state = 'requested' AND tk.reviewer_id = $3`,
		`coalesce(tk.sent_for_review_at, tk.created_at), tk.due_date, lower(en.code), tk.id`}
)

// packs lists the open packs of active clients in list on day, at most
// ListLimit of them, with how many there are in all; with a member, only
// those they prepare or review; with dueBy, only those due by then.
func packs(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, day time.Time, list packList, member atlas.MemberID,
	dueBy *time.Time) ([]Pack, int, error) {
	rows, err := tx.Query(ctx, `SELECT tk.id, en.code || ' · ' || en.name, tk.stage, pm.name, pm.slack_user_id, tk.due_date,
		greatest($2::date - tk.due_date, 0), count(*) OVER ()
		FROM tasks tk`+activeClient+`
		JOIN members pm ON pm.practice_id = tk.practice_id AND pm.id = tk.preparer_id
		WHERE tk.practice_id = $1 AND tk.completed_at IS NULL AND `+list.where+`
		  AND ($3::bigint = 0 OR $3 IN (tk.preparer_id, tk.reviewer_id)) AND ($5::date IS NULL OR tk.due_date <= $5)
		ORDER BY `+list.order+` LIMIT $4`, pid, day, int64(member), ListLimit, dueBy)
	if err != nil {
		return nil, 0, err
	}
	var out []Pack
	var pk Pack
	var total int
	_, err = pgx.ForEachRow(rows, []any{&pk.TaskID, &pk.Client, &pk.Stage, &pk.PreparerName, &pk.PreparerSlack, &pk.Due, &pk.DaysOverdue, &total}, func() error {
		pk.StageName = stageName(pk.Stage)
		out = append(out, pk)
		return nil
	})
	return out, total, err
}

// stageName is a stage's name without its number: "Collect documents".
func stageName(n int) string {
	if n >= 1 && n <= len(atlas.Stages) {
		return atlas.Stages[n-1]
	}
	return atlas.StageName(n)
}

// bottleneck is the stage (1 to 6) holding the most open packs of active
// clients past its target date, the earliest on a tie; nil when none is
// past. A pack has waited in its stage since the stage before it was done
// (since it was made, in stage 1), counted in whole days of the practice's
// calendar.
func bottleneck(ctx context.Context, tx pgx.Tx, s Settings, day time.Time) (*Stuck, error) {
	rows, err := tx.Query(ctx, `SELECT tk.stage, count(*) FILTER (WHERE tk.stage_targets[tk.stage] < $2::date), count(*),
		percentile_disc(0.5) WITHIN GROUP (ORDER BY greatest($2::date - (CASE WHEN tk.stage = 1 THEN tk.created_at
			ELSE coalesce(tk.stage_done_at[tk.stage - 1], tk.created_at) END AT TIME ZONE $3::text)::date, 0))
		FROM tasks tk`+activeClient+`
		WHERE tk.practice_id = $1 AND tk.completed_at IS NULL AND tk.stage BETWEEN 1 AND 6
		GROUP BY tk.stage ORDER BY tk.stage`, s.PracticeID, day, s.Location.String())
	if err != nil {
		return nil, fmt.Errorf("digest: bottleneck: %w", err)
	}
	var best *Stuck
	var st Stuck
	if _, err := pgx.ForEachRow(rows, []any{&st.Stage, &st.PastTarget, &st.Waiting, &st.MedianDays}, func() error {
		if st.PastTarget > 0 && (best == nil || st.PastTarget > best.PastTarget) {
			found := st
			found.StageName = stageName(st.Stage)
			best = &found
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("digest: bottleneck: %w", err)
	}
	return best, nil
}

// completion is the month holding day's packs done, against last month's
// packs done by the end of its same working day (in the practice's
// timezone). Like the board, it counts every pack of the month.
func completion(ctx context.Context, tx pgx.Tx, s Settings, day time.Time) (Completion, error) {
	var c Completion
	this := atlas.PeriodOf(day)
	prev := this.Prev()
	by := startOf(s.NthWorkingDay(prev, s.WorkingDayIndex(day)).AddDate(0, 0, 1), s.Location)
	err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE period = $2 AND completed_at IS NOT NULL), count(*) FILTER (WHERE period = $2),
		count(*) FILTER (WHERE period = $3 AND completed_at < $4), count(*) FILTER (WHERE period = $3)
		FROM tasks WHERE practice_id = $1 AND period IN ($2, $3)`, s.PracticeID, this.FirstDay(), prev.FirstDay(), by).
		Scan(&c.Done, &c.Total, &c.LastDone, &c.LastTotal)
	if err != nil {
		return c, fmt.Errorf("digest: completion: %w", err)
	}
	return c, nil
}

// awaitingApproval lists the invoices awaiting approval, the oldest
// submitted first, with their count and the sum of their totals.
func awaitingApproval(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) ([]Invoice, int, decimal.Decimal, error) {
	rows, err := tx.Query(ctx, `SELECT i.id, coalesce(i.number, ''), en.code || ' · ' || en.name, i.total, 0,
		count(*) OVER (), sum(i.total) OVER ()
		FROM invoices i JOIN entities en ON en.practice_id = i.practice_id AND en.id = i.entity_id
		WHERE i.practice_id = $1 AND i.status = 'awaiting_approval'
		ORDER BY coalesce(i.submitted_at, i.created_at), i.id LIMIT $2`, pid, ListLimit)
	if err != nil {
		return nil, 0, decimal.Zero, fmt.Errorf("digest: invoices awaiting approval: %w", err)
	}
	out, n, sum, err := invoices(rows)
	if err != nil {
		return nil, 0, decimal.Zero, fmt.Errorf("digest: invoices awaiting approval: %w", err)
	}
	return out, n, sum, nil
}

// overdueInvoices lists the sent invoices past their due date with a
// balance left, the most overdue first, each with its balance, and their
// count and the sum of their balances.
func overdueInvoices(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, day time.Time) ([]Invoice, int, decimal.Decimal, error) {
	rows, err := tx.Query(ctx, `SELECT i.id, coalesce(i.number, ''), en.code || ' · ' || en.name, i.total - i.paid - i.credited,
		$2::date - i.due_date, count(*) OVER (), sum(i.total - i.paid - i.credited) OVER ()
		FROM invoices i JOIN entities en ON en.practice_id = i.practice_id AND en.id = i.entity_id
		WHERE i.practice_id = $1 AND i.status IN ('sent', 'part_paid') AND i.due_date < $2::date
		  AND i.total - i.paid - i.credited > 0
		ORDER BY i.due_date, i.id LIMIT $3`, pid, day, ListLimit)
	if err != nil {
		return nil, 0, decimal.Zero, fmt.Errorf("digest: overdue invoices: %w", err)
	}
	out, n, sum, err := invoices(rows)
	if err != nil {
		return nil, 0, decimal.Zero, fmt.Errorf("digest: overdue invoices: %w", err)
	}
	return out, n, sum, nil
}

// invoices reads rows of id, number, client, amount, days overdue, and the
// count and sum over them all.
func invoices(rows pgx.Rows) ([]Invoice, int, decimal.Decimal, error) {
	var out []Invoice
	var inv Invoice
	var n int
	sum := decimal.Zero
	_, err := pgx.ForEachRow(rows, []any{&inv.ID, &inv.Number, &inv.Client, &inv.Total, &inv.DaysOverdue, &n, &sum}, func() error {
		out = append(out, inv)
		return nil
	})
	return out, n, sum, err
}

// readWIP reads the work in progress and the clients over the practice's
// thresholds, the largest first.
func (p *Practice) readWIP(ctx context.Context, tx pgx.Tx, s Settings, day time.Time) error {
	o, err := wip.Store{DB: tx}.OverLimits(ctx, s.PracticeID, day, s.WIPAlertDays, s.WIPAlertValue, ListLimit)
	if err != nil {
		return fmt.Errorf("digest: work in progress: %w", err)
	}
	p.WIPTotal, p.WIPOverAll = o.Total, o.Count
	for _, row := range o.Clients { // the largest value first
		p.WIPOver = append(p.WIPOver, Client{ID: row.ID, Client: row.Label(), Value: row.Value, OldestDays: atlas.DaysBetween(row.Oldest, day)})
	}
	return nil
}

// underRecovered lists last month's fixed-fee clients whose fee covered
// less than the value of the time their retainer absorbed, the furthest
// under first.
func underRecovered(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, day time.Time) ([]Recovery, error) {
	last := atlas.PeriodOf(day).Prev()
	cover, err := realisation.Store{DB: tx}.Coverage(ctx, pid, realisation.SpanOf(realisation.Month, last.FirstDay()))
	if err != nil {
		return nil, fmt.Errorf("digest: fee coverage: %w", err)
	}
	var out []Recovery
	for _, c := range cover { // the furthest under-recovered first
		pct, ok := c.Rate()
		if len(out) == ListLimit {
			break
		}
		if !ok || !c.Fee.LessThan(c.Value) {
			continue
		}
		out = append(out, Recovery{Client: c.Code + " · " + c.Name, Fee: c.Fee, Value: c.Value, CoveragePct: pct})
	}
	return out, nil
}

// idle lists the active people with a capacity who logged no time on
// lastDay, by name.
func idle(ctx context.Context, tx pgx.Tx, s Settings, lastDay time.Time) ([]Idle, error) {
	rows, err := tx.Query(ctx, `SELECT m.name, m.slack_user_id, m.weekly_capacity_minutes FROM members m
		WHERE m.practice_id = $1 AND m.active AND m.weekly_capacity_minutes > 0
		  AND NOT EXISTS (SELECT 1 FROM time_entries te WHERE te.practice_id = $1 AND te.member_id = m.id AND te.work_date = $2::date)
		ORDER BY lower(m.name), m.id`, s.PracticeID, lastDay)
	if err != nil {
		return nil, fmt.Errorf("digest: idle people: %w", err)
	}
	var out []Idle
	var i Idle
	var weekly int
	if _, err := pgx.ForEachRow(rows, []any{&i.Name, &i.SlackUser, &weekly}, func() error {
		i.CapacityMinutes = dailyCapacity(weekly, s)
		out = append(out, i)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("digest: idle people: %w", err)
	}
	return out, nil
}

// dailyCapacity is a weekly capacity spread over the practice's working
// days.
func dailyCapacity(weekly int, s Settings) int {
	if len(s.WorkingDays) == 0 {
		return 0
	}
	return weekly / len(s.WorkingDays)
}

// startOf is midnight at the start of the date day in loc.
func startOf(day time.Time, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
}
