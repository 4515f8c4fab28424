// Package workflow runs the monthly processing cycle: templates of checklist
// items across the six stages, the assignment of a template to each client
// with a preparer and a reviewer, the month's tasks generated from them,
// ticking, review and delivery, and the figures the calendar, the board and
// the digest read.
//
// A task keeps its progress on its own row (current stage, items done, when
// each stage finished), rewritten by the same statement that ticks or moves
// it, so the calendar and the board read one row per client. Every change
// happens under a lock on the task's row and is audited; a change made from
// a checklist that someone else has changed since is refused as stale, so
// the caller shows the current state instead of writing over it.
package workflow
