// Package pgtest gives tests a real, migrated PostgreSQL database.
//
// The schema is built once per migration set into a template database;
// each test package then clones its own database from it (a clone takes
// milliseconds), and each test runs in a transaction that is rolled back
// when it ends, so tests can run in parallel and leave nothing behind.
// Tests that need committed data across connections (concurrency, jobs,
// end-to-end) ask for a database of their own instead.
//
// Every database a test binary makes is named atlas_t_<tag>_<pid>[_<n>] or
// atlas_e_<tag>_<pid>_<n>, where tag names the package directory (see
// packageTag) and pid is the test process. Main, which each such package's
// TestMain calls, drops them when the package's tests end, and drops those
// of its own tag whose process is gone (a killed run) when they start.
// `make test` then drops the template and checks that nothing is left (see
// cmd/pgtestsweep).
//
// The server is found through ATLAS_TEST_DATABASE_URL; `make db` creates the
// role it names.
package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/migrations"
)

// DefaultURL is used when ATLAS_TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://atlas:atlas@127.0.0.1:5432/atlas?sslmode=disable"

// templateLockKey serialises building the template across test processes.
const templateLockKey int64 = 0x61746c6174

var (
	pkgOnce sync.Once
	pkgPool *pgxpool.Pool
	pkgURL  string
	pkgErr  error
)

// AdminURL is the URL tests use to create and drop databases.
func AdminURL() string {
	if u := os.Getenv("ATLAS_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Pool returns this test package's pool, on a database cloned from the
// migrated template. Use it for read-only checks or with Tx; prefer Tx.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pkgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		name := fmt.Sprintf("atlas_t_%s_%d", packageTag(), os.Getpid())
		pkgURL, pkgErr = cloneTemplate(ctx, name)
		if pkgErr != nil {
			return
		}
		pkgPool, pkgErr = db.Open(ctx, pkgURL)
	})
	if pkgErr != nil {
		t.Fatalf("pgtest: %v (is PostgreSQL up? run `make db`)", pkgErr)
	}
	return pkgPool
}

// Tx returns a transaction on the package database that is rolled back
// when the test ends.
func Tx(t testing.TB) pgx.Tx {
	t.Helper()
	pool := Pool(t)
	tx, err := pool.Begin(context.Background())
	if err != nil {
		t.Fatalf("pgtest: begin: %v", err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return tx
}

var fresh struct {
	mu sync.Mutex
	n  int
}

// NewDatabase clones a database for this test alone and returns its URL and
// a pool on it. It is dropped when the test ends. Use it where work must be
// committed: concurrency, jobs, end-to-end runs of the binary.
func NewDatabase(t testing.TB) (string, *pgxpool.Pool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fresh.mu.Lock()
	fresh.n++
	name := fmt.Sprintf("atlas_t_%s_%d_%d", packageTag(), os.Getpid(), fresh.n)
	fresh.mu.Unlock()
	url, err := cloneTemplate(ctx, name)
	if err != nil {
		t.Fatalf("pgtest: %v (is PostgreSQL up? run `make db`)", err)
	}
	pool, err := db.Open(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		if err := dropDatabase(context.Background(), name); err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
		}
	})
	return url, pool
}

// EmptyDatabase creates a database with no schema at all, for tests of
// migration itself. It is dropped when the test ends.
func EmptyDatabase(t testing.TB) (string, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	fresh.mu.Lock()
	fresh.n++
	name := fmt.Sprintf("atlas_e_%s_%d_%d", packageTag(), os.Getpid(), fresh.n)
	fresh.mu.Unlock()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	noteCreated()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+quote(name)); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	url := withDatabase(AdminURL(), name)
	pool, err := db.Open(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		_ = dropDatabase(context.Background(), name)
	})
	return url, pool
}

// cloneTemplate makes sure the template for the current migrations exists,
// then (re)creates database name from it and returns its URL.
func cloneTemplate(ctx context.Context, name string) (string, error) {
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return "", fmt.Errorf("connect %s: %w", redact(AdminURL()), err)
	}
	defer admin.Close(ctx)
	// One process at a time builds the template or clones it: CREATE
	// DATABASE ... TEMPLATE fails while anyone else is connected to it.
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return "", err
	}
	defer func() { _, _ = admin.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", templateLockKey) }()

	tpl := templateName()
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tpl).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if err := buildTemplate(ctx, admin, tpl); err != nil {
			return "", err
		}
	}
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("drop %s: %w", name, err)
	}
	noteCreated()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+quote(name)+" TEMPLATE "+quote(tpl)); err != nil {
		return "", fmt.Errorf("clone %s: %w", tpl, err)
	}
	return withDatabase(AdminURL(), name), nil
}

func buildTemplate(ctx context.Context, admin *pgx.Conn, tpl string) error {
	// Templates of older migration sets are left over from earlier runs.
	rows, err := admin.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'atlas\\_tpl\\_%'")
	if err != nil {
		return err
	}
	old, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, o := range old {
		_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(o)+" WITH (FORCE)")
	}
	building := tpl + "_new"
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(building)+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+quote(building)); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	pool, err := db.Open(ctx, withDatabase(AdminURL(), building))
	if err != nil {
		return err
	}
	err = db.Migrate(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pool.Close()
	if err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	// Renamed only once complete, so a crash mid-build leaves no half template.
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+quote(building)+" RENAME TO "+quote(tpl)); err != nil {
		return err
	}
	return nil
}

func dropDatabase(ctx context.Context, name string) error {
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)")
	return err
}

// migrationsHash names the template after the migration files, so a new
// migration builds a new template.
func migrationsHash() string {
	h := sha256.New()
	_ = fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)

// packageTag is a short name for the test package: the directory it runs
// in, plus a hash of the machine and the full path so equal base names (and
// equal checkout paths on machines sharing one server) do not clash.
func packageTag() string {
	wd, _ := os.Getwd()
	return tagFor(wd)
}

// tagFor is packageTag for a test package running in directory dir.
func tagFor(dir string) string {
	host, _ := os.Hostname()
	base := unsafeChars.ReplaceAllString(strings.ToLower(filepath.Base(dir)), "_")
	if len(base) > 20 {
		base = base[:20]
	}
	sum := sha256.Sum256([]byte(host + "\x00" + dir))
	return base + "_" + hex.EncodeToString(sum[:])[:6]
}

// templateName is the template database for the current migrations.
func templateName() string { return "atlas_tpl_" + migrationsHash() }

func quote(ident string) string { return pgx.Identifier{ident}.Sanitize() }

// withDatabase replaces the database name in a postgres:// URL.
func withDatabase(url, name string) string {
	i := strings.Index(url, "://")
	if i < 0 {
		return url
	}
	rest := url[i+3:]
	q := ""
	if j := strings.IndexByte(rest, '?'); j >= 0 {
		q = rest[j:]
		rest = rest[:j]
	}
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		rest = rest[:j]
	}
	return url[:i+3] + rest + "/" + name + q
}

func redact(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "(unparseable url)"
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}
