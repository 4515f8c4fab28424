// Package tasks is the monthly processing cycle in Slack: /tasks lists, the
// task window and its checklist, review and delivery, attaching the
// practice's files to a pack, reassigning a pack, making a month's tasks,
// and the overdue alerts. Where a pack is approved or returned is
// review.go; ticking is tick.go; attaching files is attach.go; the window
// itself is window.go.
package tasks

import (
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/queries"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Deps are what the task handlers use. PortalURL (PORTAL_URL) and
// PortalSecret (PORTAL_SECRET) are the client portal's: with both, the
// task window asks clients for documents and links the pack's files;
// without, it lists the files by name only.
type Deps struct {
	Practice     practice.Store
	Work         workflow.Store
	PortalURL    string
	PortalSecret []byte
	// Blobs keeps the bytes of the files attached to a pack from the task
	// window; nil: in PostgreSQL (portal.PGBlobs), as the portal's uploads.
	Blobs portal.Blobs
	// MaxFileBytes caps a file attached from the task window; 0:
	// portal.MaxFileBytes, the portal's cap.
	MaxFileBytes int64
}

type handlers struct{ Deps }

// Register adds the monthly task routes: /tasks, the task window and its
// checklist, review and delivery buttons, and reassigning.
func Register(rt *slackapp.Router, d Deps) {
	h := handlers{d}
	staff := slackapp.Staff
	const area = "Tasks"
	rt.HandleRender(RenderOverdue, renderOverdue(d, rt))

	rt.HandleCommand(slackapp.Command{Name: "/tasks", Area: area, Usage: "/tasks [@person|client] [2026-11]",
		Summary:  "The month's tasks, by due date: yours (those you prepare or review), a colleague's or a client's, each with its stage and progress and a button to open its checklist.",
		Examples: []string{"/tasks", "/tasks 2026-10", "/tasks @bea", "/tasks {client}"},
		Route:    staff(h.tasksList)})
	rt.HandleCommand(slackapp.Command{Name: "/tasks", Sub: "generate", Area: area, Usage: "/tasks generate [2026-11]",
		Summary:  "Make the month's task for every client with a template (this month unless you name one). Running it again makes nothing twice.",
		Examples: []string{"/tasks generate", "/tasks generate 2026-12"},
		Route:    slackapp.Manager(h.tasksGenerate)})
	rt.HandleAction(ActionTaskPage, staff(h.tasksPage))
	rt.HandleAction(ui.ActionTaskOpen, staff(h.openTask))
	rt.HandleAction(ActionTaskTick, staff(h.tickTask))
	rt.HandleAction(ActionTaskSend, staff(h.sendTask))
	rt.HandleAction(ActionTaskApprove, staff(h.approveTask))
	rt.HandleAction(ActionTaskReturn, staff(h.askReturn))
	rt.HandleAction(ActionTaskDeliver, staff(h.deliverTask))
	rt.HandleSubmit(CallbackTaskReturn, staff(h.submitReturn))
	rt.HandleSubmit(CallbackTask, staff(h.submitTicks))
	rt.HandleAction(ActionTaskReassign, slackapp.Manager(h.askReassign))
	rt.HandleSubmit(CallbackTaskReassign, slackapp.Manager(h.submitReassign))
	rt.HandleAction(ActionTaskAsk, staff(h.askClient))
	rt.HandleSubmit(CallbackTaskAsk, staff(h.submitAsk))
	rt.HandleRender(queries.RenderAnswered, renderAnswered(d))
	rt.HandleAction(ActionTaskQuery, staff(h.askQuery))
	rt.HandleSubmit(CallbackTaskQuery, staff(h.submitQuery))
	rt.HandleAction(ActionTaskDeliverOverride, staff(h.askOverride))
	rt.HandleSubmit(CallbackTaskDeliver, staff(h.submitOverride))
	rt.HandleAction(ActionTaskPackFile, staff(h.togglePackFile))
	rt.HandleAction(ActionTaskAttach, staff(h.askAttach))
	rt.HandleSubmit(CallbackTaskAttach, staff(h.submitAttach))
}
