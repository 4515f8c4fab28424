package digest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/billing/billingtest"
	"github.com/atlas-practice/atlas/internal/digest"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

var ymd = billingtest.Day

// instant reads "2026-11-20" (midnight UTC) or "2026-11-20T10:00:00Z".
func instant(s string) time.Time {
	if len(s) == len(time.DateOnly) {
		return ymd(s)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// pack is a task as the fixture writes it. Its six stage targets are all
// target, so the current stage's target is target; a completed pack is
// approved and delivered at completed.
type pack struct {
	client    int64
	period    string // "2026-11-01"
	prep, rev atlas.MemberID
	due       string
	stage     int
	target    string
	review    string // "none" when empty
	sent      string // sent for review at
	created   string // "2026-11-01T09:00:00Z" when empty
	done      []string
	completed string
}

func addPack(f *billingtest.Fixture, template int64, p pack) int64 {
	f.T.Helper()
	if p.review == "" {
		p.review = "none"
	}
	if p.created == "" {
		p.created = "2026-11-01T09:00:00Z"
	}
	doneAt := make([]*time.Time, 6)
	for i, d := range p.done {
		at := instant(d)
		doneAt[i] = &at
	}
	opt := func(s string) *time.Time {
		if s == "" {
			return nil
		}
		at := instant(s)
		return &at
	}
	var by *int64
	if p.completed != "" {
		p.review, p.stage = "approved", 7
		rev := int64(p.rev)
		by = &rev
	}
	var id int64
	err := f.DB.QueryRow(f.Ctx, `INSERT INTO tasks (practice_id, entity_id, template_id, period, preparer_id, reviewer_id, due_date,
			stage_targets, stage, review_state, sent_for_review_at, approved_by, approved_at, completed_by, completed_at, created_at, stage_done_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, array_fill($8::date, ARRAY[6]), $9, $10, $11, $12, $13, $12, $13, $14, $15) RETURNING id`,
		f.PID, p.client, template, ymd(p.period), int64(p.prep), int64(p.rev), ymd(p.due), ymd(p.target), p.stage, p.review, opt(p.sent),
		by, opt(p.completed), instant(p.created), doneAt).Scan(&id)
	if err != nil {
		f.T.Fatalf("task of client %d: %v", p.client, err)
	}
	return id
}

func packLines(ps []digest.Pack) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%d %s · stage %d %s · %s %s · due %s · %d days over", p.TaskID, p.Client, p.Stage, p.StageName,
			p.PreparerName, p.PreparerSlack, p.Due.Format(time.DateOnly), p.DaysOverdue))
	}
	return out
}

