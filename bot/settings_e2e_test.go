package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/admin"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// settingsClock fixes "now" so the example invoice number is predictable.
func settingsClock(rt *slackapp.Router) {
	rt.Clock = atlas.NewFixedClock(time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC))
}

// settingsValues is a valid settings modal state, with some fields
// replaced; an empty replacement leaves an optional field unset.
func settingsValues(over map[string]string) map[string]any {
	v := map[string]string{
		"name": "Ledgerline", "timezone": "Europe/Dublin", "currency": "eur", "vat_rate": "23",
		"rounding_increment": "15", "rounding_mode": "nearest", "timer_reminder_hours": "8",
		"invoice_number_format": "LL/{YY}{MM}/{SEQ:5}", "next_invoice_number": "120", "payment_terms_days": "30",
		"digest_channel": "C0DIGEST", "digest_time": "07:30", "preparer_may_review": "yes", "digest_off": "",
	}
	for k, x := range over {
		v[k] = x
	}
	checked := func(val string) map[string]any {
		opts := []any{}
		if val != "" {
			opts = append(opts, map[string]any{"value": val})
		}
		return map[string]any{"x": map[string]any{"type": "checkboxes", "selected_options": opts}}
	}
	out := map[string]any{
		"timezone":            selectVal(v["timezone"]),
		"rounding_mode":       map[string]any{"x": map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": v["rounding_mode"]}}},
		"digest_time":         map[string]any{"x": map[string]any{"type": "timepicker", "selected_time": v["digest_time"]}},
		"preparer_may_review": checked(v["preparer_may_review"]),
		"digest_off":          checked(v["digest_off"]),
	}
	if v["digest_channel"] != "" {
		out["digest_channel"] = map[string]any{"x": map[string]any{"type": "conversations_select", "selected_conversation": v["digest_channel"]}}
	}
	for _, k := range []string{"name", "currency", "vat_rate", "rounding_increment", "timer_reminder_hours",
		"invoice_number_format", "next_invoice_number", "payment_terms_days"} {
		out[k] = textVal(v[k])
	}
	return out
}

// messageStrings collects every string in an acknowledgement or message
// (its text and every text in its blocks), decoded, for assertions.
func messageStrings(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("not JSON: %s", raw)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x)
			b.WriteByte('\n')
		case []any:
			for _, i := range x {
				walk(i)
			}
		case map[string]any:
			for _, i := range x {
				walk(i)
			}
		}
	}
	walk(doc)
	return b.String()
}

// buttonClick is a click on a button in a message Atlas posted in #general.
func buttonClick(h *harness, user, actionID, value string) map[string]any {
	return map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": user},
		"trigger_id":   fmt.Sprintf("trig-click-%d", time.Now().UnixNano()),
		"channel":      map[string]any{"id": "C0GENERAL"},
		"container":    map[string]any{"type": "message", "channel_id": "C0GENERAL", "message_ts": "1.000001"},
		"message":      map[string]any{"ts": "1.000001", "text": "list"},
		"response_url": h.fake.URL() + "/response/click-" + user + "-" + actionID,
		"actions":      []any{map[string]any{"type": "button", "action_id": actionID, "block_id": "b", "value": value}},
	}
}

type practiceRow struct {
	name, tz, currency, vat, mode, format, digest, digestAt string
	increment, terms, reminder                              int
	review                                                  bool
}

