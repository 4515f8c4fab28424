package practice_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

func goodEntity() practice.EntityInput {
	return practice.EntityInput{
		Code: "acme", Name: " Acme Trading Ltd ", BillingType: "fixed", MonthlyFee: "450", FeeFrom: "2026-12-01",
		InvoiceTiming: "advance", InvoiceDay: "31", RetainerStart: "1 Nov 2026", RetainerEnd: "2027-10-31",
		BillingContact: "  Jane   Smith ", BillingAddress: " Acme Trading Ltd \r\n\r\n 1 High Street \nLeeds LS1 1AA\n",
	}
}

// Each bad value comes back on its own field, saying how to write it.
func TestEntityValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(*practice.EntityInput)
		field string
		want  []string // parts of the message
	}{
		{"invoice day 0", func(in *practice.EntityInput) { in.InvoiceDay = "0" }, practice.FieldInvoiceDay,
			[]string{`"0" is not an invoice day`, "from 1 to 31", "29, 30 and 31 mean the month's last day"}},
		{"invoice day 32", func(in *practice.EntityInput) { in.InvoiceDay = "32" }, practice.FieldInvoiceDay, []string{"from 1 to 31"}},
		{"invoice day text", func(in *practice.EntityInput) { in.InvoiceDay = "last" }, practice.FieldInvoiceDay, []string{"from 1 to 31"}},
		{"fee from not a date", func(in *practice.EntityInput) { in.FeeFrom = "next month" }, practice.FieldFeeFrom,
			[]string{`"next month" is not a date`, "the day the fee starts", "YYYY-MM-DD"}},
		{"fee from numeric", func(in *practice.EntityInput) { in.FeeFrom = "01/12/2026" }, practice.FieldFeeFrom, []string{"YYYY-MM-DD"}},
		{"fee from without a fee", func(in *practice.EntityInput) { in.BillingType, in.MonthlyFee = "hourly", "" }, practice.FieldFeeFrom,
			[]string{"needs the monthly fee", "leave the date empty"}},
		{"retainer start not a date", func(in *practice.EntityInput) { in.RetainerStart = "2026-13-01" }, practice.FieldRetainerStart,
			[]string{`"2026-13-01" is not a date`, "the retainer's first day", "YYYY-MM-DD"}},
		{"retainer end not a date", func(in *practice.EntityInput) { in.RetainerEnd = "31/10/2027" }, practice.FieldRetainerEnd,
			[]string{"the retainer's last day", "YYYY-MM-DD"}},
		{"retainer ends before it starts", func(in *practice.EntityInput) { in.RetainerEnd = "2026-10-31" }, practice.FieldRetainerEnd,
			[]string{"cannot end (31 October 2026) before it starts (1 November 2026)", "on or after its first"}},
		{"contact too long", func(in *practice.EntityInput) { in.BillingContact = strings.Repeat("x", 201) }, practice.FieldBillingContact,
			[]string{"up to 200 characters"}},
		{"address too long", func(in *practice.EntityInput) { in.BillingAddress = strings.Repeat("x", 501) }, practice.FieldBillingAddress,
			[]string{"keep it to 8 lines and 500 characters"}},
		{"address of too many lines", func(in *practice.EntityInput) { in.BillingAddress = strings.Repeat("line\n", 9) }, practice.FieldBillingAddress,
			[]string{"8 lines"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := goodEntity()
			c.edit(&in)
			_, err := in.Validate()
			if atlas.ErrorCode(err) != atlas.EInvalid || atlas.ErrorField(err) != c.field {
				t.Fatalf("got %v, want an error on %s", err, c.field)
			}
			for _, w := range c.want {
				if !strings.Contains(atlas.ErrorMessage(err), w) {
					t.Errorf("message %q lacks %q", atlas.ErrorMessage(err), w)
				}
			}
		})
	}

	e, err := goodEntity().Validate()
	if err != nil {
		t.Fatal(err)
	}
	if e.InvoiceDay != 31 || e.FeeFrom.Format(time.DateOnly) != "2026-12-01" || e.RetainerStart.Format(time.DateOnly) != "2026-11-01" ||
		e.RetainerEnd.Format(time.DateOnly) != "2027-10-31" || e.BillingContact != "Jane Smith" ||
		e.BillingAddress != "Acme Trading Ltd\n1 High Street\nLeeds LS1 1AA" {
		t.Fatalf("good input read as %+v", e)
	}
	// A one-day retainer is fine; so are open ends.
	one := goodEntity()
	one.RetainerStart, one.RetainerEnd = "2026-11-01", "1 November 2026"
	if _, err := one.Validate(); err != nil {
		t.Errorf("one-day retainer: %v", err)
	}
	open := goodEntity()
	open.RetainerStart, open.RetainerEnd, open.FeeFrom = "", "", ""
	if e, err := open.Validate(); err != nil || e.RetainerStart != nil || e.RetainerEnd != nil || e.FeeFrom != nil {
		t.Errorf("open retainer: %+v %v", e, err)
	}
}

