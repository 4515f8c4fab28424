package timetrack_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/timetrack"
	"github.com/atlas-practice/atlas/bot/ui"
)

// Fixed dates: Monday 16 November 2026 is the week the tests look at.
var (
	tsLondon  = timeLoc("Europe/London")
	tsMonday  = time.Date(2026, time.November, 16, 0, 0, 0, 0, time.UTC)
	tsStarted = time.Date(2026, time.November, 18, 9, 15, 0, 0, tsLondon) // Wed 09:15
)

func timeLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

const tsAcme = "ACME · Acme Trading Ltd"

func runningTimer() ui.TimerView {
	return ui.TimerView{ID: 4211, Client: tsAcme, Service: "Payroll", Note: "November payroll run",
		Started: tsStarted, Elapsed: 1*time.Hour + 25*time.Minute + 40*time.Second}
}

func savedEntry() ui.EntryView {
	return ui.EntryView{ID: 9001, Date: tsMonday.AddDate(0, 0, 2), Client: tsAcme, Service: "Payroll",
		Minutes: 85, Rounded: 90, Description: "November payroll run", Billable: true, Value: "£112.50"}
}

func TestTimerMessagesGolden(t *testing.T) {
	t.Parallel()
	tv := runningTimer()
	stopped := ":white_check_mark: Your previous timer stopped and was saved for Wed 18 Nov:\n" + ui.EntryView{
		ID: 9000, Date: tsMonday.AddDate(0, 0, 2), Client: "BAKER · Baker & Sons", Service: "VAT return",
		Minutes: 45, Rounded: 48, Description: "Q3 VAT <draft>", Billable: true, Value: "£60.00",
	}.Line()
	blockkittest.GoldenMessage(t, "time_timer_started", timetrack.TimerStarted(tv, ""))
	withNote := timetrack.TimerStarted(tv, stopped)
	blockkittest.GoldenMessage(t, "time_timer_started_after_stop", withNote)
	if len(withNote) != 2 {
		t.Fatalf("TimerStarted with a stopped note: %d blocks, want the note then the timer", len(withNote))
	}

	blockkittest.GoldenMessage(t, "time_timer_running", timetrack.TimerRunning(tv))
	blockkittest.GoldenMessage(t, "time_discard_confirm", timetrack.DiscardConfirm(tv))

	forgotten := tv
	forgotten.Elapsed = 11*time.Hour + 20*time.Second
	forgotten.Started = time.Date(2026, time.November, 17, 22, 40, 0, 0, tsLondon)
	f := timetrack.ForgottenTimer(forgotten)
	blockkittest.GoldenMessage(t, "time_forgotten_timer", f)
	if raw := blockkittest.JSON(t, f); !strings.Contains(raw, "running for *11h*") {
		t.Errorf("forgotten timer does not say 11h: %s", raw)
	}

	// Every button carries the timer's id, so an old message cannot act on
	// a newer timer.
	for _, blocks := range [][]slack.Block{timetrack.TimerStarted(tv, ""), timetrack.TimerRunning(tv), timetrack.DiscardConfirm(tv), f} {
		if raw := blockkittest.JSON(t, blocks); !strings.Contains(raw, `"value":"4211"`) {
			t.Errorf("buttons lack the timer id: %s", raw)
		}
	}
}

func TestAdjustModalGolden(t *testing.T) {
	t.Parallel()
	tv := runningTimer()
	tv.Elapsed = 11 * time.Hour
	m := timetrack.AdjustModal(tv, "2026-11-18", "17:30")
	blockkittest.GoldenModal(t, "time_adjust_modal", m)
	if m.PrivateMetadata != `{"timer_id":4211}` || m.CallbackID != timetrack.CallbackTimerAdjust {
		t.Fatalf("metadata %q, callback %q", m.PrivateMetadata, m.CallbackID)
	}
}

func timeServices() []blockkit.Option {
	return []blockkit.Option{
		{Value: "1", Label: "Payroll"}, {Value: "2", Label: "Bookkeeping"}, {Value: "3", Label: "VAT return"},
		{Value: "4", Label: "Year-end accounts"}, {Value: "5", Label: "Self assessment"}, {Value: "6", Label: "Advisory"},
	}
}

