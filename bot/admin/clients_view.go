package admin

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/practice"
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
	// FeeNow says the fee in force and since when, "£450.00 a month from
	// 1 December 2026", for the fee's hint; "" for none.
	FeeNow string
	// FeeFrom is left empty when the form opens: a date kept from the
	// current fee would put a changed fee back to that day, repricing
	// periods already billed.
	FeeFrom                    string // YYYY-MM-DD
	RetainerStart, RetainerEnd string // YYYY-MM-DD, "" for none
	BillingContact             string
	BillingAddress             string // lines separated by \n
	CCEmails                   string // comma-separated
	DeliveryMethod             string // email, portal or both; "" for email
	Contacts                   string // one a line, as practice.ParseContacts reads them
	Archived                   bool
	Managers                   []blockkit.Option // the team, for the manager select
	EntityTypes                []blockkit.Option
	Services                   []blockkit.Option // for the retainer checkboxes
	Retainer                   []string          // service ids checked
}

// blockkit.Option is a value and its label for selects and checkboxes.

// ClientMeta travels in the modal's private_metadata.
type ClientMeta struct {
	ID int64 `json:"id,omitempty"`
}

// Block ids of the client modal; the same names as the practice package's
// fields, so validation errors land on them.
const (
	ClientCode           = "code"
	ClientName           = "entity_name"
	ClientAliases        = "aliases"
	ClientEntityType     = "entity_type"
	ClientBillingType    = "billing_type"
	ClientMonthlyFee     = "monthly_fee"
	ClientFeeFrom        = "fee_from"
	ClientInvoiceTiming  = "invoice_timing"
	ClientInvoiceDay     = "invoice_day"
	ClientTerms          = "payment_terms"
	ClientRetainerStart  = "retainer_start"
	ClientRetainerEnd    = "retainer_end"
	ClientRetainerClear  = "retainer_clear" // shown only while the client has retainer dates
	ClientBillingContact = "billing_contact"
	ClientBillingEmail   = "billing_email"
	ClientBillingAddress = "billing_address"
	ClientCCEmails       = practice.FieldCCEmails
	ClientDelivery       = practice.FieldDeliveryMethod
	ClientContacts       = practice.FieldContacts
	ClientManager        = "manager"
	ClientRetainer       = "retainer_services"
	ClientArchived       = "archived"
)

// Values of the retainer_clear checkboxes.
const (
	ClientClearStart = "start"
	ClientClearEnd   = "end"
)

