package admin_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/admin"
	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/internal/digest"
	"github.com/atlas-practice/atlas/internal/practice"
)

func TestSetupModalGolden(t *testing.T) {
	t.Parallel()
	blockkittest.GoldenModal(t, "setup_modal", admin.SetupModal(admin.SetupValues{
		Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20",
	}))
}

func TestTeamGolden(t *testing.T) {
	t.Parallel()
	small := []admin.TeamMember{
		{ID: 1, SlackUserID: "UADMIN1", Name: "Ada", RoleTitle: "Admin", Email: "ada@example.com", CapacityHours: "37.5", Active: true},
		{ID: 2, SlackUserID: "USTAFF1", Name: "Sam", RoleTitle: "Staff", CapacityHours: "20", Active: true},
		{ID: 3, SlackUserID: "UGONE01", Name: "Gil <Gone>", RoleTitle: "Manager", CapacityHours: "0", Active: false},
	}
	blockkittest.GoldenMessage(t, "team_empty", admin.Team("Ledgerline", nil, true))
	blockkittest.GoldenMessage(t, "team_small", admin.Team("Ledgerline", small, false))
	forAdmin := admin.Team("Ledgerline", small, true)
	blockkittest.GoldenMessage(t, "team_small_admin", forAdmin)
	raw, _ := json.Marshal(forAdmin)
	if !strings.Contains(string(raw), `"action_id":"team.edit.3"`) || !strings.Contains(string(raw), "_inactive_") ||
		!strings.Contains(string(raw), "37.5 h/week") || !strings.Contains(string(raw), "2 people · 1 inactive") {
		t.Fatalf("admin's team list lacks an Edit button, capacity or the inactive mark: %s", raw)
	}
	if raw, _ := json.Marshal(admin.Team("Ledgerline", small, false)); strings.Contains(string(raw), "team.edit.") {
		t.Fatalf("staff's team list has Edit buttons: %s", raw)
	}

	var big []admin.TeamMember
	for i := range 1200 {
		big = append(big, admin.TeamMember{ID: int64(i + 1), SlackUserID: fmt.Sprintf("U%06d", i), Name: "Person", RoleTitle: "Staff",
			Email: fmt.Sprintf("person.with.a.long.address.%d@example-bookkeeping.co.uk", i), CapacityHours: "37.5", Active: i%10 != 0})
	}
	blocks := admin.Team("Ledgerline", big, true)
	blockkittest.GoldenMessage(t, "team_overflow", blocks)
	if len(blocks) > 50 {
		t.Fatalf("%d blocks, over Slack's 50", len(blocks))
	}
	last, _ := json.Marshal(blocks[len(blocks)-1])
	shown := len(blocks) - 2 // the header and the footer
	if want := fmt.Sprintf("1080 people · 120 inactive · +%d more", 1200-shown); !strings.Contains(string(last), want) {
		t.Fatalf("a team larger than fits should end in %q: %s", want, last)
	}
}

func TestTeamMemberModalGolden(t *testing.T) {
	t.Parallel()
	roles := []blockkit.Option{{Value: "staff", Label: "Staff"}, {Value: "manager", Label: "Manager"}, {Value: "partner", Label: "Partner"}, {Value: "admin", Label: "Admin"}}
	blockkittest.GoldenModal(t, "team_member_modal", admin.TeamMemberModal(admin.TeamMemberForm{
		ID: 42, SlackUserID: "USTAFF1", Name: "Sam & Co", Role: "manager", Roles: roles, CapacityHours: "37.5", Active: true,
	}))
	m := admin.TeamMemberModal(admin.TeamMemberForm{ID: 43, SlackUserID: "UGONE01", Name: "Gil", Role: "staff", Roles: roles, CapacityHours: "0"})
	blockkittest.GoldenModal(t, "team_member_modal_inactive", m)
	if m.PrivateMetadata != `{"id":43}` || m.CallbackID != admin.CallbackTeamMember {
		t.Fatalf("metadata %q, callback %q", m.PrivateMetadata, m.CallbackID)
	}
}

