package db_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestMigrateEmptyThenNoop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, pool := pgtest.EmptyDatabase(t)

	if ok, err := db.Current(ctx, pool); err != nil || ok {
		t.Fatalf("empty database reported current=%v err=%v", ok, err)
	}
	if err := db.Migrate(ctx, pool, quiet()); err != nil {
		t.Fatal(err)
	}
	st, err := db.Status(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) == 0 {
		t.Fatal("no migrations listed")
	}
	for _, m := range st {
		if !m.Applied {
			t.Fatalf("migration %d not applied", m.Version)
		}
	}
	before := schemaFingerprint(t, pool)
	if err := db.Migrate(ctx, pool, quiet()); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if after := schemaFingerprint(t, pool); after != before {
		t.Fatalf("second run changed the schema:\n%s\n---\n%s", before, after)
	}
	if ok, err := db.Current(ctx, pool); err != nil || !ok {
		t.Fatalf("current=%v err=%v after migrating", ok, err)
	}
}

func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url, pool := pgtest.EmptyDatabase(t)
	const replicas = 4
	var wg sync.WaitGroup
	errs := make(chan error, replicas)
	for range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each replica has its own pool, as separate processes would.
			p, err := db.Open(ctx, url)
			if err != nil {
				errs <- err
				return
			}
			defer p.Close()
			errs <- db.Migrate(ctx, p, quiet())
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a replica failed to migrate: %v", err)
		}
	}
	var applied int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	st, _ := db.Status(ctx, pool)
	if applied != len(st) {
		t.Fatalf("goose recorded %d applications for %d migrations", applied, len(st))
	}
	if ok, err := db.Current(ctx, pool); err != nil || !ok {
		t.Fatalf("current=%v err=%v", ok, err)
	}
}

// schemaFingerprint lists every column and index of the public schema.
func schemaFingerprint(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var cols, idx string
	err := pool.QueryRow(context.Background(), `
		SELECT
		  (SELECT string_agg(table_name || '.' || column_name || ':' || data_type, E'\n' ORDER BY table_name, column_name)
		     FROM information_schema.columns WHERE table_schema = 'public'),
		  (SELECT string_agg(indexdef, E'\n' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public')`).Scan(&cols, &idx)
	if err != nil {
		t.Fatal(err)
	}
	return cols + "\n" + idx
}
