package home

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
)

// HomeData is what the App Home shows a person.
type HomeData struct {
	PersonName    string
	RoleTitle     string // "" for a person not on the team
	PracticeName  string
	PracticeSetUp bool
	IsAdmin       bool
	TeamSize      int
	Admins        []string       // Slack user ids of the admins, to ask for access
	Time          *HomeTime      // the person's timer and hours, once the practice is set up
	Calendar      *CalendarData  // month at a glance, for managers and up
	MyTasks       *MyTasksData   // the person's own tasks, for staff
	Approvals     *ApprovalsData // invoices awaiting approval, for partners and admins
}

// ApprovalsData is a partner's part of Home: the invoices awaiting
// approval, the oldest first, and what they approved today.
type ApprovalsData struct {
	Awaiting      int
	Total         string // of those awaiting, as people write it
	Oldest        []ApprovalRow
	ApprovedToday []ApprovalRow
}

// ApprovalRow is one invoice in the partner's part of Home.
type ApprovalRow struct {
	ID     int64
	Name   string // "Draft 12", "INV-2026-0042"
	Client string // "ACME · Acme Trading Ltd"
	Label  string // "November 2026"
	Total  string
	Since  time.Time // submitted, or approved
}

// approvals draws the partner's invoices: awaiting approval, and approved
// today.
func approvals(d *ApprovalsData) []slack.Block {
	if d == nil {
		return nil
	}
	blocks := []slack.Block{slack.NewDividerBlock()}
	if d.Awaiting == 0 {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown("*Invoices to approve* — none waiting. :tada:", 0), nil, nil))
	} else {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("*Invoices to approve* — %d, %s in all; the oldest first",
			d.Awaiting, d.Total), 0), nil, nil))
	}
	for _, row := range d.Oldest {
		text := fmt.Sprintf("*%s* · %s\n%s · %s · waiting since %s", blockkit.Escape(row.Client), blockkit.Escape(row.Label), row.Name, row.Total,
			row.Since.Format("Mon 2 Jan"))
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil,
			slack.NewAccessory(slack.NewButtonBlockElement(ui.ActionInvoiceOpen, strconv.FormatInt(row.ID, 10), blockkit.Plain("Open", blockkit.MaxButtonText)))))
	}
	if more := d.Awaiting - len(d.Oldest); more > 0 {
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(fmt.Sprintf("+%d more: `/invoices awaiting`", more), 0)))
	}
	if n := len(d.ApprovedToday); n > 0 {
		names := make([]string, 0, n)
		for i, row := range d.ApprovedToday {
			if i == 10 {
				names = append(names, fmt.Sprintf("%d more", n-i))
				break
			}
			names = append(names, row.Name+" ("+blockkit.Escape(row.Client)+")")
		}
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(fmt.Sprintf(":white_check_mark: You approved %d today: %s", n, ui.List(names)), blockkit.MaxSectionText)))
	}
	return blocks
}

