package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
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
		"services": "created 6, updated 6, skipped 0 of 12 rows.",
		"team":     "created 8, updated 4, skipped 0 of 12 rows.",
		"clients":  "created 13, updated 0, skipped 0 of 13 rows.",
		"rates":    "created 13, updated 0, skipped 0 of 13 rows.",
	}
	for _, kind := range []string{"services", "team", "clients", "rates"} {
		file := filepath.Join("..", "..", "docs", "import", kind+".csv")
		code, stdout, stderr := importRun(t, vars, kind, file)
		if code != 0 || !strings.Contains(stdout, want[kind]) {
			t.Fatalf("import %s: exit %d\n%s%s", kind, code, stdout, stderr)
		}
		// Again: everything is already there.
		code, stdout, _ = importRun(t, vars, kind, file)
		if code != 0 || !strings.Contains(stdout, "created 0, updated ") {
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
		{"unknown column", vars, []string{"team", writeFile(t, "team.csv", "slack_user_id,name,role,phone\nU1,A,staff,1\n")}, 1, `unknown column: "phone"`},
		{"bad flag", vars, []string{"clients", bad, "--force"}, 2, "not defined"},
	}
	for _, c := range cases {
		code, _, stderr := importRun(t, c.vars, c.args...)
		if code != c.code || !strings.Contains(stderr, c.err) {
			t.Errorf("%s: exit %d, want %d; stderr %q, want %q", c.name, code, c.code, stderr, c.err)
		}
	}
	code, stdout, _ = importRun(t, vars, "--help")
	if code != 0 || !strings.Contains(stdout, "Usage: atlasbot import") || !strings.Contains(stdout, "retainer_services") {
		t.Fatalf("help: %d %s", code, stdout)
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
