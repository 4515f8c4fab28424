package bot_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/billing"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// billingWorld is the time world a month on: November's time logged, the
// clock at Thursday 3 December 2026, 10:00. ACME is on a retainer (in
// arrears, £450 a month); NWT and NWH are hourly, NWH with no billing
// email; one of NWT's entries has no service.
func newBillingWorld(t *testing.T, mode string) *timeWorld {
	t.Helper()
	w := newTimeWorld(t, mode)
	for _, sql := range []string{
		`UPDATE entities SET billing_email = 'accounts@' || lower(code) || '.example' WHERE practice_id = $1 AND code IN ('ACME', 'NWT')`,
		`UPDATE entities SET billing_type = 'fixed', invoice_timing = 'arrears', invoice_day = 1, bill_from = '2026-11-01'
			WHERE practice_id = $1 AND code = 'ACME'`,
		`INSERT INTO entity_fees (practice_id, entity_id, monthly_fee, effective_from)
			SELECT practice_id, id, 450, '2026-01-01' FROM entities WHERE practice_id = $1 AND code = 'ACME'`,
		`UPDATE practices SET vat_registered = true, vat_number = 'GB123456789' WHERE id = $1`,
	} {
		if _, err := w.pool.Exec(w.ctx, sql, w.pid); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	w.say(staffID, "/log", "2h nwt payroll 2 Nov run")       // £200.00 at 100/h
	w.say(staffID, "/log", "1h30 nwt 10 Nov reconciliation") // the default service, payroll
	w.say(staffID, "/log", "45m nwh 11 Nov call")
	if _, err := w.pool.Exec(w.ctx, `INSERT INTO time_entries (practice_id, member_id, entity_id, work_date, minutes, source, rate, value)
		VALUES ($1, $2, $3, '2026-11-12', 30, 'manual', 100, 50)`, w.pid, int64(w.staff), w.nwt); err != nil {
		t.Fatal(err)
	}
	w.clock.Set(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	return w
}

// openedView is the last modal opened, with its private metadata.
func (w *timeWorld) openedView(callback string) (view map[string]any, meta string) {
	w.t.Helper()
	call := w.fake.WaitForCall(w.t, "views.open", func(c slackfake.Call) bool { return strings.Contains(c.Param("view"), callback) })
	if err := json.Unmarshal([]byte(call.Param("view")), &view); err != nil {
		w.t.Fatal(err)
	}
	meta, _ = view["private_metadata"].(string)
	return view, meta
}

// invoiceOf is the id of a client's invoice of a kind.
func (w *timeWorld) invoiceOf(code, kind string) int64 {
	w.t.Helper()
	var id int64
	if err := w.pool.QueryRow(w.ctx, `SELECT i.id FROM invoices i JOIN entities e ON e.id = i.entity_id
		WHERE i.practice_id = $1 AND e.code = $2 AND i.kind = $3 AND i.status <> 'deleted' ORDER BY i.id DESC LIMIT 1`, w.pid, code, kind).Scan(&id); err != nil {
		w.t.Fatalf("%s's %s invoice: %v", code, kind, err)
	}
	return id
}

func TestBillingJourney(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		w := newBillingWorld(t, mode)

		// Staff see only their own clients' invoices, and run nothing.
		mustContain(t, "staff run", w.say(staffID, "/invoices", "run"), "Invoices are prepared by managers, partners and admins", "your role is Staff")
		mustContain(t, "staff list", w.say(staffID, "/invoices", ""), "clients whose monthly packs you prepare or review")

		// The month-end review lists the entry with no service, with a
		// button to fix it, and the working days nobody logged.
		check := w.say(managerID, "/invoices", "check")
		mustContain(t, "check", check, "Time review · November 2026", "Time without a service", "Thu 12 Nov", "NWT · Northwind Traders",
			`"action_id":"entry.edit"`, "Working days with no time")

		// The run: ACME's November retainer, NWT's and NWH's hourly time.
		run := w.say(managerID, "/invoices", "run")
		mustContain(t, "run", run, "Billing run for November 2026", "1 retainer invoice made, £450.00 + VAT £90.00", "2 hourly invoices made, £480.00 + VAT £96.00",
			"awaiting a partner's approval", "NWH · Northwind Holdings has no billing email", "Review the drafts",
			"The month's time: 1 entry to check", "`/invoices check 2026-11`")
		mustContain(t, "run again", w.say(managerID, "/invoices", "run 2026-11"), "0 retainer invoices made",
			"November 2026's hourly invoices were made on 3 Dec 2026; this run made none")

		// The list, and one invoice with its lines, entries, VAT and
		// realisation.
		mustContain(t, "all", w.say(managerID, "/invoices", ""), "ACME · Acme Trading Ltd", "NWT · Northwind Traders",
			"NWH · Northwind Holdings", "£540.00", "£480.00", `"action_id":"invoice.open"`)
		mustContain(t, "list", w.say(managerID, "/invoices", "awaiting"), "Invoices · Awaiting approval", "ACME · Acme Trading Ltd",
			"NWT · Northwind Traders", "£540.00", `"action_id":"invoice.open"`)
		mustContain(t, "retainer", w.say(managerID, "/invoice", "ACME"), "ACME · Acme Trading Ltd", "Monthly retainer — November 2026 (in arrears)",
			"£450.00", "VAT 20% on £450.00: £90.00", "*Total £540.00*")
		nwt := w.say(managerID, "/invoice", "northwind traders")
		mustContain(t, "invoice", nwt, "NWT · Northwind Traders", "Awaiting approval", "*Payroll*", "3.50 h × £100.00 = £350.00",
			"Mon 2 Nov · Sam Staff · 2h · £200.00 — run", "*Other work*", "VAT 20% on £400.00: £80.00", "*Total £480.00*",
			"Bills £400.00 of £400.00 of time: *100%*", billing.ActionEditLine, billing.ActionTakeOff, billing.ActionDelete)
		id := w.invoiceOf("NWT", "hourly")

		// Write the payroll line down in the form: a bad amount goes back
		// to its field; a good one changes the invoice.
		w.click(managerID, billing.ActionEditLine, fmt.Sprint(id))
		view, meta := w.openedView(billing.CallbackLine)
		var payrollLine string
		for _, b := range view["blocks"].([]any) {
			el, _ := b.(map[string]any)["element"].(map[string]any)
			for _, o := range asList(el["options"]) {
				opt := o.(map[string]any)
				if strings.HasPrefix(opt["text"].(map[string]any)["text"].(string), "Payroll") {
					payrollLine = opt["value"].(string)
				}
			}
		}
		if payrollLine == "" {
			t.Fatalf("no payroll line in the form: %v", view)
		}
		values := func(amount, reason string) map[string]any {
			return map[string]any{billing.FieldLine: selectVal(payrollLine), "amount": textVal(amount), "reason": textVal(reason)}
		}
		if errs := responseErrors(t, w.interact(submission(managerID, billing.CallbackLine, meta, values("-20", "goodwill")))); !strings.Contains(errs["amount"], "cannot be below zero") {
			t.Fatalf("negative amount: %v", errs)
		}
		if errs := responseErrors(t, w.interact(submission(managerID, billing.CallbackLine, meta, values("300", "")))); !strings.Contains(errs["reason"], "Say why") {
			t.Fatalf("write-down without a reason: %v", errs)
		}
		w.mark()
		w.interact(submission(managerID, billing.CallbackLine, meta, values("£300.00", "first month")))
		mustContain(t, "written down", w.said(), "Line changed", "Written down £50.00: bills *£300.00*", "first month", "*Total £420.00*",
			"Bills £350.00 of £400.00 of time: *87%*")

		// Take the unserviced entry off, carried forward: back in WIP.
		w.click(managerID, billing.ActionTakeOff, fmt.Sprint(id))
		_, meta = w.openedView(billing.CallbackTakeOff)
		var other int64
		if err := w.pool.QueryRow(w.ctx, `SELECT id FROM time_entries WHERE practice_id = $1 AND service_id IS NULL`, w.pid).Scan(&other); err != nil {
			t.Fatal(err)
		}
		w.mark()
		w.interact(submission(managerID, billing.CallbackTakeOff, meta, map[string]any{
			"entries":  map[string]any{"x": map[string]any{"type": "multi_static_select", "selected_options": []any{map[string]any{"value": fmt.Sprint(other)}}}},
			"take_off": map[string]any{"x": map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": "carry"}}},
			"reason":   textVal(""),
		}))
		mustContain(t, "carried", w.said(), "1 entry carried forward", "*Total £360.00*")
		var onInvoice *int64
		var state string
		if err := w.pool.QueryRow(w.ctx, `SELECT invoice_id, billing_state FROM time_entries WHERE id = $1`, other).Scan(&onInvoice, &state); err != nil ||
			onInvoice != nil || state != "unbilled" {
			t.Fatalf("carried entry: on invoice %v, %s (%v)", onInvoice, state, err)
		}
		// Back in work in progress, no longer on the draft.
		mustContain(t, "wip", w.ask(managerID, "/wip", ""), "Work in progress by client is on its way")
		w.deliver()
		mustContain(t, "back in WIP", w.dmTable(managerID, "Work in progress by client"),
			"*NWT · Northwind Traders* — £400.00 · 4.00 h · £350.00 of it on drafts")
		// A form drawn before that change is refused, not written over.
		w.mark()
		w.interact(submission(managerID, billing.CallbackLine, meta, values("10", "stale")))
		mustContain(t, "stale form", w.said(), "Someone changed this invoice since you opened it")

		// Bad amounts in the forms go back to their fields; the invoice
		// stays as it was.
		before := w.invoicesState()
		w.click(managerID, billing.ActionEditTotal, fmt.Sprint(id))
		_, meta = w.openedView(billing.CallbackTotal)
		for _, c := range []struct{ total, says string }{{"0", "more than zero"}, {"-5", "cannot be below zero"}, {"lots", "is not an amount"}} {
			errs := responseErrors(t, w.interact(submission(managerID, billing.CallbackTotal, meta,
				map[string]any{"new_total": textVal(c.total), "reason": textVal("goodwill")})))
			if !strings.Contains(errs["new_total"], c.says) {
				t.Fatalf("new total %q: %v", c.total, errs)
			}
		}
		w.click(managerID, billing.ActionAddLine, fmt.Sprint(id))
		_, meta = w.openedView(billing.CallbackAddLine)
		for _, c := range []struct{ amount, says string }{{"-13", "cannot be below zero"}, {"thirteen", "is not an amount"}} {
			errs := responseErrors(t, w.interact(submission(managerID, billing.CallbackAddLine, meta, map[string]any{
				"description": textVal("Companies House fee"), "amount": textVal(c.amount), "vat_treatment": selectVal("outside")})))
			if !strings.Contains(errs["amount"], c.says) {
				t.Fatalf("added line of %q: %v", c.amount, errs)
			}
		}
		if after := w.invoicesState(); after != before {
			t.Fatalf("refused forms changed the invoices: %s → %s", before, after)
		}

		// Bad input, each a clear answer to the one who typed it, and
		// nothing made.
		before = w.invoicesState()
		mustContain(t, "unknown client", w.sayPrivately(managerID, "/invoice", "zzzz"), "No client")
		mustContain(t, "unknown client to draft", w.sayPrivately(managerID, "/invoice", "draft zzzz"), "zzzz")
		mustContain(t, "no email", w.sayPrivately(managerID, "/invoice", "draft nwh"), "has no billing email", "/atlas clients edit NWH")
		if _, err := w.pool.Exec(w.ctx, `INSERT INTO entities (practice_id, code, name, billing_type, billing_email, bill_from)
			VALUES ($1, 'LATE', 'Late Fee Ltd', 'fixed', 'a@late.example', '2026-11-01')`, w.pid); err != nil {
			t.Fatal(err)
		}
		if _, err := w.pool.Exec(w.ctx, `INSERT INTO entity_fees (practice_id, entity_id, monthly_fee, effective_from)
			SELECT $1, id, 100, '2027-01-01' FROM entities WHERE practice_id = $1 AND code = 'LATE'`, w.pid); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "no fee", w.sayPrivately(managerID, "/invoice", "draft late"), "no monthly fee in force on 1 Nov 2026", "/atlas clients edit LATE")
		mustContain(t, "bad month", w.sayPrivately(managerID, "/invoices", "run 2027-05"), "has not begun yet")
		mustContain(t, "bad date", w.sayPrivately(managerID, "/invoice", "draft nwt up to 31 Feb"), "31 Feb")
		if after := w.invoicesState(); after != before {
			t.Fatalf("refused commands changed the invoices: %s → %s", before, after)
		}

		// An invoice no longer a draft cannot be changed.
		if _, err := w.pool.Exec(w.ctx, `UPDATE invoices SET status = 'approved', number = 'INV-2026-0001', approved_by = $2, approved_at = now()
			WHERE id = $1`, id, int64(w.manager)); err != nil {
			t.Fatal(err)
		}
		before = w.invoicesState()
		w.mark()
		w.click(managerID, billing.ActionEditTotal, fmt.Sprint(id))
		mustContain(t, "approved", w.said(), "INV-2026-0001 is approved now, so it can no longer change")
		w.mark()
		w.interact(submission(managerID, billing.CallbackLine, meta, values("10", "after approval")))
		mustContain(t, "approved form", w.said(), "INV-2026-0001")
		if after := w.invoicesState(); after != before {
			t.Fatalf("an approved invoice changed: %s → %s", before, after)
		}
		mustContain(t, "by number", w.say(managerID, "/invoice", "inv-2026-0001"), "INV-2026-0001 · NWT · Northwind Traders", "*Approved*")
		if strings.Contains(w.say(managerID, "/invoice", "INV-2026-0001"), billing.ActionEditLine) {
			t.Fatal("an approved invoice offers its edit buttons")
		}
	})
}

