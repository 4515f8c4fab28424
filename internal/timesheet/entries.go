// Package timesheet records the time people work: time entries, each valued
// by the rate card on the day it is written, and the one running timer each
// person may have. It never loses an hour: a retried request finds the entry
// it already made, every change to a person's timer is serialised on their
// member row, and an entry on an invoice can no longer change.
//
// Work dates are calendar dates in the practice's timezone. A timer that runs
// across midnight is dated on the day it started.
package timesheet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timeparse"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Limits of one entry.
const (
	MaxMinutes     = 24 * 60
	MaxDescription = 2000
	// MaxAgeDays is how far back time may be logged or moved: further is
	// almost always a typo in the year.
	MaxAgeDays = 400
)

// Fields of an entry, named as the log form's blocks, so that a mistake
// found here is shown on its own field of the form.
const (
	FieldMinutes     = "log_duration"
	FieldDate        = "log_date"
	FieldDescription = "log_description"
	FieldTask        = "log_task"
)

// Sources of an entry.
const (
	SourceManual = "manual"
	SourceTimer  = "timer"
	SourceTask   = "task"
	SourceImport = "import"
)

// Billing states of an entry.
const (
	Unbilled    = "unbilled"
	Billed      = "billed"
	WrittenOff  = "written_off"
	NonBillable = "non_billable"
)

// Store reads and writes time entries and timers.
type Store struct{ DB db.DB }

// Entry is one piece of logged time.
type Entry struct {
	ID            int64
	MemberID      atlas.MemberID
	MemberSlackID string
	MemberName    string
	EntityID      int64
	EntityCode    string
	EntityName    string
	ServiceID     *int64
	ServiceName   string
	TaskID        *int64
	TaskName      string
	WorkDate      time.Time // midnight UTC of the work date
	Minutes       int       // exactly as logged
	Description   string
	Billable      bool
	Source        string
	Rate          decimal.NullDecimal // per hour; null when no rate applied
	Value         decimal.NullDecimal // of the rounded minutes
	BillingState  string
	InvoiceID     *int64
	CreatedAt     time.Time
}

// Locked reports whether the entry is past changing: on an invoice or
// written off.
func (e Entry) Locked() bool {
	return e.InvoiceID != nil || e.BillingState == Billed || e.BillingState == WrittenOff || e.BillingState == BilledElsewhere
}

// LockedAs says, in a word or two, why a locked entry cannot change:
// "on a draft invoice", "invoiced", "written off" or "billed before
// Atlas"; "" when it can.
func (e Entry) LockedAs() string {
	if e.BillingState == Unbilled && e.InvoiceID != nil {
		return "on a draft invoice"
	}
	switch e.BillingState {
	case Billed:
		return "invoiced"
	case WrittenOff:
		return "written off"
	case BilledElsewhere:
		return "billed before Atlas"
	}
	return ""
}

// ClientLabel is "CODE · Name".
func (e Entry) ClientLabel() string { return e.EntityCode + " · " + e.EntityName }

var entryColumns = `te.id, te.member_id, m.slack_user_id, m.name, te.entity_id, en.code, en.name,
	te.service_id, coalesce(sv.name, ''), te.task_id, ` + workflow.TaskNameSQL("te.practice_id", "te.task_id") + `, te.work_date, te.minutes,
	te.description, te.billable, te.source, te.rate, te.value, te.billing_state, te.invoice_id, te.created_at`

var entryFrom = ` FROM time_entries te` + entryJoins

// entryJoins name an entry's member, client, service and task; a statement
// that writes an entry reads it back through them in the same round trip.
const entryJoins = `
	JOIN members m ON m.practice_id = te.practice_id AND m.id = te.member_id
	JOIN entities en ON en.practice_id = te.practice_id AND en.id = te.entity_id
	LEFT JOIN services sv ON sv.practice_id = te.practice_id AND sv.id = te.service_id`

func scanEntry(row pgx.Row) (Entry, error) {
	var e Entry
	var member int64
	err := row.Scan(&e.ID, &member, &e.MemberSlackID, &e.MemberName, &e.EntityID, &e.EntityCode, &e.EntityName,
		&e.ServiceID, &e.ServiceName, &e.TaskID, &e.TaskName, &e.WorkDate, &e.Minutes,
		&e.Description, &e.Billable, &e.Source, &e.Rate, &e.Value, &e.BillingState, &e.InvoiceID, &e.CreatedAt)
	e.MemberID = atlas.MemberID(member)
	return e, err
}

