package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

type runFunc func() int

func (f runFunc) Run() int { return f() }

func TestNameRE(t *testing.T) {
	re := nameRE("billing_abc123")
	for name, want := range map[string]string{
		"atlas_t_billing_abc123_42":         "42",
		"atlas_t_billing_abc123_42_7":       "42",
		"atlas_e_billing_abc123_42_7":       "42",
		"atlas_t_billing_abc123":            "",
		"atlas_t_billing_abc123_x_def456_4": "",
		"atlas_t_billing_abc1234_42":        "",
		"atlas_tpl_billing_abc123_42":       "",
	} {
		m := re.FindStringSubmatch(name)
		got := ""
		if m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("%s: pid %q, want %q", name, got, want)
		}
	}
}

// TestMainDrops checks that Main drops, before the tests, the databases of
// this package whose process has ended, keeps those of a running process,
// and drops after the tests every database this process made.
func TestMainDrops(t *testing.T) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatalf("no PostgreSQL (make db starts it): %v", err)
	}
	t.Cleanup(func() { admin.Close(ctx) }) // after the drops registered below
	create := func(name string) {
		t.Helper()
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+quote(name)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)") })
	}
	exists := func(name string) bool {
		t.Helper()
		var ok bool
		if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}

	// A process that has ended: its pid is free (barring reuse in between).
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatalf("cannot run true: %v", err)
	}
	dead := cmd.ProcessState.Pid()
	if processAlive(dead) {
		t.Fatalf("pid %d was reused before the test could use it as a dead process", dead)
	}
	tag := packageTag()
	killed := fmt.Sprintf("atlas_t_%s_%d", tag, dead)
	running := fmt.Sprintf("atlas_e_%s_%d_1", tag, os.Getppid())
	mine := fmt.Sprintf("atlas_e_%s_%d_9999", tag, os.Getpid())
	create(killed)
	create(running)

	code := Main(runFunc(func() int {
		if exists(killed) {
			t.Errorf("%s of ended process %d is still there when the tests start", killed, dead)
		}
		create(mine)
		noteCreated()
		// A database made with NewDatabase is dropped by its own cleanup
		// already; one whose cleanup did not run is dropped by Main.
		_, _ = NewDatabase(t)
		return 3
	}))
	if code != 3 {
		t.Errorf("Main returned %d, want the tests' 3", code)
	}
	if exists(mine) {
		t.Errorf("%s made by this process is still there after Main", mine)
	}
	if !exists(running) {
		t.Errorf("%s of running process %d was dropped", running, os.Getppid())
	}
}
