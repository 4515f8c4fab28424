package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/server"
)

func TestReadyzFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	url, _ := pgtest.NewDatabase(t)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	p := pgtest.StartProxy(t, net.JoinHostPort(cfg.ConnConfig.Host, itoa(cfg.ConnConfig.Port)))
	host, port, _ := net.SplitHostPort(p.Addr())
	cfg.ConnConfig.Host = host
	cfg.ConnConfig.Port = atoi(port)
	cfg.ConnConfig.ConnectTimeout = time.Second
	db.Configure(cfg)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)

	srv := server.New(slog.New(slog.NewTextHandler(io.Discard, nil)), db.ReadyCheck(pool))
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve() }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	base := "http://" + srv.Addr()

	if code, _ := get(t, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("readyz with the database up: %d", code)
	}
	p.Down()
	if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "database unreachable") {
		t.Fatalf("readyz with the database down: %d %q", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz must not depend on the database: %d", code)
	}
	p.Up()
	if code, body := get(t, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("readyz after the database returned: %d %q", code, body)
	}
}

func TestReadyzWithPendingMigrations(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.EmptyDatabase(t)
	srv := server.New(slog.New(slog.NewTextHandler(io.Discard, nil)), db.ReadyCheck(pool))
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve() }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	if code, body := get(t, "http://"+srv.Addr()+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "migrations pending") {
		t.Fatalf("readyz on an unmigrated database: %d %q", code, body)
	}
}

func TestMetricsAndRecovery(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(b)
	}), nil))
	srv := server.New(log, func(context.Context) error { return nil })
	srv.Router.Get("/boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve() }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	base := "http://" + srv.Addr()

	if code, _ := get(t, base+"/boom"); code != http.StatusInternalServerError {
		t.Fatalf("panicking handler: %d", code)
	}
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("server stopped serving after a panic: %d", code)
	}
	code, body := get(t, base+"/metrics")
	if code != http.StatusOK || !strings.Contains(body, "go_goroutines") || !strings.Contains(body, `atlas_http_requests_total{code="500",route="/boom"} 1`) {
		t.Fatalf("metrics: %d\n%s", code, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "kaboom") || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("the panic and its stack should be logged:\n%s", logs.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
