package bot_test

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/jobs"
)

// testPostInterval paces a channel's posts in these tests; the real second
// is proven in bot/slackapp's own outbox tests.
const testPostInterval = 20 * time.Millisecond

// deliver works the outbox's jobs as a server does, starting the job engine
// the first time, and waits until every queued Slack post and update has
// been delivered or given up.
func (h *harness) deliver() {
	h.t.Helper()
	if h.engine == nil {
		workers := river.NewWorkers()
		if err := slackapp.AddOutboxWorkers(workers, h.router, h.pool, slackapp.OutboxOptions{Interval: testPostInterval}); err != nil {
			h.t.Fatal(err)
		}
		e, err := jobs.New(h.pool, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{Workers: workers, Tick: "@every 1h"})
		if err != nil {
			h.t.Fatal(err)
		}
		if err := e.Start(context.Background()); err != nil {
			h.t.Fatal(err)
		}
		h.t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = e.Stop(ctx)
		})
		h.engine = e
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var pending int
		if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job
			WHERE kind IN ('slack_post', 'slack_update') AND finalized_at IS NULL`).Scan(&pending); err != nil {
			h.t.Fatal(err)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			var states string
			_ = h.pool.QueryRow(context.Background(), `SELECT string_agg(state || ' ' || attempt || ' ' || errors::text, E'\n') FROM river_job
				WHERE kind IN ('slack_post', 'slack_update') AND finalized_at IS NULL`).Scan(&states)
			h.t.Fatalf("%d outbox jobs still pending after 30 s:\n%s", pending, states)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, not standing in for one
	}
}
