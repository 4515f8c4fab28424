package delivery_test

import (
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/pdf"
	"github.com/atlas-practice/atlas/internal/pdf/pdftest"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// A sent, part-paid invoice is drawn with the dates it went with, its lines
// (hours, rate, the written-down line's value and adjustment, a
// disbursement outside the scope of VAT), the VAT per rate, what was paid
// and what is left, the practice's bank details and the client's terms.
func TestDocumentOfASentInvoice(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t))
	id := f.invoice(f.client, "part_paid", "INV-2026-0042")
	f.exec(`UPDATE invoices SET issue_date = '2026-07-01', due_date = '2026-07-31', sent_at = '2026-07-01 08:00Z' WHERE id = $1`, id)
	f.exec(`INSERT INTO payments (practice_id, invoice_id, amount, applied, received_on, reference) VALUES ($1, $2, 100, 100, '2026-07-10', 'BACS')`, f.pid, id)
	f.exec(`UPDATE invoices SET paid = 100 WHERE id = $1`, id)

	doc, err := delivery.Document(f.ctx, f.db, f.pid, id, false)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.VATRegistered || doc.Draft || doc.Number != "INV-2026-0042" || doc.Practice.VATNumber != "GB 123 4567 89" ||
		doc.IssueDate.Format(time.DateOnly) != "2026-07-01" || doc.DueDate.Format(time.DateOnly) != "2026-07-31" ||
		doc.Period != "June 2026" || doc.PaymentTerms != "Payment within 30 days of the invoice date." ||
		doc.Paid.String() != "100" || doc.Balance.String() != "774" || doc.Client.Name != "Harbour Bakery Ltd" ||
		strings.Join(doc.Client.Address, "|") != "Jane Smith|Unit 3, Wapping Wharf|Bristol|BS1 6WP" {
		t.Fatalf("document %+v", doc)
	}
	var quantities []string
	for _, l := range doc.Lines {
		quantities = append(quantities, l.Quantity)
	}
	if strings.Join(quantities, " ") != "7.50 h 3.00 h 1" || doc.Lines[0].TimeValue.Valid || !doc.Lines[1].TimeValue.Valid ||
		doc.Lines[1].TimeValue.Decimal.String() != "285" || doc.Lines[2].VAT != pdf.OutsideScope || doc.Lines[2].Rate.Valid {
		t.Fatalf("lines %+v", doc.Lines)
	}
	if len(doc.VATBands) != 2 || doc.VATBands[0].Treatment != pdf.Standard || doc.VATBands[0].Net.String() != "700" ||
		doc.VATBands[0].VAT.String() != "140" || doc.VATBands[1].Treatment != pdf.OutsideScope {
		t.Fatalf("VAT bands %+v", doc.VATBands)
	}

	data, name, err := delivery.PDF(f.ctx, f.db, f.pid, id, false)
	if err != nil {
		t.Fatal(err)
	}
	if name != "INV-2026-0042.pdf" {
		t.Errorf("file name %q", name)
	}
	golden(t, "sent_part_paid.txt", pdftest.Text(t, data))
	again, _, err := delivery.PDF(f.ctx, f.db, f.pid, id, false)
	if err != nil || string(again) != string(data) {
		t.Errorf("the same invoice drawn twice differs (%v): a retried send would attach another file", err)
	}
}

// An approved invoice not yet sent is dated as though it went today, in
// the practice's timezone, and due after the client's terms.
func TestDocumentBeforeSending(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t))
	id := f.approved("LL/2607/0007")
	london, _ := time.LoadLocation("Europe/London")
	before := atlas.DateOf(time.Now().In(london))
	doc, err := delivery.Document(f.ctx, f.db, f.pid, id, false)
	if err != nil {
		t.Fatal(err)
	}
	// Either side of midnight, should the test run across it.
	if after := atlas.DateOf(time.Now().In(london)); !doc.IssueDate.Equal(before) && !doc.IssueDate.Equal(after) {
		t.Errorf("issue date %s, want today in London %s", doc.IssueDate, before)
	}
	if !doc.DueDate.Equal(doc.IssueDate.AddDate(0, 0, 30)) {
		t.Errorf("due %s, want 30 days after %s", doc.DueDate, doc.IssueDate)
	}
	if _, name, err := delivery.PDF(f.ctx, f.db, f.pid, id, false); err != nil || name != "LL-2607-0007.pdf" {
		t.Errorf("file name %q (%v): a slash cannot be in one", name, err)
	}
}

// A draft previews with its mark and no number; as an invoice it is
// refused, and so is a void one.
func TestDocumentOfADraft(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t))
	draft := f.invoice(f.client, "awaiting_approval", "")
	if _, err := delivery.Document(f.ctx, f.db, f.pid, draft, false); atlas.ErrorCode(err) != atlas.EConflict ||
		!strings.Contains(atlas.ErrorMessage(err), "is not approved yet") || !strings.Contains(atlas.ErrorMessage(err), "Preview it as a draft") {
		t.Errorf("a draft as an invoice: %v", err)
	}
	data, name, err := delivery.PDF(f.ctx, f.db, f.pid, draft, true)
	if err != nil {
		t.Fatal(err)
	}
	text := pdftest.Text(t, data)
	for _, want := range []string{"DRAFT — not an invoice", "given on issue", "£874.00"} {
		if !strings.Contains(text, want) {
			t.Errorf("the preview lacks %q:\n%s", want, text)
		}
	}
	if want := "Draft " + itoa(draft) + " - HARB.pdf"; name != want {
		t.Errorf("file name %q, want %q", name, want)
	}

	void := f.invoice(f.client, "approved", "INV-2026-0043")
	f.exec(`UPDATE invoices SET status = 'void', voided_at = now(), void_reason = 'Duplicate' WHERE id = $1`, void)
	if _, err := delivery.Document(f.ctx, f.db, f.pid, void, false); atlas.ErrorCode(err) != atlas.EConflict || !strings.Contains(atlas.ErrorMessage(err), "is void") {
		t.Errorf("a void invoice: %v", err)
	}
	if _, err := delivery.Document(f.ctx, f.db, f.pid, 999999, true); atlas.ErrorCode(err) != atlas.ENotFound {
		t.Errorf("no such invoice: %v", err)
	}
}
