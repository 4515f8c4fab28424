package db_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// fixture inserts one practice with a member, a client, a template and
// returns their ids.
type fixture struct {
	practice                 string
	member, entity, template int64
}

func newFixture(t *testing.T, tx pgx.Tx, practice string) fixture {
	t.Helper()
	f := fixture{practice: practice}
	mustExec(t, tx, `INSERT INTO practices (id, name) VALUES ($1, 'Test Practice')`, practice)
	mustScan(t, tx, &f.member, `INSERT INTO members (practice_id, slack_user_id, name, role) VALUES ($1, 'U1', 'Bea', 'staff') RETURNING id`, practice)
	mustScan(t, tx, &f.entity, `INSERT INTO entities (practice_id, code, name) VALUES ($1, 'ACME', 'Acme Ltd') RETURNING id`, practice)
	mustScan(t, tx, &f.template, `INSERT INTO templates (practice_id, name) VALUES ($1, 'Standard') RETURNING id`, practice)
	return f
}

func mustExec(t *testing.T, tx pgx.Tx, sql string, args ...any) {
	t.Helper()
	if _, err := tx.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func mustScan(t *testing.T, tx pgx.Tx, dst any, sql string, args ...any) {
	t.Helper()
	if err := tx.QueryRow(context.Background(), sql, args...).Scan(dst); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// expectConflict runs sql in a savepoint and wants a unique violation that
// MapError turns into EConflict.
func expectConflict(t *testing.T, tx pgx.Tx, sql string, args ...any) {
	t.Helper()
	err := db.InTx(context.Background(), tx, func(sp pgx.Tx) error {
		_, err := sp.Exec(context.Background(), sql, args...)
		return err
	})
	if !db.IsUniqueViolation(err, "") {
		t.Fatalf("want a unique violation, got %v", err)
	}
	if code := atlas.ErrorCode(db.MapError(err, "")); code != atlas.EConflict {
		t.Fatalf("MapError code = %s, want conflict", code)
	}
}

func TestUniquenessRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		first  string
		second string
		args   func(f fixture) []any
	}{
		{
			name:   "one running timer per member",
			first:  `INSERT INTO timers (practice_id, member_id, entity_id, started_at) VALUES ($1, $2, $3, now())`,
			second: `INSERT INTO timers (practice_id, member_id, entity_id, started_at) VALUES ($1, $2, $3, now() + interval '1 minute')`,
			args:   func(f fixture) []any { return []any{f.practice, f.member, f.entity} },
		},
		{
			name: "one task per client, template and month",
			first: `INSERT INTO tasks (practice_id, entity_id, template_id, period, preparer_id, reviewer_id, due_date, stage_targets)
			        VALUES ($1, $2, $3, '2026-11-01', $4, $4, '2026-12-10', '{2026-11-05,2026-11-15,2026-11-20,2026-11-28,2026-12-05,2026-12-10}')`,
			second: `INSERT INTO tasks (practice_id, entity_id, template_id, period, preparer_id, reviewer_id, due_date, stage_targets)
			        VALUES ($1, $2, $3, '2026-11-01', $4, $4, '2026-12-15', '{2026-11-05,2026-11-15,2026-11-20,2026-11-28,2026-12-05,2026-12-10}')`,
			args: func(f fixture) []any { return []any{f.practice, f.entity, f.template, f.member} },
		},
		{
			name:   "one recurring invoice per client and period",
			first:  `INSERT INTO invoices (practice_id, entity_id, kind, period, currency) VALUES ($1, $2, 'recurring', '2026-11-01', 'GBP')`,
			second: `INSERT INTO invoices (practice_id, entity_id, kind, period, currency) VALUES ($1, $2, 'recurring', '2026-11-01', 'GBP')`,
			args:   func(f fixture) []any { return []any{f.practice, f.entity} },
		},
		{
			name:   "invoice numbers unique per practice",
			first:  `INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency) VALUES ($1, $2, 'adhoc', 'approved', 'INV-0001', 'GBP')`,
			second: `INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency) VALUES ($1, $2, 'adhoc', 'approved', 'INV-0001', 'GBP')`,
			args:   func(f fixture) []any { return []any{f.practice, f.entity} },
		},
		{
			name:   "a retried time entry is stored once",
			first:  `INSERT INTO time_entries (practice_id, member_id, entity_id, work_date, minutes, source, idempotency_key) VALUES ($1, $2, $3, '2026-11-20', 90, 'manual', 'env-1')`,
			second: `INSERT INTO time_entries (practice_id, member_id, entity_id, work_date, minutes, source, idempotency_key) VALUES ($1, $2, $3, '2026-11-20', 90, 'manual', 'env-1')`,
			args:   func(f fixture) []any { return []any{f.practice, f.member, f.entity} },
		},
		{
			name:   "client codes unique per practice, whatever the case",
			first:  `INSERT INTO entities (practice_id, code, name) VALUES ($1, 'BETA', 'Beta Ltd')`,
			second: `INSERT INTO entities (practice_id, code, name) VALUES ($1, 'beta', 'Beta Two Ltd')`,
			args:   func(f fixture) []any { return []any{f.practice} },
		},
		{
			name:   "one member per Slack user per practice",
			first:  `INSERT INTO members (practice_id, slack_user_id, name, role) VALUES ($1, 'U2', 'Max', 'manager')`,
			second: `INSERT INTO members (practice_id, slack_user_id, name, role) VALUES ($1, 'U2', 'Max again', 'staff')`,
			args:   func(f fixture) []any { return []any{f.practice} },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tx := pgtest.Tx(t)
			f := newFixture(t, tx, "T1")
			mustExec(t, tx, tc.first, tc.args(f)...)
			expectConflict(t, tx, tc.second, tc.args(f)...)
		})
	}
}

