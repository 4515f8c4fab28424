package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// timeSeed fixes the demo's time: the same person and day always get the
// same entries, whenever and however often the demo is seeded.
const timeSeed = 0x4c6564676572 // "Ledger"

// firstWorkDay is where the demo's time begins: the 1st of last month, so
// that last month — the one the billing run bills — has all its time, and
// no earlier time, whatever day the demo is seeded.
func firstWorkDay(today time.Time) time.Time {
	return atlas.PeriodOf(today).Prev().FirstDay()
}

// role indexes the weights of a task by who does it.
const (
	roleStaff = iota
	roleManager
	rolePartner
	roleAdmin
	roleCount
)

func roleIndex(r atlas.Role) int {
	switch r {
	case atlas.RoleManager:
		return roleManager
	case atlas.RolePartner:
		return rolePartner
	case atlas.RoleAdmin:
		return roleAdmin
	}
	return roleStaff
}

// nonBillableShare is the chance, by role, that a piece of work is internal
// admin or training rather than billable. Such work is short, so it comes
// to about a tenth of the team's time.
var nonBillableShare = [roleCount]float64{roleStaff: 0.15, roleManager: 0.17, rolePartner: 0.20, roleAdmin: 0.22}

// Clients by what they need: who runs a payroll, who is VAT-registered,
// who has management accounts, who is a company.
var (
	payrollClients = []string{"ACME", "BAKER", "GREEN", "HARBR", "NORTH", "OAKTR", "PINE", "RIVER", "STONE", "VALLEY"}
	vatClients     = []string{"ACME", "BAKER", "GREEN", "HARBR", "NORTH", "PINE", "RIVER", "STONE", "VALLEY"}
	maClients      = []string{"ACME", "BAKER", "GREEN", "NORTH", "RIVER", "STONE", "VALLEY"}
	companyClients = []string{"ACME", "NORTH", "PINE", "STONE", "VALLEY", "GREEN"}
	mtdClients     = []string{"HARBR", "WEST"}
)

// headcount is each payroll client's number of employees.
var headcount = map[string]int{"ACME": 12, "BAKER": 6, "GREEN": 9, "HARBR": 4, "NORTH": 38, "OAKTR": 3, "PINE": 5, "RIVER": 14, "STONE": 22, "VALLEY": 11}

// task is a kind of work someone in the practice logs time for.
type task struct {
	service  string   // service code; "" for none
	clients  []string // the clients it applies to; nil for any
	billable bool
	most     int            // the longest it takes in a day, in quarter hours
	weight   [roleCount]int // how often each role does it
	describe func(r *rand.Rand, client string, day time.Time) string
}

func says(s string) func(*rand.Rand, string, time.Time) string {
	return func(*rand.Rand, string, time.Time) string { return s }
}

// lastMonth is the month whose books are being closed on day.
func lastMonth(day time.Time) string { return day.AddDate(0, 0, -day.Day()).Month().String() }

// lastQuarter is the VAT quarter most recently ended on day, such as "Q3".
func lastQuarter(day time.Time) string {
	this := (int(day.Month()) - 1) / 3 // 0 for January to March
	return fmt.Sprintf("Q%d", (this+3)%4+1)
}

// Weights by role, in the order staff, manager, partner, admin.
type byRole = [roleCount]int

