package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/admin"
	"github.com/atlas-practice/atlas/internal/reminders"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// readReminderSettings is the practice's reminder settings as stored.
func readReminderSettings(t *testing.T, h *harness) string {
	t.Helper()
	var s string
	if err := h.pool.QueryRow(context.Background(), `SELECT array_to_string(reminder_days, ',') || ' ' || late_interest || ' ' || base_rate
		FROM practices`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestReminderSettingsJourney: an admin opens the reminder settings with
// /atlas settings reminders, has steps out of order and a base rate of
// 100% sent back to their fields with nothing saved, saves good ones that
// the settings then show and the form opens with again; staff may not
// open the form.
func TestReminderSettingsJourney(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode, settingsClock)
		h.command(adminID, "team add <@"+staffID+"> staff")
		if got := readReminderSettings(t, h); got != "7,14,30 false 4.00" {
			t.Fatalf("defaults: %s", got)
		}
		got := messageStrings(t, h.command(adminID, "settings"))
		for _, want := range []string{"Overdue reminders", "Emailed 7, 14 and 30 days after the due date", "Off: reminders show the balance only",
			admin.ActionReminderSettingsEdit, "Change reminders"} {
			if !strings.Contains(got, want) {
				t.Errorf("admin's /atlas settings lacks %q:\n%s", want, got)
			}
		}
		if got := ackText(t, h.command(staffID, "settings reminders")); !strings.Contains(got, "Only admins can change the settings") {
			t.Fatalf("staff's /atlas settings reminders: %s", got)
		}

		h.command(adminID, "settings reminders")
		open := h.fake.WaitForCall(t, "views.open", nil)
		for _, want := range []string{`"callback_id":"` + admin.CallbackReminderSettings + `"`, `"initial_value":"7, 14, 30"`,
			`"initial_value":"4.00"`, `"block_id":"` + reminders.FieldLateInterest + `"`} {
			if !strings.Contains(open.Param("view"), want) {
				t.Errorf("reminder settings modal lacks %s", want)
			}
		}

		values := func(steps, rate string, late bool) map[string]any {
			v := map[string]any{reminders.FieldSteps: textVal(steps), reminders.FieldBaseRate: textVal(rate),
				reminders.FieldLateInterest: checkedVal()}
			if late {
				v[reminders.FieldLateInterest] = checkedVal(admin.ReminderLateInterestValue)
			}
			return v
		}
		errs := responseErrors(t, h.interact(submission(adminID, admin.CallbackReminderSettings, "", values("14, 7", "100", true))))
		if len(errs) != 2 || !strings.Contains(errs[reminders.FieldSteps], "7 comes after 14") ||
			!strings.Contains(errs[reminders.FieldBaseRate], "0 to 99.99") {
			t.Fatalf("bad steps and rate: errors %v", errs)
		}
		if got := readReminderSettings(t, h); got != "7,14,30 false 4.00" {
			t.Fatalf("a rejected submission changed the settings: %s", got)
		}

		ack := h.interact(submission(adminID, admin.CallbackReminderSettings, "", values("10, 20, 45", "4.25%", true)))
		if !emptyAck(ack) {
			t.Fatalf("a valid submission should close the modal with an empty ack, got %s", ack)
		}
		h.settle()
		if got := readReminderSettings(t, h); got != "10,20,45 true 4.25" {
			t.Fatalf("saved %s", got)
		}
		dm := h.fake.WaitForCall(t, "chat.postMessage", func(c slackfake.Call) bool {
			return c.Param("channel") == slackfake.DMChannelID(adminID) && strings.Contains(c.Param("text"), "Settings saved")
		})
		for _, want := range []string{"Overdue reminders: 7, 14 and 30 days after the due date → *10, 20 and 45 days after the due date*",
			"Late-payment interest: no → *yes*", "Base rate: 4.00% → *4.25%*"} {
			if !strings.Contains(dm.Param("text"), want) {
				t.Errorf("summary lacks %q:\n%s", want, dm.Param("text"))
			}
		}
		got = messageStrings(t, h.command(staffID, "settings"))
		if !strings.Contains(got, "Emailed 10, 20 and 45 days after the due date") || !strings.Contains(got, "8% over a base rate of 4.25%") {
			t.Errorf("staff's /atlas settings after the save:\n%s", got)
		}

		// The settings' button opens the form with the saved values.
		h.interact(buttonClick(h, adminID, admin.ActionReminderSettingsEdit, "reminders"))
		again := h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool { return c.Seq > open.Seq })
		for _, want := range []string{`"initial_value":"10, 20, 45"`, `"initial_value":"4.25"`, `"initial_options":[{`} {
			if !strings.Contains(again.Param("view"), want) {
				t.Errorf("the reopened form lacks %s", want)
			}
		}
	})
}
