package delivery

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pdf"
	"github.com/atlas-practice/atlas/internal/practice"
)

// invoice is everything a document or an email says about one invoice:
// billing's invoice with its lines, the practice and the client as they
// stand, and what delivery keeps on the invoice.
type invoice struct {
	billing.Invoice
	Practice practice.Practice
	Entity   practice.Entity // the client
	Paid     decimal.Decimal // applied from payments, reversals taken off
	Credited decimal.Decimal // by credit notes
	// InvoiceContacts are the client's contacts who receive invoices, as
	// addresses: where a portal-only client's "invoice ready" email goes.
	InvoiceContacts []string

	IssueDate, DueDate *time.Time // set when it was sent
	SentAt             *time.Time
	SendAttempt        int
	SendingSince       *time.Time
	SendError          string
	SendFailedAt       *time.Time
	MessageID          string
	// RequesterSlackID is who asked for the send under way or last tried,
	// "" when nobody did (the approval sent it on its own) or they are gone.
	RequesterSlackID string
	Requester        string
}

// load reads an invoice for delivery.
func load(ctx context.Context, q db.DB, pid atlas.PracticeID, id int64) (invoice, error) {
	var inv invoice
	var err error
	if inv.Invoice, err = (billing.Store{DB: q}).Invoice(ctx, pid, id); err != nil {
		return inv, err
	}
	ps := practice.Store{DB: q}
	if inv.Practice, err = ps.Get(ctx, pid); err != nil {
		return inv, err
	}
	if inv.Entity, err = ps.Entity(ctx, pid, inv.EntityID); err != nil {
		return inv, err
	}
	err = q.QueryRow(ctx, `
		SELECT i.issue_date, i.due_date, i.sent_at, i.send_attempt, i.sending_started_at, i.send_error, i.send_failed_at,
		       coalesce(i.message_id, ''), coalesce(r.slack_user_id, ''), coalesce(r.name, ''),
		       i.paid, i.credited
		  FROM invoices i
		  LEFT JOIN members r ON r.practice_id = i.practice_id AND r.id = i.send_requested_by AND r.active
		 WHERE i.practice_id = $1 AND i.id = $2`, pid, id).
		Scan(&inv.IssueDate, &inv.DueDate, &inv.SentAt, &inv.SendAttempt, &inv.SendingSince, &inv.SendError, &inv.SendFailedAt,
			&inv.MessageID, &inv.RequesterSlackID, &inv.Requester, &inv.Paid, &inv.Credited)
	if err != nil {
		return inv, db.MapError(err, fmt.Sprintf("There is no invoice %d.", id))
	}
	contacts, err := ps.Contacts(ctx, pid, inv.EntityID)
	if err != nil {
		return inv, err
	}
	for _, c := range contacts {
		if c.Invoices {
			inv.InvoiceContacts = append(inv.InvoiceContacts, address(c.Name, c.Email))
		}
	}
	return inv, nil
}

// TermsDays is how many days a client has to pay: its own terms, or the
// practice's.
func TermsDays(p practice.Practice, client practice.Entity) int {
	if client.PaymentTermsDays != nil {
		return *client.PaymentTermsDays
	}
	return p.PaymentTermsDays
}

// dates are an invoice's issue date (its tax point) and due date: those it
// was sent with, or, before it is sent, those it would carry if it went
// today — the day of sending is the issue date (BILLING.md, Dates and
// terms).
func (inv invoice) dates(today time.Time) (issue, due time.Time) {
	if inv.IssueDate != nil && inv.DueDate != nil {
		return *inv.IssueDate, *inv.DueDate
	}
	return today, today.AddDate(0, 0, TermsDays(inv.Practice, inv.Entity))
}

// Balance is what is left to pay.
func (inv invoice) Balance() decimal.Decimal { return inv.Total.Sub(inv.Paid).Sub(inv.Credited) }

