package loadtest

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/importer"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/slackfake"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Size is how large the practice is.
type Size struct {
	Clients int // 5,000
	People  int // 50
	Days    int // days of time history, 365
	// Fresh leaves this month's packs and last month's billing run to
	// Atlas's own periodic jobs, for tests of those jobs.
	Fresh bool
}

// DefaultSize is a large practice: 5,000 clients, 50 people, a year of time.
var DefaultSize = Size{Clients: 5000, People: 50, Days: 365}

// Person is one of the practice's people, as the driver plays them.
type Person struct {
	SlackID string
	Role    atlas.Role
	Member  atlas.MemberID
}

// Practice is what the driver needs to know of the seeded practice.
type Practice struct {
	ID      atlas.PracticeID
	People  []Person
	Clients []string // client codes
	Names   []string // client names, by the same index
	// Channel is where people type their commands; BillingChannel is where
	// the billing run posts.
	Channel, BillingChannel string
	Month                   atlas.Period // the month of packs at hand
}

// PracticeID is the Slack team the stand-in speaks for.
const PracticeID = atlas.PracticeID(slackfake.TeamID)

var (
	nameWords = []string{"Acme", "Baker", "Green", "Harbour", "North", "Oak", "Pine", "River", "Stone", "Summit", "Valley", "West",
		"Castle", "Bridge", "Meadow", "Park", "Elm", "Hill", "Brook", "Kings", "Mill", "Orchard", "Granite", "Silver"}
	nameKinds = []string{"Trading", "Holdings", "Services", "Consulting", "Partners", "Foods", "Motors", "Design", "Builders", "Logistics"}
	services  = [][]string{
		{"code", "name", "covered_by_retainer", "vat_treatment", "billable"},
		{"BK", "Bookkeeping", "yes", "standard", "yes"},
		{"PAYROLL", "Payroll", "no", "standard", "yes"},
		{"VAT", "VAT returns", "yes", "standard", "yes"},
		{"MA", "Management accounts", "no", "standard", "yes"},
		{"YE", "Year end accounts", "no", "standard", "yes"},
		{"ADV", "Advisory", "no", "standard", "yes"},
		{"ADMIN", "Practice admin", "no", "outside", "no"},
	}
	serviceCodes = []string{"BK", "PAYROLL", "VAT", "MA", "YE", "ADV"}
)

// slackID is person i's Slack user id.
func slackID(i int) string { return fmt.Sprintf("U0LOAD%03d", i+1) }

// roleOf gives the team a practice's shape: two admins, four partners,
// eight managers, the rest staff.
func roleOf(i int) atlas.Role {
	switch {
	case i < 2:
		return atlas.RoleAdmin
	case i < 6:
		return atlas.RolePartner
	case i < 14:
		return atlas.RoleManager
	}
	return atlas.RoleStaff
}

