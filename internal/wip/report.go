package wip

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// By is what a report's rows are.
type By string

// The rows a report can have.
const (
	ByClient By = "client"
	ByPerson By = "person"
	ByMonth  By = "month"
)

// Query is which report: its rows, and whether it is of one client or one
// person (zero for all).
type Query struct {
	By       By
	EntityID int64
	MemberID atlas.MemberID
}

// Key is the query as text, for a button's value or an outbox post's
// purpose: "client", "person e12", "month m3". ParseKey reads it back.
func (q Query) Key() string {
	k := string(q.By)
	if q.EntityID != 0 {
		k += " e" + strconv.FormatInt(q.EntityID, 10)
	}
	if q.MemberID != 0 {
		k += " m" + strconv.FormatInt(int64(q.MemberID), 10)
	}
	return k
}

// ParseKey reads a Key.
func ParseKey(key string) (Query, error) {
	words := strings.Fields(key)
	if len(words) == 0 {
		return Query{}, fmt.Errorf("wip: empty key")
	}
	q := Query{By: By(words[0])}
	if q.By != ByClient && q.By != ByPerson && q.By != ByMonth {
		return Query{}, fmt.Errorf("wip: key %q", key)
	}
	for _, w := range words[1:] {
		if len(w) < 2 {
			return Query{}, fmt.Errorf("wip: key %q", key)
		}
		n, err := strconv.ParseInt(w[1:], 10, 64)
		if err != nil {
			return Query{}, fmt.Errorf("wip: key %q", key)
		}
		switch w[0] {
		case 'e':
			q.EntityID = n
		case 'm':
			q.MemberID = atlas.MemberID(n)
		default:
			return Query{}, fmt.Errorf("wip: key %q", key)
		}
	}
	return q, nil
}

// Ages are the ageing buckets, by days since the work date.
var Ages = [4]string{"0–30 days", "31–60 days", "61–90 days", "over 90 days"}

// Figures are the work in progress of one row, or of the total.
type Figures struct {
	Minutes int64 // all of it, valued or not
	// Unvalued is the minutes with no rate in force, so no value: they are
	// in Minutes and in no Value.
	Unvalued int64
	Value    decimal.Decimal
	// OnDraft is the part of Value on draft invoices: still WIP, but a
	// manager has drafted it already.
	OnDraft decimal.Decimal
	Aged    [4]decimal.Decimal // Value by Ages
	Oldest  time.Time          // the earliest work date
}

func (f *Figures) add(g Figures) {
	f.Minutes += g.Minutes
	f.Unvalued += g.Unvalued
	f.Value = f.Value.Add(g.Value)
	f.OnDraft = f.OnDraft.Add(g.OnDraft)
	for i := range f.Aged {
		f.Aged[i] = f.Aged[i].Add(g.Aged[i])
	}
	if f.Oldest.IsZero() || (!g.Oldest.IsZero() && g.Oldest.Before(f.Oldest)) {
		f.Oldest = g.Oldest
	}
}

// Undrafted is the value not yet on a draft: what drafting the client's
// invoice now would bill.
func (f Figures) Undrafted() decimal.Decimal { return f.Value.Sub(f.OnDraft) }

// Hours is the minutes as hours to two decimal places: "12.50".
func (f Figures) Hours() string {
	return decimal.New(f.Minutes, 0).DivRound(decimal.NewFromInt(60), 2).StringFixed(2)
}

// Row is one client's, person's or month's work in progress.
type Row struct {
	ID     int64        // the client's or person's id; 0 for a month
	Month  atlas.Period // a month's row
	Code   string       // the client's code; empty for a person or a month
	Name   string       // the client's or person's name, or "November 2026"
	Hourly bool         // a client billed by the hour, whose WIP a draft invoice bills
	Figures
}

// Label is "ACME · Acme Trading Ltd", "Bea" or "November 2026".
func (r Row) Label() string {
	if r.Code != "" {
		return r.Code + " · " + r.Name
	}
	return r.Name
}

// Report is a practice's work in progress on a day.
type Report struct {
	Query
	Today    time.Time
	Currency string
	// Of names the client or person the report is limited to, if any.
	Of string
	// Rows are the largest value first; by month, the oldest month first.
	Rows  []Row
	Total Figures
}

// Title is "Work in progress by client", and the client or person it is
// limited to: " · ACME · Acme Trading Ltd".
func (r Report) Title() string {
	t := "Work in progress by " + string(r.By)
	if r.Of != "" {
		t += " · " + r.Of
	}
	return t
}

// Store reads work in progress; it writes nothing.
type Store struct{ DB db.DB }

// groupBy is each kind of row's grouping expression. Only these constants
// reach the SQL text.
var groupBy = map[By]string{
	ByClient: "te.entity_id",
	ByPerson: "te.member_id",
	ByMonth:  "(date_trunc('month', te.work_date))::date - '2000-01-01'::date",
}

