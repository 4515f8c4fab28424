package home_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/home"
	"github.com/atlas-practice/atlas/bot/ui"
)

var calColours = []ui.TaskColour{ui.ColourOverdue, ui.ColourAtRisk, ui.ColourInReview,
	ui.ColourNotStarted, ui.ColourOnTrack, ui.ColourComplete}

func calRows(n int, longNames bool) []home.CalendarRow {
	rows := make([]home.CalendarRow, 0, n)
	for i := range n {
		name := fmt.Sprintf("C%04d · Client %d & Sons <Ltd>", i, i)
		if longNames {
			name += strings.Repeat(" Holdings", 40)
		}
		rows = append(rows, home.CalendarRow{TaskID: int64(1000 + i), Colour: calColours[i%len(calColours)], Client: name,
			Stage: "3 · Reconcile bank", Due: time.Date(2026, time.December, 10, 0, 0, 0, 0, time.UTC), Preparer: "Bea"})
	}
	return rows
}

func calOptions() (members, types, statuses []blockkit.Option) {
	members = []blockkit.Option{{Value: "1", Label: "Bea"}, {Value: "2", Label: "Mina"}, {Value: "3", Label: "Rex"}}
	types = []blockkit.Option{{Value: "limited_company", Label: "Limited company"}, {Value: "sole_trader", Label: "Sole trader"}}
	statuses = []blockkit.Option{{Value: "overdue", Label: "Overdue"}, {Value: "not_started", Label: "Not started"},
		{Value: "in_progress", Label: "In progress"}, {Value: "in_review", Label: "In review"}, {Value: "complete", Label: "Complete"}}
	return
}

func calCounts(overdue, notStarted, inProgress, inReview, complete int) []home.StatusCount {
	return []home.StatusCount{
		{Colour: ui.ColourOverdue, Label: "Overdue", N: overdue}, {Colour: ui.ColourNotStarted, Label: "Not started", N: notStarted},
		{Colour: ui.ColourOnTrack, Label: "In progress", N: inProgress}, {Colour: ui.ColourInReview, Label: "In review", N: inReview},
		{Colour: ui.ColourComplete, Label: "Complete", N: complete},
	}
}

func calData(total int, rows []home.CalendarRow, st home.CalendarState) *home.CalendarData {
	m, ty, s := calOptions()
	return &home.CalendarData{State: st, Month: "November 2026", PrevMonth: "2026-10", NextMonth: "2026-12", PrevLabel: "Oct 2026", NextLabel: "Dec 2026",
		Counts: calCounts(1, 1, 2, 1, 1), AtRisk: 1, Total: total, Rows: rows, Members: m, Types: ty, Statuses: s}
}

// managerHome is the fullest Home a manager gets: a running timer, latest
// entries and the calendar.
func managerHome(cal *home.CalendarData) home.HomeData {
	tv := runningTimer()
	return home.HomeData{PersonName: "Mina", RoleTitle: "Manager", PracticeName: "Ledgerline", PracticeSetUp: true, TeamSize: 4,
		Time:     &home.HomeTime{Timer: &tv, TodayMinutes: 195, WeekMinutes: 1110, CapacityMinutes: 2250, Recent: recentEntries()},
		Calendar: cal}
}

