package billing_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	bbilling "github.com/atlas-practice/atlas/bot/billing"
	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ptr[T any](v T) *T { return &v }

func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

// sample is an hourly draft of two services, one line written down, a
// disbursement, and VAT at two rates.
func sample() billing.Invoice {
	nov := atlas.Period{Year: 2026, Month: time.November}
	return billing.Invoice{ID: 12, EntityID: 3, EntityCode: "BAKER", EntityName: "Baker & Sons", Kind: billing.Hourly,
		Status: billing.AwaitingApproval, Currency: "GBP", Period: &nov, Label: "November 2026", MadeByRun: true,
		Grouping: billing.ByService, Registered: true, Rounding: billing.PerInvoice, Preparer: "Mina Manager",
		Subtotal: d("1163.00"), VAT: d("214.70"), Total: d("1377.70"), Revision: 3,
		Lines: []billing.Line{
			{ID: 1, Kind: billing.TimeLine, Description: "Advisory", Minutes: ptr(60), Rate: decimal.NewNullDecimal(d("102")),
				TimeValue: d("102.00"), Amount: d("102.00"), Treatment: billing.Reduced, VATRate: d("5"),
				Entries: []billing.LineEntry{{ID: 10, Member: "Bea", WorkDate: day("2026-11-10"), Minutes: 60, Value: d("102.00"), Description: "Cash-flow forecast"}}},
			{ID: 2, Kind: billing.TimeLine, Description: "Payroll", Minutes: ptr(720), Rate: decimal.NewNullDecimal(d("95")),
				TimeValue: d("1140.00"), Amount: d("1048.00"), Treatment: billing.Standard, VATRate: d("20"), AdjustReason: "first month, agreed",
				Entries: []billing.LineEntry{
					{ID: 11, Member: "Bea", WorkDate: day("2026-11-02"), Minutes: 120, Value: d("190.00"), Description: "Payroll run & RTI <b>"},
					{ID: 12, Member: "Bea", WorkDate: day("2026-11-09"), Minutes: 120, Value: d("190.00")},
					{ID: 13, Member: "Max", WorkDate: day("2026-11-16"), Minutes: 120, Value: d("190.00")},
					{ID: 14, Member: "Max", WorkDate: day("2026-11-23"), Minutes: 120, Value: d("190.00")},
					{ID: 15, Member: "Bea", WorkDate: day("2026-11-27"), Minutes: 120, Value: d("190.00")},
					{ID: 16, Member: "Bea", WorkDate: day("2026-11-30"), Minutes: 120, Value: d("190.00")},
				}},
			{ID: 3, Kind: billing.AdhocLine, Description: "Companies House fee", Amount: d("13.00"), Treatment: billing.OutsideScope},
		}}
}

func TestInvoiceGolden(t *testing.T) {
	t.Parallel()
	inv := sample()
	blocks := bbilling.Invoice(bbilling.InvoiceView{Invoice: inv, Editable: true})
	blockkittest.GoldenMessage(t, "invoice_draft", blocks)
	raw := blockkittest.JSON(t, blocks)
	for _, want := range []string{
		"Draft 12 · BAKER · Baker & Sons", "*Awaiting approval*", "prepared by Mina Manager",
		"12.00 h × £95.00 = £1,140.00", "Written down £92.00: bills *£1,048.00*_ — first month, agreed",
		"Payroll run &amp; RTI &lt;b&gt;", "+1 more entry", "Reduced rate", "Outside the scope of VAT",
		"VAT 20% on £1,048.00: £209.60", "VAT 5% on £102.00: £5.10", "*Total £1,377.70*",
		"Bills £1,150.00 of £1,242.00 of time: *92%*", bbilling.ActionDelete, "List each entry",
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("invoice lacks %q", want)
		}
	}
	// Not editable: no buttons.
	if raw := blockkittest.JSON(t, bbilling.Invoice(bbilling.InvoiceView{Invoice: inv})); strings.Contains(raw, bbilling.ActionEditLine) {
		t.Error("a read-only invoice has edit buttons")
	}
}

// An invoice listing 200 entries line by line pages its lines inside
// Slack's limits; long text is cut, never refused.
func TestInvoiceOfManyLinesStaysWithinLimits(t *testing.T) {
	t.Parallel()
	inv := sample()
	inv.Grouping = billing.PerEntry
	inv.Lines = nil
	for i := range 200 {
		inv.Lines = append(inv.Lines, billing.Line{ID: int64(i + 1), Kind: billing.TimeLine, Description: strings.Repeat("Long description ", 30),
			Minutes: ptr(90), Rate: decimal.NewNullDecimal(d("95")), TimeValue: d("142.50"), Amount: d("142.50"), Treatment: billing.Standard, VATRate: d("20")})
	}
	for page := range 11 {
		blocks := bbilling.Invoice(bbilling.InvoiceView{Invoice: inv, Page: page, Editable: true})
		if err := blockkit.CheckMessage(blocks); err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		raw := blockkittest.JSON(t, blocks)
		want := fmt.Sprintf("Lines %d–%d of 200", min(page, 9)*20+1, min(page, 9)*20+20)
		if !strings.Contains(raw, want) {
			t.Errorf("page %d lacks %q", page, want)
		}
	}
}

