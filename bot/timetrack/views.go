package timetrack

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
)

// Time-tracking action, callback and block ids.
const (
	ActionTimerDiscard   = "timer.discard"         // asks for confirmation
	ActionTimerDiscardOK = "timer.discard.confirm" // value: timer id
	ActionTimerKeep      = "timer.keep"            // value: timer id
	ActionTimerAdjust    = "timer.adjust"          // value: timer id
	CallbackTimerAdjust  = "timer.adjust.modal"

	ActionTaskSearch   = "log.task_search"
	ActionEntryPick    = "entry.pick"   // a timesheet's select: value is an entry id
	ActionEntryDelete  = "entry.delete" // in the edit modal: value is an entry id
	CallbackLog        = "log.modal"
	CallbackEntryEdit  = "entry.edit.modal"
	CallbackEntryDel   = "entry.delete.modal"
	ShortcutLogTime    = "log_time"
	ShortcutLogMessage = "log_time_for_message"

	// The duration, date, task and description blocks carry the names of
	// the time store's fields, so its errors land on them.
	LogClient      = "log_client"
	LogDate        = "log_date"
	LogDuration    = "log_duration"
	LogService     = "log_service"
	LogTask        = "log_task"
	LogDescription = "log_description"
	LogBillable    = "log_billable"

	AdjustDate = "adjust_date"
	AdjustTime = "adjust_time"
)

// Saved confirms an entry that was just written; notes say how the line
// was read where that is worth knowing (a misspelt service, the default
// service).
func Saved(e ui.EntryView, verb string, notes ...string) []slack.Block {
	text := fmt.Sprintf(":white_check_mark: %s for %s:\n%s", verb, e.Date.Format("Mon 2 Jan"), e.Line())
	context := "Change or delete it from `/timesheet`."
	for _, n := range notes {
		if n != "" {
			context = n + " " + context
		}
	}
	return []slack.Block{slack.NewSectionBlock(blockkit.Markdown(text, 0), nil, nil),
		slack.NewContextBlock("", blockkit.Markdown(context, 0))}
}

// TimerStarted confirms a start, and what happened to the timer before it.
func TimerStarted(t ui.TimerView, stopped string) []slack.Block {
	var blocks []slack.Block
	if stopped != "" {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(stopped, 0), nil, nil))
	}
	return append(blocks, slack.NewSectionBlock(blockkit.Markdown(":stopwatch: Timer started: "+t.Line(), 0), nil,
		slack.NewAccessory(slack.NewButtonBlockElement(ui.ActionTimerStop, fmt.Sprint(t.ID), blockkit.Plain("Stop", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary))))
}

// TimerRunning shows the running timer with its buttons.
func TimerRunning(t ui.TimerView) []slack.Block {
	return []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown(":stopwatch: "+t.Line(), 0), nil, nil),
		slack.NewActionBlock("timer.actions",
			slack.NewButtonBlockElement(ui.ActionTimerStop, fmt.Sprint(t.ID), blockkit.Plain("Stop and save", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement(ActionTimerAdjust, fmt.Sprint(t.ID), blockkit.Plain("Set the end time", blockkit.MaxButtonText)),
			slack.NewButtonBlockElement(ActionTimerDiscard, fmt.Sprint(t.ID), blockkit.Plain("Discard", blockkit.MaxButtonText)).WithStyle(slack.StyleDanger)),
	}
}

// DiscardConfirm asks before a timer's time is thrown away.
func DiscardConfirm(t ui.TimerView) []slack.Block {
	return []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown(":warning: Discard this timer? Its time will not be saved.\n"+t.Line(), 0), nil, nil),
		slack.NewActionBlock("timer.discard.actions",
			slack.NewButtonBlockElement(ActionTimerDiscardOK, fmt.Sprint(t.ID), blockkit.Plain("Discard it", blockkit.MaxButtonText)).WithStyle(slack.StyleDanger),
			slack.NewButtonBlockElement(ActionTimerKeep, fmt.Sprint(t.ID), blockkit.Plain("Keep it running", blockkit.MaxButtonText))),
	}
}

