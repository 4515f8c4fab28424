package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/config"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/importer"
	"github.com/atlas-practice/atlas/internal/logging"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

const importHelp = `Imports a practice's services, team, clients, rate card, time or the payments
received against its sent invoices from a CSV
file whose first line names the columns (in any order, any case), or its
monthly checklist templates from a YAML file. Import in this order:
services, team, clients, rates, time — each names things the ones before
created; payments and templates at any time. Needs DATABASE_URL; the practice must exist
(open Atlas in its Slack workspace first, or run ` + "`atlasbot seed demo`" + ` for the
demo practice).

Files come as practice software exports them: a UTF-8 byte order mark and
CRLF line ends are fine, and columns Atlas does not know (such as Xero
Contact ID) are named in the report and ignored.

Rows are upserts: by code (services, clients), by slack_user_id (team), by
client, service, person and start date (rates), so importing a file again
changes nothing. Time entries are never updated: each row has a key made
from its content and its place among identical rows, and a row imported
before is counted as already imported. Every row is checked by the same
rules as the Slack forms. All rows of a file are written in one
transaction, and a file with any invalid row writes none unless
--skip-invalid. Columns left out of the file keep their current values on
existing rows.

Columns (* required):
  services  code*, name*, covered_by_retainer (yes/no, true/false, 1/0),
            vat_treatment (standard, reduced, zero, exempt, outside, or as
            labelled: Zero rated, Outside the scope, 20%, 0%...), billable
            (yes/no, default yes)
  team      slack_user_id or email* (one of them, or both), name* (may be
            empty for someone already on the team, or found in Slack by
            email: Slack's name), role* (staff, manager, partner, admin),
            weekly_capacity_hours (such as 37.5)
  clients   code*, name*, aliases (a;b), entity_type (Limited Company, Ltd,
            Sole Trader, Partnership, LLP, Charity, Trust, Individual...),
            billing_type (fixed or hourly), monthly_fee, fee_from (the day
            the fee starts: YYYY-MM-DD or 1 Dec 2026; empty: the first
            period invoiced from today), invoice_timing (advance or
            arrears), invoice_day (1-31; 29-31 mean the month's last day
            where shorter), payment_terms_days, billing_email,
            manager_slack_id, retainer_services (a;b), retainer_start,
            retainer_end (dates), billing_contact, billing_address (or
            address_line_1..4, city, region, postcode, country)
  rates     client_code, service_code, member_slack_id (all three empty: the
            practice default), hourly_rate*, effective_from (YYYY-MM-DD,
            default today in UTC)
  time      date* (YYYY-MM-DD or 2 Mar 2026; not after today), client* (code
            or name), service (code or name), person* (Slack user id or
            email), hours* (1.5 or 1:30; decimal hours are rounded to the
            nearest minute, and the report says which rows were), notes,
            billed (yes/no: billed in the old system), billable (yes/no,
            default yes). Harvest's names work too: Task, Billed?, Invoiced?.
            Each entry is valued by the rate card in force on its date, as
            logged time is.
  payments  date* (03/12/2026 day first, 2026-12-03 or 3 Dec 2026; not
            after today), amount* (as received, in the invoice's currency:
            £1,200.00, 1200), reference, invoice* (its number, such as
            INV-2026-0042), overpayment (yes: keep what is paid above the
            balance as credit on the client's account). A bank's names work
            too: Paid in, Description, Invoice number. Each row is checked
            as a payment typed in Slack: the invoice must be sent and owing.
            A row imported before (the same content, in the same place among
            identical rows) is counted as already imported, not paid twice.
  templates a YAML file: templates: [{name, description, due: {day,
            months_after}, stage_targets: [six days], items: [{stage 1-6,
            text, mandatory (default true)}]}]; matched by name, items by
            stage and text; tasks not started yet take the new checklist.
            A file with any mistake imports nothing; --skip-invalid does
            not apply. docs/import/templates.yaml is the standard pack.

Time billed in the old system must not be invoiced again: a row with billed
yes, or dated on or before --billed-up-to, is stored as billed elsewhere,
never work in progress. Without either, imported time is unbilled.

People by email: an address the team has on file resolves to that person;
any other is looked up in Slack (users.lookupByEmail) with SLACK_BOT_TOKEN
(and SLACK_API_URL, when Slack is a stand-in). Without a token such a row is
an error asking for the Slack id.

docs/import/README.md has the details and sample files. FILE - reads
standard input.

Exit status: 0 imported (or on a dry run, would import); 1 the file or some
rows are invalid and nothing was imported, Slack failed, or the database
failed; 2 usage or configuration.`

