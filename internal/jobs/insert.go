package jobs

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// inserter is a River client that only inserts: the workers run in each
// server's Engine, while any transaction anywhere may queue work — the
// outbox's Slack messages, an invoice's email — with InsertTx, so a
// transaction that rolls back queues nothing.
var inserter = func() *river.Client[pgx.Tx] {
	c, err := river.NewClient(riverpgxv5.New(nil), &river.Config{})
	if err != nil {
		panic(fmt.Sprintf("jobs: %v", err))
	}
	return c
}()

// InsertTx queues one job in tx.
func InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs) error {
	if _, err := inserter.InsertTx(ctx, tx, args, nil); err != nil {
		return fmt.Errorf("queue a %s job: %w", args.Kind(), err)
	}
	return nil
}

// InsertManyTx queues jobs in tx, in one statement.
func InsertManyTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	if _, err := inserter.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("queue %d jobs: %w", len(params), err)
	}
	return nil
}