// NewEntry is time to log.
type NewEntry struct {
	Member      atlas.MemberID
	EntityID    int64
	ServiceID   *int64
	TaskID      *int64
	WorkDate    time.Time
	Minutes     int
	Description string
	Billable    bool
	Source      string
	// Key makes a retried request (a re-sent Slack envelope, a double
	// click) find the entry the first attempt made instead of adding one.
	Key string
}

func validate(n NewEntry, today time.Time) error {
	switch {
	case n.Minutes < 1:
		return atlas.FieldError(FieldMinutes, "An entry needs at least one minute. Give a duration such as `45m` or `1h30`.")
	case n.Minutes > MaxMinutes:
		return atlas.FieldError(FieldMinutes, "%s is more than 24 hours; log each day separately, such as `7h30`.", timeparse.Format(n.Minutes))
	case n.WorkDate.After(today):
		return atlas.FieldError(FieldDate, "%s is in the future; time is logged for today or earlier.", n.WorkDate.Format("Mon 2 Jan 2006"))
	case n.WorkDate.Before(today.AddDate(0, 0, -MaxAgeDays)):
		return atlas.FieldError(FieldDate, "%s is more than %d days ago, which looks like a typo in the year. Use a date such as `%s`.",
			n.WorkDate.Format("2 Jan 2006"), MaxAgeDays, today.Format("2006-01-02"))
	case len(n.Description) > MaxDescription:
		return atlas.FieldError(FieldDescription, "The description is %d characters; keep it under %d.", len(n.Description), MaxDescription)
	}
	return nil
}

// insertEntry writes an entry valued by the rate card in one statement: the
// rate in force on the work date (practice.RateInForce) and its value by
// the value rule (time_value, see valuation.go). It returns the new entry,
// or no row when Key was already used. It is a plain INSERT, the rate read
// by a lateral subquery and the entry's names by RETURNING's subqueries:
// the same work through CTEs (WITH r AS (…), te AS (INSERT …) SELECT …
// FROM te JOIN …) took about a fifth longer, and /log runs it on every
// line.
var insertEntry = insertEntryValues + `
	  FROM (SELECT 1) AS one LEFT JOIN LATERAL (` + practice.RateInForce + `) r ON true
	ON CONFLICT (practice_id, idempotency_key) DO NOTHING
	RETURNING ` + insertedColumns

// insertedColumns are entryColumns read from the row an INSERT into
// time_entries returns, which cannot join.
var insertedColumns = `time_entries.id, time_entries.member_id,
	(SELECT m.slack_user_id FROM members m WHERE m.practice_id = time_entries.practice_id AND m.id = time_entries.member_id),
	(SELECT m.name FROM members m WHERE m.practice_id = time_entries.practice_id AND m.id = time_entries.member_id),
	time_entries.entity_id,
	(SELECT en.code FROM entities en WHERE en.practice_id = time_entries.practice_id AND en.id = time_entries.entity_id),
	(SELECT en.name FROM entities en WHERE en.practice_id = time_entries.practice_id AND en.id = time_entries.entity_id),
	time_entries.service_id,
	coalesce((SELECT sv.name FROM services sv WHERE sv.practice_id = time_entries.practice_id AND sv.id = time_entries.service_id), ''),
	time_entries.task_id, ` + workflow.TaskNameSQL("time_entries.practice_id", "time_entries.task_id") + `,
	time_entries.work_date, time_entries.minutes, time_entries.description, time_entries.billable, time_entries.source,
	time_entries.rate, time_entries.value, time_entries.billing_state, time_entries.invoice_id, time_entries.created_at`

// insertEntryRow is insertEntry's INSERT on its own, reading the rate from
// r, for a statement that writes the entry only on a condition of its own
// (a WHERE appended to it) and handles a used key itself.
const insertEntryRow = insertEntryValues + `
	  FROM (SELECT 1) AS one LEFT JOIN r ON true`

