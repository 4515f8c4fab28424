package payments_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/payments"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

var dec3Dec = time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)

// counts are the rows a refused payment must leave as they were.
func (f *fixture) counts() [4]int {
	f.t.Helper()
	var c [4]int
	for i, sql := range []string{
		`SELECT count(*) FROM payments WHERE practice_id = $1`,
		`SELECT count(*) FROM account_credits WHERE practice_id = $1`,
		`SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action LIKE 'payment.%'`,
		`SELECT count(*) FROM river_job WHERE kind = 'slack_update' AND args->>'practice' = $1`,
	} {
		f.scan(&c[i], sql, f.pid)
	}
	return c
}

// A partial payment, then the rest: sent → part paid → paid, invoices.paid
// kept in step, each audited and the card's redrawing queued.
func TestPartialThenFullPayment(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TPAY1")
	id, number := f.invoice(f.acme, "sent", "1200.00", dec3Dec)

	out := f.pay(number, "£500", false)
	if out.Before != "sent" || out.Invoice.Status != "part_paid" || !out.Invoice.Balance().Equal(dec("700")) {
		t.Fatalf("after £500: %s → %s, balance %s", out.Before, out.Invoice.Status, out.Invoice.Balance())
	}
	if paid, _, status := f.state(id); !paid.Equal(dec("500")) || status != "part_paid" {
		t.Fatalf("invoice row after £500: paid %s, %s", paid, status)
	}
	if got := out.Payment; !got.Amount.Equal(dec("500")) || !got.Applied.Equal(dec("500")) || got.Reference != "BACS" ||
		got.ReceivedOn.Format(time.DateOnly) != "2026-12-03" || got.RecordedBy != "Mina" || got.Source != payments.Manual {
		t.Fatalf("payment recorded as %+v", got)
	}

	out = f.pay(strings.ToLower(number), "700.00", false)
	if out.Invoice.Status != "paid" || !out.Invoice.Balance().IsZero() {
		t.Fatalf("after the rest: %s, balance %s", out.Invoice.Status, out.Invoice.Balance())
	}
	if paid, _, status := f.state(id); !paid.Equal(dec("1200")) || status != "paid" {
		t.Fatalf("invoice row when paid: paid %s, %s", paid, status)
	}
	c := f.counts()
	if c[0] != 2 || c[1] != 0 || c[2] != 2 || c[3] != 2 {
		t.Fatalf("payments, credits, audit events, card redraws = %v, want [2 0 2 2]", c)
	}
	var card int
	f.scan(&card, `SELECT count(*) FROM river_job WHERE kind = 'slack_update' AND (args->'subject'->>'id')::bigint = $1
		AND args->>'render' = 'invoice.card'`, id)
	if card != 2 {
		t.Fatalf("%d redraws of the invoice's card queued, want 2", card)
	}
	list, err := f.ps.Of(f.ctx, f.pid, id)
	if err != nil || len(list) != 2 {
		t.Fatalf("payments of the invoice: %d (%v)", len(list), err)
	}
}

