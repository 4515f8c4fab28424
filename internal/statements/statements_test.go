package statements_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/creditnotes"
	"github.com/atlas-practice/atlas/internal/pdf/pdftest"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/statements"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// A client's statement at 30 April 2026, worked by hand:
//
//	INV-0031  2 Feb  £540.00, paid in full 20 Feb   — settled, left out
//	INV-0036  2 Mar  £612.00, due 16 Mar; CN-0001 £72.00 on 9 Mar;
//	                 £300.00 paid 21 Apr             — £240.00 owed, overdue
//	INV-0049 20 Apr £1,154.40, due 4 May             — owed, not yet due
//	INV-0050  2 May                                   — after the date, left out
//	a £100.00 payment on INV-0049 received 21 Apr and reversed 25 Apr — left out
//	£25.00 credit on account from an overpayment
//
// Rows: INV-0036 612.00 → 612.00; CN-0001 −72.00 → 540.00; INV-0049
// +1,154.40 → 1,694.40; payment −300.00 → 1,394.40; credit on account
// −25.00 → 1,369.40. Owed £1,369.40, of which overdue £240.00.
func TestStatement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	q := pgtest.Tx(t)
	pid := atlas.PracticeID("TSTMT1")
	ps := practice.Store{DB: q}
	if _, err := ps.Ensure(ctx, pid); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.SaveBasics(ctx, pid, 0, practice.Basics{Name: "Ledgerline & Co", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"}); err != nil {
		t.Fatal(err)
	}
	pat, err := ps.AddMember(ctx, pid, 0, practice.NewMember{SlackUserID: "UPAT", Name: "Pat", Role: atlas.RolePartner})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ps.SaveEntity(ctx, pid, 0, 0, practice.EntityInput{Code: "ZOE", Name: "Zoë Brontë", BillingType: "hourly",
		BillingEmail: "zoe@example.com", BillingAddress: "Haworth Cottage\nKeighley"})
	if err != nil {
		t.Fatal(err)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := q.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	invoice := func(number, issued, due, total string, paid string, status string) int64 {
		t.Helper()
		var id int64
		if err := q.QueryRow(ctx, `INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency, label, subtotal, vat, total, paid,
				approved_by, approved_at, issue_date, due_date, sent_at)
			VALUES ($1, $2, 'adhoc', $3, $4, 'GBP', 'Work', $5::numeric, 0, $5::numeric, $6::numeric, $7, $8::date, $8::date, $9::date, $8::date) RETURNING id`,
			pid, c.ID, status, number, total, paid, int64(pat.ID), issued, due).Scan(&id); err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, amount, vat_treatment, vat_rate)
			VALUES ($1, $2, 0, 'adhoc', 'Work', $3::numeric, 'exempt', 0)`, pid, id, total)
		return id
	}
	i31 := invoice("INV-0031", "2026-02-02", "2026-02-16", "540", "540", "paid")
	i36 := invoice("INV-0036", "2026-03-02", "2026-03-16", "612", "300", "part_paid")
	i49 := invoice("INV-0049", "2026-04-20", "2026-05-04", "1154.40", "0", "sent")
	invoice("INV-0050", "2026-05-02", "2026-05-16", "99", "0", "sent")
	payment := func(inv int64, amount, on, ref string) int64 {
		var id int64
		if err := q.QueryRow(ctx, `INSERT INTO payments (practice_id, invoice_id, amount, applied, received_on, reference)
			VALUES ($1, $2, $3::numeric, $3::numeric, $4, $5) RETURNING id`, pid, inv, amount, on, ref).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	payment(i31, "540", "2026-02-20", "Bank transfer")
	payment(i36, "300", "2026-04-21", "Card payment")
	reversed := payment(i49, "100", "2026-04-21", "Bounced cheque")
	exec(`UPDATE payments SET reversed_at = '2026-04-25 12:00Z', reversed_by = $2, reverse_reason = 'Bounced' WHERE id = $1`, reversed, int64(pat.ID))
	exec(`INSERT INTO account_credits (practice_id, entity_id, amount, note, created_at) VALUES ($1, $2, 25, 'Overpaid', '2026-04-10 12:00Z')`, pid, c.ID)
	var line int64
	if err := q.QueryRow(ctx, `SELECT id FROM invoice_lines WHERE invoice_id = $1`, i36).Scan(&line); err != nil {
		t.Fatal(err)
	}
	cn, err := creditnotes.Store{DB: q}.Issue(ctx, pid, pat.ID, creditnotes.Request{InvoiceID: i36, Lines: []creditnotes.LineCredit{{
		LineID: line, Amount: decimal.NewNullDecimal(decimal.RequireFromString("72"))}}, Reason: "Payroll for five, not six"},
		time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}

	s, err := statements.Build(ctx, q, pid, c.ID, day("2026-04-30"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range s.Rows {
		got = append(got, fmt.Sprintf("%s %s %s %s %s", r.Date.Format("02 Jan"), r.Kind, r.Reference, r.Amount.StringFixed(2), r.Balance.StringFixed(2)))
	}
	want := []string{
		"02 Mar Invoice INV-0036 612.00 612.00",
		"09 Mar Credit note " + cn.Number + " -72.00 540.00",
		"20 Apr Invoice INV-0049 1154.40 1694.40",
		"21 Apr Payment Card payment -300.00 1394.40",
		"30 Apr Payment On account -25.00 1369.40",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !s.Owed.Equal(decimal.RequireFromString("1369.40")) || !s.Overdue.Equal(decimal.RequireFromString("240")) {
		t.Fatalf("owed %s, overdue %s; want 1369.40 and 240.00", s.Owed, s.Overdue)
	}

	data, name, err := statements.PDF(ctx, q, pid, c.ID, day("2026-04-30"))
	if err != nil {
		t.Fatal(err)
	}
	if name != "Statement - Zoë Brontë - 2026-04-30.pdf" {
		t.Errorf("file name %q", name)
	}
	text := pdftest.Text(t, data)
	for _, w := range []string{"Statement of account", "Zoë Brontë", "INV-0036", "CN-0001", "Card payment", "On account",
		"£1,369.40", "£240.00"} {
		if !strings.Contains(text, w) {
			t.Errorf("the statement does not say %q:\n%s", w, text)
		}
	}
	for _, w := range []string{"INV-0031", "INV-0050", "Bounced"} {
		if strings.Contains(text, w) {
			t.Errorf("the statement shows %q, which is settled, later or reversed", w)
		}
	}
	// A reversal counts from its day: at 24 April the £100 still stood.
	early, err := statements.Build(ctx, q, pid, c.ID, day("2026-04-24"))
	if err != nil {
		t.Fatal(err)
	}
	if !early.Owed.Equal(decimal.RequireFromString("1269.40")) {
		t.Fatalf("owed at 24 Apr %s, want 1269.40 (the bounced £100 not yet reversed)", early.Owed)
	}
}