// insertEntryValues is the INSERT of an entry up to its FROM, which brings
// the rate as r.
const insertEntryValues = `INSERT INTO time_entries (practice_id, entity_id, service_id, member_id, work_date, task_id, minutes,
	                          description, billable, source, rate, value, billing_state, idempotency_key)
	SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, r.hourly_rate, time_value($7::int, r.hourly_rate, $11::int, $13::text),
	       CASE WHEN $9 THEN 'unbilled' ELSE 'non_billable' END, $12`

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Log records time, valued at the rate in force on its work date. created
// is false when n.Key had already been used: the entry returned is the one
// the first request made.
func (s Store) Log(ctx context.Context, p practice.Practice, n NewEntry, now time.Time) (e Entry, created bool, err error) {
	n, err = prepare(p, n, now)
	if err != nil {
		return Entry{}, false, err
	}
	if n.TaskID == nil {
		// One statement: no transaction to open, one round trip.
		return logTx(ctx, s.DB, p, n)
	}
	err = db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		e, created, err = logTx(ctx, tx, p, n)
		return err
	})
	return e, created, err
}

// prepare tidies a new entry as every way of logging it does, and checks it.
func prepare(p practice.Practice, n NewEntry, now time.Time) (NewEntry, error) {
	n.Description = strings.TrimSpace(n.Description)
	if n.Source == "" {
		n.Source = SourceManual
	}
	return n, validate(n, p.Today(now))
}

// LogNamedClient logs n, as Log does, for the client a run of typed words
// names, looking the client up and saving the entry in one statement: the
// usual /log line names its client in one run of words, and a lookup
// followed by Log took two round trips, twice a bare insert. n.EntityID is
// ignored. done is false, with nothing saved, whenever the careful path
// (MatchRuns, the line reader's choice, Log) must answer instead: the
// words name no client, several, or an archived one; n has a task, whose
// client Log checks, or fails Log's checks; or n.Key was used already.
// That path gives every answer and question it always has.
func (s Store) LogNamedClient(ctx context.Context, p practice.Practice, words string, n NewEntry, now time.Time) (e Entry, done bool, err error) {
	n, err = prepare(p, n, now)
	if err != nil || n.TaskID != nil {
		return Entry{}, false, nil
	}
	args := entryArgs(p, n)
	var pattern string
	args[1], pattern = practice.RunText(words)
	e, err = scanEntry(s.DB.QueryRow(ctx, insertForNamedClient, append(args, pattern)...))
	switch {
	case err == nil:
		return e, true, nil
	case errors.Is(err, pgx.ErrNoRows):
		return Entry{}, false, nil
	}
	return Entry{}, false, db.MapError(err, "")
}

// insertForNamedClient is insertEntry for the client practice.OneClientNamed
// picks from the words, as practice.RunText gives them: the text in $2,
// which is no longer the client's id, and the pattern in $14. No such
// client, no row to insert.
var insertForNamedClient = bindParams(insertEntryValues, namedClient) + `
	  FROM (` + bindParams(practice.OneClientNamed, map[int]string{3: "$14"}) + `) AS c
	  LEFT JOIN LATERAL (` + bindParams(practice.RateInForce, namedClient) + `) r ON true
	ON CONFLICT (practice_id, idempotency_key) DO NOTHING
	RETURNING ` + insertedColumns

// namedClient binds an entry's client to the one OneClientNamed picked.
var namedClient = map[int]string{2: "c.entity_id"}

func logTx(ctx context.Context, tx db.DB, p practice.Practice, n NewEntry) (Entry, bool, error) {
	if n.TaskID != nil {
		// A task and its client must agree; checked here, not by a key.
		entity, err := workflow.TaskClient(ctx, tx, p.ID, *n.TaskID)
		if err != nil {
			return Entry{}, false, err
		}
		if entity != n.EntityID {
			return Entry{}, false, atlas.FieldError(FieldTask, "That task belongs to another client. Pick one of this client's tasks, or none.")
		}
	}
	e, err := scanEntry(tx.QueryRow(ctx, insertEntry, entryArgs(p, n)...))
	switch {
	case err == nil:
		return e, true, nil
	case errors.Is(err, pgx.ErrNoRows) && n.Key != "":
		e, err = scanEntry(tx.QueryRow(ctx, `SELECT `+entryColumns+entryFrom+` WHERE te.practice_id = $1 AND te.idempotency_key = $2`, p.ID, n.Key))
		if err != nil {
			return Entry{}, false, fmt.Errorf("find the entry of a repeated request: %w", err)
		}
		return e, false, nil
	}
	return Entry{}, false, db.MapError(err, "")
}