// An overpayment: the invoice is paid, the excess is credit on the
// client's account, and it is set against the client's next invoice when
// that is sent. Its reversal is refused while the credit is spent.
func TestOverpaymentCarriedToNextInvoice(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TPAY2")
	first, n1 := f.invoice(f.acme, "sent", "1200.00", dec3Dec)
	next, _ := f.invoice(f.acme, "sending", "600.00", dec3Dec)
	other, _ := f.invoice(f.nwt, "sent", "300.00", dec3Dec)

	_, err := f.ps.Record(f.ctx, f.pid, f.mina, payments.Input{Invoice: n1, Amount: "1,300"}, f.now)
	if atlas.ErrorField(err) != payments.FieldAmount || !strings.Contains(atlas.ErrorMessage(err), "mark it as an overpayment") {
		t.Fatalf("£1,300 on £1,200 unmarked: %v", err)
	}
	over := f.pay(n1, "£1,300.00", true)
	if over.Invoice.Status != "paid" || !over.Credit.Equal(dec("100")) || !over.Payment.Applied.Equal(dec("1200")) {
		t.Fatalf("overpayment: %s, credit %s, applied %s", over.Invoice.Status, over.Credit, over.Payment.Applied)
	}
	if c := f.credit(f.acme); !c.Equal(dec("100")) {
		t.Fatalf("ACME's credit on account %s, want 100", c)
	}

	// The next invoice goes: the delivery side calls ApplyAccountCredit in
	// the transaction that records it sent.
	send := func(id int64) {
		t.Helper()
		if err := db.InTx(f.ctx, f.db, func(tx pgx.Tx) error {
			if _, err := tx.Exec(f.ctx, `UPDATE invoices SET status = 'sent', issue_date = '2026-12-05', due_date = '2027-01-04' WHERE id = $1`, id); err != nil {
				return err
			}
			return payments.ApplyAccountCredit(f.ctx, tx, f.pid, id)
		}); err != nil {
			t.Fatal(err)
		}
	}
	send(next)
	if paid, _, status := f.state(next); !paid.Equal(dec("100")) || status != "part_paid" {
		t.Fatalf("next invoice after the credit: paid %s, %s", paid, status)
	}
	if c := f.credit(f.acme); !c.IsZero() {
		t.Fatalf("credit left %s, want 0", c)
	}
	// Another client's invoice takes none of it; applying again takes nothing.
	if err := payments.ApplyAccountCredit(f.ctx, f.db.(pgx.Tx), f.pid, other); err != nil {
		t.Fatal(err)
	}
	if err := payments.ApplyAccountCredit(f.ctx, f.db.(pgx.Tx), f.pid, next); err != nil {
		t.Fatal(err)
	}
	if paid, _, _ := f.state(other); !paid.IsZero() {
		t.Fatalf("NWT's invoice took ACME's credit: paid %s", paid)
	}
	if paid, _, _ := f.state(next); !paid.Equal(dec("100")) {
		t.Fatalf("credit applied twice: paid %s", paid)
	}
	list, _ := f.ps.Of(f.ctx, f.pid, next)
	if len(list) != 1 || list[0].Source != payments.AccountCredit || list[0].ReceivedOn.Format(time.DateOnly) != "2026-12-05" {
		t.Fatalf("next invoice's payments: %+v", list)
	}

	// The overpayment cannot be reversed while its credit is spent.
	_, err = f.ps.Reverse(f.ctx, f.pid, f.mina, over.Payment.ID, "bounced", f.now)
	if atlas.ErrorCode(err) != atlas.EConflict || !strings.Contains(atlas.ErrorMessage(err), "only £0.00 of that credit is left") {
		t.Fatalf("reversing a spent overpayment: %v", err)
	}
	// Reversing the credit's use gives it back; then the overpayment goes.
	back, err := f.ps.Reverse(f.ctx, f.pid, f.mina, list[0].ID, "set against the wrong invoice", f.now)
	if err != nil || back.Invoice.Status != "sent" || !f.credit(f.acme).Equal(dec("100")) {
		t.Fatalf("credit use reversed: %v, %s, credit %s", err, back.Invoice.Status, f.credit(f.acme))
	}
	if _, err := f.ps.Reverse(f.ctx, f.pid, f.mina, over.Payment.ID, "bounced", f.now); err != nil {
		t.Fatal(err)
	}
	if paid, _, status := f.state(first); !paid.IsZero() || status != "sent" || !f.credit(f.acme).IsZero() {
		t.Fatalf("after reversing the overpayment: paid %s, %s, credit %s", paid, status, f.credit(f.acme))
	}
}

