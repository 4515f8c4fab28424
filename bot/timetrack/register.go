// Package timetrack is time tracking in Slack: /log lines and the log form,
// timers and their buttons, the timesheet, and the reminder about a timer
// left running. How a /log line becomes an entry is log.go; the timer's
// commands are timer.go; the timesheet is timesheet.go; the reminder is
// forgotten_timers.go.
package timetrack

import (
	"context"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timeparse"
	"github.com/atlas-practice/atlas/internal/timesheet"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Deps are what the time handlers use.
type Deps struct {
	Practice practice.Store
	Time     timesheet.Store
	Work     workflow.Store // the month's tasks, to log time against
	// Services, when set, is where lines read the practice's services
	// from (a cache); nil reads them through Practice.
	Services *practice.ServiceCache
}

type handlers struct{ Deps }

// services lists the practice's active services, for reading a line.
func (h handlers) services(ctx context.Context, pid atlas.PracticeID) ([]practice.Service, error) {
	if h.Deps.Services != nil {
		return h.Deps.Services.Services(ctx, pid)
	}
	return h.Practice.Services(ctx, pid)
}

// logReading is how /log reads a line, for `/log help`.
const logReading = "*How a line is read.* First how long: `1h30`, `1.5h`, `90m`, `1:30`, `45` (minutes), `1 1/2 hours`, `an hour and a half`. " +
	"Then the client: its code, another name, or its name — several words need no quotes (`acme trading`); the longest run of words that names a client is taken. " +
	"In the words that follow, anywhere: a service (code or name; a small typo is recognised and said) and a date (`yesterday`, `friday`, `3 Nov`, `2026-11-03`; today when none). " +
	"What is left is the note. With no service named, the time goes to the practice's default service; with no default, Atlas asks. " +
	"When the words could mean two clients or two services, Atlas asks with buttons and saves nothing until you pick. `/log` alone opens a form."

// Register adds the time-tracking routes: /timer, /log, /timesheet, the
// shortcuts that open the log form, and the buttons of each.
func Register(rt *slackapp.Router, d Deps) {
	h := handlers{d}
	staff := slackapp.Staff
	const area = "Time"
	rt.HandleRender(RenderForgotten, renderForgotten(d, rt))

	rt.HandleCommand(slackapp.Command{Name: "/timer", Area: area, Usage: "/timer",
		Summary: "Show your running timer, with buttons to stop or discard it.", Route: staff(h.timerShow)})
	rt.HandleCommand(slackapp.Command{Name: "/timer", Sub: "show", Area: area, Usage: "/timer show", Hidden: true,
		Summary: "The same as `/timer`.", Route: staff(h.timerShow)})
	rt.HandleCommand(slackapp.Command{Name: "/timer", Sub: "start", Area: area, Usage: "/timer start <client> [service] [note]",
		Summary:  "Start timing work for a client. A timer already running is stopped and saved first.",
		Detail:   "The client and service are read as `/log` reads them (`/log help`): a client's code or name, several words without quotes; then a service anywhere, else the practice's default service. The rest is the timer's note.",
		Examples: []string{"/timer start {client} {service}", "/timer start {name} bank reconciliation"},
		Route:    staff(h.timerStart)})
	rt.HandleCommand(slackapp.Command{Name: "/timer", Sub: "stop", Area: area, Usage: "/timer stop [note]",
		Summary: "Stop your timer and save its time; a note replaces the timer's.", Examples: []string{"/timer stop", "/timer stop reconciled October"},
		Route: staff(h.timerStop)})
	rt.HandleCommand(slackapp.Command{Name: "/timer", Sub: "discard", Area: area, Usage: "/timer discard",
		Summary: "Throw away your running timer without saving it (after a confirmation).", Route: staff(h.timerDiscard)})
	rt.HandleCommand(slackapp.Command{Name: "/timer", Sub: "adjust", Area: area, Usage: "/timer adjust",
		Summary: "Stop your timer at the time you really stopped working.", Route: staff(h.timerAdjust)})
	rt.HandleAction(ui.ActionTimerStop, staff(h.timerStopButton))
	rt.HandleAction(ActionTimerDiscard, staff(h.timerDiscard))
	rt.HandleAction(ActionTimerDiscardOK, staff(h.timerDiscardConfirmed))
	rt.HandleAction(ActionTimerKeep, staff(h.timerKeep))
	rt.HandleAction(ActionTimerAdjust, staff(h.timerAdjust))
	rt.HandleSubmit(CallbackTimerAdjust, staff(h.submitAdjust))

	rt.HandleCommand(slackapp.Command{Name: "/log", Area: area, Usage: timeparse.LogUsage,
		Summary: "Log time. Durations: 1h30, 1.5h, 90m, 1:30 or 45 (minutes); dates: yesterday, a weekday, 3 Nov or 2026-11-03. `/log` alone opens a form.",
		Detail:  logReading,
		Examples: []string{"/log 1h30 {client} {service} yesterday bank reconciliation", "/log 45 {name} VAT return",
			"/log 2h {client2} 3 Nov - posted October invoices", "/log 1 1/2 hours {client} friday", "/log an hour and a half {client2}"},
		Route: staff(h.logTime)})
	rt.HandleShortcut(ShortcutLogTime, staff(h.logFromAnywhere))
	rt.HandleShortcut(ShortcutLogMessage, staff(h.logFromMessage))
	rt.HandleAction(ui.ActionLogOpen, staff(h.logFromAnywhere))
	rt.HandleAction(ui.ActionTaskLogTime, staff(h.logFromTask))
	rt.HandleOptions(ActionTaskSearch, staff(h.taskOptions))
	rt.HandleSubmit(CallbackLog, staff(h.submitLog))
	rt.HandleAction(ActionPickService, staff(h.pickedService))
	rt.AnswerErrors(answerServiceQuestion)

	rt.HandleCommand(slackapp.Command{Name: "/timesheet", Area: area, Usage: "/timesheet [week|month|2026-11]",
		Summary:        "Your time by day with totals, to edit or delete entries.",
		Examples:       []string{"/timesheet", "/timesheet last week", "/timesheet 2026-10"},
		OthersUsage:    "/timesheet [week|month|2026-11] [@person]",
		OthersExamples: []string{"/timesheet", "/timesheet last week", "/timesheet 2026-10", "/timesheet month @bea"},
		Route: slackapp.Route{Min: atlas.RoleStaff, Others: atlas.RoleManager, Handle: h.timesheet,
			Refusal: "Only managers, partners and admins can see someone else's timesheet"}})
	rt.HandleAction(ActionTimesheetShow+".", staff(h.timesheetPage))
	rt.HandleAction(ActionEntryPick, staff(h.pickEntry))
	rt.HandleAction(ui.ActionEntryEdit, staff(h.pickEntry))
	rt.HandleAction(ActionEntryDelete, staff(h.askDelete))
	rt.HandleSubmit(CallbackEntryEdit, staff(h.submitEdit))
	rt.HandleSubmit(CallbackEntryDel, staff(h.submitDelete))
}
