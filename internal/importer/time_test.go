package importer_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/importer"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/slackfake"
	"github.com/atlas-practice/atlas/internal/timesheet"
	wipreport "github.com/atlas-practice/atlas/internal/wip"
)

// The rate card of the time tests: the default rises on 1 March 2026, in
// the middle of the file.
const timeRates = `client_code,service_code,member_slack_id,hourly_rate,effective_from
,,,85,2025-04-01
,,,90,2026-03-01
,,U0MINA,115,2025-04-01
,advisory,,150,2025-04-01
acme,BK,u0bea,72.50,2025-04-01
`

// timeCSV is time as Harvest exports it: its own column names (Task,
// Billed?), a column Atlas does not read, clients by code, alias, name and
// a near name, services by code and name, people by Slack id, by an email
// the team has and by one only Slack knows, hours in both forms.
const timeCSV = "Date,Client,Task,Person,Hours,Notes,Billed?,Project Code\r\n" +
	"2026-02-02,ACME,BK,U0BEA,1.5,Bank reconciliation,yes,J1\r\n" +
	"2026-02-20,Bloom Florists,Bookkeeping,mina@ledger.example,1:30,Receipts,no,J2\r\n" +
	"2026-03-02,acme trading,VAT,nia@ledger.example,1.25,VAT return,,J3\r\n" +
	"2026-03-03,CEDAR,,u0ada,0.33,\"Call with trustees, deed\",0,J4\r\n" +
	"2 Mar 2026,Bloom Florist,ADVISORY,U0MINA,2:00,Advice,1,J5\r\n" +
	"2026-03-05,bloom,Business advisory,U0BEA,.75,,false,J6\r\n" +
	"2026-03-05,bloom,Business advisory,U0BEA,0:45,,false,J7\r\n" +
	"2026-01-15,ACME,,U0OLD,3,Old hand,no,J8\r\n"

// timeFixture is a practice with services, a team (Nia known to Slack
// alone, Olu left), clients and the rate card, and the options of a time
// import: Slack's stand-in for emails and billing in the old system up to
// the end of February.
func timeFixture(t *testing.T) (*fixture, func(*importer.Options)) {
	t.Helper()
	f := newFixture(t)
	f.run(importer.Services, servicesCSV)
	f.run(importer.Team, teamCSV+"U0NIA,Nia New,,staff,37.5\nU0OLD,Olu Old,,staff,37.5\n")
	if _, err := f.tx.Exec(context.Background(), `UPDATE members SET active = false WHERE practice_id = $1 AND slack_user_id = 'U0OLD'`, f.pid); err != nil {
		t.Fatal(err)
	}
	f.run(importer.Clients, clientsCSV)
	counts(t, f.run(importer.Rates, timeRates), 5, 0)
	fake := slackfake.New(t)
	fake.AddUser("U0NIA", "nia", "Nia New", "nia@ledger.example")
	return f, func(o *importer.Options) {
		o.LookupEmail = slackLookup(fake)
		o.BilledUpTo = time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)
	}
}