// Home is the App Home tab.
func Home(d HomeData) slack.HomeTabViewRequest {
	title := "Atlas"
	if d.PracticeName != "" {
		title = "Atlas · " + d.PracticeName
	}
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(title, blockkit.MaxHeaderText))}
	var meta string // the calendar's state, when Home shows the calendar
	switch {
	case d.RoleTitle == "":
		ask := "Ask the person who installed Atlas to add you."
		if len(d.Admins) > 0 {
			ask = "Ask an admin to add you: " + ui.Mentions(d.Admins, 5) + "."
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(
			":wave: Hi! You are not on this practice's team in Atlas yet. "+ask, blockkit.MaxSectionText), nil, nil))
	case !d.PracticeSetUp && d.IsAdmin:
		blocks = append(blocks,
			slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf(
				":wave: Welcome, %s. The practice is not set up yet. Three steps get it going:", blockkit.Escape(d.PersonName)),
				blockkit.MaxSectionText), nil, nil),
			slack.NewSectionBlock(blockkit.Markdown(
				"*1. The practice* — name, timezone, currency and VAT rate.", blockkit.MaxSectionText), nil,
				slack.NewAccessory(slack.NewButtonBlockElement(ui.ActionOpenSetup, "setup",
					blockkit.Plain("Set up the practice", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary))),
			slack.NewSectionBlock(blockkit.Markdown(
				"*2. The team* — add each person with their role:\n`/atlas team add @bea staff`", blockkit.MaxSectionText), nil, nil),
			slack.NewSectionBlock(blockkit.Markdown(
				"*3. Check* — `/atlas team` lists who is in; `/atlas help` shows every command.", blockkit.MaxSectionText), nil, nil),
		)
	case !d.PracticeSetUp:
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf(
			"Hi %s. An admin is still setting up the practice; this page fills in once they are done.",
			blockkit.Escape(d.PersonName)), blockkit.MaxSectionText), nil, nil))
	default:
		blocks = append(blocks,
			slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("Hi %s — you are *%s* at %s.",
				blockkit.Escape(d.PersonName), d.RoleTitle, blockkit.Escape(d.PracticeName)), blockkit.MaxSectionText), nil, nil),
			slack.NewContextBlock("", blockkit.Markdown(fmt.Sprintf("Team: %d %s", d.TeamSize, ui.Plural(d.TeamSize, "person", "people")), blockkit.MaxSectionText)),
		)
		blocks = append(blocks, homeTime(d.Time)...)
		blocks = append(blocks, approvals(d.Approvals)...)
		blocks = append(blocks, myTasks(d.MyTasks)...)
		blocks = append(blocks, calendar(d.Calendar)...)
		if d.Calendar != nil {
			meta = d.Calendar.State.Encode()
		}
	}
	blocks = append(blocks, slack.NewDividerBlock(),
		slack.NewActionBlock("home.actions",
			slack.NewButtonBlockElement(slackapp.ActionHelp, "help", blockkit.Plain("Show commands", blockkit.MaxButtonText))))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}, PrivateMetadata: meta}
}

// The App Home calendar's controls. The selects change one filter and read
// the rest from the Home view's private_metadata; the month and page
// buttons carry the whole state they lead to in their value.
const (
	ActionCalendarMember    = "calendar.member"     // static select: a member id, or CalendarAll
	ActionCalendarType      = "calendar.type"       // static select: an entity type, or CalendarAll
	ActionCalendarStatus    = "calendar.status"     // static select: a status, or CalendarAll
	ActionCalendarMonthPrev = "calendar.month.prev" // value: CalendarState
	ActionCalendarMonthNext = "calendar.month.next" // value: CalendarState
	ActionCalendarPagePrev  = "calendar.page.prev"  // value: CalendarState
	ActionCalendarPageNext  = "calendar.page.next"  // value: CalendarState
	// ActionCalendar is the prefix of every calendar action, for routing.
	ActionCalendar = "calendar."

	// CalendarAll is the value of a filter's "everything" option: Slack
	// refuses an option with an empty value.
	CalendarAll = "all"
)

// CalendarPageSize is how many tasks the calendar shows at once. With the
// rest of Home (at most 16 blocks) and the calendar's own 7, a page stays
// well inside a Home tab's 100 blocks.
const CalendarPageSize = 40

// MyTasksShown is how many of their own tasks Home lists for a staff member.
const MyTasksShown = 10

// CalendarState is the calendar's filters and page, carried in the Home
// view's private_metadata and in its buttons. Empty fields mean "all" (and
// an empty Month the current one, so a Home opened next month shows next
// month).
type CalendarState struct {
	Month  string `json:"m,omitempty"` // "2026-11"
	Member int64  `json:"p,omitempty"`
	Type   string `json:"e,omitempty"`
	Status string `json:"s,omitempty"`
	Page   int    `json:"n,omitempty"` // zero-based
}