// A reversal puts the balance and status back and keeps the payment,
// marked, with its reason; a second reversal and one without a reason are
// refused.
func TestReversal(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TPAY3")
	id, number := f.invoice(f.acme, "sent", "1200.00", dec3Dec)
	a := f.pay(number, "500", false)
	f.pay(number, "700", false)

	if _, err := f.ps.Reverse(f.ctx, f.pid, f.mina, a.Payment.ID, "  ", f.now); atlas.ErrorField(err) != payments.FieldReason {
		t.Fatalf("reversal without a reason: %v", err)
	}
	out, err := f.ps.Reverse(f.ctx, f.pid, f.mina, a.Payment.ID, "Cheque bounced", f.now)
	if err != nil {
		t.Fatal(err)
	}
	if out.Before != "paid" || out.Invoice.Status != "part_paid" || !out.Invoice.Balance().Equal(dec("500")) {
		t.Fatalf("after the reversal: %s → %s, balance %s", out.Before, out.Invoice.Status, out.Invoice.Balance())
	}
	if p := out.Payment; !p.Reversed() || p.Reason != "Cheque bounced" || p.ReversedBy != "Mina" {
		t.Fatalf("reversed payment: %+v", p)
	}
	if paid, _, status := f.state(id); !paid.Equal(dec("700")) || status != "part_paid" {
		t.Fatalf("invoice row: paid %s, %s", paid, status)
	}
	_, err = f.ps.Reverse(f.ctx, f.pid, f.mina, a.Payment.ID, "again", f.now)
	if atlas.ErrorCode(err) != atlas.EConflict || !strings.Contains(atlas.ErrorMessage(err), "already reversed, by Mina") {
		t.Fatalf("second reversal: %v", err)
	}
	var audited int
	f.scan(&audited, `SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action = 'payment.reverse' AND data->>'reason' = 'Cheque bounced'`, f.pid)
	if audited != 1 {
		t.Fatalf("%d reversal audit events", audited)
	}
}

// Each bad payment is refused with a clear answer and changes nothing.
func TestRefusedPaymentsChangeNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TPAY4")
	sent, number := f.invoice(f.acme, "sent", "1200.00", dec3Dec)
	f.pay(number, "200", false)
	draft, _ := f.invoice(f.acme, "draft", "100.00", dec3Dec)
	awaiting, _ := f.invoice(f.acme, "awaiting_approval", "100.00", dec3Dec)
	_, approved := f.invoice(f.acme, "approved", "100.00", dec3Dec)
	_, sending := f.invoice(f.acme, "sending", "100.00", dec3Dec)
	_, void := f.invoice(f.acme, "void", "100.00", dec3Dec)
	_, paidInv := f.invoice(f.acme, "sent", "50.00", dec3Dec)
	f.pay(paidInv, "50", false)

	cases := []struct {
		name    string
		in      payments.Input
		code    string
		message string
	}{
		{"zero", payments.Input{Invoice: number, Amount: "£0.00"}, atlas.EInvalid, "records nothing"},
		{"negative", payments.Input{Invoice: number, Amount: "-50"}, atlas.EInvalid, "cannot be negative"},
		{"negative after the sign", payments.Input{Invoice: number, Amount: "£-50"}, atlas.EInvalid, "cannot be negative"},
		{"euros", payments.Input{Invoice: number, Amount: "€50"}, atlas.EInvalid, "is in EUR, but the invoice is in GBP"},
		{"dollars by code", payments.Input{Invoice: number, Amount: "50 USD"}, atlas.EInvalid, "is in USD"},
		{"not a number", payments.Input{Invoice: number, Amount: "lots"}, atlas.EInvalid, "is not an amount"},
		{"a tenth of a penny", payments.Input{Invoice: number, Amount: "10.001"}, atlas.EInvalid, "more decimals"},
		{"above the balance", payments.Input{Invoice: number, Amount: "£1,000.01"}, atlas.EInvalid, "more than the balance of £1,000.00"},
		{"a future date", payments.Input{Invoice: number, Amount: "10", Date: "2026-12-11"}, atlas.EInvalid, "after today"},
		{"a future bank date", payments.Input{Invoice: number, Amount: "10", Date: "11/12/2026"}, atlas.EInvalid, "after today"},
		{"no such date", payments.Input{Invoice: number, Amount: "10", Date: "31/02/2026"}, atlas.EInvalid, "is not a date"},
		{"draft", payments.Input{InvoiceID: draft, Amount: "10"}, atlas.EConflict, "a draft, not sent"},
		{"awaiting", payments.Input{InvoiceID: awaiting, Amount: "10"}, atlas.EConflict, "awaiting approval, not sent"},
		{"approved but unsent", payments.Input{Invoice: approved, Amount: "10"}, atlas.EConflict, "approved but not sent yet"},
		{"sending", payments.Input{Invoice: sending, Amount: "10"}, atlas.EConflict, "being sent right now"},
		{"void", payments.Input{Invoice: void, Amount: "10"}, atlas.EConflict, "is void"},
		{"paid in full", payments.Input{Invoice: paidInv, Amount: "10"}, atlas.EConflict, "paid in full"},
		{"unknown invoice", payments.Input{Invoice: "INV-2026-9999", Amount: "10"}, atlas.ENotFound, "no invoice INV-2026-9999"},
		{"no invoice", payments.Input{Invoice: " ", Amount: "10"}, atlas.EInvalid, "Say which invoice"},
	}
	before := f.counts()
	for _, c := range cases {
		_, err := f.ps.Record(f.ctx, f.pid, f.mina, c.in, f.now)
		if atlas.ErrorCode(err) != c.code || !strings.Contains(atlas.ErrorMessage(err), c.message) {
			t.Errorf("%s: got %v, want %s containing %q", c.name, err, c.code, c.message)
		}
	}
	if after := f.counts(); after != before {
		t.Fatalf("refused payments changed payments, credits, audit events or redraws: %v → %v", before, after)
	}
	if paid, _, status := f.state(sent); !paid.Equal(dec("200")) || status != "part_paid" {
		t.Fatalf("refusals changed the invoice: paid %s, %s", paid, status)
	}
}

