package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/outbox"
)

// Billing's messages in Slack, queued in the outbox in the transaction that
// changes what they show and drawn by bot/billing when they are sent: one
// summary per billing month in the practice's billing channel, and in its
// thread a card for each invoice that needs a partner's eye — hourly, ad
// hoc, adjusted, or a retainer that differs from last month's. A change to
// an invoice redraws its card (and the summary) wherever they are.

// Renderers of billing's messages.
const (
	RenderSummary  = "billing.summary"
	RenderCard     = "invoice.card"
	RenderReturned = "invoice.returned" // the DM to the preparer of an invoice sent back
	RenderPDF      = "invoice.pdf"      // the invoice as sent, a file in its card's thread
	RenderPreview  = "invoice.preview"  // a draft's PDF, marked as a draft
)

// QueuePDF queues the upload of a sent invoice's PDF into the thread of its
// card in the practice's billing channel, in tx — the transaction that
// records it sent. An invoice with no card there (an unchanged retainer
// approved with the month's) gets none: a file with no card to sit beside
// would only crowd the channel.
func QueuePDF(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, id int64) error {
	var channel string
	err := tx.QueryRow(ctx, `
		SELECT p.billing_channel FROM practices p
		 WHERE p.id = $1 AND EXISTS (SELECT 1 FROM slack_posts sp WHERE sp.practice_id = $1 AND sp.channel = p.billing_channel
		   AND sp.subject_type = 'invoice' AND sp.subject_id = $2 AND sp.purpose = 'card')`, pid, id).Scan(&channel)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find the card of invoice %d: %w", id, err)
	}
	card := CardSubject(id)
	return outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(pid), Channel: channel, Render: RenderPDF, Upload: true,
		Subject: outbox.Subject{Type: "invoice", ID: id, Purpose: "pdf"}, Thread: &card})
}

// Preview queues the upload of a draft's PDF for who asked: into the
// thread of its card when they asked from the card's channel, else to them
// by DM. Each revision of the draft is its own file.
func (s Store) Preview(ctx context.Context, pid atlas.PracticeID, id int64, channel, userID string) (Invoice, error) {
	var inv Invoice
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		if inv, err = readInvoice(ctx, tx, pid, id); err != nil {
			return err
		}
		if inv.Number != "" {
			return atlas.Errorf(atlas.EConflict, "%s is approved: its PDF is the invoice itself, sent with it.", inv.Name())
		}
		card := CardSubject(id)
		post := outbox.Post{Practice: string(pid), Channel: userID, Render: RenderPreview, Upload: true,
			Subject: outbox.Subject{Type: "invoice", ID: id, Purpose: fmt.Sprintf("preview:%d", inv.Revision)}}
		var onCard bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM slack_posts WHERE practice_id = $1 AND channel = $2
			AND subject_type = 'invoice' AND subject_id = $3 AND purpose = 'card')`, pid, channel, id).Scan(&onCard); err != nil {
			return err
		}
		if onCard {
			post.Channel, post.Thread = channel, &card
		}
		return outbox.QueuePost(ctx, tx, post)
	})
	return inv, err
}

// SummarySubject is the subject of a billing month's summary.
func SummarySubject(p atlas.Period) outbox.Subject {
	return outbox.Subject{Type: "billing_run", ID: int64(p.Year*100 + int(p.Month)), Purpose: "summary"}
}

// PeriodOfSummary is the billing month a summary is about.
func PeriodOfSummary(s outbox.Subject) atlas.Period {
	return atlas.Period{Year: int(s.ID / 100), Month: time.Month(s.ID % 100)}
}

// CardSubject is the subject of an invoice's card.
func CardSubject(id int64) outbox.Subject {
	return outbox.Subject{Type: "invoice", ID: id, Purpose: "card"}
}

// needsLookSQL is the condition, on invoice i, of an invoice a partner
// should look at rather than approve with the month's unchanged
// retainers: anything but a retainer; a line added by hand or written up
// or down; or a retainer whose amount differs from the one before it (or
// that has none before it).
const needsLookSQL = `(i.kind <> 'recurring'
	OR EXISTS (SELECT 1 FROM invoice_lines l WHERE l.practice_id = i.practice_id AND l.invoice_id = i.id
	           AND (l.kind = 'adhoc' OR (l.kind = 'time' AND l.amount <> l.time_value)))
	OR i.subtotal IS DISTINCT FROM (SELECT p.subtotal FROM invoices p
	     WHERE p.practice_id = i.practice_id AND p.entity_id = i.entity_id AND p.kind = 'recurring'
	       AND p.status NOT IN ('void', 'deleted') AND p.period < i.period ORDER BY p.period DESC LIMIT 1))`

// announce queues the month's summary in the billing channel (posted, or
// updated when it is there already) and a card in its thread for each of
// the invoices that needs a look. Without a billing channel it does
// nothing: /invoices shows the drafts all the same.
func announce(ctx context.Context, tx pgx.Tx, s Settings, month atlas.Period, invoices []int64) error {
	if s.Channel == "" || len(invoices) == 0 {
		return nil
	}
	summary := SummarySubject(month)
	if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(s.PracticeID), Channel: s.Channel, Render: RenderSummary,
		Subject: summary}); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT i.id FROM invoices i JOIN entities e ON e.practice_id = i.practice_id AND e.id = i.entity_id
		WHERE i.practice_id = $1 AND i.id = ANY($2) AND `+needsLookSQL+` ORDER BY e.code, i.id`, s.PracticeID, invoices)
	if err != nil {
		return fmt.Errorf("find the invoices to show: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(s.PracticeID), Channel: s.Channel, Render: RenderCard,
			Subject: CardSubject(id), Thread: &summary}); err != nil {
			return err
		}
	}
	return nil
}

