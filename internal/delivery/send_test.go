package delivery_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// QueueSend takes an approved invoice to sending, its first attempt, with
// its job, an audit record and its card's redrawing in the same
// transaction; rolled back, it leaves nothing behind to send.
func TestQueueSend(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	f := newFixture(t, tx)
	id := f.approved("INV-2026-0042")

	rolled, err := tx.Begin(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := delivery.QueueSend(f.ctx, rolled, f.pid, id, f.pat); err != nil {
		t.Fatal(err)
	}
	if err := rolled.Rollback(f.ctx); err != nil {
		t.Fatal(err)
	}
	if s := f.status(id); s.Status != billing.Approved || s.Attempt != 0 || len(f.jobs(delivery.JobKind)) != 0 {
		t.Fatalf("after a rolled-back send: %+v, jobs %v", s, f.jobs(delivery.JobKind))
	}

	f.queueSend(id)
	s := f.status(id)
	if s.Status != billing.Sending || s.Attempt != 1 || s.RequestedBy != "Pat" || s.SendingSince == nil || s.To != "accounts@harbour.example" ||
		strings.Join(s.CC, ",") != "director@harbour.example" {
		t.Fatalf("sending: %+v", s)
	}
	jobs := f.jobs(delivery.JobKind)
	if len(jobs) != 1 || !strings.Contains(jobs[0], `"attempt": 1`) || !strings.Contains(jobs[0], `"practice": "`+string(f.pid)+`"`) {
		t.Fatalf("send jobs %v", jobs)
	}
	var queue string
	if err := tx.QueryRow(f.ctx, `SELECT queue FROM river_job WHERE kind = $1`, delivery.JobKind).Scan(&queue); err != nil || queue != delivery.Queue {
		t.Fatalf("queue %q (%v), want %q", queue, err, delivery.Queue)
	}
	if updates := f.jobs("slack_update"); len(updates) != 1 || !strings.Contains(updates[0], `"render": "invoice.card"`) {
		t.Fatalf("card updates %v", updates)
	}
	var audited int
	if err := tx.QueryRow(f.ctx, `SELECT count(*) FROM audit_events WHERE action = 'invoice.send_requested' AND subject_id = $1 AND actor_id = $2`,
		id, int64(f.pat)).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("audit %d (%v)", audited, err)
	}
}

