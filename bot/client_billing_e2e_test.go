package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/admin"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

func dateVal(v string) map[string]any {
	return map[string]any{"x": map[string]any{"type": "datepicker", "selected_date": v}}
}

func checkedVal(vals ...string) map[string]any {
	opts := []any{}
	for _, v := range vals {
		opts = append(opts, map[string]any{"value": v})
	}
	return map[string]any{"x": map[string]any{"type": "checkboxes", "selected_options": opts}}
}

// clientBilling is a valid client form with billing details, some fields
// replaced; a date replaced by "" is left unpicked.
func clientBilling(over map[string]any) map[string]any {
	v := clientValues("ACME", "Acme Trading Ltd", "accounts@acme.example", "450", "fixed")
	v["invoice_day"] = textVal("31")
	v["fee_from"] = dateVal("2026-01-01")
	v["retainer_start"] = dateVal("2026-01-15")
	v["retainer_end"] = dateVal("2026-12-31")
	v["billing_contact"] = textVal("Jane  Smith")
	v["billing_address"] = textVal("Acme Trading Ltd\n1 High Street\n\nLeeds LS1 1AA")
	for k, x := range over {
		if x == "" {
			delete(v, k)
			continue
		}
		v[k] = x
	}
	return v
}

type clientBillingRow struct {
	day                    int
	start, end             string
	contact, address, fees string
}

