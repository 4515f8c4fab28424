package views_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/views"
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

func runningTimer() views.TimerView {
	return views.TimerView{ID: 4211, Client: tsAcme, Service: "Payroll", Note: "November payroll run",
		Started: tsStarted, Elapsed: 1*time.Hour + 25*time.Minute + 40*time.Second}
}

func savedEntry() views.EntryView {
	return views.EntryView{ID: 9001, Date: tsMonday.AddDate(0, 0, 2), Client: tsAcme, Service: "Payroll",
		Minutes: 85, Rounded: 90, Description: "November payroll run", Billable: true, Value: "£112.50"}
}

func TestTimerMessagesGolden(t *testing.T) {
	t.Parallel()
	tv := runningTimer()
	stopped := ":white_check_mark: Your previous timer stopped and was saved for Wed 18 Nov:\n" + views.EntryView{
		ID: 9000, Date: tsMonday.AddDate(0, 0, 2), Client: "BAKER · Baker & Sons", Service: "VAT return",
		Minutes: 45, Rounded: 48, Description: "Q3 VAT <draft>", Billable: true, Value: "£60.00",
	}.Line()
	blockkittest.GoldenMessage(t, "time_timer_started", views.TimerStarted(tv, ""))
	withNote := views.TimerStarted(tv, stopped)
	blockkittest.GoldenMessage(t, "time_timer_started_after_stop", withNote)
	if len(withNote) != 2 {
		t.Fatalf("TimerStarted with a stopped note: %d blocks, want the note then the timer", len(withNote))
	}

	blockkittest.GoldenMessage(t, "time_timer_running", views.TimerRunning(tv))
	blockkittest.GoldenMessage(t, "time_discard_confirm", views.DiscardConfirm(tv))

	forgotten := tv
	forgotten.Elapsed = 11*time.Hour + 20*time.Second
	forgotten.Started = time.Date(2026, time.November, 17, 22, 40, 0, 0, tsLondon)
	f := views.ForgottenTimer(forgotten)
	blockkittest.GoldenMessage(t, "time_forgotten_timer", f)
	if raw := timeJSON(t, f); !strings.Contains(raw, "running for *11h*") {
		t.Errorf("forgotten timer does not say 11h: %s", raw)
	}

	// Every button carries the timer's id, so an old message cannot act on
	// a newer timer.
	for _, blocks := range [][]slack.Block{views.TimerStarted(tv, ""), views.TimerRunning(tv), views.DiscardConfirm(tv), f} {
		if raw := timeJSON(t, blocks); !strings.Contains(raw, `"value":"4211"`) {
			t.Errorf("buttons lack the timer id: %s", raw)
		}
	}
}

func TestAdjustModalGolden(t *testing.T) {
	t.Parallel()
	tv := runningTimer()
	tv.Elapsed = 11 * time.Hour
	m := views.AdjustModal(tv, "2026-11-18", "17:30")
	blockkittest.GoldenModal(t, "time_adjust_modal", m)
	if m.PrivateMetadata != `{"timer_id":4211}` || m.CallbackID != views.CallbackTimerAdjust {
		t.Fatalf("metadata %q, callback %q", m.PrivateMetadata, m.CallbackID)
	}
}

func timeServices() []views.Option {
	return []views.Option{
		{Value: "1", Label: "Payroll"}, {Value: "2", Label: "Bookkeeping"}, {Value: "3", Label: "VAT return"},
		{Value: "4", Label: "Year-end accounts"}, {Value: "5", Label: "Self assessment"}, {Value: "6", Label: "Advisory"},
	}
}

