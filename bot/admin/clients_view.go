package admin

import (
	"encoding/json"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
)

// Client modal and list ids.
const (
	CallbackClient   = "client.modal"
	ActionClientAdd  = "client.add"
	ActionClientEdit = "client.edit." // + client id
)

// ClientRow is one client in a list.
type ClientRow struct {
	ID          int64
	Code, Name  string
	Type        string // label
	Billing     string // "Fixed £450.00/month" or "Hourly"
	ManagerName string
}

// clientsPerPage keeps a page inside the 50-block message limit with room
// for the header, the footer and a button per client.
const clientsPerPage = 20

// Clients lists clients matching a search, with Edit buttons for those who
// may edit. total is how many matched in all.
func Clients(query string, rows []ClientRow, total int, canEdit bool) []slack.Block {
	title := "Clients"
	if query != "" {
		title = fmt.Sprintf("Clients matching “%s”", query)
	}
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(title, blockkit.MaxHeaderText))}
	if len(rows) == 0 {
		text := "No clients yet."
		if query != "" {
			text = fmt.Sprintf("No client matches “%s”. Try part of the name, or the code.", blockkit.Escape(query))
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, 0), nil, nil))
	}
	shown := rows
	if len(shown) > clientsPerPage {
		shown = shown[:clientsPerPage]
	}
	for _, r := range shown {
		line := fmt.Sprintf("*%s* · %s\n%s · %s", blockkit.Escape(r.Code), blockkit.Escape(r.Name), r.Type, r.Billing)
		if r.ManagerName != "" {
			line += " · manager " + blockkit.Escape(r.ManagerName)
		}
		var acc *slack.Accessory
		if canEdit {
			acc = slack.NewAccessory(slack.NewButtonBlockElement(fmt.Sprintf("%s%d", ActionClientEdit, r.ID), r.Code,
				blockkit.Plain("Edit", blockkit.MaxButtonText)))
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(line, 0), nil, acc))
	}
	note := fmt.Sprintf("%d %s", total, ui.Plural(total, "client", "clients"))
	if more := total - len(shown); more > 0 {
		note += fmt.Sprintf(" · +%d more — narrow it with `/atlas clients <part of a name>`", more)
	}
	blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(note, 0)))
	if canEdit {
		blocks = append(blocks, slack.NewActionBlock("clients.actions",
			slack.NewButtonBlockElement(ActionClientAdd, "add", blockkit.Plain("Add a client", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary)))
	}
	return blocks
}

// ClientForm pre-fills the client modal.
type ClientForm struct {
	ID                                                               int64
	Code, Name, Aliases, EntityType, BillingType, MonthlyFee         string
	InvoiceTiming, InvoiceDay, PaymentTerms, BillingEmail, ManagerID string
	Archived                                                         bool
	Managers                                                         []blockkit.Option // the team, for the manager select
	EntityTypes                                                      []blockkit.Option
	Services                                                         []blockkit.Option // for the retainer checkboxes
	Retainer                                                         []string          // service ids checked
}

// blockkit.Option is a value and its label for selects and checkboxes.

// ClientMeta travels in the modal's private_metadata.
type ClientMeta struct {
	ID int64 `json:"id,omitempty"`
}

// Block ids of the client modal; the same names as the practice package's
// fields, so validation errors land on them.
const (
	ClientCode          = "code"
	ClientName          = "entity_name"
	ClientAliases       = "aliases"
	ClientEntityType    = "entity_type"
	ClientBillingType   = "billing_type"
	ClientMonthlyFee    = "monthly_fee"
	ClientInvoiceTiming = "invoice_timing"
	ClientInvoiceDay    = "invoice_day"
	ClientTerms         = "payment_terms"
	ClientBillingEmail  = "billing_email"
	ClientManager       = "manager"
	ClientRetainer      = "retainer_services"
	ClientArchived      = "archived"
)

// ClientModal adds (ID 0) or edits a client.
func ClientModal(f ClientForm) slack.ModalViewRequest {
	title := "Add a client"
	if f.ID != 0 {
		title = "Edit client"
	}
	meta, _ := json.Marshal(ClientMeta{ID: f.ID})
	blocks := []slack.Block{
		blockkit.TextInput(ClientCode, "Code", "Short and unique, e.g. ACME. Used in /log and /timer.", f.Code, "ACME", 20, false),
		blockkit.TextInput(ClientName, "Name", "", f.Name, "Acme Trading Ltd", 200, false),
		blockkit.TextInput(ClientAliases, "Other names", "Comma-separated names people use, e.g. Acme, ACT.", f.Aliases, "Acme, ACT", 500, true),
		blockkit.StaticSelect(ClientEntityType, "Entity type", f.EntityTypes, f.EntityType, false),
		blockkit.StaticSelect(ClientBillingType, "Billing", []blockkit.Option{{Value: "fixed", Label: "Fixed monthly fee"}, {Value: "hourly", Label: "Hourly"}}, f.BillingType, false),
		blockkit.TextInput(ClientMonthlyFee, "Monthly fee", "For fixed-fee clients, e.g. 450.00.", f.MonthlyFee, "450.00", 15, true),
		blockkit.StaticSelect(ClientInvoiceTiming, "Invoice", []blockkit.Option{{Value: "advance", Label: "In advance (this month)"}, {Value: "arrears", Label: "In arrears (last month)"}}, f.InvoiceTiming, false),
		blockkit.TextInput(ClientInvoiceDay, "Invoice day", "Day of the month, 1 to 28.", f.InvoiceDay, "1", 2, true),
		blockkit.TextInput(ClientTerms, "Payment terms (days)", "Empty for the practice's terms.", f.PaymentTerms, "14", 3, true),
		blockkit.TextInput(ClientBillingEmail, "Billing email", "", f.BillingEmail, "accounts@acme.co.uk", 200, true),
	}
	if len(f.Managers) > 0 {
		blocks = append(blocks, blockkit.StaticSelect(ClientManager, "Manager", f.Managers, f.ManagerID, true))
	}
	if len(f.Services) > 0 {
		blocks = append(blocks, blockkit.Checkboxes(ClientRetainer, "Retainer covers", f.Services, f.Retainer)...)
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackClient, PrivateMetadata: string(meta),
		Title:  blockkit.Plain(title, blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalTitle),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalTitle),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// ClientOptions are the type-ahead results for an external_select.
func ClientOptions(rows []ClientRow) []*slack.OptionBlockObject {
	out := make([]*slack.OptionBlockObject, 0, len(rows))
	for _, r := range rows {
		if len(out) == blockkit.MaxSelectOptions {
			break
		}
		out = append(out, slack.NewOptionBlockObject(fmt.Sprint(r.ID), blockkit.Plain(r.Code+" · "+r.Name, 75), nil))
	}
	return out
}
