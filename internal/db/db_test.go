package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// Two transactions that lock two rows in opposite orders deadlock;
// PostgreSQL aborts the one that waited first. Run through InTxRetrying,
// that one runs again and commits, and so does the other: both changes
// are there, each once.
func TestInTxRetryingRunsADeadlockVictimAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, pool := pgtest.NewDatabase(t)
	if _, err := pool.Exec(ctx, `CREATE TABLE pair (id int PRIMARY KEY, n int NOT NULL);
		INSERT INTO pair VALUES (1, 0), (2, 0)`); err != nil {
		t.Fatal(err)
	}
	waiting := func(pid uint32) bool {
		var n int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, pid).Scan(&n)
		return n == 1
	}
	until := func(what string, cond func() bool) {
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond) // another session's lock wait can only be seen by asking
		}
	}

	// B holds row 2 first.
	b, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Rollback(ctx)
	if _, err := b.Exec(ctx, `UPDATE pair SET n = n + 10 WHERE id = 2`); err != nil {
		t.Fatal(err)
	}

	// A takes row 1, then waits for row 2; its first attempt is the victim.
	attempts := 0
	aPID := make(chan uint32, 3)
	done := make(chan error, 1)
	go func() {
		done <- db.InTxRetrying(ctx, pool, func(tx pgx.Tx) error {
			attempts++
			var pid uint32
			if err := tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
				return err
			}
			aPID <- pid
			if _, err := tx.Exec(ctx, `UPDATE pair SET n = n + 1 WHERE id = 1`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE pair SET n = n + 1 WHERE id = 2`)
			return err
		})
	}()
	first := <-aPID
	until("A to wait for row 2", func() bool { return waiting(first) })
	// B now wants row 1: a deadlock, and A, waiting longest, is aborted.
	if _, err := b.Exec(ctx, `UPDATE pair SET n = n + 10 WHERE id = 1`); err != nil {
		t.Fatalf("B: %v", err)
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("A: %v", err)
	}
	if attempts != 2 {
		t.Errorf("A ran %d times, want 2: the deadlocked attempt and the one after", attempts)
	}
	var one, two int
	if err := pool.QueryRow(ctx, `SELECT (SELECT n FROM pair WHERE id = 1), (SELECT n FROM pair WHERE id = 2)`).Scan(&one, &two); err != nil {
		t.Fatal(err)
	}
	if one != 11 || two != 11 {
		t.Errorf("rows hold %d and %d, want 11 and 11: each change once", one, two)
	}
}

// Inside a caller's transaction nothing is run again: the caller's
// transaction is the one aborted.
func TestInTxRetryingNestedRunsOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, pool := pgtest.NewDatabase(t)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	attempts := 0
	err = db.InTxRetrying(ctx, tx, func(pgx.Tx) error {
		attempts++
		return &pgconn.PgError{Code: "40P01"}
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || attempts != 1 {
		t.Errorf("nested: %v after %d attempts, want the deadlock after one", err, attempts)
	}
}