// Encode is the state as private_metadata or a button value carries it.
func (s CalendarState) Encode() string {
	b, _ := json.Marshal(s)
	return string(b)
}

// DecodeCalendarState reads a state written by Encode. Anything unreadable
// is the default state: a Home published before the calendar existed has
// no metadata.
func DecodeCalendarState(raw string) CalendarState {
	var s CalendarState
	if raw == "" || json.Unmarshal([]byte(raw), &s) != nil {
		return CalendarState{}
	}
	s.Page = max(s.Page, 0)
	return s
}

// CalendarRow is one client's task on the calendar or in "My tasks".
type CalendarRow struct {
	TaskID   int64
	Colour   ui.TaskColour
	Client   string // "ACME · Acme Trading Ltd"
	Template string // shown when the client has more than one task a month
	Stage    string // "3 · Reconcile bank"
	Due      time.Time
	Preparer string
	Month    string // the pack's month, for a pack of an earlier month
}

// StatusCount is one status in the calendar's header.
type StatusCount struct {
	Colour ui.TaskColour
	Label  string
	N      int
}

// CalendarData is the month at a glance, for managers and up.
type CalendarData struct {
	State     CalendarState // as shown: the page clamped, the month explicit or current
	Month     string        // "November 2026"
	PrevMonth string        // "2026-10", the state the previous-month button leads to
	NextMonth string
	PrevLabel string // "Oct 2026"
	NextLabel string
	Counts    []StatusCount // per status across the filtered month, before the status filter
	AtRisk    int           // open tasks behind a stage target and not yet overdue
	Total     int           // tasks matching every filter
	// EarlierOverdue counts the packs of months before this one still
	// open past their due date; EarlierOpen all those still open, and
	// Earlier is the soonest due of them, shown above the month's lines.
	EarlierOverdue int
	EarlierOpen    int
	Earlier        []CalendarRow
	Rows           []CalendarRow     // this page
	Members        []blockkit.Option // the member filter's choices (value: member id)
	Types          []blockkit.Option // the entity type filter's choices
	Statuses       []blockkit.Option // the status filter's choices
}

// MyTasksData is a staff member's own tasks this month.
type MyTasksData struct {
	Month string
	Rows  []CalendarRow // at most MyTasksShown
	Total int
	// Earlier are the person's packs of earlier months still open, shown
	// first; EarlierOpen counts them all.
	Earlier     []CalendarRow
	EarlierOpen int
}

func rowText(r CalendarRow) string {
	client := "*" + blockkit.Escape(r.Client) + "*"
	if r.Template != "" {
		client += " · " + blockkit.Escape(r.Template)
	}
	line := fmt.Sprintf("%s %s\n%s · due %s · %s", r.Colour.Emoji(), client, blockkit.Escape(r.Stage),
		r.Due.Format("Mon 2 Jan"), blockkit.Escape(r.Preparer))
	if r.Month != "" {
		line += " · _" + r.Month + "_"
	}
	return line
}

// earlierBlocks lists packs of earlier months still open, above a month's.
func earlierBlocks(rows []CalendarRow, open, overdue int) []slack.Block {
	if len(rows) == 0 {
		return nil
	}
	note := fmt.Sprintf("*Still open from earlier months: %d*", open)
	if overdue > 0 {
		note += fmt.Sprintf(" · %s %d overdue", ui.ColourOverdue.Emoji(), overdue)
	}
	if open > len(rows) {
		note += fmt.Sprintf(" · the %d due soonest:", len(rows))
	}
	blocks := []slack.Block{slack.NewSectionBlock(blockkit.Markdown(note, 0), nil, nil)}
	for _, r := range rows {
		blocks = append(blocks, rowBlock(r))
	}
	return blocks
}

func rowBlock(r CalendarRow) slack.Block {
	return slack.NewSectionBlock(blockkit.Markdown(rowText(r), blockkit.MaxSectionText), nil,
		slack.NewAccessory(ui.OpenTaskButton(r.TaskID)))
}