func TestListAndRunAndReviewWithinLimits(t *testing.T) {
	t.Parallel()
	var invs []billing.Invoice
	for i := range 15 {
		inv := sample()
		inv.ID = int64(100 + i)
		invs = append(invs, inv)
	}
	list := bbilling.List(bbilling.ListView{Title: "Invoices · Awaiting approval", Invoices: invs, Page: blockkit.Paginate(40, 1, 15), Text: "awaiting"})
	blockkittest.GoldenMessage(t, "invoices_list", list)
	raw := blockkittest.JSON(t, list)
	for _, want := range []string{"Page 2 of 3 · 40 invoices", `"value":"awaiting page 1"`, `"value":"awaiting page 3"`, `"action_id":"invoice.open"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("list lacks %q", want)
		}
	}
	empty := bbilling.List(bbilling.ListView{Title: "Invoices", Empty: "No invoices yet."})
	blockkittest.GoldenMessage(t, "invoices_empty", empty)

	res := billing.RunResult{Period: atlas.Period{Year: 2026, Month: time.November}, Currency: "GBP"}
	for i := range 2000 {
		m := billing.Made{InvoiceID: int64(i), Client: fmt.Sprintf("C%04d · Client %d & Co", i, i), Kind: billing.Recurring,
			Label: "November 2026 (in arrears)", Subtotal: d("450"), Total: d("540"), NoEmail: i%100 == 0}
		res.Retainers = append(res.Retainers, m)
	}
	res.Skipped = []billing.Skipped{{Client: "LATE · Late Ltd", Period: res.Period, Reason: "no monthly fee in force on 1 Nov 2026"}}
	run := bbilling.RunView(res, billing.Review{Period: res.Period, NoRate: []billing.ReviewEntry{{ID: 1}}})
	if err := blockkit.CheckMessage(run); err != nil {
		t.Fatal(err)
	}
	raw = blockkittest.JSON(t, run)
	for _, want := range []string{"2000 retainer invoices made, £900,000.00 + VAT £180,000.00", "+1975 made", "LATE · Late Ltd, November 2026: not invoiced",
		"C0000 · Client 0 &amp; Co has no billing email", "+7 more", "Review the drafts"} {
		if !strings.Contains(raw, want) {
			t.Errorf("run summary lacks %q", want)
		}
	}

	rev := billing.Review{Period: res.Period}
	for i := range 40 {
		e := billing.ReviewEntry{ID: int64(i), Member: "Bea", SlackUserID: "UBEA", Client: "ACME · Acme", WorkDate: day("2026-11-02"), Minutes: 90,
			Description: strings.Repeat("note ", 50)}
		rev.NoService, rev.NoRate, rev.NonBillableOnPaid, rev.BillableOnUnpaid = append(rev.NoService, e), append(rev.NoRate, e),
			append(rev.NonBillableOnPaid, e), append(rev.BillableOnUnpaid, e)
		rev.Missing = append(rev.Missing, billing.MissingDays{Member: "P", SlackUserID: fmt.Sprintf("U%d", i),
			Days: []time.Time{day("2026-11-02"), day("2026-11-03"), day("2026-11-30")}})
	}
	review := bbilling.ReviewView(rev)
	if err := blockkit.CheckMessage(review); err != nil {
		t.Fatal(err)
	}
	if len(review) > blockkit.MaxMessageBlocks {
		t.Fatalf("%d blocks", len(review))
	}
	raw = blockkittest.JSON(t, review)
	for _, want := range []string{"Time without a service* — 40", "+34 more", `"action_id":"entry.edit"`, "Mon 2, Tue 3 and Mon 30 Nov",
		`"value":"2026-11 <@U0>"`, "+34 more people"} {
		if !strings.Contains(raw, want) {
			t.Errorf("review lacks %q", want)
		}
	}
	clean := bbilling.ReviewView(billing.Review{Period: res.Period})
	blockkittest.GoldenMessage(t, "review_clean", clean)
}

func TestDraftFormsGolden(t *testing.T) {
	t.Parallel()
	inv := sample()
	blockkittest.GoldenModal(t, "form_line", bbilling.LineModal(inv))
	blockkittest.GoldenModal(t, "form_total", bbilling.TotalModal(inv))
	blockkittest.GoldenModal(t, "form_add_line", bbilling.AddLineModal(inv))
	blockkittest.GoldenModal(t, "form_take_off", bbilling.TakeOffModal(inv))
	// 150 entries: the form offers the first 100, within Slack's limit.
	for i := range 150 {
		inv.Lines[1].Entries = append(inv.Lines[1].Entries, billing.LineEntry{ID: int64(1000 + i), Member: "Bea", WorkDate: day("2026-11-02"),
			Minutes: 30, Value: d("47.50"), Description: strings.Repeat("x", 200)})
	}
	if err := blockkit.CheckModal(bbilling.TakeOffModal(inv)); err != nil {
		t.Fatal(err)
	}
	if m := bbilling.LineModal(inv); m.PrivateMetadata != `{"invoice":12,"rev":3}` {
		t.Errorf("metadata %s", m.PrivateMetadata)
	}
}