func settingsData() admin.SettingsData {
	return admin.SettingsData{
		PracticeName: "Ledgerline & Co", Timezone: "Europe/London", Currency: "GBP", VATRate: "20.00",
		RoundingIncrement: 6, RoundingMode: "up", InvoiceNumberFormat: "INV-{YYYY}-{SEQ:4}", NextInvoice: "INV-2026-0001",
		PaymentTermsDays: 14, DigestChannel: "C0DIGEST", DigestTime: "08:00", TimerReminderHours: 10,
		VATRegistered: true, VATNumber: "GB 123 4567 89", ReducedVATRate: "5.00", PostalAddress: "2 Mill Lane\nYork <YO1 7HH>",
		VATRounding: "invoice", LineGrouping: "service", BillingChannel: "C0BILLING", BillingRunDay: 2,
		BankAccountName: "Ledgerline & Co Ltd", BankSortCode: "20-45-77", BankAccountNumber: "43218765",
		BankIBAN: "GB33 BUKB 2045 7743 2187 65", BankBIC: "BUKBGB22", InvoiceFromEmail: "accounts@ledgerline.example", AutoSend: true,
		ReminderSteps: []int{7, 14, 30}, LateInterest: true, BaseRate: "4.25",
		WorkingDays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, WIPAlertDays: 60,
		WIPAlertValue: decimal.NewFromInt(5000), PersonalDigest: true,
		Portal: practice.PortalSettings{RequestDay: 1, ReminderDays: []int{3, 7}, QuotaMB: 2048},
	}
}

func TestSettingsGolden(t *testing.T) {
	t.Parallel()
	forAdmin := settingsData()
	forAdmin.CanEdit = true
	blockkittest.GoldenMessage(t, "settings_admin", admin.Settings(forAdmin))
	staff := settingsData()
	staff.PracticeName, staff.DigestChannel, staff.RoundingMode, staff.PreparerMayReview = "", "", "none", true
	staff.VATRegistered, staff.PostalAddress, staff.VATRounding, staff.LineGrouping, staff.BillingChannel = false, "", "line", "entry", ""
	staff.BankAccountName, staff.BankSortCode, staff.BankAccountNumber, staff.BankIBAN, staff.BankBIC = "", "", "", "", ""
	staff.InvoiceFromEmail, staff.AutoSend = "", false
	staff.ReminderSteps, staff.LateInterest = nil, false
	staff.WorkingDays, staff.PersonalDigest = []time.Weekday{time.Monday, time.Wednesday, time.Saturday}, false
	blockkittest.GoldenMessage(t, "settings_staff", admin.Settings(staff))

	raw := plainJSON(admin.Settings(forAdmin))
	for _, want := range []string{`"action_id":"settings.edit"`, "INV-2026-0001", `"action_id":"settings.billing.edit"`, "Change billing settings",
		"Registered, VAT number GB 123 4567 89", "Monday to Friday", "Older than 60 days or over £5,000.00", `"action_id":"settings.digest.edit"`, "On working day 1 after the month ends", "3 and 7 days after the request", `"action_id":"settings.portal.edit"`, "York &lt;YO1 7HH&gt;", "<#C0BILLING>", "Hourly drafts on the 2nd of each month",
		"rounded down to the penny", "one line per service and rate",
		`"action_id":"settings.delivery.edit"`, "Change delivery settings", `Ledgerline &amp; Co Ltd\nSort code 20-45-77 · account 43218765\nIBAN GB33 BUKB 2045 7743 2187 65\nBIC BUKBGB22`,
		"Ledgerline &amp; Co, accounts@ledgerline.example", "On: an approved invoice goes to the client by email at once",
		`"action_id":"settings.reminders.edit"`, "Emailed 7, 14 and 30 days after the due date", "8% over a base rate of 4.25%"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("admin's settings lack %s: %s", want, raw)
		}
	}
	raw = plainJSON(admin.Settings(staff))
	for _, want := range []string{"Not registered: invoices show no VAT", "half up", "each time entry on its own line",
		`*Bank details*\n_not set_`, "Atlas's own address", "Off: an approved invoice waits to be sent",
		"Off: no reminders are sent", "Off: reminders show the balance only"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("staff's settings lack %s: %s", want, raw)
		}
	}
	if raw, _ := json.Marshal(admin.Settings(staff)); strings.Contains(string(raw), "settings.edit") {
		t.Fatalf("staff's settings have the Change settings button: %s", raw)
	}
}

