package bot_test

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/bot"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/mail"
)

// testPostInterval paces a channel's posts in these tests; the real second
// is proven in bot/slackapp's own outbox tests.
const testPostInterval = 20 * time.Millisecond

// deliver works the outbox's jobs as a server does (and sends invoices
// through h.mailer when it is set), starting the job engine the first
// time, and waits until every queued Slack post and update, and every
// email (invoices and their reminders), has been delivered or given up.
func (h *harness) deliver() {
	h.t.Helper()
	h.settle() // the handlers still working queue jobs too
	if h.engine == nil {
		workers := river.NewWorkers()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		if err := bot.AddWorkers(workers, h.router, h.pool, harnessMail{h}, log, bot.WorkerOptions{PostInterval: testPostInterval, PortalURL: testPortal.URL, PortalSecret: testPortal.Secret}); err != nil {
			h.t.Fatal(err)
		}
		e, err := jobs.New(h.pool, log, jobs.Options{Workers: workers, Tick: "@every 1h", Queues: bot.Queues()})
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
			WHERE kind <> 'periodic_tick' AND finalized_at IS NULL`).Scan(&pending); err != nil {
			h.t.Fatal(err)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			var states string
			_ = h.pool.QueryRow(context.Background(), `SELECT string_agg(state || ' ' || attempt || ' ' || errors::text, E'\n') FROM river_job
				WHERE kind <> 'periodic_tick' AND finalized_at IS NULL`).Scan(&states)
			h.t.Fatalf("%d outbox jobs still pending after 30 s:\n%s", pending, states)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, not standing in for one
	}
}

// harnessMail sends through the harness's mailer as it is when the email
// goes, so a test may set it after the engine started.
type harnessMail struct{ h *harness }

func (m harnessMail) Send(ctx context.Context, msg mail.Message) error {
	sender := m.h.mailer.Load()
	if sender == nil {
		return &mail.Error{Permanent: true, Reason: "this test has no mail server"}
	}
	return sender.Send(ctx, msg)
}