func readClientBilling(t *testing.T, h *harness) clientBillingRow {
	t.Helper()
	var r clientBillingRow
	err := h.pool.QueryRow(context.Background(), `SELECT invoice_day, coalesce(retainer_start::text, ''), coalesce(retainer_end::text, ''),
		billing_contact, billing_address,
		coalesce((SELECT string_agg(f.monthly_fee::text || '@' || f.effective_from::text, ' ' ORDER BY f.effective_from)
		            FROM entity_fees f WHERE f.entity_id = e.id), '')
		FROM entities e WHERE code = 'ACME'`).Scan(&r.day, &r.start, &r.end, &r.contact, &r.address, &r.fees)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestClientBillingForm: a manager fills in a client's fee and the day it
// starts, retainer dates, invoice day 31 and the billing contact; wrong
// dates come back on their fields; a changed fee joins the history and
// the same fee again adds nothing; /atlas clients shows it all.
func TestClientBillingForm(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode)
		h.command(adminID, "team add <@"+staffID+"> staff")
		h.command(adminID, "services add BK Bookkeeping retainer")

		h.command(adminID, "clients add")
		first := h.fake.WaitForCall(t, "views.open", nil)
		view := first.Param("view")
		for _, want := range []string{`"block_id":"fee_from"`, `"type":"datepicker"`, `"block_id":"retainer_start"`, `"block_id":"retainer_end"`,
			`"block_id":"billing_contact"`, `"block_id":"billing_address"`, `"multiline":true`, "1 to 31; 29, 30 and 31 mean the month's last day",
			"Empty: from the first period invoiced from today", "never repriced"} {
			if !strings.Contains(view, want) {
				t.Errorf("client form lacks %s", want)
			}
		}
		if strings.Contains(view, "retainer_clear") {
			t.Errorf("a new client's form offers to clear retainer dates it does not have")
		}

		// Wrong dates and days come back on their fields; nothing is saved.
		for field, c := range map[string]struct {
			over map[string]any
			want string
		}{
			"retainer_end": {map[string]any{"retainer_end": dateVal("2026-01-14")},
				"The retainer cannot end (14 January 2026) before it starts (15 January 2026)"},
			"fee_from":    {map[string]any{"fee_from": dateVal("2026-02-30")}, `"2026-02-30" is not a date. Give the day the fee starts as YYYY-MM-DD`},
			"invoice_day": {map[string]any{"invoice_day": textVal("32")}, "from 1 to 31; 29, 30 and 31 mean the month's last day"},
		} {
			errs := responseErrors(t, h.interact(submission(adminID, admin.CallbackClient, "{}", clientBilling(c.over))))
			if len(errs) != 1 || !strings.Contains(errs[field], c.want) {
				t.Errorf("%s: errors %v, want %q on it", field, errs, c.want)
			}
		}
		if n := countRows(t, h, `SELECT count(*) FROM entities`); n != 0 {
			t.Fatalf("refused forms saved %d clients", n)
		}

		var bk string
		_ = h.pool.QueryRow(context.Background(), `SELECT id::text FROM services WHERE code = 'BK'`).Scan(&bk)
		ack := h.interact(submission(adminID, admin.CallbackClient, "{}", clientBilling(map[string]any{"retainer_services": checkedVal(bk)})))
		if errs := responseErrors(t, ack); errs != nil {
			t.Fatalf("valid client refused: %v", errs)
		}
		h.settle()
		want := clientBillingRow{day: 31, start: "2026-01-15", end: "2026-12-31", contact: "Jane Smith",
			address: "Acme Trading Ltd\n1 High Street\nLeeds LS1 1AA", fees: "450.00@2026-01-01"}
		if got := readClientBilling(t, h); got != want {
			t.Fatalf("saved %+v, want %+v", got, want)
		}

		// The edit form shows the dates, the fee in force and boxes to
		// clear the dates; the fee's date is left empty.
		h.command(adminID, "clients edit ACME")
		edit := h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool { return c.Seq > first.Seq })
		view = edit.Param("view")
		for _, want := range []string{`"initial_date":"2026-01-15"`, `"initial_date":"2026-12-31"`, `"block_id":"retainer_clear"`,
			"Now £450.00 a month from 1 January 2026.", `"initial_value":"Jane Smith"`, `"initial_value":"31"`} {
			if !strings.Contains(view, want) {
				t.Errorf("edit form lacks %s", want)
			}
		}
		if strings.Contains(view, `"initial_date":"2026-01-01"`) {
			t.Errorf("the fee's date is filled in: a changed fee would reprice January")
		}
		var meta struct {
			Meta string `json:"private_metadata"`
		}
		_ = json.Unmarshal([]byte(view), &meta)

		// A rise from June joins the history; January's fee stays.
		rise := clientBilling(map[string]any{"monthly_fee": textVal("500"), "fee_from": dateVal("2026-06-01"), "retainer_services": checkedVal(bk)})
		if errs := responseErrors(t, h.interact(submission(adminID, admin.CallbackClient, meta.Meta, rise))); errs != nil {
			t.Fatalf("fee rise refused: %v", errs)
		}
		h.settle()
		if got := readClientBilling(t, h).fees; got != "450.00@2026-01-01 500.00@2026-06-01" {
			t.Fatalf("fee history %q", got)
		}
		// The form saved again as it opens (no date, the same fee) adds nothing.
		again := clientBilling(map[string]any{"monthly_fee": textVal("500.00"), "fee_from": "", "retainer_services": checkedVal(bk)})
		if errs := responseErrors(t, h.interact(submission(adminID, admin.CallbackClient, meta.Meta, again))); errs != nil {
			t.Fatalf("same fee refused: %v", errs)
		}
		h.settle()
		if got := readClientBilling(t, h).fees; got != "450.00@2026-01-01 500.00@2026-06-01" {
			t.Fatalf("the same fee again changed the history: %q", got)
		}

		// Anyone finds it, with its fee, the fee before, its retainer and
		// where invoices go; the list says the fee and since when.
		got := messageStrings(t, h.command(staffID, "clients acme"))
		for _, want := range []string{"ACME · Acme Trading Ltd", "Fixed £500.00/month, invoiced in advance on the last day of the month",
			"£500.00 a month from 1 Jun 2026", "Before: £450.00 from 1 Jan 2026", "15 Jan 2026 to 31 Dec 2026", "Bookkeeping",
			"Jane Smith\naccounts@acme.example\nAcme Trading Ltd\n1 High Street\nLeeds LS1 1AA"} {
			if !strings.Contains(got, want) {
				t.Errorf("client detail lacks %q:\n%s", want, got)
			}
		}
		if strings.Contains(got, "client.edit.") {
			t.Errorf("staff's client detail has an Edit button")
		}
		h.command(adminID, "clients add")
		h.interact(submission(adminID, admin.CallbackClient, "{}", clientValues("BAKER", "Baker & Sons", "", "", "hourly")))
		h.settle()
		got = messageStrings(t, h.command(staffID, "clients"))
		if !strings.Contains(got, "Fixed £500.00/month from 1 Jun 2026, in advance, retainer 15 Jan 2026 to 31 Dec 2026") {
			t.Errorf("client list lacks the fee's date and the retainer:\n%s", got)
		}

		// The retainer's end can be taken away again.
		open := clientBilling(map[string]any{"monthly_fee": textVal("500"), "fee_from": "", "retainer_clear": checkedVal(admin.ClientClearEnd)})
		if errs := responseErrors(t, h.interact(submission(adminID, admin.CallbackClient, meta.Meta, open))); errs != nil {
			t.Fatalf("clearing the end refused: %v", errs)
		}
		h.settle()
		if got := readClientBilling(t, h); got.end != "" || got.start != "2026-01-15" {
			t.Fatalf("after clearing the end: %+v", got)
		}
	})
}