func readPractice(t *testing.T, h *harness) practiceRow {
	t.Helper()
	var p practiceRow
	err := h.pool.QueryRow(context.Background(), `SELECT name, timezone, currency, vat_rate::text, rounding_mode, invoice_number_format,
		coalesce(digest_channel, ''), to_char(digest_time, 'HH24:MI'), rounding_increment, payment_terms_days, timer_reminder_hours, preparer_may_review
		FROM practices`).Scan(&p.name, &p.tz, &p.currency, &p.vat, &p.mode, &p.format, &p.digest, &p.digestAt,
		&p.increment, &p.terms, &p.reminder, &p.review)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func countRows(t *testing.T, h *harness, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := h.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSettingsModalJourney: an admin opens the settings modal from the
// button on /atlas settings, has bad values sent back to their fields with
// nothing saved, then saves good ones, which everyone then sees.
func TestSettingsModalJourney(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode, settingsClock)
		h.command(adminID, "team add <@"+staffID+"> staff")
		defaults := readPractice(t, h)

		got := messageStrings(t, h.command(adminID, "settings"))
		for _, want := range []string{"Practice settings", "Europe/London", "20.00%", "up to 6-minute increments",
			"INV-{YYYY}-{SEQ:4}", "INV-2026-0001", "14 days", admin.ActionSettingsEdit, "Change settings"} {
			if !strings.Contains(got, want) {
				t.Errorf("admin's /atlas settings lacks %q:\n%s", want, got)
			}
		}

		// The button opens the modal on its trigger, filled in.
		click := buttonClick(h, adminID, admin.ActionSettingsEdit, "edit")
		h.interact(click)
		open := h.fake.WaitForCall(t, "views.open", nil)
		view := open.Param("view")
		if open.Param("trigger_id") != click["trigger_id"] || !strings.Contains(view, `"callback_id":"settings.modal"`) {
			t.Fatalf("views.open: trigger %q, view %s", open.Param("trigger_id"), view)
		}
		for _, want := range []string{`"initial_value":"INV-{YYYY}-{SEQ:4}"`, `"initial_value":"1"`, `"initial_time":"08:00"`,
			`"value":"Europe/London"`, "The next invoice will be INV-2026-0001."} {
			if !strings.Contains(view, want) {
				t.Errorf("settings modal lacks %s:\n%s", want, view)
			}
		}

		// Every bad value goes back to its own field at once; nothing is saved.
		ack := h.interact(submission(adminID, admin.CallbackSettings, "", settingsValues(map[string]string{
			"timezone": "Mars/Olympus", "vat_rate": "-1", "rounding_increment": "0", "invoice_number_format": "INV-{YYYY}",
		})))
		errs := responseErrors(t, ack)
		for field, want := range map[string]string{
			"timezone":              `"Mars/Olympus" is not a timezone`,
			"vat_rate":              `"-1" is not a VAT rate`,
			"rounding_increment":    "from 1 to 60",
			"invoice_number_format": "has no {SEQ}",
		} {
			if !strings.Contains(errs[field], want) {
				t.Errorf("error on %s = %q, want %q (all: %s)", field, errs[field], want, ack)
			}
		}
		if len(errs) != 4 {
			t.Errorf("errors on %d fields, want 4: %v", len(errs), errs)
		}
		if now := readPractice(t, h); now != defaults {
			t.Fatalf("a rejected submission changed the practice: %+v, was %+v", now, defaults)
		}
		if n := countRows(t, h, `SELECT count(*) FROM invoice_counters`); n != 0 {
			t.Fatalf("a rejected submission set the invoice counter (%d rows)", n)
		}
		if n := countRows(t, h, `SELECT count(*) FROM audit_events WHERE action = 'practice.settings'`); n != 0 {
			t.Fatalf("a rejected submission was audited (%d)", n)
		}

		// Good values close the modal and are saved, with one audit event.
		ack = h.interact(submission(adminID, admin.CallbackSettings, "", settingsValues(nil)))
		if !emptyAck(ack) {
			t.Fatalf("a valid submission should close the modal with an empty ack, got %s", ack)
		}
		h.settle()
		want := practiceRow{name: "Ledgerline", tz: "Europe/Dublin", currency: "EUR", vat: "23.00", mode: "nearest",
			format: "LL/{YY}{MM}/{SEQ:5}", digest: "C0DIGEST", digestAt: "07:30", increment: 15, terms: 30, reminder: 8, review: true}
		if got := readPractice(t, h); got != want {
			t.Fatalf("saved %+v, want %+v", got, want)
		}
		if n := countRows(t, h, `SELECT next_value FROM invoice_counters WHERE series = 'default'`); n != 120 {
			t.Fatalf("next invoice number %d, want 120", n)
		}
		if n := countRows(t, h, `SELECT count(*) FROM audit_events WHERE action = 'practice.settings'`); n != 1 {
			t.Fatalf("%d audit events, want 1", n)
		}
		dm := h.fake.WaitForCall(t, "chat.postMessage", func(c slackfake.Call) bool {
			return c.Param("channel") == slackfake.DMChannelID(adminID) && strings.Contains(c.Param("text"), "Settings saved for Ledgerline")
		})
		for _, want := range []string{"Timezone: Europe/London → *Europe/Dublin*", "VAT rate: 20.00% → *23.00%*",
			"Next invoice number: 1 → *120*", "Digest channel: off → *<#C0DIGEST>*", "Preparer may review: no → *yes*"} {
			if !strings.Contains(dm.Param("text"), want) {
				t.Errorf("summary lacks %q:\n%s", want, dm.Param("text"))
			}
		}

		// Everyone sees the new settings; only admins get the button.
		got = messageStrings(t, h.command(staffID, "settings"))
		for _, want := range []string{"Europe/Dublin", "EUR", "23.00%", "to the nearest 15 minutes", "A reminder after 8 hours",
			"LL/{YY}{MM}/{SEQ:5}", "LL/2603/00120", "30 days", "<#C0DIGEST> at 07:30", "A task's preparer may also review it",
			"Only admins change the settings"} {
			if !strings.Contains(got, want) {
				t.Errorf("staff's /atlas settings lacks %q:\n%s", want, got)
			}
		}
		if strings.Contains(got, admin.ActionSettingsEdit) {
			t.Errorf("staff's /atlas settings has the Change settings button:\n%s", got)
		}

		// The digest can be turned off again, and the basics modal still works.
		h.interact(submission(adminID, admin.CallbackSettings, "", settingsValues(map[string]string{"digest_off": "off", "next_invoice_number": "7"})))
		h.settle()
		if got := readPractice(t, h); got.digest != "" {
			t.Fatalf("digest still on: %+v", got)
		}
		if n := countRows(t, h, `SELECT next_value FROM invoice_counters WHERE series = 'default'`); n != 7 {
			t.Fatalf("with no numbered invoice the next number may go down: %d, want 7", n)
		}
		h.interact(setupSubmission("Ledgerline Two", "Europe/London", "GBP", "20"))
		h.settle()
		if got := readPractice(t, h); got.name != "Ledgerline Two" || got.format != "LL/{YY}{MM}/{SEQ:5}" || got.increment != 15 {
			t.Fatalf("set-up after settings: %+v", got)
		}

		// /atlas settings edit opens the modal with the saved values.
		h.command(adminID, "settings edit")
		h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool {
			return c.Seq > open.Seq && strings.Contains(c.Param("view"), `"initial_value":"LL/{YY}{MM}/{SEQ:5}"`) &&
				strings.Contains(c.Param("view"), "The next invoice will be LL/2603/00007.")
		})
		if got := ackText(t, h.command(adminID, "settings frobnicate")); !strings.Contains(got, "does not know `/atlas settings frobnicate`") {
			t.Fatalf("unknown settings subcommand: %s", got)
		}
	})
}

