package creditnotes_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/creditnotes"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// A whole credit: every line, VAT as the invoice charged it, the invoice
// settled, the time back in work in progress, the email queued, the card
// redrawn, the audit written.
func TestWholeCredit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t))
	inv, _ := f.harbour("INV-2026-0042")
	n := f.mustIssue(creditnotes.Request{InvoiceID: inv, Reason: "Billed to the wrong company", TimeTo: creditnotes.BackToWIP})

	if n.Number != "CN-0001" || n.IssuedOn.Format("2006-01-02") != "2026-07-09" {
		t.Fatalf("note %s issued %s, want CN-0001 on 2026-07-09", n.Number, n.IssuedOn)
	}
	mustEqual(t, "subtotal", n.Subtotal, d("734"))
	mustEqual(t, "VAT", n.VAT, d("140"))
	mustEqual(t, "total", n.Total, d("874"))
	if len(n.Lines) != 3 || n.TimeTo != creditnotes.BackToWIP || n.EntriesMoved != 5 {
		t.Fatalf("%d lines, time %s, %d entries moved; want 3, wip, 5", len(n.Lines), n.TimeTo, n.EntriesMoved)
	}
	// Per invoice, the VAT at 20% (£140.00) is shared by its two lines,
	// each rounded down: £90.00 and £50.00; the fee outside the scope none.
	for i, want := range []string{"90", "50", "0"} {
		mustEqual(t, "line VAT "+n.Lines[i].Description, n.Lines[i].VAT, d(want))
	}
	s := f.invoice(inv)
	if s.status != "paid" {
		t.Errorf("a fully credited invoice is %s, want paid (settled)", s.status)
	}
	mustEqual(t, "credited", s.credited, d("874"))
	if got := f.entryStates(); got["unbilled"] != 5 || len(got) != 1 {
		t.Errorf("credited time: %v, want 5 unbilled off the invoice", got)
	}
	if n.Status != creditnotes.StatusSending || n.Unsent != "" {
		t.Errorf("note is %s (%q), want sending", n.Status, n.Unsent)
	}
	if got := f.count(`SELECT count(*) FROM river_job WHERE kind = 'credit_note_email' AND (args->>'credit_note_id')::bigint = $1`, n.ID); got != 1 {
		t.Errorf("%d send jobs, want 1", got)
	}
	if got := f.count(`SELECT count(*) FROM river_job WHERE kind = 'slack_update' AND args->'subject'->>'type' = 'invoice'
		AND (args->'subject'->>'id')::bigint = $1 AND args->'subject'->>'purpose' = 'card'`, inv); got != 1 {
		t.Errorf("%d card redraws queued, want 1", got)
	}
	if got := f.count(`SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action IN ('credit_note.issue', 'invoice.credit')`, f.pid); got != 2 {
		t.Errorf("%d audit events, want 2", got)
	}

	// Nothing remains: a second credit is refused, and changes nothing.
	_, err := f.issue(creditnotes.Request{InvoiceID: inv, Reason: "Again", TimeTo: creditnotes.BackToWIP})
	if atlas.ErrorCode(err) != atlas.EConflict || !strings.Contains(atlas.ErrorMessage(err), "credited in full already") {
		t.Fatalf("second whole credit: %v", err)
	}
	if got := f.count(`SELECT count(*) FROM credit_notes WHERE practice_id = $1`, f.pid); got != 1 {
		t.Fatalf("%d notes after a refused credit, want 1", got)
	}
}

