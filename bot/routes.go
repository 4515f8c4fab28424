package bot

import (
	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
)

// Register adds every feature's routes to rt. Each feature's file declares
// its own; this is the one list of them.
func Register(rt *Router) {
	registerTime(rt)
	registerTasks(rt)
	registerBoard(rt)
	registerTemplates(rt)

	rt.HandleCommand(Command{Name: "/atlas", Sub: "help", Usage: "/atlas help",
		Summary: "This list of commands.", Route: Route{Handle: help}})
	rt.HandleCommand(Command{Name: "/atlas", Usage: "/atlas",
		Summary: "The same as `/atlas help`.", Route: Route{Handle: help}})
	rt.HandleAction(views.ActionHelp, Route{Handle: help})

	rt.HandleEvent("app_home_opened", Route{Handle: home})

	rt.HandleCommand(Command{Name: "/atlas", Sub: "setup", Usage: "/atlas setup",
		Summary: "Set the practice's name, timezone, currency and VAT rate.",
		Route:   Route{Min: atlas.RoleAdmin, Handle: openSetup}})
	rt.HandleAction(views.ActionOpenSetup, Route{Min: atlas.RoleAdmin, Handle: openSetup})
	rt.HandleSubmit(views.CallbackSetup, Route{Min: atlas.RoleAdmin, Handle: submitSetup})

	rt.HandleCommand(Command{Name: "/atlas", Sub: "team", Usage: "/atlas team",
		Summary:  "Who is on the team, with roles and weekly capacity. Admins add people with `/atlas team add @person role` and change a person's role, capacity or status with `/atlas team edit @person` or the list's Edit buttons.",
		Examples: []string{"/atlas team", "/atlas team add @bea staff", "/atlas team add @max manager", "/atlas team edit @bea"},
		Route:    Route{Min: atlas.RoleStaff, Handle: team}})
	rt.HandleAction(views.ActionTeamEdit, Route{Min: atlas.RoleAdmin, Handle: openTeamEdit})
	rt.HandleSubmit(views.CallbackTeamMember, Route{Min: atlas.RoleAdmin, Handle: submitTeamMember})

	rt.HandleCommand(Command{Name: "/atlas", Sub: "clients", Usage: "/atlas clients [search]",
		Summary:  "Find clients by code or name. Admins and managers add, edit, archive and restore them.",
		Examples: []string{"/atlas clients acme", "/atlas clients add", "/atlas clients edit ACME", "/atlas clients archive ACME"},
		Route:    Route{Min: atlas.RoleStaff, Handle: clients}})
	rt.HandleAction(views.ActionClientAdd, Route{Min: atlas.RoleManager, Handle: openClientAdd})
	rt.HandleAction(views.ActionClientEdit, Route{Min: atlas.RoleManager, Handle: openClientEdit})
	rt.HandleSubmit(views.CallbackClient, Route{Min: atlas.RoleManager, Handle: submitClient})
	rt.HandleOptions(views.ActionClientSearch, Route{Min: atlas.RoleStaff, Handle: clientOptions})

	rt.HandleCommand(Command{Name: "/atlas", Sub: "services", Usage: "/atlas services",
		Summary:  "The services the practice offers. Admins add them: `/atlas services add CODE Name [retainer]`.",
		Examples: []string{"/atlas services", "/atlas services add PAYROLL Payroll", "/atlas services add BK Bookkeeping retainer"},
		Route:    Route{Min: atlas.RoleStaff, Handle: services}})

	rt.HandleCommand(Command{Name: "/atlas", Sub: "rates", Usage: "/atlas rates [client] [service] [@person]",
		Summary:  "The hourly rate that applies, and why. Partners and admins set or end rates with `/atlas rates set`.",
		Examples: []string{"/atlas rates acme payroll", "/atlas rates acme @bea", "/atlas rates help", "/atlas rates set"},
		Route:    Route{Min: atlas.RoleStaff, Handle: rates}})
	rt.HandleSubmit(views.CallbackRate, Route{Min: atlas.RolePartner, Handle: submitRate})

	rt.HandleCommand(Command{Name: "/atlas", Sub: "settings", Usage: "/atlas settings",
		Summary:  "The practice's settings: timezone, currency, VAT, rounding, invoicing, digest, reviews. Admins change them with the Change settings button or `/atlas settings edit`.",
		Examples: []string{"/atlas settings", "/atlas settings edit"},
		Route:    Route{Min: atlas.RoleStaff, Handle: settings}})
	rt.HandleAction(views.ActionSettingsEdit, Route{Min: atlas.RoleAdmin, Handle: openSettings})
	rt.HandleSubmit(views.CallbackSettings, Route{Min: atlas.RoleAdmin, Handle: submitSettings})
}
