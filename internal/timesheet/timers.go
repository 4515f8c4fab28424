package timesheet

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timeparse"
)

// Timer is a person's running timer.
type Timer struct {
	ID          int64
	MemberID    atlas.MemberID
	SlackUserID string
	EntityID    int64
	EntityCode  string
	EntityName  string
	ServiceID   *int64
	ServiceName string
	TaskID      *int64
	Note        string
	StartedAt   time.Time
	RemindedAt  *time.Time
	startKey    string
}

// Elapsed is how long the timer has run at now.
func (t Timer) Elapsed(now time.Time) time.Duration { return max(now.Sub(t.StartedAt), 0) }

// ClientLabel is "CODE · Name".
func (t Timer) ClientLabel() string { return t.EntityCode + " · " + t.EntityName }

const timerColumns = `t.id, t.member_id, m.slack_user_id, t.entity_id, en.code, en.name, t.service_id, coalesce(sv.name, ''),
	t.task_id, t.note, t.started_at, t.reminded_at, coalesce(t.start_key, '')`

const timerFrom = ` FROM timers t` + timerJoins

// timerJoins name a timer's owner, client and service; statements that
// write a timer read it back through them in the same round trip.
const timerJoins = `
	JOIN members m ON m.practice_id = t.practice_id AND m.id = t.member_id
	JOIN entities en ON en.practice_id = t.practice_id AND en.id = t.entity_id
	LEFT JOIN services sv ON sv.practice_id = t.practice_id AND sv.id = t.service_id`

func scanTimer(row pgx.Row) (Timer, error) {
	var t Timer
	var member int64
	err := row.Scan(timerDest(&t, &member)...)
	t.MemberID = atlas.MemberID(member)
	return t, err
}

// timerDest are the scan targets of timerColumns; the member id goes to
// member.
func timerDest(t *Timer, member *int64) []any {
	return []any{&t.ID, member, &t.SlackUserID, &t.EntityID, &t.EntityCode, &t.EntityName, &t.ServiceID, &t.ServiceName,
		&t.TaskID, &t.Note, &t.StartedAt, &t.RemindedAt, &t.startKey}
}

// ErrNoTimer says the person has no timer running.
var ErrNoTimer = atlas.Errorf(atlas.ENotFound, "You have no timer running. Start one with `/timer start <client> [service] [note]`, such as `/timer start acme payroll`.")

// Running returns the person's running timer, or ErrNoTimer.
func (s Store) Running(ctx context.Context, pid atlas.PracticeID, member atlas.MemberID) (Timer, error) {
	t, err := scanTimer(s.DB.QueryRow(ctx, `SELECT `+timerColumns+timerFrom+` WHERE t.practice_id = $1 AND t.member_id = $2`, pid, int64(member)))
	if errors.Is(err, pgx.ErrNoRows) {
		return Timer{}, ErrNoTimer
	}
	return t, err
}