// entryArgs are the parameters $1 to $13 of insertEntry and insertEntryRow
// for n: $11 and $13 are the practice's rounding increment and mode.
func entryArgs(p practice.Practice, n NewEntry) []any {
	return []any{p.ID, n.EntityID, n.ServiceID, int64(n.Member), n.WorkDate, n.TaskID,
		n.Minutes, n.Description, n.Billable, n.Source, p.RoundingIncrement, nullable(n.Key), p.RoundingMode}
}

func entryTx(ctx context.Context, q db.DB, pid atlas.PracticeID, id int64) (Entry, error) {
	e, err := scanEntry(q.QueryRow(ctx, `SELECT `+entryColumns+entryFrom+` WHERE te.practice_id = $1 AND te.id = $2`, pid, id))
	return e, db.MapError(err, "That time entry no longer exists; it may have been deleted.")
}

// Entry returns one entry.
func (s Store) Entry(ctx context.Context, pid atlas.PracticeID, id int64) (Entry, error) {
	return entryTx(ctx, s.DB, pid, id)
}

// Entries lists a person's entries with work dates in [from, to), oldest
// day first and, within a day, in the order they were logged.
func (s Store) Entries(ctx context.Context, pid atlas.PracticeID, member atlas.MemberID, from, to time.Time) ([]Entry, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+entryColumns+entryFrom+`
		WHERE te.practice_id = $1 AND te.member_id = $2 AND te.work_date >= $3 AND te.work_date < $4
		ORDER BY te.work_date, te.id`, pid, int64(member), from, to)
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) { return scanEntry(r) })
}

