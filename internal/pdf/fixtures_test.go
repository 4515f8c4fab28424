package pdf

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// created is the creation date every test document carries, so that the
// same document is the same bytes.
var created = time.Date(2026, 4, 3, 9, 30, 0, 0, time.UTC)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func rate(s string) decimal.NullDecimal { return decimal.NewNullDecimal(d(s)) }

func date(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }

var ledgerline = Party{
	Name:      "Ledgerline & Co",
	Address:   []string{"14 Quay Street", "Bristol", "BS1 4DJ"},
	VATNumber: "GB 123 4567 89",
	Email:     "accounts@ledgerline.example",
}

var bank = []string{
	"Account name Ledgerline & Co Ltd",
	"Sort code 20-45-77 · Account number 43218765",
	"IBAN GB33 BUKB 2045 7743 2187 65 · BIC BUKBGB22",
}

var bakery = Party{
	Name:    "Harbour Bakery Ltd",
	Address: []string{"Unit 3, Wapping Wharf", "Gaol Ferry Steps", "Bristol", "BS1 6WP"},
	Email:   "books@harbourbakery.example",
}

// standardLine is a line at the standard rate.
func standardLine(desc, qty, r, net string) Line {
	l := Line{Description: desc, Quantity: qty, Net: d(net), VAT: Standard, VATRate: d("20")}
	if r != "" {
		l.Rate = rate(r)
	}
	return l
}

// complete works the totals out from the lines the way the billing side
// does: a band per treatment and rate in order of first use, VAT rounded
// per band to the penny.
func complete(doc Document) Document {
	doc.Subtotal = decimal.Zero
	doc.VATBands = nil
	for _, l := range doc.Lines {
		doc.Subtotal = doc.Subtotal.Add(l.Net)
		if !doc.VATRegistered {
			continue
		}
		i := band(doc.VATBands, l)
		if i < 0 {
			doc.VATBands = append(doc.VATBands, VATBand{Treatment: l.VAT, Rate: l.VATRate})
			i = len(doc.VATBands) - 1
		}
		doc.VATBands[i].Net = doc.VATBands[i].Net.Add(l.Net)
	}
	doc.VAT = decimal.Zero
	for i, b := range doc.VATBands {
		if b.Treatment.rated() {
			doc.VATBands[i].VAT = b.Net.Mul(b.Rate).Div(decimal.NewFromInt(100)).Round(2)
		}
		doc.VAT = doc.VAT.Add(doc.VATBands[i].VAT)
	}
	doc.Total = doc.Subtotal.Add(doc.VAT)
	if doc.Kind == Invoice {
		doc.Balance = doc.Total.Sub(doc.Paid)
	}
	return doc
}

func invoice(lines ...Line) Document {
	return Document{
		Kind:          Invoice,
		Currency:      "GBP",
		VATRegistered: true,
		Practice:      ledgerline,
		BankDetails:   bank,
		PaymentTerms:  "Payment within 14 days of the invoice date.",
		Client:        bakery,
		Number:        "INV-2026-0042",
		IssueDate:     date(2026, 4, 2),
		DueDate:       ptr(date(2026, 4, 16)),
		Period:        "March 2026",
		Lines:         lines,
	}
}

func standardInvoice() Document {
	return complete(invoice(
		standardLine("Monthly bookkeeping for March 2026: bank reconciliations for three accounts, "+
			"supplier invoices posted, the sales ledger chased and the VAT control account reconciled", "7.50 h", "60", "450"),
		standardLine("VAT return for the quarter to 31 March 2026", "1", "", "250"),
		standardLine("Payroll for March 2026, six employees", "6", "12", "72"),
		standardLine("Review of the management accounts with the directors", "2.00 h", "95", "190"),
	))
}

func zeroRatedAndExempt() Document {
	doc := invoice(
		standardLine("Monthly bookkeeping, March 2026", "6.00 h", "60", "360"),
		Line{Description: "Printed and bound annual report, 10 copies", Quantity: "10", Rate: rate("8.50"),
			Net: d("85"), VAT: ZeroRated, VATRate: decimal.Zero},
		Line{Description: "Arranging the renewal of the shop's insurance", Quantity: "1",
			Net: d("120"), VAT: Exempt},
	)
	doc.Number = "INV-2026-0043"
	return complete(doc)
}

func disbursement() Document {
	doc := invoice(
		standardLine("Confirmation statement prepared and filed", "1", "", "75"),
		Line{Description: "Companies House confirmation statement fee, paid on your behalf", Quantity: "1",
			Net: d("34"), VAT: OutsideScope},
	)
	doc.Number = "INV-2026-0044"
	doc.Paid = d("50")
	return complete(doc)
}