// An invoice that cannot go is refused with a reason a person can act on,
// and the transaction is left as it was.
func TestQueueSendRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(f *fixture) int64
		code  string
		want  string
	}{
		{"draft", func(f *fixture) int64 { return f.invoice(f.client, "draft", "") }, atlas.EConflict,
			"for HARB · Harbour Bakery Ltd is not approved yet: a partner approves it before it goes to the client."},
		{"awaiting approval", func(f *fixture) int64 { return f.invoice(f.client, "awaiting_approval", "") }, atlas.EConflict, "is not approved yet"},
		{"already sending", func(f *fixture) int64 {
			id := f.approved("INV-2026-0042")
			f.queueSend(id)
			return id
		}, atlas.EConflict, "INV-2026-0042 for HARB · Harbour Bakery Ltd is already on its way (Pat asked at "},
		{"sent", func(f *fixture) int64 {
			id := f.invoice(f.client, "sent", "INV-2026-0042")
			f.exec(`UPDATE invoices SET sent_at = '2026-07-01 08:00Z' WHERE id = $1`, id)
			return id
		}, atlas.EConflict, "INV-2026-0042 went to HARB · Harbour Bakery Ltd on 1 Jul 2026 already."},
		{"paid", func(f *fixture) int64 { return f.invoice(f.client, "paid", "INV-2026-0042") }, atlas.EConflict, "went to HARB · Harbour Bakery Ltd already"},
		{"void", func(f *fixture) int64 {
			id := f.approved("INV-2026-0042")
			f.exec(`UPDATE invoices SET status = 'void', voided_at = now(), void_reason = 'Duplicate' WHERE id = $1`, id)
			return id
		}, atlas.EConflict, "INV-2026-0042 for HARB · Harbour Bakery Ltd is void: it is never sent."},
		{"no billing email", func(f *fixture) int64 {
			return f.invoice(f.newClient("QUAY", "Quay Cafe", ""), "approved", "INV-2026-0042")
		}, atlas.EInvalid, "QUAY · Quay Cafe has no billing email, so INV-2026-0042 has nowhere to go: add it in the client's settings, then send."},
		{"portal", func(f *fixture) int64 {
			f.exec(`UPDATE entities SET delivery_method = 'portal' WHERE id = $1`, f.client)
			return f.approved("INV-2026-0042")
		}, atlas.EInvalid, "takes its invoices in the client portal, but none of its contacts receives invoices"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tx := pgtest.Tx(t)
			f := newFixture(t, tx)
			id := c.setup(f)
			before := len(f.jobs(delivery.JobKind))
			err := delivery.QueueSend(f.ctx, tx, f.pid, id, f.pat)
			var ns *delivery.NotSendable
			if !errors.As(err, &ns) || ns.InvoiceID != id {
				t.Fatalf("got %v, want a *NotSendable", err)
			}
			if atlas.ErrorCode(err) != c.code || !strings.Contains(atlas.ErrorMessage(err), c.want) {
				t.Fatalf("%s: %q, want %s: %q", atlas.ErrorCode(err), atlas.ErrorMessage(err), c.code, c.want)
			}
			// The transaction is still usable, and queued nothing more.
			if n := len(f.jobs(delivery.JobKind)); n != before {
				t.Fatalf("%d send jobs after a refusal, were %d", n, before)
			}
		})
	}
	tx := pgtest.Tx(t)
	f := newFixture(t, tx)
	if err := delivery.QueueSend(f.ctx, tx, f.pid, 424242, f.pat); atlas.ErrorCode(err) != atlas.ENotFound {
		t.Fatalf("no such invoice: %v", err)
	}
}

// With send on approval, the approving transaction sends the invoice: one
// transaction holds the approval and the send, as a partner's click does.
func TestSendOnApproval(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		auto        bool
		email       string
		wantQueued  bool
		wantRefusal string
		wantStatus  billing.Status
	}{
		{"off", false, "accounts@harbour.example", false, "", billing.Approved},
		{"on", true, "accounts@harbour.example", true, "", billing.Sending},
		{"on, no billing email", true, "", false, "has no billing email", billing.Approved},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tx := pgtest.Tx(t)
			f := newFixture(t, tx)
			f.exec(`UPDATE practices SET auto_send = $2 WHERE id = $1`, f.pid, c.auto)
			f.exec(`UPDATE entities SET billing_email = nullif($2, '') WHERE id = $1`, f.client, c.email)
			id := f.invoice(f.client, "awaiting_approval", "")
			var queued bool
			var refused *delivery.NotSendable
			err := pgx.BeginFunc(f.ctx, tx, func(tx pgx.Tx) error {
				if _, err := (billing.Store{DB: tx}).Approve(f.ctx, f.pid, f.pat, id, time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)); err != nil {
					return err
				}
				var err error
				queued, refused, err = delivery.QueueSendIfAuto(f.ctx, tx, f.pid, id, f.pat)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if queued != c.wantQueued || (refused == nil) != (c.wantRefusal == "") ||
				(refused != nil && !strings.Contains(refused.Message, c.wantRefusal)) {
				t.Fatalf("queued %v, refused %v", queued, refused)
			}
			if s := f.status(id); s.Status != c.wantStatus || s.Number == "" {
				t.Fatalf("after approval: %+v", s)
			}
		})
	}
}

func TestFailedPurpose(t *testing.T) {
	t.Parallel()
	if p := delivery.FailedPurpose(3); p != "send_failed:3" {
		t.Fatalf("FailedPurpose(3) = %q", p)
	}
	for purpose, want := range map[string]int{"send_failed:3": 3, "send_failed:0": 0, "send_failed:": 0, "card": 0, "3": 0} {
		if got, ok := delivery.ParseFailedPurpose(purpose); got != want || ok != (want > 0) {
			t.Errorf("ParseFailedPurpose(%q) = %d, %v", purpose, got, ok)
		}
	}
}
