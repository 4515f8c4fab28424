package reminders

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
)

// Invoice is an invoice as a reminder speaks of it: what was invoiced,
// what has been paid and credited, when it was due, and who to remind
// and tell.
type Invoice struct {
	ID             int64
	Number         string
	Status         billing.Status
	Currency       string
	Total          decimal.Decimal
	Paid           decimal.Decimal
	Credited       decimal.Decimal
	IssueDate      time.Time
	DueDate        time.Time
	MessageID      string // the Message-ID the invoice went under, "" if unknown
	ClientCode     string
	ClientName     string
	BillingContact string
	BillingEmail   string // "" when the client has none
	CCEmails       []string
	// ManagerSlackID is the Slack user of the client's manager, "" when it
	// has none or they have left.
	ManagerSlackID string
}

// Client names the client as Atlas does: "NWT · Northwind Trading Ltd".
func (inv Invoice) Client() string { return inv.ClientCode + " · " + inv.ClientName }

// Balance is what is left to pay: the total less payments and credits.
func (inv Invoice) Balance() decimal.Decimal { return inv.Total.Sub(inv.Paid).Sub(inv.Credited) }

// DaysOverdue is how many days past its due date the invoice is on today.
func (inv Invoice) DaysOverdue(today time.Time) int { return atlas.DaysBetween(inv.DueDate, today) }

// StopReason says why no reminder is due on the invoice any more — it was
// paid or credited in full, or is no longer an invoice a client owes — or
// "" when its balance is still owed.
func (inv Invoice) StopReason() string {
	paid, credited := inv.Paid.IsPositive(), inv.Credited.IsPositive()
	switch {
	case inv.Status != billing.Sent && inv.Status != billing.PartPaid && inv.Balance().IsPositive():
		return fmt.Sprintf("The invoice is %s, not one awaiting payment.", inv.Status.Label())
	case inv.Balance().IsPositive():
		return ""
	case paid && credited:
		return "The invoice was paid and credited in full before the reminder went."
	case credited:
		return "The invoice was credited in full before the reminder went."
	}
	return "The invoice was paid in full before the reminder went."
}

// Read reads an invoice for a reminder.
func Read(ctx context.Context, q db.DB, pid atlas.PracticeID, invoiceID int64) (Invoice, error) {
	var inv Invoice
	var issue, due *time.Time
	err := q.QueryRow(ctx, `
		SELECT i.id, coalesce(i.number, ''), i.status, i.currency, i.total, i.paid, i.credited, i.issue_date, i.due_date,
		       coalesce(i.message_id, ''), e.code, e.name, e.billing_contact, coalesce(e.billing_email, ''), e.cc_emails,
		       coalesce(m.slack_user_id, '')
		  FROM invoices i
		  JOIN entities e ON e.practice_id = i.practice_id AND e.id = i.entity_id
		  LEFT JOIN members m ON m.practice_id = e.practice_id AND m.id = e.manager_id AND m.active
		 WHERE i.practice_id = $1 AND i.id = $2`, pid, invoiceID).
		Scan(&inv.ID, &inv.Number, &inv.Status, &inv.Currency, &inv.Total, &inv.Paid, &inv.Credited, &issue, &due,
			&inv.MessageID, &inv.ClientCode, &inv.ClientName, &inv.BillingContact, &inv.BillingEmail, &inv.CCEmails,
			&inv.ManagerSlackID)
	if err != nil {
		return inv, db.MapError(err, fmt.Sprintf("There is no invoice %d.", invoiceID))
	}
	if issue != nil {
		inv.IssueDate = *issue
	}
	if due != nil {
		inv.DueDate = *due
	}
	return inv, nil
}