func importCmd(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "import", "services|team|clients|rates FILE.csv [--dry-run] [--skip-invalid] [--practice TEAM_ID]\n"+
		"       atlasbot import time FILE.csv [--billed-up-to YYYY-MM-DD] [--dry-run] [--skip-invalid] [--practice TEAM_ID]\n"+
		"       atlasbot import payments FILE.csv [--dry-run] [--skip-invalid] [--practice TEAM_ID]\n"+
		"       atlasbot import templates FILE.yaml [--dry-run] [--practice TEAM_ID]", importHelp)
	dryRun := fs.Bool("dry-run", false, "check the file and report what would be created, updated and skipped, writing nothing")
	skip := fs.Bool("skip-invalid", false, "import the valid rows and report the invalid ones as skipped")
	pid := fs.String("practice", e.getenv("ATLAS_PRACTICE"), "the practice's Slack team id, such as T0LEDGER; ATLAS_PRACTICE sets the default")
	billedUpTo := fs.String("billed-up-to", "", "time files: time dated on or before this day (YYYY-MM-DD) was billed in the old system and is never invoiced by Atlas")
	pos, code := parseAnywhere(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 2 {
		fs.Usage()
		return exitConfig
	}
	templates := strings.EqualFold(strings.TrimSpace(pos[0]), "templates")
	kind, err := importer.ParseKind(pos[0])
	if err != nil && !templates {
		fmt.Fprintf(e.stderr, "atlasbot: import: %q is not something Atlas imports. Use one of: services, team, clients, rates, time, payments, templates.\n", pos[0])
		return exitConfig
	}
	var cutoff time.Time
	if *billedUpTo != "" {
		if kind != importer.Time {
			fmt.Fprintln(e.stderr, "atlasbot: import: --billed-up-to applies to time files only")
			return exitConfig
		}
		if cutoff, err = time.Parse(time.DateOnly, strings.TrimSpace(*billedUpTo)); err != nil {
			fmt.Fprintf(e.stderr, "atlasbot: import: --billed-up-to %q is not a date; write it as YYYY-MM-DD, such as 2026-03-31\n", *billedUpTo)
			return exitConfig
		}
	}
	lookup, err := slackEmailLookup(e.getenv)
	if err != nil {
		fmt.Fprintln(e.stderr, "atlasbot: import:", err)
		return exitConfig
	}
	if templates && *skip {
		fmt.Fprintln(e.stderr, "atlasbot: import: a templates file is imported whole or not at all; --skip-invalid does not apply to it")
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
	if templates {
		return importTemplates(ctx, e, pool, atlas.PracticeID(*pid), name, src, *dryRun, log)
	}
	o := importer.Options{Practice: atlas.PracticeID(*pid), DryRun: *dryRun, SkipInvalid: *skip, LookupEmail: lookup, BilledUpTo: cutoff}
	if kind != importer.Time && kind != importer.Payments {
		// Rates start today in UTC, as documented; time and payments are
		// checked against the practice's own today, which Import finds
		// when given none.
		o.Today = time.Now().UTC()
	}
	rep, err := importer.Import(ctx, pool, kind, src, o)
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

// importTemplates reads a templates file and writes it in one transaction,
// rolled back on a dry run so that it reports exactly what a real run would
// do. Exit codes are those of the CSV imports.
func importTemplates(ctx context.Context, e env, pool *pgxpool.Pool, pid atlas.PracticeID, name string, src io.Reader, dryRun bool, log *slog.Logger) int {
	if _, err := (practice.Store{DB: pool}).Get(ctx, pid); atlas.ErrorCode(err) == atlas.ENotFound {
		fmt.Fprintf(e.stderr, "atlasbot: import: There is no practice for the Slack team %s. Open Atlas in that Slack workspace first (any /atlas command creates the practice), or run `atlasbot seed demo` for the demo practice T0LEDGER.\n", pid)
		return exitConfig
	} else if err != nil {
		log.Error("cannot read the practice", "err", err)
		return exitFail
	}
	specs, err := workflow.ParseTemplates(src)
	if err != nil {
		if atlas.ErrorCode(err) == atlas.EInvalid {
			fmt.Fprintf(e.stderr, "atlasbot: import %s: %s\n", name, atlas.ErrorMessage(err))
			return exitFail
		}
		fmt.Fprintln(e.stderr, "atlasbot: import:", err)
		return exitConfig
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		log.Error("import failed; nothing was imported", "kind", "templates", "file", name, "err", err)
		return exitFail
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	res, err := workflow.Store{DB: tx}.ImportTemplates(ctx, pid, 0, specs, time.Now().UTC())
	if err == nil && !dryRun {
		err = tx.Commit(ctx)
	}
	switch atlas.ErrorCode(err) {
	case "":
	case atlas.EInvalid, atlas.EConflict:
		fmt.Fprintf(e.stderr, "atlasbot: import %s: %s\nNothing imported.\n", name, atlas.ErrorMessage(err))
		return exitFail
	default:
		log.Error("import failed; nothing was imported", "kind", "templates", "file", name, "err", err)
		return exitFail
	}
	created := 0
	for _, r := range res {
		what := "updated"
		if r.Created {
			what, created = "created", created+1
		}
		if dryRun {
			what = "would be " + what
		}
		fmt.Fprintf(e.stdout, "%q: %s; items: %d added, %d kept, %d removed\n", r.Name, what, r.ItemsAdded, r.ItemsKept, r.Removed)
	}
	noun := "templates"
	if len(res) == 1 {
		noun = "template"
	}
	if dryRun {
		fmt.Fprintf(e.stdout, "templates %s: dry run, nothing written: would create %d, update %d of %d %s.\n", name, created, len(res)-created, len(res), noun)
	} else {
		fmt.Fprintf(e.stdout, "templates %s: created %d, updated %d of %d %s. Tasks not started yet follow the new checklists.\n", name, created, len(res)-created, len(res), noun)
	}
	return exitOK
}

// slackEmailLookup is importer.Options.LookupEmail on Slack's Web API
// (users.lookupByEmail, under the users:read.email scope Atlas's manifest
// asks for), with the bot's client and token: SLACK_BOT_TOKEN, and
// SLACK_API_URL when Slack is a stand-in. Nil without a token, so rows
// giving only an email say the Slack id is needed.
func slackEmailLookup(getenv func(string) string) (func(ctx context.Context, email string) (atlas.SlackUserID, string, error), error) {
	token := strings.TrimSpace(getenv("SLACK_BOT_TOKEN"))
	if token == "" {
		return nil, nil
	}
	apiURL := strings.TrimSpace(getenv("SLACK_API_URL"))
	if apiURL != "" {
		u, err := url.Parse(apiURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("SLACK_API_URL %q is not an http(s) URL such as http://127.0.0.1:3000/api/", apiURL)
		}
		if !strings.HasSuffix(apiURL, "/") {
			apiURL += "/"
		}
	}
	client := slackapp.NewClient(token, "", apiURL)
	return func(ctx context.Context, email string) (atlas.SlackUserID, string, error) {
		u, err := client.GetUserByEmailContext(ctx, email)
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && se.Err == "users_not_found" {
			return "", "", importer.ErrNoSlackUser
		}
		if err != nil {
			return "", "", err
		}
		if u.Deleted {
			// A deactivated account is no one to add to the team or
			// credit with time.
			return "", "", importer.ErrNoSlackUser
		}
		name := u.RealName
		if name == "" {
			name = u.Profile.RealName
		}
		if name == "" {
			name = u.Name
		}
		return atlas.SlackUserID(u.ID), name, nil
	}, nil
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
