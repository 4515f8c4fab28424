package db_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/atlas-practice/atlas/internal/db"
)

// closedAddr is a local address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestIsUnavailable tells the database's absence from everything else that
// fails: a refused PostgreSQL connection and a connection exception are the
// database; a constraint, a cancelled request and an HTTP call to another
// service (Slack's Web API timing out) are not.
func TestIsUnavailable(t *testing.T) {
	ctx := context.Background()
	addr := closedAddr(t)
	_, pgErr := pgx.Connect(ctx, fmt.Sprintf("postgres://atlas@%s/atlas?connect_timeout=2", addr))
	if pgErr == nil {
		t.Fatal("connected to a closed port")
	}
	client := http.Client{Timeout: 2 * time.Second}
	_, httpErr := client.Get("http://" + addr + "/api/chat.postMessage")
	if httpErr == nil {
		t.Fatal("an HTTP call to a closed port succeeded")
	}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"refused connection", pgErr, true},
		{"wrapped refused connection", fmt.Errorf("log time: %w", pgErr), true},
		{"connection exception", &pgconn.PgError{Code: "08006"}, true},
		{"server shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"slack call failed", fmt.Errorf("open modal: %w", httpErr), false},
		{"nil", nil, false},
	} {
		if got := db.IsUnavailable(c.err); got != c.want {
			t.Errorf("%s (%v): unavailable = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