var tasks = []task{
	// Bookkeeping: mostly the bookkeeper's.
	{service: "BK", billable: true, most: 16, weight: byRole{10, 2, 0, 3},
		describe: func(_ *rand.Rand, _ string, d time.Time) string { return "Bank reconciliation — " + lastMonth(d) }},
	{service: "BK", billable: true, most: 14, weight: byRole{8, 1, 0, 3},
		describe: func(r *rand.Rand, _ string, _ time.Time) string {
			return fmt.Sprintf("Posted purchase invoices (%d)", 12+r.IntN(60))
		}},
	{service: "BK", billable: true, most: 12, weight: byRole{6, 0, 0, 2}, describe: says("Posted sales invoices and matched receipts")},
	{service: "BK", billable: true, most: 8, weight: byRole{3, 2, 0, 0}, describe: says("Cleared suspense account items")},
	{service: "BK", billable: true, most: 6, weight: byRole{3, 0, 0, 2}, describe: says("Processed expense claims")},
	{service: "BK", billable: true, most: 8, weight: byRole{0, 4, 1, 0},
		describe: func(_ *rand.Rand, _ string, d time.Time) string {
			return "Reviewed " + lastMonth(d) + " bookkeeping before close"
		}},
	// Management accounts for the retainer clients.
	{service: "MA", clients: maClients, billable: true, most: 16, weight: byRole{2, 8, 1, 0},
		describe: func(_ *rand.Rand, _ string, d time.Time) string { return "Management accounts — " + lastMonth(d) }},
	{service: "MA", clients: maClients, billable: true, most: 8, weight: byRole{0, 5, 2, 0},
		describe: says("Reviewed management accounts pack and wrote commentary")},
	// Payroll.
	{service: "PAYROLL", clients: payrollClients, billable: true, most: 12, weight: byRole{5, 1, 0, 8},
		describe: func(_ *rand.Rand, c string, _ time.Time) string {
			return fmt.Sprintf("Payroll run, %d employees", headcount[c])
		}},
	{service: "PAYROLL", clients: payrollClients, billable: true, most: 4, weight: byRole{1, 0, 0, 3}, describe: says("Starter and leaver paperwork processed")},
	{service: "PAYROLL", clients: payrollClients, billable: true, most: 3, weight: byRole{1, 0, 0, 3}, describe: says("Pension contributions submitted")},
	// VAT.
	{service: "VAT", clients: vatClients, billable: true, most: 12, weight: byRole{5, 2, 0, 0},
		describe: func(_ *rand.Rand, _ string, d time.Time) string { return "VAT return " + lastQuarter(d) + " prepared" }},
	{service: "VAT", clients: vatClients, billable: true, most: 6, weight: byRole{0, 5, 2, 0},
		describe: func(_ *rand.Rand, _ string, d time.Time) string {
			return "VAT return " + lastQuarter(d) + " reviewed and filed"
		}},
	{service: "VAT", clients: vatClients, billable: true, most: 3, weight: byRole{1, 2, 1, 0}, describe: says("Client call re: VAT on a new supplier contract")},
	// Year end.
	{service: "YE", billable: true, most: 16, weight: byRole{1, 4, 1, 0}, describe: says("Year-end adjustments drafted")},
	{service: "YE", billable: true, most: 8, weight: byRole{2, 2, 0, 0}, describe: says("Fixed asset register updated for year end")},
	{service: "YE", clients: companyClients, billable: true, most: 12, weight: byRole{0, 3, 2, 0}, describe: says("Corporation tax computation prepared")},
	// Advisory: mostly the partner's.
	{service: "ADV", billable: true, most: 4, weight: byRole{0, 3, 6, 0}, describe: says("Client call re: year-end adjustments")},
	{service: "ADV", billable: true, most: 12, weight: byRole{0, 1, 5, 0}, describe: says("Cash-flow forecast for the bank")},
	{service: "ADV", clients: companyClients, billable: true, most: 6, weight: byRole{0, 0, 4, 0}, describe: says("Meeting re: directors' salary and dividends")},
	{service: "ADV", clients: mtdClients, billable: true, most: 4, weight: byRole{0, 0, 2, 0}, describe: says("Advice on Making Tax Digital for Income Tax")},
	// Internal admin and training: on a client's file, not billed.
	{most: 4, weight: byRole{0, 2, 3, 4}, describe: says("Internal admin: anti-money-laundering checks refreshed")},
	{most: 3, weight: byRole{0, 2, 3, 3}, describe: says("Internal admin: engagement letter renewed")},
	{service: "BK", most: 2, weight: byRole{3, 0, 0, 2}, describe: says("Chasing missing bank statements (not billed)")},
	{service: "PAYROLL", clients: payrollClients, most: 6, weight: byRole{2, 0, 0, 2}, describe: says("Training: new payroll software, shadowing this client's run")},
	{service: "YE", most: 8, weight: byRole{3, 1, 0, 0}, describe: says("Training: year-end file review walkthrough")},
}

// plannedEntry is one entry of the demo's time.
type plannedEntry struct {
	client      string
	service     string
	minutes     int
	description string
	billable    bool
	timer       bool // odd minutes, as a timer saves them
}

// planDay is one person's time on one weekday: 5 to 8 hours over 2 to 5
// entries, each for a different client and no longer than its kind of
// work takes. It depends only on the person and the day, so reseeding on
// another day reproduces it.
func planDay(slackUserID string, role atlas.Role, day time.Time) []plannedEntry {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%s", slackUserID, day.Format(time.DateOnly))
	r := rand.New(rand.NewPCG(timeSeed, h.Sum64()))
	ri := roleIndex(role)

	var picked []task
	var out []plannedEntry
	used := map[string]bool{}
	add := func(billable bool) {
		t := pickTask(r, ri, billable, used)
		free := freeClients(t.clients, used)
		client := free[r.IntN(len(free))]
		used[client] = true
		picked = append(picked, t)
		out = append(out, plannedEntry{client: client, service: t.service, minutes: 15,
			description: t.describe(r, client, day), billable: t.billable})
	}
	for range []int{2, 3, 3, 4, 4, 5}[r.IntN(6)] {
		add(r.Float64() >= nonBillableShare[ri])
	}
	// Share out the day a quarter hour at a time, to work that can take
	// more; when none can, to one more piece of billable work, or past the
	// longest on the fifth.
	for left := 20 + r.IntN(13) - len(out); left > 0; left-- { // 5h to 8h
		var open []int
		for i, t := range picked {
			if out[i].minutes < t.most*15 {
				open = append(open, i)
			}
		}
		switch {
		case len(open) > 0:
			out[open[r.IntN(len(open))]].minutes += 15
		case len(out) < 5:
			add(true)
		default:
			out[r.IntN(len(out))].minutes += 15
		}
	}
	// Some days a timer was used: minutes move between two entries, so the
	// day's total stays in whole quarters.
	if n := len(out); r.IntN(3) == 0 {
		a, b := r.IntN(n), r.IntN(n-1)
		if b >= a {
			b++
		}
		shift := 1 + r.IntN(14)
		if out[b].minutes-shift >= 10 {
			out[a].minutes += shift
			out[b].minutes -= shift
			out[a].timer, out[b].timer = true, true
		}
	}
	return out
}

