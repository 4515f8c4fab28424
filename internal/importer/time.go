package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// timeFormat is time as Harvest and Xero Practice Manager export it: one
// row per entry. The aliases are the names those exports, and the other
// files here, give the same columns.
var timeFormat = format{
	columns:  []string{"date", "client", "service", "person", "hours", "notes", "billed", "billable"},
	required: []string{"date", "client", "person", "hours"},
	aliases: map[string]string{
		"client_code": "client", "client_name": "client",
		"service_code": "service", "task": "service",
		"slack_user_id": "person", "member_slack_id": "person", "email": "person", "staff": "person", "staff_member": "person",
		"note": "notes", "description": "notes",
		"invoiced": "billed",
	},
}

// dateLayouts are the date forms a time file may use: ISO, as Harvest
// writes it, and the day-month-name forms of UK software. Numeric
// day/month forms are refused: 02/03/2026 is February to some software and
// March to the rest.
var dateLayouts = []string{"2006-01-02", "2 Jan 2006", "2 January 2006"}

// importTime checks each row of a time file, resolves its client, service
// and person, and hands the valid ones to timesheet.ImportEntries, which
// values them by the rate card and writes them in one statement.
func importTime(ctx context.Context, r *run, t *table) error {
	p, err := r.store.Get(ctx, r.pid())
	if err != nil {
		return err
	}
	today := r.o.Today
	if !r.todayGiven {
		// The practice's own date: a row dated today in London is not in the
		// future for being after midnight UTC.
		today = p.Today(time.Now())
	}
	res, err := newTimeResolver(ctx, r)
	if err != nil {
		return err
	}

	var (
		valid      []timesheet.ImportRow
		seen       = map[string]int{} // content → rows with it so far
		rounded    []string           // examples of hours rounded to the minute
		nRounded   int
		billedUpTo = atlas.DateOf(r.o.BilledUpTo)
	)
	for _, row := range t.rows {
		in, rowErr, err := res.row(ctx, row, today)
		if err != nil {
			return err
		}
		if rowErr != nil {
			r.rep.Errors = append(r.rep.Errors, *rowErr)
			continue
		}
		if in.rounded {
			nRounded++
			if len(rounded) < 3 {
				rounded = append(rounded, fmt.Sprintf("line %d: %s hours, taken as %d minutes", row.line, row.get("hours"), in.Minutes))
			}
		}
		switch {
		case !in.billable:
			in.State = timesheet.NonBillable
		case in.billed || (!r.o.BilledUpTo.IsZero() && !in.WorkDate.After(billedUpTo)):
			in.State = timesheet.BilledElsewhere
		default:
			in.State = timesheet.Unbilled
		}
		content := contentKey(in.ImportRow)
		seen[content]++
		in.Key = fmt.Sprintf("import:%s:%d", content, seen[content])
		valid = append(valid, in.ImportRow)
	}

	if nRounded > 0 {
		r.rep.Notes = append(r.rep.Notes, fmt.Sprintf("The hours of %d %s were not a whole number of minutes and were rounded to the nearest minute (%s).",
			nRounded, plural(nRounded, "row", "rows"), strings.Join(rounded, "; ")))
	}
	if n := len(res.loose); n > 0 {
		shown := res.loose[:min(n, 10)]
		more := ""
		if n > len(shown) {
			more = fmt.Sprintf(" and %d more", n-len(shown))
		}
		r.rep.Notes = append(r.rep.Notes, fmt.Sprintf("%s only loosely, not by code, name or alias: %s%s. Check %s, or use client codes.",
			plural(n, "A client name matched its client", "Client names matched their clients"), strings.Join(shown, "; "), more, plural(n, "it", "them")))
	}
	if len(valid) == 0 || (r.rep.Invalid() > 0 && !r.o.SkipInvalid) {
		return nil // nothing to write, or nothing may be written
	}
	imported, err := timesheet.Store{DB: r.tx}.ImportEntries(ctx, p, valid)
	if err != nil {
		return err
	}
	r.rep.Created += imported.Created
	r.rep.Unchanged += len(valid) - imported.Created
	if imported.Created > 0 {
		r.rep.Notes = append(r.rep.Notes, stateNote(imported.ByState, r.o.BilledUpTo))
	}
	return nil
}

