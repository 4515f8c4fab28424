package home_test

import (
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/home"
	"github.com/atlas-practice/atlas/bot/ui"
)

func TestHomeGolden(t *testing.T) {
	t.Parallel()
	cases := map[string]home.HomeData{
		"home_stranger":         {PracticeName: "Ledgerline", Admins: []string{"UADMIN1", "UADMIN2"}},
		"home_admin_not_set_up": {PersonName: "Ada <Admin>", RoleTitle: "Admin", IsAdmin: true, TeamSize: 1},
		"home_staff_not_set_up": {PersonName: "Sam", RoleTitle: "Staff", TeamSize: 2},
		"home_set_up":           {PersonName: "Sam", RoleTitle: "Staff", PracticeName: "Ledgerline", PracticeSetUp: true, TeamSize: 4},
	}
	for name, d := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			blockkittest.GoldenHome(t, name, home.Home(d))
		})
	}
}

// The week the time tests look at: Monday 16 November 2026, in London.
var (
	london     = mustLoad("Europe/London")
	started    = time.Date(2026, time.November, 18, 9, 15, 0, 0, london) // Wed 09:15
	wednesday  = time.Date(2026, time.November, 18, 0, 0, 0, 0, time.UTC)
	tuesday    = time.Date(2026, time.November, 17, 0, 0, 0, 0, time.UTC)
	acmeClient = "ACME · Acme Trading Ltd"
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func runningTimer() ui.TimerView {
	return ui.TimerView{ID: 4211, Client: acmeClient, Service: "Payroll", Note: "November payroll run",
		Started: started, Elapsed: 1*time.Hour + 25*time.Minute + 40*time.Second}
}

// recentEntries are a person's last five entries, newest first.
func recentEntries() []ui.EntryView {
	baker := ui.EntryView{Client: "BAKER · Baker & Sons", Service: "Bookkeeping", Task: "BAKER · Bookkeeping · November 2026",
		Minutes: 45, Rounded: 48, Description: "Bank reconciliation <Barclays>", Billable: true, Value: "£60.00"}
	out := []ui.EntryView{
		{Date: wednesday, Client: acmeClient, Service: "Payroll", Minutes: 90, Rounded: 90,
			Description: "Payroll run and RTI submission", Billable: true, Value: "£112.50", Locked: true},
		baker,
		{Date: wednesday, Client: "CROWN · Crown Cafés Ltd", Service: "VAT return", Minutes: 120, Rounded: 120,
			Description: "Q3 VAT return review", Billable: true, Value: "£150.00"},
		baker,
		{Date: tuesday, Client: "INT · Internal", Minutes: 120, Rounded: 120, Description: "Team training"},
	}
	out[1].Date, out[3].Date = wednesday, tuesday
	for i := range out {
		out[i].ID = int64(500 + i)
	}
	return out
}

func TestHomeTimeGolden(t *testing.T) {
	t.Parallel()
	base := home.HomeData{PersonName: "Sam", RoleTitle: "Staff", PracticeName: "Ledgerline", PracticeSetUp: true, TeamSize: 4}

	tv := runningTimer()
	running := base
	running.Time = &home.HomeTime{Timer: &tv, TodayMinutes: 195, WeekMinutes: 1110, CapacityMinutes: 2250, Recent: recentEntries()}
	if len(running.Time.Recent) != 5 {
		t.Fatalf("%d recent entries, want 5", len(running.Time.Recent))
	}
	h := home.Home(running)
	blockkittest.GoldenHome(t, "time_home_running", h)
	raw := blockkittest.JSON(t, h)
	for _, want := range []string{"*Today* 3h 15m", "*This week* 18h 30m of 37h 30m (49%)", "*Latest entries*", "Wed 18 Nov · *1h 30m*", `"value":"4211"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("Home with a timer lacks %q", want)
		}
	}

	idle := base
	idle.Time = &home.HomeTime{TodayMinutes: 0, WeekMinutes: 0, CapacityMinutes: 0}
	h = home.Home(idle)
	blockkittest.GoldenHome(t, "time_home_no_timer", h)
	raw = blockkittest.JSON(t, h)
	for _, want := range []string{"No timer running", `"action_id":"log.open"`, "*Today* 0h", "*This week* 0h\""} {
		if !strings.Contains(raw, want) {
			t.Errorf("Home without a timer lacks %q: %s", want, raw)
		}
	}
	if strings.Contains(raw, "Latest entries") {
		t.Errorf("Home without entries lists latest entries: %s", raw)
	}
}