func TestParseDay(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"2026-11-03", "3 Nov 2026", "3 November 2026", " 3  Nov  2026 "} {
		if d, ok := practice.ParseDay(s); !ok || d.Format(time.DateOnly) != "2026-11-03" {
			t.Errorf("%q: %v %v", s, d, ok)
		}
	}
	for _, s := range []string{"", "03/11/2026", "2026-11-31", "Nov 3", "tomorrow"} {
		if _, ok := practice.ParseDay(s); ok {
			t.Errorf("%q read as a day", s)
		}
	}
}

// feeClient is a practice with a fixed-fee client and its saver.
type feeClient struct {
	t     *testing.T
	ctx   context.Context
	s     practice.Store
	pid   atlas.PracticeID
	admin atlas.MemberID
	id    int64
	in    practice.EntityInput
}

func newFeeClient(t *testing.T, pid atlas.PracticeID) *feeClient {
	t.Helper()
	ctx := context.Background()
	tx := pgtest.Tx(t)
	s := practice.Store{DB: tx}
	if _, err := s.Ensure(ctx, pid); err != nil {
		t.Fatal(err)
	}
	m, err := s.AddMember(ctx, pid, 0, practice.NewMember{SlackUserID: "UA1", Name: "Ada", Role: atlas.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	c := &feeClient{t: t, ctx: ctx, s: s, pid: pid, admin: m.ID,
		in: practice.EntityInput{Code: "ACME", Name: "Acme", BillingType: "fixed", InvoiceTiming: "arrears"}}
	return c
}

// save saves the client with a fee from a day ("" for none).
func (c *feeClient) save(fee, from string) (practice.Entity, error) {
	c.t.Helper()
	in := c.in
	in.MonthlyFee, in.FeeFrom = fee, from
	e, err := c.s.SaveEntity(c.ctx, c.pid, c.admin, c.id, in)
	if err == nil {
		c.id = e.ID
	}
	return e, err
}

// history is the fee history as "fee@from", newest first.
func (c *feeClient) history() []string {
	c.t.Helper()
	fees, err := c.s.Fees(c.ctx, c.pid, c.id)
	if err != nil {
		c.t.Fatal(err)
	}
	var out []string
	for _, f := range fees {
		out = append(out, f.MonthlyFee.StringFixed(2)+"@"+f.From.Format(time.DateOnly))
	}
	return out
}

func (c *feeClient) wantHistory(want ...string) {
	c.t.Helper()
	if got := c.history(); strings.Join(got, " ") != strings.Join(want, " ") {
		c.t.Fatalf("fee history %q, want %q", got, want)
	}
}

// A changed fee is added to the history and leaves the older one; the same
// fee saved again adds nothing.
func TestFeeHistory(t *testing.T) {
	t.Parallel()
	c := newFeeClient(t, "TFEES")
	e, err := c.save("400", "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	if e.MonthlyFee.Decimal.String() != "400" || e.FeeFrom.Format(time.DateOnly) != "2026-01-01" {
		t.Fatalf("saved %+v", e)
	}
	c.wantHistory("400.00@2026-01-01")

	// The form saved again as it stands: no date, the same fee.
	if _, err := c.save("400.00", ""); err != nil {
		t.Fatal(err)
	}
	// The same fee with its own date again.
	if _, err := c.save("400", "2026-01-01"); err != nil {
		t.Fatal(err)
	}
	// The same fee from a later day is already the fee then.
	if _, err := c.save("400", "2026-03-01"); err != nil {
		t.Fatal(err)
	}
	c.wantHistory("400.00@2026-01-01")

	// A rise from April keeps January's fee for January to March.
	e, err = c.save("450", "2026-04-01")
	if err != nil {
		t.Fatal(err)
	}
	c.wantHistory("450.00@2026-04-01", "400.00@2026-01-01")
	if e.MonthlyFee.Decimal.String() != "450" || e.FeeFrom.Format(time.DateOnly) != "2026-04-01" {
		t.Fatalf("latest fee %+v from %v", e.MonthlyFee, e.FeeFrom)
	}
	for d, want := range map[string]string{"2026-03-01": "400", "2026-03-31": "400", "2026-04-01": "450", "2027-01-01": "450"} {
		f, ok, err := c.s.FeeInForce(c.ctx, c.pid, c.id, day(d))
		if err != nil || !ok || f.MonthlyFee.String() != want || f.SetBy == nil || *f.SetBy != c.admin {
			t.Errorf("fee in force on %s: %+v %v %v, want %s set by the admin", d, f, ok, err, want)
		}
	}
	if _, ok, err := c.s.FeeInForce(c.ctx, c.pid, c.id, day("2025-12-31")); ok || err != nil {
		t.Errorf("a fee before the first: %v %v", ok, err)
	}

	// Without a date, a new fee starts with the first period invoiced from
	// today (in arrears: this month), never an earlier one.
	if _, err := c.save("500", ""); err != nil {
		t.Fatal(err)
	}
	h := c.history()
	first := practice.Schedule{Timing: practice.TimingArrears, Day: 1}.FirstBilledFrom(time.Now()).FirstDay()
	if len(h) != 3 || h[0] != "500.00@"+first.Format(time.DateOnly) || h[1] != "450.00@2026-04-01" {
		t.Fatalf("undated change: %q", h)
	}
	// And saving that form again adds nothing.
	if _, err := c.save("500", ""); err != nil {
		t.Fatal(err)
	}
	if len(c.history()) != 3 {
		t.Fatalf("the same fee twice: %q", c.history())
	}
	// A fee planned for later is what the form shows; changed without a
	// date, it is replaced on its own day rather than put behind a new one.
	if _, err := c.save("550", "2099-01-01"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.save("560", ""); err != nil {
		t.Fatal(err)
	}
	if h := c.history(); len(h) != 4 || h[0] != "560.00@2099-01-01" || h[1] != "500.00@"+first.Format(time.DateOnly) {
		t.Fatalf("changing a planned fee: %q", h)
	}
	// Hourly now: the history stays as it was.
	c.in.BillingType = "hourly"
	if _, err := c.save("", ""); err != nil {
		t.Fatal(err)
	}
	if len(c.history()) != 4 {
		t.Fatalf("hourly save changed the history: %q", c.history())
	}
}

// A fee never reprices a period that already has its retainer invoice.
func TestFeeNeverRepricesAnInvoicedPeriod(t *testing.T) {
	t.Parallel()
	c := newFeeClient(t, "TFEEINV")
	if _, err := c.save("400", "2026-01-01"); err != nil {
		t.Fatal(err)
	}
	invoice := func(period, status string) {
		t.Helper()
		var number, voidedAt any // numbered on approval, kept when voided
		reason := ""
		if status == "void" {
			number, voidedAt, reason = "INV-"+period, time.Now(), "raised in error"
		}
		if _, err := c.s.DB.Exec(c.ctx, `INSERT INTO invoices (practice_id, entity_id, kind, period, status, number, currency, voided_at, void_reason)
			VALUES ($1, $2, 'recurring', $3, $4, $5, 'GBP', $6, $7)`, c.pid, c.id, period, status, number, voidedAt, reason); err != nil {
			t.Fatal(err)
		}
	}
	invoice("2026-02-01", "draft")
	invoice("2026-03-01", "awaiting_approval")
	invoice("2026-04-01", "void") // never made again, so not in the way

	_, err := c.save("450", "2026-03-01")
	if atlas.ErrorField(err) != practice.FieldFeeFrom || !strings.Contains(atlas.ErrorMessage(err),
		"March 2026 already has its retainer invoice, and a new fee never reprices an invoiced period. Start this fee on 1 April 2026 or later.") {
		t.Fatalf("repricing March: %v", err)
	}
	_, err = c.save("450", "2026-01-15")
	if !strings.Contains(atlas.ErrorMessage(err), "February 2026 already has its retainer invoice") {
		t.Fatalf("repricing February from mid-January: %v", err)
	}
	c.wantHistory("400.00@2026-01-01")
	// Mid-March reaches no invoiced period's first day: April is void.
	if _, err := c.save("450", "2026-03-02"); err != nil {
		t.Fatalf("a fee from after the last invoiced period: %v", err)
	}
	// Restating the fee invoiced periods were billed at changes nothing.
	if _, err := c.save("400", "2026-02-01"); err != nil {
		t.Fatalf("the fee March was invoiced at: %v", err)
	}
	c.wantHistory("450.00@2026-03-02", "400.00@2026-01-01")

	// The guard sees each client's own invoices only, and a batch at once;
	// a fee that a later one replaces before an invoiced period reaches
	// none.
	clash, err := practice.RepricedPeriods(c.ctx, c.s.DB, c.pid, []practice.FeeChange{
		{EntityID: c.id, Fee: decimal.RequireFromString("999"), From: day("2026-02-01"), Dated: true},
		{EntityID: c.id + 1000, Fee: decimal.RequireFromString("999"), From: day("2025-06-01"), Dated: true},
	})
	if err != nil || len(clash) != 1 || clash[c.id].Period.String() != "2026-02" || clash[c.id].Earliest.Format(time.DateOnly) != "2026-04-01" {
		t.Fatalf("batch guard: %+v %v", clash, err)
	}
	clash, err = practice.RepricedPeriods(c.ctx, c.s.DB, c.pid, []practice.FeeChange{
		{EntityID: c.id, Fee: decimal.RequireFromString("999"), From: day("2025-06-01"), Dated: true}})
	if err != nil || len(clash) != 0 {
		t.Fatalf("a fee replaced by January's before any invoiced period: %+v %v", clash, err)
	}
}