func TestImportTime(t *testing.T) {
	t.Parallel()
	f, opts := timeFixture(t)
	ctx := context.Background()

	// A dry run says what would happen and writes nothing.
	dry := f.run(importer.Time, timeCSV, opts, dryRun)
	if dry.Created != 8 || dry.Rejected || dry.Imported || f.count("time_entries") != 0 {
		t.Fatalf("dry run: %+v, %d entries", dry, f.count("time_entries"))
	}

	rep := f.run(importer.Time, timeCSV, opts)
	if rep.Created != 8 || rep.Unchanged != 0 || rep.Skipped != 0 || len(rep.Errors) != 0 || !rep.Imported {
		t.Fatalf("import: %+v", rep)
	}
	if !reflect.DeepEqual(rep.IgnoredColumns, []string{"Project Code"}) {
		t.Fatalf("ignored: %q", rep.IgnoredColumns)
	}
	sum := rep.Summary()
	for _, want := range []string{
		"created 8, 0 already imported, skipped 0 of 8 rows.",
		`The column "Project Code" is not a column Atlas imports, so it was ignored.`,
		"The hours of 1 row were not a whole number of minutes and were rounded to the nearest minute (line 5: 0.33 hours, taken as 20 minutes).",
		`A client name matched its client only loosely, not by code, name or alias: "Bloom Florist" → BLOOM · Bloom Florists. Check it, or use client codes.`,
		"Of the new entries, billed in the old system (marked billed or dated on or before 2026-02-28; never invoiced by Atlas): 4; non-billable: 0; unbilled, work in progress to invoice: 4.",
	} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	want := []string{
		"2026-01-15|ACME|U0OLD|180|Old hand|import|85.00|255.00|billed_elsewhere",
		"2026-02-02|ACME|BK|U0BEA|90|Bank reconciliation|import|72.50|108.75|billed_elsewhere",
		"2026-02-20|BLOOM|BK|U0MINA|90|Receipts|import|115.00|172.50|billed_elsewhere",
		"2026-03-02|ACME|VAT|U0NIA|75|VAT return|import|90.00|117.00|unbilled",
		"2026-03-02|BLOOM|ADVISORY|U0MINA|120|Advice|import|150.00|300.00|billed_elsewhere",
		"2026-03-03|CEDAR|U0ADA|20|Call with trustees, deed|import|90.00|36.00|unbilled",
		"2026-03-05|BLOOM|ADVISORY|U0BEA|45||import|150.00|120.00|unbilled",
		"2026-03-05|BLOOM|ADVISORY|U0BEA|45||import|150.00|120.00|unbilled",
	}
	if got := f.snapshot("time_entries"); !reflect.DeepEqual(got, want) {
		t.Fatalf("entries:\n got %q\nwant %q", got, want)
	}

	// Each value is what logging the same time gives: the same rate in
	// force, the same rounding, the same rule.
	p, err := practice.Store{DB: f.tx}.Get(ctx, f.pid)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.tx.Query(ctx, `SELECT member_id, entity_id, service_id, work_date, minutes, rate, value FROM time_entries WHERE practice_id = $1`, f.pid)
	if err != nil {
		t.Fatal(err)
	}
	type imported struct {
		timesheet.NewEntry
		rate, value string
	}
	var all []imported
	for rows.Next() {
		var e imported
		var member int64
		if err := rows.Scan(&member, &e.EntityID, &e.ServiceID, &e.WorkDate, &e.Minutes, &e.rate, &e.value); err != nil {
			t.Fatal(err)
		}
		e.Member = atlas.MemberID(member)
		all = append(all, e)
	}
	if rows.Err() != nil || len(all) != 8 {
		t.Fatalf("%d entries: %v", len(all), rows.Err())
	}
	sp, err := f.tx.Begin(ctx) // the logged copies are undone
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range all {
		r, err := practice.Store{DB: sp}.ResolveRate(ctx, f.pid, practice.RateKey{EntityID: &e.EntityID, ServiceID: e.ServiceID, MemberID: &e.Member}, e.WorkDate)
		if err != nil {
			t.Fatal(err)
		}
		if v := timesheet.Value(e.Minutes, r.HourlyRate, p.RoundingIncrement, p.RoundingMode); v.StringFixed(2) != e.value || r.HourlyRate.StringFixed(2) != e.rate {
			t.Errorf("entry %d: rate %s value %s; the card says %s and Value %s", i, e.rate, e.value, r.HourlyRate.StringFixed(2), v.StringFixed(2))
		}
		e.Billable, e.Key = true, "compare:"+string(rune('a'+i))
		logged, _, err := timesheet.Store{DB: sp}.Log(ctx, p, e.NewEntry, e.WorkDate.Add(12*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if logged.Rate.Decimal.StringFixed(2) != e.rate || logged.Value.Decimal.StringFixed(2) != e.value {
			t.Errorf("entry %d: imported at %s for %s, logged at %s for %s", i, e.rate, e.value, logged.Rate.Decimal, logged.Value.Decimal)
		}
	}
	if err := sp.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	// History billed elsewhere is never work in progress, and has no invoice.
	var wip, billedElsewhere, invoiced int
	if err := f.tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE billing_state = 'unbilled'),
			count(*) FILTER (WHERE billing_state = 'billed_elsewhere'), count(invoice_id)
		FROM time_entries WHERE practice_id = $1`, f.pid).Scan(&wip, &billedElsewhere, &invoiced); err != nil {
		t.Fatal(err)
	}
	if wip != 4 || billedElsewhere != 4 || invoiced != 0 {
		t.Fatalf("wip %d, billed elsewhere %d, invoiced %d", wip, billedElsewhere, invoiced)
	}
	var early int
	if err := f.tx.QueryRow(ctx, `SELECT count(*) FROM time_entries WHERE practice_id = $1 AND billing_state = 'unbilled' AND work_date <= '2026-02-28'`,
		f.pid).Scan(&early); err != nil || early != 0 {
		t.Fatalf("unbilled time on or before the cut-off: %d %v", early, err)
	}
	// The WIP report reads the four unbilled entries of March only.
	month, err := wipreport.Store{DB: f.tx}.Report(ctx, f.pid, wipreport.Query{By: wipreport.ByMonth}, time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(month.Rows) != 1 || month.Rows[0].Name != "March 2026" || month.Total.Minutes != 185 || month.Total.Value.StringFixed(2) != "393.00" {
		t.Fatalf("WIP holds time billed before the cut-off: %+v", month.Rows)
	}

	// Again, and again with another cut-off: nothing new, and it says so.
	before := f.snapshot("time_entries")
	for _, o := range []func(*importer.Options){opts, func(o *importer.Options) { opts(o); o.BilledUpTo = time.Time{} }} {
		again := f.run(importer.Time, timeCSV, o)
		if again.Created != 0 || again.Unchanged != 8 || !strings.HasPrefix(again.Summary(), "created 0, 8 already imported, skipped 0 of 8 rows.") ||
			strings.Contains(again.Summary(), "new entries") {
			t.Fatalf("again: %+v\n%s", again, again.Summary())
		}
	}
	if after := f.snapshot("time_entries"); !reflect.DeepEqual(after, before) {
		t.Fatalf("a second import changed entries:\n%q", after)
	}
	// The same time written another way is the same time: 1:30 for 1.5,
	// a client's name for its code.
	same := "date,client,service,person,hours,notes,billed\n2026-02-02,Acme Trading Ltd,bk,u0bea,1:30,Bank reconciliation,no\n"
	if again := f.run(importer.Time, same, opts); again.Created != 0 || again.Unchanged != 1 {
		t.Fatalf("same time, other words: %+v", again)
	}
	// One audit event per import that wrote something.
	var events int
	if err := f.tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action = 'time.import'`, f.pid).Scan(&events); err != nil || events != 1 {
		t.Fatalf("audit events: %d %v", events, err)
	}
}

