package pgtest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Main runs the package's tests and then drops every database this test
// process made: the package database of Pool and Tx, and any of NewDatabase
// or EmptyDatabase still there. Before the tests it drops databases of the
// same package whose process is gone (left by a killed run). It returns the
// exit code for os.Exit:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// The template is shared by packages testing in parallel and is left alone;
// `make test` drops it at the end (cmd/pgtestsweep).
func Main(m interface{ Run() int }) int {
	tag := packageTag()
	if err := dropDatabases(func(_ string, pid int) bool { return pid != os.Getpid() && !processAlive(pid) }, tag); err != nil && !isUnreachable(err) {
		fmt.Fprintf(os.Stderr, "pgtest: dropping databases of finished runs: %v\n", err)
	}
	code := m.Run()
	closePackagePool()
	if created() {
		if err := dropDatabases(func(_ string, pid int) bool { return pid == os.Getpid() }, tag); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: dropping this run's databases: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// madeAny is set once this process has created a database.
var madeAny atomic.Bool

func noteCreated()  { madeAny.Store(true) }
func created() bool { return madeAny.Load() }

// closePackagePool closes Pool's pool once the tests are over, so dropping
// its database does not cut live connections.
func closePackagePool() {
	if pkgPool != nil {
		pkgPool.Close()
	}
}

// nameRE matches the databases made for package tag and captures the pid.
func nameRE(tag string) *regexp.Regexp {
	return regexp.MustCompile(`^atlas_[te]_` + regexp.QuoteMeta(tag) + `_([0-9]+)(_[0-9]+)?$`)
}

// testDatabases lists the databases made for any of tags, with their pids.
func testDatabases(ctx context.Context, admin *pgx.Conn, tags ...string) (map[string]int, error) {
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'atlas\_t\_%' OR datname LIKE 'atlas\_e\_%'`)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	res := map[string]int{}
	for _, tag := range tags {
		re := nameRE(tag)
		for _, n := range names {
			if m := re.FindStringSubmatch(n); m != nil {
				pid, err := strconv.Atoi(m[1])
				if err == nil {
					res[n] = pid
				}
			}
		}
	}
	return res, nil
}

// dropDatabases drops the databases of tags for which drop says so.
func dropDatabases(drop func(name string, pid int) bool, tags ...string) error {
	_, err := sweep(drop, tags...)
	return err
}

func sweep(drop func(name string, pid int) bool, tags ...string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return nil, err
	}
	defer admin.Close(ctx)
	dbs, err := testDatabases(ctx, admin, tags...)
	if err != nil {
		return nil, err
	}
	var dropped []string
	for name, pid := range dbs {
		if !drop(name, pid) {
			continue
		}
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
			return dropped, fmt.Errorf("drop %s: %w", name, err)
		}
		dropped = append(dropped, name)
	}
	return dropped, nil
}

// isUnreachable reports whether err is a failure to reach the server, which
// Main ignores before the tests: tests that need the server say so themselves.
func isUnreachable(err error) bool {
	var pgErr *pgconn.PgError
	return !errors.As(err, &pgErr)
}

// SweepResult is what Sweep did.
type SweepResult struct {
	Templates []string // template databases dropped
	Finished  []string // databases of this checkout whose process had ended, now dropped
	Running   []string // databases of this checkout held by a running process, kept
}

// Sweep cleans up after `go test ./...` in the checkout at root: it drops the
// template of the current migrations (under the lock that cloning takes, so
// a test process of another checkout cloning it is not disturbed; it is
// rebuilt when next needed), then drops every database made by the tests of
// any package under root whose process has ended. After a clean run the
// second list is empty; anything in it was left behind.
func Sweep(root string) (SweepResult, error) {
	var res SweepResult
	root, err := filepath.Abs(root)
	if err != nil {
		return res, err
	}
	var tags []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if path != root {
			switch n := d.Name(); {
			case n == "node_modules" || n == "testdata" || n == "vendor" || n[0] == '.' || n[0] == '_':
				return filepath.SkipDir
			}
		}
		tags = append(tags, tagFor(path))
		return nil
	})
	if err != nil {
		return res, err
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return res, fmt.Errorf("connect %s: %w", redact(AdminURL()), err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return res, err
	}
	for _, tpl := range []string{templateName(), templateName() + "_new"} {
		var exists bool
		if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tpl).Scan(&exists); err != nil {
			return res, err
		}
		if !exists {
			continue
		}
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(tpl)+" WITH (FORCE)"); err != nil {
			return res, fmt.Errorf("drop %s: %w", tpl, err)
		}
		res.Templates = append(res.Templates, tpl)
	}
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_unlock($1)", templateLockKey); err != nil {
		return res, err
	}

	dbs, err := testDatabases(ctx, admin, tags...)
	if err != nil {
		return res, err
	}
	for name, pid := range dbs {
		if processAlive(pid) {
			res.Running = append(res.Running, name)
			continue
		}
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
			return res, fmt.Errorf("drop %s: %w", name, err)
		}
		res.Finished = append(res.Finished, name)
	}
	return res, nil
}
