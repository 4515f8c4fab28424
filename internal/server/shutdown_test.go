package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/server"
)

// Once shutdown begins /readyz answers 503, though the database is fine
// and everything else is still served, so a load balancer stops sending
// work while Atlas drains.
func TestReadyzFailsOnceShutdownBegins(t *testing.T) {
	t.Parallel()
	srv := server.New(slog.New(slog.NewTextHandler(io.Discard, nil)), func(context.Context) error { return nil })
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve() }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	base := "http://" + srv.Addr()

	if code, body := get(t, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("readyz before shutdown: %d %q", code, body)
	}
	srv.BeginShutdown()
	if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
		t.Fatalf("readyz once shutdown began: %d %q", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz while draining: %d", code)
	}
	if code, body := get(t, base+"/metrics"); code != http.StatusOK || !strings.Contains(body, "atlas_build_info{") {
		t.Fatalf("metrics while draining: %d\n%s", code, body)
	}
}