// Without a cut-off and without a billed column, imported time is work in
// progress, and a non-billable row is non-billable.
func TestImportTimeStates(t *testing.T) {
	t.Parallel()
	f, _ := timeFixture(t)
	rep := f.run(importer.Time, "date,client,person,hours,billable\n2026-02-02,ACME,U0BEA,1,\n2026-02-03,ACME,U0BEA,1,no\n2026-02-04,ACME,U0BEA,1,yes\n")
	if rep.Created != 3 || !strings.Contains(rep.Summary(), "Of the new entries, billed in the old system (marked billed; never invoiced by Atlas): 0; non-billable: 1; unbilled, work in progress to invoice: 2.") {
		t.Fatalf("report: %+v\n%s", rep, rep.Summary())
	}
	var states string
	if err := f.tx.QueryRow(context.Background(), `SELECT string_agg(billing_state || ':' || billable, ',' ORDER BY work_date) FROM time_entries WHERE practice_id = $1`,
		f.pid).Scan(&states); err != nil || states != "unbilled:true,non_billable:false,unbilled:true" {
		t.Fatalf("states: %q %v", states, err)
	}
}

// Every bad row is reported with its line, column and reason, and a file
// with any imports nothing.
func TestImportTimeRowErrors(t *testing.T) {
	t.Parallel()
	f, opts := timeFixture(t)
	if _, err := f.tx.Exec(context.Background(), `UPDATE entities SET archived_at = now() WHERE practice_id = $1 AND code = 'CEDAR'`, f.pid); err != nil {
		t.Fatal(err)
	}
	text := "date,client,service,person,hours,notes,billed\n" +
		"2026-03-02,ACME,BK,U0BEA,1,Good row,no\n" +
		"2026-03-02,NOPE,BK,U0BEA,1,Unknown client,no\n" +
		"2026-03-02,ACME,BK,U0NOBODY,1,Unknown person,no\n" +
		"2026-03-02,ACME,BK,U0BEA,1h30,Bad hours,no\n" +
		"2026-03-15,ACME,BK,U0BEA,1,Future date,no\n" +
		"2026-03-02,ACME,BK,U0BEA,0,Zero hours,no\n" +
		"2026-03-02,ACME,BK,U0BEA,0:00,Zero hours,no\n" +
		"2026-03-02,ACME,BK,U0BEA,25,Too long,no\n" +
		"2026-03-02,ACME,BK,U0BEA,-1,Negative,no\n" +
		"02/03/2026,ACME,BK,U0BEA,1,Ambiguous date,no\n" +
		"2026-03-02,ACME,FILING,U0BEA,1,Unknown service,no\n" +
		"2026-03-02,ACME,BK,ghost@ledger.example,1,Unknown email,no\n" +
		"2026-03-02,ACME,BK,bea,1,Not a person,no\n" +
		"2026-03-02,ACME,BK,U0BEA,1,Bad billed,perhaps\n" +
		"2026-03-02,CEDAR,BK,U0BEA,1,Archived client,no\n" +
		"2026-03-02,,BK,U0BEA,1,No client,no\n"
	rep := f.run(importer.Time, text, opts)
	want := []importer.RowError{
		{Line: 3, Column: "client", Reason: `No client has the code or name "NOPE". Import the clients first, or use the client's code.`},
		{Line: 4, Column: "person", Reason: "U0NOBODY is not on the team. Import the team first."},
		{Line: 5, Column: "hours", Reason: `"1h30" is not a number of hours. Write decimal hours such as 1.5, or hours and minutes such as 1:30.`},
		{Line: 6, Column: "date", Reason: "2026-03-15 is in the future; import time worked up to today, 2026-03-14."},
		{Line: 7, Column: "hours", Reason: "0 hours is no time; an entry needs at least one minute."},
		{Line: 8, Column: "hours", Reason: "0:00 hours is no time; an entry needs at least one minute."},
		{Line: 9, Column: "hours", Reason: "25 hours is more than 24 hours; give each day its own row."},
		{Line: 10, Column: "hours", Reason: "-1 hours is negative; an entry needs at least one minute."},
		{Line: 11, Column: "date", Reason: `"02/03/2026" is not a date. Write it as YYYY-MM-DD, such as 2026-03-02, or as 2 Mar 2026; 02/03/2026 is read differently by different software, so it is not accepted.`},
		{Line: 12, Column: "service", Reason: `No active service has the code or name "FILING". Import the services first, or leave service empty.`},
		{Line: 13, Column: "person", Reason: "Slack has no user with the email ghost@ledger.example. Check the address, or give the person's Slack id instead."},
		{Line: 14, Column: "person", Reason: `"bea" is not a Slack user id or an email address. Give the person as U012AB3CD or bea@practice.co.uk.`},
		{Line: 15, Column: "billed", Reason: `"perhaps" is not yes or no. Write yes or no, true or false, 1 or 0; empty means not billed.`},
		{Line: 16, Column: "client", Reason: "Cedar Trust (CEDAR) is archived, so it takes no new work. Restore it with `/atlas clients restore CEDAR` to import its time."},
		{Line: 17, Column: "client", Reason: "Every row needs a client; this one leaves it empty."},
	}
	if !reflect.DeepEqual(rep.Errors, want) {
		t.Errorf("errors:\n got %+v\nwant %+v", rep.Errors, want)
	}
	if !rep.Rejected || rep.Imported || rep.Created != 0 || rep.Skipped != 16 || f.count("time_entries") != 0 {
		t.Fatalf("a file with bad rows imported: %+v, %d entries", rep, f.count("time_entries"))
	}
	if !strings.Contains(rep.Summary(), "Nothing imported: 15 rows are invalid. Fix them and import again, or pass --skip-invalid to import the 1 valid row.") {
		t.Fatalf("summary: %s", rep.Summary())
	}
	// With --skip-invalid the good row goes in.
	rep = f.run(importer.Time, text, opts, skipInvalid)
	if rep.Created != 1 || rep.Skipped != 15 || f.count("time_entries") != 1 {
		t.Fatalf("skip invalid: %+v", rep)
	}
}

