package delivery

import (
	"bytes"
	"fmt"
	"html/template"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/practice"
)

// email is the message that carries an invoice to its client: to the
// billing address with the client's copies, from the practice, the PDF
// attached, and the amount, the due date and how to pay in the body, so a
// client can pay without opening the attachment.
//
// A client that takes its invoices in the portal gets them there: its
// contacts who receive invoices are told the invoice is ready, with the
// portal's address, and nothing is attached; one that takes them both ways
// gets the attachment and the portal's address.
func (inv invoice) email(pdfData []byte, due time.Time, attempt int, portalURL string) mail.Message {
	p, c := inv.Practice, inv.Entity
	amount := money.Format(inv.Balance(), inv.Currency)
	dueText := due.Format("2 Jan 2006")
	m := mail.Message{
		To:        []string{address(c.BillingContact, c.BillingEmail)},
		CC:        c.CCEmails,
		Subject:   fmt.Sprintf("Invoice %s from %s — %s due %s", inv.Number, p.Name, amount, dueText),
		MessageID: messageID(inv, attempt),
		Headers:   map[string]string{"X-Atlas-Invoice": inv.Number},
		Attachments: []mail.Attachment{{
			Name: inv.filename(false), ContentType: "application/pdf", Data: pdfData,
		}},
	}
	if c.DeliveryMethod == practice.DeliveryPortal {
		m.To, m.Attachments = inv.InvoiceContacts, nil
		m.Subject = fmt.Sprintf("Invoice %s from %s is ready — %s due %s", inv.Number, p.Name, amount, dueText)
	}
	if p.InvoiceFromEmail != "" {
		name := p.InvoiceFromName
		if name == "" {
			name = p.Name
		}
		m.From = address(name, p.InvoiceFromEmail)
	}
	body := emailBody{
		Greeting:  "Hello,",
		Practice:  p.Name,
		Number:    inv.Number,
		Period:    period(inv.Invoice),
		Amount:    amount,
		Due:       dueText,
		Terms:     PaymentTerms(TermsDays(p, c)),
		Bank:      BankDetails(p),
		Paid:      inv.Paid.IsPositive(),
		PaidText:  money.Format(inv.Paid, inv.Currency),
		TotalText: money.Format(inv.Total, inv.Currency),
	}
	if c.BillingContact != "" && c.DeliveryMethod != practice.DeliveryPortal {
		body.Greeting = "Dear " + c.BillingContact + ","
	}
	if c.DeliveryMethod == practice.DeliveryPortal || c.DeliveryMethod == practice.DeliveryBoth {
		body.Portal = portalURL + "/portal"
		body.Attached = c.DeliveryMethod == practice.DeliveryBoth
	} else {
		body.Attached = true
	}
	m.Text = body.text()
	m.HTML = body.html()
	return m
}

// messageID is the same for every try of one send attempt, and different
// for the next attempt a partner asks for: a retried message after a lost
// acknowledgement is recognisably the same one. Its right-hand side is
// the practice's own domain where it sends from one.
func messageID(inv invoice, attempt int) string {
	domain := "atlas"
	if at := strings.LastIndexByte(inv.Practice.InvoiceFromEmail, '@'); at >= 0 {
		domain = strings.ToLower(inv.Practice.InvoiceFromEmail[at+1:])
	}
	return fmt.Sprintf("<invoice-%d.%d.%s@%s>", inv.ID, attempt, strings.ToLower(string(inv.Practice.ID)), domain)
}

// address is "Name <addr>", quoted as mail headers need, or addr alone.
func address(name, addr string) string {
	if name == "" {
		return addr
	}
	return (&netmail.Address{Name: name, Address: addr}).String()
}

type emailBody struct {
	Greeting, Practice, Number, Period, Amount, Due, Terms string
	Bank                                                   []string
	Paid                                                   bool
	PaidText, TotalText                                    string
	// Attached says the PDF is attached; Portal is the portal's address
	// when the invoice is there too ("" when the client takes email only).
	Attached bool
	Portal   string
}