func TestHomeCalendarGolden(t *testing.T) {
	t.Parallel()
	h := home.Home(managerHome(calData(6, calRows(6, false), home.CalendarState{})))
	blockkittest.GoldenHome(t, "home_calendar_manager", h)
	raw := blockkittest.JSON(t, h)
	for _, want := range []string{
		"Month at a glance · November 2026", "*6 tasks*", ":red_circle: Overdue *1*", ":large_orange_circle: At risk *1*",
		ui.ColourLegend, "C0000 · Client 0 &amp; Sons &lt;Ltd&gt;", "3 · Reconcile bank · due Thu 10 Dec · Bea",
		`"action_id":"task.open"`, `"value":"1005"`, "← Oct 2026", "Dec 2026 →", `"value":"{\"m\":\"2026-10\"}"`,
		"Showing 1–6 of 6 · Page 1 of 1",
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("calendar lacks %q", want)
		}
	}
	if h.PrivateMetadata != "{}" {
		t.Errorf("private_metadata %q, want the default state", h.PrivateMetadata)
	}
	if strings.Contains(raw, home.ActionCalendarPageNext) || strings.Contains(raw, home.ActionCalendarPagePrev) {
		t.Errorf("one page of tasks has page buttons")
	}
	for _, c := range calColours {
		if !strings.Contains(raw, c.Emoji()) {
			t.Errorf("no %s task shown as %s", c, c.Emoji())
		}
	}

	// Filtered, on the second of three pages, in another month.
	st := home.CalendarState{Month: "2026-10", Member: 2, Type: "sole_trader", Status: "overdue", Page: 1}
	cal := calData(2*home.CalendarPageSize+3, calRows(home.CalendarPageSize, false), st)
	cal.Month, cal.PrevMonth, cal.NextMonth, cal.PrevLabel, cal.NextLabel = "October 2026", "2026-09", "", "Sep 2026", "Nov 2026"
	cal.EarlierOverdue = 2
	h = home.Home(managerHome(cal))
	blockkittest.GoldenHome(t, "home_calendar_filtered_page", h)
	raw = blockkittest.JSON(t, h)
	for _, want := range []string{
		"2 packs from earlier months still overdue",
		`"initial_option":{"text":{"type":"plain_text","text":"Mina","emoji":true},"value":"2"}`,
		`"initial_option":{"text":{"type":"plain_text","text":"Sole trader","emoji":true},"value":"sole_trader"}`,
		`"initial_option":{"text":{"type":"plain_text","text":"Overdue","emoji":true},"value":"overdue"}`,
		fmt.Sprintf("Showing 41–80 of %d · Page 2 of 3", 2*home.CalendarPageSize+3),
		"Previous page", "Next page",
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("filtered calendar lacks %q", want)
		}
	}
	if got := home.DecodeCalendarState(h.PrivateMetadata); got != st {
		t.Errorf("private_metadata %q decodes to %+v, want %+v", h.PrivateMetadata, got, st)
	}
	// The buttons carry the state they lead to: pages keep the filters,
	// months keep the filters and start at the first page.
	wantValues := map[string]home.CalendarState{
		home.ActionCalendarPagePrev:  {Month: "2026-10", Member: 2, Type: "sole_trader", Status: "overdue", Page: 0},
		home.ActionCalendarPageNext:  {Month: "2026-10", Member: 2, Type: "sole_trader", Status: "overdue", Page: 2},
		home.ActionCalendarMonthPrev: {Month: "2026-09", Member: 2, Type: "sole_trader", Status: "overdue"},
		home.ActionCalendarMonthNext: {Member: 2, Type: "sole_trader", Status: "overdue"},
	}
	for action, want := range wantValues {
		if got, ok := buttonValue(h.Blocks.BlockSet, action); !ok || home.DecodeCalendarState(got) != want {
			t.Errorf("%s: value %q, want %+v", action, got, want)
		}
	}

	// Nothing matches.
	none := calData(0, nil, home.CalendarState{Status: "complete"})
	raw = blockkittest.JSON(t, home.Home(managerHome(none)))
	if !strings.Contains(raw, "No tasks this month match these filters.") {
		t.Errorf("empty filtered calendar: %s", raw)
	}
}

func buttonValue(blocks []slack.Block, actionID string) (string, bool) {
	for _, b := range blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, el := range a.Elements.ElementSet {
				if btn, ok := el.(*slack.ButtonBlockElement); ok && btn.ActionID == actionID {
					return btn.Value, true
				}
			}
		}
	}
	return "", false
}

