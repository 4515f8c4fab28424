// Package statements draws a client's statement of account — its open
// invoices, the payments and credit notes set against them, and any
// credit left on its account, with the balance running after each — and
// sends it: to a manager in Slack, and by email to the client's billing
// contact as a River job queued in the transaction that asks for it.
//
// A statement is built from the database as it stands, bounded by its
// date: invoices issued, payments received and credit notes issued on or
// before it count, and an invoice is open when, counting those, something
// is still owed on it. Payments are read as internal/payments writes them
// (migration 00015): the part of each applied to its invoice, a reversed
// payment counting until the day it was reversed.
package statements

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/pdf"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Build draws client's statement as of a day (asOf, a date at midnight
// UTC as atlas.DateOf gives). Invoices in a currency other than the
// practice's are left out: one statement runs one balance.
func Build(ctx context.Context, q db.DB, pid atlas.PracticeID, clientID int64, asOf time.Time) (pdf.Statement, error) {
	ps := practice.Store{DB: q}
	p, err := ps.Get(ctx, pid)
	if err != nil {
		return pdf.Statement{}, err
	}
	c, err := ps.Entity(ctx, pid, clientID)
	if err != nil {
		return pdf.Statement{}, err
	}
	s := pdf.Statement{
		Practice:    pdf.Party{Name: p.Name, Address: splitLines(p.PostalAddress), Email: p.InvoiceFromEmail},
		BankDetails: delivery.BankDetails(p),
		Client:      pdf.Party{Name: c.Name, Address: append(splitLines(c.BillingContact), splitLines(c.BillingAddress)...)},
		Currency:    p.Currency,
		Date:        asOf,
	}
	type row struct {
		pdf.StatementRow
		invoice int64
		order   int // invoices before what is set against them on one day
		id      int64
	}
	rows, err := q.Query(ctx, `
		WITH inv AS (
			SELECT i.id, i.number, i.issue_date, i.due_date, i.total FROM invoices i
			 WHERE i.practice_id = $1 AND i.entity_id = $2 AND i.currency = $4
			   AND i.status IN ('sent', 'part_paid', 'paid') AND i.issue_date <= $3),
		moves AS (
			SELECT inv.id AS invoice, 0 AS ord, inv.id, inv.issue_date AS day, inv.number AS ref, inv.due_date AS due, inv.total AS amount FROM inv
			UNION ALL
			SELECT pay.invoice_id, 1, pay.id, pay.received_on, coalesce(nullif(pay.reference, ''), 'For ' || inv.number), NULL, -pay.applied
			  FROM payments pay JOIN inv ON inv.id = pay.invoice_id
			 WHERE pay.practice_id = $1 AND pay.received_on <= $3 AND pay.applied > 0
			   AND (pay.reversed_at IS NULL OR (pay.reversed_at AT TIME ZONE $5)::date > $3)
			UNION ALL
			SELECT n.invoice_id, 2, n.id, n.issued_on, n.number, NULL, -n.total
			  FROM credit_notes n JOIN inv ON inv.id = n.invoice_id
			 WHERE n.practice_id = $1 AND n.issued_on <= $3)
		SELECT m.invoice, m.ord, m.id, m.day, m.ref, m.due, m.amount FROM moves m
		 WHERE (SELECT sum(o.amount) FROM moves o WHERE o.invoice = m.invoice) <> 0`,
		pid, clientID, asOf, p.Currency, p.Timezone)
	if err != nil {
		return s, fmt.Errorf("read the statement of client %d: %w", clientID, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.invoice, &x.order, &x.id, &x.Date, &x.Reference, &x.Due, &x.Amount)
		x.Kind = []string{pdf.RowInvoice, pdf.RowPayment, pdf.RowCreditNote}[x.order]
		return x, err
	})
	if err != nil {
		return s, fmt.Errorf("read the statement of client %d: %w", clientID, err)
	}
	slices.SortFunc(list, func(a, b row) int {
		return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.order, b.order), cmp.Compare(a.id, b.id))
	})
	owedOn := map[int64]decimal.Decimal{}
	dueOf := map[int64]*time.Time{}
	balance := decimal.Zero
	for _, x := range list {
		balance = balance.Add(x.Amount)
		x.Balance = balance
		s.Rows = append(s.Rows, x.StatementRow)
		owedOn[x.invoice] = owedOn[x.invoice].Add(x.Amount)
		if x.order == 0 {
			dueOf[x.invoice] = x.Due
		}
	}
	// Credit on account not yet used (from overpayments, or credit notes
	// on what was paid) is the client's: it lowers what it owes.
	var onAccount decimal.Decimal
	if err := q.QueryRow(ctx, `SELECT coalesce(sum(amount), 0) FROM account_credits
		WHERE practice_id = $1 AND entity_id = $2 AND (created_at AT TIME ZONE $4)::date <= $3`,
		pid, clientID, asOf, p.Timezone).Scan(&onAccount); err != nil {
		return s, fmt.Errorf("read the credit on account of client %d: %w", clientID, err)
	}
	if onAccount.IsPositive() {
		balance = balance.Sub(onAccount)
		s.Rows = append(s.Rows, pdf.StatementRow{Date: asOf, Kind: pdf.RowPayment, Reference: "On account", Amount: onAccount.Neg(), Balance: balance})
	}
	s.Owed = balance
	for id, owed := range owedOn {
		if due := dueOf[id]; due != nil && due.Before(asOf) && owed.IsPositive() {
			s.Overdue = s.Overdue.Add(owed)
		}
	}
	return s, nil
}

// PDF draws client's statement as of asOf and names its file.
func PDF(ctx context.Context, q db.DB, pid atlas.PracticeID, clientID int64, asOf time.Time) (data []byte, filename string, err error) {
	s, err := Build(ctx, q, pid, clientID, asOf)
	if err != nil {
		return nil, "", err
	}
	data, err = pdf.RenderStatement(s, pdf.Options{CreationDate: asOf})
	return data, Filename(s), err
}

// Filename is "Statement - Harbour Bakery Ltd - 2026-12-03.pdf".
func Filename(s pdf.Statement) string {
	name := strings.NewReplacer("/", "-", "\\", "-").Replace(s.Client.Name)
	return fmt.Sprintf("Statement - %s - %s.pdf", name, s.Date.Format(time.DateOnly))
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
