package pdf

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/money"
)

// Kind is what a Document is.
type Kind int

const (
	// Invoice asks the client to pay.
	Invoice Kind = iota
	// CreditNote cancels all or part of an earlier invoice.
	CreditNote
)

// Treatment is how VAT applies to a line. The value is the label the
// document prints.
type Treatment string

// The VAT treatments an accountant's invoice meets. Zero-rated, exempt and
// outside-the-scope supplies all carry no VAT, but HMRC wants them told
// apart: a zero-rated supply is taxable, an exempt one is not, and a
// disbursement paid on the client's behalf (a Companies House fee) is no
// supply of the practice's at all.
const (
	Standard     Treatment = "Standard"
	Reduced      Treatment = "Reduced"
	ZeroRated    Treatment = "Zero-rated"
	Exempt       Treatment = "Exempt"
	OutsideScope Treatment = "Outside the scope"
)

// rated reports whether the treatment charges VAT at a rate, zero
// included, so that the rate belongs on the document.
func (t Treatment) rated() bool { return t == Standard || t == Reduced || t == ZeroRated }

func (t Treatment) valid() bool { return t.rated() || t == Exempt || t == OutsideScope }

// Party is the practice or its client as a document addresses them.
type Party struct {
	Name      string
	Address   []string // postal address, one line each
	VATNumber string   // "GB123456789"; printed for the practice only when VAT-registered
	Email     string   // printed for the practice, where clients write with queries
}

// Line is one row of an invoice or credit note.
type Line struct {
	Description string
	Quantity    string              // as it is to read: "7.50 h", "1"
	Rate        decimal.NullDecimal // per hour or per unit; null for a fixed item
	Net         decimal.Decimal     // amount billed, excluding VAT
	// TimeValue is the value of the time at standard rates, set when the
	// line was written up or down: the document then shows the value, the
	// adjustment (Net − TimeValue) and the amount billed, so the client
	// sees the discount and the accountant the recovery.
	TimeValue decimal.NullDecimal
	VAT       Treatment
	VATRate   decimal.Decimal // percent: 20 for 20%
}

// VATBand is the VAT on all the lines of one treatment and rate.
type VATBand struct {
	Treatment Treatment
	Rate      decimal.Decimal // percent
	Net, VAT  decimal.Decimal
}

// Document is an invoice or a credit note. Its figures come worked out —
// the billing side owns the arithmetic — and Render refuses a document
// whose figures do not add up rather than print one that a client would
// query.
type Document struct {
	Kind          Kind
	Currency      string // ISO 4217: "GBP", "EUR"
	VATRegistered bool   // false: no VAT column, no VAT rows, never "VAT invoice"
	Draft         bool   // a preview, marked on every page; the number may be empty

	Practice     Party
	BankDetails  []string // "Sort code 20-45-77", one line each
	PaymentTerms string   // "Payment within 14 days of the invoice date."
	Client       Party

	Number    string
	IssueDate time.Time  // also the tax point
	DueDate   *time.Time // invoices; nil on credit notes
	Period    string     // "March 2026"
	// Reference is what a credit note credits: "Credit for invoice
	// INV-2026-0042 of 3 Dec 2026".
	Reference string

	Lines    []Line
	Subtotal decimal.Decimal // sum of the lines' Net
	VATBands []VATBand       // one per treatment and rate, in the order to print
	VAT      decimal.Decimal // sum of the bands' VAT
	// VATInSterling is the VAT converted to pounds, which UK law asks of a
	// VAT invoice in another currency that charges VAT.
	VATInSterling decimal.NullDecimal
	Total         decimal.Decimal // Subtotal + VAT
	Paid          decimal.Decimal // invoices: received so far
	Balance       decimal.Decimal // invoices: Total − Paid

	Notes string // printed as written; new lines kept
}

// Statement is a client's account: open invoices, payments and credits
// with the balance running after each.
type Statement struct {
	Practice    Party
	BankDetails []string
	Client      Party
	Currency    string
	Date        time.Time
	Rows        []StatementRow
	Owed        decimal.Decimal // the balance after the last row
	Overdue     decimal.Decimal // the part of Owed past its due date
}

// The kinds of statement rows.
const (
	RowInvoice    = "Invoice"
	RowPayment    = "Payment"
	RowCreditNote = "Credit note"
)

