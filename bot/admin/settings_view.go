package admin

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Block ids of the settings modal; the same names as the practice
// package's Field* constants, so validation errors land on them.
const (
	SettingsName              = "name"
	SettingsTimezone          = "timezone"
	SettingsCurrency          = "currency"
	SettingsVATRate           = "vat_rate"
	SettingsRoundingIncrement = "rounding_increment"
	SettingsRoundingMode      = "rounding_mode"
	SettingsTimerReminder     = "timer_reminder_hours"
	SettingsInvoiceFormat     = "invoice_number_format"
	SettingsNextInvoiceNumber = "next_invoice_number"
	SettingsPaymentTermsDays  = "payment_terms_days"
	SettingsDigestChannel     = "digest_channel"
	SettingsDigestTime        = "digest_time"
	SettingsDigestOff         = "digest_off" // shown only while a digest channel is set
	SettingsPreparerReview    = "preparer_may_review"
	SettingsDefaultService    = "default_service"
)

// Checkbox values of the settings modal.
const (
	SettingsDigestOffValue      = "off"
	SettingsPreparerReviewValue = "yes"
)

// CommonTimezones are the zones the settings modal offers, besides the
// practice's own. Slack's select filters as one types.
var CommonTimezones = []string{
	"Africa/Cairo", "Africa/Johannesburg", "Africa/Lagos", "Africa/Nairobi",
	"America/Anchorage", "America/Argentina/Buenos_Aires", "America/Bogota", "America/Chicago", "America/Denver",
	"America/Halifax", "America/Lima", "America/Los_Angeles", "America/Mexico_City", "America/New_York",
	"America/Phoenix", "America/Santiago", "America/Sao_Paulo", "America/St_Johns", "America/Toronto", "America/Vancouver",
	"Asia/Dhaka", "Asia/Dubai", "Asia/Hong_Kong", "Asia/Jakarta", "Asia/Karachi", "Asia/Kolkata", "Asia/Manila",
	"Asia/Nicosia", "Asia/Riyadh", "Asia/Seoul", "Asia/Shanghai", "Asia/Singapore", "Asia/Tokyo",
	"Atlantic/Reykjavik", "Australia/Adelaide", "Australia/Brisbane", "Australia/Melbourne", "Australia/Perth",
	"Australia/Sydney",
	"Europe/Amsterdam", "Europe/Athens", "Europe/Berlin", "Europe/Brussels", "Europe/Bucharest", "Europe/Copenhagen",
	"Europe/Dublin", "Europe/Guernsey", "Europe/Helsinki", "Europe/Isle_of_Man", "Europe/Istanbul", "Europe/Jersey",
	"Europe/Lisbon", "Europe/London", "Europe/Luxembourg", "Europe/Madrid", "Europe/Malta", "Europe/Oslo",
	"Europe/Paris", "Europe/Prague", "Europe/Rome", "Europe/Stockholm", "Europe/Vienna", "Europe/Warsaw",
	"Europe/Zurich",
	"Pacific/Auckland", "Pacific/Honolulu",
	"UTC",
}

// timezoneOptions are the common zones plus current, sorted. There are
// fewer than Slack's hundred options even with current (a test checks).
func timezoneOptions(current string) []blockkit.Option {
	zones := slices.Clone(CommonTimezones)
	if current != "" && !slices.Contains(zones, current) {
		zones = append(zones, current)
	}
	slices.Sort(zones)
	out := make([]blockkit.Option, 0, len(zones))
	for _, z := range zones {
		out = append(out, blockkit.Option{Value: z, Label: strings.ReplaceAll(z, "_", " ")})
	}
	return out
}