// stateNote says how the new entries are billed, so a wrong cut-off date
// shows (on a dry run, before anything is written) rather than on an
// invoice.
func stateNote(states map[string]int, billedUpTo time.Time) string {
	why := "marked billed"
	if !billedUpTo.IsZero() {
		why = "marked billed or dated on or before " + billedUpTo.Format(time.DateOnly)
	}
	return fmt.Sprintf("Of the new entries, billed in the old system (%s; never invoiced by Atlas): %d; non-billable: %d; unbilled, work in progress to invoice: %d.",
		why, states[timesheet.BilledElsewhere], states[timesheet.NonBillable], states[timesheet.Unbilled])
}

// contentKey identifies a row by what it records — date, client, service,
// person, minutes and notes — so the same row read again from the same
// file, or from a new export of it, gets the same key. Identical rows in
// one file (two calls of an hour on one day) are told apart by their
// occurrence, appended to this.
func contentKey(in timesheet.ImportRow) string {
	var service int64
	if in.ServiceID != nil {
		service = *in.ServiceID
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d\x00%d\x00%d\x00%s",
		in.WorkDate.Format(time.DateOnly), in.EntityID, service, in.Member, in.Minutes, in.Description))
	return hex.EncodeToString(sum[:12])
}

// timeRow is a checked row: the entry to import, and what the importer
// needs besides to decide its state.
type timeRow struct {
	timesheet.ImportRow
	billed, billable bool
	rounded          bool // the hours were not whole minutes
}

// timeResolver resolves the names a time file uses, each distinct one
// once: a year of a practice's time names a few hundred clients ten
// thousand times.
type timeResolver struct {
	r        *run
	team     map[atlas.SlackUserID]memberRef
	emails   map[string]atlas.SlackUserID // team members by lower-case email
	codes    map[string]clientRef         // every client by upper-case code
	svcCodes map[string]serviceName       // every service by upper-case code
	svcNames map[string]serviceName       // and by lower-case name
	search   []searchText                 // active clients' search texts, read on the first name
	exact    map[string]bool              // every client's code and aliases, lower-cased
	clients  map[string]clientAnswer      // answers by the cell, lower-cased
	people   map[string]personAnswer      // likewise
	loose    []string                     // client names matched loosely, for a note
}

type clientRef struct {
	id       int64
	code     string
	name     string
	archived bool
}

type serviceName struct {
	id     int64
	code   string
	active bool
}

type clientAnswer struct {
	id     int64
	reason string
}

type personAnswer struct {
	id     atlas.MemberID
	reason string
}

func newTimeResolver(ctx context.Context, r *run) (*timeResolver, error) {
	res := &timeResolver{r: r, emails: map[string]atlas.SlackUserID{}, clients: map[string]clientAnswer{}, people: map[string]personAnswer{}}
	var err error
	if res.team, err = members(ctx, r.tx, r.pid()); err != nil {
		return nil, err
	}
	// An active member's email is theirs alone (a unique index); someone
	// who has left may share one with their successor, who then wins.
	for u, m := range res.team {
		if m.email == "" {
			continue
		}
		if other, taken := res.emails[m.email]; !taken || (m.active && !res.team[other].active) {
			res.emails[m.email] = u
		}
	}
	if res.codes, err = clientRefs(ctx, r.tx, r.pid()); err != nil {
		return nil, err
	}
	if res.svcCodes, res.svcNames, err = serviceNames(ctx, r.tx, r.pid()); err != nil {
		return nil, err
	}
	return res, nil
}