func TestSettingsModalGolden(t *testing.T) {
	t.Parallel()
	form := admin.SettingsForm{
		Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20", RoundingIncrement: "6", RoundingMode: "up",
		TimerReminderHours: "10", InvoiceNumberFormat: "INV-{YYYY}-{SEQ:4}", NextInvoiceNumber: "1", NextInvoice: "INV-2026-0001",
		PaymentTermsDays: "14", DigestChannel: "C0DIGEST", DigestTime: "08:00", PreparerMayReview: true,
	}
	blockkittest.GoldenModal(t, "settings_modal", admin.SettingsModal(form))

	// A zone outside the common list is offered too, and chosen.
	form.Timezone, form.DigestChannel, form.PreparerMayReview = "Asia/Kathmandu", "", false
	m := admin.SettingsModal(form)
	blockkittest.GoldenModal(t, "settings_modal_other_zone", m)
	raw, _ := json.Marshal(m)
	if !strings.Contains(string(raw), `"initial_option":{"text":{"type":"plain_text","text":"Asia/Kathmandu","emoji":true},"value":"Asia/Kathmandu"}`) {
		t.Fatalf("the practice's own zone is not the initial option: %s", raw)
	}
	if strings.Contains(string(raw), admin.SettingsDigestOff) {
		t.Fatalf("the digest-off box shows without a digest: %s", raw)
	}
}

func TestBillingSettingsModalGolden(t *testing.T) {
	t.Parallel()
	form := admin.BillingSettingsForm{VATRate: "20.00", VATRegistered: true, VATNumber: "GB123456789", ReducedVATRate: "5",
		PostalAddress: "2 Mill Lane\nYork YO1 7HH", VATRounding: "line", LineGrouping: "entry", BillingChannel: "C0BILLING", BillingRunDay: "1"}
	m := admin.BillingSettingsModal(form)
	blockkittest.GoldenModal(t, "billing_settings_modal", m)
	raw, _ := json.Marshal(m)
	for _, want := range []string{`"callback_id":"settings.billing.modal"`, `"initial_conversation":"C0BILLING"`, `"multiline":true`,
		`"initial_value":"2 Mill Lane\nYork YO1 7HH"`, admin.BillingChannelOff, "rounds the VAT of each rate down to the penny", "rounds each line half up"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("billing settings modal lacks %s: %s", want, raw)
		}
	}
	// A new practice: nothing registered, no channel to turn off.
	m = admin.BillingSettingsModal(admin.BillingSettingsForm{ReducedVATRate: "5", VATRounding: "invoice", LineGrouping: "service", BillingRunDay: "1"})
	blockkittest.GoldenModal(t, "billing_settings_modal_new", m)
	if raw, _ := json.Marshal(m); strings.Contains(string(raw), admin.BillingChannelOff) {
		t.Fatalf("the no-channel box shows without a channel: %s", raw)
	}
}

func TestDeliverySettingsModalGolden(t *testing.T) {
	t.Parallel()
	m := admin.DeliverySettingsModal(admin.DeliverySettingsForm{PracticeName: "Ledgerline", BankAccountName: "Ledgerline & Co Ltd",
		BankSortCode: "20-45-77", BankAccountNumber: "43218765", BankIBAN: "GB33 BUKB 2045 7743 2187 65", BankBIC: "BUKBGB22",
		InvoiceFromEmail: "accounts@ledgerline.example", InvoiceFromName: "Ledgerline Accounts", AutoSend: true})
	blockkittest.GoldenModal(t, "delivery_settings_modal", m)
	raw := plainJSON(m)
	for _, want := range []string{`"callback_id":"settings.delivery.modal"`, `"initial_value":"GB33 BUKB 2045 7743 2187 65"`,
		`"initial_value":"20-45-77"`, `"initial_value":"accounts@ledgerline.example"`, "Send invoices by email as soon as they are approved",
		`"initial_options":[{`, "Empty: the practice's name (Ledgerline)."} {
		if !strings.Contains(raw, want) {
			t.Errorf("delivery settings modal lacks %s: %s", want, raw)
		}
	}
	// Each input's block id is the practice package's field, so an error
	// lands on it.
	var ids []string
	for _, b := range m.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok {
			ids = append(ids, in.BlockID)
		}
	}
	want := []string{practice.FieldBankAccountName, practice.FieldBankSortCode, practice.FieldBankAccountNumber, practice.FieldBankIBAN,
		practice.FieldBankBIC, practice.FieldInvoiceFromEmail, practice.FieldInvoiceFromName, practice.FieldAutoSend}
	if !slices.Equal(ids, want) {
		t.Fatalf("block ids %v, want %v", ids, want)
	}

	// A new practice: nothing set, nothing checked.
	m = admin.DeliverySettingsModal(admin.DeliverySettingsForm{})
	blockkittest.GoldenModal(t, "delivery_settings_modal_new", m)
	if raw := plainJSON(m); strings.Contains(raw, "initial_options") || strings.Contains(raw, "initial_value") {
		t.Fatalf("a new practice's delivery form is filled in: %s", raw)
	}
}