func myTasks(d *MyTasksData) []slack.Block {
	if d == nil {
		return nil
	}
	blocks := []slack.Block{slack.NewDividerBlock(), slack.NewHeaderBlock(blockkit.Plain("My tasks this month · "+d.Month, blockkit.MaxHeaderText))}
	blocks = append(blocks, earlierBlocks(d.Earlier, d.EarlierOpen, 0)...)
	if d.Total == 0 {
		return append(blocks, slack.NewSectionBlock(blockkit.Markdown("Nothing to prepare or review this month.", 0), nil, nil))
	}
	rows := d.Rows[:min(len(d.Rows), MyTasksShown)]
	for _, r := range rows {
		blocks = append(blocks, rowBlock(r))
	}
	note := "`/tasks` lists your tasks with their checklists."
	if more := d.Total - len(rows); more > 0 {
		note = fmt.Sprintf("+%d more — `/tasks` lists them all.", more)
	}
	return append(blocks, slack.NewContextBlock("", blockkit.Markdown(note, 0)))
}

// calendarSelect is a filter: the "all" choice first, then the options
// (as many as a select holds), the current value picked.
func calendarSelect(actionID, all string, opts []blockkit.Option, current string) *slack.SelectBlockElement {
	choices := append([]blockkit.Option{{Value: CalendarAll, Label: all}}, opts...)
	if len(choices) > blockkit.MaxSelectOptions {
		// Keep the current choice even when it falls beyond the cut.
		kept := choices[:blockkit.MaxSelectOptions:blockkit.MaxSelectOptions]
		for i, o := range choices {
			if o.Value == current && i >= blockkit.MaxSelectOptions {
				kept[len(kept)-1] = o
			}
		}
		choices = kept
	}
	options := blockkit.Options(choices)
	el := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, blockkit.Plain(all, blockkit.MaxPlaceholder), actionID, options...)
	if current == "" {
		current = CalendarAll
	}
	for _, o := range options {
		if o.Value == current {
			el.InitialOption = o
		}
	}
	return el
}