// SettingsData is what the settings message shows.
type SettingsData struct {
	PracticeName        string
	Timezone            string
	Currency            string
	VATRate             string // "20.00"
	RoundingIncrement   int
	RoundingMode        string // up, nearest, none
	InvoiceNumberFormat string
	NextInvoice         string // the next number in the format: INV-2026-0001
	PaymentTermsDays    int
	DigestChannel       string // channel id, "" for none
	DigestTime          string // HH:MM
	TimerReminderHours  int
	PreparerMayReview   bool
	DefaultService      string // its name; "" for none
	CanEdit             bool   // an admin: show the "Change settings" buttons

	VATRegistered  bool
	VATNumber      string
	ReducedVATRate string // "5.00"
	PostalAddress  string // lines separated by \n
	VATRounding    string // invoice or line
	LineGrouping   string // service or entry
	BillingChannel string // channel id, "" for none
	BillingRunDay  int

	BankAccountName   string
	BankSortCode      string // 20-45-77
	BankAccountNumber string
	BankIBAN          string // in groups of four, as banks print it
	BankBIC           string
	InvoiceFromEmail  string // "" = Atlas's own address
	InvoiceFromName   string // "" = the practice's name
	AutoSend          bool

	ReminderSteps []int // days after the due date; none: no reminders
	// The digest settings (internal/digest).
	WorkingDays    []time.Weekday
	WIPAlertDays   int
	WIPAlertValue  decimal.Decimal
	PersonalDigest bool
	// The client portal's settings.
	Portal       practice.PortalSettings
	LateInterest bool   // reminders show statutory interest and compensation
	BaseRate     string // "4.00"
}

// VATRoundingText says what a VAT rounding rule does.
func VATRoundingText(rule string) string {
	if rule == practice.VATRoundLine {
		return "Per line: each line's VAT rounded to the nearest penny (half up), then added up"
	}
	return "Per invoice: the VAT of each rate on its total, rounded down to the penny"
}

// LineGroupingText says how an hourly invoice lists its time by default.
func LineGroupingText(g string) string {
	if g == practice.GroupByEntry {
		return "Per entry: each time entry on its own line"
	}
	return "By service: one line per service and rate"
}

// billingSettingsHelp explains the billing settings, for the help of
// `/atlas settings billing`.
const billingSettingsHelp = "*The billing settings*\n" +
	"• *VAT-registered* and *VAT number*: a registered practice's invoices are VAT invoices with its number; an unregistered one shows no VAT. " +
	"The standard rate is in `/atlas settings edit`; the *reduced rate* applies to services marked `vat:reduced`.\n" +
	"• *Postal address*: printed on every invoice (a VAT invoice must show it).\n" +
	"• *VAT rounding* (VAT Notice 700 §17.5), the same on every invoice: *per invoice* rounds the VAT of each rate, on its total, down to the penny; " +
	"*per line* rounds each line's VAT half up, then adds them.\n" +
	"• *Invoice lines*: an hourly invoice lists its time by service (one line per service and rate) or per entry; each draft may change it.\n" +
	"• *Billing channel*: where the month's drafts are posted for approval. *Run day*: the day of the month, 1 to 28, the hourly drafts are made."

// RoundingText describes a rounding rule: "Rounded up to 6-minute
// increments".
func RoundingText(increment int, mode string) string {
	switch mode {
	case "none":
		return "Exact minutes, no rounding"
	case "nearest":
		return fmt.Sprintf("Rounded to the nearest %d %s", increment, ui.Plural(increment, "minute", "minutes"))
	default:
		return fmt.Sprintf("Rounded up to %d-minute increments", increment)
	}
}

// DigestText describes the daily digest: "<#C123> at 08:00" or "off".
func DigestText(channel, at string) string {
	if channel == "" {
		return "off"
	}
	return fmt.Sprintf("<#%s> at %s", channel, at)
}

// defaultServiceText says where time goes when a /log line names no
// service.
func defaultServiceText(name string) string {
	if name == "" {
		return "None: Atlas asks which service"
	}
	return blockkit.Escape(name)
}

