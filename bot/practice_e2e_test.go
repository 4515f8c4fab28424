package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/slackfake"
)

func textVal(v string) map[string]any {
	return map[string]any{"x": map[string]any{"type": "plain_text_input", "value": v}}
}

func selectVal(v string) map[string]any {
	return map[string]any{"x": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": v}}}
}

func submission(user, callback, meta string, values map[string]any) map[string]any {
	return map[string]any{
		"type": "view_submission",
		"user": map[string]any{"id": user},
		"view": map[string]any{"id": "V1", "type": "modal", "callback_id": callback, "private_metadata": meta,
			"state": map[string]any{"values": values}},
	}
}

func clientValues(code, name, email, fee, billing string) map[string]any {
	return map[string]any{
		"code": textVal(code), "entity_name": textVal(name), "aliases": textVal("Acme, ACT"),
		"entity_type": selectVal("limited_company"), "billing_type": selectVal(billing),
		"monthly_fee": textVal(fee), "invoice_timing": selectVal("advance"), "invoice_day": textVal("1"),
		"payment_terms": textVal(""), "billing_email": textVal(email),
	}
}

func responseErrors(t *testing.T, ack json.RawMessage) map[string]string {
	t.Helper()
	var resp struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	_ = json.Unmarshal(ack, &resp)
	if resp.ResponseAction != "errors" {
		return nil
	}
	return resp.Errors
}

// TestClientAndRateJourney: an admin adds a client through the modal, finds
// it by a fuzzy name, a partner sets a client-specific rate, and /atlas
// rates explains it.
func TestClientAndRateJourney(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode)
		ctx := context.Background()
		h.command(adminID, "team add <@"+staffID+"> staff")
		h.fake.AddUser("UPART01", "pat", "Pat Partner", "pat@example.com")
		h.command(adminID, "team add <@UPART01> partner")
		h.command(adminID, "services add PAYROLL Payroll")

		// The add-client modal opens from the command.
		h.command(adminID, "clients add")
		open := h.fake.WaitForCall(t, "views.open", nil)
		if !strings.Contains(open.Param("view"), `"callback_id":"client.modal"`) {
			t.Fatalf("client modal: %s", open.Param("view"))
		}
		// Bad input goes back to its field and saves nothing.
		if errs := responseErrors(t, h.interact(submission(adminID, "client.modal", "{}", clientValues("ACME", "Acme Trading Ltd", "not-an-email", "", "hourly")))); !strings.Contains(errs["billing_email"], "not an email") {
			t.Fatalf("malformed email: %v", errs)
		}
		if errs := responseErrors(t, h.interact(submission(adminID, "client.modal", "{}", clientValues("ACME", "Acme Trading Ltd", "", "", "fixed")))); !strings.Contains(errs["monthly_fee"], "needs its monthly fee") {
			t.Fatalf("fixed fee without a fee: %v", errs)
		}
		ack := h.interact(submission(adminID, "client.modal", "{}", clientValues("ACME", "Acme Trading Ltd", "accounts@acme.example", "450", "fixed")))
		if errs := responseErrors(t, ack); errs != nil {
			t.Fatalf("valid client refused: %v", errs)
		}
		h.settle()
		// A second client with the same code is refused on the code field.
		if errs := responseErrors(t, h.interact(submission(adminID, "client.modal", "{}", clientValues("acme", "Another Acme", "", "", "hourly")))); !strings.Contains(errs["code"], "already has the code ACME") {
			t.Fatalf("duplicate code: %v", errs)
		}
		var n int
		if err := h.pool.QueryRow(ctx, "SELECT count(*) FROM entities").Scan(&n); err != nil || n != 1 {
			t.Fatalf("clients stored: %d (%v), want 1", n, err)
		}

		// Found by a fuzzy name, by anyone on the team.
		got := ackText(t, h.command(staffID, "clients acme trad"))
		if !strings.Contains(got, "ACME") || !strings.Contains(got, "Acme Trading Ltd") || !strings.Contains(got, "Fixed £450.00/month") {
			t.Fatalf("fuzzy search: %s", got)
		}
		got = ackText(t, h.command(staffID, "clients akme tradin"))
		if !strings.Contains(got, "Acme Trading Ltd") {
			t.Fatalf("misspelt search: %s", got)
		}

		// Staff may not set rates; nothing opens.
		got = ackText(t, h.command(staffID, "rates set"))
		if !strings.Contains(got, "Only partners and admins can set or end rates") {
			t.Fatalf("staff setting rates: %s", got)
		}
		// The partner sets a default and a client rate through the modal.
		h.command("UPART01", "rates set")
		opened := h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool { return strings.Contains(c.Param("view"), "rate.modal") })
		var view struct {
			Meta string `json:"private_metadata"`
		}
		if err := json.Unmarshal([]byte(opened.Param("view")), &view); err != nil {
			t.Fatal(err)
		}
		rateValues := func(client, amount, from, action string) map[string]any {
			v := map[string]any{
				"rate_amount": textVal(amount),
				"rate_from":   map[string]any{"x": map[string]any{"type": "datepicker", "selected_date": from}},
				"rate_action": map[string]any{"x": map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": action}}},
			}
			if client != "" {
				v["rate_client"] = map[string]any{"x": map[string]any{"type": "external_select", "selected_option": map[string]any{"value": client}}}
			}
			return v
		}
		if errs := responseErrors(t, h.interact(submission("UPART01", "rate.modal", "", rateValues("", "-80", "2026-01-01", "set")))); !strings.Contains(errs["rate_amount"], "not an hourly rate") {
			t.Fatalf("negative rate: %v", errs)
		}
		if errs := responseErrors(t, h.interact(submission("UPART01", "rate.modal", "", rateValues("", "eighty", "2026-01-01", "set")))); !strings.Contains(errs["rate_amount"], "not an hourly rate") {
			t.Fatalf("non-numeric rate: %v", errs)
		}
		h.interact(submission("UPART01", "rate.modal", "", rateValues("", "80", "2026-01-01", "set")))
		var acmeID string
		_ = h.pool.QueryRow(ctx, "SELECT id::text FROM entities WHERE code = 'ACME'").Scan(&acmeID)
		// Submitted as Slack sends it back, with the view's own metadata: the
		// confirmation is said where the form was opened, not by DM.
		h.interact(submission("UPART01", "rate.modal", view.Meta, rateValues(acmeID, "95", "2026-04-01", "set")))
		h.settle()
		h.fake.WaitForCall(t, "chat.postEphemeral", func(c slackfake.Call) bool {
			return c.Param("channel") == "C0GENERAL" && c.Param("user") == "UPART01" &&
				strings.Contains(c.Param("text"), "£95.00/h* for Acme Trading Ltd from 2026-04-01")
		})

		got = ackText(t, h.command(staffID, "rates acme payroll"))
		if !strings.Contains(got, "£95.00/h* — Acme Trading Ltd, since 2026-04-01") || !strings.Contains(got, "client rate") {
			t.Fatalf("rates explanation: %s", got)
		}
		got = ackText(t, h.command(staffID, "rates"))
		if !strings.Contains(got, "£80.00/h* — practice default, since 2026-01-01") {
			t.Fatalf("default rate explanation: %s", got)
		}
		got = ackText(t, h.command(staffID, "rates help"))
		if !strings.Contains(got, "1. client × service × person") {
			t.Fatalf("rates help: %s", got)
		}

		// The type-ahead finds the client for the rate form's select.
		opts := h.interact(map[string]any{"type": "block_suggestion", "user": map[string]any{"id": adminID},
			"action_id": "client.search", "block_id": "rate_client", "value": "acm"})
		if !strings.Contains(string(opts), "ACME · Acme Trading Ltd") {
			t.Fatalf("type-ahead: %s", opts)
		}

		// An archived client is refused by name.
		h.command(adminID, "clients archive ACME")
		got = ackText(t, h.command(staffID, "rates acme"))
		if !strings.Contains(got, "is archived") {
			t.Fatalf("archived client: %s", got)
		}
	})
}