// By line, in pieces: part of a line (its time stays billed), the rest of
// it (its time written off), a line outside the scope of VAT; then more
// than remains is refused with nothing changed, and the next note takes
// the next number.
func TestByLineCredit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t))
	inv, lines := f.harbour("INV-2026-0042")

	part := f.mustIssue(creditnotes.Request{InvoiceID: inv, Lines: []creditnotes.LineCredit{{LineID: lines[0], Amount: nd("100")}},
		Reason: "Two hours of June's bookkeeping were May's, already billed", TimeTo: creditnotes.WriteOff})
	mustEqual(t, "part total", part.Total, d("120")) // £100.00 + 20%
	if part.Number != "CN-0001" || part.TimeTo != creditnotes.KeepBilled || part.EntriesMoved != 0 {
		t.Fatalf("part credit %s: time %s, %d moved; want CN-0001, none, 0", part.Number, part.TimeTo, part.EntriesMoved)
	}
	if s := f.invoice(inv); s.status != "sent" || !s.credited.Equal(d("120")) {
		t.Fatalf("after a part credit the invoice is %s, credited %s; want sent, 120", s.status, s.credited)
	}

	rest := f.mustIssue(creditnotes.Request{InvoiceID: inv, Lines: []creditnotes.LineCredit{{LineID: lines[0]}, {LineID: lines[2]}},
		Reason: "Bookkeeping not done; fee refunded by Companies House", TimeTo: creditnotes.WriteOff})
	// The rest of the bookkeeping, £350.00 (VAT £70.00), and the £34.00 fee
	// (no VAT): £454.00.
	mustEqual(t, "rest subtotal", rest.Subtotal, d("384"))
	mustEqual(t, "rest VAT", rest.VAT, d("70"))
	mustEqual(t, "rest total", rest.Total, d("454"))
	if rest.Number != "CN-0002" || rest.TimeTo != creditnotes.WriteOff || rest.EntriesMoved != 3 {
		t.Fatalf("rest %s: time %s, %d moved; want CN-0002, write_off, 3", rest.Number, rest.TimeTo, rest.EntriesMoved)
	}
	if got := f.entryStates(); got["written_off"] != 3 || got["billed@invoice"] != 2 {
		t.Errorf("time after the rest: %v, want 3 written off and the VAT return's 2 still billed", got)
	}
	if got := f.count(`SELECT count(*) FROM write_offs WHERE practice_id = $1 AND invoice_id = $2 AND value = 50 AND reason LIKE 'Credit note CN-0002: %'`,
		f.pid, inv); got != 3 {
		t.Errorf("%d write-offs recorded, want 3", got)
	}

	// More than remains of the VAT return (£250.00): refused, nothing moves.
	before := f.invoice(inv)
	_, err := f.issue(creditnotes.Request{InvoiceID: inv, Lines: []creditnotes.LineCredit{{LineID: lines[1], Amount: nd("250.01")}},
		Reason: "Too much", TimeTo: creditnotes.WriteOff})
	if atlas.ErrorField(err) != creditnotes.FieldAmount || !strings.Contains(atlas.ErrorMessage(err), "£250.00") {
		t.Fatalf("a credit above what remains: %v", err)
	}
	// And on the line already credited in full.
	_, err = f.issue(creditnotes.Request{InvoiceID: inv, Lines: []creditnotes.LineCredit{{LineID: lines[0], Amount: nd("1")}},
		Reason: "Again", TimeTo: creditnotes.WriteOff})
	if atlas.ErrorField(err) != creditnotes.FieldLine || !strings.Contains(atlas.ErrorMessage(err), "credited in full already") {
		t.Fatalf("a credit on a line credited in full: %v", err)
	}
	if after := f.invoice(inv); !after.credited.Equal(before.credited) || after.status != before.status {
		t.Fatalf("a refused credit changed the invoice: %+v → %+v", before, after)
	}
	if got := f.count(`SELECT count(*) FROM credit_notes WHERE practice_id = $1`, f.pid); got != 2 {
		t.Fatalf("%d notes after refusals, want 2", got)
	}
	last := f.mustIssue(creditnotes.Request{InvoiceID: inv, Lines: []creditnotes.LineCredit{{LineID: lines[1]}}, Reason: "Return not filed",
		TimeTo: creditnotes.BackToWIP})
	if last.Number != "CN-0003" {
		t.Fatalf("the next note is %s, want CN-0003: refusals took no number", last.Number)
	}
	if s := f.invoice(inv); s.status != "paid" || !s.credited.Equal(s.total) {
		t.Fatalf("credited in pieces to the end: %s, credited %s of %s", s.status, s.credited, s.total)
	}
}