// sayPrivately runs a slash command whose answer must be seen by its
// sender alone, and returns the answer's text.
func (w *timeWorld) sayPrivately(user, command, text string) string {
	w.t.Helper()
	w.mark()
	raw := w.slash(user, command, text)
	var m struct {
		ResponseType string `json:"response_type"`
	}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &m); err != nil {
			w.t.Fatalf("%s %s: %v", command, text, err)
		}
	}
	if m.ResponseType == "in_channel" {
		w.t.Fatalf("%s %s answered in the channel: %s", command, text, raw)
	}
	answer := ackText(w.t, raw) + "\n" + w.said()
	if n := len(w.fake.Calls("chat.postMessage")); n != w.postMessagesBefore {
		w.t.Fatalf("%s %s posted %d messages", command, text, n-w.postMessagesBefore)
	}
	return answer
}

// invoicesState sums up the practice's invoices, their lines and the time
// on them, to show that something changed nothing.
func (w *timeWorld) invoicesState() string {
	w.t.Helper()
	var s string
	if err := w.pool.QueryRow(w.ctx, `SELECT concat_ws(' ',
		(SELECT count(*) FROM invoices WHERE practice_id = $1),
		(SELECT string_agg(id || ':' || status || ':' || revision || ':' || total, ',' ORDER BY id) FROM invoices WHERE practice_id = $1),
		(SELECT string_agg(id || ':' || amount, ',' ORDER BY id) FROM invoice_lines WHERE practice_id = $1),
		(SELECT string_agg(id || ':' || coalesce(invoice_line_id, 0) || ':' || billing_state, ',' ORDER BY id) FROM time_entries WHERE practice_id = $1))`,
		w.pid).Scan(&s); err != nil {
		w.t.Fatal(err)
	}
	return s
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
