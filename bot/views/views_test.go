package views_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/views"
)

func TestHelpGolden(t *testing.T) {
	t.Parallel()
	entries := []views.HelpEntry{
		{Usage: "/atlas help", Summary: "This list of commands."},
		{Usage: "/atlas team", Summary: "Who is on the team.", Examples: []string{"/atlas team", "/atlas team add @bea staff"}},
	}
	blockkittest.GoldenMessage(t, "help_admin", views.Help(entries, "Admin"))
	blockkittest.GoldenMessage(t, "help_stranger", views.Help(entries[:1], ""))
}

func TestHelpNeverExceedsLimits(t *testing.T) {
	t.Parallel()
	var many []views.HelpEntry
	for i := range 80 {
		many = append(many, views.HelpEntry{Usage: fmt.Sprintf("/atlas cmd%d", i), Summary: strings.Repeat("long text ", 400)})
	}
	blocks := views.Help(many, "Admin")
	blockkittest.GoldenMessage(t, "help_overflow", blocks)
}

func TestHomeGolden(t *testing.T) {
	t.Parallel()
	cases := map[string]views.HomeData{
		"home_stranger":         {PracticeName: "Ledgerline", Admins: []string{"UADMIN1", "UADMIN2"}},
		"home_admin_not_set_up": {PersonName: "Ada <Admin>", RoleTitle: "Admin", IsAdmin: true, TeamSize: 1},
		"home_staff_not_set_up": {PersonName: "Sam", RoleTitle: "Staff", TeamSize: 2},
		"home_set_up":           {PersonName: "Sam", RoleTitle: "Staff", PracticeName: "Ledgerline", PracticeSetUp: true, TeamSize: 4},
	}
	for name, d := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			blockkittest.GoldenHome(t, name, views.Home(d))
		})
	}
}

func TestSetupModalGolden(t *testing.T) {
	t.Parallel()
	blockkittest.GoldenModal(t, "setup_modal", views.SetupModal(views.SetupValues{
		Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20",
	}))
}

func TestTeamGolden(t *testing.T) {
	t.Parallel()
	small := []views.TeamMember{
		{ID: 1, SlackUserID: "UADMIN1", Name: "Ada", RoleTitle: "Admin", Email: "ada@example.com", CapacityHours: "37.5", Active: true},
		{ID: 2, SlackUserID: "USTAFF1", Name: "Sam", RoleTitle: "Staff", CapacityHours: "20", Active: true},
		{ID: 3, SlackUserID: "UGONE01", Name: "Gil <Gone>", RoleTitle: "Manager", CapacityHours: "0", Active: false},
	}
	blockkittest.GoldenMessage(t, "team_empty", views.Team("Ledgerline", nil, true))
	blockkittest.GoldenMessage(t, "team_small", views.Team("Ledgerline", small, false))
	admin := views.Team("Ledgerline", small, true)
	blockkittest.GoldenMessage(t, "team_small_admin", admin)
	raw, _ := json.Marshal(admin)
	if !strings.Contains(string(raw), `"action_id":"team.edit.3"`) || !strings.Contains(string(raw), "_inactive_") ||
		!strings.Contains(string(raw), "37.5 h/week") || !strings.Contains(string(raw), "2 people · 1 inactive") {
		t.Fatalf("admin's team list lacks an Edit button, capacity or the inactive mark: %s", raw)
	}
	if raw, _ := json.Marshal(views.Team("Ledgerline", small, false)); strings.Contains(string(raw), "team.edit.") {
		t.Fatalf("staff's team list has Edit buttons: %s", raw)
	}

	var big []views.TeamMember
	for i := range 1200 {
		big = append(big, views.TeamMember{ID: int64(i + 1), SlackUserID: fmt.Sprintf("U%06d", i), Name: "Person", RoleTitle: "Staff",
			Email: fmt.Sprintf("person.with.a.long.address.%d@example-bookkeeping.co.uk", i), CapacityHours: "37.5", Active: i%10 != 0})
	}
	blocks := views.Team("Ledgerline", big, true)
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
	roles := []views.Option{{Value: "staff", Label: "Staff"}, {Value: "manager", Label: "Manager"}, {Value: "partner", Label: "Partner"}, {Value: "admin", Label: "Admin"}}
	blockkittest.GoldenModal(t, "team_member_modal", views.TeamMemberModal(views.TeamMemberForm{
		ID: 42, SlackUserID: "USTAFF1", Name: "Sam & Co", Role: "manager", Roles: roles, CapacityHours: "37.5", Active: true,
	}))
	m := views.TeamMemberModal(views.TeamMemberForm{ID: 43, SlackUserID: "UGONE01", Name: "Gil", Role: "staff", Roles: roles, CapacityHours: "0"})
	blockkittest.GoldenModal(t, "team_member_modal_inactive", m)
	if m.PrivateMetadata != `{"id":43}` || m.CallbackID != views.CallbackTeamMember {
		t.Fatalf("metadata %q, callback %q", m.PrivateMetadata, m.CallbackID)
	}
}