// Document draws an invoice as the PDF renderer takes it. With draft the
// document is a preview, marked "DRAFT — not an invoice" on every page,
// and any invoice that is not deleted may be drawn; without it only a
// numbered invoice that is not void: approved, being sent or sent. An
// invoice not yet sent is dated as though it went today.
func Document(ctx context.Context, q db.DB, pid atlas.PracticeID, invoiceID int64, draft bool) (pdf.Document, error) {
	inv, err := load(ctx, q, pid, invoiceID)
	if err != nil {
		return pdf.Document{}, err
	}
	return inv.document(draft, inv.Practice.Today(time.Now()))
}

// PDF renders an invoice (see Document) and names its file after the
// invoice number: "INV-2026-0042.pdf", or "Draft 42 - ACME.pdf" for a draft
// without one.
func PDF(ctx context.Context, q db.DB, pid atlas.PracticeID, invoiceID int64, draft bool) (data []byte, filename string, err error) {
	inv, err := load(ctx, q, pid, invoiceID)
	if err != nil {
		return nil, "", err
	}
	doc, err := inv.document(draft, inv.Practice.Today(time.Now()))
	if err != nil {
		return nil, "", err
	}
	data, err = inv.render(doc)
	return data, inv.filename(draft), err
}

// render draws doc. Its creation date is the approval (the draft's
// creation before it), not the moment of drawing, so an invoice drawn
// again — for a retried send, for Slack — comes out as the same bytes.
func (inv invoice) render(doc pdf.Document) ([]byte, error) {
	renderGate <- struct{}{}
	defer func() { <-renderGate }()
	created := inv.CreatedAt
	if inv.ApprovedAt != nil {
		created = *inv.ApprovedAt
	}
	return pdf.Render(doc, pdf.Options{CreationDate: created})
}

// renderGate holds drawing to one document per core: drawing is CPU-bound,
// and a month-end's send jobs, which mostly wait on the mail server, run
// several per core (QueueConfig). Documents drawn beyond the cores would
// only queue for the processor, and hold their memory while they wait.
var renderGate = make(chan struct{}, runtime.NumCPU())

func (inv invoice) filename(draft bool) string {
	name := inv.Number
	switch {
	case name == "":
		name = fmt.Sprintf("Draft %d - %s", inv.ID, inv.EntityCode)
	case draft:
		name = "Draft " + name
	}
	// Numbers may hold a slash (LL/2603/00004), which no file name can.
	return strings.NewReplacer("/", "-", "\\", "-").Replace(name) + ".pdf"
}

// numbered reports whether an invoice in status s is one a client may be
// given: approved and not yet gone, or gone. Void ones keep their number
// but are no invoice.
func numbered(s billing.Status) bool {
	switch s {
	case billing.Approved, billing.Sending, billing.Sent, billing.PartPaid, billing.Paid:
		return true
	}
	return false
}

