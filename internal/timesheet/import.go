package timesheet

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// BilledElsewhere is the billing state of time billed before the practice
// moved to Atlas, in the system it used then (migration 00008). Such time
// is history: it has no invoice in Atlas, is never work in progress, and no
// Atlas invoice may take it.
const BilledElsewhere = "billed_elsewhere"

// ImportRow is one piece of time brought over from other software, its
// client, service and person already resolved.
type ImportRow struct {
	// Key makes the row's entry once: importing the same row again finds
	// the entry by it and adds nothing. The importer derives it from the
	// row's content and its occurrence in the file.
	Key         string
	Member      atlas.MemberID
	EntityID    int64
	ServiceID   *int64
	WorkDate    time.Time
	Minutes     int
	Description string
	// State is Unbilled (work in progress), NonBillable or BilledElsewhere.
	State string
}

// importTable is the temporary table imported rows are copied into. It is
// dropped at commit, and dropped first if an earlier import in the same
// transaction left it.
const importTable = "time_import"

var importColumns = []string{"n", "idempotency_key", "member_id", "entity_id", "service_id", "work_date", "minutes", "description", "billing_state"}

// rateOfImport binds practice.RateInForce to an imported row's columns (ti),
// as rateOfEntry does to an entry's: the rule that picks the rate is the
// one logging uses. $1 stays the practice.
var rateOfImport = bindParams(practice.RateInForce, map[int]string{
	2: "ti.entity_id", 3: "ti.service_id", 4: "ti.member_id", 5: "ti.work_date"})

// importStatement writes the copied rows as entries in one statement, each
// at the rate in force on its work date and valued by time_value with the
// practice's rounding ($2 increment, $3 mode), exactly as Log values time.
// A key already used leaves that row out: its entry exists. It returns how
// many entries it created in each billing state.
var importStatement = `WITH created AS (
	INSERT INTO time_entries (practice_id, entity_id, service_id, member_id, work_date, minutes, description,
	                          billable, source, rate, value, billing_state, idempotency_key)
	SELECT $1, ti.entity_id, ti.service_id, ti.member_id, ti.work_date, ti.minutes, ti.description,
	       ti.billing_state <> 'non_billable', 'import', r.hourly_rate, time_value(ti.minutes, r.hourly_rate, $2::int, $3::text),
	       ti.billing_state, ti.idempotency_key
	  FROM ` + importTable + ` ti LEFT JOIN LATERAL (` + rateOfImport + `) r ON true
	 ORDER BY ti.n
	ON CONFLICT (practice_id, idempotency_key) DO NOTHING
	RETURNING billing_state)
	SELECT billing_state, count(*) FROM created GROUP BY billing_state`

// Imported is what ImportEntries created.
type Imported struct {
	Created int
	// ByState counts the entries created in each billing state.
	ByState map[string]int
}

// ImportEntries writes imported time as entries of p and says what it
// created; rows whose key an earlier import used are left as they are.
// The rows are copied into a temporary table and inserted by one statement
// that joins each to the rate in force on its date, since a year of a
// practice's time is tens of thousands of rows and a statement each would
// cost a round trip each; BenchmarkImportTime10000 in package importer
// measures the whole import against a bare COPY of the same rows. It runs
// in a transaction, a savepoint when s.DB is one already.
func (s Store) ImportEntries(ctx context.Context, p practice.Practice, rows []ImportRow) (Imported, error) {
	out := Imported{ByState: map[string]int{}}
	if len(rows) == 0 {
		return out, nil
	}
	src := make([][]any, len(rows))
	for i, r := range rows {
		if err := checkImportRow(r); err != nil {
			return Imported{}, fmt.Errorf("import time: row %d: %w", i+1, err)
		}
		src[i] = []any{int32(i), r.Key, int64(r.Member), r.EntityID, r.ServiceID, r.WorkDate, int32(r.Minutes), r.Description, r.State}
	}
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DROP TABLE IF EXISTS pg_temp.`+importTable); err != nil {
			return fmt.Errorf("import time: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE `+importTable+` (
				n integer, idempotency_key text, member_id bigint, entity_id bigint, service_id bigint,
				work_date date, minutes integer, description text, billing_state text) ON COMMIT DROP`); err != nil {
			return fmt.Errorf("import time: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{importTable}, importColumns, pgx.CopyFromRows(src)); err != nil {
			return fmt.Errorf("import time: copy: %w", err)
		}
		states, err := tx.Query(ctx, importStatement, p.ID, p.RoundingIncrement, p.RoundingMode)
		if err != nil {
			return db.MapError(err, "")
		}
		var state string
		var n int
		if _, err := pgx.ForEachRow(states, []any{&state, &n}, func() error {
			out.ByState[state] = n
			out.Created += n
			return nil
		}); err != nil {
			return db.MapError(err, "")
		}
		// Gone now rather than at commit, so the transaction's later work
		// does not carry it.
		_, err = tx.Exec(ctx, `DROP TABLE pg_temp.`+importTable)
		return err
	})
	if err != nil {
		return Imported{}, err
	}
	return out, nil
}

// checkImportRow holds a row to what the table and logging allow, so a
// caller's mistake is an error naming the row rather than a failed
// statement. The importer checks each row first, in people's words.
func checkImportRow(r ImportRow) error {
	switch {
	case r.Key == "":
		return atlas.Errorf(atlas.EInvalid, "an imported entry needs a key")
	case r.Minutes < 1 || r.Minutes > MaxMinutes:
		return atlas.Errorf(atlas.EInvalid, "%d minutes is not 1 to %d", r.Minutes, MaxMinutes)
	case len(r.Description) > MaxDescription:
		return atlas.Errorf(atlas.EInvalid, "the description is over %d characters", MaxDescription)
	case r.State != Unbilled && r.State != NonBillable && r.State != BilledElsewhere:
		return atlas.Errorf(atlas.EInvalid, "%q is not a state imported time can have", r.State)
	case r.Member == 0 || r.EntityID == 0 || r.WorkDate.IsZero():
		return atlas.Errorf(atlas.EInvalid, "an imported entry needs a person, a client and a date")
	}
	return nil
}