func writtenDown() Document {
	down := standardLine("Catch-up bookkeeping, October to December 2025", "12.00 h", "60", "600")
	down.TimeValue = rate("720")
	up := standardLine("Year-end accounts and corporation tax return (fixed fee)", "1", "", "950")
	up.TimeValue = rate("850")
	same := standardLine("Payroll for March 2026, six employees", "6", "12", "72")
	same.TimeValue = rate("72")
	doc := invoice(down, up, same)
	doc.Number = "INV-2026-0045"
	return complete(doc)
}

func notRegistered() Document {
	doc := invoice(
		standardLine("Monthly bookkeeping, March 2026", "5.25 h", "40", "210"),
		standardLine("Self assessment tax return 2025–26", "1", "", "180"),
	)
	doc.VATRegistered = false
	doc.Practice = Party{Name: "Penny Ledger Bookkeeping", Address: []string{"2 Mill Lane", "Frome", "BA11 1AA"},
		VATNumber: "GB 999 9999 99", Email: "penny@pennyledger.example"}
	doc.Number = "PL-0107"
	return complete(doc)
}

func longInvoice(n int) Document {
	var lines []Line
	for i := 1; i <= n; i++ {
		desc := fmt.Sprintf("Bookkeeping session %d: bank feed reviewed and receipts matched", i)
		if i%25 == 0 {
			desc += ", with the supplier statements reconciled and the queries raised with the director by email"
		}
		lines = append(lines, standardLine(desc, "1.50 h", "60", "90"))
	}
	doc := invoice(lines...)
	doc.Number = "INV-2026-0046"
	doc.Period = "January to March 2026"
	return complete(doc)
}

func euroInvoice() Document {
	doc := invoice(
		Line{Description: "Préparation des comptes annuels — UK subsidiary accounts for the year to 31 December 2025",
			Quantity: "1", Net: d("1850"), VAT: OutsideScope},
		Line{Description: "Advice on the UK branch's payroll obligations", Quantity: "3.00 h", Rate: rate("110"),
			Net: d("330"), VAT: OutsideScope},
	)
	doc.Currency = "EUR"
	doc.Number = "INV-2026-0047"
	doc.Client = Party{
		Name:      "Café Élysée SARL",
		Address:   []string{"For the attention of Zoë Brontë", "12 rue de la Paix", "75002 Paris", "France"},
		VATNumber: "FR40303265045",
	}
	doc.PaymentTerms = "Payment within 30 days of the invoice date, in euros."
	doc.Notes = "Services to a business customer in the EU: outside the scope of UK VAT.\n" +
		"Reverse charge: the customer accounts for the VAT (Article 196, Directive 2006/112/EC)."
	return complete(doc)
}

func draftInvoice() Document {
	doc := standardInvoice()
	doc.Draft = true
	doc.Number = ""
	return doc
}

func creditNote() Document {
	doc := invoice(
		standardLine("Payroll for March 2026 billed for six employees; five were paid", "1", "12", "12"),
		Line{Description: "Printed annual report, copies returned unused", Quantity: "4", Rate: rate("8.50"),
			Net: d("34"), VAT: ZeroRated, VATRate: decimal.Zero},
	)
	doc.Kind = CreditNote
	doc.Number = "CN-2026-0003"
	doc.IssueDate = date(2026, 4, 9)
	doc.DueDate = nil
	doc.Period = ""
	doc.Reference = "Credit for invoice INV-2026-0042 of 2 Apr 2026"
	doc.Notes = "The credit has been set against the balance of INV-2026-0042."
	return complete(doc)
}

func statement() Statement {
	s := Statement{
		Practice:    ledgerline,
		BankDetails: bank,
		Client:      Party{Name: "Zoë Brontë", Address: []string{"Haworth Cottage", "Church Street", "Keighley", "BD22 8DR"}},
		Currency:    "GBP",
		Date:        date(2026, 4, 30),
	}
	add := func(when time.Time, kind, ref string, due *time.Time, amount string) {
		bal := d(amount)
		if n := len(s.Rows); n > 0 {
			bal = bal.Add(s.Rows[n-1].Balance)
		}
		s.Rows = append(s.Rows, StatementRow{Date: when, Kind: kind, Reference: ref, Due: due, Amount: d(amount), Balance: bal})
	}
	add(date(2026, 2, 2), RowInvoice, "INV-2026-0031", ptr(date(2026, 2, 16)), "540.00")
	add(date(2026, 2, 20), RowPayment, "Bank transfer", nil, "-540.00")
	add(date(2026, 3, 2), RowInvoice, "INV-2026-0036", ptr(date(2026, 3, 16)), "612.00")
	add(date(2026, 3, 9), RowCreditNote, "CN-2026-0002", nil, "-72.00")
	add(date(2026, 4, 20), RowInvoice, "INV-2026-0049", ptr(date(2026, 5, 4)), "1154.40")
	add(date(2026, 4, 21), RowPayment, "Card payment", nil, "-300.00")
	s.Owed = s.Rows[len(s.Rows)-1].Balance
	s.Overdue = d("240.00") // INV-2026-0036 less its credit and the card payment
	return s
}