// TestSettingsRefusedToStaff: a staff member can neither open the settings
// modal nor submit it, and nothing changes.
func TestSettingsRefusedToStaff(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode, settingsClock)
		h.command(adminID, "team add <@"+staffID+"> staff")
		before := readPractice(t, h)

		h.interact(buttonClick(h, staffID, admin.ActionSettingsEdit, "edit"))
		h.fake.WaitForResponse(t, func(p slackfake.ResponsePost) bool {
			return strings.Contains(p.Params["text"], "needs the Admin role") && strings.Contains(p.Params["text"], "your role is Staff")
		})
		if got := ackText(t, h.command(staffID, "settings edit")); !strings.Contains(got, "Only admins can change the settings") {
			t.Fatalf("staff's /atlas settings edit: %s", got)
		}

		ack := h.interact(submission(staffID, admin.CallbackSettings, "", settingsValues(nil)))
		if errs := responseErrors(t, ack); errs != nil {
			t.Fatalf("a refused submission should close quietly, got errors %v", errs)
		}
		h.fake.WaitForCall(t, "chat.postMessage", func(c slackfake.Call) bool {
			return c.Param("channel") == slackfake.DMChannelID(staffID) && strings.Contains(c.Param("text"), "needs the Admin role")
		})
		h.settle()
		if n := len(h.fake.Calls("views.open")); n != 0 {
			t.Fatalf("staff opened %d modals", n)
		}
		if now := readPractice(t, h); now != before {
			t.Fatalf("staff changed the settings: %+v, was %+v", now, before)
		}
		if n := countRows(t, h, `SELECT count(*) FROM invoice_counters`) + countRows(t, h, `SELECT count(*) FROM audit_events WHERE action = 'practice.settings'`); n != 0 {
			t.Fatalf("staff's submission left %d counter rows and audit events", n)
		}
	})
}