// ForgottenTimer is the one DM about a timer left running.
func ForgottenTimer(t ui.TimerView) []slack.Block {
	return []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf(":alarm_clock: Your timer has been running for *%s*. Still working?\n%s",
			ui.Hours(int(t.Elapsed/time.Minute)), t.Line()), 0), nil, nil),
		slack.NewActionBlock("timer.reminder.actions",
			slack.NewButtonBlockElement(ui.ActionTimerStop, fmt.Sprint(t.ID), blockkit.Plain("Stop now", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement(ActionTimerKeep, fmt.Sprint(t.ID), blockkit.Plain("Keep running", blockkit.MaxButtonText)),
			slack.NewButtonBlockElement(ActionTimerAdjust, fmt.Sprint(t.ID), blockkit.Plain("Adjust", blockkit.MaxButtonText))),
		slack.NewContextBlock("", blockkit.Markdown("Atlas never stops a timer by itself. Adjust sets the time you really stopped.", 0)),
	}
}

// AdjustMeta travels in the adjust modal.
type AdjustMeta struct {
	TimerID int64 `json:"timer_id"`
}

// AdjustModal asks when a forgotten timer really stopped.
func AdjustModal(t ui.TimerView, date, clock string) slack.ModalViewRequest {
	meta, _ := json.Marshal(AdjustMeta{TimerID: t.ID})
	d := slack.NewDatePickerBlockElement(AdjustDate)
	d.InitialDate = date
	tp := slack.NewTimePickerBlockElement(AdjustTime)
	tp.InitialTime = clock
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackTimerAdjust, PrivateMetadata: string(meta),
		Title:  blockkit.Plain("Stop the timer at…", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Stop and save", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(blockkit.Markdown(t.Line(), 0), nil, nil),
			slack.NewInputBlock(AdjustDate, blockkit.Plain("Stopped on", 2000), nil, d),
			slack.NewInputBlock(AdjustTime, blockkit.Plain("At", 2000), blockkit.Plain("In the practice's timezone.", 2000), tp),
		}},
	}
}

// LogForm pre-fills the log modal; EntryID set makes it the edit modal.
type LogForm struct {
	EntryID     int64
	Client      *blockkit.Option // initial client, value is the client id
	Date        string           // YYYY-MM-DD
	Duration    string
	Services    []blockkit.Option
	Service     string
	Task        *blockkit.Option
	Description string
	Billable    bool
	Person      string // whose entry, when not the viewer's own
}

// LogMeta travels in the log and edit modals.
type LogMeta struct {
	EntryID int64 `json:"entry_id,omitempty"`
}

// LogModal logs time, or edits an entry.
func LogModal(f LogForm, meta LogMeta) slack.ModalViewRequest {
	client := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, blockkit.Plain("Type a client's code or name", blockkit.MaxPlaceholder), ui.ActionClientSearch)
	minQuery := 0
	client.MinQueryLength = &minQuery
	if f.Client != nil {
		client.InitialOption = slack.NewOptionBlockObject(f.Client.Value, blockkit.Plain(f.Client.Label, 75), nil)
	}
	task := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, blockkit.Plain("This month's tasks", blockkit.MaxPlaceholder), ActionTaskSearch)
	task.MinQueryLength = &minQuery
	if f.Task != nil {
		task.InitialOption = slack.NewOptionBlockObject(f.Task.Value, blockkit.Plain(f.Task.Label, 75), nil)
	}
	taskBlock := slack.NewInputBlock(LogTask, blockkit.Plain("Task", 2000), blockkit.Plain("Optional: links the time to this month's task for the client.", 2000), task)
	taskBlock.Optional = true
	date := slack.NewDatePickerBlockElement(LogDate)
	date.InitialDate = f.Date
	billable := slack.NewOptionBlockObject("billable", blockkit.Plain("Billable", 75), nil)
	bill := slack.NewCheckboxGroupsBlockElement(LogBillable, billable)
	if f.Billable {
		bill.InitialOptions = []*slack.OptionBlockObject{billable}
	}
	billBlock := slack.NewInputBlock(LogBillable, blockkit.Plain("Billing", 2000), nil, bill)
	billBlock.Optional = true

	var blocks []slack.Block
	if f.Person != "" {
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown("Entry of "+blockkit.Escape(f.Person), 0)))
	}
	blocks = append(blocks,
		slack.NewInputBlock(LogClient, blockkit.Plain("Client", 2000), nil, client),
		slack.NewInputBlock(LogDate, blockkit.Plain("Date", 2000), nil, date),
		blockkit.TextInput(LogDuration, "Duration", "Such as 1h30, 1.5h, 90m, 1:30 or 45 (minutes).", f.Duration, "1h30", 20, false),
	)
	if len(f.Services) > 0 {
		blocks = append(blocks, blockkit.StaticSelect(LogService, "Service", f.Services, f.Service, true))
	}
	desc := blockkit.TextInput(LogDescription, "Description", "", f.Description, "What you did", 2000, true)
	desc.Element.(*slack.PlainTextInputBlockElement).Multiline = true
	blocks = append(blocks, taskBlock, desc, billBlock)

	m, _ := json.Marshal(meta)
	v := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackLog, PrivateMetadata: string(m),
		Title:  blockkit.Plain("Log time", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Log", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
	}
	if f.EntryID != 0 {
		v.CallbackID, v.Title, v.Submit = CallbackEntryEdit, blockkit.Plain("Edit entry", blockkit.MaxModalTitle), blockkit.Plain("Save", blockkit.MaxModalButton)
		blocks = append(blocks, slack.NewActionBlock("entry.actions",
			slack.NewButtonBlockElement(ActionEntryDelete, fmt.Sprint(f.EntryID), blockkit.Plain("Delete this entry…", blockkit.MaxButtonText)).WithStyle(slack.StyleDanger)))
	}
	v.Blocks = slack.Blocks{BlockSet: blocks}
	return v
}