// ClientModal adds (ID 0) or edits a client.
func ClientModal(f ClientForm) slack.ModalViewRequest {
	title := "Add a client"
	if f.ID != 0 {
		title = "Edit client"
	}
	meta, _ := json.Marshal(ClientMeta{ID: f.ID})
	heading := func(text string) slack.Block {
		return slack.NewSectionBlock(blockkit.Markdown("*"+text+"*", 0), nil, nil)
	}
	feeHint := "For fixed-fee clients, e.g. 450.00."
	if f.FeeNow != "" {
		feeHint += " Now " + f.FeeNow + "."
	}
	blocks := []slack.Block{
		blockkit.TextInput(ClientCode, "Code", "Short and unique, e.g. ACME. Used in /log and /timer.", f.Code, "ACME", 20, false),
		blockkit.TextInput(ClientName, "Name", "", f.Name, "Acme Trading Ltd", 200, false),
		blockkit.TextInput(ClientAliases, "Other names", "Comma-separated names people use, e.g. Acme, ACT.", f.Aliases, "Acme, ACT", 500, true),
		blockkit.StaticSelect(ClientEntityType, "Entity type", f.EntityTypes, f.EntityType, false),
	}
	if len(f.Managers) > 0 {
		blocks = append(blocks, blockkit.StaticSelect(ClientManager, "Manager", f.Managers, f.ManagerID, true))
	}
	blocks = append(blocks,
		heading("Billing"),
		blockkit.StaticSelect(ClientBillingType, "Billing", []blockkit.Option{{Value: "fixed", Label: "Fixed monthly fee"}, {Value: "hourly", Label: "Hourly"}}, f.BillingType, false),
		blockkit.TextInput(ClientMonthlyFee, "Monthly fee", feeHint, f.MonthlyFee, "450.00", 15, true),
		blockkit.DatePicker(ClientFeeFrom, "Fee from",
			"The first day the fee above is in force. Empty: from the first period invoiced from today. A changed fee is added to the client's fee history: "+
				"each period is billed at the fee in force on its first day, so an earlier period is never repriced.", f.FeeFrom, true),
		blockkit.StaticSelect(ClientInvoiceTiming, "Invoice", []blockkit.Option{{Value: "advance", Label: "In advance (this month)"}, {Value: "arrears", Label: "In arrears (last month)"}}, f.InvoiceTiming, false),
		blockkit.TextInput(ClientInvoiceDay, "Invoice day", "Day of the month, 1 to 31; 29, 30 and 31 mean the month's last day in shorter months.", f.InvoiceDay, "1", 2, true),
		blockkit.TextInput(ClientTerms, "Payment terms (days)", "Empty for the practice's terms.", f.PaymentTerms, "14", 3, true),
		blockkit.DatePicker(ClientRetainerStart, "Retainer starts", "The fixed fee's first day; a first month begun part-way is pro-rated by its days. Empty: no start date.", f.RetainerStart, true),
		blockkit.DatePicker(ClientRetainerEnd, "Retainer ends", "Its last day; a last month ended part-way is pro-rated. Empty while it runs on.", f.RetainerEnd, true),
	)
	if f.RetainerStart != "" || f.RetainerEnd != "" {
		// A picked date cannot be cleared in Slack, so these boxes do it.
		var opts []blockkit.Option
		if f.RetainerStart != "" {
			opts = append(opts, blockkit.Option{Value: ClientClearStart, Label: "No start date"})
		}
		if f.RetainerEnd != "" {
			opts = append(opts, blockkit.Option{Value: ClientClearEnd, Label: "No end date: it runs on"})
		}
		blocks = append(blocks, blockkit.Checkboxes(ClientRetainerClear, "Clear retainer dates", opts, nil)...)
	}
	if len(f.Services) > 0 {
		blocks = append(blocks, blockkit.Checkboxes(ClientRetainer, "Retainer covers", f.Services, f.Retainer)...)
	}
	blocks = append(blocks,
		heading("Invoices go to"),
		blockkit.TextInput(ClientBillingContact, "Billing contact", "The person invoices are addressed to.", f.BillingContact, "Jane Smith", 200, true),
		blockkit.TextInput(ClientBillingEmail, "Billing email", "", f.BillingEmail, "accounts@acme.co.uk", 200, true),
		blockkit.TextArea(ClientBillingAddress, "Billing address", "Printed on invoices: a line each, up to 8 lines.", f.BillingAddress, "1 High Street, Leeds LS1 1AA", 500, true),
		blockkit.TextInput(ClientCCEmails, "Copies of invoices to", fmt.Sprintf("Addresses copied on every invoice emailed to the billing email, separated by commas; up to %d.", practice.MaxCCEmails),
			f.CCEmails, "director@acme.co.uk, books@acme.co.uk", 1000, true),
		radio(ClientDelivery, "Delivery", "How the client takes its invoices: emailed to the billing email with the PDF; in the client portal, its contacts who receive invoices told by email; or both.",
			[]blockkit.Option{
				{Value: practice.DeliveryEmail, Label: "Email"},
				{Value: practice.DeliveryPortal, Label: "Portal"},
				{Value: practice.DeliveryBoth, Label: "Both: email and portal"},
			}, deliveryOrEmail(f.DeliveryMethod)),
		heading("Contacts"),
		blockkit.TextArea(ClientContacts, "Contacts", practice.ContactsHint+".", f.Contacts,
			"Jane Smith <jane@acme.co.uk> both", 3000, true),
	)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackClient, PrivateMetadata: string(meta),
		Title:  blockkit.Plain(title, blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalTitle),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalTitle),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// deliveryOrEmail is a client's delivery method, email when it has none.
func deliveryOrEmail(m string) string {
	if m == "" {
		return practice.DeliveryEmail
	}
	return m
}

// FeeView is one fee of a client's history as shown.
type FeeView struct {
	Amount string // "£450.00"
	From   string // "1 Dec 2026"
}

