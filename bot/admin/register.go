// Package admin is the practice's set-up in Slack: /atlas setup and
// settings, the team, clients (with the type-ahead every client field uses,
// and the buttons that answer a client name matching several clients),
// services and the rate card.
package admin

import (
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Deps are what the set-up handlers use.
type Deps struct {
	Practice practice.Store
	Time     timesheet.Store // a rate change revalues time
	Work     workflow.Store  // a new practice gets the standard template
}

type handlers struct{ Deps }

// Register adds the set-up commands, forms and buttons.
func Register(rt *slackapp.Router, d Deps) {
	h := handlers{d}
	staff, manager, partner, admin := slackapp.Staff, slackapp.Manager, slackapp.Partner, slackapp.Admin
	const area = "Practice set-up"
	cmd := func(sub, usage, summary string, examples []string, route slackapp.Route) {
		rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: sub, Area: area, Usage: usage, Summary: summary, Examples: examples, Route: route})
	}

	rt.AnswerErrors(answerAmbiguous)
	rt.HandleAction(ActionPickClient, staff(h.pickedClient))

	cmd("setup", "/atlas setup", "Set the practice's name, timezone, currency and VAT rate.", nil, admin(h.openSetup))
	rt.HandleAction(ui.ActionOpenSetup, admin(h.openSetup))
	rt.HandleSubmit(CallbackSetup, admin(h.submitSetup))

	cmd("team", "/atlas team", "Who is on the team, with roles and weekly capacity.", []string{"/atlas team"}, staff(h.team))
	cmd("team add", "/atlas team add @person role", "Put a person on the team as staff, manager, partner or admin.",
		[]string{"/atlas team add @bea staff", "/atlas team add @max manager"},
		admin(h.teamAdd).Because("Only admins can add people to the team"))
	cmd("team edit", "/atlas team edit @person", "Change a person's role, weekly capacity or whether they are active (also the team list's Edit buttons).",
		[]string{"/atlas team edit @bea"}, admin(h.teamEdit).Because("Only admins can change people on the team"))
	rt.HandleAction(ActionTeamEdit, admin(h.openTeamEdit))
	rt.HandleSubmit(CallbackTeamMember, admin(h.submitTeamMember))

	cmd("clients", "/atlas clients [search]", "Find clients by code, name or another name, or a misspelling of one; a search that finds one client shows its billing, fee history and retainer.",
		[]string{"/atlas clients", "/atlas clients {client}"}, staff(h.clients))
	changeClients := "Only admins and managers can change clients"
	clientForm := "*The client form's billing*\n" +
		"• *Monthly fee* and *Fee from*: a changed fee is added to the client's fee history from that day — empty: from the first period invoiced from today. " +
		"A period is billed at the fee in force on its first day, so a new fee never reprices an earlier period.\n" +
		"• *Invoice day*: 1 to 31; 29, 30 and 31 mean the month's last day in months that are shorter.\n" +
		"• *Retainer starts* and *ends*: no retainer invoice before the start or after the end; a month begun or ended part-way is pro-rated by its days.\n" +
		"• *Billing contact*, *email* and *address*: who invoices are addressed and sent to."
	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "clients add", Area: area, Usage: "/atlas clients add",
		Summary: "A form for a new client: code, name, who manages it, the fee and from when, invoicing, retainer dates and the billing contact.",
		Detail:  clientForm, Route: manager(h.openClientAdd).Because(changeClients)})
	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "clients edit", Area: area, Usage: "/atlas clients edit CODE",
		Summary: "The client form for a client.", Detail: clientForm, Examples: []string{"/atlas clients edit {client}"},
		Route: manager(h.clientsEdit).Because(changeClients)})
	cmd("clients archive", "/atlas clients archive CODE", "Archive a client: it keeps its history and takes no new work.",
		[]string{"/atlas clients archive {client}"}, manager(h.clientsArchive(true)).Because(changeClients))
	cmd("clients restore", "/atlas clients restore CODE", "Restore an archived client.", []string{"/atlas clients restore {client}"},
		manager(h.clientsArchive(false)).Because(changeClients))
	rt.HandleAction(ActionClientAdd, manager(h.openClientAdd))
	rt.HandleAction(ActionClientEdit, manager(h.openClientEdit))
	rt.HandleSubmit(CallbackClient, manager(h.submitClient))
	rt.HandleOptions(ui.ActionClientSearch, staff(h.clientOptions))

	cmd("services", "/atlas services", "The services the practice offers.", []string{"/atlas services"}, staff(h.services))
	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "services add", Area: area,
		Usage:   "/atlas services add CODE Name [retainer] [vat:zero|reduced|exempt|outside] [non-billable]",
		Summary: "Add or rename a service; `retainer`: fixed fees cover it by default; `vat:`: its VAT treatment (standard unless said); `non-billable`: its time is never invoiced.",
		Detail:  servicesDetail,
		Examples: []string{"/atlas services add PAYROLL Payroll", "/atlas services add BK Bookkeeping retainer",
			"/atlas services add CHFEE Companies House fees vat:outside", "/atlas services add TRAIN Internal training non-billable"},
		Route: admin(h.servicesAdd).Because("Only admins can change services")})

	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "rates", Area: area, Usage: "/atlas rates [client] [service] [@person]",
		Summary:  "The hourly rate that applies, and why. `/atlas rates help` explains the rules.",
		Detail:   "*Which rate applies*\n" + practice.PrecedenceHelp,
		Examples: []string{"/atlas rates {client} {service}", "/atlas rates {client} @bea", "/atlas rates help"}, Route: staff(h.rates)})
	setRates := "Only partners and admins can set or end rates"
	cmd("rates set", "/atlas rates set", "A form to set a rate from a date, or end one; unbilled time it reaches is revalued.", nil,
		partner(h.openRateModal).Because(setRates))
	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "rates end", Area: area, Usage: "/atlas rates end", Hidden: true,
		Summary: "The same as `/atlas rates set`.", Route: partner(h.openRateModal).Because(setRates)})
	rt.HandleSubmit(CallbackRate, partner(h.submitRate))

	cmd("settings", "/atlas settings", "The practice's settings: timezone, currency, VAT, rounding, invoicing, digest, reviews, billing, delivery and reminders.",
		[]string{"/atlas settings"}, staff(h.settings))
	changeSettings := "Only admins can change the settings"
	cmd("settings edit", "/atlas settings edit", "A form for every setting (also the settings' Change settings button).", nil,
		admin(h.openSettings).Because(changeSettings))
	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "settings change", Area: area, Usage: "/atlas settings change", Hidden: true,
		Summary: "The same as `/atlas settings edit`.", Route: admin(h.openSettings).Because(changeSettings)})
	rt.HandleAction(ActionSettingsEdit, admin(h.openSettings))
	rt.HandleSubmit(CallbackSettings, admin(h.submitSettings))
	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "settings billing", Area: area, Usage: "/atlas settings billing",
		Summary: "A form for the billing settings: VAT registration and number, reduced rate, postal address, VAT rounding, invoice lines, billing channel and run day (also the settings' Change billing settings button).",
		Detail:  billingSettingsHelp, Route: admin(h.openBillingSettings).Because(changeSettings)})
	rt.HandleAction(ActionBillingSettingsEdit, admin(h.openBillingSettings))
	rt.HandleSubmit(CallbackBillingSettings, admin(h.submitBillingSettings))
	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "settings delivery", Area: area, Usage: "/atlas settings delivery",
		Summary: "A form for the delivery settings: the bank details printed on invoices, the address and name invoices are emailed from, and whether approval sends them (also the settings' Change delivery settings button).",
		Detail:  deliverySettingsHelp, Examples: []string{"/atlas settings delivery"},
		Route: admin(h.openDeliverySettings).Because(changeSettings)})
	rt.HandleAction(ActionDeliverySettingsEdit, admin(h.openDeliverySettings))
	rt.HandleSubmit(CallbackDeliverySettings, admin(h.submitDeliverySettings))
	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "settings reminders", Area: area, Usage: "/atlas settings reminders",
		Summary: "A form for the overdue reminders: the days after the due date they are emailed, and whether they show statutory late-payment interest, at which base rate (also the settings' Change reminders button).",
		Detail:  reminderSettingsHelp, Examples: []string{"/atlas settings reminders"},
		Route: admin(h.openReminderSettings).Because(changeSettings)})
	rt.HandleAction(ActionReminderSettingsEdit, admin(h.openReminderSettings))
	rt.HandleSubmit(CallbackReminderSettings, admin(h.submitReminderSettings))
	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "settings digest", Area: area, Usage: "/atlas settings digest",
		Summary: "A form for the morning digests: the working days, when a client's work in progress is listed, and whether everyone gets the morning DM (also the settings' Change digests button).",
		Detail:  digestSettingsHelp, Examples: []string{"/atlas settings digest"},
		Route: admin(h.openDigestSettings).Because(changeSettings)})
	rt.HandleAction(ActionDigestSettingsEdit, admin(h.openDigestSettings))
	rt.HandleSubmit(CallbackDigestSettings, admin(h.submitDigestSettings))
	rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "settings portal", Area: area, Usage: "/atlas settings portal",
		Summary: "A form for the client portal: the working day after a month ends its documents are asked for, the reminder days, and the upload quota per client (also the settings' Change portal settings button).",
		Detail:  portalSettingsHelp, Examples: []string{"/atlas settings portal"},
		Route: admin(h.openPortalSettings).Because(changeSettings)})
	rt.HandleAction(ActionPortalSettingsEdit, admin(h.openPortalSettings))
	rt.HandleSubmit(CallbackPortalSettings, admin(h.submitPortalSettings))
}