// Report reads the work in progress of q on today, the practice's date.
func (s Store) Report(ctx context.Context, pid atlas.PracticeID, q Query, today time.Time) (Report, error) {
	group, ok := groupBy[q.By]
	if !ok {
		return Report{}, fmt.Errorf("wip: rows by %q", q.By)
	}
	r := Report{Query: q, Today: today}
	err := db.InSnapshot(ctx, s.DB, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT currency FROM practices WHERE id = $1`, pid).Scan(&r.Currency); err != nil {
			return fmt.Errorf("wip: read the practice: %w", err)
		}
		if err := r.readOf(ctx, tx, pid); err != nil {
			return err
		}
		// One row a group, the ages as filtered sums (the value is theirs): grouped by client,
		// the rows come out of the index in order, so nothing is sorted and
		// the planner may aggregate in parallel (grouping by client and age
		// instead re-sorted each client's rows and took twice as long over
		// a million entries). Ages are days before today, $2 - work_date.
		// The client and person conditions are in the text only when set,
		// so a pooled connection's generic plan never guesses at them.
		args := []any{pid, today}
		where := ""
		if q.EntityID != 0 {
			args = append(args, q.EntityID)
			where += fmt.Sprintf(" AND te.entity_id = $%d", len(args))
		}
		if q.MemberID != 0 {
			args = append(args, q.MemberID)
			where += fmt.Sprintf(" AND te.member_id = $%d", len(args))
		}
		rows, err := tx.Query(ctx, `
			SELECT `+group+` AS grp, sum(te.minutes), coalesce(sum(te.minutes) FILTER (WHERE te.value IS NULL), 0),
			       coalesce(sum(te.value) FILTER (WHERE te.invoice_id IS NOT NULL), 0),
			       coalesce(sum(te.value) FILTER (WHERE te.work_date >= $2::date - 30), 0),
			       coalesce(sum(te.value) FILTER (WHERE te.work_date < $2::date - 30 AND te.work_date >= $2::date - 60), 0),
			       coalesce(sum(te.value) FILTER (WHERE te.work_date < $2::date - 60 AND te.work_date >= $2::date - 90), 0),
			       coalesce(sum(te.value) FILTER (WHERE te.work_date < $2::date - 90), 0),
			       min(te.work_date)
			  FROM time_entries te
			 WHERE te.practice_id = $1 AND te.billing_state = 'unbilled'`+where+`
			 GROUP BY 1`, args...)
		if err != nil {
			return fmt.Errorf("wip: read unbilled time: %w", err)
		}
		var row Row
		r.Rows, err = pgx.CollectRows(rows, func(cr pgx.CollectableRow) (Row, error) {
			row = Row{}
			err := cr.Scan(&row.ID, &row.Minutes, &row.Unvalued, &row.OnDraft,
				&row.Aged[0], &row.Aged[1], &row.Aged[2], &row.Aged[3], &row.Oldest)
			// The value is the sum of its ages: one sum fewer over every
			// entry.
			row.Value = row.Aged[0].Add(row.Aged[1]).Add(row.Aged[2]).Add(row.Aged[3])
			return row, err
		})
		if err != nil {
			return fmt.Errorf("wip: read unbilled time: %w", err)
		}
		return r.name(ctx, tx, pid)
	})
	if err != nil {
		return Report{}, err
	}
	if q.By == ByMonth {
		slices.SortFunc(r.Rows, func(a, b Row) int { return a.Month.FirstDay().Compare(b.Month.FirstDay()) })
	} else {
		slices.SortFunc(r.Rows, func(a, b Row) int {
			return cmp.Or(b.Value.Cmp(a.Value), cmp.Compare(b.Minutes, a.Minutes), cmp.Compare(a.Label(), b.Label()))
		})
	}
	for _, row := range r.Rows {
		r.Total.add(row.Figures)
	}
	return r, nil
}

// readOf names the client or person the report is limited to.
func (r *Report) readOf(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) error {
	var parts []string
	if r.EntityID != 0 {
		var code, name string
		if err := tx.QueryRow(ctx, `SELECT code, name FROM entities WHERE practice_id = $1 AND id = $2`, pid, r.EntityID).Scan(&code, &name); err != nil {
			return db.MapError(err, "That client does not exist.")
		}
		parts = append(parts, code+" · "+name)
	}
	if r.MemberID != 0 {
		var name string
		if err := tx.QueryRow(ctx, `SELECT name FROM members WHERE practice_id = $1 AND id = $2`, pid, r.MemberID).Scan(&name); err != nil {
			return db.MapError(err, "That person is not in the practice.")
		}
		parts = append(parts, name)
	}
	r.Of = strings.Join(parts, " · ")
	return nil
}

// name gives each row its client's, person's or month's name.
func (r *Report) name(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) error {
	if r.By == ByMonth {
		epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range r.Rows {
			r.Rows[i].Month = atlas.PeriodOf(epoch.AddDate(0, 0, int(r.Rows[i].ID)))
			r.Rows[i].Name = r.Rows[i].Month.Label()
			r.Rows[i].ID = 0
		}
		return nil
	}
	ids := make([]int64, len(r.Rows))
	at := make(map[int64]int, len(r.Rows))
	for i, row := range r.Rows {
		ids[i], at[row.ID] = row.ID, i
	}
	// Joined with the ids rather than "id = ANY($2)": PostgreSQL compares
	// each row with every element of an array parameter (it hashes only a
	// literal one), which over 5,000 clients took 14 ms to the join's 2.
	sql := `SELECT e.id, e.code, e.name, e.billing_type = 'hourly' FROM entities e JOIN unnest($2::bigint[]) AS r (id) ON r.id = e.id
		WHERE e.practice_id = $1`
	if r.By == ByPerson {
		sql = `SELECT m.id, '', m.name, false FROM members m JOIN unnest($2::bigint[]) AS r (id) ON r.id = m.id WHERE m.practice_id = $1`
	}
	rows, err := tx.Query(ctx, sql, pid, ids)
	if err != nil {
		return fmt.Errorf("wip: name the rows: %w", err)
	}
	var id int64
	var code, name string
	var hourly bool
	_, err = pgx.ForEachRow(rows, []any{&id, &code, &name, &hourly}, func() error {
		row := &r.Rows[at[id]]
		row.Code, row.Name, row.Hourly = code, name, hourly
		return nil
	})
	if err != nil {
		return fmt.Errorf("wip: name the rows: %w", err)
	}
	return nil
}