// TestBlockIDsMatchFields: the modals' block ids are the store's field
// names, so an error from the store lands on the field it is about.
func TestBlockIDsMatchFields(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{
		{admin.SettingsName, practice.FieldName}, {admin.SettingsTimezone, practice.FieldTimezone},
		{admin.SettingsCurrency, practice.FieldCurrency}, {admin.SettingsVATRate, practice.FieldVATRate},
		{admin.SettingsRoundingIncrement, practice.FieldRoundingIncrement}, {admin.SettingsRoundingMode, practice.FieldRoundingMode},
		{admin.SettingsTimerReminder, practice.FieldTimerReminder}, {admin.SettingsInvoiceFormat, practice.FieldInvoiceFormat},
		{admin.SettingsNextInvoiceNumber, practice.FieldNextInvoiceNumber}, {admin.SettingsPaymentTermsDays, practice.FieldPaymentTermsDays},
		{admin.SettingsDigestChannel, practice.FieldDigestChannel}, {admin.SettingsDigestTime, practice.FieldDigestTime},
		{admin.SettingsPreparerReview, practice.FieldPreparerReview},
		{admin.TeamMemberRole, practice.FieldMemberRole}, {admin.TeamMemberCapacity, practice.FieldMemberCapacity},
		{admin.TeamMemberActive, practice.FieldMemberActive},
		{admin.BillingVATRegistered, practice.FieldVATRegistered}, {admin.BillingVATNumber, practice.FieldVATNumber},
		{admin.BillingReducedVATRate, practice.FieldReducedVATRate}, {admin.BillingPostalAddress, practice.FieldPostalAddress},
		{admin.BillingVATRounding, practice.FieldVATRounding}, {admin.BillingLineGrouping, practice.FieldLineGrouping},
		{admin.BillingChannel, practice.FieldBillingChannel}, {admin.BillingRunDay, practice.FieldBillingRunDay},
		{admin.ClientCode, practice.FieldCode}, {admin.ClientName, practice.FieldEntityName}, {admin.ClientAliases, practice.FieldAliases},
		{admin.ClientEntityType, practice.FieldEntityType}, {admin.ClientBillingType, practice.FieldBillingType},
		{admin.ClientMonthlyFee, practice.FieldMonthlyFee}, {admin.ClientFeeFrom, practice.FieldFeeFrom},
		{admin.ClientInvoiceTiming, practice.FieldInvoiceTiming}, {admin.ClientInvoiceDay, practice.FieldInvoiceDay},
		{admin.ClientTerms, practice.FieldTerms}, {admin.ClientRetainerStart, practice.FieldRetainerStart},
		{admin.ClientRetainerEnd, practice.FieldRetainerEnd}, {admin.ClientBillingContact, practice.FieldBillingContact},
		{admin.ClientBillingEmail, practice.FieldBillingEmail}, {admin.ClientBillingAddress, practice.FieldBillingAddress},
		{admin.ClientManager, practice.FieldManager}, {admin.ClientRetainer, practice.FieldRetainer},
	}
	for _, p := range pairs {
		if p[0] != p[1] {
			t.Errorf("block id %q does not match field %q", p[0], p[1])
		}
	}
}

