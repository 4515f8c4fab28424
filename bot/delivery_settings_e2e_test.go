package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/admin"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// deliveryValues is a valid delivery settings modal state, with some
// fields replaced.
func deliveryValues(over map[string]string) map[string]any {
	v := map[string]string{
		practice.FieldBankAccountName: "Ledgerline & Co Ltd", practice.FieldBankSortCode: "20 45 77",
		practice.FieldBankAccountNumber: "4321 8765", practice.FieldBankIBAN: "gb33 bukb 2045 7743 2187 65",
		practice.FieldBankBIC: "bukbgb22", practice.FieldInvoiceFromEmail: "accounts@ledgerline.example",
		practice.FieldInvoiceFromName: "Ledgerline Accounts", practice.FieldAutoSend: admin.DeliveryAutoSendValue,
	}
	for k, x := range over {
		v[k] = x
	}
	out := map[string]any{practice.FieldAutoSend: checkedVal()}
	if v[practice.FieldAutoSend] != "" {
		out[practice.FieldAutoSend] = checkedVal(v[practice.FieldAutoSend])
	}
	for k, x := range v {
		if k != practice.FieldAutoSend {
			out[k] = textVal(x)
		}
	}
	return out
}

type deliveryRow struct {
	name, sortCode, account, iban, bic, from, fromName string
	auto                                               bool
}

func readDelivery(t *testing.T, h *harness) deliveryRow {
	t.Helper()
	var d deliveryRow
	err := h.pool.QueryRow(context.Background(), `SELECT bank_account_name, bank_sort_code, bank_account_number, bank_iban, bank_bic,
		coalesce(invoice_from_email, ''), invoice_from_name, auto_send FROM practices`).
		Scan(&d.name, &d.sortCode, &d.account, &d.iban, &d.bic, &d.from, &d.fromName, &d.auto)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDeliverySettingsJourney: an admin opens the delivery settings with
// /atlas settings delivery, has a mistyped IBAN sent back to its field
// with nothing saved, saves good details that the settings then show and
// the form opens with again; staff may not open the form.
func TestDeliverySettingsJourney(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode, settingsClock)
		h.command(adminID, "team add <@"+staffID+"> staff")
		if got := readDelivery(t, h); got != (deliveryRow{}) {
			t.Fatalf("defaults: %+v", got)
		}

		got := messageStrings(t, h.command(adminID, "settings"))
		for _, want := range []string{"Delivery", "Bank details", "Atlas's own address", "Off: an approved invoice waits to be sent",
			admin.ActionDeliverySettingsEdit, "Change delivery settings"} {
			if !strings.Contains(got, want) {
				t.Errorf("admin's /atlas settings lacks %q:\n%s", want, got)
			}
		}
		if got := ackText(t, h.command(staffID, "settings delivery")); !strings.Contains(got, "Only admins can change the settings") {
			t.Fatalf("staff's /atlas settings delivery: %s", got)
		}

		h.command(adminID, "settings delivery")
		open := h.fake.WaitForCall(t, "views.open", nil)
		view := open.Param("view")
		for _, id := range []string{practice.FieldBankAccountName, practice.FieldBankSortCode, practice.FieldBankAccountNumber,
			practice.FieldBankIBAN, practice.FieldBankBIC, practice.FieldInvoiceFromEmail, practice.FieldInvoiceFromName, practice.FieldAutoSend} {
			if !strings.Contains(view, `"block_id":"`+id+`"`) {
				t.Errorf("delivery settings modal lacks the field %s", id)
			}
		}
		if !strings.Contains(view, `"callback_id":"`+admin.CallbackDeliverySettings+`"`) || !strings.Contains(view, "Send invoices by email as soon as they are approved") {
			t.Fatalf("views.open: %s", view)
		}

		// A mistyped IBAN goes back to its own field; nothing is saved.
		ack := h.interact(submission(adminID, admin.CallbackDeliverySettings, "", deliveryValues(map[string]string{
			practice.FieldBankIBAN: "GB33 BUKB 2045 7743 2178 65",
		})))
		errs := responseErrors(t, ack)
		if len(errs) != 1 || !strings.Contains(errs[practice.FieldBankIBAN], `"GB33 BUKB 2045 7743 2178 65" is not an IBAN: its check digits do not match`) {
			t.Fatalf("bad IBAN: errors %v (%s)", errs, ack)
		}
		if got := readDelivery(t, h); got != (deliveryRow{}) {
			t.Fatalf("a rejected submission changed the practice: %+v", got)
		}

		ack = h.interact(submission(adminID, admin.CallbackDeliverySettings, "", deliveryValues(nil)))
		if !emptyAck(ack) {
			t.Fatalf("a valid submission should close the modal with an empty ack, got %s", ack)
		}
		h.settle()
		want := deliveryRow{name: "Ledgerline & Co Ltd", sortCode: "20-45-77", account: "43218765", iban: "GB33BUKB20457743218765",
			bic: "BUKBGB22", from: "accounts@ledgerline.example", fromName: "Ledgerline Accounts", auto: true}
		if got := readDelivery(t, h); got != want {
			t.Fatalf("saved %+v, want %+v", got, want)
		}
		dm := h.fake.WaitForCall(t, "chat.postMessage", func(c slackfake.Call) bool {
			return c.Param("channel") == slackfake.DMChannelID(adminID) && strings.Contains(c.Param("text"), "Settings saved")
		})
		for _, want := range []string{"Sort code: none → *20-45-77*", "IBAN: none → *GB33 BUKB 2045 7743 2187 65*", "BIC: none → *BUKBGB22*",
			"Invoices sent from: none → *accounts@ledgerline.example*", "Send on approval: no → *yes*"} {
			if !strings.Contains(dm.Param("text"), want) {
				t.Errorf("summary lacks %q:\n%s", want, dm.Param("text"))
			}
		}

		got = messageStrings(t, h.command(staffID, "settings"))
		for _, want := range []string{"IBAN GB33 BUKB 2045 7743 2187 65", "Sort code 20-45-77 · account 43218765", "BIC BUKBGB22",
			"Ledgerline Accounts, accounts@ledgerline.example", "On: an approved invoice goes to the client by email at once"} {
			if !strings.Contains(got, want) {
				t.Errorf("staff's /atlas settings lacks %q:\n%s", want, got)
			}
		}

		// The settings' button opens the form with the saved values.
		h.interact(buttonClick(h, adminID, admin.ActionDeliverySettingsEdit, "delivery"))
		again := h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool { return c.Seq > open.Seq })
		for _, want := range []string{`"initial_value":"GB33 BUKB 2045 7743 2187 65"`, `"initial_value":"20-45-77"`, `"initial_value":"43218765"`,
			`"initial_value":"Ledgerline Accounts"`, `"initial_options":[{`} {
			if !strings.Contains(again.Param("view"), want) {
				t.Errorf("the reopened form lacks %s", want)
			}
		}
	})
}