// pickTask picks work a person in role does, billable or not, on a client
// not yet worked on that day.
func pickTask(r *rand.Rand, role int, billable bool, used map[string]bool) task {
	return pickTaskOf(r, role, billable, used, true)
}

func pickTaskOf(r *rand.Rand, role int, billable bool, used map[string]bool, orOther bool) task {
	var open []task
	total := 0
	for _, t := range tasks {
		if t.billable == billable && t.weight[role] > 0 && len(freeClients(t.clients, used)) > 0 {
			open = append(open, t)
			total += t.weight[role]
		}
	}
	if total == 0 && orOther { // no such work for this role: take the other kind
		return pickTaskOf(r, role, !billable, used, false)
	}
	if total == 0 {
		panic("demo: no task left for the day")
	}
	n := r.IntN(total)
	for _, t := range open {
		if n -= t.weight[role]; n < 0 {
			return t
		}
	}
	panic("unreachable")
}

// freeClients are the clients of allowed (nil for any) not in used.
func freeClients(allowed []string, used map[string]bool) []string {
	var free []string
	if allowed == nil {
		for _, c := range clients {
			if !used[c.Code] {
				free = append(free, c.Code)
			}
		}
		return free
	}
	for _, c := range allowed {
		if !used[c] {
			free = append(free, c)
		}
	}
	return free
}

// workDays are the weekdays from firstWorkDay up to and including today.
func workDays(today time.Time) []time.Time {
	var days []time.Time
	for d := firstWorkDay(today); !d.After(today); d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			days = append(days, d)
		}
	}
	return days
}

// seedTime gives each demo person weeks of realistic time: every weekday
// from the week last month began to this week so far, today only
// its morning's entries (the afternoon is still to log). Entries go
// through timesheet, so the rate card values them, and each has a key of
// its person, day and place in the day, so seeding again adds nothing.
func seedTime(ctx context.Context, q db.DB, pid atlas.PracticeID, people []Person, now time.Time) error {
	p, err := practice.Store{DB: q}.Get(ctx, pid)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	rows, err := q.Query(ctx, `SELECT 'e:' || upper(code), id FROM entities WHERE practice_id = $1
		UNION ALL SELECT 's:' || upper(code), id FROM services WHERE practice_id = $1`, pid)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			rows.Close()
			return err
		}
		ids[k] = id
	}
	if err := rows.Err(); err != nil {
		return err
	}
	members := map[string]atlas.MemberID{}
	for _, m := range people {
		var id int64
		if err := q.QueryRow(ctx, `SELECT id FROM members WHERE practice_id = $1 AND slack_user_id = $2`, pid, m.SlackUserID).Scan(&id); err != nil {
			return fmt.Errorf("demo time for %s: %w", m.Name, err)
		}
		members[m.SlackUserID] = atlas.MemberID(id)
	}

	store := timesheet.Store{DB: q}
	today := p.Today(now)
	for _, day := range workDays(today) {
		for _, person := range people {
			plan := planDay(person.SlackUserID, person.Role, day)
			if day.Equal(today) {
				plan = plan[:(len(plan)+1)/2]
			}
			for i, e := range plan {
				entity, ok := ids["e:"+e.client]
				if !ok {
					return fmt.Errorf("demo time: no client %s", e.client)
				}
				n := timesheet.NewEntry{
					Member: members[person.SlackUserID], EntityID: entity, WorkDate: day, Minutes: e.minutes,
					Description: e.description, Billable: e.billable, Source: timesheet.SourceManual,
					Key: fmt.Sprintf("demo:%s:%s:%d", person.SlackUserID, day.Format(time.DateOnly), i+1),
				}
				if e.timer {
					n.Source = timesheet.SourceTimer
				}
				if e.service != "" {
					sv, ok := ids["s:"+strings.ToUpper(e.service)]
					if !ok {
						return fmt.Errorf("demo time: no service %s", e.service)
					}
					n.ServiceID = &sv
				}
				if _, _, err := store.Log(ctx, p, n, now); err != nil {
					return fmt.Errorf("demo time for %s on %s: %w", person.Name, day.Format(time.DateOnly), err)
				}
			}
		}
	}
	return nil
}