// redraw queues the redrawing of an invoice's card, and of its month's
// summary, wherever they were posted.
func redraw(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, inv Invoice) error {
	updates := []outbox.Update{{Practice: string(pid), Render: RenderCard, Subject: CardSubject(inv.ID)}}
	if inv.RunPeriod != nil {
		updates = append(updates, outbox.Update{Practice: string(pid), Render: RenderSummary, Subject: SummarySubject(*inv.RunPeriod)})
	}
	return outbox.QueueUpdates(ctx, tx, updates...)
}

// RunSummary is what a billing month's summary says: its run's invoices
// counted by kind and by where they stand, and its unchanged retainers
// awaiting approval. PostgreSQL counts them, so redrawing the summary
// after each approval reads a handful of rows, not every invoice of the
// run.
type RunSummary struct {
	Currency string
	Invoices int         // every invoice the month's runs made, whatever its status
	Kinds    []KindTally // the live ones by kind: retainers, hourly, ad hoc

	Awaiting, Approved, Returned int // live invoices awaiting approval, approved, back with their preparers as drafts
	Sent, Sending, Failed        int // sent; being sent; approved but refused by the mail server

	Unchanged      int // unchanged retainers awaiting approval, for the bulk button
	UnchangedTotal decimal.Decimal
}

// KindTally is how many live invoices of one kind a run made, and their total.
type KindTally struct {
	Kind  Kind
	N     int
	Total decimal.Decimal
}

// RunSummary counts a billing month's run for its summary.
func (s Store) RunSummary(ctx context.Context, pid atlas.PracticeID, month atlas.Period) (RunSummary, error) {
	var sum RunSummary
	rows, err := s.DB.Query(ctx, `SELECT kind, status, sent_at IS NOT NULL, send_error <> '', count(*), sum(total)
		FROM invoices WHERE practice_id = $1 AND run_period = $2 GROUP BY 1, 2, 3, 4`, pid, month.FirstDay())
	if err != nil {
		return sum, err
	}
	byKind := map[Kind]*KindTally{}
	var kind Kind
	var status Status
	var sent, refused bool
	var n int
	var total decimal.Decimal
	if _, err := pgx.ForEachRow(rows, []any{&kind, &status, &sent, &refused, &n, &total}, func() error {
		sum.Invoices += n
		switch {
		case sent:
			sum.Sent += n
		case status == Sending:
			sum.Sending += n
		case status == Approved && refused:
			sum.Failed += n
		}
		if !status.Live() {
			return nil
		}
		t := byKind[kind]
		if t == nil {
			t = &KindTally{Kind: kind}
			byKind[kind] = t
		}
		t.N += n
		t.Total = t.Total.Add(total)
		switch status {
		case AwaitingApproval:
			sum.Awaiting += n
		case Draft:
			sum.Returned += n
		default:
			sum.Approved += n
		}
		return nil
	}); err != nil {
		return sum, err
	}
	for _, k := range []Kind{Recurring, Hourly, Adhoc} {
		if t := byKind[k]; t != nil {
			sum.Kinds = append(sum.Kinds, *t)
		}
	}
	err = s.DB.QueryRow(ctx, `SELECT (SELECT currency FROM practices WHERE id = $1), count(*), coalesce(sum(i.total), 0) FROM invoices i
		WHERE i.practice_id = $1 AND i.run_period = $2 AND i.kind = 'recurring' AND i.status = 'awaiting_approval'
		  AND NOT `+needsLookSQL, pid, month.FirstDay()).Scan(&sum.Currency, &sum.Unchanged, &sum.UnchangedTotal)
	return sum, err
}
