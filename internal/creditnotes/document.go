package creditnotes

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	netmail "net/mail"
	"slices"
	"strings"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/pdf"
	"github.com/atlas-practice/atlas/internal/practice"
)

// full is a note with the practice and client it is between, as they stand.
type full struct {
	Note
	Practice practice.Practice
	Entity   practice.Entity
}

func load(ctx context.Context, q db.DB, pid atlas.PracticeID, id int64) (full, error) {
	var f full
	var err error
	if f.Note, err = read(ctx, q, pid, id); err != nil {
		return f, err
	}
	ps := practice.Store{DB: q}
	if f.Practice, err = ps.Get(ctx, pid); err != nil {
		return f, err
	}
	f.Entity, err = ps.Entity(ctx, pid, f.EntityID)
	return f, err
}

var treatments = map[billing.Treatment]pdf.Treatment{
	billing.Standard:     pdf.Standard,
	billing.Reduced:      pdf.Reduced,
	billing.ZeroRated:    pdf.ZeroRated,
	billing.Exempt:       pdf.Exempt,
	billing.OutsideScope: pdf.OutsideScope,
}

// Reference is how a note names the invoice it credits: "Credit for
// invoice INV-2026-0042 of 2 Apr 2026".
func (n Note) Reference() string {
	s := "Credit for invoice " + n.InvoiceNumber
	if n.InvoiceIssued != nil {
		s += " of " + n.InvoiceIssued.Format("2 Jan 2006")
	}
	return s
}

// document draws a note as the PDF renderer takes it. A note credits an
// invoice as that invoice charged VAT: a VAT credit note when it did.
func (f full) document() pdf.Document {
	p, c := f.Practice, f.Entity
	doc := pdf.Document{
		Kind:          pdf.CreditNote,
		Currency:      f.Currency,
		VATRegistered: f.Registered,
		Practice:      pdf.Party{Name: p.Name, Address: splitLines(p.PostalAddress), Email: p.InvoiceFromEmail},
		Client:        pdf.Party{Name: c.Name, Address: append(splitLines(c.BillingContact), splitLines(c.BillingAddress)...)},
		Number:        f.Number,
		IssueDate:     f.IssuedOn,
		Reference:     f.Reference(),
		Subtotal:      f.Subtotal,
		VAT:           f.VAT,
		Total:         f.Total,
		Notes:         "Reason: " + f.Reason + "\nThe credit has been set against the balance of " + f.InvoiceNumber + ".",
	}
	if f.Registered {
		doc.Practice.VATNumber = p.VATNumber
	}
	type key struct {
		t    billing.Treatment
		rate string
	}
	bands := map[key]*pdf.VATBand{}
	var order []key
	for _, l := range f.Lines {
		doc.Lines = append(doc.Lines, pdf.Line{Description: l.Description, Quantity: "1", Net: l.Amount, VAT: treatments[l.Treatment], VATRate: l.VATRate})
		if !f.Registered {
			continue
		}
		k := key{l.Treatment, l.VATRate.String()}
		b, ok := bands[k]
		if !ok {
			b = &pdf.VATBand{Treatment: treatments[l.Treatment], Rate: l.VATRate}
			bands[k] = b
			order = append(order, k)
		}
		b.Net, b.VAT = b.Net.Add(l.Amount), b.VAT.Add(l.VAT)
	}
	// The bands in the order invoices print them: standard rate first.
	slices.SortStableFunc(order, func(a, b key) int {
		return slices.Index(billing.Treatments, a.t) - slices.Index(billing.Treatments, b.t)
	})
	for _, k := range order {
		doc.VATBands = append(doc.VATBands, *bands[k])
	}
	return doc
}

// PDF draws a note and names its file after its number: "CN-0001.pdf".
func PDF(ctx context.Context, q db.DB, pid atlas.PracticeID, id int64) (data []byte, filename string, err error) {
	f, err := load(ctx, q, pid, id)
	if err != nil {
		return nil, "", err
	}
	data, err = f.render()
	return data, f.filename(), err
}

// render draws the note, created as of its issue date, so that a note
// drawn again — for a retried send, for Slack — is the same bytes.
func (f full) render() ([]byte, error) {
	return pdf.Render(f.document(), pdf.Options{CreationDate: f.IssuedOn})
}

func (f full) filename() string {
	return strings.NewReplacer("/", "-", "\\", "-").Replace(f.Number) + ".pdf"
}

