package realisation

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Store reads realisation from the billing tables; it writes nothing.
type Store struct{ DB db.DB }

// Figures are the money of one row, or of the total.
type Figures struct {
	// TimeValue is the value of the time billed, and of time written off.
	TimeValue decimal.Decimal
	// WrittenOff is the part of TimeValue written off a draft: it billed
	// nothing.
	WrittenOff decimal.Decimal
	// Billed is what the lines billed; Credited what credit notes took off
	// them.
	Billed, Credited decimal.Decimal
}

// Net is what was billed and stays billed: billed − credited.
func (f Figures) Net() decimal.Decimal { return f.Billed.Sub(f.Credited) }

// Adjusted is the write-ups (+) less the write-downs (−): what the lines
// billed beyond the value of the time on them.
func (f Figures) Adjusted() decimal.Decimal { return f.Billed.Sub(f.TimeValue.Sub(f.WrittenOff)) }

// Rate is the realisation in percent to one decimal place, net ÷ time
// value; ok is false when there was no time.
func (f Figures) Rate() (pct decimal.Decimal, ok bool) {
	if !f.TimeValue.IsPositive() {
		return decimal.Zero, false
	}
	return f.Net().Mul(hundred).DivRound(f.TimeValue, 1), true
}

func (f Figures) add(g Figures) Figures {
	return Figures{f.TimeValue.Add(g.TimeValue), f.WrittenOff.Add(g.WrittenOff), f.Billed.Add(g.Billed), f.Credited.Add(g.Credited)}
}

var hundred = decimal.NewFromInt(100)

// Row is one client's, person's or service's realisation.
type Row struct {
	Code, Name string // ACME · Acme Trading Ltd; a person's code is empty
	Figures
}

// Adjustment is one line billed above or below the value of its time.
type Adjustment struct {
	Invoice     string // its number
	Client      string // "ACME · Acme Trading Ltd"
	Description string
	TimeValue   decimal.Decimal
	Amount      decimal.Decimal
	Reason      string
}

// Difference is the write-up (+) or write-down (−).
func (a Adjustment) Difference() decimal.Decimal { return a.Amount.Sub(a.TimeValue) }

// Report is realisation over a span, by one kind of row.
type Report struct {
	Query
	Currency    string
	Rows        []Row // the furthest from 100% first
	Total       Figures
	Adjustments []Adjustment // the largest first, at most MaxAdjustments of them
	// AdjustmentCount is how many lines were written up or down in all.
	AdjustmentCount int
	Coverage        []Coverage // the clients furthest under-recovered first
}

// liveStatuses are the invoices whose amounts stand: approved, and not
// void.
var liveStatuses = []string{"approved", "sending", "sent", "part_paid", "paid"}