// lockedTimer locks the person's member row, which serialises every change
// to their timer (two starts or stops at once take turns, and the second
// sees what the first did; FOR NO KEY UPDATE leaves foreign-key checks on
// the row free), and reads their timer, in one round trip; with take, it also removes the timer, which the caller's
// transaction restores by rolling back if it cannot save the time.
func lockedTimer(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, member atlas.MemberID, take bool) (Timer, error) {
	read := `SELECT ` + timerColumns + timerFrom + ` WHERE t.practice_id = $1 AND t.member_id = $2`
	if take {
		read = `WITH t AS (DELETE FROM timers WHERE practice_id = $1 AND member_id = $2 RETURNING *) SELECT ` + timerColumns + ` FROM t` + timerJoins
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT 1 FROM members WHERE practice_id = $1 AND id = $2 AND active FOR NO KEY UPDATE`, pid, int64(member))
	b.Queue(read, pid, int64(member))
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	tag, err := br.Exec()
	if err != nil {
		return Timer{}, err
	}
	if tag.RowsAffected() != 1 {
		return Timer{}, atlas.Errorf(atlas.EForbidden, "You are not an active member of the team, so you cannot keep time.")
	}
	t, err := scanTimer(br.QueryRow())
	if errors.Is(err, pgx.ErrNoRows) {
		return Timer{}, ErrNoTimer
	}
	return t, err
}

// StartInput is a timer to start.
type StartInput struct {
	Member    atlas.MemberID
	EntityID  int64
	ServiceID *int64
	TaskID    *int64
	Note      string
	// Key identifies the request; a retry of it returns the timer it
	// started instead of stopping that timer and starting another.
	Key string
}

// Started is what starting a timer did.
type Started struct {
	Timer   Timer
	Stopped *Stopped // the timer that was running before, now saved
	Repeat  bool     // the request had already started this timer
}

// Stopped is a timer that has stopped.
type Stopped struct {
	Timer Timer
	Entry *Entry // nil when it ran for under a minute, which saves nothing
}

// Start starts the person's timer. A timer already running is stopped and
// saved first, in the same transaction: one person never has two.
func (s Store) Start(ctx context.Context, p practice.Practice, in StartInput, now time.Time) (Started, error) {
	in.Note = strings.TrimSpace(in.Note)
	if len(in.Note) > MaxDescription {
		return Started{}, atlas.Errorf(atlas.EInvalid, "The note is %d characters; keep it under %d.", len(in.Note), MaxDescription)
	}
	// The common case, nothing running, is one statement: the primary key
	// (practice, member) refuses a second timer, and any refusal — a timer
	// running, a retried request, an inactive member — takes the careful
	// path below.
	t, err := scanTimer(s.DB.QueryRow(ctx, `WITH t AS (
		INSERT INTO timers (practice_id, member_id, entity_id, service_id, task_id, note, started_at, start_key)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM members WHERE practice_id = $1 AND id = $2 AND active
		ON CONFLICT (practice_id, member_id) DO NOTHING RETURNING *) SELECT `+timerColumns+` FROM t`+timerJoins,
		p.ID, int64(in.Member), in.EntityID, in.ServiceID, in.TaskID, in.Note, now, nullable(in.Key)))
	switch {
	case err == nil:
		return Started{Timer: t}, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return Started{}, db.MapError(err, "")
	}
	var out Started
	err = db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		out = Started{}
		prev, err := lockedTimer(ctx, tx, p.ID, in.Member, false)
		switch {
		case err == nil && in.Key != "" && prev.startKey == in.Key:
			out.Timer, out.Repeat = prev, true
			return nil
		case err == nil:
			st, err := stopTx(ctx, tx, p, prev, now, "", false)
			if err != nil {
				return err
			}
			out.Stopped = &st
		case !errors.Is(err, ErrNoTimer):
			return err
		}
		out.Timer, err = scanTimer(tx.QueryRow(ctx, `WITH t AS (
			INSERT INTO timers (practice_id, member_id, entity_id, service_id, task_id, note, started_at, start_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *) SELECT `+timerColumns+` FROM t`+timerJoins,
			p.ID, int64(in.Member), in.EntityID, in.ServiceID, in.TaskID, in.Note, now, nullable(in.Key)))
		return db.MapError(err, "")
	})
	return out, err
}

// Stop stops the person's running timer and saves its time; note, when
// given, replaces the timer's note as the entry's description.
func (s Store) Stop(ctx context.Context, p practice.Practice, member atlas.MemberID, note string, now time.Time) (Stopped, error) {
	return s.stopAtNow(ctx, p, member, 0, note, now)
}

// StopID stops the person's timer if it is still timerID: a Stop button on
// an old message must not stop a timer started since.
func (s Store) StopID(ctx context.Context, p practice.Practice, member atlas.MemberID, timerID int64, now time.Time) (Stopped, error) {
	return s.stopAtNow(ctx, p, member, timerID, "", now)
}

// stopAtNow stops the timer (timerID, or whichever runs for 0) at now: in
// one statement when stopNow can, else on the careful path.
func (s Store) stopAtNow(ctx context.Context, p practice.Practice, member atlas.MemberID, timerID int64, note string, now time.Time) (Stopped, error) {
	if out, done, err := s.stopNow(ctx, p, member, timerID, note, now); done {
		return out, err
	}
	return s.stop(ctx, p, member, timerID, note, func(Timer) (time.Time, error) { return now, nil })
}

// StopAt stops a particular timer as of end, for the person who forgot it:
// end must fall after the start, not in the future, within a day.
func (s Store) StopAt(ctx context.Context, p practice.Practice, member atlas.MemberID, timerID int64, end, now time.Time) (Stopped, error) {
	return s.stop(ctx, p, member, timerID, "", func(t Timer) (time.Time, error) {
		switch {
		case end.After(now):
			return end, atlas.Errorf(atlas.EInvalid, "%s is still to come. Give the time you actually stopped.", end.In(p.Location()).Format("Mon 2 Jan 15:04"))
		case !end.After(t.StartedAt):
			return end, atlas.Errorf(atlas.EInvalid, "The timer started at %s; the end must come after that.", t.StartedAt.In(p.Location()).Format("Mon 2 Jan 15:04"))
		case end.Sub(t.StartedAt) > MaxMinutes*time.Minute:
			return end, atlas.Errorf(atlas.EInvalid, "That makes more than 24 hours in one entry. Give an end time within a day of the start, and log any other day with `/log`.")
		}
		return end, nil
	})
}

func (s Store) stop(ctx context.Context, p practice.Practice, member atlas.MemberID, timerID int64, note string, endOf func(Timer) (time.Time, error)) (Stopped, error) {
	var out Stopped
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		t, err := lockedTimer(ctx, tx, p.ID, member, true)
		if err != nil {
			return err
		}
		if timerID != 0 && t.ID != timerID {
			return atlas.Errorf(atlas.EConflict, "That timer has already stopped; the one running now started at %s.", t.StartedAt.In(p.Location()).Format("15:04"))
		}
		end, err := endOf(t)
		if err != nil {
			return err
		}
		out, err = stopTx(ctx, tx, p, t, end, note, true)
		return err
	})
	return out, err
}

// stopStatement is the common stop, of a timer started earlier the same
// day that ran for a minute or more, as one autocommitted statement: no
// transaction to open and close. Its parameters:
//
//	$1 practice, $2 the timer's id or 0 for whichever runs, $3 when the
//	day began (dayStart), $4 member, $5 that day, $6 the end plus 30
//	seconds in whole microseconds since 1970, $7 the description or null
//	for the timer's note, $8 and $9 the practice's rounding increment and
//	mode.
//
// It locks the member row first, as lockedTimer does, so it takes its turn
// with every other change to the person's timer. It removes the timer only
// if it started since $3, so the entry is dated $5 as timerEntry dates it;
// has no task to check against its client; and ran for 1 to 1,440
// minutes, counted as timerEntry counts them: rounding to the nearest
// minute, half up, is the whole minutes in the time plus 30 seconds, and
// whole microseconds suffice because the start is stored in them. It saves
// the entry with insertEntryRow valued by practice.RateInForce, their
// parameters bound to what timerEntry makes of the removed timer, and
// without a conflict clause, so a key already used fails the whole
// statement instead of leaving the timer removed and its time unsaved. No
// row means nothing changed.
var stopStatement = `WITH m AS (SELECT 1 FROM members WHERE practice_id = $1 AND id = $4 AND active FOR NO KEY UPDATE),
	t AS (DELETE FROM timers WHERE practice_id = $1 AND member_id = $4 AND EXISTS (SELECT 1 FROM m)
	        AND ($2::bigint = 0 OR id = $2) AND task_id IS NULL AND started_at >= $3
	        AND ($6::bigint - (extract(epoch FROM started_at) * 1000000)::bigint) / 60000000 BETWEEN 1 AND ` + strconv.Itoa(MaxMinutes) + `
	      RETURNING *, (($6::bigint - (extract(epoch FROM started_at) * 1000000)::bigint) / 60000000)::int AS minutes),
	r AS (` + bindParams(practice.RateInForce, timerRate) + `),
	te AS (` + bindParams(insertEntryRow, timerEntryRow) + ` WHERE EXISTS (SELECT 1 FROM t) RETURNING *)
	SELECT ` + entryColumns + `, ` + timerColumns + ` FROM te CROSS JOIN t` + entryJoins

// timerRate binds practice.RateInForce's client and service to the timer's.
var timerRate = map[int]string{2: `(SELECT entity_id FROM t)`, 3: `(SELECT service_id FROM t)`}

// timerEntryRow binds insertEntryRow's parameters other than the practice,
// member and day to what timerEntry makes of the timer.
var timerEntryRow = map[int]string{
	2:  `(SELECT entity_id FROM t)`,
	3:  `(SELECT service_id FROM t)`,
	6:  `(SELECT task_id FROM t)`,
	7:  `(SELECT minutes FROM t)`,
	8:  `(SELECT coalesce($7, note) FROM t)`,
	9:  `true`,
	10: `'` + SourceTimer + `'`,
	11: `$8`,
	12: `(SELECT 'timer:' || id FROM t)`,
	13: `$9`,
}

var paramPattern = regexp.MustCompile(`\$[0-9]+`)

// bindParams replaces the parameters of statement named in exprs by their
// SQL expressions, leaving the others.
func bindParams(statement string, exprs map[int]string) string {
	return paramPattern.ReplaceAllStringFunc(statement, func(param string) string {
		n, _ := strconv.Atoi(param[1:])
		if e, ok := exprs[n]; ok {
			return e
		}
		return param
	})
}

// stopNow runs stopStatement. done is false, with nothing changed,
// whenever the careful path must decide instead: no timer, or another one,
// a timer started before the day began or with a task to check against its
// client, time that saves nothing or too much, an inactive member, a key
// already used. That path gives every answer and message Stop always has.
func (s Store) stopNow(ctx context.Context, p practice.Practice, member atlas.MemberID, timerID int64, note string, end time.Time) (out Stopped, done bool, err error) {
	loc := p.Location()
	day, ok := dayStart(end, loc)
	if !ok {
		return Stopped{}, false, nil
	}
	var desc any
	if d := strings.TrimSpace(note); d != "" {
		desc = d
	}
	args := []any{p.ID, timerID, day, int64(member), atlas.DateOf(end.In(loc)), end.Add(30 * time.Second).UnixMicro(), desc,
		p.RoundingIncrement, p.RoundingMode}
	var t Timer
	var e Entry
	save := func(q db.DB) error {
		var timerMember int64
		var err error
		e, err = scanEntry(alsoScan{q.QueryRow(ctx, stopStatement, args...), timerDest(&t, &timerMember)})
		t.MemberID = atlas.MemberID(timerMember)
		return err
	}
	if tx, ok := s.DB.(pgx.Tx); ok {
		// Inside the caller's transaction a savepoint keeps a refused
		// statement from aborting it, as the careful path's does.
		err = db.InTx(ctx, tx, func(tx pgx.Tx) error { return save(tx) })
	} else {
		err = save(s.DB)
	}
	switch {
	case err == nil:
		return Stopped{Timer: t, Entry: &e}, true, nil
	case errors.Is(err, pgx.ErrNoRows) || db.IsUniqueViolation(err, ""):
		return Stopped{}, false, nil
	}
	return Stopped{}, true, db.MapError(err, "")
}

// dayStart is when the day of end began in loc, for a day whose clocks
// have not changed between then and end, so that every instant from it to
// end falls on that day; ok is false on a day they have changed.
func dayStart(end time.Time, loc *time.Location) (start time.Time, ok bool) {
	local := end.In(loc)
	start = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	_, next := start.ZoneBounds()
	return start, atlas.DateOf(start).Equal(atlas.DateOf(local)) && !start.After(end) && (next.IsZero() || next.After(end))
}

// alsoScan scans the columns that follow a scanner's own into dest.
type alsoScan struct {
	pgx.Row
	dest []any
}

func (r alsoScan) Scan(dest ...any) error { return r.Row.Scan(append(dest, r.dest...)...) }

// timerEntry is the entry that stopping t at end saves: its time to the
// nearest minute, dated on the day it started, described by note or else
// the timer's own note, keyed by the timer so it is saved once however
// often it is stopped. Under a minute gives no minutes, and saves nothing.
func timerEntry(p practice.Practice, t Timer, end time.Time, note string) (NewEntry, error) {
	minutes := int(end.Sub(t.StartedAt).Round(time.Minute) / time.Minute)
	if minutes > MaxMinutes {
		return NewEntry{}, atlas.Errorf(atlas.EConflict, "Your timer on %s has run for %s, more than one entry can hold. Use `/timer adjust` to say when you actually stopped; nothing is lost meanwhile.",
			t.ClientLabel(), timeparse.Format(minutes))
	}
	desc := t.Note
	if strings.TrimSpace(note) != "" {
		desc = strings.TrimSpace(note)
	}
	return NewEntry{
		Member: t.MemberID, EntityID: t.EntityID, ServiceID: t.ServiceID, TaskID: t.TaskID,
		WorkDate: atlas.DateOf(t.StartedAt.In(p.Location())), Minutes: minutes, Description: desc, Billable: true,
		Source: SourceTimer, Key: "timer:" + strconv.FormatInt(t.ID, 10),
	}, nil
}

// stopTx saves a timer's time as an entry (timerEntry), and removes the
// timer unless the caller already has.
func stopTx(ctx context.Context, tx pgx.Tx, p practice.Practice, t Timer, end time.Time, note string, removed bool) (Stopped, error) {
	n, err := timerEntry(p, t, end, note)
	if err != nil {
		return Stopped{}, err
	}
	out := Stopped{Timer: t}
	if n.Minutes >= 1 {
		e, _, err := logTx(ctx, tx, p, n)
		if err != nil {
			return Stopped{}, err
		}
		out.Entry = &e
	}
	if removed {
		return out, nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM timers WHERE practice_id = $1 AND id = $2`, p.ID, t.ID); err != nil {
		return Stopped{}, fmt.Errorf("remove stopped timer: %w", err)
	}
	return out, nil
}

// Discard drops a timer without saving its time. timerID names the timer
// the person confirmed, so a confirmation clicked after the timer changed
// discards nothing.
func (s Store) Discard(ctx context.Context, pid atlas.PracticeID, member atlas.MemberID, timerID int64) (Timer, error) {
	var t Timer
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		if t, err = lockedTimer(ctx, tx, pid, member, true); err != nil {
			return err
		}
		if t.ID != timerID { // rolled back: the running timer stays
			return atlas.Errorf(atlas.EConflict, "That timer has already stopped, so there is nothing to discard. `/timer` shows what is running now.")
		}
		return practice.Audit(ctx, tx, pid, member, "timer.discard", "timer", t.ID, map[string]any{
			"entity": t.EntityID, "started_at": t.StartedAt, "note": t.Note,
		})
	})
	return t, err
}

// ClaimForgotten marks the practice's timers that have run for at least
// limit and were not yet reminded about, and returns them: each is
// reminded about once. Run it in the transaction that queues the
// reminders, so a run that fails to commit claims nothing.
func ClaimForgotten(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, limit time.Duration, now time.Time) ([]Timer, error) {
	rows, err := tx.Query(ctx, `UPDATE timers SET reminded_at = $3
		WHERE practice_id = $1 AND reminded_at IS NULL AND started_at <= $2 RETURNING id`, pid, now.Add(-limit), now)
	if err != nil {
		return nil, fmt.Errorf("claim forgotten timers: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT `+timerColumns+timerFrom+` WHERE t.practice_id = $1 AND t.id = ANY($2) ORDER BY t.id`, pid, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Timer, error) { return scanTimer(r) })
}

// TimerByID returns a running timer, or ErrNoTimer once it has stopped.
func (s Store) TimerByID(ctx context.Context, pid atlas.PracticeID, id int64) (Timer, error) {
	t, err := scanTimer(s.DB.QueryRow(ctx, `SELECT `+timerColumns+timerFrom+` WHERE t.practice_id = $1 AND t.id = $2`, pid, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Timer{}, ErrNoTimer
	}
	return t, err
}
