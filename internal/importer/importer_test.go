package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/importer"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

// fixture is a practice inside a transaction rolled back when the test ends.
type fixture struct {
	t   *testing.T
	tx  pgx.Tx
	pid atlas.PracticeID
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	tx := pgtest.Tx(t)
	// One practice per test: parallel tests inserting the same practice id
	// would wait on each other's uncommitted row.
	pid := atlas.PracticeID("T_" + t.Name())
	if _, err := (practice.Store{DB: tx}).Ensure(context.Background(), pid); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, tx: tx, pid: pid}
}

var today = time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)

// run imports text, failing the test on an error.
func (f *fixture) run(k importer.Kind, text string, opts ...func(*importer.Options)) importer.Report {
	f.t.Helper()
	rep, err := f.try(k, text, opts...)
	if err != nil {
		f.t.Fatalf("import %s: %v", k, err)
	}
	return rep
}

func (f *fixture) try(k importer.Kind, text string, opts ...func(*importer.Options)) (importer.Report, error) {
	o := importer.Options{Practice: f.pid, Today: today}
	for _, opt := range opts {
		opt(&o)
	}
	return importer.Import(context.Background(), f.tx, k, strings.NewReader(text), o)
}

func dryRun(o *importer.Options)      { o.DryRun = true }
func skipInvalid(o *importer.Options) { o.SkipInvalid = true }

// counts checks a report's counts and that it has no errors.
func counts(t *testing.T, rep importer.Report, created, updated int) {
	t.Helper()
	if rep.Created != created || rep.Updated != updated || rep.Skipped != 0 || len(rep.Errors) != 0 || rep.Rejected {
		t.Fatalf("report: created %d updated %d skipped %d rejected %v errors %v; want created %d updated %d",
			rep.Created, rep.Updated, rep.Skipped, rep.Rejected, rep.Errors, created, updated)
	}
}

// snapshot is every row a kind of import writes, as text, so two imports
// can be compared.
func (f *fixture) snapshot(table string) []string {
	f.t.Helper()
	queries := map[string]string{
		"entities": `SELECT concat_ws('|', e.code, e.name, e.aliases::text, e.entity_type, e.billing_type,
				(SELECT string_agg(f.monthly_fee::text, ';' ORDER BY f.effective_from) FROM entity_fees f WHERE f.entity_id = e.id), e.invoice_timing,
				e.invoice_day, e.payment_terms_days, e.billing_email, m.slack_user_id,
				(SELECT string_agg(s.code, ';' ORDER BY s.code) FROM entity_services es JOIN services s ON s.id = es.service_id
				 WHERE es.entity_id = e.id))
			FROM entities e LEFT JOIN members m ON m.id = e.manager_id WHERE e.practice_id = $1`,
		"services":        `SELECT concat_ws('|', code, name, covered_by_retainer, active) FROM services WHERE practice_id = $1`,
		"service_billing": `SELECT concat_ws('|', code, vat_treatment, billable) FROM services WHERE practice_id = $1`,
		"client_billing": `SELECT concat_ws('|', e.code, e.invoice_day, e.retainer_start, e.retainer_end, nullif(e.billing_contact, ''),
				nullif(replace(e.billing_address, E'\n', '/'), ''),
				(SELECT string_agg(f.monthly_fee::text || '@' || f.effective_from::text, ';' ORDER BY f.effective_from)
				   FROM entity_fees f WHERE f.entity_id = e.id))
			FROM entities e WHERE e.practice_id = $1`,
		"members": `SELECT concat_ws('|', slack_user_id, name, email, role, weekly_capacity_minutes, active) FROM members
			WHERE practice_id = $1`,
		"rates": `SELECT concat_ws('|', e.code, s.code, m.slack_user_id, r.hourly_rate, r.effective_from, r.effective_to)
			FROM rates r LEFT JOIN entities e ON e.id = r.entity_id LEFT JOIN services s ON s.id = r.service_id
			LEFT JOIN members m ON m.id = r.member_id WHERE r.practice_id = $1`,
		"time_entries": `SELECT concat_ws('|', te.work_date, e.code, s.code, m.slack_user_id, te.minutes, te.description, te.source,
				te.rate, te.value, te.billing_state)
			FROM time_entries te JOIN entities e ON e.id = te.entity_id LEFT JOIN services s ON s.id = te.service_id
			JOIN members m ON m.id = te.member_id WHERE te.practice_id = $1`,
	}
	rows, err := f.tx.Query(context.Background(), queries[table], f.pid)
	if err != nil {
		f.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		f.t.Fatal(err)
	}
	// Sorted here, by bytes, not by the database's collation.
	sort.Strings(out)
	return out
}

