package bot

import (
	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/timeparse"
)

// registerTime adds the time-tracking routes: /timer, /log, /timesheet,
// the shortcuts that open the log modal, and the buttons of each.
func registerTime(rt *Router) {
	staff := func(h HandlerFunc) Route { return Route{Min: atlas.RoleStaff, Handle: h} }

	rt.HandleCommand(Command{Name: "/timer", Usage: "/timer",
		Summary: "Show your running timer, with buttons to stop or discard it.", Route: staff(timerShow)})
	rt.HandleCommand(Command{Name: "/timer", Sub: "show", Usage: "/timer show",
		Summary: "The same as `/timer`.", Route: staff(timerShow)})
	rt.HandleCommand(Command{Name: "/timer", Sub: "start", Usage: "/timer start <client> [service] [note]",
		Summary:  "Start timing work for a client. A timer already running is stopped and saved first.",
		Examples: []string{"/timer start acme payroll", "/timer start \"Acme Trading\" bank reconciliation"},
		Route:    staff(timerStart)})
	rt.HandleCommand(Command{Name: "/timer", Sub: "stop", Usage: "/timer stop [note]",
		Summary: "Stop your timer and save its time; a note replaces the timer's.", Examples: []string{"/timer stop", "/timer stop reconciled October"},
		Route: staff(timerStop)})
	rt.HandleCommand(Command{Name: "/timer", Sub: "discard", Usage: "/timer discard",
		Summary: "Throw away your running timer without saving it (after a confirmation).", Route: staff(timerDiscard)})
	rt.HandleCommand(Command{Name: "/timer", Sub: "adjust", Usage: "/timer adjust",
		Summary: "Stop your timer at the time you really stopped working.", Route: staff(timerAdjust)})
	rt.HandleAction(views.ActionTimerStop, staff(timerStopButton))
	rt.HandleAction(views.ActionTimerDiscard, staff(timerDiscard))
	rt.HandleAction(views.ActionTimerDiscardOK, staff(timerDiscardConfirmed))
	rt.HandleAction(views.ActionTimerKeep, staff(timerKeep))
	rt.HandleAction(views.ActionTimerAdjust, staff(timerAdjust))
	rt.HandleSubmit(views.CallbackTimerAdjust, staff(submitAdjust))

	rt.HandleCommand(Command{Name: "/log", Usage: timeparse.LogUsage,
		Summary:  "Log time. Durations: 1h30, 1.5h, 90m, 1:30 or 45 (minutes); dates: yesterday, a weekday, 3 Nov or 2026-11-03. `/log` alone opens a form.",
		Examples: timeparse.LogExamples, Route: staff(logTime)})
	rt.HandleShortcut(views.ShortcutLogTime, staff(logFromAnywhere))
	rt.HandleShortcut(views.ShortcutLogMessage, staff(logFromMessage))
	rt.HandleAction(views.ActionLogOpen, staff(logFromAnywhere))
	rt.HandleAction(views.ActionTaskLogTime, staff(logFromTask))
	rt.HandleOptions(views.ActionTaskSearch, staff(taskOptions))
	rt.HandleSubmit(views.CallbackLog, staff(submitLog))
	rt.HandleAction(ActionPickClient, staff(pickedClient))

	rt.HandleCommand(Command{Name: "/timesheet", Usage: "/timesheet [week|month|2026-11] [@person]",
		Summary:  "Your time by day with totals, to edit or delete entries. Managers and partners can see anyone's.",
		Examples: []string{"/timesheet", "/timesheet last week", "/timesheet 2026-10", "/timesheet month @bea"},
		Route:    staff(timesheet)})
	rt.HandleAction(views.ActionTimesheetShow+".", staff(timesheetPage))
	rt.HandleAction(views.ActionEntryPick, staff(pickEntry))
	rt.HandleAction(views.ActionEntryDelete, staff(askDelete))
	rt.HandleSubmit(views.CallbackEntryEdit, staff(submitEdit))
	rt.HandleSubmit(views.CallbackEntryDel, staff(submitDelete))
}