// ClientDetail is one client with everything about its billing.
type ClientDetail struct {
	ID             int64
	Code, Name     string
	Type           string // label
	ManagerName    string
	Billing        string    // "Fixed £450.00/month, invoiced in advance on the 1st" or "Hourly"
	Fees           []FeeView // newest first
	Retainer       string    // "1 Nov 2026 to 31 Oct 2027"; "" for no dates
	RetainerCovers []string  // service names
	Terms          string    // "30 days" or "The practice's (14 days)"
	BillingContact string
	BillingEmail   string
	BillingAddress string   // lines separated by \n
	CCEmails       []string // copied on every invoice emailed
	Archived       bool
	Fixed          bool // a fixed-fee client: show the retainer fields
}

// maxFeesShown bounds the fee history in a client's detail; older fees
// are counted.
const maxFeesShown = 12

// ClientDetailView shows one client, with an Edit button for those who may
// edit.
func ClientDetailView(d ClientDetail, canEdit bool) []slack.Block {
	field := func(label, value string) *slack.TextBlockObject {
		return blockkit.Markdown("*"+label+"*\n"+value, blockkit.MaxSectionFieldText)
	}
	orNone := func(s string) string {
		if s == "" {
			return "_none_"
		}
		return s
	}
	manager := "_none_"
	if d.ManagerName != "" {
		manager = blockkit.Escape(d.ManagerName)
	}
	fields := []*slack.TextBlockObject{
		field("Entity type", d.Type),
		field("Manager", manager),
		field("Billing", d.Billing),
		field("Payment terms", d.Terms),
	}
	if len(d.Fees) > 0 {
		fee := fmt.Sprintf("%s a month from %s", d.Fees[0].Amount, d.Fees[0].From)
		if len(d.Fees) > 1 {
			fee += fmt.Sprintf("\nBefore: %s from %s", d.Fees[1].Amount, d.Fees[1].From)
		}
		fields = append(fields, field("Monthly fee", fee))
	}
	if d.Fixed {
		retainer := d.Retainer
		if retainer == "" {
			retainer = "No start or end date"
		}
		covers := make([]string, len(d.RetainerCovers))
		for i, c := range d.RetainerCovers {
			covers[i] = blockkit.Escape(c)
		}
		fields = append(fields, field("Retainer", retainer), field("Retainer covers", orNone(strings.Join(covers, ", "))))
	}
	var to []string
	for _, s := range []string{d.BillingContact, d.BillingEmail, d.BillingAddress} {
		if s != "" {
			to = append(to, blockkit.Escape(s))
		}
	}
	if len(d.CCEmails) > 0 {
		to = append(to, "Copies to "+blockkit.Escape(strings.Join(d.CCEmails, ", ")))
	}
	fields = append(fields, field("Invoices go to", orNone(strings.Join(to, "\n"))))

	title := d.Code + " · " + d.Name
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(title, blockkit.MaxHeaderText))}
	if d.Archived {
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(fmt.Sprintf(":file_cabinet: Archived: it keeps its history and takes no new work. `/atlas clients restore %s` brings it back.", blockkit.Escape(d.Code)), 0)))
	}
	blocks = append(blocks, slack.NewSectionBlock(nil, fields, nil))
	if len(d.Fees) > 2 {
		shown := d.Fees
		if len(shown) > maxFeesShown {
			shown = shown[:maxFeesShown]
		}
		parts := make([]string, len(shown))
		for i, f := range shown {
			parts[i] = fmt.Sprintf("%s from %s", f.Amount, f.From)
		}
		text := "Fee history: " + strings.Join(parts, " · ")
		if more := len(d.Fees) - len(shown); more > 0 {
			text += fmt.Sprintf(" · %d earlier", more)
		}
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(text, 0)))
	}
	if len(d.Fees) > 0 {
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(
			"A period is billed at the fee in force on its first day, so a new fee never reprices an earlier period.", 0)))
	}
	if canEdit {
		blocks = append(blocks, slack.NewActionBlock("client.actions",
			slack.NewButtonBlockElement(fmt.Sprintf("%s%d", ActionClientEdit, d.ID), d.Code, blockkit.Plain("Edit", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary)))
	}
	return blocks
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