// Credited in pieces, an invoice is credited to the penny: the note that
// takes the last of a rate (per invoice) or of a line (per line) takes the
// VAT that remains, not its own rounding. The figures are worked by hand.
func TestPiecesAddUpToThePenny(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t))

	// Per invoice: £10.05 at 20% charged £2.01 (201p rounded down).
	// £5.03 credited: 100.6p rounded down, £1.00; the last £5.02 then
	// takes the £1.01 that remains, not its own 100.4p → £1.00.
	inv, lines := f.sentInvoice(f.client, "INV-2026-0050", false, line{"Advice", "10.05", "standard", "20", 0})
	a := f.mustIssue(creditnotes.Request{InvoiceID: inv, Lines: []creditnotes.LineCredit{{LineID: lines[0], Amount: nd("5.03")}}, Reason: "Half"})
	b := f.mustIssue(creditnotes.Request{InvoiceID: inv, Lines: []creditnotes.LineCredit{{LineID: lines[0]}}, Reason: "The rest"})
	mustEqual(t, "first VAT", a.VAT, d("1.00"))
	mustEqual(t, "last VAT", b.VAT, d("1.01"))
	if s := f.invoice(inv); !s.credited.Equal(d("12.06")) || s.status != "paid" {
		t.Fatalf("per invoice: credited %s (%s), want all of 12.06", s.credited, s.status)
	}

	// Per line: £0.25 at 5% charged 1.25p → 1p (half up). £0.10 credited
	// is 0.5p → 1p, all the line's VAT; the last £0.15 then takes none.
	inv, lines = f.sentInvoice(f.client, "INV-2026-0051", true, line{"Heating advice", "0.25", "reduced", "5", 0})
	a = f.mustIssue(creditnotes.Request{InvoiceID: inv, Lines: []creditnotes.LineCredit{{LineID: lines[0], Amount: nd("0.10")}}, Reason: "Part"})
	b = f.mustIssue(creditnotes.Request{InvoiceID: inv, Lines: []creditnotes.LineCredit{{LineID: lines[0]}}, Reason: "Rest"})
	mustEqual(t, "per line first VAT", a.VAT, d("0.01"))
	mustEqual(t, "per line last VAT", b.VAT, d("0"))
	if s := f.invoice(inv); !s.credited.Equal(d("0.26")) || s.status != "paid" {
		t.Fatalf("per line: credited %s (%s), want all of 0.26", s.credited, s.status)
	}
}

// Credit on what the client already paid becomes credit on its account;
// the invoice's figures stay whole: total = paid + credited + balance.
func TestCreditOfAPaidInvoice(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t))
	inv, lines := f.harbour("INV-2026-0042")
	f.exec(`INSERT INTO payments (practice_id, invoice_id, amount, applied, received_on, reference) VALUES ($1, $2, 874, 874, '2026-07-05', 'BACS')`, f.pid, inv)
	f.exec(`UPDATE invoices SET paid = 874, status = 'paid' WHERE id = $1`, inv)

	n := f.mustIssue(creditnotes.Request{InvoiceID: inv, Lines: []creditnotes.LineCredit{{LineID: lines[2]}}, Reason: "Fee waived by Companies House"})
	mustEqual(t, "to account", n.ToAccount, d("34"))
	s := f.invoice(inv)
	mustEqual(t, "paid", s.paid, d("840"))
	mustEqual(t, "credited", s.credited, d("34"))
	if s.status != "paid" || !s.total.Equal(s.paid.Add(s.credited)) {
		t.Fatalf("paid invoice after credit: %+v", s)
	}
	var applied, onAccount string
	if err := f.db.QueryRow(f.ctx, `SELECT p.applied::text, (SELECT sum(amount)::text FROM account_credits WHERE practice_id = $1 AND entity_id = $2)
		FROM payments p WHERE p.invoice_id = $3`, f.pid, f.client, inv).Scan(&applied, &onAccount); err != nil {
		t.Fatal(err)
	}
	if applied != "840.00" || onAccount != "34.00" {
		t.Fatalf("payment applies %s, credit on account %s; want 840.00 and 34.00", applied, onAccount)
	}
}