// DeleteModal asks to confirm deleting an entry.
func DeleteModal(e ui.EntryView, meta LogMeta) slack.ModalViewRequest {
	m, _ := json.Marshal(meta)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackEntryDel, PrivateMetadata: string(m),
		Title:  blockkit.Plain("Delete entry", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Delete", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Keep it", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(blockkit.Markdown(
			fmt.Sprintf("Delete this entry for %s? This cannot be undone.\n%s", e.Date.Format("Mon 2 Jan"), e.Line()), 0), nil, nil)}},
	}
}

// TimesheetDay is one day of a timesheet.
type TimesheetDay struct {
	Date    time.Time
	Entries []ui.EntryView
}

// TimesheetData is a person's time over a period.
type TimesheetData struct {
	Person       string // "your" or "Bea's"
	Period       string // "week of Mon 16 Nov", "November 2026"
	Days         []TimesheetDay
	Billable     int // minutes
	NonBillable  int
	CapacityNote string        // "32h 30m of 37h 30m capacity"
	Timer        *ui.TimerView // running now, not yet in the totals
	Editable     bool          // the viewer may change these entries
	Prev, Next   string        // the command text for the neighbouring periods
	// Text is the command text that shows this period, for the page
	// buttons; Page is the zero-based page to show (clamped).
	Text string
	Page int
}

// Limits of one page of a timesheet. Slack refuses a message whose text
// runs much past 12,000 characters in all, whatever each block's own
// limit; the header, running timer, totals, divider, navigation and page
// line take eight of the 50 blocks.
const (
	timesheetTextBudget = 9000
	timesheetSections   = blockkit.MaxMessageBlocks - 8
	sectionTextLimit    = blockkit.MaxSectionText - 60
)

// sheetSection is one section of a timesheet page: some or all of a day's
// entries.
type sheetSection struct {
	day       TimesheetDay // the whole day, for its total
	entries   []ui.EntryView
	continued bool // an earlier section (or page) shows the day's first entries
}

func (sc sheetSection) heading() string {
	total := 0
	for _, e := range sc.day.Entries {
		total += e.Minutes
	}
	h := fmt.Sprintf("*%s* · %s", sc.day.Date.Format("Mon 2 Jan"), ui.Hours(total))
	if sc.continued {
		h += " _(continued)_"
	}
	return h
}

// paginateTimesheet lays every entry of days out on pages, whole entries
// only, so that no entry is ever left out: a day too long for one section
// goes on in the next, and a period too long for one message goes on on the
// next page.
func paginateTimesheet(days []TimesheetDay) [][]sheetSection {
	var pages [][]sheetSection
	var page []sheetSection
	budget := timesheetTextBudget
	for _, day := range days {
		sc := sheetSection{day: day}
		text := utf8.RuneCountInString(sc.heading())
		startSection := func(continued bool) {
			sc = sheetSection{day: day, continued: continued}
			text = utf8.RuneCountInString(sc.heading())
		}
		flush := func() {
			if len(sc.entries) == 0 {
				return
			}
			page = append(page, sc)
			budget -= text
			if len(page) == timesheetSections {
				pages, page, budget = append(pages, page), nil, timesheetTextBudget
			}
		}
		for _, e := range day.Entries {
			l := 1 + utf8.RuneCountInString("• "+e.Line())
			full := text+l > sectionTextLimit || len(sc.entries) == blockkit.MaxSelectOptions
			over := text+l > budget
			if (full || over) && len(sc.entries) > 0 {
				flush()
				if over {
					pages, page, budget = append(pages, page), nil, timesheetTextBudget
				}
				startSection(true)
			} else if over && len(page) > 0 {
				pages, page, budget = append(pages, page), nil, timesheetTextBudget
			}
			sc.entries = append(sc.entries, e)
			text += l
		}
		flush()
	}
	if len(page) > 0 || len(pages) == 0 {
		pages = append(pages, page)
	}
	return pages
}

