package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Kind is what a file holds.
type Kind string

// The kinds of file, in the order to import them: the team and services
// first, since clients name their manager and retainer services, then the
// rate card, since it names all three, and time last, since it names all
// three and is valued by the rate card.
const (
	Services Kind = "services"
	Team     Kind = "team"
	Clients  Kind = "clients"
	Rates    Kind = "rates"
	Time     Kind = "time"
	// Payments are money received against sent invoices: imported at any
	// time, not part of setting a practice up.
	Payments Kind = "payments"
)

// Kinds lists every kind in import order.
var Kinds = []Kind{Services, Team, Clients, Rates, Time}

// ParseKind reads a kind name, case-insensitively.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(Kinds, k) && k != Payments {
		names := make([]string, len(Kinds), len(Kinds)+1)
		for i, k := range Kinds {
			names[i] = string(k)
		}
		names = append(names, string(Payments))
		return "", atlas.Errorf(atlas.EInvalid, "%q is not something Atlas imports. Use one of: %s.", s, strings.Join(names, ", "))
	}
	return k, nil
}

// kindSpec is how one kind of file is imported.
type kindSpec struct {
	format format
	// run checks and writes the rows, adding to the report through r.
	run func(ctx context.Context, r *run, t *table) error
	// action is the audit action of the event summarising an import.
	action, subject string
}

var kinds = map[Kind]kindSpec{
	Services: {servicesFormat, importServices, "service.import", "service"},
	Team:     {teamFormat, importTeam, "member.import", "member"},
	Clients:  {clientsFormat, importClients, "entity.import", "entity"},
	Rates:    {ratesFormat, importRates, "rate.import", "rate"},
	Time:     {timeFormat, importTime, "time.import", "time_entry"},
	Payments: {paymentsFormat, importPayments, "payment.import", "payment"},
}

// Options say where and how to import.
type Options struct {
	Practice atlas.PracticeID // the Slack team id
	// Actor is who the audit trail names; 0 means Atlas itself, as for a
	// command-line import.
	Actor atlas.MemberID
	// DryRun checks the file and reports what would change, writing nothing.
	DryRun bool
	// SkipInvalid imports the valid rows of a file that has invalid ones;
	// without it any invalid row stops the whole file.
	SkipInvalid bool
	// Today is the start date of rates that give none, and the last date
	// time may be imported for; zero means today in UTC for rates, and the
	// practice's today for time.
	Today time.Time
	// LookupEmail finds the Slack user with an email address: their Slack
	// user id and name. People in a team or time file may be given by email
	// alone; an address the team has on file needs no lookup, any other is
	// asked of Slack once per import. It returns an error wrapping
	// ErrNoSlackUser when Slack knows no one by that address (a row error);
	// any other error stops the import. Nil when Slack cannot be asked:
	// such rows are then row errors asking for the Slack id.
	LookupEmail func(ctx context.Context, email string) (user atlas.SlackUserID, name string, err error)
	// BilledUpTo marks the time of a time file dated on or before it as
	// billed in the system the practice used before (see
	// timesheet.BilledElsewhere), so Atlas never invoices it again. Zero
	// leaves it to each row's billed column.
	BilledUpTo time.Time
}

// ErrNoSlackUser is what Options.LookupEmail wraps when Slack has no user
// with the address.
var ErrNoSlackUser = errors.New("no Slack user has that email address")