// Settings shows the practice settings, with a "Change settings" button for
// admins.
func Settings(d SettingsData) []slack.Block {
	title := "Practice settings"
	if d.PracticeName != "" {
		title += " · " + d.PracticeName
	}
	field := func(label, value string) *slack.TextBlockObject {
		return blockkit.Markdown("*"+label+"*\n"+value, blockkit.MaxSectionFieldText)
	}
	name := blockkit.Escape(d.PracticeName)
	if name == "" {
		name = "_not set_"
	}
	review := "Someone other than the preparer reviews each task"
	if d.PreparerMayReview {
		review = "A task's preparer may also review it"
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(blockkit.Plain(title, blockkit.MaxHeaderText)),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			field("Name", name),
			field("Timezone", blockkit.Escape(d.Timezone)),
			field("Currency", d.Currency),
			field("VAT rate", d.VATRate+"%"),
		}, nil),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			field("Time rounding", RoundingText(d.RoundingIncrement, d.RoundingMode)),
			field("Forgotten timers", fmt.Sprintf("A reminder after %d %s", d.TimerReminderHours, ui.Plural(d.TimerReminderHours, "hour", "hours"))),
			field("Default service", defaultServiceText(d.DefaultService)),
		}, nil),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			field("Invoice numbers", "`"+blockkit.Escape(d.InvoiceNumberFormat)+"`"),
			field("Next invoice", blockkit.Escape(d.NextInvoice)),
			field("Payment terms", fmt.Sprintf("%d %s", d.PaymentTermsDays, ui.Plural(d.PaymentTermsDays, "day", "days"))),
		}, nil),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			field("Daily digest", DigestText(d.DigestChannel, d.DigestTime)),
			field("Reviews", review),
		}, nil),
		slack.NewSectionBlock(blockkit.Markdown("*Billing*", 0), nil, nil),
		slack.NewSectionBlock(nil, billingFields(d, field), nil),
		slack.NewSectionBlock(blockkit.Markdown("*Delivery*", 0), nil, nil),
		slack.NewSectionBlock(nil, deliveryFields(d, field), nil),
		slack.NewSectionBlock(blockkit.Markdown("*Overdue reminders*", 0), nil, nil),
		slack.NewSectionBlock(nil, reminderFields(d, field), nil),
		slack.NewSectionBlock(blockkit.Markdown("*Morning digests*", 0), nil, nil),
		slack.NewSectionBlock(nil, digestFields(d, field), nil),
		slack.NewSectionBlock(blockkit.Markdown("*Client portal*", 0), nil, nil),
		slack.NewSectionBlock(nil, portalFields(d, field), nil),
	}
	if d.CanEdit {
		return append(blocks, slack.NewActionBlock("settings.actions",
			slack.NewButtonBlockElement(ActionSettingsEdit, "edit", blockkit.Plain("Change settings", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement(ActionBillingSettingsEdit, "billing", blockkit.Plain("Change billing settings", blockkit.MaxButtonText)),
			slack.NewButtonBlockElement(ActionDeliverySettingsEdit, "delivery", blockkit.Plain("Change delivery settings", blockkit.MaxButtonText)),
			slack.NewButtonBlockElement(ActionReminderSettingsEdit, "reminders", blockkit.Plain("Change reminders", blockkit.MaxButtonText)),
			slack.NewButtonBlockElement(ActionDigestSettingsEdit, "digest", blockkit.Plain("Change digests", blockkit.MaxButtonText)),
			slack.NewButtonBlockElement(ActionPortalSettingsEdit, "portal", blockkit.Plain("Change portal settings", blockkit.MaxButtonText))))
	}
	return append(blocks, slack.NewContextBlock("", blockkit.Markdown("Only admins change the settings.", 0)))
}

// billingFields are the billing settings as a section's fields.
func billingFields(d SettingsData, field func(label, value string) *slack.TextBlockObject) []*slack.TextBlockObject {
	vat := "Not registered: invoices show no VAT"
	if d.VATRegistered {
		vat = "Registered, VAT number " + blockkit.Escape(d.VATNumber)
	}
	address := "_not set_"
	if d.PostalAddress != "" {
		address = blockkit.Escape(d.PostalAddress)
	}
	channel := "None"
	if d.BillingChannel != "" {
		channel = "<#" + d.BillingChannel + ">"
	}
	return []*slack.TextBlockObject{
		field("VAT registration", vat),
		field("Reduced VAT rate", d.ReducedVATRate+"%"),
		field("VAT rounding", VATRoundingText(d.VATRounding)),
		field("Invoice lines", LineGroupingText(d.LineGrouping)),
		field("Billing channel", channel),
		field("Billing run", fmt.Sprintf("Hourly drafts on the %s of each month, for the month before", ordinal(d.BillingRunDay))),
		field("Postal address", address),
	}
}

// deliveryFields are the delivery settings as a section's fields.
func deliveryFields(d SettingsData, field func(label, value string) *slack.TextBlockObject) []*slack.TextBlockObject {
	var bank []string
	if d.BankAccountName != "" {
		bank = append(bank, blockkit.Escape(d.BankAccountName))
	}
	if d.BankSortCode != "" || d.BankAccountNumber != "" {
		bank = append(bank, "Sort code "+blockkit.Escape(d.BankSortCode)+" · account "+blockkit.Escape(d.BankAccountNumber))
	}
	if d.BankIBAN != "" {
		bank = append(bank, "IBAN "+blockkit.Escape(d.BankIBAN))
	}
	if d.BankBIC != "" {
		bank = append(bank, "BIC "+blockkit.Escape(d.BankBIC))
	}
	bankText := "_not set_"
	if len(bank) > 0 {
		bankText = strings.Join(bank, "\n")
	}
	from := "Atlas's own address"
	if d.InvoiceFromEmail != "" {
		name := d.InvoiceFromName
		if name == "" {
			name = d.PracticeName
		}
		from = blockkit.Escape(d.InvoiceFromEmail)
		if name != "" {
			from = blockkit.Escape(name) + ", " + from
		}
	}
	send := "Off: an approved invoice waits to be sent"
	if d.AutoSend {
		send = "On: an approved invoice goes to the client by email at once"
	}
	return []*slack.TextBlockObject{
		field("Bank details", bankText),
		field("Invoices sent from", from),
		field("Send on approval", send),
	}
}

// Block ids of the billing settings modal; the same names as the
// practice package's Field* constants, so validation errors land on them.
const (
	BillingVATRegistered  = "vat_registered"
	BillingVATNumber      = "vat_number"
	BillingReducedVATRate = "reduced_vat_rate"
	BillingPostalAddress  = "postal_address"
	BillingVATRounding    = "vat_rounding"
	BillingLineGrouping   = "line_grouping"
	BillingChannel        = "billing_channel"
	BillingChannelOff     = "billing_channel_off" // shown only while a billing channel is set
	BillingRunDay         = "billing_run_day"
)

// Checkbox values of the billing settings modal.
const (
	BillingVATRegisteredValue = "yes"
	BillingChannelOffValue    = "off"
)

// BillingSettingsForm pre-fills the billing settings modal, as text.
type BillingSettingsForm struct {
	VATRate        string // the standard rate, for the intro: "20.00"
	VATRegistered  bool
	VATNumber      string
	ReducedVATRate string
	PostalAddress  string
	VATRounding    string
	LineGrouping   string
	BillingChannel string
	BillingRunDay  string
}

// radio is a radio-button input with its options, initial chosen.
func radio(blockID, label, hint string, opts []blockkit.Option, initial string) *slack.InputBlock {
	options := blockkit.Options(opts)
	el := slack.NewRadioButtonsBlockElement(blockID, options...)
	for _, o := range options {
		if o.Value == initial {
			el.InitialOption = o
		}
	}
	b := slack.NewInputBlock(blockID, blockkit.Plain(label, blockkit.MaxInputLabel), nil, el)
	if hint != "" {
		b.Hint = blockkit.Plain(hint, blockkit.MaxInputHint)
	}
	return b
}

// BillingSettingsModal edits the practice's billing settings. They have a
// modal of their own: the settings modal is long already, and billing is
// set once and seldom changed, often by someone else.
func BillingSettingsModal(f BillingSettingsForm) slack.ModalViewRequest {
	heading := func(text string) slack.Block {
		return slack.NewSectionBlock(blockkit.Markdown("*"+text+"*", 0), nil, nil)
	}
	var registered []string
	if f.VATRegistered {
		registered = []string{BillingVATRegisteredValue}
	}
	channel := slack.NewOptionsSelectBlockElement(slack.OptTypeConversations, blockkit.Plain("Choose a channel", blockkit.MaxPlaceholder), BillingChannel)
	channel.Filter = &slack.SelectBlockElementFilter{Include: []string{"public", "private"}, ExcludeExternalSharedChannels: true, ExcludeBotUsers: true}
	channel.InitialConversation = f.BillingChannel
	channelBlock := slack.NewInputBlock(BillingChannel, blockkit.Plain("Billing channel", blockkit.MaxInputLabel),
		blockkit.Plain("Where Atlas posts the month's drafts for partners to approve. Invite Atlas to a private channel first.", blockkit.MaxInputHint), channel)
	channelBlock.Optional = true

	intro := "How Atlas invoices: VAT, what an invoice shows, and the monthly billing run."
	if f.VATRate != "" {
		intro += fmt.Sprintf(" The standard VAT rate (%s%%), invoice numbers and payment terms are under *Change settings*.", f.VATRate)
	}
	blocks := []slack.Block{
		slack.NewContextBlock("", blockkit.Markdown(intro, 0)),
		heading("VAT"),
	}
	blocks = append(blocks, blockkit.Checkboxes(BillingVATRegistered, "VAT registration",
		[]blockkit.Option{{Value: BillingVATRegisteredValue, Label: "The practice is VAT-registered"}}, registered)...)
	blocks = append(blocks,
		blockkit.TextInput(BillingVATNumber, "VAT number", "Printed on every VAT invoice; needed when VAT-registered. Letters, digits and spaces, such as GB 123 4567 89.",
			f.VATNumber, "GB123456789", 20, true),
		blockkit.TextInput(BillingReducedVATRate, "Reduced VAT rate (%)", "For services marked vat:reduced, 0 to 99.99.", f.ReducedVATRate, "5", 6, false),
		radio(BillingVATRounding, "VAT rounding", "The same on every invoice (VAT Notice 700 §17.5): per invoice rounds the VAT of each rate down to the penny; per line rounds each line half up.",
			[]blockkit.Option{
				{Value: "invoice", Label: "Per invoice: each rate's VAT on its total, rounded down"},
				{Value: "line", Label: "Per line: each line's VAT rounded half up, then added"},
			}, f.VATRounding),
		heading("Invoices"),
		blockkit.TextArea(BillingPostalAddress, "Postal address", "The practice's address, printed on every invoice: a line each, up to 8 lines. A VAT invoice must show it.",
			f.PostalAddress, "2 Mill Lane, York YO1 7HH", 500, true),
		radio(BillingLineGrouping, "Invoice lines", "How an hourly invoice lists its time unless a draft says otherwise.",
			[]blockkit.Option{
				{Value: "service", Label: "By service: one line per service and rate"},
				{Value: "entry", Label: "Per entry: each time entry on its own line"},
			}, f.LineGrouping),
		heading("Billing run"),
		channelBlock,
	)
	if f.BillingChannel != "" {
		// A picked channel cannot be cleared in Slack, so this box does it.
		blocks = append(blocks, blockkit.Checkboxes(BillingChannelOff, "No billing channel",
			[]blockkit.Option{{Value: BillingChannelOffValue, Label: "Post the billing run in no channel"}}, nil)...)
	}
	blocks = append(blocks,
		blockkit.TextInput(BillingRunDay, "Hourly run day", "The day of each month, 1 to 28, the hourly drafts for the month before are made.", f.BillingRunDay, "1", 2, false))

	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackBillingSettings,
		Title:  blockkit.Plain("Billing settings", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// SettingsForm pre-fills the settings modal, as text.
type SettingsForm struct {
	Name, Timezone, Currency, VATRate      string
	RoundingIncrement, RoundingMode        string
	TimerReminderHours                     string
	InvoiceNumberFormat, NextInvoiceNumber string
	NextInvoice                            string // the next number in the current format, for the hint
	PaymentTermsDays                       string
	DigestChannel, DigestTime              string
	PreparerMayReview                      bool
	Services                               []blockkit.Option // the practice's services, for the default
	DefaultService                         string            // the default's id; "" for none
}

// SettingsModal edits every practice setting.
func SettingsModal(f SettingsForm) slack.ModalViewRequest {
	heading := func(text string) slack.Block {
		return slack.NewSectionBlock(blockkit.Markdown("*"+text+"*", 0), nil, nil)
	}

	rounding := []*slack.OptionBlockObject{
		slack.NewOptionBlockObject("up", blockkit.Plain("Round up to the increment", blockkit.MaxOptionText), nil),
		slack.NewOptionBlockObject("nearest", blockkit.Plain("Round to the nearest increment", blockkit.MaxOptionText), nil),
		slack.NewOptionBlockObject("none", blockkit.Plain("No rounding: exact minutes", blockkit.MaxOptionText), nil),
	}
	mode := slack.NewRadioButtonsBlockElement(SettingsRoundingMode, rounding...)
	for _, o := range rounding {
		if o.Value == f.RoundingMode {
			mode.InitialOption = o
		}
	}
	modeBlock := slack.NewInputBlock(SettingsRoundingMode, blockkit.Plain("Rounding", blockkit.MaxInputLabel),
		blockkit.Plain("How logged time is rounded when it is valued; the minutes logged are kept as they are.", blockkit.MaxInputHint), mode)

	channel := slack.NewOptionsSelectBlockElement(slack.OptTypeConversations, blockkit.Plain("Choose a channel", blockkit.MaxPlaceholder), SettingsDigestChannel)
	channel.Filter = &slack.SelectBlockElementFilter{Include: []string{"public", "private"}, ExcludeExternalSharedChannels: true, ExcludeBotUsers: true}
	channel.InitialConversation = f.DigestChannel
	channelBlock := slack.NewInputBlock(SettingsDigestChannel, blockkit.Plain("Daily digest channel", blockkit.MaxInputLabel),
		blockkit.Plain("Where Atlas posts each morning's overview. Invite Atlas to a private channel first.", blockkit.MaxInputHint), channel)
	channelBlock.Optional = true

	at := slack.NewTimePickerBlockElement(SettingsDigestTime)
	at.InitialTime = f.DigestTime
	atBlock := slack.NewInputBlock(SettingsDigestTime, blockkit.Plain("Digest time", blockkit.MaxInputLabel),
		blockkit.Plain("In the practice's timezone.", blockkit.MaxInputHint), at)

	formatHint := "Tokens: {YYYY}, {YY} and {MM} of the issue date; {SEQ} for the running number, or {SEQ:4} to pad it to 4 digits. It must have {SEQ}."
	if f.NextInvoice != "" {
		formatHint += " The next invoice will be " + f.NextInvoice + "."
	}

	blocks := []slack.Block{
		heading("The practice"),
		blockkit.TextInput(SettingsName, "Practice name", "", f.Name, "Ledgerline Bookkeeping", 100, false),
		blockkit.StaticSelect(SettingsTimezone, "Timezone", timezoneOptions(f.Timezone), f.Timezone, false),
		blockkit.TextInput(SettingsCurrency, "Currency", "Three-letter ISO code.", f.Currency, "GBP", 3, false),
		blockkit.TextInput(SettingsVATRate, "VAT rate (%)", "The standard rate, on standard-rated lines once the practice is VAT-registered (Change billing settings).", f.VATRate, "20", 6, false),
		heading("Time"),
		blockkit.TextInput(SettingsRoundingIncrement, "Rounding increment (minutes)", "1 to 60: 6 bills in tenths of an hour, 15 in quarters.", f.RoundingIncrement, "6", 2, false),
		modeBlock,
		blockkit.TextInput(SettingsTimerReminder, "Forgotten-timer reminder (hours)", "Remind whoever left a timer running this long, 1 to 72.", f.TimerReminderHours, "10", 2, false),
	}
	if len(f.Services) > 0 {
		def := blockkit.StaticSelect(SettingsDefaultService, "Default service", f.Services, f.DefaultService, true)
		def.Hint = blockkit.Plain("Where time goes when a /log line names no service. Without one, Atlas asks.", blockkit.MaxInputHint)
		blocks = append(blocks, def)
	}
	blocks = append(blocks,
		heading("Invoicing"),
		blockkit.TextInput(SettingsInvoiceFormat, "Invoice number format", formatHint, f.InvoiceNumberFormat, "INV-{YYYY}-{SEQ:4}", 40, false),
		blockkit.TextInput(SettingsNextInvoiceNumber, "Next invoice number", "The running number the next approved invoice gets. It can only go up once an invoice is numbered.", f.NextInvoiceNumber, "1", 9, false),
		blockkit.TextInput(SettingsPaymentTermsDays, "Payment terms (days)", "Days to pay, 0 to 365; a client's own terms win.", f.PaymentTermsDays, "14", 3, false),
		heading("Daily digest"),
		channelBlock,
		atBlock,
	)
	if f.DigestChannel != "" {
		blocks = append(blocks, blockkit.Checkboxes(SettingsDigestOff, "Turn the digest off",
			[]blockkit.Option{{Value: SettingsDigestOffValue, Label: "Send no daily digest"}}, nil)...)
	}
	var review []string
	if f.PreparerMayReview {
		review = []string{SettingsPreparerReviewValue}
	}
	blocks = append(blocks, heading("Reviews"))
	blocks = append(blocks, blockkit.Checkboxes(SettingsPreparerReview, "Who may review",
		[]blockkit.Option{{Value: SettingsPreparerReviewValue, Label: "A task's preparer may also review it"}}, review)...)

	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackSettings,
		Title:  blockkit.Plain("Practice settings", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// DeliveryAutoSendValue is the value of the delivery settings modal's
// send-on-approval checkbox.
const DeliveryAutoSendValue = "yes"

// DeliverySettingsForm pre-fills the delivery settings modal, as text.
type DeliverySettingsForm struct {
	PracticeName      string // for the sender's name's hint
	BankAccountName   string
	BankSortCode      string
	BankAccountNumber string
	BankIBAN          string // in groups of four
	BankBIC           string
	InvoiceFromEmail  string
	InvoiceFromName   string
	AutoSend          bool
}

// deliverySettingsHelp explains the delivery settings, for the help of
// `/atlas settings delivery`.
const deliverySettingsHelp = "*The delivery settings*\n" +
	"• *Bank details*: the account name, sort code and account number, IBAN and BIC, printed on every invoice and in its email so a client can pay. " +
	"All are optional; a sort code needs its account number. An IBAN's check digits are checked, so a mistyped one is refused.\n" +
	"• *Send from* and *sender's name*: the address and name invoices are emailed from; empty, Atlas's own address and the practice's name.\n" +
	"• *Send on approval*: an invoice goes to its client by email as soon as it is approved.\n" +
	"Each client's copies and how it takes its invoices are on the client form (`/atlas clients edit CODE`)."

// DeliverySettingsModal edits how invoices reach clients and how clients
// pay them. It is a modal of its own, like billing: a save of the billing
// settings, which do not show them, leaves the bank details be. Each
// input's block id is the practice package's field, so an error lands on
// its field.
func DeliverySettingsModal(f DeliverySettingsForm) slack.ModalViewRequest {
	heading := func(text string) slack.Block {
		return slack.NewSectionBlock(blockkit.Markdown("*"+text+"*", 0), nil, nil)
	}
	var auto []string
	if f.AutoSend {
		auto = []string{DeliveryAutoSendValue}
	}
	nameHint := "The name beside the address above. Empty: the practice's name"
	if f.PracticeName != "" {
		nameHint += " (" + f.PracticeName + ")"
	}
	nameHint += "."
	blocks := []slack.Block{
		slack.NewContextBlock("", blockkit.Markdown("How invoices reach clients and how clients pay them. "+
			"Each client's copies and how it takes its invoices are on the client form.", 0)),
		heading("Bank details"),
		blockkit.TextInput(practice.FieldBankAccountName, "Account name", "As the bank has it; printed with the details below on every invoice and its email.",
			f.BankAccountName, "Ledgerline & Co Ltd", practice.MaxBankAccountName, true),
		blockkit.TextInput(practice.FieldBankSortCode, "Sort code", "Six digits, for payments by UK transfer; give the account number too.",
			f.BankSortCode, "20-45-77", 12, true),
		blockkit.TextInput(practice.FieldBankAccountNumber, "Account number", "Usually 8 digits.", f.BankAccountNumber, "43218765", 14, true),
		blockkit.TextInput(practice.FieldBankIBAN, "IBAN", "For payments from abroad, as on a bank statement; its check digits are checked.",
			f.BankIBAN, "GB33 BUKB 2045 7743 2187 65", 50, true),
		blockkit.TextInput(practice.FieldBankBIC, "BIC (SWIFT code)", "8 or 11 letters and digits.", f.BankBIC, "BUKBGB22", 14, true),
		heading("Sending invoices"),
		blockkit.TextInput(practice.FieldInvoiceFromEmail, "Send from",
			"The address invoices are emailed from; the mail server must be allowed to send for it. Empty: Atlas's own address.",
			f.InvoiceFromEmail, "accounts@ledgerline.co.uk", 254, true),
		blockkit.TextInput(practice.FieldInvoiceFromName, "Sender's name", nameHint, f.InvoiceFromName, "Ledgerline Accounts", practice.MaxFromName, true),
	}
	blocks = append(blocks, blockkit.Checkboxes(practice.FieldAutoSend, "Send on approval",
		[]blockkit.Option{{Value: DeliveryAutoSendValue, Label: "Send invoices by email as soon as they are approved"}}, auto)...)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackDeliverySettings,
		Title:  blockkit.Plain("Delivery settings", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}
