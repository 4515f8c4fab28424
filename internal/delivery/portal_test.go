package delivery_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// A client that takes its invoices in the portal: its contacts who receive
// invoices are told the invoice is ready, with the portal's address and no
// attachment; with no such contact the send is refused, saying what to do.
// One that takes them both ways gets the PDF and the portal's address.
func TestPortalDelivery(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	md := startMaildev(ctx, t)
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool)
	f.exec(`UPDATE entities SET delivery_method = 'portal' WHERE id = $1`, f.client)

	// No contact receives invoices: refused, nothing queued.
	id := f.approved("INV-2026-0050")
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error { return delivery.QueueSend(ctx, tx, f.pid, id, f.mina) })
	var ns *delivery.NotSendable
	if !errors.As(err, &ns) || !strings.Contains(ns.Message, "none of its contacts receives invoices") {
		t.Fatalf("send with no invoice contact: %v", err)
	}

	f.exec(`INSERT INTO client_contacts (practice_id, entity_id, name, email, receives_requests, receives_invoices)
		VALUES ($1, $2, 'Jane Smith', 'jane@harbour.example', false, true), ($1, $2, 'Bob Baker', 'bob@harbour.example', true, false)`, f.pid, f.client)
	startWorkers(t, pool, delivery.Deps{Pool: pool, Mail: newSender(t, md), Clock: londonClock(), Log: quiet(), PortalURL: "https://portal.example"})
	f.queueSend(id)
	waitFor(ctx, t, "the invoice to be sent", func() bool { return f.status(id).Status == billing.Sent })
	emails, err := md.WaitForEmails(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	e := emails[0]
	if len(e.To) != 1 || e.To[0].Address != "jane@harbour.example" || len(e.Attachments) != 0 ||
		!strings.HasPrefix(e.Subject, "Invoice INV-2026-0050 from Ledgerline & Co is ready") {
		t.Fatalf("portal email: to %+v, %d attachments, subject %q", e.To, len(e.Attachments), e.Subject)
	}
	for _, want := range []string{"is ready in our client portal", "https://portal.example/portal", "Amount due: £874.00"} {
		if !strings.Contains(e.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, e.Text)
		}
	}

	// Both ways: the billing address, the PDF, and the portal's address.
	f.exec(`UPDATE entities SET delivery_method = 'both' WHERE id = $1`, f.client)
	both := f.approved("INV-2026-0051")
	f.queueSend(both)
	waitFor(ctx, t, "the second invoice to be sent", func() bool { return f.status(both).Status == billing.Sent })
	emails, err = md.WaitForEmails(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	var e2 = emails[0]
	for _, m := range emails {
		if strings.Contains(m.Subject, "INV-2026-0051") {
			e2 = m
		}
	}
	if len(e2.To) != 1 || e2.To[0].Address != "accounts@harbour.example" || len(e2.Attachments) != 1 ||
		!strings.Contains(e2.Text, "Please find attached invoice INV-2026-0051") || !strings.Contains(e2.Text, "https://portal.example/portal") {
		t.Fatalf("both: to %+v, %d attachments:\n%s", e2.To, len(e2.Attachments), e2.Text)
	}
}