// row checks a row and resolves its references. The error returned stops
// the import (the database or Slack failed); a row's own problem is the
// RowError, naming the first column at fault.
func (res *timeResolver) row(ctx context.Context, row row, today time.Time) (timeRow, *RowError, error) {
	var in timeRow
	bad := func(col, format string, args ...any) (timeRow, *RowError, error) {
		return in, &RowError{Line: row.line, Column: col, Reason: fmt.Sprintf(format, args...)}, nil
	}
	date, ok := parseDate(row.get("date"))
	switch {
	case !ok:
		return bad("date", "%q is not a date. Write it as YYYY-MM-DD, such as 2026-03-02, or as 2 Mar 2026; 02/03/2026 is read differently by different software, so it is not accepted.", row.get("date"))
	case date.After(today):
		return bad("date", "%s is in the future; import time worked up to today, %s.", date.Format(time.DateOnly), today.Format(time.DateOnly))
	}
	in.WorkDate = date

	client, err := res.client(ctx, row.get("client"))
	if err != nil {
		return in, nil, err
	}
	if client.reason != "" {
		return bad("client", "%s", client.reason)
	}
	in.EntityID = client.id

	if v := row.get("service"); v != "" {
		s, ok := res.svcCodes[strings.ToUpper(v)]
		if !ok {
			s, ok = res.svcNames[strings.ToLower(v)]
		}
		if !ok || !s.active {
			return bad("service", "No active service has the code or name %q. Import the services first, or leave service empty.", v)
		}
		id := s.id
		in.ServiceID = &id
	}

	person, err := res.person(ctx, row.get("person"))
	if err != nil {
		return in, nil, err
	}
	if person.reason != "" {
		return bad("person", "%s", person.reason)
	}
	in.Member = person.id

	minutes, rounded, reason := parseHours(row.get("hours"))
	if reason != "" {
		return bad("hours", "%s", reason)
	}
	in.Minutes, in.rounded = minutes, rounded

	in.Description = row.get("notes")
	if len(in.Description) > timesheet.MaxDescription {
		return bad("notes", "The notes are %d characters; keep them under %d.", len(in.Description), timesheet.MaxDescription)
	}
	if in.billed, ok = parseBool(row.get("billed")); !ok {
		return bad("billed", "%q is not yes or no. Write yes or no, true or false, 1 or 0; empty means not billed.", row.get("billed"))
	}
	in.billable = true
	if v := row.get("billable"); v != "" {
		if in.billable, ok = parseBool(v); !ok {
			return bad("billable", "%q is not yes or no. Write yes or no, true or false, 1 or 0; empty means billable.", v)
		}
	}
	return in, nil, nil
}

// client resolves a client cell: a client's code, else what the client
// lookup makes of it (an alias, a unique name match), as /log resolves a
// client typed in Slack. Archived clients take no new time, so an
// archived client is refused as the lookup refuses it.
func (res *timeResolver) client(ctx context.Context, cell string) (clientAnswer, error) {
	key := strings.ToLower(cell)
	if a, ok := res.clients[key]; ok {
		return a, nil
	}
	var a clientAnswer
	if c, ok := res.codes[strings.ToUpper(cell)]; ok {
		a.id = c.id
		if c.archived {
			a.reason = fmt.Sprintf("%s (%s) is archived, so it takes no new work. Restore it with `/atlas clients restore %s` to import its time.", c.name, c.code, c.code)
		}
	} else {
		e, err := res.lookupEntity(ctx, cell)
		switch atlas.ErrorCode(err) {
		case "":
			a.id = e.ID
			if !strings.EqualFold(e.Name, cell) && !containsFold(e.Aliases, cell) {
				res.loose = append(res.loose, fmt.Sprintf("%q → %s", cell, e.Label()))
			}
		case atlas.ENotFound:
			a.reason = fmt.Sprintf("No client has the code or name %q. Import the clients first, or use the client's code.", cell)
		case atlas.EInvalid:
			a.reason = atlas.ErrorMessage(err)
		default:
			return a, fmt.Errorf("look up the client %q: %w", cell, err)
		}
	}
	res.clients[key] = a
	return a, nil
}