func (f *fixture) count(table string) int {
	f.t.Helper()
	return len(f.snapshot(table))
}

const servicesCSV = `code,name,covered_by_retainer
BK,Bookkeeping,yes
VAT,VAT returns,Yes
PAYROLL,Payroll,1
ADVISORY,Business advisory,no
YE,Year-end accounts,
`

const teamCSV = `slack_user_id,name,email,role,weekly_capacity_hours
U0ADA,Ada Admin,ada@ledger.example,admin,30
U0MINA,Mina Manager,mina@ledger.example,Manager,37.5
U0BEA,Bea Bookkeeper,,staff,22.5
`

const clientsCSV = `Code,Name,Aliases,Entity Type,billing_type,monthly_fee,invoice_timing,invoice_day,payment_terms_days,billing_email,manager_slack_id,retainer_services
ACME,Acme Trading Ltd,Acme;ACME Trading,ltd,fixed,"1,250.00",advance,1,30,accounts@acme.co.uk,U0MINA,BK;vat
bloom,Bloom Florists,,sole trader,hourly,,arrears,15,,,U0ADA,
CEDAR,Cedar Trust,,trust,retainer,£300,,,,,,BK
`

func TestImportServices(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	counts(t, f.run(importer.Services, servicesCSV), 5, 0)
	got := f.snapshot("services")
	want := []string{"ADVISORY|Business advisory|f|t", "BK|Bookkeeping|t|t", "PAYROLL|Payroll|t|t",
		"VAT|VAT returns|t|t", "YE|Year-end accounts|f|t"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("services:\n got %q\nwant %q", got, want)
	}
	// Again: every row exists, nothing changes.
	counts(t, f.run(importer.Services, servicesCSV), 0, 5)
	if again := f.snapshot("services"); !reflect.DeepEqual(again, want) {
		t.Fatalf("after re-import: %q", again)
	}
	// Without the covered column, the flag stays as it is.
	counts(t, f.run(importer.Services, "code,name\nbk,Bookkeeping and reconciliations\n"), 0, 1)
	if got := f.snapshot("services")[1]; got != "BK|Bookkeeping and reconciliations|t|t" {
		t.Fatalf("partial update: %q", got)
	}
}

func TestImportTeam(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	counts(t, f.run(importer.Team, teamCSV), 3, 0)
	want := []string{"U0ADA|Ada Admin|ada@ledger.example|admin|1800|t", "U0BEA|Bea Bookkeeper|staff|1350|t",
		"U0MINA|Mina Manager|mina@ledger.example|manager|2250|t"}
	if got := f.snapshot("members"); !reflect.DeepEqual(got, want) {
		t.Fatalf("team:\n got %q\nwant %q", got, want)
	}
	counts(t, f.run(importer.Team, teamCSV), 0, 3)
	if got := f.snapshot("members"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after re-import: %q", got)
	}
	// No capacity column: capacity stays; a new person gets the default.
	counts(t, f.run(importer.Team, "slack_user_id,name,role\nu0bea,Bea B,manager\nU0NEW,Nia New,staff\n"), 1, 1)
	got := f.snapshot("members")
	if got[1] != "U0BEA|Bea B|manager|1350|t" || got[3] != "U0NEW|Nia New|staff|2250|t" {
		t.Fatalf("partial update: %q", got)
	}
	// Someone who left comes back, but their stored email now belongs to
	// someone else: the row is refused on the email, naming it.
	ctx := context.Background()
	if _, err := f.tx.Exec(ctx, `UPDATE members SET active = false WHERE practice_id = $1 AND slack_user_id = 'U0MINA'`, f.pid); err != nil {
		t.Fatal(err)
	}
	counts(t, f.run(importer.Team, "slack_user_id,name,role,email\nU0MIA,Mia,staff,mina@ledger.example\n"), 1, 0)
	rep := f.run(importer.Team, "slack_user_id,name,role\nU0MINA,Mina Manager,manager\n")
	if len(rep.Errors) != 1 || rep.Errors[0].Column != "email" || !strings.Contains(rep.Errors[0].Reason, "mina@ledger.example") {
		t.Fatalf("returning member: %+v", rep.Errors)
	}
}