// Without Slack, a person by an email the team does not have is a row
// error asking for the Slack id.
func TestImportTimeWithoutSlack(t *testing.T) {
	t.Parallel()
	f, _ := timeFixture(t)
	rep := f.run(importer.Time, "date,client,person,hours\n2026-03-02,ACME,nia@ledger.example,1\n2026-03-02,ACME,ada@ledger.example,1\n")
	want := importer.RowError{Line: 2, Column: "person", Reason: "The Slack user id of nia@ledger.example is needed: give it instead of the email, or set SLACK_BOT_TOKEN so the import can look the address up in Slack."}
	if len(rep.Errors) != 1 || rep.Errors[0] != want || rep.Created != 0 {
		t.Fatalf("report: %+v", rep)
	}
}

// A person Slack knows who is not on the team is named with their Slack id.
func TestImportTimePersonNotOnTeam(t *testing.T) {
	t.Parallel()
	f, opts := timeFixture(t)
	fake := slackfake.New(t)
	fake.AddUser("U0ZED", "zed", "Zed Zee", "zed@ledger.example")
	rep := f.run(importer.Time, "date,client,person,hours\n2026-03-02,ACME,zed@ledger.example,1\n", opts, func(o *importer.Options) { o.LookupEmail = slackLookup(fake) })
	if len(rep.Errors) != 1 || rep.Errors[0].Reason != "zed@ledger.example (U0ZED in Slack) is not on the team. Import the team first." {
		t.Fatalf("report: %+v", rep.Errors)
	}
}
