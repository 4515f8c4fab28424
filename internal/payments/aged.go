package payments

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// Aged debt: what each client owes on its sent and part-paid invoices, by
// how many days past its due date each balance is on a day — not yet due
// ("current"), 0–30, 31–60, 61–90 and over 90 days past due. An invoice
// due today is 0 days past due: owed, not current.

// Buckets of aged debt, in order.
var Buckets = []string{"Current", "0–30", "31–60", "61–90", "90+"}

// AgedRow is what one client owes, by age; or, as Aged's Totals, everyone.
type AgedRow struct {
	EntityID int64
	Code     string
	Name     string
	// Owed are the balances by bucket, in the order of Buckets.
	Owed     [5]decimal.Decimal
	Total    decimal.Decimal
	Invoices int             // sent or part paid, with a balance
	Oldest   *time.Time      // the earliest due date among them
	Credit   decimal.Decimal // credit on account, not yet set against an invoice
}

// Overdue is what the client owes past its due dates.
func (r AgedRow) Overdue() decimal.Decimal { return r.Total.Sub(r.Owed[0]) }

// Aged is the practice's aged debt on a day.
type Aged struct {
	AsOf     time.Time
	Currency string
	Rows     []AgedRow // clients owing, the most overdue first
	Totals   AgedRow
}

// Aged reads what each client owes on asOf (a date in the practice's
// timezone), aged by days past due, with the totals.
func (s Store) Aged(ctx context.Context, pid atlas.PracticeID, asOf time.Time) (Aged, error) {
	a := Aged{AsOf: atlas.DateOf(asOf)}
	if err := s.DB.QueryRow(ctx, `SELECT currency FROM practices WHERE id = $1`, pid).Scan(&a.Currency); err != nil {
		return a, err
	}
	rows, err := s.DB.Query(ctx, `
		WITH open AS (
			SELECT i.entity_id, i.total - i.paid - i.credited AS balance, i.due_date,
			       CASE WHEN i.due_date IS NULL OR i.due_date > $2::date THEN 0
			            WHEN $2::date - i.due_date <= 30 THEN 1
			            WHEN $2::date - i.due_date <= 60 THEN 2
			            WHEN $2::date - i.due_date <= 90 THEN 3
			            ELSE 4 END AS bucket
			  FROM invoices i
			 WHERE i.practice_id = $1 AND i.status IN ('sent', 'part_paid') AND i.total - i.paid - i.credited > 0)
		SELECT e.id, e.code, e.name,
		       coalesce(sum(o.balance) FILTER (WHERE o.bucket = 0), 0), coalesce(sum(o.balance) FILTER (WHERE o.bucket = 1), 0),
		       coalesce(sum(o.balance) FILTER (WHERE o.bucket = 2), 0), coalesce(sum(o.balance) FILTER (WHERE o.bucket = 3), 0),
		       coalesce(sum(o.balance) FILTER (WHERE o.bucket = 4), 0), sum(o.balance), count(*), min(o.due_date),
		       coalesce((SELECT sum(c.amount) FROM account_credits c WHERE c.practice_id = $1 AND c.entity_id = e.id), 0)
		  FROM open o
		  JOIN entities e ON e.practice_id = $1 AND e.id = o.entity_id
		 GROUP BY e.id, e.code, e.name
		 ORDER BY sum(o.balance) FILTER (WHERE o.bucket > 0) DESC NULLS LAST, sum(o.balance) DESC, e.code`, pid, a.AsOf)
	if err != nil {
		return a, err
	}
	a.Rows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AgedRow, error) {
		var row AgedRow
		err := r.Scan(&row.EntityID, &row.Code, &row.Name, &row.Owed[0], &row.Owed[1], &row.Owed[2], &row.Owed[3], &row.Owed[4],
			&row.Total, &row.Invoices, &row.Oldest, &row.Credit)
		return row, err
	})
	if err != nil {
		return a, err
	}
	a.Totals.Name = "Total"
	for _, r := range a.Rows {
		for i := range r.Owed {
			a.Totals.Owed[i] = a.Totals.Owed[i].Add(r.Owed[i])
		}
		a.Totals.Total = a.Totals.Total.Add(r.Total)
		a.Totals.Invoices += r.Invoices
		a.Totals.Credit = a.Totals.Credit.Add(r.Credit)
		if r.Oldest != nil && (a.Totals.Oldest == nil || r.Oldest.Before(*a.Totals.Oldest)) {
			a.Totals.Oldest = r.Oldest
		}
	}
	return a, nil
}

// CSV is the aged debt as a spreadsheet reads it: a row per client, then
// the totals; amounts as plain numbers with two decimals.
func (a Aged) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"client_code", "client", "current", "days_0_30", "days_31_60", "days_61_90", "days_over_90", "total",
		"invoices", "oldest_due", "credit_on_account"})
	line := func(r AgedRow) []string {
		rec := []string{cell(r.Code), cell(r.Name)}
		for _, v := range r.Owed {
			rec = append(rec, v.StringFixed(2))
		}
		oldest := ""
		if r.Oldest != nil {
			oldest = r.Oldest.Format(time.DateOnly)
		}
		return append(rec, r.Total.StringFixed(2), strconv.Itoa(r.Invoices), oldest, r.Credit.StringFixed(2))
	}
	for _, r := range a.Rows {
		_ = w.Write(line(r))
	}
	_ = w.Write(line(a.Totals))
	w.Flush()
	return b.Bytes()
}

// cell keeps a name a spreadsheet would read as a formula (=, +, -, @)
// as text.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