// The same key twice records one payment: a re-sent Slack envelope.
func TestRecordingAgainWithTheSameKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TPAY5")
	id, number := f.invoice(f.acme, "sent", "1200.00", dec3Dec)
	in := payments.Input{Invoice: number, Amount: "500", Key: "trigger:abc"}
	first, err := f.ps.Record(f.ctx, f.pid, f.mina, in, f.now)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.ps.Record(f.ctx, f.pid, f.mina, in, f.now)
	if err != nil || !again.Again || again.Payment.ID != first.Payment.ID {
		t.Fatalf("second record with the key: %+v, %v", again, err)
	}
	if paid, _, _ := f.state(id); !paid.Equal(dec("500")) {
		t.Fatalf("paid %s after the same payment twice, want 500", paid)
	}
}

// Twenty payments at once on one invoice: exactly as many as the balance
// holds are taken, and paid never passes the total.
func TestConcurrentPaymentsNeverOverApply(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool, "TPAY6")
	id, number := f.invoice(f.acme, "sent", "1000.00", dec3Dec)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.ps.Record(context.Background(), f.pid, f.mina, payments.Input{Invoice: number, Amount: "100"}, f.now)
		}()
	}
	wg.Wait()
	took := 0
	for _, err := range errs {
		switch {
		case err == nil:
			took++
		case atlas.ErrorCode(err) == atlas.EInvalid && strings.Contains(atlas.ErrorMessage(err), "more than the balance of £0.00"),
			atlas.ErrorCode(err) == atlas.EConflict && strings.Contains(atlas.ErrorMessage(err), "paid in full"):
		default:
			t.Errorf("unexpected refusal: %v", err)
		}
	}
	paid, _, status := f.state(id)
	if took != 10 || !paid.Equal(dec("1000")) || status != "paid" {
		t.Fatalf("%d payments taken, paid %s, %s; want 10, 1000, paid", took, paid, status)
	}
}