// Seed builds the practice on pool, as of now: the team, services and rate
// card, the clients (three in ten on a monthly fee), a year of time (billed
// in the practice's old system up to the month before last), every client
// on the standard checklist with this month's packs made and moved along,
// and last month's billing run. It goes through the importers and stores
// Atlas itself uses, so the data obeys every rule a real practice's does.
func Seed(ctx context.Context, pool *pgxpool.Pool, size Size, now time.Time, channel, billingChannel string) (Practice, error) {
	out := Practice{ID: PracticeID, Channel: channel, BillingChannel: billingChannel}
	ps := practice.Store{DB: pool}
	if _, err := ps.Ensure(ctx, PracticeID); err != nil {
		return out, err
	}
	p, err := ps.SaveBasics(ctx, PracticeID, 0, practice.Basics{Name: "Ledgerline Load", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"})
	if err != nil {
		return out, err
	}
	today := p.Today(now)
	out.Month = atlas.PeriodOf(today)
	last := out.Month.Prev()

	imp := func(kind importer.Kind, rows [][]string, o importer.Options) error {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.WriteAll(rows); err != nil {
			return err
		}
		o.Practice = PracticeID
		rep, err := importer.Import(ctx, pool, kind, &buf, o)
		if err != nil {
			return fmt.Errorf("import %s: %w", kind, err)
		}
		if !rep.Imported || rep.Invalid() > 0 {
			return fmt.Errorf("import %s: %d of %d rows invalid: %+v", kind, rep.Invalid(), rep.Rows, rep.Errors[:min(3, len(rep.Errors))])
		}
		return nil
	}

	team := [][]string{{"slack_user_id", "name", "role", "weekly_capacity_hours"}}
	for i := range size.People {
		team = append(team, []string{slackID(i), fmt.Sprintf("Person %d", i+1), string(roleOf(i)), "37.5"})
	}
	if err := imp(importer.Team, team, importer.Options{}); err != nil {
		return out, err
	}
	if err := imp(importer.Services, services, importer.Options{}); err != nil {
		return out, err
	}
	rates := [][]string{{"client_code", "service_code", "member_slack_id", "hourly_rate", "effective_from"},
		{"", "", "", "85", "2020-01-01"}}
	for i := range size.People {
		rate := map[atlas.Role]string{atlas.RoleAdmin: "150", atlas.RolePartner: "180", atlas.RoleManager: "120", atlas.RoleStaff: "75"}[roleOf(i)]
		rates = append(rates, []string{"", "", slackID(i), rate, "2020-01-01"})
	}
	if err := imp(importer.Rates, rates, importer.Options{}); err != nil {
		return out, err
	}

	clients := [][]string{{"code", "name", "entity_type", "billing_type", "monthly_fee", "fee_from", "invoice_timing", "invoice_day",
		"payment_terms_days", "billing_email", "manager_slack_id", "retainer_services"}}
	for g := 1; g <= size.Clients; g++ {
		code := fmt.Sprintf("C%04d", g)
		name := fmt.Sprintf("%s %s %d Ltd", nameWords[g%len(nameWords)], nameKinds[(g/len(nameWords))%len(nameKinds)], g)
		manager := slackID(6 + g%8)
		row := []string{code, name, "Limited Company", "hourly", "", "", "", "", "30", "accounts@c" + strconv.Itoa(g) + ".example", manager, ""}
		if g%10 < 3 {
			row[3], row[4], row[5], row[6], row[7], row[11] = "fixed", strconv.Itoa(150+g%20*25), "2025-01-01", "advance", "1", "BK;VAT"
		}
		clients = append(clients, row)
		out.Clients = append(out.Clients, code)
		out.Names = append(out.Names, name)
	}
	if err := imp(importer.Clients, clients, importer.Options{}); err != nil {
		return out, err
	}

	// A year of time: each person's working days, two or three entries a
	// day. Time before last month was billed in the old system.
	r := rand.New(rand.NewPCG(1, 2))
	timeRows := [][]string{{"date", "client", "service", "person", "hours", "notes"}}
	for d := size.Days; d >= 1; d-- {
		day := today.AddDate(0, 0, -d)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for i := range size.People {
			for range 2 + r.IntN(2) {
				timeRows = append(timeRows, []string{day.Format(time.DateOnly), out.Clients[r.IntN(len(out.Clients))],
					serviceCodes[r.IntN(len(serviceCodes))], slackID(i), strconv.FormatFloat(0.25*float64(1+r.IntN(12)), 'f', 2, 64),
					"Bank reconciliation and queries"})
			}
		}
	}
	if err := imp(importer.Time, timeRows, importer.Options{BilledUpTo: last.FirstDay().AddDate(0, 0, -1), Today: today}); err != nil {
		return out, err
	}

	rows, err := pool.Query(ctx, `SELECT slack_user_id, role, id FROM members WHERE practice_id = $1 AND active ORDER BY slack_user_id`, PracticeID)
	if err != nil {
		return out, err
	}
	out.People, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Person, error) {
		var p Person
		err := r.Scan(&p.SlackID, &p.Role, &p.Member)
		return p, err
	})
	if err != nil {
		return out, err
	}

	// Every client on the standard checklist, prepared by staff and
	// reviewed by a manager or partner; this month's packs made.
	if _, err := (workflow.Store{DB: pool}).EnsureStandard(ctx, PracticeID, now); err != nil {
		return out, err
	}
	if _, err := pool.Exec(ctx, `INSERT INTO assignments (practice_id, entity_id, template_id, preparer_id, reviewer_id)
		SELECT $1, e.id, (SELECT id FROM templates WHERE practice_id = $1 AND active ORDER BY id LIMIT 1),
		       s.ids[1 + e.id % cardinality(s.ids)], r.ids[1 + e.id % cardinality(r.ids)]
		  FROM entities e,
		       (SELECT array_agg(id ORDER BY id) AS ids FROM members WHERE practice_id = $1 AND role = 'staff') s,
		       (SELECT array_agg(id ORDER BY id) AS ids FROM members WHERE practice_id = $1 AND role IN ('manager', 'partner')) r
		 WHERE e.practice_id = $1
		ON CONFLICT DO NOTHING`, PracticeID); err != nil {
		return out, fmt.Errorf("assign clients: %w", err)
	}
	if !size.Fresh {
		if _, err := (workflow.Store{DB: pool}).Generate(ctx, PracticeID, out.Month, now); err != nil {
			return out, err
		}
	}

	// Billing: last month's run, in the billing channel.
	if _, err := pool.Exec(ctx, `UPDATE practices SET vat_registered = true, vat_number = 'GB 123 4567 89',
			postal_address = E'Ledgerline\n1 Quay Street\nBristol BS1 4DJ', billing_run_day = 1, billing_channel = $2
		WHERE id = $1`, PracticeID, billingChannel); err != nil {
		return out, err
	}
	if _, err := pool.Exec(ctx, `UPDATE entities SET bill_from = $2 WHERE practice_id = $1 AND billing_type = 'fixed'`,
		PracticeID, last.FirstDay()); err != nil {
		return out, err
	}
	if !size.Fresh {
		if _, err := (billing.Store{DB: pool}).Run(ctx, PracticeID, last, now, 0); err != nil {
			return out, fmt.Errorf("billing run: %w", err)
		}
	}
	_, err = pool.Exec(ctx, `ANALYZE`)
	return out, err
}