func TestLogModalGolden(t *testing.T) {
	t.Parallel()
	blank := timetrack.LogModal(timetrack.LogForm{Date: "2026-11-18", Services: timeServices(), Billable: true}, timetrack.LogMeta{})
	blockkittest.GoldenModal(t, "time_log_modal_blank", blank)
	if blank.CallbackID != timetrack.CallbackLog || blank.PrivateMetadata != `{}` {
		t.Fatalf("blank log modal: callback %q, metadata %q", blank.CallbackID, blank.PrivateMetadata)
	}
	if raw := blockkittest.JSON(t, blank); strings.Contains(raw, timetrack.ActionEntryDelete) || strings.Contains(raw, "Entry of") {
		t.Errorf("the log modal has the edit modal's parts: %s", raw)
	}

	task := timetrack.LogModal(timetrack.LogForm{
		Client:      &blockkit.Option{Value: "12", Label: tsAcme},
		Task:        &blockkit.Option{Value: "3301", Label: "ACME · Payroll · November 2026"},
		Date:        "2026-11-18",
		Services:    timeServices(),
		Description: "Payroll · November 2026 — stage: processing",
		Billable:    true,
	}, timetrack.LogMeta{})
	blockkittest.GoldenModal(t, "time_log_modal_from_task", task)
	raw := blockkittest.JSON(t, task)
	for _, want := range []string{`"value":"12"`, `"value":"3301"`, "stage: processing"} {
		if !strings.Contains(raw, want) {
			t.Errorf("the task's log modal lacks %s: %s", want, raw)
		}
	}

	edit := timetrack.LogModal(timetrack.LogForm{
		EntryID:     9001,
		Client:      &blockkit.Option{Value: "12", Label: tsAcme},
		Date:        "2026-11-17",
		Duration:    "1h 25m",
		Services:    timeServices(),
		Service:     "1",
		Description: "November payroll run & RTI submission",
		Person:      "Bea <Bookkeeper>",
	}, timetrack.LogMeta{EntryID: 9001})
	blockkittest.GoldenModal(t, "time_log_modal_edit", edit)
	if edit.CallbackID != timetrack.CallbackEntryEdit || edit.PrivateMetadata != `{"entry_id":9001}` {
		t.Fatalf("edit modal: callback %q, metadata %q", edit.CallbackID, edit.PrivateMetadata)
	}
	raw = blockkittest.JSON(t, edit)
	for _, want := range []string{"Entry of Bea &lt;Bookkeeper&gt;", `"action_id":"entry.delete"`, `"value":"9001"`, `"initial_value":"1h 25m"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("the edit modal lacks %s: %s", want, raw)
		}
	}
	// Not billable: no initial option on the checkbox.
	if strings.Contains(raw, `"initial_options"`) {
		t.Errorf("a non-billable entry's edit modal ticks Billable: %s", raw)
	}
}

func TestDeleteAndSavedGolden(t *testing.T) {
	t.Parallel()
	e := savedEntry()
	d := timetrack.DeleteModal(e, timetrack.LogMeta{EntryID: e.ID})
	blockkittest.GoldenModal(t, "time_delete_modal", d)
	if d.CallbackID != timetrack.CallbackEntryDel || d.PrivateMetadata != `{"entry_id":9001}` {
		t.Fatalf("delete modal: callback %q, metadata %q", d.CallbackID, d.PrivateMetadata)
	}
	blockkittest.GoldenMessage(t, "time_saved", timetrack.Saved(e, "Logged"))
}

// weekEntries is a realistic day: three entries, the first locked on day 0
// and the last non-billable on day 2.
func weekEntries(day int, date time.Time) []ui.EntryView {
	id := int64(100 + day*10)
	es := []ui.EntryView{
		{ID: id + 1, Date: date, Client: tsAcme, Service: "Payroll", Minutes: 90, Rounded: 90,
			Description: "Payroll run and RTI submission", Billable: true, Value: "£112.50"},
		{ID: id + 2, Date: date, Client: "BAKER · Baker & Sons", Service: "Bookkeeping", Task: "BAKER · Bookkeeping · November 2026",
			Minutes: 45, Rounded: 48, Description: "Bank reconciliation <Barclays>", Billable: true, Value: "£60.00"},
		{ID: id + 3, Date: date, Client: "CROWN · Crown Cafés Ltd", Service: "VAT return", Minutes: 120, Rounded: 120,
			Description: "Q3 VAT return review", Billable: true, Value: "£150.00"},
	}
	if day == 0 {
		es[0].Locked, es[0].LockedAs = true, "invoiced"
	}
	if day == 2 {
		es[2].Billable, es[2].Value, es[2].Client, es[2].Service = false, "", "INT · Internal", ""
		es[2].Description = "Team training"
	}
	return es
}

func TestTimesheetGolden(t *testing.T) {
	t.Parallel()
	empty := timetrack.Timesheet(timetrack.TimesheetData{Person: "yours", Period: "week of Mon 16 Nov", Editable: true,
		CapacityNote: "0h of a 37h 30m week (0%)", Prev: "2026-11-09"})
	blockkittest.GoldenMessage(t, "time_timesheet_empty", empty)
	if raw := blockkittest.JSON(t, empty); !strings.Contains(raw, "No time logged") || strings.Contains(raw, timetrack.ActionEntryPick) {
		t.Errorf("empty timesheet: %s", raw)
	}

	week := timetrack.TimesheetData{Person: "yours", Period: "week of Mon 16 Nov", Editable: true,
		CapacityNote: "21h 15m of a 37h 30m week (56%)", Prev: "2026-11-09", Next: "2026-11-23"}
	for i := range 5 {
		date := tsMonday.AddDate(0, 0, i)
		day := timetrack.TimesheetDay{Date: date, Entries: weekEntries(i, date)}
		for _, e := range day.Entries {
			if e.Billable {
				week.Billable += e.Minutes
			} else {
				week.NonBillable += e.Minutes
			}
		}
		week.Days = append(week.Days, day)
	}
	blocks := timetrack.Timesheet(week)
	blockkittest.GoldenMessage(t, "time_timesheet_week", blocks)
	// Header, 5 days, divider, totals, navigation.
	if len(blocks) != 9 {
		t.Errorf("week timesheet: %d blocks, want 9", len(blocks))
	}
	raw := blockkittest.JSON(t, blocks)
	for _, want := range []string{
		"*Mon 16 Nov* · 4h 15m", "*Fri 20 Nov* · 4h 15m", ":lock:", "(invoiced) 1h 30m · " + tsAcme, "· non-billable",
		"45m (48m billed)", "&lt;Barclays&gt;", "Baker &amp; Sons", "*Total 21h 15m* · billable 19h 15m · non-billable 2h",
		"21h 15m of a 37h 30m week (56%)", `"value":"2026-11-09"`, `"value":"2026-11-23"`,
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("week timesheet lacks %q", want)
		}
	}
	if strings.Contains(raw, "Showing the last") {
		t.Errorf("a week's timesheet says days were left out: %s", raw)
	}

	// Someone else's sheet, read-only: no selects.
	other := week
	other.Person, other.Editable, other.Next = "Bea's", false, ""
	ro := timetrack.Timesheet(other)
	if raw := blockkittest.JSON(t, ro); strings.Contains(raw, timetrack.ActionEntryPick) || strings.Contains(raw, "timesheet.show.next") {
		t.Errorf("read-only timesheet has selects or a Later button: %s", raw)
	}
	if err := blockkit.CheckMessage(ro); err != nil {
		t.Error(err)
	}
}

// sheetBlock is the part of a message block the stress test inspects.
type sheetBlock struct {
	Type string `json:"type"`
	Text *struct {
		Text string `json:"text"`
	} `json:"text"`
	Accessory *struct {
		Type     string `json:"type"`
		ActionID string `json:"action_id"`
		Options  []struct {
			Value string `json:"value"`
		} `json:"options"`
	} `json:"accessory"`
}

func timeDecodeBlocks(t *testing.T, blocks []slack.Block) []sheetBlock {
	t.Helper()
	var out []sheetBlock
	if err := json.Unmarshal([]byte(blockkittest.JSON(t, blocks)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkSheetLimits asserts what the golden checker also checks, explicitly:
// at most 50 blocks, section text within 3000 characters, at most 100
// options in each day's select. It returns the day sections.
func checkSheetLimits(t *testing.T, blocks []slack.Block) []sheetBlock {
	t.Helper()
	if err := blockkit.CheckMessage(blocks); err != nil {
		t.Error(err)
	}
	if len(blocks) > blockkit.MaxMessageBlocks {
		t.Errorf("%d blocks, over Slack's %d", len(blocks), blockkit.MaxMessageBlocks)
	}
	var days []sheetBlock
	for i, b := range timeDecodeBlocks(t, blocks) {
		if b.Type != "section" || b.Text == nil {
			continue
		}
		if n := utf8.RuneCountInString(b.Text.Text); n > blockkit.MaxSectionText {
			t.Errorf("block %d: section text of %d characters, over %d", i, n, blockkit.MaxSectionText)
		}
		if b.Accessory != nil {
			if b.Accessory.ActionID != timetrack.ActionEntryPick {
				t.Errorf("block %d: accessory %q", i, b.Accessory.ActionID)
			}
			if n := len(b.Accessory.Options); n > blockkit.MaxSelectOptions {
				t.Errorf("block %d: %d options, over %d", i, n, blockkit.MaxSelectOptions)
			}
			days = append(days, b)
		}
	}
	return days
}

// sheetPages draws every page of a timesheet, following its Next page
// buttons, checking each against Slack's limits.
func sheetPages(t *testing.T, d timetrack.TimesheetData) [][]sheetBlock {
	t.Helper()
	var pages [][]sheetBlock
	for page := 0; ; page++ {
		d.Page = page
		blocks := timetrack.Timesheet(d)
		days := checkSheetLimits(t, blocks)
		total := 0
		for _, b := range days {
			total += utf8.RuneCountInString(b.Text.Text)
		}
		// Slack refuses messages with much over 12,000 characters of text
		// in all.
		if total > 12000 {
			t.Errorf("page %d: %d characters of day text; Slack refuses a message that long", page+1, total)
		}
		pages = append(pages, days)
		raw := blockkittest.JSON(t, blocks)
		if !strings.Contains(raw, timetrack.ActionTimesheetShow+".pagenext") {
			return pages
		}
		if want := fmt.Sprintf(`"value":%q`, timetrack.PageText(d.Text, page+1)); !strings.Contains(raw, want) {
			t.Fatalf("page %d: the next page button lacks %s", page+1, want)
		}
		if page > 200 {
			t.Fatal("more than 200 pages")
		}
	}
}

// Every entry of a period is reachable, in order, however many there are:
// a month of 930 long entries goes over pages, each within Slack's limits,
// and a day of 130 entries over sections, each with its own select.
func TestTimesheetMonthStaysWithinLimits(t *testing.T) {
	t.Parallel()
	const perDay = 30
	desc := strings.Repeat("Reconciled <Barclays> & HSBC feeds; ", 6)[:200] // 200 characters, needing escapes
	month := timetrack.TimesheetData{Person: "Bea's", Period: "October 2026", Editable: true, Prev: "2026-09 <@UBEA>", Next: "2026-11 <@UBEA>",
		Text: "2026-10 <@UBEA>"}
	var want []string
	for d := range 31 {
		date := time.Date(2026, time.October, d+1, 0, 0, 0, 0, time.UTC)
		day := timetrack.TimesheetDay{Date: date}
		for i := range perDay {
			e := ui.EntryView{ID: int64(d*perDay + i + 1), Date: date, Client: fmt.Sprintf("C%03d · Client number %d Trading Ltd", i, i),
				Service: "Bookkeeping", Task: "Bookkeeping · October 2026", Minutes: 7 + i, Rounded: 12 + i, Description: desc,
				Billable: i%5 != 0, Value: "£8.75", Locked: i%7 == 0, Person: "Bea"}
			if e.Billable {
				month.Billable += e.Minutes
			} else {
				month.NonBillable += e.Minutes
			}
			day.Entries = append(day.Entries, e)
			want = append(want, fmt.Sprint(e.ID))
		}
		month.Days = append(month.Days, day)
	}
	pages := sheetPages(t, month)
	if len(pages) < 2 {
		t.Fatalf("930 long entries on %d page", len(pages))
	}
	var got []string
	lines := 0
	for _, days := range pages {
		for _, d := range days {
			for _, o := range d.Accessory.Options {
				got = append(got, o.Value)
			}
			lines += strings.Count(d.Text.Text, "\n• ")
			if strings.Contains(d.Text.Text, "more —") {
				t.Errorf("a section leaves entries out:\n%s", d.Text.Text)
			}
		}
	}
	if !slices.Equal(got, want) || lines != len(want) {
		t.Errorf("the pages offer %d entries and list %d lines; want all %d, in order", len(got), lines, len(want))
	}
	// The last page of a paged period says which page it is and leads back.
	last := timetrack.Timesheet(func() timetrack.TimesheetData { m := month; m.Page = len(pages) - 1; return m }())
	raw := blockkittest.JSON(t, last)
	for _, w := range []string{fmt.Sprintf("Page %d of %d", len(pages), len(pages)), "‹ Previous page", "the totals count the whole period"} {
		if !strings.Contains(raw, w) {
			t.Errorf("the last page lacks %q", w)
		}
	}
	if strings.Contains(raw, "Next page") {
		t.Error("the last page offers a next page")
	}

	// A day with more entries than a select holds goes on in a second
	// section, with a select of its own.
	busy := timetrack.TimesheetData{Person: "yours", Period: "week of Mon 16 Nov", Editable: true, Text: "2026-11-16"}
	var many []ui.EntryView
	for i := range 130 {
		many = append(many, ui.EntryView{ID: int64(i + 1), Date: tsMonday, Client: tsAcme, Minutes: 6, Rounded: 6, Billable: true})
	}
	busy.Days = []timetrack.TimesheetDay{{Date: tsMonday, Entries: many}}
	offered := 0
	for _, days := range sheetPages(t, busy) {
		for i, d := range days {
			offered += len(d.Accessory.Options)
			if i > 0 && !strings.Contains(d.Text.Text, "(continued)") {
				t.Errorf("a day's second section is not marked continued: %s", d.Text.Text[:40])
			}
		}
	}
	if offered != 130 {
		t.Errorf("a day of 130 entries offers %d of them", offered)
	}
}

func TestEntryLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 199) + "<b>"
	tests := []struct {
		name string
		e    ui.EntryView
		want string
	}{
		{"billable with value",
			ui.EntryView{Client: tsAcme, Service: "Payroll", Minutes: 90, Rounded: 90, Description: "bank rec", Billable: true, Value: "£112.50"},
			"*1h 30m* · ACME · Acme Trading Ltd · Payroll — bank rec · £112.50"},
		{"rounded up",
			ui.EntryView{Client: tsAcme, Service: "Payroll", Minutes: 45, Rounded: 48, Billable: true, Value: "£60.00"},
			"*45m (48m billed)* · ACME · Acme Trading Ltd · Payroll · £60.00"},
		{"rounded to the hour",
			ui.EntryView{Client: tsAcme, Minutes: 55, Rounded: 60, Billable: true},
			"*55m (1h billed)* · ACME · Acme Trading Ltd"},
		{"non-billable hides the value",
			ui.EntryView{Client: "INT · Internal", Minutes: 30, Rounded: 30, Description: "Team training", Billable: false, Value: "£37.50"},
			"*30m* · INT · Internal — Team training · non-billable"},
		{"locked",
			ui.EntryView{Client: tsAcme, Service: "Payroll", Minutes: 60, Rounded: 60, Billable: true, Value: "£75.00", Locked: true},
			"*1h* · ACME · Acme Trading Ltd · Payroll · £75.00 :lock:"},
		{"locked non-billable",
			ui.EntryView{Client: tsAcme, Minutes: 15, Rounded: 15, Locked: true},
			"*15m* · ACME · Acme Trading Ltd · non-billable :lock:"},
		{"task",
			ui.EntryView{Client: tsAcme, Service: "Payroll", Task: "Payroll · November 2026", Minutes: 20, Rounded: 20, Billable: true},
			"*20m* · ACME · Acme Trading Ltd · Payroll · _Payroll · November 2026_"},
		{"zero minutes",
			ui.EntryView{Client: tsAcme, Billable: true},
			"*0h* · ACME · Acme Trading Ltd"},
		{"escapes mrkdwn",
			ui.EntryView{Client: "BAKER · Baker & Sons <Ltd>", Service: "R&D claims", Task: "<task> & more", Minutes: 60, Rounded: 60,
				Description: "P&L <draft> sent to <!channel> > v2", Billable: true, Value: "£75.00"},
			"*1h* · BAKER · Baker &amp; Sons &lt;Ltd&gt; · R&amp;D claims · _&lt;task&gt; &amp; more_ — P&amp;L &lt;draft&gt; sent to &lt;!channel&gt; &gt; v2 · £75.00"},
		{"long description cut at 200 characters before escaping",
			ui.EntryView{Client: tsAcme, Minutes: 60, Rounded: 60, Description: long, Billable: true},
			"*1h* · ACME · Acme Trading Ltd — " + strings.Repeat("a", 199) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.e.Line(); got != tt.want {
				t.Errorf("Line() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