// billingValues is a valid billing settings modal state, with some fields
// replaced; "" leaves a field unset.
func billingValues(over map[string]string) map[string]any {
	v := map[string]string{
		"vat_registered": "yes", "vat_number": "gb 123 4567 89", "reduced_vat_rate": "5", "postal_address": "Ledgerline\n2 Mill Lane\nYork YO1 7HH",
		"vat_rounding": "line", "line_grouping": "entry", "billing_channel": "C0BILLING", "billing_run_day": "3", "billing_channel_off": "",
	}
	for k, x := range over {
		v[k] = x
	}
	radio := func(val string) map[string]any {
		return map[string]any{"x": map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": val}}}
	}
	out := map[string]any{
		"vat_registered": checkedVal(), "billing_channel_off": checkedVal(),
		"vat_rounding": radio(v["vat_rounding"]), "line_grouping": radio(v["line_grouping"]),
	}
	if v["vat_registered"] != "" {
		out["vat_registered"] = checkedVal(v["vat_registered"])
	}
	if v["billing_channel_off"] != "" {
		out["billing_channel_off"] = checkedVal(v["billing_channel_off"])
	}
	if v["billing_channel"] != "" {
		out["billing_channel"] = map[string]any{"x": map[string]any{"type": "conversations_select", "selected_conversation": v["billing_channel"]}}
	}
	for _, k := range []string{"vat_number", "reduced_vat_rate", "postal_address", "billing_run_day"} {
		out[k] = textVal(v[k])
	}
	return out
}

type billingRow struct {
	registered               bool
	number, reduced, address string
	rounding, grouping       string
	channel                  string
	day                      int
}

func readBilling(t *testing.T, h *harness) billingRow {
	t.Helper()
	var b billingRow
	err := h.pool.QueryRow(context.Background(), `SELECT vat_registered, coalesce(vat_number, ''), reduced_vat_rate::text, postal_address,
		vat_rounding, line_grouping, coalesce(billing_channel, ''), billing_run_day FROM practices`).
		Scan(&b.registered, &b.number, &b.reduced, &b.address, &b.rounding, &b.grouping, &b.channel, &b.day)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBillingSettingsJourney: an admin opens the billing settings from the
// settings message, has every bad value sent back to its field with
// nothing saved, saves good ones that everyone then sees, and turns the
// billing channel off; staff may not open the form.
func TestBillingSettingsJourney(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode, settingsClock)
		h.command(adminID, "team add <@"+staffID+"> staff")
		defaults := readBilling(t, h)
		if defaults != (billingRow{reduced: "5.00", rounding: "invoice", grouping: "service", day: 1}) {
			t.Fatalf("defaults: %+v", defaults)
		}

		got := messageStrings(t, h.command(adminID, "settings"))
		for _, want := range []string{"Billing", "Not registered: invoices show no VAT", "5.00%", "rounded down to the penny",
			"Hourly drafts on the 1st of each month", admin.ActionBillingSettingsEdit, "Change billing settings"} {
			if !strings.Contains(got, want) {
				t.Errorf("admin's /atlas settings lacks %q:\n%s", want, got)
			}
		}
		click := buttonClick(h, adminID, admin.ActionBillingSettingsEdit, "billing")
		h.interact(click)
		open := h.fake.WaitForCall(t, "views.open", nil)
		if open.Param("trigger_id") != click["trigger_id"] || !strings.Contains(open.Param("view"), `"callback_id":"settings.billing.modal"`) ||
			!strings.Contains(open.Param("view"), "The standard VAT rate (20.00%)") {
			t.Fatalf("views.open: trigger %q, view %s", open.Param("trigger_id"), open.Param("view"))
		}
		if got := ackText(t, h.command(staffID, "settings billing")); !strings.Contains(got, "Only admins can change the settings") {
			t.Fatalf("staff's /atlas settings billing: %s", got)
		}

		// Every bad value goes back to its own field at once.
		ack := h.interact(submission(adminID, admin.CallbackBillingSettings, "", billingValues(map[string]string{
			"vat_number": "", "reduced_vat_rate": "-1", "postal_address": "", "billing_run_day": "29",
		})))
		errs := responseErrors(t, ack)
		for field, want := range map[string]string{
			"vat_number":       "A VAT-registered practice prints its VAT number on every VAT invoice",
			"reduced_vat_rate": `"-1" is not a VAT rate. Give the reduced rate as a percentage from 0 to 99.99`,
			"postal_address":   "A VAT invoice must show the practice's address",
			"billing_run_day":  `"29" is not a day for the billing run. Give a day of the month from 1 to 28`,
		} {
			if !strings.Contains(errs[field], want) {
				t.Errorf("error on %s = %q, want %q (all: %s)", field, errs[field], want, ack)
			}
		}
		if len(errs) != 4 {
			t.Errorf("errors on %d fields, want 4: %v", len(errs), errs)
		}
		if now := readBilling(t, h); now != defaults {
			t.Fatalf("a rejected submission changed the practice: %+v", now)
		}
		if n := countRows(t, h, `SELECT count(*) FROM audit_events WHERE action = 'practice.billing_settings'`); n != 0 {
			t.Fatalf("a rejected submission was audited (%d)", n)
		}

		ack = h.interact(submission(adminID, admin.CallbackBillingSettings, "", billingValues(nil)))
		if !emptyAck(ack) {
			t.Fatalf("a valid submission should close the modal with an empty ack, got %s", ack)
		}
		h.settle()
		want := billingRow{registered: true, number: "GB 123 4567 89", reduced: "5.00", address: "Ledgerline\n2 Mill Lane\nYork YO1 7HH",
			rounding: "line", grouping: "entry", channel: "C0BILLING", day: 3}
		if got := readBilling(t, h); got != want {
			t.Fatalf("saved %+v, want %+v", got, want)
		}
		dm := h.fake.WaitForCall(t, "chat.postMessage", func(c slackfake.Call) bool {
			return c.Param("channel") == slackfake.DMChannelID(adminID) && strings.Contains(c.Param("text"), "Settings saved")
		})
		for _, want := range []string{"VAT-registered: no → *yes*", "VAT number: none → *GB 123 4567 89*", "VAT rounding: per invoice → *per line*",
			"Invoice lines: by service → *per entry*", "Billing channel: off → *<#C0BILLING>*", "Billing run day: day 1 → *day 3*"} {
			if !strings.Contains(dm.Param("text"), want) {
				t.Errorf("summary lacks %q:\n%s", want, dm.Param("text"))
			}
		}

		got = messageStrings(t, h.command(staffID, "settings"))
		for _, want := range []string{"Registered, VAT number GB 123 4567 89", "half up", "each time entry on its own line", "<#C0BILLING>",
			"Hourly drafts on the 3rd of each month", "Ledgerline\n2 Mill Lane\nYork YO1 7HH"} {
			if !strings.Contains(got, want) {
				t.Errorf("staff's /atlas settings lacks %q:\n%s", want, got)
			}
		}
		if strings.Contains(got, admin.ActionBillingSettingsEdit) {
			t.Errorf("staff's /atlas settings has the Change billing settings button")
		}

		// The command opens the form with the saved values, and the channel
		// can be turned off.
		h.command(adminID, "settings billing")
		h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool {
			return c.Seq > open.Seq && strings.Contains(c.Param("view"), `"initial_conversation":"C0BILLING"`) &&
				strings.Contains(c.Param("view"), admin.BillingChannelOff)
		})
		h.interact(submission(adminID, admin.CallbackBillingSettings, "", billingValues(map[string]string{"billing_channel_off": "off"})))
		h.settle()
		if got := readBilling(t, h); got.channel != "" || !got.registered {
			t.Fatalf("channel still set: %+v", got)
		}
	})
}