// Timesheet shows entries by day with daily and period totals. Each day is
// a section, its entries listed, with a select to change one. Every entry
// is shown: a period with more than one message holds goes over several
// pages, with buttons between them.
func Timesheet(d TimesheetData) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(fmt.Sprintf("Timesheet · %s · %s", d.Person, d.Period), blockkit.MaxHeaderText))}
	if d.Timer != nil {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(
			":stopwatch: Timer running, not yet in these totals: "+d.Timer.Line(), blockkit.MaxSectionText), nil, nil))
	}
	if len(d.Days) == 0 && d.Timer == nil {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown("No time logged in this period. Log some with `/log 1h30 acme payroll bank reconciliation` or start a `/timer`.", 0), nil, nil))
	}
	pages := paginateTimesheet(d.Days)
	pg := blockkit.Paginate(len(pages), d.Page, 1)
	for _, sc := range pages[pg.Index] {
		text := sc.heading()
		var opts []*slack.OptionBlockObject
		for _, e := range sc.entries {
			text += "\n• " + e.Line()
			if d.Editable {
				label := ui.Hours(e.Minutes) + " · " + e.Client
				if e.Description != "" {
					label += " — " + e.Description
				} else if e.Service != "" {
					label += " · " + e.Service
				}
				if e.Locked {
					label = "(" + cmp.Or(e.LockedAs, "locked") + ") " + label
				}
				opts = append(opts, slack.NewOptionBlockObject(fmt.Sprint(e.ID), blockkit.Plain(label, 75), nil))
			}
		}
		var acc *slack.Accessory
		if len(opts) > 0 {
			acc = slack.NewAccessory(slack.NewOptionsSelectBlockElement(slack.OptTypeStatic,
				blockkit.Plain("Edit or delete…", blockkit.MaxPlaceholder), ActionEntryPick, opts...))
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, acc))
	}
	total := fmt.Sprintf("*Total %s* · billable %s · non-billable %s", ui.Hours(d.Billable+d.NonBillable), ui.Hours(d.Billable), ui.Hours(d.NonBillable))
	if d.CapacityNote != "" {
		total += "\n" + d.CapacityNote
	}
	blocks = append(blocks, slack.NewDividerBlock(), slack.NewSectionBlock(blockkit.Markdown(total, 0), nil, nil))
	var nav []slack.BlockElement
	if d.Prev != "" {
		nav = append(nav, slack.NewButtonBlockElement(ActionTimesheetShow+".prev", d.Prev, blockkit.Plain("← Earlier", blockkit.MaxButtonText)))
	}
	if d.Next != "" {
		nav = append(nav, slack.NewButtonBlockElement(ActionTimesheetShow+".next", d.Next, blockkit.Plain("Later →", blockkit.MaxButtonText)))
	}
	if pg.HasPrev() {
		nav = append(nav, slack.NewButtonBlockElement(ActionTimesheetShow+".pageprev", PageText(d.Text, pg.Index-1),
			blockkit.Plain("‹ Previous page", blockkit.MaxButtonText)))
	}
	if pg.HasNext() {
		nav = append(nav, slack.NewButtonBlockElement(ActionTimesheetShow+".pagenext", PageText(d.Text, pg.Index+1),
			blockkit.Plain("Next page ›", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary))
	}
	if len(nav) > 0 {
		blocks = append(blocks, slack.NewActionBlock("timesheet.nav", nav...))
	}
	if pg.Pages > 1 {
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(
			fmt.Sprintf("%s · the totals count the whole period.", pg.Label()), 0)))
	}
	return blocks
}

// PageText is the /timesheet text that shows the zero-based page of the
// period text shows: "2026-10 <@U123> page 3".
func PageText(text string, page int) string {
	return strings.TrimSpace(fmt.Sprintf("%s page %d", text, page+1))
}

// ActionTimesheetShow prefixes the timesheet's navigation buttons; the value
// is the /timesheet text to show.
const ActionTimesheetShow = ui.ActionTimesheetShow