// Report reads realisation for q.
func (s Store) Report(ctx context.Context, pid atlas.PracticeID, q Query) (Report, error) {
	r := Report{Query: q}
	err := db.InSnapshot(ctx, s.DB, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT currency FROM practices WHERE id = $1`, pid).Scan(&r.Currency); err != nil {
			return fmt.Errorf("realisation: read the practice: %w", err)
		}
		var err error
		if r.Rows, err = rows(ctx, tx, pid, q); err != nil {
			return err
		}
		if r.Adjustments, r.AdjustmentCount, err = adjustments(ctx, tx, pid, q.Span); err != nil {
			return err
		}
		r.Coverage, err = coverage(ctx, tx, pid, q.Span)
		return err
	})
	for _, row := range r.Rows {
		r.Total = r.Total.add(row.Figures)
	}
	return r, err
}

// factsSQL is every figure of the span as a fact with the client, person
// and service it belongs to: the lines of time on invoices approved in the
// span (with {{facts}} the lines' facts, lineFacts or sharedLineFacts), and the
// time written off drafts. $1 practice, $2 and $3 the span's first and last
// days, $4 the live statuses.
const factsSQL = `
WITH tz AS (SELECT timezone FROM practices WHERE id = $1),
inv AS (
	SELECT i.id, i.entity_id, i.number FROM invoices i, tz
	 WHERE i.practice_id = $1 AND i.status = ANY($4::text[]) AND i.approved_at IS NOT NULL
	   AND i.approved_at >= ($2::date::timestamp AT TIME ZONE tz.timezone)
	   AND i.approved_at < (($3::date + 1)::timestamp AT TIME ZONE tz.timezone)),
credits AS (
	SELECT cl.invoice_line_id AS line, sum(cl.amount) AS credited, bool_or(n.time_to = 'wip') AS to_wip
	  FROM credit_notes n JOIN credit_note_lines cl ON cl.credit_note_id = n.id
	 WHERE n.practice_id = $1 AND n.invoice_id IN (SELECT id FROM inv)
	 GROUP BY 1),
lines AS (
	SELECT l.id, l.invoice_id, inv.entity_id, l.service_id, l.member_id, l.amount, coalesce(c.credited, 0) AS credited,
	       CASE WHEN c.to_wip IS TRUE AND NOT EXISTS (SELECT 1 FROM time_entries te
	                 WHERE te.practice_id = $1 AND te.invoice_id = l.invoice_id AND te.invoice_line_id = l.id)
	            THEN 0 ELSE l.time_value END AS time_value
	  FROM inv JOIN invoice_lines l ON l.practice_id = $1 AND l.invoice_id = inv.id AND l.kind = 'time'
	  LEFT JOIN credits c ON c.line = l.id),
{{facts}}	UNION ALL
	-- Time written off a draft, in the period of the invoice it was taken
	-- off once that is approved, else when it was written off. A credit
	-- note's write-off is left out: its line still holds its value.
	SELECT te.entity_id, te.service_id, te.member_id, w.value, w.value, 0, 0
	  FROM write_offs w JOIN time_entries te ON te.practice_id = $1 AND te.id = w.entry_id
	  LEFT JOIN invoices i ON i.practice_id = $1 AND i.id = w.invoice_id AND i.status = ANY($4::text[]) AND i.approved_at IS NOT NULL, tz
	 WHERE w.practice_id = $1
	   AND coalesce(i.approved_at, w.at) >= ($2::date::timestamp AT TIME ZONE tz.timezone)
	   AND coalesce(i.approved_at, w.at) < (($3::date + 1)::timestamp AT TIME ZONE tz.timezone)
	   AND NOT EXISTS (SELECT 1 FROM credit_notes n WHERE n.practice_id = $1 AND n.invoice_id = w.invoice_id
	                     AND n.time_to = 'write_off' AND w.reason LIKE 'Credit note ' || n.number || ': %'))`

// lineFacts are the lines as facts, each whole: by client and by service
// a line belongs to one row.
const lineFacts = `facts AS (
	SELECT entity_id, service_id, member_id, time_value, 0::numeric AS written_off, amount AS billed, credited FROM lines
`

// sharedLineFacts are the lines as facts shared among the people whose
// time each bills, by that time's value (a window over the line, not a
// self-join, so the planner has one pass over the entries); a line with no
// time left on it goes to its own person, if any.
const sharedLineFacts = `shares AS (
	SELECT line, member_id, value, sum(value) OVER (PARTITION BY line) AS whole
	  FROM (SELECT te.invoice_line_id AS line, te.member_id, sum(coalesce(te.value, 0)) AS value
	          FROM lines JOIN time_entries te ON te.practice_id = $1 AND te.invoice_id = lines.invoice_id AND te.invoice_line_id = lines.id
	         GROUP BY 1, 2) x),
facts AS (
	SELECT lines.entity_id, lines.service_id, coalesce(s.member_id, lines.member_id) AS member_id,
	       lines.time_value * coalesce(s.value / s.whole, 1) AS time_value, 0::numeric AS written_off,
	       lines.amount * coalesce(s.value / s.whole, 1) AS billed, lines.credited * coalesce(s.value / s.whole, 1) AS credited
	  FROM lines LEFT JOIN shares s ON s.line = lines.id AND s.whole > 0
`

// groupings are each kind of row's key and names, over facts f.
var groupings = map[By]struct{ key, code, name, join string }{
	ByClient: {"f.entity_id", "e.code", "e.name",
		"LEFT JOIN entities e ON e.practice_id = $1 AND e.id = f.entity_id"},
	ByPerson: {"f.member_id", "''", "coalesce(m.name, 'No one')",
		"LEFT JOIN members m ON m.practice_id = $1 AND m.id = f.member_id"},
	ByService: {"f.service_id", "coalesce(sv.code, '')", "coalesce(sv.name, 'No service')",
		"LEFT JOIN services sv ON sv.practice_id = $1 AND sv.id = f.service_id"},
}

func rows(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, q Query) ([]Row, error) {
	g, ok := groupings[q.By]
	if !ok {
		return nil, fmt.Errorf("realisation: no grouping %q", q.By)
	}
	facts := lineFacts
	if q.By == ByPerson {
		facts = sharedLineFacts
	}
	sql := strings.Replace(factsSQL, "{{facts}}", facts, 1) + `
	SELECT ` + g.code + `, ` + g.name + `, round(sum(f.time_value), 2), round(sum(f.written_off), 2),
	       round(sum(f.billed), 2), round(sum(f.credited), 2)
	  FROM facts f ` + g.join + `
	 GROUP BY ` + g.key + `, 1, 2`
	rs, err := tx.Query(ctx, sql, pid, q.Span.From, q.Span.To, liveStatuses)
	if err != nil {
		return nil, fmt.Errorf("realisation by %s: %w", q.By, err)
	}
	out, err := pgx.CollectRows(rs, func(r pgx.CollectableRow) (Row, error) {
		var row Row
		return row, r.Scan(&row.Code, &row.Name, &row.TimeValue, &row.WrittenOff, &row.Billed, &row.Credited)
	})
	if err != nil {
		return nil, fmt.Errorf("realisation by %s: %w", q.By, err)
	}
	SortRows(out)
	return out, nil
}

// SortRows puts the rows furthest from 100% first (those with no time
// last), then by code and name, so a page shows what most needs a look.
func SortRows(rows []Row) {
	// Each row's distance from 100% once, not at every comparison.
	type keyed struct {
		Row
		has  bool
		from decimal.Decimal
	}
	ks := make([]keyed, len(rows))
	for i, row := range rows {
		pct, ok := row.Rate()
		ks[i] = keyed{row, ok, pct.Sub(hundred).Abs()}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if a.has != b.has {
			if a.has {
				return -1
			}
			return 1
		}
		if c := a.from.Cmp(b.from); c != 0 {
			return -c
		}
		return cmp.Or(cmp.Compare(a.Code, b.Code), cmp.Compare(a.Name, b.Name))
	})
	for i := range ks {
		rows[i] = ks[i].Row
	}
}

// MaxAdjustments is how many write-ups and write-downs a report lists: a
// year of a large practice has thousands, and a person reads the largest.
const MaxAdjustments = 50

// adjustments lists the lines of time billed above or below their time's
// value on invoices approved in the span, the largest difference first,
// and counts them all.
func adjustments(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, span Span) ([]Adjustment, int, error) {
	rs, err := tx.Query(ctx, `
		SELECT i.number, e.code || ' · ' || e.name, l.description, l.time_value, l.amount, l.adjust_reason, count(*) OVER ()
		  FROM invoices i JOIN practices p ON p.id = i.practice_id
		  JOIN entities e ON e.practice_id = i.practice_id AND e.id = i.entity_id
		  JOIN invoice_lines l ON l.practice_id = i.practice_id AND l.invoice_id = i.id AND l.kind = 'time'
		 WHERE i.practice_id = $1 AND i.status = ANY($4::text[]) AND i.approved_at IS NOT NULL
		   AND i.approved_at >= ($2::date::timestamp AT TIME ZONE p.timezone)
		   AND i.approved_at < (($3::date + 1)::timestamp AT TIME ZONE p.timezone)
		   AND l.amount <> l.time_value
		 ORDER BY abs(l.amount - l.time_value) DESC, i.number, l.position
		 LIMIT $5`, pid, span.From, span.To, liveStatuses, MaxAdjustments)
	if err != nil {
		return nil, 0, fmt.Errorf("realisation: write-ups and write-downs: %w", err)
	}
	var n int
	out, err := pgx.CollectRows(rs, func(r pgx.CollectableRow) (Adjustment, error) {
		var a Adjustment
		return a, r.Scan(&a.Invoice, &a.Client, &a.Description, &a.TimeValue, &a.Amount, &a.Reason, &n)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("realisation: write-ups and write-downs: %w", err)
	}
	return out, n, nil
}