func memberID(t *testing.T, h *harness, slackID string) int64 {
	t.Helper()
	var id int64
	if err := h.pool.QueryRow(context.Background(), `SELECT id FROM members WHERE slack_user_id = $1`, slackID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

type memberRow struct {
	role    string
	minutes int
	active  bool
}

func readMember(t *testing.T, h *harness, slackID string) memberRow {
	t.Helper()
	var m memberRow
	if err := h.pool.QueryRow(context.Background(), `SELECT role, weekly_capacity_minutes, active FROM members WHERE slack_user_id = $1`, slackID).
		Scan(&m.role, &m.minutes, &m.active); err != nil {
		t.Fatal(err)
	}
	return m
}

func teamMemberSubmission(user string, id int64, role, hours string, active bool) map[string]any {
	checked := []any{}
	if active {
		checked = append(checked, map[string]any{"value": admin.TeamMemberActiveValue})
	}
	return submission(user, admin.CallbackTeamMember, fmt.Sprintf(`{"id":%d}`, id), map[string]any{
		"member_role":     selectVal(role),
		"member_capacity": textVal(hours),
		"member_active":   map[string]any{"x": map[string]any{"type": "checkboxes", "selected_options": checked}},
	})
}

// TestTeamEditJourney: an admin changes a member's role and capacity from
// the list's Edit button or /atlas team edit; the last admin cannot step
// down; a deactivated member shows as inactive and loses access.
func TestTeamEditJourney(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode)
		h.command(adminID, "team add <@"+staffID+"> staff")
		staff := memberID(t, h, staffID)
		adminMember := memberID(t, h, adminID)

		// Admins get an Edit button on each row; staff do not.
		got := messageStrings(t, h.command(adminID, "team"))
		editStaff := fmt.Sprintf("%s%d", admin.ActionTeamEdit, staff)
		if !strings.Contains(got, editStaff) || !strings.Contains(got, "37.5 h/week") || !strings.Contains(got, "2 people") {
			t.Fatalf("admin's team list: %s", got)
		}
		if got := messageStrings(t, h.command(staffID, "team")); strings.Contains(got, admin.ActionTeamEdit) || !strings.Contains(got, "37.5 h/week") {
			t.Fatalf("staff's team list: %s", got)
		}

		// The button and the command both open the form for that person.
		h.interact(buttonClick(h, adminID, editStaff, staffID))
		open := h.fake.WaitForCall(t, "views.open", nil)
		meta := fmt.Sprintf(`"private_metadata":"origin:C0GENERAL|{\"id\":%d}"`, staff)
		if v := open.Param("view"); !strings.Contains(v, `"callback_id":"team.member.modal"`) || !strings.Contains(v, meta) ||
			!strings.Contains(v, `"initial_value":"37.5"`) || !strings.Contains(v, `"initial_option":{"text":{"type":"plain_text","text":"Staff"`) {
			t.Fatalf("team member modal from the button: %s", v)
		}
		h.command(adminID, "team edit <@"+staffID+"|sam>")
		h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool { return c.Seq > open.Seq && strings.Contains(c.Param("view"), meta) })

		// A bad capacity goes back to its field.
		if errs := responseErrors(t, h.interact(teamMemberSubmission(adminID, staff, "manager", "200", true))); !strings.Contains(errs["member_capacity"], "0 to 168") {
			t.Fatalf("capacity 200: %v", errs)
		}
		if m := readMember(t, h, staffID); m != (memberRow{"staff", 2250, true}) {
			t.Fatalf("a rejected edit changed the member: %+v", m)
		}

		// A good one saves, audits and tells the admin.
		ack := h.interact(teamMemberSubmission(adminID, staff, "manager", "30.5", true))
		if errs := responseErrors(t, ack); errs != nil {
			t.Fatalf("valid edit refused: %v", errs)
		}
		h.settle()
		if m := readMember(t, h, staffID); m != (memberRow{"manager", 1830, true}) {
			t.Fatalf("saved %+v", m)
		}
		if n := countRows(t, h, `SELECT count(*) FROM audit_events WHERE action = 'member.update' AND subject_id = $1`, staff); n != 1 {
			t.Fatalf("%d audit events, want 1", n)
		}
		h.fake.WaitForCall(t, "chat.postMessage", func(c slackfake.Call) bool {
			return c.Param("channel") == slackfake.DMChannelID(adminID) && strings.Contains(c.Param("text"), "<@"+staffID+"> is now *Manager* · 30.5 h/week · active")
		})

		// The last admin can neither step down nor deactivate themselves.
		errs := responseErrors(t, h.interact(teamMemberSubmission(adminID, adminMember, "partner", "37.5", true)))
		if !strings.Contains(errs["member_role"], "You are the last active admin") {
			t.Fatalf("last admin stepping down: %v", errs)
		}
		errs = responseErrors(t, h.interact(teamMemberSubmission(adminID, adminMember, "admin", "37.5", false)))
		if !strings.Contains(errs["member_active"], "You are the last active admin") {
			t.Fatalf("last admin deactivating themselves: %v", errs)
		}
		if m := readMember(t, h, adminID); m != (memberRow{"admin", 2250, true}) {
			t.Fatalf("the last admin changed: %+v", m)
		}

		// Someone not on the team is named, with the way to add them.
		if got := ackText(t, h.command(adminID, "team edit <@"+strangerID+">")); !strings.Contains(got,
			"<@"+strangerID+"> is not on the team yet — add them with `/atlas team add @person role`.") {
			t.Fatalf("unknown person: %s", got)
		}

		// Deactivated, the manager is marked inactive and loses access.
		h.interact(teamMemberSubmission(adminID, staff, "manager", "30.5", false))
		h.settle()
		got = messageStrings(t, h.command(adminID, "team"))
		if !strings.Contains(got, "_inactive_") || !strings.Contains(got, "1 person · 1 inactive") {
			t.Fatalf("team list after deactivating: %s", got)
		}
		if got := ackText(t, h.command(staffID, "team")); !strings.Contains(got, "not on this practice's team") {
			t.Fatalf("a deactivated member still gets in: %s", got)
		}
	})
}

