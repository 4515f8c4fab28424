package demo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// clientWording is what the demo's packs ask each client for, by the
// stage-1 item's text: what a client reads in the portal and its emails.
var clientWording = map[string]string{
	"Bank statements received for every account": "Bank statements for every account, for the whole month",
	"Sales and purchase invoices received":       "Sales and purchase invoices for the month",
	"Payroll reports received":                   "Payroll reports for the month",
	"Bank statement received":                    "The bank statement for the month",
}

// seedPortal gives every client with a billing email a contact who
// receives requests and invoices, and asks the clients for their stage-1
// documents in their own words, on the templates and on the packs not yet
// past stage 1: so the portal has something to show and to upload.
// Seeding again changes nothing.
func seedPortal(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) error {
	if _, err := tx.Exec(ctx, `
		INSERT INTO client_contacts (practice_id, entity_id, name, email)
		SELECT practice_id, id, coalesce(nullif(billing_contact, ''), name), billing_email FROM entities
		 WHERE practice_id = $1 AND billing_email IS NOT NULL AND archived_at IS NULL
		ON CONFLICT (practice_id, entity_id, lower(email)) DO NOTHING`, pid); err != nil {
		return fmt.Errorf("demo contacts: %w", err)
	}
	for text, wording := range clientWording {
		if _, err := tx.Exec(ctx, `UPDATE template_items SET client_request = $3 WHERE practice_id = $1 AND stage = 1 AND text = $2 AND client_request IS NULL`,
			pid, text, wording); err != nil {
			return fmt.Errorf("demo requested items: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE task_items SET client_request = $3 WHERE practice_id = $1 AND stage = 1 AND text = $2 AND client_request IS NULL`,
			pid, text, wording); err != nil {
			return fmt.Errorf("demo requested items: %w", err)
		}
	}
	return nil
}

// PortalContact is the demo client whose portal the playground opens: the
// one whose pack is late waiting on its documents, and its contact.
func PortalContact(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, pid atlas.PracticeID) (contactID int64, client string, err error) {
	err = q.QueryRow(ctx, `
		SELECT c.id, e.name FROM client_contacts c JOIN entities e ON e.practice_id = c.practice_id AND e.id = c.entity_id
		  JOIN tasks t ON t.practice_id = e.practice_id AND t.entity_id = e.id
		  JOIN task_items i ON i.practice_id = t.practice_id AND i.task_id = t.id
		 WHERE c.practice_id = $1 AND i.client_request IS NOT NULL AND i.done_at IS NULL
		 ORDER BY t.due_date, e.code, c.id LIMIT 1`, pid).Scan(&contactID, &client)
	return contactID, client, err
}