// Bad requests, each a clear answer with nothing changed.
func TestRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t))
	inv, lines := f.harbour("INV-2026-0042")
	other, otherLines := f.harbour("INV-2026-0043")
	for _, c := range []struct {
		name  string
		req   creditnotes.Request
		field string
		says  string
	}{
		{"no reason", creditnotes.Request{InvoiceID: inv, TimeTo: creditnotes.WriteOff}, creditnotes.FieldReason, "Say why"},
		{"no time choice", creditnotes.Request{InvoiceID: inv, Reason: "Wrong"}, creditnotes.FieldTimeTo, "Say what becomes of the credited time"},
		{"zero", creditnotes.Request{InvoiceID: inv, Reason: "x", Lines: []creditnotes.LineCredit{{LineID: lines[0], Amount: nd("0")}}}, creditnotes.FieldAmount, "more than zero"},
		{"negative", creditnotes.Request{InvoiceID: inv, Reason: "x", Lines: []creditnotes.LineCredit{{LineID: lines[0], Amount: nd("-5")}}}, creditnotes.FieldAmount, "more than zero"},
		{"fractions of a penny", creditnotes.Request{InvoiceID: inv, Reason: "x", Lines: []creditnotes.LineCredit{{LineID: lines[0], Amount: nd("1.005")}}}, creditnotes.FieldAmount, "whole pennies"},
		{"another invoice's line", creditnotes.Request{InvoiceID: inv, Reason: "x", Lines: []creditnotes.LineCredit{{LineID: otherLines[0]}}}, creditnotes.FieldLine, "not on INV-2026-0042"},
		{"a line twice", creditnotes.Request{InvoiceID: inv, Reason: "x", Lines: []creditnotes.LineCredit{{LineID: lines[2]}, {LineID: lines[2]}}}, creditnotes.FieldLine, "once per credit note"},
	} {
		_, err := f.issue(c.req)
		if atlas.ErrorField(err) != c.field || !strings.Contains(atlas.ErrorMessage(err), c.says) {
			t.Errorf("%s: %v (field %q), want %q on %s", c.name, err, atlas.ErrorField(err), c.says, c.field)
		}
	}
	for status, says := range map[string]string{"approved": "void it instead", "sending": "on its way", "void": "void"} {
		f.exec(`UPDATE invoices SET status = $2, void_reason = 'x', voided_at = now(), sending_started_at = now(), send_attempt = 1 WHERE id = $1`, other, status)
		_, err := f.issue(creditnotes.Request{InvoiceID: other, Reason: "x", TimeTo: creditnotes.WriteOff})
		if atlas.ErrorCode(err) != atlas.EConflict || !strings.Contains(atlas.ErrorMessage(err), says) {
			t.Errorf("a credit of an invoice %s: %v, want %q", status, err, says)
		}
	}
	if got := f.count(`SELECT count(*) FROM credit_notes WHERE practice_id = $1`, f.pid) +
		f.count(`SELECT count(*) FROM invoice_counters WHERE practice_id = $1 AND series = 'credit_note'`, f.pid); got != 0 {
		t.Fatalf("refusals left %d notes and counters", got)
	}
}

// 20 partners credit at once — 16 invoices, four of them twice at once —
// in a practice numbering CN-{YYYY}-{SEQ:3}: every note numbered once,
// 1 to 16 with no gap; each invoice credited once, the loser of a race
// told it is credited already.
func TestGaplessUnderConcurrency(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool)
	f.exec(`UPDATE practices SET credit_note_number_format = 'CN-{YYYY}-{SEQ:3}' WHERE id = $1`, f.pid)
	var ids []int64
	for i := range 16 {
		id, _ := f.harbour(fmt.Sprintf("INV-2026-%04d", i+1))
		ids = append(ids, id)
	}
	order := append(slices.Clone(ids), ids[:4]...)
	rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	var wg sync.WaitGroup
	errs := make([]error, len(order))
	start := make(chan struct{})
	for i, id := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = f.issue(creditnotes.Request{InvoiceID: id, Reason: "Credited in the test", TimeTo: creditnotes.WriteOff})
		}()
	}
	close(start)
	wg.Wait()
	refused := 0
	for _, err := range errs {
		switch {
		case err == nil:
		case strings.Contains(atlas.ErrorMessage(err), "credited in full already"):
			refused++
		default:
			t.Fatalf("credit failed: %v", err)
		}
	}
	if refused != 4 {
		t.Fatalf("%d credits refused, want the 4 that lost a race", refused)
	}
	rows, err := pool.Query(f.ctx, `SELECT number FROM credit_notes WHERE practice_id = $1 ORDER BY number`, f.pid)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 1; i <= 16; i++ {
		want = append(want, fmt.Sprintf("CN-2026-%03d", i))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("numbers %v, want %v", got, want)
	}
	if n := f.count(`SELECT count(DISTINCT invoice_id) FROM credit_notes WHERE practice_id = $1`, f.pid); n != 16 {
		t.Fatalf("%d invoices credited, want 16 each once", n)
	}
}