func TestCommonTimezonesLoad(t *testing.T) {
	t.Parallel()
	if n := len(admin.CommonTimezones); n >= 100 {
		t.Fatalf("%d common zones; with the practice's own they must stay within Slack's 100 options", n)
	}
	for _, z := range admin.CommonTimezones {
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("%s: %v", z, err)
		}
	}
}

func TestClientViewsGolden(t *testing.T) {
	t.Parallel()
	rows := []admin.ClientRow{
		{ID: 1, Code: "ACME", Name: "Acme Trading Ltd", Type: "Limited company", Billing: "Fixed £450.00/month, in advance", ManagerName: "Mina"},
		{ID: 2, Code: "BAKER", Name: "Baker & Sons", Type: "Partnership", Billing: "Hourly"},
	}
	blockkittest.GoldenMessage(t, "clients_manager", admin.Clients("a", rows, 2, true))
	blockkittest.GoldenMessage(t, "clients_staff_empty", admin.Clients("zzz", nil, 0, false))
	var many []admin.ClientRow
	for i := range 300 {
		many = append(many, admin.ClientRow{ID: int64(i), Code: fmt.Sprintf("C%04d", i), Name: strings.Repeat("Long Name ", 30), Type: "Sole trader", Billing: "Hourly"})
	}
	blockkittest.GoldenMessage(t, "clients_overflow", admin.Clients("", many, 300, true))

	var services []blockkit.Option
	for i := range 23 {
		services = append(services, blockkit.Option{Value: fmt.Sprint(i), Label: fmt.Sprintf("Service %d", i)})
	}
	blockkittest.GoldenModal(t, "client_modal", admin.ClientModal(admin.ClientForm{
		ID: 7, Code: "ACME", Name: "Acme Trading Ltd", EntityType: "limited_company", BillingType: "fixed", MonthlyFee: "450.00",
		InvoiceTiming: "advance", InvoiceDay: "1", Managers: []blockkit.Option{{Value: "3", Label: "Mina Manager"}}, ManagerID: "3",
		EntityTypes: []blockkit.Option{{Value: "limited_company", Label: "Limited company"}}, Services: services, Retainer: []string{"1", "12"},
		FeeNow: "£450.00 a month from 1 December 2026", RetainerStart: "2026-11-01", BillingContact: "Jane Smith",
		BillingEmail: "accounts@acme.co.uk", BillingAddress: "1 High Street\nLeeds LS1 1AA",
		CCEmails: "director@acme.co.uk, books@acme.co.uk", DeliveryMethod: "email",
	}))
	// The most a client form holds: a hundred services and both retainer
	// dates to clear, within Slack's 100 blocks.
	var hundred []blockkit.Option
	for i := range 100 {
		hundred = append(hundred, blockkit.Option{Value: fmt.Sprint(i), Label: strings.Repeat("Service ", 12)})
	}
	full := admin.ClientModal(admin.ClientForm{ID: 8, Code: "BIG", Name: "Big", BillingType: "fixed", InvoiceTiming: "arrears",
		EntityTypes: []blockkit.Option{{Value: "limited_company", Label: "Limited company"}},
		Managers:    []blockkit.Option{{Value: "3", Label: "Mina"}}, Services: hundred, RetainerStart: "2026-11-01", RetainerEnd: "2027-10-31",
		BillingAddress: strings.Repeat("x", 500)})
	if err := blockkit.CheckModal(full); err != nil || len(full.Blocks.BlockSet) > blockkit.MaxViewBlocks {
		t.Fatalf("the fullest client form: %d blocks, %v", len(full.Blocks.BlockSet), err)
	}
	raw, _ := json.Marshal(full)
	for _, want := range []string{`"block_id":"retainer_clear"`, "No start date", "No end date: it runs on", `"initial_date":"2027-10-31"`,
		`"action_id":"fee_from"`, "never repriced", "29, 30 and 31 mean the month's last day",
		`"block_id":"cc_emails"`, `"block_id":"delivery_method"`, `"initial_option":{"text":{"type":"plain_text","text":"Email","emoji":true},"value":"email"}`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("client form lacks %s", want)
		}
	}
	blockkittest.GoldenMessage(t, "client_detail", admin.ClientDetailView(admin.ClientDetail{
		ID: 7, Code: "ACME", Name: "Acme <Trading> Ltd", Type: "Limited company", ManagerName: "Mina",
		Billing: "Fixed £450.00/month, invoiced in advance on the 1st", Fixed: true,
		Fees:     []admin.FeeView{{Amount: "£450.00", From: "1 Dec 2026"}, {Amount: "£400.00", From: "1 Jan 2026"}, {Amount: "£350.00", From: "1 Jan 2025"}},
		Retainer: "1 Nov 2026 to 31 Oct 2027", RetainerCovers: []string{"Bookkeeping", "VAT returns"}, Terms: "30 days",
		BillingContact: "Jane Smith", BillingEmail: "accounts@acme.co.uk", BillingAddress: "1 High Street\nLeeds LS1 1AA",
		CCEmails: []string{"director@acme.co.uk", "books@acme.co.uk"},
	}, true))
	hourly := admin.ClientDetailView(admin.ClientDetail{ID: 8, Code: "BAKER", Name: "Baker & Sons", Type: "Partnership",
		Billing: "Hourly", Terms: "The practice's (14 days)", Archived: true}, false)
	blockkittest.GoldenMessage(t, "client_detail_hourly", hourly)
	raw, _ = json.Marshal(hourly)
	if strings.Contains(string(raw), "client.edit.") || strings.Contains(string(raw), "Retainer covers") || !strings.Contains(string(raw), "clients restore BAKER") {
		t.Fatalf("staff's detail of an archived hourly client: %s", raw)
	}
	blockkittest.GoldenModal(t, "rate_modal", admin.RateModal([]blockkit.Option{{Value: "1", Label: "Payroll"}}, "2026-11-21", "GBP"))
}