// TestTeamEditRefusedToStaff: staff cannot open or submit the team member
// form, and nothing changes.
func TestTeamEditRefusedToStaff(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode)
		h.command(adminID, "team add <@"+staffID+"> staff")
		adminMember := memberID(t, h, adminID)

		if got := ackText(t, h.command(staffID, "team edit <@"+adminID+">")); !strings.Contains(got, "Only admins can change people on the team") {
			t.Fatalf("staff's /atlas team edit: %s", got)
		}
		h.interact(buttonClick(h, staffID, fmt.Sprintf("%s%d", admin.ActionTeamEdit, adminMember), adminID))
		h.fake.WaitForResponse(t, func(p slackfake.ResponsePost) bool {
			return strings.Contains(p.Params["text"], "needs the Admin role")
		})
		ack := h.interact(teamMemberSubmission(staffID, adminMember, "staff", "1", false))
		if errs := responseErrors(t, ack); errs != nil {
			t.Fatalf("a refused submission should close quietly, got errors %v", errs)
		}
		h.fake.WaitForCall(t, "chat.postMessage", func(c slackfake.Call) bool {
			return c.Param("channel") == slackfake.DMChannelID(staffID) && strings.Contains(c.Param("text"), "needs the Admin role")
		})
		h.settle()
		if n := len(h.fake.Calls("views.open")); n != 0 {
			t.Fatalf("staff opened %d modals", n)
		}
		if m := readMember(t, h, adminID); m != (memberRow{"admin", 2250, true}) {
			t.Fatalf("staff changed the admin: %+v", m)
		}
		if n := countRows(t, h, `SELECT count(*) FROM audit_events WHERE action = 'member.update'`); n != 0 {
			t.Fatalf("%d member.update audit events, want 0", n)
		}
	})
}