func TestImportClients(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.run(importer.Services, servicesCSV)
	f.run(importer.Team, teamCSV)
	counts(t, f.run(importer.Clients, clientsCSV), 3, 0)
	want := []string{
		"ACME|Acme Trading Ltd|{Acme,\"ACME Trading\"}|limited_company|fixed|1250.00|advance|1|30|accounts@acme.co.uk|U0MINA|BK;VAT",
		"BLOOM|Bloom Florists|{}|sole_trader|hourly|arrears|15|U0ADA",
		"CEDAR|Cedar Trust|{}|trust|fixed|300.00|arrears|1|BK",
	}
	if got := f.snapshot("entities"); !reflect.DeepEqual(got, want) {
		t.Fatalf("clients:\n got %q\nwant %q", got, want)
	}
	// Re-import: 0 created, every row updated, the same rows.
	counts(t, f.run(importer.Clients, clientsCSV), 0, 3)
	if got := f.snapshot("entities"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after re-import:\n got %q\nwant %q", got, want)
	}
	// What the store reads back is what the form would have saved.
	e, err := practice.Store{DB: f.tx}.LookupEntity(context.Background(), f.pid, "acme trading")
	if err != nil || e.Code != "ACME" || e.MonthlyFee.Decimal.String() != "1250" || len(e.RetainerServices) != 2 {
		t.Fatalf("lookup: %+v %v", e, err)
	}
	// One audit event per import, none per client.
	var events int
	if err := f.tx.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action LIKE 'entity.%'`, f.pid).Scan(&events); err != nil || events != 2 {
		t.Fatalf("audit events: %d %v", events, err)
	}
}

// A file with some columns changes those and keeps the rest.
func TestImportClientsPartialColumns(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.run(importer.Services, servicesCSV)
	f.run(importer.Team, teamCSV)
	f.run(importer.Clients, clientsCSV)
	counts(t, f.run(importer.Clients, "code,name\nACME,Acme Trading Limited\nDELTA,Delta Dairies\n"), 1, 1)
	got := f.snapshot("entities")
	if got[0] != "ACME|Acme Trading Limited|{Acme,\"ACME Trading\"}|limited_company|fixed|1250.00|advance|1|30|accounts@acme.co.uk|U0MINA|BK;VAT" {
		t.Fatalf("kept columns: %q", got[0])
	}
	// A new client gets the form's defaults, retainer services included.
	if got[3] != "DELTA|Delta Dairies|{}|limited_company|hourly|arrears|1|BK;PAYROLL;VAT" {
		t.Fatalf("new client defaults: %q", got[3])
	}
}

func TestImportRates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.run(importer.Services, servicesCSV)
	f.run(importer.Team, teamCSV)
	f.run(importer.Clients, clientsCSV)
	const rates = `client_code,service_code,member_slack_id,hourly_rate,effective_from
,,,85,2025-04-01
,,U0MINA,115.00,2025-04-01
,advisory,,150,
acme,BK,u0bea,£72.50,2025-04-01
`
	counts(t, f.run(importer.Rates, rates), 4, 0)
	want := []string{"85.00|2025-04-01", "ACME|BK|U0BEA|72.50|2025-04-01", "ADVISORY|150.00|2026-03-14", "U0MINA|115.00|2025-04-01"}
	if got := f.snapshot("rates"); !reflect.DeepEqual(got, want) {
		t.Fatalf("rates:\n got %q\nwant %q", got, want)
	}
	counts(t, f.run(importer.Rates, rates), 0, 4)
	if got := f.snapshot("rates"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after re-import: %q", got)
	}
	// The card resolves as the store says it should.
	acme, _ := practice.Store{DB: f.tx}.LookupEntity(context.Background(), f.pid, "ACME")
	r, err := practice.Store{DB: f.tx}.ResolveRate(context.Background(), f.pid, practice.RateKey{EntityID: &acme.ID}, today)
	if err != nil || r.HourlyRate.String() != "85" {
		t.Fatalf("resolve: %+v %v", r, err)
	}
}

// One bad row stops the whole file, and says where and why.
func TestInvalidRowImportsNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.run(importer.Services, servicesCSV)
	f.run(importer.Team, teamCSV)
	bad := clientsCSV + "DELTA,Delta Dairies,,,fixed,abc,,,,,,\n"
	rep := f.run(importer.Clients, bad)
	if !rep.Rejected || rep.Imported || rep.Created != 0 || rep.Updated != 0 || rep.Skipped != 4 || rep.Rows != 4 {
		t.Fatalf("report: %+v", rep)
	}
	want := importer.RowError{Line: 5, Column: "monthly_fee", Reason: `"abc" is not an amount. Write the monthly fee like 450 or 1250.00.`}
	if len(rep.Errors) != 1 || rep.Errors[0] != want {
		t.Fatalf("errors: %+v", rep.Errors)
	}
	if got := rep.Errors[0].Error(); got != `line 5, column monthly_fee: "abc" is not an amount. Write the monthly fee like 450 or 1250.00.` {
		t.Fatalf("error text: %s", got)
	}
	if !strings.Contains(rep.Summary(), "Nothing imported: 1 row is invalid") || !strings.Contains(rep.Summary(), "--skip-invalid to import the 3 valid rows") {
		t.Fatalf("summary: %s", rep.Summary())
	}
	if n := f.count("entities"); n != 0 {
		t.Fatalf("%d clients written", n)
	}

	// The same for a kind written row by row: the good rows before the bad
	// one are undone too.
	rep = f.run(importer.Services, "code,name\nCT,Corporation tax\nBAD CODE!,Oops\nSA,Self assessment\n")
	if !rep.Rejected || len(rep.Errors) != 1 || rep.Errors[0].Line != 3 || rep.Errors[0].Column != "code" {
		t.Fatalf("services report: %+v", rep)
	}
	if n := f.count("services"); n != 5 {
		t.Fatalf("services written by a rejected file: %d", n)
	}
}

func TestSkipInvalid(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.run(importer.Services, servicesCSV)
	f.run(importer.Team, teamCSV)
	bad := clientsCSV + "DELTA,Delta Dairies,,,fixed,abc,,,,,,\nECHO,Echo Studio,,,,,,,,,U0NOBODY,\n"
	rep := f.run(importer.Clients, bad, skipInvalid)
	if rep.Rejected || !rep.Imported || rep.Created != 3 || rep.Skipped != 2 || len(rep.Errors) != 2 {
		t.Fatalf("report: %+v", rep)
	}
	if rep.Errors[1].Line != 6 || rep.Errors[1].Column != "manager_slack_id" {
		t.Fatalf("errors: %+v", rep.Errors)
	}
	if !strings.Contains(rep.Summary(), "created 3, updated 0, skipped 2 of 5 rows (2 invalid rows skipped)") {
		t.Fatalf("summary: %s", rep.Summary())
	}
	if n := f.count("entities"); n != 3 {
		t.Fatalf("%d clients written, want 3", n)
	}
	// Row by row too.
	rep = f.run(importer.Team, "slack_user_id,name,role\nU0NEW,Nia New,staff\nbob,Bob,staff\nU0OLD,Ola Old,boss\n", skipInvalid)
	if rep.Created != 1 || rep.Skipped != 2 || rep.Errors[0].Column != "slack_user_id" || rep.Errors[1].Column != "role" {
		t.Fatalf("team report: %+v", rep)
	}
}

func TestDryRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.run(importer.Services, servicesCSV)
	f.run(importer.Team, teamCSV)
	f.run(importer.Clients, "code,name\nACME,Acme\n")
	before := f.snapshot("entities")
	rep := f.run(importer.Clients, clientsCSV, dryRun)
	if !rep.DryRun || rep.Imported || rep.Created != 2 || rep.Updated != 1 {
		t.Fatalf("dry run: %+v", rep)
	}
	if !strings.HasPrefix(rep.Summary(), "dry run, nothing written: would create 2, update 1, skip 0 of 3 rows") {
		t.Fatalf("summary: %s", rep.Summary())
	}
	if after := f.snapshot("entities"); !reflect.DeepEqual(after, before) {
		t.Fatalf("a dry run wrote: %q", after)
	}
	// The real run does what the dry run said.
	real := f.run(importer.Clients, clientsCSV)
	if real.Created != rep.Created || real.Updated != rep.Updated {
		t.Fatalf("real run %+v differs from the dry run %+v", real, rep)
	}
	// A dry run of the services (written row by row) writes nothing either.
	if rep := f.run(importer.Services, "code,name\nNEW1,New one\n", dryRun); rep.Created != 1 || f.count("services") != 5 {
		t.Fatalf("services dry run: %+v, %d services", rep, f.count("services"))
	}
	// And with invalid rows, a dry run says nothing would be imported.
	rep = f.run(importer.Clients, "code,name,billing_type\nZED,Zed,weekly\n", dryRun)
	if !rep.Rejected || !strings.Contains(rep.Summary(), "Nothing would be imported") {
		t.Fatalf("invalid dry run: %+v", rep)
	}
}

func TestHeaderErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		name, kind, text, want string
	}{
		{"missing required", "clients", "code,aliases\nA,B\n", "lacks the required column name"},
		{"missing name", "team", "email,role\nA,a@b.co\n", "lacks the required column name. The first line must name the columns, such as slack_user_id,name,role."},
		{"no person", "team", "name,role\nA,staff\n", "needs a slack_user_id or email column"},
		{"missing for time", "time", "date,client,hours\n2026-03-02,ACME,1\n", "lacks the required column person"},
		{"twice", "services", "code,name,Code\nA,B,C\n", "names the column code twice."},
		{"twice by alias", "time", "date,client,person,hours,Task,Service\n", `names the column service twice: as "Task" and as "Service"`},
		{"empty", "rates", "", "The file is empty"},
		{"broken quotes", "services", "code,name\nA,\"B\nC,D\n", "not valid CSV"},
	}
	for _, c := range cases {
		k, _ := importer.ParseKind(c.kind)
		_, err := f.try(k, c.text)
		if atlas.ErrorCode(err) != atlas.EInvalid || !strings.Contains(atlas.ErrorMessage(err), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := importer.ParseKind("invoices"); atlas.ErrorCode(err) != atlas.EInvalid {
		t.Errorf("unknown kind: %v", err)
	}
}

// Each kind refuses a key it has already seen in the same file.
func TestDuplicatesInFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.run(importer.Services, servicesCSV)
	f.run(importer.Team, teamCSV)
	f.run(importer.Clients, clientsCSV)
	cases := []struct {
		kind       importer.Kind
		text       string
		line       int
		col, first string
	}{
		{importer.Clients, "code,name\nNEW,One\nOTHER,Two\nnew,Three\n", 4, "code", "line 2"},
		{importer.Services, "code,name\nX1,One\nx1,Two\n", 3, "code", "line 2"},
		{importer.Team, "slack_user_id,name,role\nU0Z,Zed,staff\nu0z,Zed,staff\n", 3, "slack_user_id", "line 2"},
		{importer.Team, "slack_user_id,name,role,email\nU0Y,Y,staff,y@x.co\nU0Z,Z,staff,Y@x.co\n", 3, "email", "line 2"},
		{importer.Team, "slack_user_id,name,role,email\nU0Z,Z,staff,ada@ledger.example\n", 2, "email", "U0ADA already has"},
		{importer.Rates, "client_code,hourly_rate,effective_from\nACME,90,2026-03-14\nacme,95,\n", 3, "", "Line 2"},
	}
	for _, c := range cases {
		rep := f.run(c.kind, c.text)
		if !rep.Rejected || len(rep.Errors) != 1 || rep.Errors[0].Line != c.line || rep.Errors[0].Column != c.col ||
			!strings.Contains(rep.Errors[0].Reason, c.first) {
			t.Errorf("%s %q: %+v", c.kind, c.text, rep.Errors)
		}
	}
}

// Each bad value is reported on its line and column, in the form's words.
func TestRowErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.run(importer.Services, servicesCSV)
	f.run(importer.Team, teamCSV)
	f.run(importer.Clients, clientsCSV)
	f.run(importer.Services, "code,name\nOLD,Old service\n")
	if _, err := f.tx.Exec(context.Background(), `UPDATE services SET active = false WHERE practice_id = $1 AND code = 'OLD'`, f.pid); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		kind     importer.Kind
		text     string
		col, has string
	}{
		{importer.Clients, "code,name\nNOT A CODE,X\n", "code", "is not a client code"},
		{importer.Clients, "code,name\nX,\n", "name", "Every row needs a name"},
		{importer.Clients, "code,name,entity_type\nX,X,plc\n", "entity_type", `"plc" is not an entity type`},
		{importer.Clients, "code,name,billing_type\nX,X,fixed\n", "monthly_fee", "needs its monthly fee"},
		{importer.Clients, "code,name,invoice_day\nX,X,32\n", "invoice_day", "from 1 to 31; 29, 30 and 31 mean the month's last day"},
		{importer.Clients, "code,name,monthly_fee,fee_from\nX,X,450,01/12/2026\n", "fee_from", `"01/12/2026" is not a date. Give the day the fee starts as YYYY-MM-DD`},
		{importer.Clients, "code,name,fee_from\nX,X,2026-12-01\n", "fee_from", "needs the monthly fee it is for"},
		{importer.Clients, "code,name,Retainer Start,Retainer End\nX,X,2026-12-01,30 Nov 2026\n", "retainer_end", "cannot end (30 November 2026) before it starts (1 December 2026)"},
		{importer.Clients, "code,name,retainer_start\nX,X,soon\n", "retainer_start", `"soon" is not a date. Give the retainer's first day as YYYY-MM-DD`},
		{importer.Clients, "code,name,billing_contact\nX,X," + strings.Repeat("x", 201) + "\n", "billing_contact", "up to 200 characters"},
		{importer.Clients, "code,name,billing_address\nX,X," + strings.Repeat("x", 501) + "\n", "billing_address", "keep it to 8 lines and 500 characters"},
		{importer.Services, "code,name,vat_treatment\nX,X,17.5%\n", "vat_treatment", `"17.5%" is not one of the practice's VAT rates (standard 20.00%, reduced 5.00%)`},
		{importer.Services, "code,name,VAT\nX,X,sometimes\n", "vat_treatment", `"sometimes" is not a VAT treatment`},
		{importer.Services, "code,name,billable\nX,X,perhaps\n", "billable", "not yes or no"},
		{importer.Clients, "code,name,payment_terms_days\nX,X,-3\n", "payment_terms_days", "0 to 365"},
		{importer.Clients, "code,name,billing_email\nX,X,nobody\n", "billing_email", "not an email address"},
		{importer.Clients, "code,name,billing_email\nX,X,a@localhost\n", "billing_email", "not an email address"},
		{importer.Clients, "code,name,manager_slack_id\nX,X,U0BEA\n", "manager_slack_id", "as Staff; a client's manager must be"},
		{importer.Clients, "code,name,retainer_services\nX,X,BK;NOPE;OLD\n", "retainer_services", "No active service has the code NOPE, OLD"},
		{importer.Clients, "code,name,invoice_timing,manager_slack_id\nX,X,later,U0NONE\n", "invoice_timing", "not an invoicing time"},
		{importer.Clients, "code,name\nX,X,extra\n", "", "3 fields but the header has 2"},
		{importer.Services, "code,name,covered_by_retainer\nX,X,maybe\n", "covered_by_retainer", "not yes or no"},
		{importer.Team, "slack_user_id,name,role,weekly_capacity_hours\nU0X,X,staff,200\n", "weekly_capacity_hours", "0 to 168"},
		{importer.Team, "slack_user_id,name,role,email\nU0X,X,staff,x@\n", "email", "not an email address"},
		{importer.Team, "slack_user_id,name,role\nU0X,X,\n", "role", "Every row needs a role"},
		{importer.Rates, "client_code,hourly_rate\nNOPE,90\n", "client_code", "No client has the code NOPE"},
		{importer.Rates, "service_code,hourly_rate\nOLD,90\n", "service_code", "No active service has the code OLD"},
		{importer.Rates, "member_slack_id,hourly_rate\nU0NOBODY,90\n", "member_slack_id", "U0NOBODY is not on the team"},
		{importer.Rates, "hourly_rate\n-5\n", "hourly_rate", "is not an hourly rate"},
		{importer.Rates, "hourly_rate,effective_from\n90,14/03/2026\n", "effective_from", "is not a date"},
	}
	for _, c := range cases {
		rep := f.run(c.kind, c.text)
		if len(rep.Errors) != 1 || rep.Errors[0].Line != 2 || rep.Errors[0].Column != c.col || !strings.Contains(rep.Errors[0].Reason, c.has) {
			t.Errorf("%s %q:\n got %+v\nwant line 2, column %q, reason containing %q", c.kind, c.text, rep.Errors, c.col, c.has)
		}
	}
}

