// Package templates is the monthly checklist templates and who follows
// them: /atlas templates with its forms for templates and items (items.go),
// and /atlas assign and /atlas assignments, which give a client a template,
// a preparer and a reviewer (assign.go, assignments.go).
package templates

import (
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Deps are what the template and assignment handlers use.
type Deps struct {
	Practice practice.Store
	Work     workflow.Store
}

type handlers struct{ Deps }

// Register adds /atlas templates, /atlas assign and /atlas assignments.
func Register(rt *slackapp.Router, d Deps) {
	h := handlers{d}
	staff, admin, manager := slackapp.Staff, slackapp.Admin, slackapp.Manager
	const area = "Practice set-up"

	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "templates", Area: area, Usage: "/atlas templates [name]",
		Summary: "The monthly checklist templates: when each is due, its stage target days and its items by stage.",
		RoleNotes: []slackapp.RoleNote{{Min: atlas.RoleAdmin,
			Text: "Admins change items with the list's buttons; changes reach future months and tasks not yet started."}},
		Examples: []string{"/atlas templates", "/atlas templates standard"},
		Route:    staff(h.templatesCommand)})
	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "templates add", Area: area, Usage: "/atlas templates add",
		Summary:  "A form for a new template: name, description, due day and month, the six stage target days.",
		Examples: []string{"/atlas templates add"},
		Route:    admin(h.templateNewOpen).Because("Only admins can add templates")})
	rt.HandleAction(ActionTemplateStage, staff(h.templateStageShow))
	rt.HandleAction(ActionTemplateStagePage, staff(h.templateStageShow))
	rt.HandleAction(ActionTemplateNew, admin(h.templateNewOpen))
	rt.HandleAction(ActionTemplateEdit, admin(h.templateEditOpen))
	rt.HandleAction(ActionTemplateAddItem, admin(h.templateItemAddOpen))
	rt.HandleAction(ActionTemplateItemMenu, admin(h.templateItemMenu))
	rt.HandleSubmit(CallbackTemplate, admin(h.templateSubmit))
	rt.HandleSubmit(CallbackTemplateItem, admin(h.templateItemSubmit))
	rt.HandleSubmit(CallbackTemplateRemove, admin(h.templateItemRemoveSubmit))

	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "assign", Area: area, Usage: "/atlas assign <client>",
		Summary: "A form for a client's monthly task: its template, preparer, reviewer, the client's extra items and the items it does without. " +
			"This month's task is made at once.",
		Examples: []string{"/atlas assign {client}", "/atlas assign {name}"},
		Route:    manager(h.assignCommand)})
	rt.HandleAction(ActionAssignTemplate, manager(h.assignTemplatePicked))
	rt.HandleSubmit(CallbackAssign, manager(h.assignSubmit))

	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "assignments", Area: area, Usage: "/atlas assignments [client]",
		Summary:  "Which template each client follows, who prepares and reviews it, and its extra and dropped items.",
		Examples: []string{"/atlas assignments", "/atlas assignments {client}"},
		Route:    staff(h.assignmentsCommand)})
	rt.HandleAction(ActionAssignmentsPage, staff(h.assignmentsPage))
}