func TestLogModalGolden(t *testing.T) {
	t.Parallel()
	blank := views.LogModal(views.LogForm{Date: "2026-11-18", Services: timeServices(), Billable: true}, views.LogMeta{Channel: "C0TIME"})
	blockkittest.GoldenModal(t, "time_log_modal_blank", blank)
	if blank.CallbackID != views.CallbackLog || blank.PrivateMetadata != `{"channel":"C0TIME"}` {
		t.Fatalf("blank log modal: callback %q, metadata %q", blank.CallbackID, blank.PrivateMetadata)
	}
	if raw := timeJSON(t, blank); strings.Contains(raw, views.ActionEntryDelete) || strings.Contains(raw, "Entry of") {
		t.Errorf("the log modal has the edit modal's parts: %s", raw)
	}

	task := views.LogModal(views.LogForm{
		Client:      &views.Option{Value: "12", Label: tsAcme},
		Task:        &views.Option{Value: "3301", Label: "ACME · Payroll · November 2026"},
		Date:        "2026-11-18",
		Services:    timeServices(),
		Description: "Payroll · November 2026 — stage: processing",
		Billable:    true,
	}, views.LogMeta{Channel: "C0TIME"})
	blockkittest.GoldenModal(t, "time_log_modal_from_task", task)
	raw := timeJSON(t, task)
	for _, want := range []string{`"value":"12"`, `"value":"3301"`, "stage: processing"} {
		if !strings.Contains(raw, want) {
			t.Errorf("the task's log modal lacks %s: %s", want, raw)
		}
	}

	edit := views.LogModal(views.LogForm{
		EntryID:     9001,
		Client:      &views.Option{Value: "12", Label: tsAcme},
		Date:        "2026-11-17",
		Duration:    "1h 25m",
		Services:    timeServices(),
		Service:     "1",
		Description: "November payroll run & RTI submission",
		Person:      "Bea <Bookkeeper>",
	}, views.LogMeta{EntryID: 9001})
	blockkittest.GoldenModal(t, "time_log_modal_edit", edit)
	if edit.CallbackID != views.CallbackEntryEdit || edit.PrivateMetadata != `{"entry_id":9001}` {
		t.Fatalf("edit modal: callback %q, metadata %q", edit.CallbackID, edit.PrivateMetadata)
	}
	raw = timeJSON(t, edit)
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
	d := views.DeleteModal(e, views.LogMeta{EntryID: e.ID, Channel: "C0TIME"})
	blockkittest.GoldenModal(t, "time_delete_modal", d)
	if d.CallbackID != views.CallbackEntryDel || d.PrivateMetadata != `{"entry_id":9001,"channel":"C0TIME"}` {
		t.Fatalf("delete modal: callback %q, metadata %q", d.CallbackID, d.PrivateMetadata)
	}
	blockkittest.GoldenMessage(t, "time_saved", views.Saved(e, "Logged"))
}

// weekEntries is a realistic day: three entries, the first locked on day 0
// and the last non-billable on day 2.
func weekEntries(day int, date time.Time) []views.EntryView {
	id := int64(100 + day*10)
	es := []views.EntryView{
		{ID: id + 1, Date: date, Client: tsAcme, Service: "Payroll", Minutes: 90, Rounded: 90,
			Description: "Payroll run and RTI submission", Billable: true, Value: "£112.50"},
		{ID: id + 2, Date: date, Client: "BAKER · Baker & Sons", Service: "Bookkeeping", Task: "BAKER · Bookkeeping · November 2026",
			Minutes: 45, Rounded: 48, Description: "Bank reconciliation <Barclays>", Billable: true, Value: "£60.00"},
		{ID: id + 3, Date: date, Client: "CROWN · Crown Cafés Ltd", Service: "VAT return", Minutes: 120, Rounded: 120,
			Description: "Q3 VAT return review", Billable: true, Value: "£150.00"},
	}
	if day == 0 {
		es[0].Locked = true
	}
	if day == 2 {
		es[2].Billable, es[2].Value, es[2].Client, es[2].Service = false, "", "INT · Internal", ""
		es[2].Description = "Team training"
	}
	return es
}

func TestTimesheetGolden(t *testing.T) {
	t.Parallel()
	empty := views.Timesheet(views.TimesheetData{Person: "yours", Period: "week of Mon 16 Nov", Editable: true,
		CapacityNote: "0h of a 37h 30m week (0%)", Prev: "2026-11-09"})
	blockkittest.GoldenMessage(t, "time_timesheet_empty", empty)
	if raw := timeJSON(t, empty); !strings.Contains(raw, "No time logged") || strings.Contains(raw, views.ActionEntryPick) {
		t.Errorf("empty timesheet: %s", raw)
	}

	week := views.TimesheetData{Person: "yours", Period: "week of Mon 16 Nov", Editable: true,
		CapacityNote: "21h 15m of a 37h 30m week (56%)", Prev: "2026-11-09", Next: "2026-11-23"}
	for i := range 5 {
		date := tsMonday.AddDate(0, 0, i)
		day := views.TimesheetDay{Date: date, Entries: weekEntries(i, date)}
		for _, e := range day.Entries {
			if e.Billable {
				week.Billable += e.Minutes
			} else {
				week.NonBillable += e.Minutes
			}
		}
		week.Days = append(week.Days, day)
	}
	blocks := views.Timesheet(week)
	blockkittest.GoldenMessage(t, "time_timesheet_week", blocks)
	// Header, 5 days, divider, totals, navigation.
	if len(blocks) != 9 {
		t.Errorf("week timesheet: %d blocks, want 9", len(blocks))
	}
	raw := timeJSON(t, blocks)
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
	ro := views.Timesheet(other)
	if raw := timeJSON(t, ro); strings.Contains(raw, views.ActionEntryPick) || strings.Contains(raw, "timesheet.show.next") {
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
		Type     string            `json:"type"`
		ActionID string            `json:"action_id"`
		Options  []json.RawMessage `json:"options"`
	} `json:"accessory"`
}