// TestServicesVATAndBillable: services take a VAT treatment and can be
// non-billable from the command line, and the list says so.
func TestServicesVATAndBillable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "http")
	h.command(adminID, "team add <@"+staffID+"> staff")
	got := ackText(t, h.command(adminID, "services add CHFEE Companies House fees vat:outside"))
	if !strings.Contains(got, "Service `CHFEE` Companies House fees saved. VAT: outside the scope of vat.") {
		t.Fatalf("outside the scope: %s", got)
	}
	got = ackText(t, h.command(adminID, "services add TRAIN Internal training non-billable"))
	if !strings.Contains(got, "Its time is never invoiced.") {
		t.Fatalf("non-billable: %s", got)
	}
	got = ackText(t, h.command(adminID, "services add BK Bookkeeping non-billable vat:5% retainer"))
	if !strings.Contains(got, "VAT: reduced rate.") || !strings.Contains(got, "retainers cover it") || !strings.Contains(got, "never invoiced") {
		t.Fatalf("three flags: %s", got)
	}
	got = ackText(t, h.command(adminID, "services add BK Bookkeeping retainer"))
	if !strings.Contains(got, "VAT: standard rated.") || strings.Contains(got, "never invoiced") {
		t.Fatalf("saying it again resets the flags: %s", got)
	}
	got = ackText(t, h.command(adminID, "services add X Something vat:lots"))
	if !strings.Contains(got, "`vat:lots` is not a VAT treatment. Write `vat:standard`, `vat:reduced`, `vat:zero`, `vat:exempt` or `vat:outside`") {
		t.Fatalf("unknown treatment: %s", got)
	}
	if n := countRows(t, h, `SELECT count(*) FROM services WHERE code = 'X'`); n != 0 {
		t.Fatalf("a refused service was saved")
	}
	got = ackText(t, h.command(staffID, "services"))
	for _, want := range []string{"`BK` Bookkeeping · covered by retainers", "`CHFEE` Companies House fees · outside the scope of vat",
		"`TRAIN` Internal training · non-billable"} {
		if !strings.Contains(got, want) {
			t.Errorf("services list lacks %q:\n%s", want, got)
		}
	}
	got = messageStrings(t, h.command(adminID, "services add help"))
	for _, want := range []string{"vat:zero|reduced|exempt|outside", "`non-billable`: time on it is never invoiced", "outside the scope of VAT"} {
		if !strings.Contains(got, want) {
			t.Errorf("services add help lacks %q:\n%s", want, got)
		}
	}
}
