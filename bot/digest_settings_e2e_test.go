package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/admin"
	"github.com/atlas-practice/atlas/internal/digest"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

func readDigestSettings(t *testing.T, h *harness) string {
	t.Helper()
	var s string
	if err := h.pool.QueryRow(context.Background(), `SELECT array_to_string(working_days, ',') || ' ' || wip_alert_days || ' ' || wip_alert_value
		|| ' ' || personal_digest_default FROM practices`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// An admin opens the digest settings, has no working day, a number of days
// in words and a negative amount sent back to their fields with nothing
// saved, then saves good ones, typed as people type them, that the
// settings then show.
func TestDigestSettingsJourney(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "socket", settingsClock)
	h.command(adminID, "team add <@"+staffID+"> staff")
	if got := readDigestSettings(t, h); got != "1,2,3,4,5 60 5000.00 true" {
		t.Fatalf("defaults: %s", got)
	}
	if got := ackText(t, h.command(staffID, "settings digest")); !strings.Contains(got, "Only admins can change the settings") {
		t.Fatalf("staff's /atlas settings digest: %s", got)
	}
	h.command(adminID, "settings digest")
	open := h.fake.WaitForCall(t, "views.open", nil)
	for _, want := range []string{`"callback_id":"` + admin.CallbackDigestSettings + `"`, `"initial_value":"60"`, `"initial_value":"5000.00"`} {
		if !strings.Contains(open.Param("view"), want) {
			t.Errorf("digest settings modal lacks %s", want)
		}
	}
	values := func(days []string, alertDays, value string, personal bool) map[string]any {
		v := map[string]any{digest.FieldWorkingDays: checkedVal(days...), digest.FieldWIPAlertDays: textVal(alertDays),
			digest.FieldWIPAlertValue: textVal(value), digest.FieldPersonalDefault: checkedVal()}
		if personal {
			v[digest.FieldPersonalDefault] = checkedVal(admin.DigestPersonalValue)
		}
		return v
	}
	errs := responseErrors(t, h.interact(submission(adminID, admin.CallbackDigestSettings, "", values(nil, "sixty", "-5", true))))
	if len(errs) != 3 || !strings.Contains(errs[digest.FieldWorkingDays], "at least one working day") ||
		!strings.Contains(errs[digest.FieldWIPAlertDays], "1 to 3650") || !strings.Contains(errs[digest.FieldWIPAlertValue], "above zero") {
		t.Fatalf("bad values: errors %v", errs)
	}
	if got := readDigestSettings(t, h); got != "1,2,3,4,5 60 5000.00 true" {
		t.Fatalf("a rejected submission changed the settings: %s", got)
	}
	h.interact(submission(adminID, admin.CallbackDigestSettings, "", values([]string{"1", "2", "3", "4", "5", "6"}, "45", "£2,500", false)))
	h.settle()
	if got := readDigestSettings(t, h); got != "1,2,3,4,5,6 45 2500.00 false" {
		t.Fatalf("saved %s", got)
	}
	dm := h.fake.WaitForCall(t, "chat.postMessage", func(c slackfake.Call) bool {
		return c.Param("channel") == slackfake.DMChannelID(adminID) && strings.Contains(c.Param("text"), "Settings saved")
	})
	for _, want := range []string{"Working days: Monday to Friday → *Monday to Saturday*", "Work in progress listed over: £5,000.00 → *£2,500.00*",
		"Morning DM for everyone: yes → *no*"} {
		if !strings.Contains(dm.Param("text"), want) {
			t.Errorf("summary lacks %q:\n%s", want, dm.Param("text"))
		}
	}
	got := messageStrings(t, h.command(staffID, "settings"))
	if !strings.Contains(got, "Monday to Saturday") || !strings.Contains(got, "Older than 45 days or over £2,500.00") {
		t.Errorf("staff's /atlas settings after the save:\n%s", got)
	}
}