func settingsData() views.SettingsData {
	return views.SettingsData{
		PracticeName: "Ledgerline & Co", Timezone: "Europe/London", Currency: "GBP", VATRate: "20.00",
		RoundingIncrement: 6, RoundingMode: "up", InvoiceNumberFormat: "INV-{YYYY}-{SEQ:4}", NextInvoice: "INV-2026-0001",
		PaymentTermsDays: 14, DigestChannel: "C0DIGEST", DigestTime: "08:00", TimerReminderHours: 10,
	}
}

func TestSettingsGolden(t *testing.T) {
	t.Parallel()
	admin := settingsData()
	admin.CanEdit = true
	blockkittest.GoldenMessage(t, "settings_admin", views.Settings(admin))
	staff := settingsData()
	staff.PracticeName, staff.DigestChannel, staff.RoundingMode, staff.PreparerMayReview = "", "", "none", true
	blockkittest.GoldenMessage(t, "settings_staff", views.Settings(staff))

	raw, _ := json.Marshal(views.Settings(admin))
	if !strings.Contains(string(raw), `"action_id":"settings.edit"`) || !strings.Contains(string(raw), "INV-2026-0001") {
		t.Fatalf("admin's settings lack the button or the next invoice number: %s", raw)
	}
	if raw, _ := json.Marshal(views.Settings(staff)); strings.Contains(string(raw), "settings.edit") {
		t.Fatalf("staff's settings have the Change settings button: %s", raw)
	}
}

func TestSettingsModalGolden(t *testing.T) {
	t.Parallel()
	form := views.SettingsForm{
		Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20", RoundingIncrement: "6", RoundingMode: "up",
		TimerReminderHours: "10", InvoiceNumberFormat: "INV-{YYYY}-{SEQ:4}", NextInvoiceNumber: "1", NextInvoice: "INV-2026-0001",
		PaymentTermsDays: "14", DigestChannel: "C0DIGEST", DigestTime: "08:00", PreparerMayReview: true,
	}
	blockkittest.GoldenModal(t, "settings_modal", views.SettingsModal(form))

	// A zone outside the common list is offered too, and chosen.
	form.Timezone, form.DigestChannel, form.PreparerMayReview = "Asia/Kathmandu", "", false
	m := views.SettingsModal(form)
	blockkittest.GoldenModal(t, "settings_modal_other_zone", m)
	raw, _ := json.Marshal(m)
	if !strings.Contains(string(raw), `"initial_option":{"text":{"type":"plain_text","text":"Asia/Kathmandu","emoji":true},"value":"Asia/Kathmandu"}`) {
		t.Fatalf("the practice's own zone is not the initial option: %s", raw)
	}
	if strings.Contains(string(raw), views.SettingsDigestOff) {
		t.Fatalf("the digest-off box shows without a digest: %s", raw)
	}
}

func TestCommonTimezonesLoad(t *testing.T) {
	t.Parallel()
	if n := len(views.CommonTimezones); n >= 100 {
		t.Fatalf("%d common zones; with the practice's own they must stay within Slack's 100 options", n)
	}
	for _, z := range views.CommonTimezones {
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("%s: %v", z, err)
		}
	}
}

func TestClientViewsGolden(t *testing.T) {
	t.Parallel()
	rows := []views.ClientRow{
		{ID: 1, Code: "ACME", Name: "Acme Trading Ltd", Type: "Limited company", Billing: "Fixed £450.00/month, in advance", ManagerName: "Mina"},
		{ID: 2, Code: "BAKER", Name: "Baker & Sons", Type: "Partnership", Billing: "Hourly"},
	}
	blockkittest.GoldenMessage(t, "clients_manager", views.Clients("a", rows, 2, true))
	blockkittest.GoldenMessage(t, "clients_staff_empty", views.Clients("zzz", nil, 0, false))
	var many []views.ClientRow
	for i := range 300 {
		many = append(many, views.ClientRow{ID: int64(i), Code: fmt.Sprintf("C%04d", i), Name: strings.Repeat("Long Name ", 30), Type: "Sole trader", Billing: "Hourly"})
	}
	blockkittest.GoldenMessage(t, "clients_overflow", views.Clients("", many, 300, true))

	var services []views.Option
	for i := range 23 {
		services = append(services, views.Option{Value: fmt.Sprint(i), Label: fmt.Sprintf("Service %d", i)})
	}
	blockkittest.GoldenModal(t, "client_modal", views.ClientModal(views.ClientForm{
		ID: 7, Code: "ACME", Name: "Acme Trading Ltd", EntityType: "limited_company", BillingType: "fixed", MonthlyFee: "450.00",
		InvoiceTiming: "advance", InvoiceDay: "1", Managers: []views.Option{{Value: "3", Label: "Mina Manager"}}, ManagerID: "3",
		EntityTypes: []views.Option{{Value: "limited_company", Label: "Limited company"}}, Services: services, Retainer: []string{"1", "12"},
	}))
	blockkittest.GoldenModal(t, "rate_modal", views.RateModal([]views.Option{{Value: "1", Label: "Payroll"}}, "2026-11-21", "GBP"))
}
