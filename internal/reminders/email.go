package reminders

import (
	"bytes"
	"fmt"
	"html/template"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/practice"
)

// compose writes the reminder at step days for an overdue invoice, as it
// goes on today: to the billing contact with the client's copies, from the
// practice, in reply to the invoice's own email so it threads with it,
// with the balance, the due date, how long overdue, how to pay and, where
// the practice shows them, the statutory charges; the invoice's PDF
// attached. Its Message-ID is the same on every try of the one reminder.
func compose(p practice.Practice, s Settings, inv Invoice, step int, today time.Time, termsDays int, pdf mail.Attachment) mail.Message {
	balance := money.Format(inv.Balance(), inv.Currency)
	days := inv.DaysOverdue(today)
	m := mail.Message{
		To:          []string{address(inv.BillingContact, inv.BillingEmail)},
		CC:          inv.CCEmails,
		Subject:     fmt.Sprintf("Reminder: invoice %s from %s — %s overdue", inv.Number, p.Name, balance),
		MessageID:   messageID(p, inv.ID, step),
		Headers:     map[string]string{"X-Atlas-Invoice": inv.Number, "X-Atlas-Reminder": fmt.Sprint(step)},
		Attachments: []mail.Attachment{pdf},
	}
	if inv.MessageID != "" {
		id := "<" + strings.TrimSuffix(strings.TrimPrefix(inv.MessageID, "<"), ">") + ">"
		m.Headers["In-Reply-To"], m.Headers["References"] = id, id
	}
	if p.InvoiceFromEmail != "" {
		name := p.InvoiceFromName
		if name == "" {
			name = p.Name
		}
		m.From = address(name, p.InvoiceFromEmail)
	}
	b := reminderBody{
		Greeting: "Hello,",
		Practice: p.Name,
		Number:   inv.Number,
		Issued:   inv.IssueDate.Format("2 Jan 2006"),
		Due:      inv.DueDate.Format("2 Jan 2006"),
		Overdue:  daysText(days),
		Total:    money.Format(inv.Total, inv.Currency),
		Balance:  balance,
		Terms:    delivery.PaymentTerms(termsDays),
		Bank:     delivery.BankDetails(p),
	}
	if inv.BillingContact != "" {
		b.Greeting = "Dear " + inv.BillingContact + ","
	}
	if settled := inv.Total.Sub(inv.Balance()); settled.IsPositive() {
		b.Settled = fmt.Sprintf("%s invoiced, %s already paid or credited: thank you.", b.Total, money.Format(settled, inv.Currency))
	}
	if s.LateInterest && inv.Currency == StatutoryCurrency {
		c := Charges(inv.Balance(), inv.DueDate, today, s.BaseRate)
		b.Late = &lateText{
			Rate:         c.Rate.StringFixed(2) + "%",
			BaseRate:     c.BaseRate.StringFixed(2) + "%",
			Days:         daysText(c.Days),
			From:         c.From.Format("2 Jan 2006"),
			To:           c.To.Format("2 Jan 2006"),
			Interest:     money.Format(c.Interest, inv.Currency),
			Compensation: money.Format(c.Compensation, inv.Currency),
			Total:        money.Format(c.Total(), inv.Currency),
		}
	}
	m.Text = b.text()
	m.HTML = b.html()
	return m
}

// messageID is one reminder's Message-ID: the same on every try, so a
// retry after a lost acknowledgement is recognisably the same message.
func messageID(p practice.Practice, invoiceID int64, step int) string {
	domain := "atlas"
	if at := strings.LastIndexByte(p.InvoiceFromEmail, '@'); at >= 0 {
		domain = strings.ToLower(p.InvoiceFromEmail[at+1:])
	}
	return fmt.Sprintf("<reminder-%d.%d.%s@%s>", invoiceID, step, strings.ToLower(string(p.ID)), domain)
}

func address(name, addr string) string {
	if name == "" {
		return addr
	}
	return (&netmail.Address{Name: name, Address: addr}).String()
}

