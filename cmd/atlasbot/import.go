package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/config"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/importer"
	"github.com/atlas-practice/atlas/internal/logging"
)

const importHelp = `Imports a practice's services, team, clients or rate card from a CSV file
whose first line names the columns (in any order, any case). Import in this
order: services, team, clients, rates — each names things the one before
created. Needs DATABASE_URL; the practice must exist (open Atlas in its Slack
workspace first, or run ` + "`atlasbot seed demo`" + ` for the demo practice).

Rows are upserts: by code (services, clients), by slack_user_id (team), by
client, service, person and start date (rates), so importing a file again
changes nothing. Every row is checked by the same rules as the Slack forms.
All rows of a file are written in one transaction, and a file with any
invalid row writes none unless --skip-invalid. Columns left out of the file
keep their current values on existing rows.

Columns (* required):
  services  code*, name*, covered_by_retainer (yes/no, true/false, 1/0)
  team      slack_user_id*, name*, email, role* (staff, manager, partner,
            admin), weekly_capacity_hours (such as 37.5)
  clients   code*, name*, aliases (a;b), entity_type, billing_type (fixed or
            hourly), monthly_fee, invoice_timing (advance or arrears),
            invoice_day (1-28), payment_terms_days, billing_email,
            manager_slack_id, retainer_services (service codes, a;b)
  rates     client_code, service_code, member_slack_id (all three empty: the
            practice default), hourly_rate*, effective_from (YYYY-MM-DD,
            default today in UTC)
docs/import/README.md has the details and sample files. FILE - reads
standard input.

Exit status: 0 imported (or on a dry run, would import); 1 the file or some
rows are invalid and nothing was imported, or the database failed; 2 usage
or configuration.`

func importCmd(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "import", "clients|team|services|rates FILE.csv [--dry-run] [--skip-invalid] [--practice TEAM_ID]", importHelp)
	dryRun := fs.Bool("dry-run", false, "check the file and report what would be created, updated and skipped, writing nothing")
	skip := fs.Bool("skip-invalid", false, "import the valid rows and report the invalid ones as skipped")
	pid := fs.String("practice", e.getenv("ATLAS_PRACTICE"), "the practice's Slack team id, such as T0LEDGER; ATLAS_PRACTICE sets the default")
	pos, code := parseAnywhere(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 2 {
		fs.Usage()
		return exitConfig
	}
	kind, err := importer.ParseKind(pos[0])
	if err != nil {
		fmt.Fprintln(e.stderr, "atlasbot: import:", atlas.ErrorMessage(err))
		return exitConfig
	}
	if *pid == "" {
		fmt.Fprintln(e.stderr, "atlasbot: import: say which practice: --practice TEAM_ID (the Slack team id, such as T0LEDGER) or ATLAS_PRACTICE")
		return exitConfig
	}
	name := pos[1]
	var src io.Reader = os.Stdin
	if name == "-" {
		name = "(standard input)"
	} else {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(e.stderr, "atlasbot: import:", err)
			return exitConfig
		}
		defer f.Close()
		src = f
	}
	url, err := config.LoadDatabaseURL(e.getenv)
	if err != nil {
		fmt.Fprintln(e.stderr, "atlasbot:", err)
		return exitConfig
	}
	log := logging.New(e.stderr, logging.Options{Level: e.getenv("LOG_LEVEL"), Format: "text", Secrets: []string{url.Reveal()}})
	pool, err := db.Open(ctx, url.Reveal())
	if err != nil {
		log.Error("cannot open the database", "err", err)
		return exitFail
	}
	defer pool.Close()
	// The rows are checked against the schema this binary knows.
	if err := db.Migrate(ctx, pool, log); err != nil {
		log.Error("migration failed", "err", err)
		return exitFail
	}
	rep, err := importer.Import(ctx, pool, kind, src, importer.Options{
		Practice: atlas.PracticeID(*pid), DryRun: *dryRun, SkipInvalid: *skip, Today: time.Now().UTC(),
	})
	switch atlas.ErrorCode(err) {
	case "":
	case atlas.ENotFound:
		fmt.Fprintln(e.stderr, "atlasbot: import:", atlas.ErrorMessage(err))
		return exitConfig
	case atlas.EInvalid:
		fmt.Fprintf(e.stderr, "atlasbot: import %s: %s\nNothing imported.\n", name, atlas.ErrorMessage(err))
		return exitFail
	default:
		log.Error("import failed; nothing was imported", "kind", kind, "file", name, "err", err)
		return exitFail
	}
	for _, re := range rep.Errors {
		fmt.Fprintln(e.stdout, re.Error())
	}
	fmt.Fprintf(e.stdout, "%s %s: %s\n", kind, name, rep.Summary())
	if rep.Rejected {
		return exitFail
	}
	return exitOK
}

// parseAnywhere parses flags placed before, between or after the
// positional arguments ("import clients x.csv --dry-run" reads as it looks:
// the flag package alone stops at the first argument). It returns the
// positional arguments, and the exit code to stop with or -1 to go on.
func parseAnywhere(fs *flag.FlagSet, args []string) ([]string, int) {
	var pos []string
	for {
		if code := parse(fs, args); code >= 0 {
			return nil, code
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, -1
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}
