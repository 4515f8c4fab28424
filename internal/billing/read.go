package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

const invoiceColumns = `i.id, i.entity_id, e.code, e.name, i.kind, i.status, coalesce(i.number, ''), i.currency, i.period, i.up_to,
	i.label, i.made_by_run, i.grouping, i.vat_registered, i.vat_rounding, i.subtotal, i.vat, i.total,
	coalesce((SELECT sum(l.time_value) FROM invoice_lines l WHERE l.practice_id = i.practice_id AND l.invoice_id = i.id), 0),
	i.preparer_id, coalesce(m.name, ''), i.revision, i.created_at, i.reject_note,
	i.run_period, i.approved_at, coalesce(a.name, ''), coalesce(a.slack_user_id, ''), i.voided_at, i.void_reason,
	coalesce(e.billing_email, ''), coalesce(m.slack_user_id, ''), i.issue_date, i.due_date, i.sent_at, i.send_error,
	i.paid, i.credited`

const invoiceFrom = ` FROM invoices i
	JOIN entities e ON e.practice_id = i.practice_id AND e.id = i.entity_id
	LEFT JOIN members m ON m.practice_id = i.practice_id AND m.id = i.preparer_id
	LEFT JOIN members a ON a.practice_id = i.practice_id AND a.id = i.approved_by`

func scanInvoice(row pgx.Row) (Invoice, error) {
	var inv Invoice
	var period, runPeriod *time.Time
	var preparer *int64
	err := row.Scan(&inv.ID, &inv.EntityID, &inv.EntityCode, &inv.EntityName, &inv.Kind, &inv.Status, &inv.Number, &inv.Currency,
		&period, &inv.UpTo, &inv.Label, &inv.MadeByRun, &inv.Grouping, &inv.Registered, &inv.Rounding, &inv.Subtotal, &inv.VAT,
		&inv.Total, &inv.TimeValue, &preparer, &inv.Preparer, &inv.Revision, &inv.CreatedAt, &inv.RejectNote,
		&runPeriod, &inv.ApprovedAt, &inv.ApprovedBy, &inv.ApproverSlackID, &inv.VoidedAt, &inv.VoidReason,
		&inv.BillingEmail, &inv.PreparerSlackID, &inv.IssueDate, &inv.DueDate, &inv.SentAt, &inv.SendError,
		&inv.Paid, &inv.Credited)
	if period != nil {
		p := atlas.PeriodOf(*period)
		inv.Period = &p
	}
	if runPeriod != nil {
		p := atlas.PeriodOf(*runPeriod)
		inv.RunPeriod = &p
	}
	if preparer != nil {
		m := atlas.MemberID(*preparer)
		inv.PreparerID = &m
	}
	return inv, err
}

// Invoice reads an invoice with its lines and the entries behind each.
func (s Store) Invoice(ctx context.Context, pid atlas.PracticeID, id int64) (Invoice, error) {
	return readInvoice(ctx, s.DB, pid, id)
}

func readInvoice(ctx context.Context, q db.DB, pid atlas.PracticeID, id int64) (Invoice, error) {
	inv, err := scanInvoice(q.QueryRow(ctx, `SELECT `+invoiceColumns+invoiceFrom+` WHERE i.practice_id = $1 AND i.id = $2`, pid, id))
	if err != nil {
		return inv, db.MapError(err, fmt.Sprintf("There is no invoice %d.", id))
	}
	rows, err := q.Query(ctx, `SELECT id, position, kind, description, service_id, minutes, rate, time_value, amount,
			vat_treatment, vat_rate, vat, note, adjust_reason, work_date
		FROM invoice_lines WHERE practice_id = $1 AND invoice_id = $2 ORDER BY position`, pid, id)
	if err != nil {
		return inv, err
	}
	inv.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Line, error) {
		var l Line
		err := r.Scan(&l.ID, &l.Position, &l.Kind, &l.Description, &l.ServiceID, &l.Minutes, &l.Rate, &l.TimeValue, &l.Amount,
			&l.Treatment, &l.VATRate, &l.VAT, &l.Note, &l.AdjustReason, &l.WorkDate)
		return l, err
	})
	if err != nil {
		return inv, err
	}
	rows, err = q.Query(ctx, `SELECT te.invoice_line_id, te.id, m.name, te.work_date, te.minutes, coalesce(te.value, 0),
			coalesce(sv.name, ''), te.description
		FROM time_entries te
		JOIN members m ON m.practice_id = te.practice_id AND m.id = te.member_id
		LEFT JOIN services sv ON sv.practice_id = te.practice_id AND sv.id = te.service_id
		WHERE te.practice_id = $1 AND te.invoice_id = $2 ORDER BY te.work_date, te.id`, pid, id)
	if err != nil {
		return inv, err
	}
	byLine := map[int64][]LineEntry{}
	var lineID int64
	var e LineEntry
	if _, err := pgx.ForEachRow(rows, []any{&lineID, &e.ID, &e.Member, &e.WorkDate, &e.Minutes, &e.Value, &e.Service, &e.Description}, func() error {
		byLine[lineID] = append(byLine[lineID], e)
		return nil
	}); err != nil {
		return inv, err
	}
	for i := range inv.Lines {
		inv.Lines[i].Entries = byLine[inv.Lines[i].ID]
	}
	return inv, nil
}

