package board_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/board"
)

func days(f float64) *float64 { return &f }

func boardStages() [6]board.BoardStage {
	names := []string{"1 · Collect documents", "2 · Capture transactions", "3 · Reconcile bank",
		"4 · Prepare management accounts", "5 · Review", "6 · Deliver"}
	var s [6]board.BoardStage
	for i, n := range names {
		s[i].Name = n
	}
	s[0] = board.BoardStage{Name: names[0], Waiting: 2, PastTarget: 1, MedianDays: days(3.5)}
	s[2] = board.BoardStage{Name: names[2], Waiting: 5, PastTarget: 3}
	s[4] = board.BoardStage{Name: names[4], Waiting: 1, MedianDays: days(1)}
	return s
}

func TestBoardGolden(t *testing.T) {
	t.Parallel()
	d := board.BoardData{
		Month: "November 2026", MonthName: "November", Total: 12, Complete: 4, Rate: 33, Stages: boardStages(), Bottleneck: 3,
		People: []board.BoardPerson{
			{Name: "Bea <Bookkeeper>", Preparing: 6, Reviewing: 0, CapacityHours: "37.5",
				WeekMinutes: 1800, WeekCapacityMinutes: 2250, MonthMinutes: 5790, MonthCapacityMinutes: 8550},
			{Name: "Rex", Preparing: 0, Reviewing: 6, CapacityHours: "40", WeekCapacityMinutes: 2400, MonthMinutes: -1},
			{Name: "Pat", Preparing: 2, Reviewing: 2, WeekMinutes: 270, MonthMinutes: 600},
		},
		Overdue: []board.BoardOverdue{
			{TaskID: 71, Client: "BAKER · Baker & Sons", Month: "October 2026", Stage: "3 · Reconcile bank", DaysOverdue: 12, Preparer: "Bea"},
			{TaskID: 72, Client: "ACME · Acme Trading Ltd", Month: "October 2026", Stage: "5 · Review", DaysOverdue: 1, Preparer: "Rex"},
		},
		OverdueTotal: 2,
	}
	blocks := board.Board(d)
	blockkittest.GoldenMessage(t, "board_month", blocks)
	raw := blockkittest.JSON(t, blocks)
	for _, want := range []string{
		"*Completion* 33% — 4 of 12 packs complete",
		"The bottleneck is 3 · Reconcile bank*: 5 tasks waiting there, 3 past the stage's target date",
		"median 3.5 days in stage", "No median days for stages 2, 3, 4 and 6 yet: no pack has finished them.",
		"*Bea &lt;Bookkeeper&gt;* — 6 preparing · 0 reviewing · this week 30h of 37.5h (80%) · November 96h 30m of 142h 30m to date (68%)",
		`*Rex* — 0 preparing · 6 reviewing · this week 0h of 40h (0%)\n• *Pat*`, // a month not yet begun shows no month hours
		"*Pat* — 2 preparing · 2 reviewing · this week 4h 30m · November 10h · no capacity set",
		"BAKER · Baker &amp; Sons", "*12 days overdue*", "*1 day overdue*", `"action_id":"task.open"`, `"value":"71"`,
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("board lacks %q", want)
		}
	}

	blank := board.BoardData{Month: "March 2027"}
	for i := range blank.Stages {
		blank.Stages[i].Name = fmt.Sprintf("%d · Stage", i+1)
	}
	blocks = board.Board(blank)
	blockkittest.GoldenMessage(t, "board_empty", blocks)
	raw = blockkittest.JSON(t, blocks)
	for _, want := range []string{"No monthly tasks for March 2027", "Nothing is waiting at any stage", "nothing is overdue", "No median days in stage yet"} {
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
	d := board.BoardData{Month: "November 2026", Total: 5000, Complete: 1200, Rate: 24, Stages: boardStages(), Bottleneck: 3, OverdueTotal: 1873}
	for i := range 200 {
		d.People = append(d.People, board.BoardPerson{Name: fmt.Sprintf("Person %03d with a long name & <more>", i), Preparing: 25, Reviewing: 25, CapacityHours: "37.5",
			WeekMinutes: 2000, WeekCapacityMinutes: 2250, MonthMinutes: 9000, MonthCapacityMinutes: 9450})
	}
	for i := range 20 {
		d.Overdue = append(d.Overdue, board.BoardOverdue{TaskID: int64(i + 1), Client: fmt.Sprintf("C%04d · %s", i, strings.Repeat("Long client name ", 20)),
			Month: "October 2026", Stage: "3 · Reconcile bank", DaysOverdue: 40 - i, Preparer: "Bea"})
	}
	blocks := board.Board(d)
	if err := blockkit.CheckMessage(blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) > blockkit.MaxMessageBlocks {
		t.Fatalf("%d blocks", len(blocks))
	}
	raw := blockkittest.JSON(t, blocks)
	for _, want := range []string{"+1853 more overdue.", "+170 more with fewer packs", "*Overdue* — 1873 tasks, the most overdue first"} {
		if !strings.Contains(raw, want) {
			t.Errorf("overflowing board lacks %q", want)
		}
	}
	if n := strings.Count(raw, `"action_id":"task.open"`); n != 20 {
		t.Errorf("%d Open buttons, want 20", n)
	}
}