// lookupEntity is practice.Store.LookupEntity, answered here when the
// answer is certain: text that is no client's code or alias, and that
// exactly one active client's code, name or aliases contain, is that
// client whatever else the lookup weighs (its first two steps, code and
// alias, find nothing; its third finds that one client, which it returns).
// Exports name clients by their full names, so this answers most rows
// without a round trip: the lookup's substring search costs a millisecond
// or more, and a year of time names hundreds of clients. Anything less
// certain goes to LookupEntity itself; TestClientLookupShortcut holds the
// two equal.
func (res *timeResolver) lookupEntity(ctx context.Context, text string) (practice.Entity, error) {
	q := strings.ToLower(strings.TrimSpace(text))
	if res.exact == nil {
		var err error
		if res.search, res.exact, err = searchTexts(ctx, res.r.tx, res.r.pid()); err != nil {
			return practice.Entity{}, err
		}
	}
	if q != "" && !strings.Contains(q, "|") && !res.exact[q] {
		if c := res.onlyContaining(q); c != nil {
			return practice.Entity{ID: c.id, Code: c.code, Name: c.name, Aliases: c.aliases}, nil
		}
	}
	return res.r.store.LookupEntity(ctx, res.r.pid(), text)
}

// onlyContaining is the one active client whose search text contains q, or
// nil when none or several do.
func (res *timeResolver) onlyContaining(q string) *searchText {
	var found *searchText
	for i := range res.search {
		if strings.Contains(res.search[i].text, q) {
			if found != nil {
				return nil
			}
			found = &res.search[i]
		}
	}
	return found
}

// searchText is an active client as the lookup's substring search sees it.
type searchText struct {
	id         int64
	code, name string
	aliases    []string
	text       string // entities.search_text: "|code|name|alias|", lower case
}

