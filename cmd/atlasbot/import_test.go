package main

import (
	"bytes"
	"cmp"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// importRun runs `atlasbot import args...` in-process with env.
func importRun(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := importCmd(context.Background(), env2(env, &out, &errb), args)
	return code, out.String(), errb.String()
}

func env2(vars map[string]string, out, errb *bytes.Buffer) env {
	return env{getenv: func(k string) string { return vars[k] }, stdout: out, stderr: errb}
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportSamplesIntoDemo is the documented path: seed the demo practice,
// then import the sample files in order, twice.
func TestImportSamplesIntoDemo(t *testing.T) {
	t.Parallel()
	url, pool := pgtest.NewDatabase(t)
	vars := map[string]string{"DATABASE_URL": url, "ATLAS_PRACTICE": "T0LEDGER"}
	var out, errb bytes.Buffer
	if code := seed(context.Background(), env2(vars, &out, &errb), []string{"demo"}); code != 0 {
		t.Fatalf("seed demo: %d %s", code, errb.String())
	}
	want := map[string]string{
		"services": "created 8, updated 6, skipped 0 of 14 rows.",
		"team":     "created 8, updated 4, skipped 0 of 12 rows.",
		"clients":  "created 13, updated 0, skipped 0 of 13 rows.",
		"rates":    "created 13, updated 0, skipped 0 of 13 rows.",
		"time":     "created 16, 0 already imported, skipped 0 of 16 rows.",
	}
	again := map[string]string{"time": "created 0, 16 already imported, skipped 0 of 16 rows."}
	for _, kind := range []string{"services", "team", "clients", "rates", "time"} {
		file := filepath.Join("..", "..", "docs", "import", kind+".csv")
		code, stdout, stderr := importRun(t, vars, kind, file)
		if code != 0 || !strings.Contains(stdout, want[kind]) {
			t.Fatalf("import %s: exit %d\n%s%s", kind, code, stdout, stderr)
		}
		// Again: everything is already there.
		code, stdout, _ = importRun(t, vars, kind, file)
		if w := cmp.Or(again[kind], "created 0, updated "); code != 0 || !strings.Contains(stdout, w) {
			t.Fatalf("re-import %s: exit %d\n%s", kind, code, stdout)
		}
	}
	var clients int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM entities WHERE practice_id = 'T0LEDGER'`).Scan(&clients); err != nil || clients != 12+13 {
		t.Fatalf("clients: %d %v", clients, err)
	}
}

func TestImportCommand(t *testing.T) {
	t.Parallel()
	url, pool := pgtest.NewDatabase(t)
	ctx := context.Background()
	if _, err := (practice.Store{DB: pool}).Ensure(ctx, "TCMD"); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"DATABASE_URL": url}
	count := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM entities WHERE practice_id = 'TCMD'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	bad := writeFile(t, "clients.csv", "code,name,billing_type,monthly_fee\nACME,Acme Ltd,fixed,450\nBETA,Beta Ltd,fixed,abc\nGAMMA,Gamma,,\n")

	// One bad row: nothing imported, exit 1, the row named.
	code, stdout, _ := importRun(t, vars, "clients", bad, "--practice", "TCMD")
	if code != 1 || !strings.Contains(stdout, `line 3, column monthly_fee: "abc" is not an amount. Write the monthly fee like 450 or 1250.00.`) ||
		!strings.Contains(stdout, "Nothing imported: 1 row is invalid") || count() != 0 {
		t.Fatalf("bad file: exit %d, %d clients\n%s", code, count(), stdout)
	}
	// A dry run, flags after the file: counts, no writes, and the exit
	// status the real run would have.
	code, stdout, _ = importRun(t, vars, "clients", bad, "--practice", "TCMD", "--dry-run", "--skip-invalid")
	if code != 0 || !strings.Contains(stdout, "dry run, nothing written: would create 2, update 0, skip 1 of 3 rows") || count() != 0 {
		t.Fatalf("dry run: exit %d, %d clients\n%s", code, count(), stdout)
	}
	// Skipping the bad row imports the rest.
	vars["ATLAS_PRACTICE"] = "TCMD"
	code, stdout, _ = importRun(t, vars, "--skip-invalid", "clients", bad)
	if code != 0 || !strings.Contains(stdout, "created 2, updated 0, skipped 1 of 3 rows (1 invalid row skipped).") || count() != 2 {
		t.Fatalf("skip invalid: exit %d, %d clients\n%s", code, count(), stdout)
	}
	// Another kind, the practice from the environment.
	code, stdout, _ = importRun(t, vars, "services", writeFile(t, "s.csv", "code,name\nBK,Bookkeeping\n"))
	if code != 0 || !strings.Contains(stdout, "created 1") {
		t.Fatalf("services: %d %s", code, stdout)
	}

	cases := []struct {
		name string
		vars map[string]string
		args []string
		code int
		err  string
	}{
		{"no arguments", vars, nil, 2, ""},
		{"unknown kind", vars, []string{"invoices", bad}, 2, `"invoices" is not something Atlas imports`},
		{"no practice", map[string]string{"DATABASE_URL": url}, []string{"clients", bad}, 2, "--practice TEAM_ID"},
		{"unknown practice", vars, []string{"clients", bad, "--practice", "T0NOPE"}, 2, "atlasbot seed demo"},
		{"missing file", vars, []string{"clients", "/nonexistent/clients.csv"}, 2, "no such file"},
		{"no database", map[string]string{"ATLAS_PRACTICE": "TCMD"}, []string{"clients", bad}, 2, "DATABASE_URL"},
		{"bad flag", vars, []string{"clients", bad, "--force"}, 2, "not defined"},
		{"cut-off for clients", vars, []string{"clients", bad, "--billed-up-to", "2026-01-31"}, 2, "--billed-up-to applies to time files only"},
		{"bad cut-off", vars, []string{"time", bad, "--billed-up-to", "31/01/2026"}, 2, `--billed-up-to "31/01/2026" is not a date`},
		{"bad Slack URL", map[string]string{"DATABASE_URL": url, "ATLAS_PRACTICE": "TCMD", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_URL": "localhost:3000"},
			[]string{"team", bad}, 2, "SLACK_API_URL"},
	}
	for _, c := range cases {
		code, _, stderr := importRun(t, c.vars, c.args...)
		if code != c.code || !strings.Contains(stderr, c.err) {
			t.Errorf("%s: exit %d, want %d; stderr %q, want %q", c.name, code, c.code, stderr, c.err)
		}
	}
	// A column Atlas does not know is named and ignored.
	code, stdout, _ = importRun(t, vars, "team", writeFile(t, "team.csv", "slack_user_id,name,role,phone\nU1,A,staff,1\n"))
	if code != 0 || !strings.Contains(stdout, `Note: The column "phone" is not a column Atlas imports, so it was ignored.`) {
		t.Fatalf("unknown column: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = importRun(t, vars, "--help")
	for _, want := range []string{"Usage: atlasbot import", "retainer_services", "atlasbot import time FILE.csv [--billed-up-to YYYY-MM-DD]",
		"-billed-up-to", "Sole Trader", "SLACK_BOT_TOKEN", "rounded to the\n            nearest minute"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("help: exit %d, %q missing from\n%s", code, want, stdout)
		}
	}
}

func TestImportTemplates(t *testing.T) {
	t.Parallel()
	url, pool := pgtest.NewDatabase(t)
	ctx := context.Background()
	if _, err := (practice.Store{DB: pool}).Ensure(ctx, "TTPL"); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"DATABASE_URL": url, "ATLAS_PRACTICE": "TTPL"}
	counts := func() [2]int {
		var c [2]int
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM templates WHERE practice_id = 'TTPL'),
			(SELECT count(*) FROM template_items WHERE practice_id = 'TTPL' AND removed_at IS NULL)`).Scan(&c[0], &c[1]); err != nil {
			t.Fatal(err)
		}
		return c
	}
	sample := filepath.Join("..", "..", "docs", "import", "templates.yaml")

	// A dry run reports what it would do and writes nothing.
	code, stdout, stderr := importRun(t, vars, "templates", sample, "--dry-run")
	if code != 0 || !strings.Contains(stdout, "dry run, nothing written: would create 2, update 0 of 2 templates.") || counts() != [2]int{} {
		t.Fatalf("dry run: exit %d, %v\n%s%s", code, counts(), stdout, stderr)
	}
	code, stdout, stderr = importRun(t, vars, "templates", sample)
	if code != 0 || !strings.Contains(stdout, "created 2, updated 0 of 2 templates.") || counts() != [2]int{2, 39} {
		t.Fatalf("import: exit %d, %v\n%s%s", code, counts(), stdout, stderr)
	}
	// Again: nothing new, every item kept.
	code, stdout, _ = importRun(t, vars, "templates", sample, "--practice", "TTPL")
	if code != 0 || !strings.Contains(stdout, "created 0, updated 2 of 2 templates.") ||
		!strings.Contains(stdout, `"Monthly Bookkeeping Pack — Standard": updated; items: 0 added, 19 kept, 0 removed`) || counts() != [2]int{2, 39} {
		t.Fatalf("again: exit %d\n%s", code, stdout)
	}

	// A file with mistakes: each reported with its line, nothing imported.
	bad := writeFile(t, "bad.yaml", `templates:
  - name: Quarterly Pack
    stage_targets: [5, 15, 20, 28, 35]
    items:
      - {stage: 7, text: Something}
      - {stage: 1, text: "", mandatroy: true}
`)
	code, _, stderr = importRun(t, vars, "templates", bad)
	for _, want := range []string{"line 3: stage_targets has 5 days", "line 5: Pick a stage from 1", "line 6: Say what is to be done", `line 6: unknown key "mandatroy"`, "nothing imported"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("bad file: missing %q in %q", want, stderr)
		}
	}
	if code != 1 || counts() != [2]int{2, 39} {
		t.Fatalf("bad file: exit %d, %v", code, counts())
	}

	cases := []struct {
		name string
		vars map[string]string
		args []string
		code int
		err  string
	}{
		{"unknown practice", vars, []string{"templates", sample, "--practice", "T0NOPE"}, 2, "atlasbot seed demo"},
		{"skip invalid", vars, []string{"templates", sample, "--skip-invalid"}, 2, "--skip-invalid does not apply"},
		{"missing file", vars, []string{"templates", "/nonexistent/templates.yaml"}, 2, "no such file"},
		{"not yaml", vars, []string{"templates", writeFile(t, "x.yaml", "templates: [")}, 1, "not a templates file"},
	}
	for _, c := range cases {
		code, _, stderr := importRun(t, c.vars, c.args...)
		if code != c.code || !strings.Contains(stderr, c.err) {
			t.Errorf("%s: exit %d, want %d; stderr %q, want %q", c.name, code, c.code, stderr, c.err)
		}
	}
}