func TestParseAmount(t *testing.T) {
	t.Parallel()
	for typed, want := range map[string]string{
		"£1,200": "1200", "1200.50": "1200.5", "£ 95": "95", "GBP 1,250.00": "1250", "1250 gbp": "1250", "12,345,678.9": "12345678.9",
		"0.01": "0.01", "10.500": "10.5",
	} {
		got, err := payments.ParseAmount(typed, "GBP")
		if err != nil || !got.Equal(dec(want)) {
			t.Errorf("%q: %s, %v; want %s", typed, got, err, want)
		}
	}
	if got, err := payments.ParseAmount("$80", "AUD"); err != nil || !got.Equal(dec("80")) {
		t.Errorf("$80 on an AUD invoice: %s, %v", got, err)
	}
	for _, typed := range []string{"", "1,20", "12.3.4", "£", "1e3", "(50)", "50-"} {
		if _, err := payments.ParseAmount(typed, "GBP"); atlas.ErrorField(err) != payments.FieldAmount {
			t.Errorf("%q accepted (%v)", typed, err)
		}
	}
	if _, err := payments.ParseAmount("1200.5", "JPY"); err == nil {
		t.Error("half a yen accepted")
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	for typed, want := range map[string]string{
		"": "2026-12-10", "03/12/2026": "2026-12-03", "3/12/26": "2026-12-03", "3 Dec": "2026-12-03", "2026-11-30": "2026-11-30", "yesterday": "2026-12-09",
	} {
		got, err := payments.ParseDate(typed, today)
		if err != nil || got.Format(time.DateOnly) != want {
			t.Errorf("%q: %s, %v; want %s", typed, got.Format(time.DateOnly), err, want)
		}
	}
	for _, typed := range []string{"32/01/2026", "11/12/2026", "tomorrow", "soon"} {
		if _, err := payments.ParseDate(typed, today); atlas.ErrorField(err) != payments.FieldDate {
			t.Errorf("%q accepted (%v)", typed, err)
		}
	}
}

// Aged debt on 10 December: each balance in its bucket by days past due,
// paid, credited and unsent invoices left out, totals summed.
func TestAgedDebt(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TPAY7")
	asOf := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	due := func(days int) time.Time { return asOf.AddDate(0, 0, -days-30) } // issued so that it is `days` past due
	f.invoice(f.acme, "sent", "100.00", due(-5))                            // due in 5 days: current
	f.invoice(f.acme, "sent", "200.00", due(0))                             // due today: 0–30
	f.invoice(f.acme, "sent", "300.00", due(30))                            // 0–30
	f.invoice(f.acme, "sent", "400.00", due(31))                            // 31–60
	f.invoice(f.acme, "sent", "500.00", due(61))                            // 61–90
	_, n := f.invoice(f.acme, "sent", "600.00", due(91))                    // 90+, part paid
	f.pay(n, "250", false)
	_, paid := f.invoice(f.acme, "sent", "700.00", due(45))
	f.pay(paid, "700", false)
	f.invoice(f.acme, "approved", "800.00", due(45))
	f.invoice(f.nwt, "sent", "120.00", due(60))
	credited, _ := f.invoice(f.nwt, "sent", "90.00", due(70))
	f.exec(`UPDATE invoices SET credited = 40 WHERE id = $1`, credited)

	a, err := f.ps.Aged(f.ctx, f.pid, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Rows) != 2 || a.Rows[0].Code != "ACME" || a.Rows[1].Code != "NWT" {
		t.Fatalf("rows %+v", a.Rows)
	}
	want := map[string][5]string{
		"ACME": {"100", "500", "400", "500", "350"},
		"NWT":  {"0", "0", "120", "50", "0"},
		"":     {"100", "500", "520", "550", "350"},
	}
	check := func(code string, r payments.AgedRow, total string, invoices int) {
		t.Helper()
		for i, w := range want[code] {
			if !r.Owed[i].Equal(dec(w)) {
				t.Errorf("%s %s: %s, want %s", cmp(code), payments.Buckets[i], r.Owed[i], w)
			}
		}
		if !r.Total.Equal(dec(total)) || r.Invoices != invoices {
			t.Errorf("%s: total %s over %d invoices, want %s over %d", cmp(code), r.Total, r.Invoices, total, invoices)
		}
	}
	check("ACME", a.Rows[0], "1850", 6)
	check("NWT", a.Rows[1], "170", 2)
	check("", a.Totals, "2020", 8)
	csv := string(a.CSV())
	for _, line := range []string{
		"client_code,client,current,days_0_30,days_31_60,days_61_90,days_over_90,total,invoices,oldest_due,credit_on_account",
		"ACME,Acme Trading Ltd,100.00,500.00,400.00,500.00,350.00,1850.00,6,2026-09-10,0.00",
		",Total,100.00,500.00,520.00,550.00,350.00,2020.00,8,2026-09-10,0.00",
	} {
		if !strings.Contains(csv, line+"\n") {
			t.Errorf("CSV lacks %q:\n%s", line, csv)
		}
	}
}

func cmp(code string) string {
	if code == "" {
		return "totals"
	}
	return code
}
