// Package db opens Atlas's PostgreSQL pool, applies migrations and maps
// database errors to atlas error codes in one place.
//
// Feature packages write their own SQL against the small DB interface, which
// both *pgxpool.Pool and pgx.Tx satisfy, so one transaction can span
// packages.
package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// DB is what feature packages need from PostgreSQL. *pgxpool.Pool and
// pgx.Tx both satisfy it; Begin on a transaction opens a savepoint.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

var (
	_ DB = (*pgxpool.Pool)(nil)
	_ DB = (pgx.Tx)(nil)
)

// Open connects a pool to url with shopspring decimals registered for
// numeric columns, and checks that the server answers.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	Configure(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("reach database: %w", err)
	}
	return pool, nil
}

// Configure registers the types Atlas needs on every new connection, and
// has a cancelled context cancel its statement on the server.
func Configure(cfg *pgxpool.Config) {
	// pgx's default only breaks the socket's deadline, which leaves the
	// statement running on the server: a command given up at shutdown,
	// waiting on a lock, would then commit after its process had gone and
	// after the person was told it had not. A cancel request stops it
	// there, and the socket deadline follows if the server does not answer.
	cfg.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 2 * time.Second}
	}
	prev := cfg.AfterConnect
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		pgxdecimal.Register(conn.TypeMap())
		if prev != nil {
			return prev(ctx, conn)
		}
		return nil
	}
}

// InTx runs fn in a transaction on db (a savepoint when db is already a
// transaction), committing when fn returns nil and rolling back otherwise.
func InTx(ctx context.Context, db DB, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db, fn)
}

// InTxRetrying is InTx for a transaction PostgreSQL may abort to break a
// deadlock (40P01) or a serialization failure (40001): it runs fn again,
// up to three times in all. Such aborts come from no fault of the request
// — two people moving packs of one month, whose kept counts they both
// change — and the person should not see an error for them. fn must be
// safe to run again: it may write only through tx, and must set (not add
// to) whatever it hands back. Inside a caller's transaction it runs once,
// since the caller's transaction is what was aborted.
func InTxRetrying(ctx context.Context, db DB, fn func(tx pgx.Tx) error) error {
	_, nested := db.(pgx.Tx)
	for attempt := 1; ; attempt++ {
		err := InTx(ctx, db, fn)
		if nested || attempt == 3 || !isRetryable(err) {
			return err
		}
	}
}

// isRetryable reports whether err is PostgreSQL aborting a transaction
// that may succeed if run again.
func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == codeDeadlock || pgErr.Code == codeSerialization)
}

// InSnapshot runs fn in one read-only, repeatable-read transaction where db
// can begin one (a pool), so a report's several queries agree with each
// other; inside a caller's transaction, in that transaction.
func InSnapshot(ctx context.Context, db DB, fn func(tx pgx.Tx) error) error {
	if p, ok := db.(interface {
		BeginTx(context.Context, pgx.TxOptions) (pgx.Tx, error)
	}); ok {
		return pgx.BeginTxFunc(ctx, p, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
	}
	return InTx(ctx, db, fn)
}

// PostgreSQL error codes Atlas reacts to.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeCheckViolation      = "23514"
	codeNotNullViolation    = "23502"
	codeDeadlock            = "40P01"
	codeSerialization       = "40001"
)

// MapError turns database errors into atlas errors with a user-safe message:
// no rows becomes ENotFound with notFound as its message, a unique violation
// EConflict, a check, not-null or foreign key violation EInvalid. Any other
// error is returned unchanged (and so counts as internal).
func MapError(err error, notFound string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return atlas.Wrap(err, atlas.ENotFound, "%s", notFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case codeUniqueViolation:
			return atlas.Wrap(err, atlas.EConflict, "That already exists.")
		case codeForeignKeyViolation:
			return atlas.Wrap(err, atlas.EInvalid, "That refers to something that does not exist.")
		case codeCheckViolation, codeNotNullViolation:
			return atlas.Wrap(err, atlas.EInvalid, "That value is not allowed.")
		}
	}
	return err
}

// IsForeignKeyViolation reports whether err is a foreign key violation: a
// row still referred to, or a reference to a row that does not exist.
func IsForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == codeForeignKeyViolation
}

// IsUniqueViolation reports whether err is a unique violation, optionally of
// the named constraint.
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == codeUniqueViolation &&
		(constraint == "" || pgErr.ConstraintName == constraint)
}

// IsUnavailable reports whether err means PostgreSQL could not be reached
// or dropped the connection — the database is down, not the request wrong —
// so that people can be told to try again in a minute rather than that
// something broke.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08 is a connection exception; 57P01 to 57P03 the server
		// shutting down or not yet accepting connections.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	// A network error of an HTTP call (to Slack's Web API, a mail relay's
	// API) is not the database's: net/http wraps its own in *url.Error.
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return false
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || pgconn.SafeToRetry(err) ||
		strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "failed to connect")
}