// Lines count as a spreadsheet counts them: blank lines and quoted values
// spanning lines move the numbers on.
func TestLineNumbers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	text := "\ufeffcode,name,aliases\nA1,\"Alpha\nLtd\",\n\n,,\nB-2,Beta,\nBAD!,Bad,\n"
	rep := f.run(importer.Clients, text, skipInvalid)
	if rep.Rows != 3 || rep.Created != 2 || len(rep.Errors) != 1 || rep.Errors[0].Line != 7 {
		t.Fatalf("report: %+v", rep)
	}
}

func TestNoPractice(t *testing.T) {
	t.Parallel()
	_, err := importer.Import(context.Background(), pgtest.Tx(t), importer.Services, strings.NewReader(servicesCSV),
		importer.Options{Practice: "T0NOWHERE"})
	if atlas.ErrorCode(err) != atlas.ENotFound || !strings.Contains(atlas.ErrorMessage(err), "atlasbot seed demo") {
		t.Fatalf("missing practice: %v", err)
	}
}

// The sample files of docs/import load cleanly in the documented order,
// and a second pass changes nothing.
func TestSampleFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var first []importer.Report
	for pass := 0; pass < 2; pass++ {
		var snaps [][]string
		for _, k := range importer.Kinds {
			text, err := os.ReadFile(filepath.Join("..", "..", "docs", "import", string(k)+".csv"))
			if err != nil {
				t.Fatal(err)
			}
			rep := f.run(k, string(text))
			switch {
			case pass == 0:
				counts(t, rep, rep.Rows, 0)
				if rep.Rows < 12 {
					t.Errorf("%s.csv has %d rows; the samples have a dozen", k, rep.Rows)
				}
				first = append(first, rep)
			case k == importer.Time:
				// Time is never updated: a second import finds every row.
				if rep.Created != 0 || rep.Unchanged != rep.Rows || len(rep.Errors) != 0 {
					t.Errorf("time again: %+v", rep)
				}
			default:
				counts(t, rep, 0, rep.Rows)
			}
			snaps = append(snaps, f.snapshot(map[importer.Kind]string{importer.Services: "services", importer.Team: "members",
				importer.Clients: "entities", importer.Rates: "rates", importer.Time: "time_entries"}[k]))
		}
		if pass == 0 {
			for i, s := range snaps {
				if len(s) != first[i].Rows {
					t.Errorf("%s: %d rows in the database, %d in the file", first[i].Kind, len(s), first[i].Rows)
				}
			}
		}
	}
}

