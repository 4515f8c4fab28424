package views_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

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
	blockkittest.GoldenMessage(t, "team_empty", views.Team("Ledgerline", nil))
	blockkittest.GoldenMessage(t, "team_small", views.Team("Ledgerline", []views.TeamMember{
		{SlackUserID: "UADMIN1", Name: "Ada", RoleTitle: "Admin", Email: "ada@example.com"},
		{SlackUserID: "USTAFF1", Name: "Sam", RoleTitle: "Staff"},
	}))
	var big []views.TeamMember
	for i := range 1200 {
		big = append(big, views.TeamMember{SlackUserID: fmt.Sprintf("U%06d", i), Name: "Person", RoleTitle: "Staff",
			Email: fmt.Sprintf("person.with.a.long.address.%d@example-bookkeeping.co.uk", i)})
	}
	blocks := views.Team("Ledgerline", big)
	blockkittest.GoldenMessage(t, "team_overflow", blocks)
	last, _ := json.Marshal(blocks[len(blocks)-1])
	if !strings.Contains(string(last), "+260 more") {
		t.Fatalf("a team larger than fits should end in +N more: %s", last)
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
