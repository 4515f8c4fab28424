package ui

import (
	"strconv"
	"strings"
)

// Action ids drawn by one feature and handled by another.
const (
	// ActionTaskOpen opens a month's task (its value is the task id) in a
	// modal with its checklist: from /tasks, the calendar, the board and
	// overdue alerts alike.
	ActionTaskOpen = "task.open"
	// ActionTaskLogTime is the task window's "Log time" (value: task id),
	// handled by time tracking.
	ActionTaskLogTime = "task.log_time"
	// ActionTimerStop stops the timer whose id is its value: on timer
	// messages and the App Home.
	ActionTimerStop = "timer.stop"
	// ActionLogOpen opens the log form: the App Home's "Log time".
	ActionLogOpen = "log.open"
	// ActionOpenSetup is the App Home's "Set up the practice" button.
	ActionOpenSetup = "setup.open"
	// ActionInvoiceOpen shows the invoice whose id is its value: from the
	// App Home, a DM, a list — handled by billing.
	ActionInvoiceOpen = "invoice.open"
	// ActionInvoicesReview lists the invoices awaiting approval (value: a
	// month such as 2026-11, or "" for all): from a run's summary and the
	// digest, handled by billing.
	ActionInvoicesReview = "invoices.review"
	// ActionInvoiceDraft drafts the invoice of the client whose id is its
	// value, up to today: from work in progress, handled by billing.
	ActionInvoiceDraft = "invoice.draft_client"
	// ActionEntryEdit opens the edit form of the entry whose id is its
	// value: from the month-end time review, handled by time tracking.
	ActionEntryEdit = "entry.edit"
	// ActionTimesheetShow (a prefix: ".prev", ".review"…) shows the
	// timesheet its value names, as `/timesheet` text such as
	// "2026-11 <@U123>".
	ActionTimesheetShow = "timesheet.show"
)

// ID is an id as a button value carries it.
func ID(n int64) string { return strconv.FormatInt(n, 10) }

// ParseID reads an id from a button value or a select; 0 when it is not
// one.
func ParseID(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// ActionClientSearch is the client type-ahead (an external_select) of every
// form that names a client; the practice's set-up answers its options.
const ActionClientSearch = "client.search"