// A practice of 5,000 tasks, on a full page with the longest names, with
// everything else Home can show and 150 people in the member filter: the
// view stays inside a Home tab's limits.
func TestHomeCalendarFullPageStaysWithinLimits(t *testing.T) {
	t.Parallel()
	st := home.CalendarState{Month: "2026-10", Member: 150, Type: "limited_company", Status: "in_progress", Page: 60}
	cal := calData(5000, calRows(home.CalendarPageSize, true), st)
	cal.Counts = calCounts(1210, 1100, 1500, 700, 490)
	cal.AtRisk = 800
	cal.Members = nil
	for i := range 150 {
		cal.Members = append(cal.Members, blockkit.Option{Value: fmt.Sprint(i + 1), Label: fmt.Sprintf("Person %d %s", i+1, strings.Repeat("x", 100))})
	}
	// A partner with a full queue of invoices and a busy day of approving.
	hd := managerHome(cal)
	hd.RoleTitle = "Partner"
	hd.Approvals = &home.ApprovalsData{Awaiting: 120, Total: "£123,456.78"}
	for i := range 5 {
		hd.Approvals.Oldest = append(hd.Approvals.Oldest, home.ApprovalRow{ID: int64(i + 1), Name: fmt.Sprintf("Draft %d", i+1),
			Client: "C · " + strings.Repeat("Long client name ", 10), Label: "November 2026 (in arrears)", Total: "£1,234.56",
			Since: time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)})
	}
	for i := range 40 {
		hd.Approvals.ApprovedToday = append(hd.Approvals.ApprovedToday, home.ApprovalRow{Name: fmt.Sprintf("INV-2026-%04d", i+1), Client: "C · Client"})
	}
	h := home.Home(hd)
	if err := blockkit.CheckHome(h); err != nil {
		t.Fatal(err)
	}
	if raw := blockkittest.JSON(t, h); !strings.Contains(raw, "*Invoices to approve* — 120, £123,456.78 in all") || !strings.Contains(raw, "+115 more") ||
		!strings.Contains(raw, "You approved 40 today") || !strings.Contains(raw, "30 more") {
		t.Errorf("the partner's invoices are missing from Home")
	}
	if n := len(h.Blocks.BlockSet); n > blockkit.MaxViewBlocks {
		t.Fatalf("%d blocks, over %d", n, blockkit.MaxViewBlocks)
	}
	if n := len(h.PrivateMetadata); n > blockkit.MaxPrivateMetadata {
		t.Fatalf("private_metadata of %d characters", n)
	}
	raw := blockkittest.JSON(t, h)
	if n := strings.Count(raw, `"action_id":"task.open"`); n != home.CalendarPageSize {
		t.Errorf("%d Open buttons, want a full page of %d", n, home.CalendarPageSize)
	}
	if !strings.Contains(raw, "Showing 2401–2440 of 5000 · Page 61 of 125") || !strings.Contains(raw, "*5000 tasks*") {
		t.Errorf("paging or counts missing")
	}
	// The member picked is past the select's 100 options and still shown.
	if !strings.Contains(raw, `"value":"150"}`) || !strings.Contains(raw, `"initial_option":{"text":{"type":"plain_text","text":"Person 150`) {
		t.Errorf("the picked member fell off the select")
	}
}

func TestHomeMyTasksGolden(t *testing.T) {
	t.Parallel()
	base := home.HomeData{PersonName: "Sam", RoleTitle: "Staff", PracticeName: "Ledgerline", PracticeSetUp: true, TeamSize: 4,
		Time: &home.HomeTime{TodayMinutes: 60, WeekMinutes: 300, CapacityMinutes: 2250}}
	mine := base
	mine.MyTasks = &home.MyTasksData{Month: "November 2026", Rows: calRows(home.MyTasksShown, false), Total: 14}
	h := home.Home(mine)
	blockkittest.GoldenHome(t, "home_my_tasks", h)
	raw := blockkittest.JSON(t, h)
	for _, want := range []string{"My tasks this month · November 2026", "+4 more — `/tasks` lists them all.", `"value":"1009"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("my tasks lack %q", want)
		}
	}
	if strings.Contains(raw, "Month at a glance") || h.PrivateMetadata != "" {
		t.Errorf("staff Home shows the calendar")
	}

	none := base
	none.MyTasks = &home.MyTasksData{Month: "November 2026"}
	h = home.Home(none)
	blockkittest.GoldenHome(t, "home_my_tasks_none", h)
	if raw := blockkittest.JSON(t, h); !strings.Contains(raw, "Nothing to prepare or review this month.") {
		t.Errorf("no tasks: %s", raw)
	}
}

func TestCalendarStateDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw string
		want      home.CalendarState
	}{
		{"empty", "", home.CalendarState{}},
		{"garbage", "not json", home.CalendarState{}},
		{"negative page", `{"n":-3,"s":"overdue"}`, home.CalendarState{Status: "overdue"}},
		{"round trip", home.CalendarState{Month: "2026-10", Member: 7, Type: "llp", Status: "in_review", Page: 4}.Encode(),
			home.CalendarState{Month: "2026-10", Member: 7, Type: "llp", Status: "in_review", Page: 4}},
	}
	for _, tc := range tests {
		if got := home.DecodeCalendarState(tc.raw); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