// plainJSON is v as JSON without HTML escaping, as it reads in Slack's
// payloads.
func plainJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return b.String()
}

func TestReminderSettingsModalGolden(t *testing.T) {
	t.Parallel()
	m := admin.ReminderSettingsModal(admin.ReminderSettingsForm{Steps: "7, 14, 30", LateInterest: true, BaseRate: "4.25"})
	blockkittest.GoldenModal(t, "reminder_settings_modal", m)
	if m.CallbackID != admin.CallbackReminderSettings {
		t.Fatalf("callback %q", m.CallbackID)
	}
	raw := plainJSON(m)
	for _, want := range []string{`"block_id":"reminder_days"`, `"initial_value":"7, 14, 30"`, `"block_id":"late_interest"`,
		`"block_id":"base_rate"`, `"initial_value":"4.25"`, "Late Payment of Commercial Debts"} {
		if !strings.Contains(raw, want) {
			t.Errorf("reminder settings modal lacks %s: %s", want, raw)
		}
	}
	off := plainJSON(admin.ReminderSettingsModal(admin.ReminderSettingsForm{BaseRate: "4.00"}))
	if strings.Contains(off, "initial_options") {
		t.Fatalf("late interest checked while off: %s", off)
	}
}

func TestDigestSettingsModalGolden(t *testing.T) {
	m := admin.DigestSettingsModal(digest.Form{WorkingDays: []string{"1", "2", "3", "4", "5"}, WIPAlertDays: "60", WIPAlertValue: "5000.00", PersonalDefault: true}, "GBP")
	blockkittest.GoldenModal(t, "digest-settings-modal", m)
}

func TestPortalSettingsModalGolden(t *testing.T) {
	blockkittest.GoldenModal(t, "portal-settings-modal", admin.PortalSettingsModal(practice.PortalForm{RequestDay: "1", ReminderDays: "3, 7", QuotaMB: "2048"}))
}