// email is the message that takes a note to the client: to the billing
// address with the client's copies, from the practice, the PDF attached.
func (f full) email(data []byte, attempt int) mail.Message {
	p, c := f.Practice, f.Entity
	amount := money.Format(f.Total, f.Currency)
	m := mail.Message{
		To:        []string{address(c.BillingContact, c.BillingEmail)},
		CC:        c.CCEmails,
		Subject:   fmt.Sprintf("Credit note %s from %s — %s against invoice %s", f.Number, p.Name, amount, f.InvoiceNumber),
		MessageID: messageID(f, attempt),
		Headers:   map[string]string{"X-Atlas-Credit-Note": f.Number},
		Attachments: []mail.Attachment{{
			Name: f.filename(), ContentType: "application/pdf", Data: data,
		}},
	}
	if p.InvoiceFromEmail != "" {
		m.From = address(cmpOr(p.InvoiceFromName, p.Name), p.InvoiceFromEmail)
	}
	body := emailBody{Greeting: "Hello,", Practice: p.Name, Number: f.Number, Invoice: f.Reference(), Amount: amount,
		Net: money.Format(f.Subtotal, f.Currency), VAT: money.Format(f.VAT, f.Currency), Registered: f.Registered, Reason: f.Reason}
	if c.BillingContact != "" {
		body.Greeting = "Dear " + c.BillingContact + ","
	}
	m.Text, m.HTML = body.text(), body.html()
	return m
}

// messageID is the same for every try of one send attempt and new for
// the next, as an invoice's is.
func messageID(f full, attempt int) string {
	domain := "atlas"
	if at := strings.LastIndexByte(f.Practice.InvoiceFromEmail, '@'); at >= 0 {
		domain = strings.ToLower(f.Practice.InvoiceFromEmail[at+1:])
	}
	return fmt.Sprintf("<credit-note-%d.%d.%s@%s>", f.ID, attempt, strings.ToLower(string(f.Practice.ID)), domain)
}

type emailBody struct {
	Greeting, Practice, Number, Invoice, Amount, Net, VAT, Reason string
	Registered                                                    bool
}

func (b emailBody) text() string {
	var w strings.Builder
	w.WriteString(b.Greeting + "\n\n")
	fmt.Fprintf(&w, "Please find attached credit note %s from %s: %s.\n\n", b.Number, b.Practice, strings.ToLower(b.Invoice[:1])+b.Invoice[1:])
	fmt.Fprintf(&w, "Amount credited: %s", b.Amount)
	if b.Registered {
		fmt.Fprintf(&w, " (%s and VAT %s)", b.Net, b.VAT)
	}
	fmt.Fprintf(&w, "\nReason: %s\n\n", b.Reason)
	w.WriteString("The credit is set against what the invoice asked you to pay. If anything is not as you expected, reply to this email.\n\n")
	w.WriteString("Kind regards,\n" + b.Practice + "\n")
	return w.String()
}

var bodyHTML = template.Must(template.New("credit_note").Parse(`<!DOCTYPE html>
<html><body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #191919; line-height: 1.5">
<p>{{.Greeting}}</p>
<p>Please find attached credit note <strong>{{.Number}}</strong> from {{.Practice}}: {{.Invoice}}.</p>
<table role="presentation" style="border-collapse: collapse; margin: 12px 0">
<tr><td style="padding: 2px 16px 2px 0">Amount credited</td><td style="padding: 2px 0"><strong>{{.Amount}}</strong>{{if .Registered}} ({{.Net}} and VAT {{.VAT}}){{end}}</td></tr>
<tr><td style="padding: 2px 16px 2px 0">Reason</td><td style="padding: 2px 0">{{.Reason}}</td></tr>
</table>
<p>The credit is set against what the invoice asked you to pay. If anything is not as you expected, reply to this email.</p>
<p>Kind regards,<br>{{.Practice}}</p>
</body></html>
`))

func (b emailBody) html() string {
	var buf bytes.Buffer
	if err := bodyHTML.Execute(&buf, b); err != nil {
		panic(err) // a fixed template of strings cannot fail
	}
	return buf.String()
}

// address is "Name <addr>", quoted as mail headers need, or addr alone.
func address(name, addr string) string {
	if name == "" {
		return addr
	}
	return (&netmail.Address{Name: name, Address: addr}).String()
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

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