// Filter picks invoices for a list.
type Filter struct {
	EntityID *int64
	Statuses []Status // none: every status but deleted
	Kinds    []Kind   // none: every kind
	// Within, when not nil, keeps the list to these clients (what staff
	// may see).
	Within []int64
	Period *atlas.Period
	Offset int
	Limit  int
}

// Page is a page of invoices.
type Page struct {
	Invoices []Invoice
	Total    int // all that match
}

// List lists invoices, newest first: deleted ones only when asked for.
func (s Store) List(ctx context.Context, pid atlas.PracticeID, f Filter) (Page, error) {
	statuses := make([]string, 0, len(f.Statuses))
	for _, st := range f.Statuses {
		statuses = append(statuses, string(st))
	}
	if len(statuses) == 0 {
		for _, st := range Statuses {
			if st != Deleted {
				statuses = append(statuses, string(st))
			}
		}
	}
	var period *time.Time
	if f.Period != nil {
		d := f.Period.FirstDay()
		period = &d
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	kinds := make([]string, 0, len(f.Kinds))
	for _, k := range f.Kinds {
		kinds = append(kinds, string(k))
	}
	where := ` WHERE i.practice_id = $1 AND i.status = ANY($2) AND ($3::bigint IS NULL OR i.entity_id = $3)
		AND ($4::date IS NULL OR i.period = $4 OR (i.period IS NULL AND date_trunc('month', i.up_to) = $4))
		AND (cardinality($5::text[]) = 0 OR i.kind = ANY($5))
		AND ($6::bigint[] IS NULL OR i.entity_id = ANY($6))`
	var page Page
	if err := s.DB.QueryRow(ctx, `SELECT count(*)`+invoiceFrom+where, pid, statuses, f.EntityID, period, kinds, f.Within).Scan(&page.Total); err != nil {
		return page, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+invoiceColumns+invoiceFrom+where+`
		ORDER BY coalesce(i.period, date_trunc('month', i.up_to)::date, i.created_at::date) DESC, e.code, i.id DESC
		OFFSET $7 LIMIT $8`, pid, statuses, f.EntityID, period, kinds, f.Within, f.Offset, limit)
	if err != nil {
		return page, err
	}
	page.Invoices, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Invoice, error) { return scanInvoice(r) })
	return page, err
}

// ByNumber finds an invoice by its number (INV-2026-0042), ignoring case.
func (s Store) ByNumber(ctx context.Context, pid atlas.PracticeID, number string) (int64, bool, error) {
	var id int64
	err := s.DB.QueryRow(ctx, `SELECT id FROM invoices WHERE practice_id = $1 AND lower(number) = lower($2)`, pid, strings.TrimSpace(number)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// ClientsOf are the clients a person prepares or reviews the monthly packs
// of: the invoices staff may see.
func (s Store) ClientsOf(ctx context.Context, pid atlas.PracticeID, member atlas.MemberID) ([]int64, error) {
	rows, err := s.DB.Query(ctx, `SELECT DISTINCT entity_id FROM assignments
		WHERE practice_id = $1 AND active AND (preparer_id = $2 OR reviewer_id = $2) ORDER BY entity_id`, pid, int64(member))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// Awaiting is a partner's queue: how many invoices await approval, their
// total, and the oldest of them (up to limit), oldest first.
func (s Store) Awaiting(ctx context.Context, pid atlas.PracticeID, limit int) (n int, total decimal.Decimal, oldest []Invoice, err error) {
	if err = s.DB.QueryRow(ctx, `SELECT count(*), coalesce(sum(total), 0) FROM invoices WHERE practice_id = $1 AND status = 'awaiting_approval'`,
		pid).Scan(&n, &total); err != nil {
		return 0, total, nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+invoiceColumns+invoiceFrom+`
		WHERE i.practice_id = $1 AND i.status = 'awaiting_approval'
		ORDER BY coalesce(i.submitted_at, i.created_at), i.id LIMIT $2`, pid, limit)
	if err != nil {
		return 0, total, nil, err
	}
	oldest, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Invoice, error) { return scanInvoice(r) })
	return n, total, oldest, err
}

// ApprovedBetween are the invoices a person approved from one instant up
// to another, in the order they were approved.
func (s Store) ApprovedBetween(ctx context.Context, pid atlas.PracticeID, by atlas.MemberID, from, to time.Time) ([]Invoice, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+invoiceColumns+invoiceFrom+`
		WHERE i.practice_id = $1 AND i.approved_by = $2 AND i.approved_at >= $3 AND i.approved_at < $4
		ORDER BY i.approved_at, i.id`, pid, int64(by), from, to)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Invoice, error) { return scanInvoice(r) })
}