// Import reads a file of kind k and upserts its rows into the practice, all
// in one transaction on d (a savepoint when d is itself a transaction).
//
// Row problems are in the report, not the error: the error is for a file
// that cannot be read at all (EInvalid: no header, an unknown column), a
// practice that does not exist (ENotFound) or a database failure.
func Import(ctx context.Context, d db.DB, k Kind, src io.Reader, o Options) (Report, error) {
	spec, ok := kinds[k]
	if !ok {
		_, err := ParseKind(string(k))
		return Report{}, err
	}
	t, rowErrs, err := readTable(src, spec.format)
	if err != nil {
		return Report{}, err
	}
	todayGiven := !o.Today.IsZero()
	if !todayGiven {
		o.Today = time.Now().UTC()
	}
	o.Today = atlas.DateOf(o.Today)
	rep := Report{Kind: k, DryRun: o.DryRun, Rows: t.total, Errors: rowErrs, IgnoredColumns: t.ignored}
	if len(t.ignored) > 0 {
		n := len(t.ignored)
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s %s %s not %s Atlas imports, so %s ignored.",
			plural(n, "The column", "The columns"), quoteList(t.ignored), plural(n, "is", "are"), plural(n, "a column", "columns"),
			plural(n, "it was", "they were")))
	}

	tx, err := d.Begin(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("import %s: begin: %w", k, err)
	}
	// Rolling back is how a dry run and a rejected file leave no trace; after
	// a commit it does nothing.
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := checkPractice(ctx, tx, o.Practice); err != nil {
		return Report{}, err
	}
	r := &run{tx: tx, store: practice.Store{DB: tx}, o: o, todayGiven: todayGiven, rep: &rep}
	if err := spec.run(ctx, r, t); err != nil {
		return Report{}, fmt.Errorf("import %s: %w", k, err)
	}
	slices.SortStableFunc(rep.Errors, func(a, b RowError) int { return a.Line - b.Line })

	if rep.Invalid() > 0 && !o.SkipInvalid {
		rep.Rejected = true
		rep.Created, rep.Updated, rep.Unchanged, rep.Skipped = 0, 0, 0, rep.Rows
		return rep, nil
	}
	rep.Skipped = rep.Invalid()
	if rep.Created+rep.Updated > 0 {
		// One event says who imported what and when. The store writes its
		// own per-row events for services, team and rates; clients are
		// written in bulk with none, as 5,000 of them would bury the trail.
		if err := practice.Audit(ctx, tx, o.Practice, o.Actor, spec.action, spec.subject, 0, map[string]any{
			"created": rep.Created, "updated": rep.Updated, "skipped": rep.Skipped, "rows": rep.Rows,
		}); err != nil {
			return Report{}, err
		}
	}
	if o.DryRun {
		return rep, nil
	}
	if err := tx.Commit(ctx); err != nil {
		return Report{}, fmt.Errorf("import %s: commit: %w", k, err)
	}
	rep.Imported = true
	return rep, nil
}

// checkPractice makes sure the practice exists. Import does not create
// one: a practice is born when its Slack workspace first opens Atlas, and a
// mistyped team id must not quietly start a second, empty practice.
func checkPractice(ctx context.Context, q db.DB, pid atlas.PracticeID) error {
	if strings.TrimSpace(string(pid)) == "" {
		return atlas.Errorf(atlas.EInvalid, "Say which practice to import into: its Slack team id, such as T0LEDGER.")
	}
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM practices WHERE id = $1)`, pid).Scan(&exists); err != nil {
		return fmt.Errorf("look up practice %s: %w", pid, err)
	}
	if !exists {
		return atlas.Errorf(atlas.ENotFound, "There is no practice for the Slack team %s. Open Atlas in that Slack workspace first (any /atlas command creates the practice), or run `atlasbot seed demo` for the demo practice T0LEDGER.", pid)
	}
	return nil
}

// run is one import in progress.
type run struct {
	tx         pgx.Tx
	store      practice.Store
	o          Options
	todayGiven bool // o.Today came from the caller
	rep        *Report
	// slack holds Options.LookupEmail's answers by lower-case address, so
	// each address is asked once however many rows give it.
	slack map[string]slackAnswer
}

func (r *run) pid() atlas.PracticeID { return r.o.Practice }

// invalid records a row error.
func (r *run) invalid(line int, column, reason string) {
	r.rep.Errors = append(r.rep.Errors, RowError{Line: line, Column: column, Reason: reason})
}

// reject records err against the row on line, naming the column that
// practice's field name maps to in fields (an error that already names a
// column keeps it). An internal error is not the row's fault: it is
// returned, to stop the import.
func (r *run) reject(line int, fields map[string]string, err error) error {
	if atlas.ErrorCode(err) == atlas.EInternal {
		return err
	}
	col := atlas.ErrorField(err)
	if c, ok := fields[col]; ok {
		col = c
	}
	r.invalid(line, col, atlas.ErrorMessage(err))
	return nil
}

// count adds a written row to the report.
func (r *run) count(existed bool) {
	if existed {
		r.rep.Updated++
	} else {
		r.rep.Created++
	}
}

// split reads a list cell: items separated by ; (or , or |, as the client
// form accepts for aliases), trimmed, empty ones dropped.
func split(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == '|' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