// searchTexts reads every active client's search text, and the set of
// every client's code and aliases, archived or not (the lookup matches
// them first), lower-cased.
func searchTexts(ctx context.Context, q pgx.Tx, pid atlas.PracticeID) ([]searchText, map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT id, code, name, aliases, search_text, archived_at IS NULL,
			lower(code) || ARRAY(SELECT lower(a) FROM unnest(aliases) a)
		FROM entities WHERE practice_id = $1`, pid)
	if err != nil {
		return nil, nil, fmt.Errorf("read the clients: %w", err)
	}
	var out []searchText
	exact := map[string]bool{}
	var s searchText
	var active bool
	var keys []string
	_, err = pgx.ForEachRow(rows, []any{&s.id, &s.code, &s.name, &s.aliases, &s.text, &active, &keys}, func() error {
		for _, k := range keys {
			exact[k] = true
		}
		if active {
			x := s
			x.aliases = slices.Clone(s.aliases) // the scan may reuse the slice
			out = append(out, x)
		}
		return nil
	})
	return out, exact, err
}

// person resolves a person cell: a Slack user id, or an email the team has
// on file or Slack knows. People who have left the team still resolve:
// history has their time.
func (res *timeResolver) person(ctx context.Context, cell string) (personAnswer, error) {
	key := strings.ToLower(cell)
	if a, ok := res.people[key]; ok {
		return a, nil
	}
	var a personAnswer
	user := slackUser(cell)
	switch {
	case strings.Contains(cell, "@"):
		if !emailPattern.MatchString(cell) {
			a.reason = fmt.Sprintf("%q is not an email address or a Slack user id. Give the person as U012AB3CD or bea@practice.co.uk.", cell)
			break
		}
		u, _, reason, err := res.r.personByEmail(ctx, cell, res.emails)
		if err != nil {
			return a, err
		}
		a.reason, user = reason, u
	case !slackUserPattern.MatchString(string(user)):
		a.reason = fmt.Sprintf("%q is not a Slack user id or an email address. Give the person as U012AB3CD or bea@practice.co.uk.", cell)
	}
	if a.reason == "" {
		m, ok := res.team[user]
		switch {
		case !ok && strings.Contains(cell, "@"):
			a.reason = fmt.Sprintf("%s (%s in Slack) is not on the team. Import the team first.", cell, user)
		case !ok:
			a.reason = fmt.Sprintf("%s is not on the team. Import the team first.", cell)
		default:
			a.id = m.id
		}
	}
	res.people[key] = a
	return a, nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// parseDate reads a date cell in one of dateLayouts.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range dateLayouts {
		if d, err := time.Parse(layout, s); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}

// hoursClock is h:mm, as 1:30.
var hoursClock = regexp.MustCompile(`^(\d{1,2}):([0-5]\d)$`)

// parseHours reads an hours cell — decimal hours (1.5, 1.25, .75) or hours
// and minutes (1:30) — into minutes, exactly: 1.25 hours is 75 minutes.
// Decimal hours that are not a whole number of minutes are rounded to the
// nearest minute (half a minute up), and rounded says so: exports write
// hours to two decimals, so 20 minutes arrive as 0.33, which is 19.8
// minutes, and rounding gives back the 20 that were logged. reason says why
// a cell is refused.
func parseHours(s string) (minutes int, rounded bool, reason string) {
	if m := hoursClock.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[1])
		mins, _ := strconv.Atoi(m[2])
		minutes = h*60 + mins
	} else {
		d, err := decimal.NewFromString(strings.TrimSuffix(strings.ToLower(s), "h"))
		if err != nil {
			return 0, false, fmt.Sprintf("%q is not a number of hours. Write decimal hours such as 1.5, or hours and minutes such as 1:30.", s)
		}
		if d.IsNegative() {
			return 0, false, fmt.Sprintf("%s hours is negative; an entry needs at least one minute.", s)
		}
		exact := d.Mul(decimal.NewFromInt(60))
		whole := exact.Round(0)
		if whole.GreaterThan(decimal.NewFromInt(timesheet.MaxMinutes)) {
			return 0, false, fmt.Sprintf("%s hours is more than 24 hours; give each day its own row.", s)
		}
		minutes, rounded = int(whole.IntPart()), !whole.Equal(exact)
	}
	switch {
	case minutes < 1:
		return 0, false, fmt.Sprintf("%s hours is no time; an entry needs at least one minute.", s)
	case minutes > timesheet.MaxMinutes:
		return 0, false, fmt.Sprintf("%s hours is more than 24 hours; give each day its own row.", s)
	}
	return minutes, rounded, ""
}

// clientRefs returns every client, archived or not, by upper-case code.
func clientRefs(ctx context.Context, q pgx.Tx, pid atlas.PracticeID) (map[string]clientRef, error) {
	rows, err := q.Query(ctx, `SELECT upper(code), id, code, name, archived_at IS NOT NULL FROM entities WHERE practice_id = $1`, pid)
	if err != nil {
		return nil, fmt.Errorf("read the clients: %w", err)
	}
	out := map[string]clientRef{}
	var key string
	var c clientRef
	_, err = pgx.ForEachRow(rows, []any{&key, &c.id, &c.code, &c.name, &c.archived}, func() error {
		out[key] = c
		return nil
	})
	return out, err
}

// serviceNames returns every service, active or not, by upper-case code
// and by lower-case name; a name two services share goes to the active one.
func serviceNames(ctx context.Context, q pgx.Tx, pid atlas.PracticeID) (codes, names map[string]serviceName, err error) {
	rows, err := q.Query(ctx, `SELECT id, code, lower(name), active FROM services WHERE practice_id = $1 ORDER BY active, id`, pid)
	if err != nil {
		return nil, nil, fmt.Errorf("read the services: %w", err)
	}
	codes, names = map[string]serviceName{}, map[string]serviceName{}
	var s serviceName
	var name string
	_, err = pgx.ForEachRow(rows, []any{&s.id, &s.code, &name, &s.active}, func() error {
		codes[strings.ToUpper(s.code)] = s
		names[name] = s
		return nil
	})
	return codes, names, err
}