// TestImportTimeCommand is a firm moving over: its team by email, found in
// Slack (the stand-in), then a year of time with the old system's invoicing
// cut off.
func TestImportTimeCommand(t *testing.T) {
	t.Parallel()
	url, pool := pgtest.NewDatabase(t)
	ctx := context.Background()
	if _, err := (practice.Store{DB: pool}).Ensure(ctx, "TTIME"); err != nil {
		t.Fatal(err)
	}
	fake := slackfake.New(t)
	fake.AddUser("U0BEA", "bea", "Bea Bookkeeper", "bea@ledgerline.example")
	fake.AddUser("U0MINA", "mina", "Mina Manager", "mina@ledgerline.example")
	noSlack := map[string]string{"DATABASE_URL": url, "ATLAS_PRACTICE": "TTIME"}
	vars := map[string]string{"DATABASE_URL": url, "ATLAS_PRACTICE": "TTIME", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": strings.TrimSuffix(fake.APIURL(), "/")}

	team := writeFile(t, "team.csv", "Email,Name,Role\r\nbea@ledgerline.example,,staff\r\nmina@ledgerline.example,Mina M,manager\r\nghost@ledgerline.example,Ghost,staff\r\n")
	// Without a token, the rows say what is needed.
	code, stdout, _ := importRun(t, noSlack, "team", team)
	if code != 1 || !strings.Contains(stdout, "line 2, column email: The Slack user id of bea@ledgerline.example is needed: give it instead of the email, or set SLACK_BOT_TOKEN") {
		t.Fatalf("team without Slack: exit %d\n%s", code, stdout)
	}
	// With one, Slack finds two and not the third.
	code, stdout, _ = importRun(t, vars, "team", team)
	if code != 1 || !strings.Contains(stdout, "line 4, column email: Slack has no user with the email ghost@ledgerline.example.") ||
		!strings.Contains(stdout, "Nothing imported: 1 row is invalid") {
		t.Fatalf("team with an unknown email: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = importRun(t, vars, "team", team, "--skip-invalid")
	if code != 0 || !strings.Contains(stdout, "created 2, updated 0, skipped 1 of 3 rows") {
		t.Fatalf("team: exit %d\n%s", code, stdout)
	}
	var names string
	if err := pool.QueryRow(ctx, `SELECT string_agg(slack_user_id || ':' || name, ',' ORDER BY slack_user_id) FROM members WHERE practice_id = 'TTIME'`).Scan(&names); err != nil ||
		names != "U0BEA:Bea Bookkeeper,U0MINA:Mina M" {
		t.Fatalf("team: %q %v", names, err)
	}
	if n := len(fake.Calls("users.lookupByEmail")); n != 6 {
		t.Fatalf("%d lookups, want 3 addresses × 2 imports", n)
	}

	for _, f := range []struct{ kind, text string }{
		{"services", "code,name\nBK,Bookkeeping\nPAYROLL,Payroll\n"},
		{"clients", "code,name\nHOLLOW,Hollowbrook Bakery Ltd\nKESTREL,Kestrel Haulage Ltd\n"},
		{"rates", "hourly_rate,effective_from\n85,2025-04-01\n"},
	} {
		if code, stdout, stderr := importRun(t, vars, f.kind, writeFile(t, f.kind+".csv", f.text)); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", f.kind, code, stdout, stderr)
		}
	}
	times := writeFile(t, "time.csv", "\ufeffDate,Client,Task,Person,Hours,Notes,Invoiced?\r\n"+
		"2026-01-12,HOLLOW,BK,U0BEA,2.5,Bank reconciliation,\r\n"+
		"2026-02-09,Kestrel Haulage Ltd,Payroll,mina@ledgerline.example,1:45,Payroll,\r\n"+
		"2026-03-02,HOLLOW,BK,bea@ledgerline.example,0.33,Query,yes\r\n"+
		"2026-03-03,HOLLOW,BK,U0BEA,1,Reconciliation,no\r\n")
	count := func(state string) int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM time_entries WHERE practice_id = 'TTIME' AND billing_state = $1`, state).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	code, stdout, _ = importRun(t, vars, "time", times, "--billed-up-to", "2026-02-28", "--dry-run")
	if code != 0 || !strings.Contains(stdout, "dry run, nothing written: would create 4, 0 already imported, skip 0 of 4 rows.") || count("unbilled")+count("billed_elsewhere") != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = importRun(t, vars, "time", times, "--billed-up-to", "2026-02-28")
	if code != 0 || !strings.Contains(stdout, "time "+times+": created 4, 0 already imported, skipped 0 of 4 rows.") ||
		!strings.Contains(stdout, "line 4: 0.33 hours, taken as 20 minutes") ||
		!strings.Contains(stdout, "(marked billed or dated on or before 2026-02-28; never invoiced by Atlas): 3; non-billable: 0; unbilled, work in progress to invoice: 1.") {
		t.Fatalf("time: exit %d\n%s", code, stdout)
	}
	if count("billed_elsewhere") != 3 || count("unbilled") != 1 {
		t.Fatalf("states: %d billed elsewhere, %d unbilled", count("billed_elsewhere"), count("unbilled"))
	}
	// Again, even without the cut-off, and without Slack (the team has
	// both addresses now): nothing new.
	code, stdout, _ = importRun(t, noSlack, "time", times)
	if code != 0 || !strings.Contains(stdout, "created 0, 4 already imported, skipped 0 of 4 rows.") || count("billed_elsewhere") != 3 || count("unbilled") != 1 {
		t.Fatalf("again: exit %d\n%s", code, stdout)
	}
	// Without Slack, an address the team lacks needs the Slack id.
	code, stdout, _ = importRun(t, noSlack, "time", writeFile(t, "t1.csv", "date,client,person,hours\n2026-03-02,HOLLOW,tom@ledgerline.example,1\n"))
	if code != 1 || !strings.Contains(stdout, "line 2, column person: The Slack user id of tom@ledgerline.example is needed") {
		t.Fatalf("without Slack: exit %d\n%s", code, stdout)
	}
	// Slack failing stops the import.
	fake.FailCall("users.lookupByEmail", "internal_error", 1)
	code, _, stderr := importRun(t, vars, "team", writeFile(t, "t2.csv", "email,name,role\nnew@ledgerline.example,New,staff\n"))
	if code != 1 || !strings.Contains(stderr, "internal_error") {
		t.Fatalf("Slack failing: exit %d\n%s", code, stderr)
	}
}

// atlasbot import payments: a dry run, the file, and a file with a row
// for an unknown invoice that imports nothing.
func TestImportPaymentsCommand(t *testing.T) {
	t.Parallel()
	url, pool := pgtest.NewDatabase(t)
	ctx := context.Background()
	if _, err := (practice.Store{DB: pool}).Ensure(ctx, "TPAYCLI"); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := pool.QueryRow(ctx, `
		WITH e AS (INSERT INTO entities (practice_id, code, name, billing_type) VALUES ('TPAYCLI', 'ACME', 'Acme Ltd', 'hourly') RETURNING id)
		INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency, issue_date, due_date, subtotal, vat, total, label, sent_at)
		SELECT 'TPAYCLI', e.id, 'adhoc', 'sent', 'INV-0001', 'GBP', current_date - 30, current_date, 1000, 200, 1200, 'Work', now() FROM e
		RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"DATABASE_URL": url, "ATLAS_PRACTICE": "TPAYCLI"}
	day := time.Now().AddDate(0, 0, -2).Format("02/01/2006")
	file := writeFile(t, "payments.csv", "Date,Paid in,Description,Invoice number\r\n"+day+",\"£1,000.00\",BACS ACME,INV-0001\r\n")
	paid := func() (p, status string) {
		if err := pool.QueryRow(ctx, `SELECT paid::text, status FROM invoices WHERE id = $1`, id).Scan(&p, &status); err != nil {
			t.Fatal(err)
		}
		return p, status
	}
	code, stdout, _ := importRun(t, vars, "payments", file, "--dry-run")
	if p, _ := paid(); code != 0 || !strings.Contains(stdout, "dry run, nothing written: would create 1, 0 already imported, skip 0 of 1 row.") || p != "0.00" {
		t.Fatalf("dry run: exit %d, paid %s\n%s", code, p, stdout)
	}
	code, stdout, _ = importRun(t, vars, "payments", file)
	if p, status := paid(); code != 0 || !strings.Contains(stdout, "created 1, 0 already imported, skipped 0 of 1 row.") || p != "1000.00" || status != "part_paid" {
		t.Fatalf("import: exit %d, paid %s, %s\n%s", code, p, status, stdout)
	}
	bad := writeFile(t, "bad.csv", "date,amount,invoice\n"+day+",100,INV-0001\n"+day+",100,INV-9999\n")
	code, stdout, _ = importRun(t, vars, "payments", bad)
	if p, _ := paid(); code != 1 || !strings.Contains(stdout, "line 3, column invoice: There is no invoice INV-9999.") ||
		!strings.Contains(stdout, "Nothing imported: 1 row is invalid") || p != "1000.00" {
		t.Fatalf("a row for an unknown invoice: exit %d, paid %s\n%s", code, p, stdout)
	}
}
