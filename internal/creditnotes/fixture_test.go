package creditnotes_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/creditnotes"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

var practices atomic.Int64

// fixture is a VAT-registered practice (invoices rounded per invoice) with
// a partner and a member of staff, and a client with a billing email.
type fixture struct {
	t      testing.TB
	ctx    context.Context
	db     db.DB
	pid    atlas.PracticeID
	ps     practice.Store
	cs     creditnotes.Store
	pat    atlas.MemberID
	bea    atlas.MemberID
	client int64
	now    time.Time
}

func newFixture(t testing.TB, q db.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: q, ps: practice.Store{DB: q}, cs: creditnotes.Store{DB: q},
		pid: atlas.PracticeID("TCRN" + strconv.FormatInt(practices.Add(1), 10)),
		now: time.Date(2026, 7, 9, 10, 0, 0, 0, time.UTC)}
	if _, err := f.ps.Ensure(f.ctx, f.pid); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ps.SaveBasics(f.ctx, f.pid, 0, practice.Basics{Name: "Ledgerline & Co", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ps.SaveBillingSettings(f.ctx, f.pid, 0, practice.BillingSettings{
		VATRegistered: true, VATNumber: "GB 123 4567 89", ReducedVATRate: "5", PostalAddress: "14 Quay Street\nBristol\nBS1 4DJ",
		VATRounding: "invoice", LineGrouping: "service", BillingRunDay: "1",
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ps.SaveDeliverySettings(f.ctx, f.pid, 0, practice.DeliverySettings{
		BankAccountName: "Ledgerline & Co Ltd", BankSortCode: "20-45-77", BankAccountNumber: "43218765",
		InvoiceFromEmail: "accounts@ledgerline.example", InvoiceFromName: "Ledgerline Accounts",
	}); err != nil {
		t.Fatal(err)
	}
	pat, err := f.ps.AddMember(f.ctx, f.pid, 0, practice.NewMember{SlackUserID: "UPAT", Name: "Pat", Role: atlas.RolePartner})
	if err != nil {
		t.Fatal(err)
	}
	bea, err := f.ps.AddMember(f.ctx, f.pid, 0, practice.NewMember{SlackUserID: "UBEA", Name: "Bea", Role: atlas.RoleStaff})
	if err != nil {
		t.Fatal(err)
	}
	f.pat, f.bea = pat.ID, bea.ID
	f.client = f.newClient("HARB", "Harbour Bakery Ltd", "accounts@harbour.example")
	return f
}

func (f *fixture) newClient(code, name, email string) int64 {
	f.t.Helper()
	cc, how := "director@harbour.example", "email"
	e, err := f.ps.SaveEntity(f.ctx, f.pid, 0, 0, practice.EntityInput{Code: code, Name: name, BillingType: "hourly",
		BillingEmail: email, BillingContact: "Jane Smith", BillingAddress: "Unit 3, Wapping Wharf\nBristol\nBS1 6WP",
		PaymentTerms: "14", CCEmails: &cc, DeliveryMethod: &how})
	if err != nil {
		f.t.Fatal(err)
	}
	return e.ID
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

// line is an invoice line to write: its amount before VAT, treatment and
// rate, and how many time entries (of £50 each, whatever the amount) it
// bills.
type line struct {
	desc      string
	amount    string
	treatment string
	rate      string
	entries   int
}

// sentInvoice writes a sent invoice for client, numbered number, issued 2
// July 2026 and due 16 July, with lines; its VAT is worked out here in
// integer pence, per invoice (for each rate, rounded down) unless perLine
// (each line half up). It returns the invoice and its lines' ids.
func (f *fixture) sentInvoice(client int64, number string, perLine bool, lines ...line) (int64, []int64) {
	f.t.Helper()
	var sub, vat int64
	bands := map[string][2]int64{} // rate → net pence, rate
	lineVAT := make([]*int64, len(lines))
	for i, l := range lines {
		net := pence(l.amount)
		sub += net
		r := pence(l.rate) // rate ×100
		if perLine {
			v := (net*r + 5000) / 10000
			lineVAT[i] = &v
			vat += v
		} else {
			b := bands[l.treatment+l.rate]
			bands[l.treatment+l.rate] = [2]int64{b[0] + net, r}
		}
	}
	for _, b := range bands {
		vat += b[0] * b[1] / 10000
	}
	rounding := "invoice"
	if perLine {
		rounding = "line"
	}
	var id int64
	err := f.db.QueryRow(f.ctx, `INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency, label, up_to,
			subtotal, vat, total, vat_registered, vat_rounding, approved_by, approved_at, issue_date, due_date, sent_at)
		VALUES ($1, $2, 'hourly', 'sent', $3, 'GBP', 'June 2026', '2026-06-30', $4::numeric / 100, $5::numeric / 100, ($4 + $5)::numeric / 100,
			true, $6, $7, '2026-07-01 16:00Z', '2026-07-02', '2026-07-16', '2026-07-02 09:00Z')
		RETURNING id`, f.pid, client, number, sub, vat, rounding, int64(f.pat)).Scan(&id)
	if err != nil {
		f.t.Fatal(err)
	}
	ids := make([]int64, len(lines))
	for i, l := range lines {
		var v any
		if lineVAT[i] != nil {
			v = decimal.New(*lineVAT[i], -2)
		}
		if err := f.db.QueryRow(f.ctx, `INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, time_value, amount, vat_treatment, vat_rate, vat)
			VALUES ($1, $2, $3, 'time', $4, $5::numeric, $6::numeric, $7, $8::numeric, $9) RETURNING id`,
			f.pid, id, i, l.desc, 50*l.entries, l.amount, l.treatment, l.rate, v).Scan(&ids[i]); err != nil {
			f.t.Fatal(err)
		}
		for e := 0; e < l.entries; e++ {
			f.exec(`INSERT INTO time_entries (practice_id, member_id, entity_id, work_date, minutes, source, rate, value, billing_state, invoice_id, invoice_line_id)
				VALUES ($1, $2, $3, '2026-06-15', 30, 'manual', 100, 50, 'billed', $4, $5)`, f.pid, int64(f.bea), client, id, ids[i])
		}
	}
	return id, ids
}

// pence reads "12.34" as 1234.
func pence(s string) int64 {
	d, err := decimal.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return d.Shift(2).IntPart()
}

// harbour is the fixture's standard invoice: bookkeeping £450 (3 entries),
// a VAT return £250 (2 entries), both standard-rated, and a Companies
// House fee of £34 outside the scope. Subtotal £734.00, VAT 20% of £700.00
// = £140.00, total £874.00.
func (f *fixture) harbour(number string) (int64, []int64) {
	return f.sentInvoice(f.client, number, false,
		line{"Bookkeeping for June 2026", "450", "standard", "20", 3},
		line{"VAT return for the quarter to 30 June 2026", "250", "standard", "20", 2},
		line{"Companies House confirmation statement fee", "34", "outside", "0", 0})
}

func (f *fixture) issue(req creditnotes.Request) (creditnotes.Issued, error) {
	return f.cs.Issue(f.ctx, f.pid, f.pat, req, f.now)
}

func (f *fixture) mustIssue(req creditnotes.Request) creditnotes.Issued {
	f.t.Helper()
	n, err := f.issue(req)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// invoiceState is an invoice's money and status.
type invoiceState struct {
	status                string
	total, paid, credited decimal.Decimal
}

func (f *fixture) invoice(id int64) invoiceState {
	f.t.Helper()
	var s invoiceState
	if err := f.db.QueryRow(f.ctx, `SELECT status, total, paid, credited FROM invoices WHERE id = $1`, id).
		Scan(&s.status, &s.total, &s.paid, &s.credited); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// entries counts the invoice's lines' time by billing state, and where it
// points.
func (f *fixture) entryStates(lineIDs ...int64) map[string]int {
	f.t.Helper()
	rows, err := f.db.Query(f.ctx, `SELECT billing_state || CASE WHEN invoice_id IS NULL THEN '' ELSE '@invoice' END FROM time_entries
		WHERE practice_id = $1 AND member_id = $2`, f.pid, int64(f.bea))
	if err != nil {
		f.t.Fatal(err)
	}
	states, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]int{}
	for _, s := range states {
		out[s]++
	}
	return out
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func nd(s string) decimal.NullDecimal { return decimal.NewNullDecimal(d(s)) }

func mustEqual(t testing.TB, what string, got, want decimal.Decimal) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s: %s, want %s", what, got.StringFixed(2), want.StringFixed(2))
	}
}

// golden compares got with testdata/name, or rewrites it with
// ATLAS_UPDATE_GOLDEN=1.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if on, _ := strconv.ParseBool(os.Getenv("ATLAS_UPDATE_GOLDEN")); on {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with ATLAS_UPDATE_GOLDEN=1 to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
