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

// proxy forwards TCP to PostgreSQL and can be cut and restored, which is
// how a test makes the database unreachable without stopping it for others.
type proxy struct {
	target string
	mu     sync.Mutex
	ln     net.Listener
	addr   string
	conns  []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	p := &proxy{target: target}
	p.listen(t, "127.0.0.1:0")
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) listen(t *testing.T, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

// cut closes the listener and every connection through it.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) restore(t *testing.T) { p.listen(t, p.addr) }

func TestReadyzFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	url, _ := pgtest.NewDatabase(t)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, net.JoinHostPort(cfg.ConnConfig.Host, itoa(cfg.ConnConfig.Port)))
	host, port, _ := net.SplitHostPort(p.addr)
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
	p.cut()
	if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "database unreachable") {
		t.Fatalf("readyz with the database down: %d %q", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz must not depend on the database: %d", code)
	}
	p.restore(t)
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
