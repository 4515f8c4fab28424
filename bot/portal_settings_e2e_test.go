package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/admin"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// An admin changes when documents are asked of clients, the reminders and
// the upload quota: bad values go back to their fields with nothing saved,
// good ones are saved and shown.
func TestPortalSettingsJourney(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "socket", settingsClock)
	read := func() string {
		var s string
		if err := h.pool.QueryRow(context.Background(), `SELECT portal_request_day || ' ' || array_to_string(portal_reminder_days, ',') || ' ' || upload_quota_bytes
			FROM practices`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	h.command(adminID, "team add <@"+staffID+"> staff")
	if got := read(); got != "1 3,7 2147483648" {
		t.Fatalf("defaults: %s", got)
	}
	h.command(adminID, "settings portal")
	open := h.fake.WaitForCall(t, "views.open", nil)
	if !strings.Contains(open.Param("view"), `"callback_id":"`+admin.CallbackPortalSettings+`"`) || !strings.Contains(open.Param("view"), `"initial_value":"3, 7"`) {
		t.Fatalf("portal settings modal: %s", open.Param("view"))
	}
	values := func(day, steps, quota string) map[string]any {
		return map[string]any{practice.FieldRequestDay: textVal(day), practice.FieldRequestSteps: textVal(steps), practice.FieldUploadQuotaMB: textVal(quota)}
	}
	errs := responseErrors(t, h.interact(submission(adminID, admin.CallbackPortalSettings, "", values("0", "7, 3", "lots"))))
	if len(errs) != 3 || !strings.Contains(errs[practice.FieldRequestSteps], "3 comes after 7") || !strings.Contains(errs[practice.FieldRequestDay], "Give 1 to 20") ||
		!strings.Contains(errs[practice.FieldUploadQuotaMB], `"lots" is not a size`) {
		t.Fatalf("bad values: %v", errs)
	}
	if got := read(); got != "1 3,7 2147483648" {
		t.Fatalf("a refused form changed the settings: %s", got)
	}
	h.interact(submission(adminID, admin.CallbackPortalSettings, "", values("2", "4, 10, 20", "500 MB")))
	h.settle()
	if got := read(); got != "2 4,10,20 524288000" {
		t.Fatalf("saved %s", got)
	}
	dm := h.fake.WaitForCall(t, "chat.postMessage", func(c slackfake.Call) bool {
		return c.Param("channel") == slackfake.DMChannelID(adminID) && strings.Contains(c.Param("text"), "Settings saved")
	})
	if !strings.Contains(dm.Param("text"), "Reminders of a request: 3 and 7 days after the request → *4, 10 and 20 days after the request*") {
		t.Errorf("summary:\n%s", dm.Param("text"))
	}
	if got := messageStrings(t, h.command(staffID, "settings")); !strings.Contains(got, "On working day 2 after the month ends") || !strings.Contains(got, "500 MB a client") {
		t.Errorf("settings after the save:\n%s", got)
	}
}