func (b emailBody) text() string {
	var w strings.Builder
	w.WriteString(b.Greeting + "\n\n")
	if b.Attached {
		fmt.Fprintf(&w, "Please find attached invoice %s from %s", b.Number, b.Practice)
	} else {
		fmt.Fprintf(&w, "Invoice %s from %s is ready in our client portal", b.Number, b.Practice)
	}
	if b.Period != "" {
		fmt.Fprintf(&w, " for %s", b.Period)
	}
	w.WriteString(".\n\n")
	if b.Portal != "" {
		fmt.Fprintf(&w, "See it, and download its PDF, in the portal: %s (sign in with this email address).\n\n", b.Portal)
	}
	fmt.Fprintf(&w, "Amount due: %s\nDue date: %s\n", b.Amount, b.Due)
	if b.Paid {
		fmt.Fprintf(&w, "(%s invoiced, %s already paid: thank you.)\n", b.TotalText, b.PaidText)
	}
	w.WriteString(HowToPay(b.Terms, b.Bank))
	fmt.Fprintf(&w, "Please quote %s as the payment reference.\n\n", b.Number)
	w.WriteString("If anything on the invoice is not as you expected, reply to this email and we will look into it.\n\n")
	w.WriteString("Kind regards,\n" + b.Practice + "\n")
	return w.String()
}

// bodyHTML is the HTML body: plain, inline-styled markup, since mail
// clients drop style sheets; html/template escapes every value.
var bodyHTML = template.Must(template.New("invoice").Parse(`<!DOCTYPE html>
<html><body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #191919; line-height: 1.5">
<p>{{.Greeting}}</p>
<p>{{if .Attached}}Please find attached invoice{{else}}Invoice{{end}} <strong>{{.Number}}</strong> from {{.Practice}}{{if .Period}} for {{.Period}}{{end}}{{if not .Attached}} is ready in our client portal{{end}}.</p>
{{if .Portal}}<p>See it, and download its PDF, in the portal: <a href="{{.Portal}}">{{.Portal}}</a> (sign in with this email address).</p>
{{end}}
<table role="presentation" style="border-collapse: collapse; margin: 12px 0">
<tr><td style="padding: 2px 16px 2px 0">Amount due</td><td style="padding: 2px 0"><strong>{{.Amount}}</strong></td></tr>
<tr><td style="padding: 2px 16px 2px 0">Due date</td><td style="padding: 2px 0"><strong>{{.Due}}</strong></td></tr>
</table>
{{if .Paid}}<p>{{.TotalText}} invoiced, {{.PaidText}} already paid: thank you.</p>
{{end}}<p style="margin-bottom: 4px"><strong>How to pay</strong></p>
<p style="margin-top: 0">{{.Terms}}{{if .Bank}}<br>By bank transfer to:{{range .Bank}}<br>{{.}}{{end}}{{end}}<br>Please quote {{.Number}} as the payment reference.</p>
<p>If anything on the invoice is not as you expected, reply to this email and we will look into it.</p>
<p>Kind regards,<br>{{.Practice}}</p>
</body></html>
`))

func (b emailBody) html() string {
	var buf bytes.Buffer
	if err := bodyHTML.Execute(&buf, b); err != nil {
		// The template is fixed and its values are strings: it cannot fail.
		panic(err)
	}
	return buf.String()
}

// HowToPay is the plain-text "How to pay" part of an email about an
// invoice: the payment terms and, where the practice has them, its bank
// details, one to a line.
func HowToPay(terms string, bank []string) string {
	var w strings.Builder
	w.WriteString("\nHow to pay\n" + terms + "\n")
	if len(bank) > 0 {
		w.WriteString("By bank transfer to:\n")
		for _, l := range bank {
			w.WriteString("  " + l + "\n")
		}
	}
	return w.String()
}