func timeDecodeBlocks(t *testing.T, blocks []slack.Block) []sheetBlock {
	t.Helper()
	var out []sheetBlock
	if err := json.Unmarshal([]byte(timeJSON(t, blocks)), &out); err != nil {
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
			if b.Accessory.ActionID != views.ActionEntryPick {
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

func TestTimesheetMonthStaysWithinLimits(t *testing.T) {
	t.Parallel()
	const perDay = 30
	desc := strings.Repeat("Reconciled <Barclays> & HSBC feeds; ", 6)[:200] // 200 characters, needing escapes
	month := views.TimesheetData{Person: "Bea's", Period: "October 2026", Editable: true, Prev: "2026-09 <@UBEA>", Next: "2026-11 <@UBEA>"}
	for d := range 31 {
		date := time.Date(2026, time.October, d+1, 0, 0, 0, 0, time.UTC)
		day := views.TimesheetDay{Date: date}
		for i := range perDay {
			e := views.EntryView{ID: int64(d*perDay + i + 1), Date: date, Client: fmt.Sprintf("C%03d · Client number %d Trading Ltd", i, i),
				Service: "Bookkeeping", Task: "Bookkeeping · October 2026", Minutes: 7 + i, Rounded: 12 + i, Description: desc,
				Billable: i%5 != 0, Value: "£8.75", Locked: i%7 == 0, Person: "Bea"}
			if e.Billable {
				month.Billable += e.Minutes
			} else {
				month.NonBillable += e.Minutes
			}
			day.Entries = append(day.Entries, e)
		}
		month.Days = append(month.Days, day)
	}
	blocks := views.Timesheet(month)
	if err := blockkit.CheckMessage(blocks); err != nil {
		t.Fatal(err)
	}
	days := checkSheetLimits(t, blocks)
	if len(days) != 31 {
		t.Errorf("%d day sections with a select, want 31", len(days))
	}
	total := 0
	for i, d := range days {
		if len(d.Accessory.Options) != perDay {
			t.Errorf("day %d: %d options, want one for each of its %d entries", i+1, len(d.Accessory.Options), perDay)
		}
		total += utf8.RuneCountInString(d.Text.Text)
	}
	// Slack refuses messages with much over 12,000 characters of text in
	// all; the days share a budget under it, and say what they leave out.
	if total > 12000 {
		t.Errorf("%d characters of day text; Slack refuses a message that long", total)
	}
	if !strings.Contains(days[0].Text.Text, "more — pick one in the menu") || !strings.Contains(days[30].Text.Text, "more — pick one in the menu") {
		t.Errorf("a day that cannot list every entry must say how many more there are:\n%s", days[30].Text.Text)
	}

	// More days than fit: the latest 45 are shown, with a note.
	long := month
	long.Days = nil
	for d := range 60 {
		date := time.Date(2026, time.September, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d)
		long.Days = append(long.Days, views.TimesheetDay{Date: date, Entries: month.Days[0].Entries[:3]})
	}
	lb := views.Timesheet(long)
	checkSheetLimits(t, lb)
	if len(lb) != blockkit.MaxMessageBlocks {
		t.Errorf("60 days: %d blocks, want exactly %d", len(lb), blockkit.MaxMessageBlocks)
	}
	if raw := timeJSON(t, lb); !strings.Contains(raw, "Showing the last 45 days with time; the totals count all 60.") {
		t.Errorf("60 days: no note that days were left out")
	}

	// A day with more entries than a select holds.
	busy := views.TimesheetData{Person: "yours", Period: "week of Mon 16 Nov", Editable: true}
	var many []views.EntryView
	for i := range 130 {
		many = append(many, views.EntryView{ID: int64(i + 1), Date: tsMonday, Client: tsAcme, Minutes: 6, Rounded: 6, Billable: true})
	}
	busy.Days = []views.TimesheetDay{{Date: tsMonday, Entries: many}}
	if d := checkSheetLimits(t, views.Timesheet(busy)); len(d) != 1 || len(d[0].Accessory.Options) != blockkit.MaxSelectOptions {
		t.Errorf("a day of 130 entries should offer the first %d in its select", blockkit.MaxSelectOptions)
	}
}

func recentEntries() []views.EntryView {
	var out []views.EntryView
	for i, e := range append(weekEntries(0, tsMonday.AddDate(0, 0, 2)), weekEntries(2, tsMonday.AddDate(0, 0, 1))[1:]...) {
		e.ID = int64(500 + i)
		out = append(out, e)
	}
	return out
}

func TestHomeTimeGolden(t *testing.T) {
	t.Parallel()
	base := views.HomeData{PersonName: "Sam", RoleTitle: "Staff", PracticeName: "Ledgerline", PracticeSetUp: true, TeamSize: 4}

	tv := runningTimer()
	running := base
	running.Time = &views.HomeTime{Timer: &tv, TodayMinutes: 195, WeekMinutes: 1110, CapacityMinutes: 2250, Recent: recentEntries()}
	if len(running.Time.Recent) != 5 {
		t.Fatalf("%d recent entries, want 5", len(running.Time.Recent))
	}
	h := views.Home(running)
	blockkittest.GoldenHome(t, "time_home_running", h)
	raw := timeJSON(t, h)
	for _, want := range []string{"*Today* 3h 15m", "*This week* 18h 30m of 37h 30m (49%)", "*Latest entries*", "Wed 18 Nov · *1h 30m*", `"value":"4211"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("Home with a timer lacks %q", want)
		}
	}

	idle := base
	idle.Time = &views.HomeTime{TodayMinutes: 0, WeekMinutes: 0, CapacityMinutes: 0}
	h = views.Home(idle)
	blockkittest.GoldenHome(t, "time_home_no_timer", h)
	raw = timeJSON(t, h)
	for _, want := range []string{"No timer running", `"action_id":"log.open"`, "*Today* 0h", "*This week* 0h\""} {
		if !strings.Contains(raw, want) {
			t.Errorf("Home without a timer lacks %q: %s", want, raw)
		}
	}
	if strings.Contains(raw, "Latest entries") {
		t.Errorf("Home without entries lists latest entries: %s", raw)
	}
}

func TestEntryLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 199) + "<b>"
	tests := []struct {
		name string
		e    views.EntryView
		want string
	}{
		{"billable with value",
			views.EntryView{Client: tsAcme, Service: "Payroll", Minutes: 90, Rounded: 90, Description: "bank rec", Billable: true, Value: "£112.50"},
			"*1h 30m* · ACME · Acme Trading Ltd · Payroll — bank rec · £112.50"},
		{"rounded up",
			views.EntryView{Client: tsAcme, Service: "Payroll", Minutes: 45, Rounded: 48, Billable: true, Value: "£60.00"},
			"*45m (48m billed)* · ACME · Acme Trading Ltd · Payroll · £60.00"},
		{"rounded to the hour",
			views.EntryView{Client: tsAcme, Minutes: 55, Rounded: 60, Billable: true},
			"*55m (1h billed)* · ACME · Acme Trading Ltd"},
		{"non-billable hides the value",
			views.EntryView{Client: "INT · Internal", Minutes: 30, Rounded: 30, Description: "Team training", Billable: false, Value: "£37.50"},
			"*30m* · INT · Internal — Team training · non-billable"},
		{"locked",
			views.EntryView{Client: tsAcme, Service: "Payroll", Minutes: 60, Rounded: 60, Billable: true, Value: "£75.00", Locked: true},
			"*1h* · ACME · Acme Trading Ltd · Payroll · £75.00 :lock:"},
		{"locked non-billable",
			views.EntryView{Client: tsAcme, Minutes: 15, Rounded: 15, Locked: true},
			"*15m* · ACME · Acme Trading Ltd · non-billable :lock:"},
		{"task",
			views.EntryView{Client: tsAcme, Service: "Payroll", Task: "Payroll · November 2026", Minutes: 20, Rounded: 20, Billable: true},
			"*20m* · ACME · Acme Trading Ltd · Payroll · _Payroll · November 2026_"},
		{"zero minutes",
			views.EntryView{Client: tsAcme, Billable: true},
			"*0h* · ACME · Acme Trading Ltd"},
		{"escapes mrkdwn",
			views.EntryView{Client: "BAKER · Baker & Sons <Ltd>", Service: "R&D claims", Task: "<task> & more", Minutes: 60, Rounded: 60,
				Description: "P&L <draft> sent to <!channel> > v2", Billable: true, Value: "£75.00"},
			"*1h* · BAKER · Baker &amp; Sons &lt;Ltd&gt; · R&amp;D claims · _&lt;task&gt; &amp; more_ — P&amp;L &lt;draft&gt; sent to &lt;!channel&gt; &gt; v2 · £75.00"},
		{"long description cut at 200 characters before escaping",
			views.EntryView{Client: tsAcme, Minutes: 60, Rounded: 60, Description: long, Billable: true},
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

func timeJSON(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	// Types with their own MarshalJSON escape HTML whatever the encoder
	// says; undo it so assertions can name the text Slack shows.
	return strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(b.String())
}