func (inv invoice) document(draft bool, today time.Time) (pdf.Document, error) {
	switch {
	case inv.Status == billing.Deleted:
		return pdf.Document{}, atlas.Errorf(atlas.ENotFound, "That draft for %s was deleted.", inv.Client())
	case draft:
	case inv.Status == billing.Void:
		return pdf.Document{}, atlas.Errorf(atlas.EConflict, "%s for %s is void, so it is no invoice to send.", inv.Name(), inv.Client())
	case !numbered(inv.Status):
		return pdf.Document{}, atlas.Errorf(atlas.EConflict, "%s for %s is not approved yet: it becomes an invoice, with its number, once a partner approves it. Preview it as a draft meanwhile.",
			inv.Name(), inv.Client())
	}
	p, c := inv.Practice, inv.Entity
	issue, due := inv.dates(today)
	doc := pdf.Document{
		Kind:          pdf.Invoice,
		Currency:      inv.Currency,
		VATRegistered: inv.Registered,
		Draft:         draft,
		Practice:      pdf.Party{Name: p.Name, Address: lines(p.PostalAddress), Email: p.InvoiceFromEmail},
		BankDetails:   BankDetails(p),
		PaymentTerms:  PaymentTerms(TermsDays(p, c)),
		Client:        pdf.Party{Name: c.Name, Address: append(lines(c.BillingContact), lines(c.BillingAddress)...)},
		Number:        inv.Number,
		IssueDate:     issue,
		DueDate:       &due,
		Period:        period(inv.Invoice),
		Subtotal:      inv.Subtotal,
		VAT:           inv.VAT,
		Total:         inv.Total,
		Paid:          inv.Paid,
		Balance:       inv.Balance(),
	}
	if inv.Registered {
		doc.Practice.VATNumber = p.VATNumber
	}
	taxed := make([]billing.Taxed, len(inv.Lines))
	for i, l := range inv.Lines {
		taxed[i] = billing.Taxed{Net: l.Amount, Treatment: l.Treatment, Rate: l.VATRate}
		line := pdf.Line{
			Description: l.Description,
			Quantity:    "1",
			Rate:        l.Rate,
			Net:         l.Amount,
			VAT:         treatments[l.Treatment],
			VATRate:     l.VATRate,
		}
		if l.Note != "" {
			line.Description += " (" + l.Note + ")"
		}
		if l.Minutes != nil && *l.Minutes > 0 {
			line.Quantity = billing.Hours(*l.Minutes) + " h"
		}
		if l.Kind == billing.TimeLine && !l.Adjustment().IsZero() {
			line.TimeValue = decimal.NewNullDecimal(l.TimeValue)
		}
		if l.Kind == billing.FeeLine {
			// A retainer's fee is its price, whatever time it absorbed:
			// the hours are the practice's business, not the client's.
			line.Quantity, line.Rate = "1", decimal.NullDecimal{}
		}
		doc.Lines = append(doc.Lines, line)
	}
	if inv.Registered {
		// The bands are worked out by billing's one VAT function; Render
		// checks they add up to the VAT the invoice was approved with.
		for _, b := range billing.Compute(taxed, inv.Rounding).Bands {
			doc.VATBands = append(doc.VATBands, pdf.VATBand{Treatment: treatments[b.Treatment], Rate: b.Rate, Net: b.Net, VAT: b.VAT})
		}
	}
	return doc, nil
}

var treatments = map[billing.Treatment]pdf.Treatment{
	billing.Standard:     pdf.Standard,
	billing.Reduced:      pdf.Reduced,
	billing.ZeroRated:    pdf.ZeroRated,
	billing.Exempt:       pdf.Exempt,
	billing.OutsideScope: pdf.OutsideScope,
}

// period says what an invoice bills: a month, or time up to a day.
func period(inv billing.Invoice) string {
	switch {
	case inv.Period != nil:
		return inv.Period.Label()
	case inv.UpTo != nil:
		return "Work to " + inv.UpTo.Format("2 Jan 2006")
	}
	return ""
}

// BankDetails are the practice's bank details as an invoice prints them,
// a line each; none when it gave none.
func BankDetails(p practice.Practice) []string {
	var out []string
	if p.BankAccountName != "" {
		out = append(out, "Account name "+p.BankAccountName)
	}
	if p.BankSortCode != "" {
		out = append(out, "Sort code "+p.BankSortCode+" · Account number "+p.BankAccountNumber)
	}
	var intl []string
	if p.BankIBAN != "" {
		intl = append(intl, "IBAN "+practice.FormatIBAN(p.BankIBAN))
	}
	if p.BankBIC != "" {
		intl = append(intl, "BIC "+p.BankBIC)
	}
	if len(intl) > 0 {
		out = append(out, strings.Join(intl, " · "))
	}
	return out
}

// PaymentTerms are the terms in words.
func PaymentTerms(days int) string {
	switch days {
	case 0:
		return "Payment on receipt of this invoice."
	case 1:
		return "Payment within 1 day of the invoice date."
	}
	return fmt.Sprintf("Payment within %d days of the invoice date.", days)
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
