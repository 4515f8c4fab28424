package jobs

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/internal/pgtest"
)

func noop(context.Context, pgx.Tx, Practice, time.Time) error { return nil }

func TestRegistryAddPeriodic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		job     Periodic
		wantErr string // "" for success
	}{
		{name: "five fields", job: Periodic{Name: "five", Spec: "0 6 * * 1-5", Run: noop}},
		{name: "descriptor", job: Periodic{Name: "daily", Spec: "@daily", Run: noop}},
		{name: "every", job: Periodic{Name: "every", Spec: "@every 90m", Run: noop}},
		{name: "empty name", job: Periodic{Name: " ", Spec: "@daily", Run: noop}, wantErr: "has no name"},
		{name: "duplicate name", job: Periodic{Name: "existing", Spec: "@daily", Run: noop}, wantErr: "already registered"},
		{name: "no run", job: Periodic{Name: "norun", Spec: "@daily"}, wantErr: "has no Run"},
		{name: "empty spec", job: Periodic{Name: "nospec", Run: noop}, wantErr: "empty cron spec"},
		{name: "bad spec", job: Periodic{Name: "bad", Spec: "61 * * * *", Run: noop}, wantErr: `"bad": cron spec "61 * * * *"`},
		{name: "seconds field", job: Periodic{Name: "six", Spec: "0 0 6 * * *", Run: noop}, wantErr: "cron spec"},
		{name: "unknown descriptor", job: Periodic{Name: "fortnightly", Spec: "@fortnightly", Run: noop}, wantErr: "cron spec"},
		{name: "own timezone", job: Periodic{Name: "tz", Spec: "CRON_TZ=UTC 0 6 * * *", Run: noop}, wantErr: "names a timezone"},
		{name: "bare timezone", job: Periodic{Name: "baretz", Spec: "TZ=UTC", Run: noop}, wantErr: "names a timezone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := NewRegistry()
			if err := reg.AddPeriodic(Periodic{Name: "existing", Spec: "@hourly", Run: noop}); err != nil {
				t.Fatal(err)
			}
			err := reg.AddPeriodic(tt.job)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("no error, want one containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("error %q does not contain %q", err, tt.wantErr)
			}
			if want := map[bool]int{true: 2, false: 1}[tt.wantErr == ""]; len(reg.list()) != want {
				t.Fatalf("registry holds %d jobs, want %d", len(reg.list()), want)
			}
		})
	}
}

func TestNewChecksTick(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t) // New does not touch the database
	log := slog.New(slog.DiscardHandler)
	if _, err := New(pool, log, Options{}); err != nil {
		t.Errorf("defaults: %v", err)
	}
	if _, err := New(pool, log, Options{Tick: "every minute"}); err == nil || !strings.Contains(err.Error(), "jobs: tick") {
		t.Errorf("bad tick: err = %v, want a tick error", err)
	}
	workers := river.NewWorkers()
	if _, err := New(pool, log, Options{Workers: workers}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(pool, log, Options{Workers: workers}); err == nil {
		t.Error("a second engine on the same Workers bundle: no error, want one")
	}
}
