package db

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/atlas-practice/atlas/migrations"
)

// migrateLockKey is the advisory lock that serialises migrations across
// replicas starting at once ("atlas" in ASCII).
const migrateLockKey int64 = 0x61746c6173

// Migrate applies Atlas's pending migrations and River's own, holding a
// session advisory lock so that replicas starting together take turns: the
// first applies, the others find nothing left to do.
func Migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLockKey); err != nil {
		return fmt.Errorf("migrate: take lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must be released even when ctx is done.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLockKey)
	}()

	provider, closeDB, err := newProvider(pool)
	if err != nil {
		return err
	}
	defer closeDB()
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}

	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("migrate jobs engine: %w", err)
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("migrate jobs engine: %w", err)
	}
	for _, v := range res.Versions {
		log.Info("jobs engine migration applied", "version", v.Version)
	}
	return nil
}

// MigrationState is one migration and whether it is applied.
type MigrationState struct {
	Version int64
	File    string
	Applied bool
}

// Status lists Atlas's migrations and whether each is applied.
func Status(ctx context.Context, pool *pgxpool.Pool) ([]MigrationState, error) {
	provider, closeDB, err := newProvider(pool)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	st, err := provider.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationState, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationState{Version: s.Source.Version, File: s.Source.Path, Applied: s.State == goose.StateApplied})
	}
	return out, nil
}

// Current reports whether every migration is applied: Atlas's and River's.
func Current(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	provider, closeDB, err := newProvider(pool)
	if err != nil {
		return false, err
	}
	defer closeDB()
	pending, err := provider.HasPending(ctx)
	if err != nil {
		return false, err
	}
	if pending {
		return false, nil
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return false, err
	}
	res, err := migrator.Validate(ctx, nil)
	if err != nil {
		return false, err
	}
	return res.OK, nil
}

func newProvider(pool *pgxpool.Pool) (*goose.Provider, func(), error) {
	sqlDB := stdlib.OpenDBFromPool(pool)
	files, err := fs.Sub(migrations.FS, ".")
	if err != nil {
		return nil, nil, err
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, files)
	if err != nil {
		_ = sqlDB.Close()
		if errors.Is(err, goose.ErrNoMigrations) {
			return nil, nil, fmt.Errorf("no migrations embedded: %w", err)
		}
		return nil, nil, fmt.Errorf("load migrations: %w", err)
	}
	return provider, func() { _ = sqlDB.Close() }, nil
}

// ReadyCheck returns a check for /readyz: the database answers and every
// migration is applied. Once the schema is found current it is not asked
// again (it only moves forward), so the check stays a single round trip.
func ReadyCheck(pool *pgxpool.Pool) func(ctx context.Context) error {
	var current atomic.Bool
	return func(ctx context.Context) error {
		if err := pool.Ping(ctx); err != nil {
			return fmt.Errorf("database unreachable: %w", err)
		}
		if current.Load() {
			return nil
		}
		ok, err := Current(ctx, pool)
		if err != nil {
			return fmt.Errorf("checking migrations: %w", err)
		}
		if !ok {
			return errors.New("migrations pending")
		}
		current.Store(true)
		return nil
	}
}
