package demo

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

func day(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }

func TestWorkDays(t *testing.T) {
	t.Parallel()
	cases := []struct {
		today, first, last string
		n                  int
	}{
		// From 1 October: all of last month, and no earlier.
		{"2026-11-21", "2026-10-01", "2026-11-20", 37}, // a Saturday: this week is Mon to Fri
		{"2026-11-18", "2026-10-01", "2026-11-18", 35}, // a Wednesday, today included
		{"2026-11-16", "2026-10-01", "2026-11-16", 33}, // a Monday
		{"2026-11-22", "2026-10-01", "2026-11-20", 37}, // a Sunday
		{"2026-12-31", "2026-11-02", "2026-12-31", 44}, // 1 November was a Sunday
	}
	for _, c := range cases {
		days := workDays(day(c.today))
		if len(days) != c.n || !days[0].Equal(day(c.first)) || !days[len(days)-1].Equal(day(c.last)) {
			t.Errorf("%s: %d days from %s to %s, want %d from %s to %s", c.today, len(days),
				days[0].Format(time.DateOnly), days[len(days)-1].Format(time.DateOnly), c.n, c.first, c.last)
		}
		for _, d := range days {
			if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
				t.Errorf("%s: a weekend day %s", c.today, d.Format(time.DateOnly))
			}
		}
	}
}

func TestPlanDay(t *testing.T) {
	t.Parallel()
	codes := map[string]bool{}
	for _, c := range clients {
		codes[c.Code] = true
	}
	offered := map[string]bool{"": true}
	for _, s := range services {
		offered[s.code] = true
	}
	var billable, all int
	start := day("2026-01-05")
	for _, role := range []atlas.Role{atlas.RoleStaff, atlas.RoleManager, atlas.RolePartner, atlas.RoleAdmin} {
		for i := range 300 {
			d := start.AddDate(0, 0, i)
			plan := planDay("U0"+strings.ToUpper(string(role)), role, d)
			if again := planDay("U0"+strings.ToUpper(string(role)), role, d); !reflect.DeepEqual(plan, again) {
				t.Fatalf("%s %s: planned differently twice", role, d.Format(time.DateOnly))
			}
			if len(plan) < 2 || len(plan) > 5 {
				t.Fatalf("%s %s: %d entries", role, d.Format(time.DateOnly), len(plan))
			}
			total := 0
			seen := map[string]bool{}
			for _, e := range plan {
				total += e.minutes
				if e.minutes < 10 || !codes[e.client] || !offered[e.service] || e.description == "" || seen[e.client] {
					t.Fatalf("%s %s: bad entry %+v in %+v", role, d.Format(time.DateOnly), e, plan)
				}
				seen[e.client] = true
				all += e.minutes
				if e.billable {
					billable += e.minutes
				}
			}
			if total < 5*60 || total > 8*60 {
				t.Fatalf("%s %s: %d minutes in the day", role, d.Format(time.DateOnly), total)
			}
		}
	}
	if share := 1 - float64(billable)/float64(all); share < 0.06 || share > 0.15 {
		t.Errorf("non-billable share %.3f, want about a tenth", share)
	}
	// Descriptions follow the calendar.
	if got := lastMonth(day("2026-11-03")); got != "October" {
		t.Errorf("lastMonth = %s", got)
	}
	for date, want := range map[string]string{"2026-11-03": "Q3", "2026-01-15": "Q4", "2026-04-01": "Q1", "2026-09-30": "Q2"} {
		if got := lastQuarter(day(date)); got != want {
			t.Errorf("lastQuarter(%s) = %s, want %s", date, got, want)
		}
	}
}

func TestSeedTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := pgtest.Tx(t)
	p := Practice{TeamID: "TDEMOTIME", Name: "Ledgerline Bookkeeping", People: []Person{
		{SlackUserID: "U0ADA", Name: "Ada Admin", Role: atlas.RoleAdmin},
		{SlackUserID: "U0PARK", Name: "Park Partner", Role: atlas.RolePartner},
		{SlackUserID: "U0MINA", Name: "Mina Manager", Role: atlas.RoleManager},
		{SlackUserID: "U0BEA", Name: "Bea Bookkeeper", Role: atlas.RoleStaff},
	}}
	start := time.Now()
	if err := Seed(ctx, tx, p); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded in %v", time.Since(start))
	pr, err := practice.Store{DB: tx}.Get(ctx, "TDEMOTIME")
	if err != nil {
		t.Fatal(err)
	}
	today := pr.Today(time.Now())
	days := workDays(today)

	rows, err := tx.Query(ctx, `SELECT m.slack_user_id, te.work_date, te.minutes, te.billable, te.rate IS NOT NULL AND te.value IS NOT NULL,
			te.billing_state, te.description, te.idempotency_key
		FROM time_entries te JOIN members m ON m.practice_id = te.practice_id AND m.id = te.member_id
		WHERE te.practice_id = 'TDEMOTIME'`)
	if err != nil {
		t.Fatal(err)
	}
	type dayKey struct {
		who  string
		date time.Time
	}
	perDay := map[dayKey]int{}
	var n, nonBillable int
	for rows.Next() {
		var who, state, desc, key string
		var date time.Time
		var minutes int
		var billable, valued bool
		if err := rows.Scan(&who, &date, &minutes, &billable, &valued, &state, &desc, &key); err != nil {
			t.Fatal(err)
		}
		n++
		perDay[dayKey{who, date}] += minutes
		switch {
		case date.After(today) || date.Before(days[0]):
			t.Errorf("%s: work date %s outside %s to %s", key, date.Format(time.DateOnly), days[0].Format(time.DateOnly), today.Format(time.DateOnly))
		case date.Weekday() == time.Saturday || date.Weekday() == time.Sunday:
			t.Errorf("%s: on a %s", key, date.Weekday())
		case !strings.HasPrefix(key, "demo:"+who+":"+date.Format(time.DateOnly)+":"):
			t.Errorf("key %q for %s on %s", key, who, date.Format(time.DateOnly))
		case billable && (!valued || state != timesheet.Unbilled):
			t.Errorf("%s: billable but %s, valued %v", key, state, valued)
		case !billable && state != timesheet.NonBillable:
			t.Errorf("%s: not billable but %s", key, state)
		case desc == "":
			t.Errorf("%s: no description", key)
		}
		if !billable {
			nonBillable++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d entries over %d weekdays for %d people, %d not billable", n, len(days), len(p.People), nonBillable)
	if n == 0 || nonBillable == 0 || nonBillable == n {
		t.Fatalf("%d entries, %d not billable", n, nonBillable)
	}
	for _, person := range p.People {
		for _, d := range days {
			got := perDay[dayKey{person.SlackUserID, d}]
			if d.Equal(today) {
				if got == 0 || got >= 8*60 {
					t.Errorf("%s today: %d minutes, want the morning's", person.Name, got)
				}
				continue
			}
			if got < 5*60 || got > 8*60 {
				t.Errorf("%s on %s: %d minutes", person.Name, d.Format(time.DateOnly), got)
			}
		}
	}
}
