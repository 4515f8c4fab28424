package views_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/views"
)

func days(f float64) *float64 { return &f }

func boardStages() [6]views.BoardStage {
	names := []string{"1 · Collect documents", "2 · Capture transactions", "3 · Reconcile bank",
		"4 · Prepare management accounts", "5 · Review", "6 · Deliver"}
	var s [6]views.BoardStage
	for i, n := range names {
		s[i].Name = n
	}
	s[0] = views.BoardStage{Name: names[0], Waiting: 2, PastTarget: 1, MedianDays: days(3.5)}
	s[2] = views.BoardStage{Name: names[2], Waiting: 5, PastTarget: 3}
	s[4] = views.BoardStage{Name: names[4], Waiting: 1, MedianDays: days(1)}
	return s
}

func TestBoardGolden(t *testing.T) {
	t.Parallel()
	d := views.BoardData{
		Month: "November 2026", Total: 12, Complete: 4, Rate: 33, Stages: boardStages(), Bottleneck: 3,
		People: []views.BoardPerson{
			{Name: "Bea <Bookkeeper>", Preparing: 6, Reviewing: 0, CapacityMinutes: 2250},
			{Name: "Rex", Preparing: 0, Reviewing: 6, CapacityMinutes: 2400},
			{Name: "Pat", Preparing: 2, Reviewing: 2},
		},
		Overdue: []views.BoardOverdue{
			{TaskID: 71, Client: "BAKER · Baker & Sons", Month: "October 2026", Stage: "3 · Reconcile bank", DaysOverdue: 12, Preparer: "Bea"},
			{TaskID: 72, Client: "ACME · Acme Trading Ltd", Month: "October 2026", Stage: "5 · Review", DaysOverdue: 1, Preparer: "Rex"},
		},
		OverdueTotal: 2,
	}
	blocks := views.Board(d)
	blockkittest.GoldenMessage(t, "board_month", blocks)
	raw := timeJSON(t, blocks)
	for _, want := range []string{
		"*Completion* 33% — 4 of 12 packs complete",
		"The bottleneck is 3 · Reconcile bank*: 5 tasks waiting there, 3 past the stage's target date",
		"median 3.5 days in stage", "median — in stage",
		"*Bea &lt;Bookkeeper&gt;* — 6 preparing · 0 reviewing · 37.5h a week", "40h a week", "no capacity set",
		"BAKER · Baker &amp; Sons", "*12 days overdue*", "*1 day overdue*", `"action_id":"task.open"`, `"value":"71"`,
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("board lacks %q", want)
		}
	}

	blank := views.BoardData{Month: "March 2027"}
	for i := range blank.Stages {
		blank.Stages[i].Name = fmt.Sprintf("%d · Stage", i+1)
	}
	blocks = views.Board(blank)
	blockkittest.GoldenMessage(t, "board_empty", blocks)
	raw = timeJSON(t, blocks)
	for _, want := range []string{"No monthly tasks for March 2027", "Nothing is waiting at any stage", "nothing is overdue"} {
		if !strings.Contains(raw, want) {
			t.Errorf("empty board lacks %q: %s", want, raw)
		}
	}
}

// A practice far behind: the store hands over its 20 most overdue tasks and
// 200 people; the message keeps within Slack's limits and says what it
// leaves out.
func TestBoardOverflowStaysWithinLimits(t *testing.T) {
	t.Parallel()
	d := views.BoardData{Month: "November 2026", Total: 5000, Complete: 1200, Rate: 24, Stages: boardStages(), Bottleneck: 3, OverdueTotal: 1873}
	for i := range 200 {
		d.People = append(d.People, views.BoardPerson{Name: fmt.Sprintf("Person %03d with a long name & <more>", i), Preparing: 25, Reviewing: 25, CapacityMinutes: 2250})
	}
	for i := range 20 {
		d.Overdue = append(d.Overdue, views.BoardOverdue{TaskID: int64(i + 1), Client: fmt.Sprintf("C%04d · %s", i, strings.Repeat("Long client name ", 20)),
			Month: "October 2026", Stage: "3 · Reconcile bank", DaysOverdue: 40 - i, Preparer: "Bea"})
	}
	blocks := views.Board(d)
	if err := blockkit.CheckMessage(blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) > blockkit.MaxMessageBlocks {
		t.Fatalf("%d blocks", len(blocks))
	}
	raw := timeJSON(t, blocks)
	for _, want := range []string{"+1853 more overdue.", "+170 more with fewer packs", "*Overdue* — 1873 tasks, the most overdue first"} {
		if !strings.Contains(raw, want) {
			t.Errorf("overflowing board lacks %q", want)
		}
	}
	if n := strings.Count(raw, `"action_id":"task.open"`); n != 20 {
		t.Errorf("%d Open buttons, want 20", n)
	}
}

func TestOverdueAlertGolden(t *testing.T) {
	t.Parallel()
	d := views.OverdueAlertData{TaskID: 4242, Title: "ACME · Monthly Bookkeeping Pack — Standard · October 2026", Stage: "3 · Reconcile bank",
		Due: time.Date(2026, time.November, 10, 0, 0, 0, 0, time.UTC), DaysOverdue: 3, Preparer: "Bea"}
	blockkittest.GoldenMessage(t, "board_overdue_alert_preparer", views.OverdueAlert(d))
	d.AsManager = true
	blocks := views.OverdueAlert(d)
	blockkittest.GoldenMessage(t, "board_overdue_alert_manager", blocks)
	raw := timeJSON(t, blocks)
	for _, want := range []string{"*3 days overdue* (due Tue 10 Nov)", "You manage this client; Bea prepares the pack.", `"value":"4242"`, `"action_id":"task.open"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("alert lacks %q: %s", want, raw)
		}
	}
}
