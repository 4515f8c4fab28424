package jobs

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// waitFor polls cond until it holds, failing the test at the deadline.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", timeout, what)
		}
		<-poll.C
	}
}

// logBuffer collects an engine's logs, shown only when the test fails: River
// keeps logging until the engine stops, which can be after t.Log is allowed.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func testLogger(t *testing.T) (*slog.Logger, *logBuffer) {
	logs := &logBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs)
		}
	})
	return slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), logs
}

// startEngine starts an engine on pool and stops it when the test ends.
func startEngine(t *testing.T, pool *pgxpool.Pool, log *slog.Logger, opts Options) *Engine {
	t.Helper()
	e, err := New(pool, log, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopEngine(t, e) })
	return e
}

// stopEngine stops e gracefully; stopping twice is harmless.
func stopEngine(t *testing.T, e *Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.Stop(ctx); err != nil {
		t.Errorf("stop engine: %v", err)
	}
}

func addPractice(t *testing.T, pool *pgxpool.Pool, id, timezone string, createdAt time.Time) {
	t.Helper()
	_, err := pool.Exec(context.Background(),
		`INSERT INTO practices (id, timezone, created_at) VALUES ($1, $2, $3)`, id, timezone, createdAt)
	if err != nil {
		t.Fatal(err)
	}
}

func countSlots(ctx context.Context, pool *pgxpool.Pool, practiceID, job string) (int, error) {
	var n int
	err := pool.QueryRow(ctx, `SELECT count(*) FROM job_slots WHERE practice_id = $1 AND job = $2`,
		practiceID, job).Scan(&n)
	return n, err
}