func invoiceLines(is []digest.Invoice) []string {
	var out []string
	for _, i := range is {
		out = append(out, fmt.Sprintf("%d %q %s %s %d", i.ID, i.Number, i.Client, i.Total.StringFixed(2), i.DaysOverdue))
	}
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// digestDay is Monday 7 December 2026: the last working day before it is
// Friday 4 December, the week's last working day Friday 11 December; it is
// the 5th working day of December, and the 5th of November is Friday 6
// November.
var digestDay = ymd("2026-12-07")

// december is the fixture's practice (Ledgerline, GBP, £60 an hour plus
// 20% VAT; Bea and Cal staff, Mina manager, Pat partner, and abe and Otto
// added here), moved to Berlin (an hour ahead of UTC in winter, so that a
// day read in UTC would show), working Monday to Friday, listing work in
// progress over £300 or older than 30 days.
//
// Its packs are made by SQL, each with all six stage targets on one date,
// so that a pack's current stage's target is that date.
type december struct {
	f                    *billingtest.Fixture
	s                    digest.Settings
	tasks, clients       map[string]int64
	awaitACME, awaitBETA int64 // invoices awaiting approval
	overGAMMA, overDELTA int64 // invoices overdue
	abe                  atlas.MemberID
	patTimer             time.Time
}

func newDecember(t *testing.T, pid string) *december {
	t.Helper()
	// Billing happens on 30 November; December's time is logged on 7
	// December, the digest's morning.
	f := billingtest.New(t, pgtest.Tx(t), pid, time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	d := &december{f: f, tasks: map[string]int64{}, clients: map[string]int64{}}
	f.Exec(`UPDATE practices SET timezone = 'Europe/Berlin', working_days = '{1,2,3,4,5}', wip_alert_days = 30, wip_alert_value = 300
		WHERE id = $1`, f.PID)
	f.Exec(`UPDATE members SET weekly_capacity_minutes = 0, personal_digest = true WHERE id = $1`, f.Mina)
	f.Exec(`UPDATE members SET weekly_capacity_minutes = 1800 WHERE id = $1`, f.Pat)
	f.Exec(`UPDATE members SET personal_digest = false WHERE id = $1`, f.Cal)
	if err := f.DB.QueryRow(f.Ctx, `INSERT INTO members (practice_id, slack_user_id, name, role, weekly_capacity_minutes)
		VALUES ($1, 'UABE', 'abe', 'staff', 1500) RETURNING id`, f.PID).Scan(&d.abe); err != nil {
		t.Fatal(err)
	}
	f.Exec(`INSERT INTO members (practice_id, slack_user_id, name, role, active, personal_digest) VALUES ($1, 'UOTTO', 'Otto', 'staff', false, true)`, f.PID)
	var err error
	if d.s, err = digest.ReadSettings(f.Ctx, f.DB, f.PID); err != nil {
		t.Fatal(err)
	}

	hourly := func(codes ...string) {
		for _, c := range codes {
			d.clients[c] = f.HourlyClient(c)
		}
	}
	hourly("ACME", "ALPHA", "BETA", "GAMMA", "DELTA", "EPS", "ZETA", "OMEGA", "THETA", "ARCH", "IOTA", "PI", "KAPPA", "LAMBDA", "MU", "NU",
		"OLD", "BIG", "EDGE")
	f.Exec(`UPDATE entities SET archived_at = now() WHERE id = $1`, d.clients["ARCH"])

	// Packs. The template's name and items do not matter to the digest.
	var template int64
	if err := f.DB.QueryRow(f.Ctx, `INSERT INTO templates (practice_id, name) VALUES ($1, 'Monthly pack') RETURNING id`, f.PID).Scan(&template); err != nil {
		t.Fatal(err)
	}
	c := d.clients
	for name, p := range map[string]pack{
		// Overdue: ACME 27 days (October's), ALPHA and BETA 3 days.
		"ACME":  {client: c["ACME"], period: "2026-10-01", prep: f.Bea, rev: f.Cal, due: "2026-11-10", stage: 3, target: "2026-11-08", created: "2026-10-01T09:00:00Z", done: []string{"2026-10-05", "2026-11-20"}},
		"ALPHA": {client: c["ALPHA"], period: "2026-11-01", prep: f.Bea, rev: f.Mina, due: "2026-12-04", stage: 1, target: "2026-11-05", created: "2026-10-31T12:00:00Z"},
		"BETA":  {client: c["BETA"], period: "2026-11-01", prep: f.Cal, rev: f.Mina, due: "2026-12-04", stage: 2, target: "2026-11-20", done: []string{"2026-11-10"}},
		// Due this week: GAMMA today (at risk), IOTA on the 9th, DELTA on the 11th.
		"GAMMA": {client: c["GAMMA"], period: "2026-11-01", prep: f.Bea, rev: f.Cal, due: "2026-12-07", stage: 5, target: "2026-12-04", review: "requested",
			sent: "2026-12-03T10:00:00Z", done: []string{"2026-11-05", "2026-11-10", "2026-11-20", "2026-12-03"}},
		"IOTA": {client: c["IOTA"], period: "2026-11-01", prep: f.Cal, rev: f.Mina, due: "2026-12-09", stage: 2, target: "2026-12-10", done: []string{"2026-11-25"}},
		"DELTA": {client: c["DELTA"], period: "2026-11-01", prep: f.Cal, rev: f.Bea, due: "2026-12-11", stage: 5, target: "2026-12-07", review: "requested",
			sent: "2026-12-02T09:00:00Z", done: []string{"2026-11-05", "2026-11-10", "2026-11-20", "2026-12-01"}},
		// Due later: EPS (at risk), OMEGA and THETA (at risk), PI; ZETA is
		// December's.
		"EPS": {client: c["EPS"], period: "2026-11-01", prep: f.Cal, rev: f.Pat, due: "2026-12-14", stage: 1, target: "2026-12-05", created: "2026-11-16T23:30:00Z"},
		"PI": {client: c["PI"], period: "2026-11-01", prep: f.Cal, rev: f.Bea, due: "2026-12-15", stage: 5, target: "2026-12-20", review: "requested",
			sent: "2026-11-30T09:00:00Z", done: []string{"2026-11-05", "2026-11-10", "2026-11-20", "2026-11-27"}},
		"OMEGA": {client: c["OMEGA"], period: "2026-11-01", prep: f.Mina, rev: f.Pat, due: "2026-12-18", stage: 3, target: "2026-12-06", done: []string{"2026-11-20", "2026-12-01T10:00:00Z"}},
		"THETA": {client: c["THETA"], period: "2026-11-01", prep: f.Bea, rev: f.Pat, due: "2026-12-21", stage: 3, target: "2026-12-02", done: []string{"2026-11-20", "2026-12-05T10:00:00Z"}},
		"ZETA":  {client: c["ZETA"], period: "2026-12-01", prep: f.Bea, rev: f.Cal, due: "2027-01-11", stage: 1, target: "2027-01-05", created: "2026-12-01T08:00:00Z"},
		// An archived client's pack is chased nowhere (but counts in its
		// month's completion, as on the board).
		"ARCH": {client: c["ARCH"], period: "2026-11-01", prep: f.Bea, rev: f.Cal, due: "2026-11-30", stage: 1, target: "2026-11-02"},
		// Done: KAPPA this month; LAMBDA by the end of 6 November (the
		// 5th working day) at 23:30 in Berlin, MU at 00:30 the next day
		// there (23:30 UTC), NU later.
		"KAPPA":  {client: c["KAPPA"], period: "2026-12-01", prep: f.Bea, rev: f.Cal, due: "2027-01-11", target: "2027-01-05", completed: "2026-12-04T12:00:00Z"},
		"LAMBDA": {client: c["LAMBDA"], period: "2026-11-01", prep: f.Cal, rev: f.Bea, due: "2026-12-10", target: "2026-12-05", completed: "2026-11-06T22:30:00Z"},
		"MU":     {client: c["MU"], period: "2026-11-01", prep: f.Cal, rev: f.Bea, due: "2026-12-01", target: "2026-11-25", completed: "2026-11-06T23:30:00Z"},
		"NU":     {client: c["NU"], period: "2026-11-01", prep: f.Cal, rev: f.Bea, due: "2026-12-08", target: "2026-12-05", completed: "2026-11-20T10:00:00Z"},
	} {
		d.tasks[name] = addPack(f, template, p)
	}

	// Invoices awaiting approval: BETA's £90 + VAT = £108.00 (submitted
	// first), ACME's £60 + VAT = £72.00.
	f.Log(f.Bea, c["ACME"], "BK", "2026-11-10", 60)
	f.Log(f.Cal, c["BETA"], "BK", "2026-11-07", 90)
	for _, a := range []struct {
		id        *int64
		code, sub string
	}{{&d.awaitACME, "ACME", "2026-12-03T10:00:00Z"}, {&d.awaitBETA, "BETA", "2026-12-01T09:00:00Z"}} {
		*a.id = f.DraftUpTo(c[a.code], billing.Hourly, "2026-11-30").ID
		if _, err := f.BS.Submit(f.Ctx, f.PID, f.Mina, *a.id); err != nil {
			t.Fatal(err)
		}
		f.Exec(`UPDATE invoices SET submitted_at = $2 WHERE id = $1`, *a.id, instant(a.sub))
	}

	// Sent invoices: GAMMA's £144.00, £44.00 paid, due 20 November (17
	// days over, £100.00 owed); DELTA's £72.00 due 1 December (6 days);
	// EPS's £36.00 not due until 14 December; ZETA's £36.00 overdue but
	// credited in full.
	f.Log(f.Bea, c["GAMMA"], "BK", "2026-11-16", 120)
	f.Log(f.Bea, c["DELTA"], "BK", "2026-11-17", 60)
	f.Log(f.Bea, c["EPS"], "BK", "2026-11-18", 30)
	f.Log(f.Bea, c["ZETA"], "BK", "2026-11-19", 30)
	for _, s := range []struct {
		id   *int64
		code string
	}{{&d.overGAMMA, "GAMMA"}, {&d.overDELTA, "DELTA"}, {new(int64), "EPS"}, {new(int64), "ZETA"}} {
		*s.id = f.DraftUpTo(c[s.code], billing.Hourly, "2026-11-30").ID
		f.Approve(*s.id)
		f.Sent(*s.id)
	}
	f.Exec(`UPDATE invoices SET status = 'part_paid', paid = 44, due_date = '2026-11-20' WHERE id = $1`, d.overGAMMA)
	f.Exec(`UPDATE invoices SET due_date = '2026-12-01' WHERE id = $1`, d.overDELTA)
	f.Exec(`UPDATE invoices SET credited = total, due_date = '2026-11-15' WHERE practice_id = $1 AND entity_id = $2`, f.PID, c["ZETA"])

	// Retainers for November: FIXED £300 for £300 + £120 of time (71%),
	// RET3 £200 for £240 (83%), RET2 £450 for £360 (125%), REXACT £180 for
	// £180 (100%), RET4 £100 for no time at all.
	for _, r := range []struct {
		code, fee string
		logs      map[atlas.MemberID][2]any
	}{
		{"FIXED", "300", map[atlas.MemberID][2]any{f.Bea: {"2026-11-05", 300}, f.Cal: {"2026-11-25", 120}}},
		{"RET3", "200", map[atlas.MemberID][2]any{f.Bea: {"2026-11-12", 240}}},
		{"RET2", "450", map[atlas.MemberID][2]any{f.Bea: {"2026-11-13", 360}}},
		{"REXACT", "180", map[atlas.MemberID][2]any{f.Cal: {"2026-11-13", 180}}},
		{"RET4", "100", nil},
	} {
		id := f.RetainerClient(r.code, r.fee)
		for who, l := range r.logs {
			f.Log(who, id, "BK", l[0].(string), l[1].(int))
		}
		f.Approve(f.DraftUpTo(id, billing.Recurring, "2026-11-30").ID)
	}

	// Work in progress besides ACME's £60.00 (27 days) and BETA's £90.00
	// (30 days, not over) on the drafts awaiting approval: OLD £60.00 from
	// 1 October (67 days: over), BIG £360.00 (over), EDGE £300.00 (not
	// over), and December's time.
	f.Log(f.Cal, c["OLD"], "BK", "2026-10-01", 60)
	f.Log(f.Bea, c["BIG"], "BK", "2026-11-25", 360)
	f.Log(f.Bea, c["EDGE"], "ADV", "2026-11-30", 300)

	// December: Bea logged 90 + 42 minutes on Friday (OMEGA £132.00) and
	// 30 on Saturday (£30.00); Cal logged on Thursday (THETA £30.00), no
	// one else logged on Friday.
	f.Now = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	f.Log(f.Bea, c["OMEGA"], "BK", "2026-12-04", 90)
	f.Log(f.Bea, c["OMEGA"], "ADV", "2026-12-04", 42)
	f.Log(f.Bea, c["OMEGA"], "BK", "2026-12-05", 30)
	f.Log(f.Cal, c["THETA"], "BK", "2026-12-03", 30)

	// Pat's timer has run since Sunday afternoon; Bea's since 00:30 this
	// morning in Berlin (still Sunday in UTC).
	d.patTimer = instant("2026-12-06T15:00:00Z")
	f.Exec(`INSERT INTO timers (practice_id, member_id, entity_id, started_at) VALUES ($1, $2, $3, $4), ($1, $5, $6, '2026-12-06T23:30:00Z')`,
		f.PID, f.Pat, c["ACME"], d.patTimer, f.Bea, c["OMEGA"])
	return d
}

func TestPracticeDigest(t *testing.T) {
	t.Parallel()
	d := newDecember(t, "TDIGEST1")
	f, tk := d.f, d.tasks
	st := digest.Store{DB: f.DB}
	p, err := st.Practice(f.Ctx, d.s, digestDay)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Ledgerline" || p.Currency != "GBP" || !p.Day.Equal(digestDay) || !p.LastDay.Equal(ymd("2026-12-04")) || p.Late {
		t.Errorf("practice %q %q day %s last day %s late %v", p.Name, p.Currency, p.Day, p.LastDay, p.Late)
	}

	// Overdue, the oldest due first, then by client: not ARCH (archived),
	// nor MU (done).
	sameLines(t, "overdue", packLines(p.Overdue), []string{
		fmt.Sprintf("%d ACME · ACME Ltd · stage 3 Reconcile bank · Bea UBEA · due 2026-11-10 · 27 days over", tk["ACME"]),
		fmt.Sprintf("%d ALPHA · ALPHA Ltd · stage 1 Collect documents · Bea UBEA · due 2026-12-04 · 3 days over", tk["ALPHA"]),
		fmt.Sprintf("%d BETA · BETA Ltd · stage 2 Capture transactions · Cal UCAL · due 2026-12-04 · 3 days over", tk["BETA"]),
	})
	if p.OverdueTotal != 3 {
		t.Errorf("overdue total %d, want 3", p.OverdueTotal)
	}
	// Due from today to Friday 11th, the soonest first: not NU (done), nor
	// EPS (the 14th).
	sameLines(t, "due this week", packLines(p.DueThisWeek), []string{
		fmt.Sprintf("%d GAMMA · GAMMA Ltd · stage 5 Review · Bea UBEA · due 2026-12-07 · 0 days over", tk["GAMMA"]),
		fmt.Sprintf("%d IOTA · IOTA Ltd · stage 2 Capture transactions · Cal UCAL · due 2026-12-09 · 0 days over", tk["IOTA"]),
		fmt.Sprintf("%d DELTA · DELTA Ltd · stage 5 Review · Cal UCAL · due 2026-12-11 · 0 days over", tk["DELTA"]),
	})
	if p.DueWeekTotal != 3 {
		t.Errorf("due this week total %d, want 3", p.DueWeekTotal)
	}
	// At risk and not overdue: GAMMA, EPS, OMEGA and THETA are past their
	// stage's target; DELTA (on it today), IOTA, PI and ZETA are not.
	if p.AtRisk != 4 {
		t.Errorf("at risk %d, want 4", p.AtRisk)
	}
	// Stage 3 holds three packs all past its target (stage 1 holds three
	// too, two past): ACME has waited since 20 November (17 days), OMEGA
	// since 1 December (6), THETA since 5 December (2).
	if b := p.Bottleneck; b == nil || *b != (digest.Stuck{Stage: 3, StageName: "Reconcile bank", PastTarget: 3, Waiting: 3, MedianDays: 6}) {
		t.Errorf("bottleneck %+v", b)
	}
	// December: KAPPA done of KAPPA and ZETA. November by its 5th working
	// day (Friday 6th, to midnight in Berlin): LAMBDA of 13.
	if c := p.Completion; c != (digest.Completion{Done: 1, Total: 2, LastDone: 1, LastTotal: 13}) {
		t.Errorf("completion %+v", c)
	}

	sameLines(t, "awaiting approval", invoiceLines(p.AwaitingApproval), []string{
		fmt.Sprintf(`%d "" BETA · BETA Ltd 108.00 0`, d.awaitBETA),
		fmt.Sprintf(`%d "" ACME · ACME Ltd 72.00 0`, d.awaitACME),
	})
	if p.AwaitingApprovalTotal != 2 || p.AwaitingApprovalSum.StringFixed(2) != "180.00" {
		t.Errorf("awaiting approval %d, %s; want 2, 180.00", p.AwaitingApprovalTotal, p.AwaitingApprovalSum)
	}
	sameLines(t, "overdue invoices", invoiceLines(p.OverdueInvoices), []string{
		fmt.Sprintf(`%d "INV-2026-0001" GAMMA · GAMMA Ltd 100.00 17`, d.overGAMMA),
		fmt.Sprintf(`%d "INV-2026-0002" DELTA · DELTA Ltd 72.00 6`, d.overDELTA),
	})
	if p.OverdueInvoicesTotal != 2 || p.OverdueInvoicesOwed.StringFixed(2) != "172.00" {
		t.Errorf("overdue invoices %d, %s; want 2, 172.00", p.OverdueInvoicesTotal, p.OverdueInvoicesOwed)
	}

	// WIP: BIG 360 + OMEGA 162 + EDGE 300 + BETA 90 + ACME 60 + OLD 60 +
	// THETA 30 = 1,062.00; over: BIG by value, OLD by age.
	if p.WIPTotal.StringFixed(2) != "1062.00" {
		t.Errorf("WIP total %s, want 1062.00", p.WIPTotal)
	}
	var over []string
	for _, c := range p.WIPOver {
		over = append(over, fmt.Sprintf("%d %s %s %d", c.ID, c.Client, c.Value.StringFixed(2), c.OldestDays))
	}
	sameLines(t, "WIP over", over, []string{
		fmt.Sprintf("%d BIG · BIG Ltd 360.00 12", d.clients["BIG"]),
		fmt.Sprintf("%d OLD · OLD Ltd 60.00 67", d.clients["OLD"]),
	})
	if p.WIPOverAll != 2 {
		t.Errorf("WIP over all %d, want 2", p.WIPOverAll)
	}

	var under []string
	for _, r := range p.UnderRecovered {
		under = append(under, fmt.Sprintf("%s %s/%s %d%%", r.Client, r.Fee.StringFixed(2), r.Value.StringFixed(2), r.CoveragePct))
	}
	sameLines(t, "under-recovered", under, []string{"FIXED · FIXED Ltd 300.00/420.00 71%", "RET3 · RET3 Ltd 200.00/240.00 83%"})

	// No time on Friday: abe (1,500 a week), Cal and Pat (1,800); not
	// Mina (no capacity), Otto (inactive) or Bea.
	var idle []string
	for _, i := range p.Idle {
		idle = append(idle, fmt.Sprintf("%s %s %d", i.Name, i.SlackUser, i.CapacityMinutes))
	}
	sameLines(t, "idle", idle, []string{"abe UABE 300", "Cal UCAL 450", "Pat UPAT 360"})

	// A tie between stages goes to the earlier: with THETA's target moved
	// on, stage 1 and stage 3 both hold two packs past. Stage 1's have
	// waited: ALPHA since 31 October, 37 days; EPS since 17 November in
	// Berlin (the 16th in UTC), 20; ZETA since 1 December, 6.
	f.Exec(`UPDATE tasks SET stage_targets = array_fill('2026-12-31'::date, ARRAY[6]) WHERE id = $1`, tk["THETA"])
	p, err = st.Practice(f.Ctx, d.s, digestDay)
	if err != nil {
		t.Fatal(err)
	}
	if b := p.Bottleneck; b == nil || *b != (digest.Stuck{Stage: 1, StageName: "Collect documents", PastTarget: 2, Waiting: 3, MedianDays: 20}) {
		t.Errorf("bottleneck on a tie %+v", b)
	}
	// With every pack's targets today, none is past one: there is no
	// bottleneck and nothing is at risk.
	f.Exec(`UPDATE tasks SET stage_targets = array_fill('2026-12-07'::date, ARRAY[6]) WHERE practice_id = $1`, f.PID)
	if p, err = st.Practice(f.Ctx, d.s, digestDay); err != nil || p.Bottleneck != nil || p.AtRisk != 0 {
		t.Errorf("no stage past its target: bottleneck %+v, at risk %d (%v)", p.Bottleneck, p.AtRisk, err)
	}
}

func TestPersonDigest(t *testing.T) {
	t.Parallel()
	d := newDecember(t, "TDIGEST2")
	f, tk := d.f, d.tasks
	st := digest.Store{DB: f.DB}

	// Bea prepares ACME and ALPHA (overdue) and GAMMA, reviews DELTA (due
	// this week), and has PI (sent 30 November) and DELTA (2 December) to
	// review. She logged 90 + 42 minutes on Friday; her timer started this
	// morning, in Berlin.
	bea, err := st.Person(f.Ctx, d.s, f.Bea, digestDay)
	if err != nil {
		t.Fatal(err)
	}
	if bea.Member != f.Bea || bea.SlackUser != "UBEA" || bea.Name != "Bea" || bea.IsPartner || bea.Currency != "GBP" ||
		!bea.Day.Equal(digestDay) || !bea.LastDay.Equal(ymd("2026-12-04")) {
		t.Errorf("Bea: %+v", bea)
	}
	sameLines(t, "Bea's overdue", packLines(bea.Overdue), []string{
		fmt.Sprintf("%d ACME · ACME Ltd · stage 3 Reconcile bank · Bea UBEA · due 2026-11-10 · 27 days over", tk["ACME"]),
		fmt.Sprintf("%d ALPHA · ALPHA Ltd · stage 1 Collect documents · Bea UBEA · due 2026-12-04 · 3 days over", tk["ALPHA"]),
	})
	sameLines(t, "Bea's week", packLines(bea.DueThisWeek), []string{
		fmt.Sprintf("%d GAMMA · GAMMA Ltd · stage 5 Review · Bea UBEA · due 2026-12-07 · 0 days over", tk["GAMMA"]),
		fmt.Sprintf("%d DELTA · DELTA Ltd · stage 5 Review · Cal UCAL · due 2026-12-11 · 0 days over", tk["DELTA"]),
	})
	sameLines(t, "Bea's reviews", packLines(bea.ToReview), []string{
		fmt.Sprintf("%d PI · PI Ltd · stage 5 Review · Cal UCAL · due 2026-12-15 · 0 days over", tk["PI"]),
		fmt.Sprintf("%d DELTA · DELTA Ltd · stage 5 Review · Cal UCAL · due 2026-12-11 · 0 days over", tk["DELTA"]),
	})
	if len(bea.ToApprove) != 0 || bea.LoggedMinutes != 132 || bea.CapacityMinutes != 450 || bea.TimerSince != nil || bea.TimerClient != "" {
		t.Errorf("Bea: to approve %v, logged %d of %d, timer %v %q", bea.ToApprove, bea.LoggedMinutes, bea.CapacityMinutes, bea.TimerSince, bea.TimerClient)
	}
	if bea.Empty() {
		t.Error("Bea's digest is empty")
	}

	// Pat reviews EPS, OMEGA and THETA, none overdue, due this week or
	// sent to him; as a partner he approves the invoices; his timer has
	// run since yesterday.
	pat, err := st.Person(f.Ctx, d.s, f.Pat, digestDay)
	if err != nil {
		t.Fatal(err)
	}
	if !pat.IsPartner || pat.Name != "Pat" || pat.SlackUser != "UPAT" || len(pat.Overdue) != 0 || len(pat.DueThisWeek) != 0 || len(pat.ToReview) != 0 {
		t.Errorf("Pat: %+v", pat)
	}
	sameLines(t, "Pat's approvals", invoiceLines(pat.ToApprove), []string{
		fmt.Sprintf(`%d "" BETA · BETA Ltd 108.00 0`, d.awaitBETA),
		fmt.Sprintf(`%d "" ACME · ACME Ltd 72.00 0`, d.awaitACME),
	})
	if pat.LoggedMinutes != 0 || pat.CapacityMinutes != 360 || pat.TimerSince == nil || !pat.TimerSince.Equal(d.patTimer) ||
		pat.TimerClient != "ACME · ACME Ltd" {
		t.Errorf("Pat: logged %d of %d, timer %v %q", pat.LoggedMinutes, pat.CapacityMinutes, pat.TimerSince, pat.TimerClient)
	}

	// Mina, a manager with no capacity, reviews ALPHA and BETA (overdue)
	// and IOTA (due this week), and approves nothing.
	mina, err := st.Person(f.Ctx, d.s, f.Mina, digestDay)
	if err != nil {
		t.Fatal(err)
	}
	if mina.IsPartner || len(mina.ToApprove) != 0 || len(mina.Overdue) != 2 || mina.Overdue[1].TaskID != tk["BETA"] ||
		len(mina.DueThisWeek) != 1 || mina.DueThisWeek[0].TaskID != tk["IOTA"] || mina.CapacityMinutes != 0 {
		t.Errorf("Mina: %+v", mina)
	}

	if _, err := st.Person(f.Ctx, d.s, atlas.MemberID(1<<40), digestDay); atlas.ErrorCode(err) != atlas.ENotFound {
		t.Errorf("a stranger: %v", err)
	}

	// Recipients: Bea, Pat and abe by the practice's default, Mina by
	// choice; not Cal (turned off) nor Otto (inactive).
	names := func(s digest.Settings) []string {
		rs, err := st.Recipients(f.Ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%d %s", r.Member, r.SlackUser))
		}
		return out
	}
	who := func(m atlas.MemberID, slack string) string { return fmt.Sprintf("%d %s", m, slack) }
	sameLines(t, "recipients", names(d.s), []string{who(d.abe, "UABE"), who(f.Bea, "UBEA"), who(f.Mina, "UMINA"), who(f.Pat, "UPAT")})
	off := d.s
	off.PersonalDefault = false
	sameLines(t, "recipients by choice", names(off), []string{who(f.Mina, "UMINA")})
}

func TestCalendar(t *testing.T) {
	t.Parallel()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	s := digest.Settings{Location: london, At: 8 * 60,
		WorkingDays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}}
	for _, c := range []struct {
		what string
		got  time.Time
		want string
	}{
		{"last working day before Monday", s.LastWorkingDay(ymd("2026-12-07")), "2026-12-04"},
		{"last working day before Sunday", s.LastWorkingDay(ymd("2026-12-06")), "2026-12-04"},
		{"last working day before Wednesday", s.LastWorkingDay(ymd("2026-12-09")), "2026-12-08"},
		{"week end from Monday", s.WeekEnd(ymd("2026-12-07")), "2026-12-11"},
		{"week end from Friday", s.WeekEnd(ymd("2026-12-11")), "2026-12-11"},
		{"week end from Saturday", s.WeekEnd(ymd("2026-12-12")), "2026-12-12"},
		{"5th working day of November", s.NthWorkingDay(atlas.Period{Year: 2026, Month: time.November}, 5), "2026-11-06"},
		{"30th working day of November", s.NthWorkingDay(atlas.Period{Year: 2026, Month: time.November}, 30), "2026-11-30"},
	} {
		if !c.got.Equal(ymd(c.want)) {
			t.Errorf("%s: %s, want %s", c.what, c.got.Format(time.DateOnly), c.want)
		}
	}
	for d, want := range map[string]int{"2026-12-07": 5, "2026-12-01": 1, "2026-11-01": 0, "2026-11-30": 21} {
		if got := s.WorkingDayIndex(ymd(d)); got != want {
			t.Errorf("working day index of %s: %d, want %d", d, got, want)
		}
	}
	sixDays := s
	sixDays.WorkingDays = append(slices.Clone(s.WorkingDays), time.Saturday)
	if got := sixDays.WeekEnd(ymd("2026-12-07")); !got.Equal(ymd("2026-12-12")) {
		t.Errorf("six-day week end %s", got.Format(time.DateOnly))
	}
	if got := sixDays.LastWorkingDay(ymd("2026-12-07")); !got.Equal(ymd("2026-12-05")) {
		t.Errorf("six-day last working day %s", got.Format(time.DateOnly))
	}

	// The digest is due from 08:00 London time on a working day, late
	// once more than 15 minutes past it.
	for _, c := range []struct {
		now       string
		day       string
		due, late bool
	}{
		{"2026-12-07T07:59:00Z", "2026-12-07", false, false},
		{"2026-12-07T08:00:00Z", "2026-12-07", true, false},
		{"2026-12-07T08:15:00Z", "2026-12-07", true, false},
		{"2026-12-07T08:16:00Z", "2026-12-07", true, true},
		{"2026-12-05T12:00:00Z", "2026-12-05", false, false}, // Saturday
		{"2026-07-01T07:10:00Z", "2026-07-01", true, false},  // 08:10 BST
		{"2026-07-01T07:30:00Z", "2026-07-01", true, true},   // 08:30 BST
		{"2026-07-01T23:30:00Z", "2026-07-02", false, false}, // 00:30 BST the next day
	} {
		d, due, late := s.Due(instant(c.now))
		if !d.Equal(ymd(c.day)) || due != c.due || late != c.late {
			t.Errorf("at %s: day %s, due %v, late %v; want %s, %v, %v", c.now, d.Format(time.DateOnly), due, late, c.day, c.due, c.late)
		}
	}
}

func TestReadSettingsDefaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := pgtest.Tx(t)
	if _, err := tx.Exec(ctx, `INSERT INTO practices (id) VALUES ('TDIGEST3')`); err != nil {
		t.Fatal(err)
	}
	s, err := digest.ReadSettings(ctx, tx, "TDIGEST3")
	if err != nil {
		t.Fatal(err)
	}
	weekdays := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	if s.PracticeID != "TDIGEST3" || s.Location.String() != "Europe/London" || s.Channel != "" || s.At != 480 ||
		!slices.Equal(s.WorkingDays, weekdays) || s.WIPAlertDays != 60 || s.WIPAlertValue.StringFixed(2) != "5000.00" || !s.PersonalDefault {
		t.Errorf("defaults: %+v", s)
	}
	// ISO 7 is Sunday.
	if _, err := tx.Exec(ctx, `UPDATE practices SET working_days = '{6,7}', digest_time = '07:30', digest_channel = 'C1',
		personal_digest_default = false, timezone = 'Asia/Tokyo' WHERE id = 'TDIGEST3'`); err != nil {
		t.Fatal(err)
	}
	if s, err = digest.ReadSettings(ctx, tx, "TDIGEST3"); err != nil {
		t.Fatal(err)
	}
	if s.Location.String() != "Asia/Tokyo" || s.Channel != "C1" || s.At != 450 || !slices.Equal(s.WorkingDays, []time.Weekday{time.Saturday, time.Sunday}) ||
		s.PersonalDefault {
		t.Errorf("set: %+v", s)
	}
	if _, err := digest.ReadSettings(ctx, tx, "TNONE"); atlas.ErrorCode(err) != atlas.ENotFound {
		t.Errorf("no practice: %v", err)
	}
}
