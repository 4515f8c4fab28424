// Package billing is the Slack face of invoicing: /invoices (a month's
// invoices, the run that drafts them, the month-end review of the time
// they bill), /invoice (one invoice, and drafts on demand), and the forms a
// manager works on a draft with before a partner approves it. The rules
// live in internal/billing.
package billing

import (
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/creditnotes"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/payments"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/statements"
)

// Deps are what the billing commands read and write.
type Deps struct {
	Practice    practice.Store
	Billing     billing.Store
	CreditNotes creditnotes.Store
	Payments    payments.Store
}

type handlers struct{ Deps }

// Register adds the billing routes and the renderers of the billing
// channel's messages. Managers prepare, change and submit invoices;
// partners (and admins) approve, reject and void them; staff may look at
// the invoices of the clients they work on, and change nothing.
func Register(rt *slackapp.Router, d Deps) {
	h := handlers{d}
	manager, partner, staff := slackapp.Manager, slackapp.Partner, slackapp.Staff
	const area = "Billing"
	because := "Invoices are prepared by managers, partners and admins"
	approvers := "Only partners and admins approve, reject or void invoices"
	creditors := "Only partners and admins issue credit notes"

	rt.HandleCommand(slackapp.Command{Name: "/invoices", Area: area, Usage: "/invoices [client|status|month]",
		Summary:  "Invoices, newest first: a client's, a kind (hourly, retainers), those in a status (draft, awaiting, approved, sent, paid, void, deleted) or a month's.",
		Examples: []string{"/invoices", "/invoices awaiting", "/invoices {client}", "/invoices 2026-11 hourly", "/invoices last month drafts"},
		Route:    staff(h.list)})
	rt.HandleCommand(slackapp.Command{Name: "/invoices", Sub: "run", Area: area, Usage: "/invoices run [month]",
		Summary: "Make the month's drafts now: every retainer invoice due, and the hourly invoices of the month (the month just ended unless you name one). Running it again makes nothing twice.",
		Detail: "The run also happens by itself each morning: retainer invoices on each client's invoice day, the hourly invoices on the practice's run day " +
			"(`/atlas settings`). Its drafts wait for a partner's approval; nothing goes to a client before that.",
		Examples: []string{"/invoices run", "/invoices run 2026-11"},
		Route:    manager(h.run).Because(because)})
	rt.HandleCommand(slackapp.Command{Name: "/invoices", Sub: "check", Area: area, Usage: "/invoices check [month]",
		Summary:  "The month-end time review: entries without a service or a rate, non-billable time on billable services, and working days with no time — each with a button to fix it.",
		Examples: []string{"/invoices check", "/invoices check 2026-11"},
		Route:    manager(h.check).Because(because)})
	rt.HandleCommand(slackapp.Command{Name: "/invoice", Area: area, Usage: "/invoice <client|number>",
		Summary:   "One invoice: its lines and the time behind each, its VAT and total, and what it bills of its time's value.",
		RoleNotes: []slackapp.RoleNote{{Min: atlas.RoleManager, Text: "Drafts have buttons to change them."}},
		Detail: "A draft can be written down (a line, with a reason, or a new total spread over the lines), have a line added by hand (a disbursement), " +
			"have time taken off (carried forward to a later invoice, or written off), be listed by service or entry by entry, or be deleted (its time goes back to work in progress). " +
			"Approved invoices never change.",
		Examples: []string{"/invoice {client}", "/invoice 12", "/invoice INV-2026-0042"},
		Route:    staff(h.show)})
	rt.HandleCommand(slackapp.Command{Name: "/invoice", Sub: "draft", Area: area, Usage: "/invoice draft <client> [up to <date>]",
		Summary:  "Draft a client's invoice now, from its unbilled time up to a date (today unless you say), and any retainer invoice due.",
		Examples: []string{"/invoice draft {client}", "/invoice draft {name} up to 30 Nov"},
		Route:    manager(h.draft).Because(because)})

	rt.HandleAction(ActionOpen, staff(h.open))
	rt.HandleAction(ActionOpen+".", staff(h.open))
	rt.HandleAction(ActionListPage, staff(h.listPage))
	rt.HandleAction(ActionRunList, manager(h.runList))
	rt.HandleAction(ActionEditLine, manager(h.openForm(LineModal)))
	rt.HandleAction(ActionEditTotal, manager(h.openForm(TotalModal)))
	rt.HandleAction(ActionAddLine, manager(h.openForm(AddLineModal)))
	rt.HandleAction(ActionTakeOff, manager(h.openForm(TakeOffModal)))
	rt.HandleAction(ActionGrouping, manager(h.grouping))
	rt.HandleAction(ActionDelete, manager(h.delete))
	rt.HandleAction(ActionDraftClient, manager(h.draftClient).Because("Invoices are drafted by managers, partners and admins"))
	rt.HandleSubmit(CallbackLine, manager(h.submitLine))
	rt.HandleSubmit(CallbackTotal, manager(h.submitTotal))
	rt.HandleSubmit(CallbackAddLine, manager(h.submitAddLine))
	rt.HandleSubmit(CallbackTakeOff, manager(h.submitTakeOff))

	// Approval, in the billing channel's cards and in /invoice.
	rt.HandleAction(ActionApprove, partner(h.approve).Because(approvers))
	rt.HandleAction(ActionApproveUnchanged, partner(h.approveUnchanged).Because(approvers))
	rt.HandleAction(ActionReject, partner(h.openReject).Because(approvers))
	rt.HandleSubmit(CallbackReject, partner(h.submitReject).Because(approvers))
	rt.HandleAction(ActionVoid, partner(h.openVoid).Because(approvers))
	rt.HandleSubmit(CallbackVoid, partner(h.submitVoid).Because(approvers))
	rt.HandleAction(ActionCardEdit, manager(h.cardEdit).Because(because))
	rt.HandleAction(ActionSubmit, manager(h.submit).Because(because))
	rt.HandleAction(ActionSummaryReview, staff(h.review))
	rt.HandleRender(billing.RenderCard, h.renderCard)
	rt.HandleRender(billing.RenderSummary, h.renderSummary)
	rt.HandleRender(billing.RenderReturned, h.renderReturned)

	// Sending, and the PDFs in Slack.
	rt.HandleAction(ActionSend, manager(h.send).Because("Invoices are sent by managers, partners and admins"))
	rt.HandleAction(ActionPreview, manager(h.preview).Because(because))
	rt.HandleRender(delivery.RenderSendFailed, h.renderSendFailed)
	rt.HandleFile(billing.RenderPDF, h.renderPDF)
	rt.HandleFile(billing.RenderPreview, h.renderPreview)

	// Credit notes and statements.
	rt.HandleCommand(slackapp.Command{Name: "/invoice", Sub: "credit", Area: area, Usage: "/invoice credit <number> [amount] [wip|write-off] <reason>",
		Summary:  "Credit a sent invoice with a credit note: the whole invoice, or an amount of its only line; its time back to work in progress (wip) or written off. The card's *Credit note* button credits by line.",
		Examples: []string{"/invoice credit INV-2026-0042 wip Billed to the wrong company", "/invoice credit INV-2026-0042 120 Payroll for five, not six"},
		Route:    partner(h.creditCommand).Because(creditors)})
	rt.HandleCommand(slackapp.Command{Name: "/invoice", Sub: "statement", Area: area, Usage: "/invoice statement <client>",
		Summary:  "A client's statement of account — open invoices, payments and credits, with the balance — as a PDF by DM, with a button to email it to the client.",
		Examples: []string{"/invoice statement {client}"},
		Route:    manager(h.statement).Because(because)})
	rt.HandleAction(ActionCredit, partner(h.openCredit).Because(creditors))
	rt.HandleSubmit(CallbackCredit, partner(h.submitCredit).Because(creditors))
	rt.HandleAction(ActionCreditSend, partner(h.sendCredit).Because(creditors))
	rt.HandleAction(ActionStatementEmail, manager(h.emailStatement).Because(because))
	rt.HandleRender(creditnotes.RenderSendFailed, h.renderCreditSendFailed)
	rt.HandleFile(creditnotes.RenderPDF, h.renderCreditPDF)
	rt.HandleFile(statements.RenderPDF, h.renderStatementPDF)
	rt.HandleRender(statements.RenderOffer, h.renderStatementOffer)
	rt.HandleRender(statements.RenderSendFailed, h.renderStatementFailed)

	// Payments, and what clients owe.
	registerPayments(rt, h, area)
}