// Clients' fee dates, retainer dates, invoice days to 31 and billing
// contacts import under the names people give them, and again change
// nothing.
func TestImportClientsBilling(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.run(importer.Services, servicesCSV)
	const file = `Code,Name,Billing Type,Monthly Fee,Fee From,Invoice Day,Retainer Start,Retainer End Date,Billing Contact Name,Billing Address
ACME,Acme Trading Ltd,fixed,450,2026-01-01,31,15 Jan 2026,2026-12-31,Jane  Smith,"Acme Trading Ltd
1 High Street
Leeds LS1 1AA"
BLOOM,Bloom Florists,hourly,,,,,,,
CEDAR,Cedar Trust,fixed,300,,1,,,,
`
	counts(t, f.run(importer.Clients, file), 3, 0)
	// CEDAR's fee, undated, starts with the first period invoiced from
	// today (14 March 2026, in arrears on the 1st: April's invoice bills
	// March).
	want := []string{
		"ACME|31|2026-01-15|2026-12-31|Jane Smith|Acme Trading Ltd/1 High Street/Leeds LS1 1AA|450.00@2026-01-01",
		"BLOOM|1",
		"CEDAR|1|300.00@2026-03-01",
	}
	if got := f.snapshot("client_billing"); !reflect.DeepEqual(got, want) {
		t.Fatalf("clients:\n got %q\nwant %q", got, want)
	}
	counts(t, f.run(importer.Clients, file), 0, 3)
	if got := f.snapshot("client_billing"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after re-import:\n got %q\nwant %q", got, want)
	}

	// A new fee from June joins the history and leaves January's; a file
	// without the billing columns keeps them.
	counts(t, f.run(importer.Clients, "code,name,monthly_fee,fee_from\nACME,Acme Trading Ltd,500,1 Jun 2026\n"), 0, 1)
	counts(t, f.run(importer.Clients, "code,name,monthly_fee,fee_from\nACME,Acme Trading Ltd,500,1 Jun 2026\n"), 0, 1)
	if got := f.snapshot("client_billing")[0]; got != "ACME|31|2026-01-15|2026-12-31|Jane Smith|Acme Trading Ltd/1 High Street/Leeds LS1 1AA|450.00@2026-01-01;500.00@2026-06-01" {
		t.Fatalf("fee rise: %q", got)
	}
	// Present but empty means none.
	counts(t, f.run(importer.Clients, "code,name,retainer_end,billing_contact\nACME,Acme Trading Ltd,,\n"), 0, 1)
	if got := f.snapshot("client_billing")[0]; !strings.HasPrefix(got, "ACME|31|2026-01-15|Acme Trading Ltd/") {
		t.Fatalf("emptied end and contact: %q", got)
	}

	// An address split over columns as Xero exports it, its contact as
	// POAttentionTo.
	xero := "code,name,POAttentionTo,POAddressLine1,POAddressLine2,POCity,PORegion,POPostalCode,POCountry\n" +
		"DELTA,Delta Dairies,Sam Delta,Unit 4,Mill Road,Hexham,Northumberland,NE46 1AA,United Kingdom\n"
	counts(t, f.run(importer.Clients, xero), 1, 0)
	if got := f.snapshot("client_billing")[3]; got != "DELTA|1|Sam Delta|Unit 4/Mill Road/Hexham/Northumberland/NE46 1AA/United Kingdom" {
		t.Fatalf("Xero address: %q", got)
	}
}