func TestRulesAreScopedToAPractice(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	a := newFixture(t, tx, "TA")
	b := newFixture(t, tx, "TB")
	const inv = `INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency) VALUES ($1, $2, 'adhoc', 'approved', 'INV-0001', 'GBP')`
	mustExec(t, tx, inv, a.practice, a.entity)
	mustExec(t, tx, inv, b.practice, b.entity) // same number, other practice: fine

	// A row can never point into another practice.
	err := db.InTx(context.Background(), tx, func(sp pgx.Tx) error {
		_, err := sp.Exec(context.Background(),
			`INSERT INTO timers (practice_id, member_id, entity_id, started_at) VALUES ($1, $2, $3, now())`, a.practice, a.member, b.entity)
		return err
	})
	if code := atlas.ErrorCode(db.MapError(err, "")); code != atlas.EInvalid {
		t.Fatalf("cross-practice reference: got %v (code %s), want invalid", err, code)
	}
}

func TestChecks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		sql  string
		args func(f fixture) []any
	}{
		{"zero minutes", `INSERT INTO time_entries (practice_id, member_id, entity_id, work_date, minutes, source) VALUES ($1, $2, $3, '2026-11-20', 0, 'manual')`,
			func(f fixture) []any { return []any{f.practice, f.member, f.entity} }},
		{"over a day", `INSERT INTO time_entries (practice_id, member_id, entity_id, work_date, minutes, source) VALUES ($1, $2, $3, '2026-11-20', 1441, 'manual')`,
			func(f fixture) []any { return []any{f.practice, f.member, f.entity} }},
		{"negative rate", `INSERT INTO rates (practice_id, hourly_rate, effective_from) VALUES ($1, -1, '2026-01-01')`,
			func(f fixture) []any { return []any{f.practice} }},
		{"hourly invoice without the date its time runs to", `INSERT INTO invoices (practice_id, entity_id, kind, currency) VALUES ($1, $2, 'hourly', 'GBP')`,
			func(f fixture) []any { return []any{f.practice, f.entity} }},
		{"awaiting approval with a number", `INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency) VALUES ($1, $2, 'adhoc', 'awaiting_approval', 'INV-9', 'GBP')`,
			func(f fixture) []any { return []any{f.practice, f.entity} }},
		{"billed time on no invoice", `INSERT INTO time_entries (practice_id, member_id, entity_id, work_date, minutes, source, billing_state) VALUES ($1, $2, $3, '2026-11-20', 30, 'manual', 'billed')`,
			func(f fixture) []any { return []any{f.practice, f.member, f.entity} }},
		{"a negative line", `WITH i AS (INSERT INTO invoices (practice_id, entity_id, kind, currency) VALUES ($1, $2, 'adhoc', 'GBP') RETURNING id)
			INSERT INTO invoice_lines (practice_id, invoice_id, position, description, amount) SELECT $1, id, 0, 'x', -1 FROM i`,
			func(f fixture) []any { return []any{f.practice, f.entity} }},
		{"unknown role", `INSERT INTO members (practice_id, slack_user_id, name, role) VALUES ($1, 'U9', 'Zed', 'owner')`,
			func(f fixture) []any { return []any{f.practice} }},
		{"invoice total not reconciling", `INSERT INTO invoices (practice_id, entity_id, kind, currency, subtotal, vat, total) VALUES ($1, $2, 'adhoc', 'GBP', 100, 20, 119.99)`,
			func(f fixture) []any { return []any{f.practice, f.entity} }},
		{"draft with a number", `INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency) VALUES ($1, $2, 'adhoc', 'draft', 'INV-9', 'GBP')`,
			func(f fixture) []any { return []any{f.practice, f.entity} }},
		{"period not a first of month", `INSERT INTO invoices (practice_id, entity_id, kind, period, currency) VALUES ($1, $2, 'recurring', '2026-11-02', 'GBP')`,
			func(f fixture) []any { return []any{f.practice, f.entity} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tx := pgtest.Tx(t)
			f := newFixture(t, tx, "TC")
			err := db.InTx(context.Background(), tx, func(sp pgx.Tx) error {
				_, err := sp.Exec(context.Background(), tc.sql, tc.args(f)...)
				return err
			})
			if code := atlas.ErrorCode(db.MapError(err, "")); code != atlas.EInvalid {
				t.Fatalf("got %v (code %q), want a rejected row (invalid)", err, code)
			}
		})
	}
}

func TestMapErrorNotFound(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	var id int64
	err := tx.QueryRow(context.Background(), "SELECT id FROM entities WHERE code = 'nope'").Scan(&id)
	err = db.MapError(err, "No client with that code.")
	if atlas.ErrorCode(err) != atlas.ENotFound || atlas.ErrorMessage(err) != "No client with that code." {
		t.Fatalf("got %v", err)
	}
}