func calendar(d *CalendarData) []slack.Block {
	if d == nil {
		return nil
	}
	blocks := []slack.Block{slack.NewDividerBlock(), slack.NewHeaderBlock(blockkit.Plain("Month at a glance · "+d.Month, blockkit.MaxHeaderText))}

	counts := make([]string, 0, len(d.Counts)+1)
	all := 0
	for _, c := range d.Counts {
		counts = append(counts, fmt.Sprintf("%s %s *%d*", c.Colour.Emoji(), c.Label, c.N))
		all += c.N
	}
	counts = append(counts, fmt.Sprintf("%s At risk *%d*", ui.ColourAtRisk.Emoji(), d.AtRisk))
	header := fmt.Sprintf("*%d %s* · %s", all, ui.Plural(all, "task", "tasks"), strings.Join(counts, " · "))
	if d.EarlierOverdue > 0 && len(d.Earlier) == 0 {
		header += fmt.Sprintf("\n%s *%d %s from earlier months still overdue* — `/board` lists them.",
			ui.ColourOverdue.Emoji(), d.EarlierOverdue, ui.Plural(d.EarlierOverdue, "pack", "packs"))
	}
	blocks = append(blocks,
		slack.NewSectionBlock(blockkit.Markdown(header, 0), nil, nil),
		slack.NewContextBlock("", blockkit.Markdown(ui.ColourLegend, 0)))

	prev, next := d.State, d.State
	prev.Month, prev.Page = d.PrevMonth, 0
	next.Month, next.Page = d.NextMonth, 0
	blocks = append(blocks, slack.NewActionBlock("calendar.filters",
		calendarSelect(ActionCalendarMember, "Everyone", d.Members, memberValue(d.State.Member)),
		calendarSelect(ActionCalendarType, "Every entity type", d.Types, d.State.Type),
		calendarSelect(ActionCalendarStatus, "Every status", d.Statuses, d.State.Status),
		slack.NewButtonBlockElement(ActionCalendarMonthPrev, prev.Encode(), blockkit.Plain("← "+d.PrevLabel, blockkit.MaxButtonText)),
		slack.NewButtonBlockElement(ActionCalendarMonthNext, next.Encode(), blockkit.Plain(d.NextLabel+" →", blockkit.MaxButtonText)),
	))

	if d.State.Page == 0 {
		blocks = append(blocks, earlierBlocks(d.Earlier, d.EarlierOpen, d.EarlierOverdue)...)
	}
	if d.Total == 0 {
		what := "No tasks this month match these filters."
		if all == 0 {
			what = "No tasks for " + d.Month + "."
		}
		return append(blocks, slack.NewSectionBlock(blockkit.Markdown(what, 0), nil, nil))
	}
	p := blockkit.Paginate(d.Total, d.State.Page, CalendarPageSize)
	rows := d.Rows[:min(len(d.Rows), CalendarPageSize)]
	blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(
		fmt.Sprintf("Showing %d–%d of %d · %s", p.Start+1, p.Start+len(rows), p.Total, p.Label()), 0)))
	for _, r := range rows {
		blocks = append(blocks, rowBlock(r))
	}
	var nav []slack.BlockElement
	if p.HasPrev() {
		s := d.State
		s.Page = p.Index - 1
		nav = append(nav, slack.NewButtonBlockElement(ActionCalendarPagePrev, s.Encode(), blockkit.Plain("Previous page", blockkit.MaxButtonText)))
	}
	if p.HasNext() {
		s := d.State
		s.Page = p.Index + 1
		nav = append(nav, slack.NewButtonBlockElement(ActionCalendarPageNext, s.Encode(), blockkit.Plain("Next page", blockkit.MaxButtonText)))
	}
	if len(nav) > 0 {
		blocks = append(blocks, slack.NewActionBlock("calendar.pages", nav...))
	}
	return blocks
}

func memberValue(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprint(id)
}

// HomeTime is the time-tracking part of the App Home.
type HomeTime struct {
	Timer           *ui.TimerView
	TodayMinutes    int
	WeekMinutes     int
	CapacityMinutes int // a week's
	Recent          []ui.EntryView
}

func homeTime(t *HomeTime) []slack.Block {
	if t == nil {
		return nil
	}
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain("Time", blockkit.MaxHeaderText))}
	if t.Timer != nil {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(":stopwatch: "+t.Timer.Line(), 0), nil,
			slack.NewAccessory(slack.NewButtonBlockElement(ui.ActionTimerStop, fmt.Sprint(t.Timer.ID), blockkit.Plain("Stop", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary))))
	} else {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown("No timer running. `/timer start acme payroll` starts one.", 0), nil,
			slack.NewAccessory(slack.NewButtonBlockElement(ui.ActionLogOpen, "home", blockkit.Plain("Log time", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary))))
	}
	week := fmt.Sprintf("*This week* %s", ui.Hours(t.WeekMinutes))
	if t.CapacityMinutes > 0 {
		week += fmt.Sprintf(" of %s (%d%%)", ui.Hours(t.CapacityMinutes), t.WeekMinutes*100/t.CapacityMinutes)
	}
	blocks = append(blocks, slack.NewSectionBlock(nil, []*slack.TextBlockObject{
		blockkit.Markdown(fmt.Sprintf("*Today* %s", ui.Hours(t.TodayMinutes)), 0),
		blockkit.Markdown(week, 0),
	}, nil))
	if len(t.Recent) > 0 {
		lines := make([]string, 0, len(t.Recent))
		for _, e := range t.Recent {
			lines = append(lines, e.Date.Format("Mon 2 Jan")+" · "+e.Line())
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown("*Latest entries*\n"+strings.Join(lines, "\n"), blockkit.MaxSectionText), nil, nil))
	}
	return blocks
}