// An import never reprices a period that already has its retainer
// invoice: the row is refused on fee_from, and with --skip-invalid the
// client is left as it was.
func TestImportFeeNeverRepricesAnInvoicedPeriod(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.run(importer.Clients, "code,name,billing_type,monthly_fee,fee_from\nACME,Acme,fixed,450,2026-01-01\nBETA,Beta,fixed,200,2026-01-01\n")
	if _, err := f.tx.Exec(context.Background(), `INSERT INTO invoices (practice_id, entity_id, kind, period, status, currency)
		SELECT $1, id, 'recurring', '2026-02-01', 'awaiting_approval', 'GBP' FROM entities WHERE practice_id = $1 AND code = 'ACME'`, f.pid); err != nil {
		t.Fatal(err)
	}
	file := "code,name,billing_type,monthly_fee,fee_from\nACME,Acme Renamed,fixed,480,2026-02-01\nBETA,Beta,fixed,220,2026-02-01\n"
	rep := f.run(importer.Clients, file)
	want := importer.RowError{Line: 2, Column: "fee_from", Reason: "February 2026 already has its retainer invoice, and a new fee never reprices an invoiced period. Start this fee on 1 March 2026 or later."}
	if !rep.Rejected || len(rep.Errors) != 1 || rep.Errors[0] != want {
		t.Fatalf("report: %+v", rep)
	}
	rep = f.run(importer.Clients, file, skipInvalid)
	if rep.Updated != 1 || rep.Skipped != 1 {
		t.Fatalf("skip invalid: %+v", rep)
	}
	got := f.snapshot("client_billing")
	if got[0] != "ACME|1|450.00@2026-01-01" || got[1] != "BETA|1|200.00@2026-01-01;220.00@2026-02-01" {
		t.Fatalf("after skipping: %q", got)
	}
	if names := f.snapshot("entities"); !strings.HasPrefix(names[0], "ACME|Acme|") {
		t.Fatalf("a skipped row was written: %q", names[0])
	}
}

// Services take a VAT treatment written as practice software writes it, and
// whether they are billable.
func TestImportServicesVAT(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const file = `code,name,Sales Tax Rate,Billable
BK,Bookkeeping,20% (VAT on Income),yes
CH,Companies House fees,Outside the scope,
EXAM,Exam fees,Exempt,
BOOKS,Books,Zero Rated Income,
ENERGY,Energy advice,5%,
ZERO,Zero,0%,
TRAIN,Internal training,,no
`
	counts(t, f.run(importer.Services, file), 7, 0)
	want := []string{"BK|standard|t", "BOOKS|zero|t", "CH|outside|t", "ENERGY|reduced|t", "EXAM|exempt|t", "TRAIN|standard|f", "ZERO|zero|t"}
	if got := f.snapshot("service_billing"); !reflect.DeepEqual(got, want) {
		t.Fatalf("services:\n got %q\nwant %q", got, want)
	}
	counts(t, f.run(importer.Services, file), 0, 7)
	// Without the columns, the treatment and the flag stay.
	counts(t, f.run(importer.Services, "code,name\nCH,Companies House filing fees\nTRAIN,Training\n"), 0, 2)
	if got := f.snapshot("service_billing"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after a file without the columns: %q", got)
	}
}