func daysText(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

type reminderBody struct {
	Greeting, Practice, Number, Issued, Due, Overdue, Total, Balance, Terms, Settled string
	Bank                                                                             []string
	Late                                                                             *lateText
}

// lateText are the statutory charges in words.
type lateText struct {
	Rate, BaseRate, Days, From, To, Interest, Compensation, Total string
}

// actName is the Act, as the reminder names it.
const actName = "the Late Payment of Commercial Debts (Interest) Act 1998"

func (b reminderBody) text() string {
	var w strings.Builder
	w.WriteString(b.Greeting + "\n\n")
	fmt.Fprintf(&w, "This is a friendly reminder that invoice %s from %s, issued on %s, was due for payment on %s and is now %s overdue. ",
		b.Number, b.Practice, b.Issued, b.Due, b.Overdue)
	w.WriteString("If you have paid it in the last few days, thank you, and please ignore this reminder.\n\n")
	fmt.Fprintf(&w, "Balance due: %s\nDue date: %s (%s overdue)\n", b.Balance, b.Due, b.Overdue)
	if b.Settled != "" {
		w.WriteString("(" + b.Settled + ")\n")
	}
	if l := b.Late; l != nil {
		fmt.Fprintf(&w, "\nLate payment\nUnder %s we may claim interest and compensation on the overdue balance:\n", actName)
		fmt.Fprintf(&w, "  Interest at %s a year (8%% over the Bank of England base rate of %s), simple, from %s to %s (%s): %s\n",
			l.Rate, l.BaseRate, l.From, l.To, l.Days, l.Interest)
		fmt.Fprintf(&w, "  Fixed compensation for the cost of recovering the debt: %s\n", l.Compensation)
		fmt.Fprintf(&w, "  Balance with interest and compensation: %s\n", l.Total)
		w.WriteString("Interest continues to run daily until the balance is paid.\n")
	}
	w.WriteString(delivery.HowToPay(b.Terms, b.Bank))
	fmt.Fprintf(&w, "Please quote %s as the payment reference. A copy of the invoice is attached.\n\n", b.Number)
	w.WriteString("If there is a problem with the invoice, or you would like to agree a date for payment, reply to this email and we will be glad to help.\n\n")
	w.WriteString("Kind regards,\n" + b.Practice + "\n")
	return w.String()
}

// reminderHTML is the HTML body: plain, inline-styled markup, since mail
// clients drop style sheets; html/template escapes every value.
var reminderHTML = template.Must(template.New("reminder").Parse(`<!DOCTYPE html>
<html><body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #191919; line-height: 1.5">
<p>{{.Greeting}}</p>
<p>This is a friendly reminder that invoice <strong>{{.Number}}</strong> from {{.Practice}}, issued on {{.Issued}}, was due for payment on {{.Due}} and is now {{.Overdue}} overdue. If you have paid it in the last few days, thank you, and please ignore this reminder.</p>
<table role="presentation" style="border-collapse: collapse; margin: 12px 0">
<tr><td style="padding: 2px 16px 2px 0">Balance due</td><td style="padding: 2px 0"><strong>{{.Balance}}</strong></td></tr>
<tr><td style="padding: 2px 16px 2px 0">Due date</td><td style="padding: 2px 0"><strong>{{.Due}}</strong> ({{.Overdue}} overdue)</td></tr>
</table>
{{if .Settled}}<p>{{.Settled}}</p>
{{end}}{{with .Late}}<p style="margin-bottom: 4px"><strong>Late payment</strong></p>
<p style="margin-top: 0">Under the Late Payment of Commercial Debts (Interest) Act 1998 we may claim interest and compensation on the overdue balance:</p>
<table role="presentation" style="border-collapse: collapse; margin: 0 0 12px 0">
<tr><td style="padding: 2px 16px 2px 0">Interest at {{.Rate}} a year (8% over the Bank of England base rate of {{.BaseRate}}), simple, from {{.From}} to {{.To}} ({{.Days}})</td><td style="padding: 2px 0">{{.Interest}}</td></tr>
<tr><td style="padding: 2px 16px 2px 0">Fixed compensation for the cost of recovering the debt</td><td style="padding: 2px 0">{{.Compensation}}</td></tr>
<tr><td style="padding: 2px 16px 2px 0">Balance with interest and compensation</td><td style="padding: 2px 0"><strong>{{.Total}}</strong></td></tr>
</table>
<p>Interest continues to run daily until the balance is paid.</p>
{{end}}<p style="margin-bottom: 4px"><strong>How to pay</strong></p>
<p style="margin-top: 0">{{.Terms}}{{if .Bank}}<br>By bank transfer to:{{range .Bank}}<br>{{.}}{{end}}{{end}}<br>Please quote {{.Number}} as the payment reference. A copy of the invoice is attached.</p>
<p>If there is a problem with the invoice, or you would like to agree a date for payment, reply to this email and we will be glad to help.</p>
<p>Kind regards,<br>{{.Practice}}</p>
</body></html>
`))

func (b reminderBody) html() string {
	var buf bytes.Buffer
	if err := reminderHTML.Execute(&buf, b); err != nil {
		// The template is fixed and its values are strings: it cannot fail.
		panic(err)
	}
	return buf.String()
}
