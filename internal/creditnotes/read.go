package creditnotes

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
)

// Status is where a note's email stands.
type Status string

// The statuses of a note: issued (not yet on its way, or back after a
// failed send), sending, sent.
const (
	StatusIssued  Status = "issued"
	StatusSending Status = "sending"
	StatusSent    Status = "sent"
)

// Note is a credit note as Slack, the PDF and the email show it.
type Note struct {
	ID            int64
	Number        string
	IssuedOn      time.Time
	Reason        string
	TimeTo        TimeTo
	Subtotal      decimal.Decimal
	VAT           decimal.Decimal
	Total         decimal.Decimal
	Status        Status
	SendAttempt   int
	SendError     string
	SentAt        *time.Time
	CreatedBy     string // a name; "" for Atlas
	CreatorSlack  string // their Slack user id; "" for none
	InvoiceID     int64
	InvoiceNumber string
	InvoiceIssued *time.Time // the invoice's issue date
	Currency      string
	Registered    bool // the invoice charged VAT
	Rounding      billing.Rounding
	EntityID      int64
	EntityCode    string
	EntityName    string
	BillingEmail  string
	Lines         []Line
}

// Line is one line of a note.
type Line struct {
	InvoiceLineID int64
	Description   string
	Amount        decimal.Decimal
	Treatment     billing.Treatment
	VATRate       decimal.Decimal
	VAT           decimal.Decimal
}

// Client is "ACME · Acme Trading Ltd".
func (n Note) Client() string { return n.EntityCode + " · " + n.EntityName }

const noteColumns = `n.id, n.number, n.issued_on, n.reason, n.time_to, n.subtotal, n.vat, n.total, n.status, n.send_attempt, n.send_error,
	n.sent_at, coalesce(m.name, ''), coalesce(m.slack_user_id, ''), i.id, coalesce(i.number, ''), i.issue_date, i.currency,
	i.vat_registered, i.vat_rounding, e.id, e.code, e.name, coalesce(e.billing_email, '')`

const noteFrom = ` FROM credit_notes n
	JOIN invoices i ON i.practice_id = n.practice_id AND i.id = n.invoice_id
	JOIN entities e ON e.practice_id = i.practice_id AND e.id = i.entity_id
	LEFT JOIN members m ON m.practice_id = n.practice_id AND m.id = n.created_by`

func scanNote(r pgx.Row) (Note, error) {
	var n Note
	err := r.Scan(&n.ID, &n.Number, &n.IssuedOn, &n.Reason, &n.TimeTo, &n.Subtotal, &n.VAT, &n.Total, &n.Status, &n.SendAttempt, &n.SendError,
		&n.SentAt, &n.CreatedBy, &n.CreatorSlack, &n.InvoiceID, &n.InvoiceNumber, &n.InvoiceIssued, &n.Currency,
		&n.Registered, &n.Rounding, &n.EntityID, &n.EntityCode, &n.EntityName, &n.BillingEmail)
	return n, err
}

// Get reads a note with its lines.
func (s Store) Get(ctx context.Context, pid atlas.PracticeID, id int64) (Note, error) {
	return read(ctx, s.DB, pid, id)
}

// ByNumber finds a note by its number (CN-0001), ignoring case.
func (s Store) ByNumber(ctx context.Context, pid atlas.PracticeID, number string) (Note, error) {
	var id int64
	err := s.DB.QueryRow(ctx, `SELECT id FROM credit_notes WHERE practice_id = $1 AND lower(number) = lower($2)`,
		pid, strings.TrimSpace(number)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Note{}, atlas.Errorf(atlas.ENotFound, "There is no credit note %s.", strings.TrimSpace(number))
	}
	if err != nil {
		return Note{}, err
	}
	return read(ctx, s.DB, pid, id)
}

func read(ctx context.Context, q db.DB, pid atlas.PracticeID, id int64) (Note, error) {
	n, err := scanNote(q.QueryRow(ctx, `SELECT `+noteColumns+noteFrom+` WHERE n.practice_id = $1 AND n.id = $2`, pid, id))
	if err != nil {
		return n, db.MapError(err, fmt.Sprintf("There is no credit note %d.", id))
	}
	rows, err := q.Query(ctx, `SELECT invoice_line_id, description, amount, vat_treatment, vat_rate, vat
		FROM credit_note_lines WHERE practice_id = $1 AND credit_note_id = $2 ORDER BY id`, pid, id)
	if err != nil {
		return n, err
	}
	n.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Line, error) {
		var l Line
		return l, r.Scan(&l.InvoiceLineID, &l.Description, &l.Amount, &l.Treatment, &l.VATRate, &l.VAT)
	})
	return n, err
}

// OfInvoice are the notes that credit an invoice, oldest first, without
// their lines.
func (s Store) OfInvoice(ctx context.Context, pid atlas.PracticeID, invoiceID int64) ([]Note, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+noteColumns+noteFrom+` WHERE n.practice_id = $1 AND n.invoice_id = $2 ORDER BY n.id`, pid, invoiceID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Note, error) { return scanNote(r) })
}

// Remaining is what is left to credit of each line of an invoice, before
// VAT, by line id: a line's amount less what notes credited of it.
func (s Store) Remaining(ctx context.Context, pid atlas.PracticeID, inv billing.Invoice) (map[int64]decimal.Decimal, error) {
	before, err := creditedByLine(ctx, s.DB, pid, inv.ID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]decimal.Decimal, len(inv.Lines))
	for _, l := range inv.Lines {
		out[l.ID] = l.Amount.Sub(before[l.ID].amount)
	}
	return out, nil
}