// StatementRow is one entry of a statement.
type StatementRow struct {
	Date      time.Time
	Kind      string // RowInvoice, RowPayment or RowCreditNote
	Reference string // "INV-2026-0042", "Bank transfer"
	Due       *time.Time
	Amount    decimal.Decimal // positive for invoices, negative for payments and credits
	Balance   decimal.Decimal // owed after this row
}

// check refuses a document that is incomplete or whose figures disagree.
func (d *Document) check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if d.Kind != Invoice && d.Kind != CreditNote {
		bad("unknown kind %d", d.Kind)
	}
	if !money.Known(d.Currency) {
		bad("unknown currency %q", d.Currency)
	}
	if d.Practice.Name == "" || d.Client.Name == "" {
		bad("the practice and the client need names")
	}
	if d.Number == "" && !d.Draft {
		bad("only a draft may have no number")
	}
	if d.IssueDate.IsZero() {
		bad("no issue date")
	}
	if d.Kind == CreditNote {
		if d.Reference == "" {
			bad("a credit note names the invoice it credits in Reference")
		}
		if !d.Paid.IsZero() || !d.Balance.IsZero() {
			bad("a credit note has no payments or balance")
		}
	}

	subtotal := decimal.Zero
	for i, l := range d.Lines {
		subtotal = subtotal.Add(l.Net)
		if d.VATRegistered && !l.VAT.valid() {
			bad("line %d: unknown VAT treatment %q", i+1, l.VAT)
		}
		if d.VATRegistered && band(d.VATBands, l) < 0 {
			bad("line %d: no VAT band for %s at %s%%", i+1, l.VAT, l.VATRate)
		}
	}
	if !subtotal.Equal(d.Subtotal) {
		bad("the lines add up to %s, the subtotal says %s", subtotal, d.Subtotal)
	}

	if d.VATRegistered {
		if d.Practice.VATNumber == "" {
			bad("a VAT-registered practice needs its VAT number")
		}
		net, vat := decimal.Zero, decimal.Zero
		for _, b := range d.VATBands {
			net, vat = net.Add(b.Net), vat.Add(b.VAT)
		}
		if len(d.VATBands) > 0 && !net.Equal(d.Subtotal) {
			bad("the VAT bands cover %s of a subtotal of %s", net, d.Subtotal)
		}
		if !vat.Equal(d.VAT) {
			bad("the VAT bands add up to %s, the VAT says %s", vat, d.VAT)
		}
		if d.Currency != "GBP" && !d.VAT.IsZero() && !d.VATInSterling.Valid {
			bad("VAT charged in %s needs VATInSterling", d.Currency)
		}
	} else if !d.VAT.IsZero() || len(d.VATBands) > 0 {
		bad("a practice that is not VAT-registered charges no VAT")
	}

	if !d.Subtotal.Add(d.VAT).Equal(d.Total) {
		bad("subtotal %s and VAT %s do not make the total %s", d.Subtotal, d.VAT, d.Total)
	}
	if d.Kind == Invoice && !d.Total.Sub(d.Paid).Equal(d.Balance) {
		bad("total %s less paid %s is not the balance %s", d.Total, d.Paid, d.Balance)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pdf: %s %q: %w", d.title(), d.Number, err)
	}
	return nil
}

// band is the index of the band that holds line l, or -1.
func band(bands []VATBand, l Line) int {
	for i, b := range bands {
		if b.Treatment == l.VAT && (!l.VAT.rated() || b.Rate.Equal(l.VATRate)) {
			return i
		}
	}
	return -1
}

// check refuses a statement whose running balance does not run.
func (s *Statement) check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !money.Known(s.Currency) {
		bad("unknown currency %q", s.Currency)
	}
	if s.Practice.Name == "" || s.Client.Name == "" {
		bad("the practice and the client need names")
	}
	if s.Date.IsZero() {
		bad("no date")
	}
	for i, r := range s.Rows {
		switch r.Kind {
		case RowInvoice, RowPayment, RowCreditNote:
		default:
			bad("row %d: unknown kind %q", i+1, r.Kind)
		}
		if i > 0 && !s.Rows[i-1].Balance.Add(r.Amount).Equal(r.Balance) {
			bad("row %d: %s after %s is not %s", i+1, r.Amount, s.Rows[i-1].Balance, r.Balance)
		}
	}
	if n := len(s.Rows); n > 0 && !s.Rows[n-1].Balance.Equal(s.Owed) {
		bad("the last balance is %s, owed says %s", s.Rows[n-1].Balance, s.Owed)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pdf: statement for %q: %w", s.Client.Name, err)
	}
	return nil
}
