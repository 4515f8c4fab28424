package tasks_test

import (
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/tasks"
)

func TestOverdueAlertGolden(t *testing.T) {
	t.Parallel()
	d := tasks.OverdueAlertData{TaskID: 4242, Title: "ACME · Monthly Bookkeeping Pack — Standard · October 2026", Stage: "3 · Reconcile bank",
		Due: time.Date(2026, time.November, 10, 0, 0, 0, 0, time.UTC), DaysOverdue: 3, Preparer: "Bea"}
	blockkittest.GoldenMessage(t, "overdue_alert_preparer", tasks.OverdueAlert(d))
	d.AsManager = true
	blocks := tasks.OverdueAlert(d)
	blockkittest.GoldenMessage(t, "overdue_alert_manager", blocks)
	raw := blockkittest.JSON(t, blocks)
	for _, want := range []string{"*3 days overdue* (due Tue 10 Nov)", "You manage this client; Bea prepares the pack.", `"value":"4242"`, `"action_id":"task.open"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("alert lacks %q: %s", want, raw)
		}
	}
}