// TestClientDeliveryForm: the client form takes copies of invoices and how
// the client takes them; the portal is refused on its field until it
// exists, and email with two copies is saved and shown again on edit.
func TestClientDeliveryForm(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode)
		h.command(adminID, "team add <@"+staffID+"> staff")
		radio := func(v string) map[string]any {
			return map[string]any{"x": map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": v}}}
		}

		h.command(adminID, "clients add")
		first := h.fake.WaitForCall(t, "views.open", nil)
		for _, want := range []string{`"block_id":"cc_emails"`, "Copies of invoices to", `"block_id":"delivery_method"`, `"type":"radio_buttons"`,
			`"initial_option":{"text":{"type":"plain_text","text":"Email","emoji":true},"value":"email"}`} {
			if !strings.Contains(first.Param("view"), want) {
				t.Errorf("client form lacks %s", want)
			}
		}

		email := clientBilling(map[string]any{"cc_emails": textVal("director@acme.example, books@acme.example"), "delivery_method": radio(practice.DeliveryEmail)})
		if errs := responseErrors(t, h.interact(submission(adminID, admin.CallbackClient, "{}", email))); errs != nil {
			t.Fatalf("email with two copies refused: %v", errs)
		}
		h.settle()
		var cc, method string
		if err := h.pool.QueryRow(context.Background(), `SELECT array_to_string(cc_emails, '|'), delivery_method FROM entities WHERE code = 'ACME'`).
			Scan(&cc, &method); err != nil {
			t.Fatal(err)
		}
		if cc != "director@acme.example|books@acme.example" || method != practice.DeliveryEmail {
			t.Fatalf("saved copies %q, delivery %q", cc, method)
		}

		// The edit form shows them; a bad copy comes back on its field.
		h.command(adminID, "clients edit ACME")
		edit := h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool { return c.Seq > first.Seq })
		if !strings.Contains(edit.Param("view"), `"initial_value":"director@acme.example, books@acme.example"`) {
			t.Errorf("edit form lacks the copies: %s", edit.Param("view"))
		}
		var meta struct {
			Meta string `json:"private_metadata"`
		}
		_ = json.Unmarshal([]byte(edit.Param("view")), &meta)
		bad := clientBilling(map[string]any{"cc_emails": textVal("director at acme"), "delivery_method": radio(practice.DeliveryEmail)})
		errs := responseErrors(t, h.interact(submission(adminID, admin.CallbackClient, meta.Meta, bad)))
		if len(errs) != 1 || !strings.Contains(errs[practice.FieldCCEmails], `"director" is not an email address`) {
			t.Fatalf("bad copy: errors %v", errs)
		}

		if got := messageStrings(t, h.command(staffID, "clients acme")); !strings.Contains(got, "Copies to director@acme.example, books@acme.example") {
			t.Errorf("client detail lacks the copies:\n%s", got)
		}
	})
}