// Recent lists a person's latest entries, newest first.
func (s Store) Recent(ctx context.Context, pid atlas.PracticeID, member atlas.MemberID, n int) ([]Entry, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+entryColumns+entryFrom+`
		WHERE te.practice_id = $1 AND te.member_id = $2
		ORDER BY te.work_date DESC, te.id DESC LIMIT $3`, pid, int64(member), n)
	if err != nil {
		return nil, fmt.Errorf("recent entries: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) { return scanEntry(r) })
}

// Minutes sums a person's logged minutes with work dates in [from, to).
func (s Store) Minutes(ctx context.Context, pid atlas.PracticeID, member atlas.MemberID, from, to time.Time) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT coalesce(sum(minutes), 0) FROM time_entries
		WHERE practice_id = $1 AND member_id = $2 AND work_date >= $3 AND work_date < $4`, pid, int64(member), from, to).Scan(&n)
	return n, err
}

// MinutesByMember is the time each person logged from one date up to
// (not including) another, for workload and utilisation. People who logged
// nothing are absent.
func (s Store) MinutesByMember(ctx context.Context, pid atlas.PracticeID, from, to time.Time) (map[atlas.MemberID]int, error) {
	rows, err := s.DB.Query(ctx, `SELECT member_id, sum(minutes) FROM time_entries
		WHERE practice_id = $1 AND work_date >= $2 AND work_date < $3 GROUP BY member_id`, pid, from, to)
	if err != nil {
		return nil, err
	}
	out := map[atlas.MemberID]int{}
	var id int64
	var minutes int
	_, err = pgx.ForEachRow(rows, []any{&id, &minutes}, func() error {
		out[atlas.MemberID(id)] = minutes
		return nil
	})
	return out, err
}

// Actor is who asks for a change: a person's own entries are theirs to
// change; managers and above may change anyone's.
type Actor struct {
	ID   atlas.MemberID
	Role atlas.Role
}

func (a Actor) mayChange(e Entry) error {
	if e.MemberID == a.ID || a.Role.AtLeast(atlas.RoleManager) {
		return nil
	}
	return atlas.Errorf(atlas.EForbidden, "That entry is %s's. Only they, a manager or a partner can change it.", e.MemberName)
}

func lockedError(e Entry) error {
	if e.BillingState == Unbilled && e.InvoiceID != nil {
		return atlas.Errorf(atlas.EConflict, "That entry is on a draft invoice, so it is locked. Ask a manager to take it off the draft (carry it forward) first.")
	}
	switch e.BillingState {
	case WrittenOff:
		return atlas.Errorf(atlas.EConflict, "That entry was written off, so it is locked. A partner can reverse the write-off first.")
	case BilledElsewhere:
		return atlas.Errorf(atlas.EConflict, "That entry was imported as billed before Atlas, so it is locked: changing it would change history that has already been invoiced.")
	}
	return atlas.Errorf(atlas.EConflict, "That entry is on an invoice, so it is locked and cannot change. Ask a partner to credit the invoice if it is wrong.")
}

// Edit is a change to an entry.
type Edit struct {
	EntityID    int64
	ServiceID   *int64
	TaskID      *int64
	WorkDate    time.Time
	Minutes     int
	Description string
	Billable    bool
}

// Update changes an entry that is not locked and revalues it at the rate in
// force for its new client, service and date.
func (s Store) Update(ctx context.Context, p practice.Practice, actor Actor, id int64, ed Edit, now time.Time) (Entry, error) {
	ed.Description = strings.TrimSpace(ed.Description)
	var out Entry
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		e, err := lockEntry(ctx, tx, p.ID, id)
		if err != nil {
			return err
		}
		if err := actor.mayChange(e); err != nil {
			return err
		}
		if e.Locked() {
			return lockedError(e)
		}
		if err := validate(NewEntry{Minutes: ed.Minutes, WorkDate: ed.WorkDate, Description: ed.Description}, p.Today(now)); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `WITH r AS (`+practice.RateInForce+`)
			UPDATE time_entries te SET entity_id = $2, service_id = $3, work_date = $5, task_id = $7,
			       minutes = $8, description = $9, billable = $10,
			       billing_state = CASE WHEN $10 THEN 'unbilled' ELSE 'non_billable' END,
			       rate = (SELECT hourly_rate FROM r), value = time_value($8::int, (SELECT hourly_rate FROM r), $11::int, $12::text),
			       updated_at = now()
			 WHERE te.practice_id = $1 AND te.id = $6 AND te.member_id = $4 AND te.billing_state IN ('unbilled', 'non_billable') AND te.invoice_id IS NULL`,
			p.ID, ed.EntityID, ed.ServiceID, int64(e.MemberID), ed.WorkDate, id, ed.TaskID, ed.Minutes, ed.Description, ed.Billable, p.RoundingIncrement, p.RoundingMode)
		if err != nil {
			return db.MapError(err, "")
		}
		if tag.RowsAffected() != 1 {
			return atlas.Errorf(atlas.EConflict, "That entry changed while you were editing it. Open it again.")
		}
		if err := practice.Audit(ctx, tx, p.ID, actor.ID, "time.edit", "time_entry", id, map[string]any{
			"before": map[string]any{"minutes": e.Minutes, "date": e.WorkDate.Format(time.DateOnly), "entity": e.EntityID},
			"after":  map[string]any{"minutes": ed.Minutes, "date": ed.WorkDate.Format(time.DateOnly), "entity": ed.EntityID},
		}); err != nil {
			return err
		}
		out, err = entryTx(ctx, tx, p.ID, id)
		return err
	})
	return out, err
}

// Delete removes an entry that is not locked and returns what it was.
func (s Store) Delete(ctx context.Context, pid atlas.PracticeID, actor Actor, id int64) (Entry, error) {
	var e Entry
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		if e, err = lockEntry(ctx, tx, pid, id); err != nil {
			return err
		}
		if err := actor.mayChange(e); err != nil {
			return err
		}
		if e.Locked() {
			return lockedError(e)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM time_entries WHERE practice_id = $1 AND id = $2`, pid, id); err != nil {
			return err
		}
		return practice.Audit(ctx, tx, pid, actor.ID, "time.delete", "time_entry", id, map[string]any{
			"member": int64(e.MemberID), "entity": e.EntityID, "minutes": e.Minutes, "date": e.WorkDate.Format(time.DateOnly),
			"description": e.Description,
		})
	})
	return e, err
}

// lockEntry reads an entry and locks it for the rest of the transaction, so
// an invoice cannot take it between the check and the change.
func lockEntry(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, id int64) (Entry, error) {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM time_entries WHERE practice_id = $1 AND id = $2 FOR UPDATE`, pid, id); err != nil {
		return Entry{}, err
	}
	return entryTx(ctx, tx, pid, id)
}
