package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// Defaults for Options.
const (
	// DefaultTick wakes the reconciler every minute, the finest resolution
	// of a five-field cron spec.
	DefaultTick = "* * * * *"
	// DefaultMaxWorkers is how many jobs one replica works at once.
	DefaultMaxWorkers = 10
	// DefaultRescueAfter is how long a job may run before it is taken for
	// one lost with a killed process and run again. River's own default is
	// an hour, which would hold a channel's posts behind a post lost with
	// an OOM-killed replica for that long; Atlas's jobs take seconds.
	DefaultRescueAfter = 2 * time.Minute
)

// hardStopWait is how long Stop waits for cancelled jobs to return once its
// own deadline has passed.
const hardStopWait = 10 * time.Second

// Options configures an Engine. The zero value is usable.
type Options struct {
	// Registry holds the periodic jobs. Nil means none.
	Registry *Registry
	// Workers holds the feature packages' River workers. The engine adds
	// its own to it, so a bundle serves one Engine. Nil means none.
	Workers *river.Workers
	// Clock tells the reconciler what time it is. Defaults to the system
	// clock.
	Clock atlas.Clock
	// Tick is the cron spec on which the reconciler wakes, in the server's
	// local time. Defaults to DefaultTick; tests use "@every 1s".
	Tick string
	// MaxWorkers is how many jobs this replica works at once in the default
	// queue. Defaults to DefaultMaxWorkers.
	MaxWorkers int
	// RescueAfter is how long a job may run before River's rescuer takes
	// it for lost (its process died) and runs it again. Defaults to
	// DefaultRescueAfter. Workers that legitimately run longer say so with
	// their own Timeout, which the rescuer respects.
	RescueAfter time.Duration
	// Queues are further queues with workers of their own, for work that
	// must not crowd out the rest (rendering and emailing invoices, bound to
	// the CPUs).
	Queues map[string]river.QueueConfig
}

// Engine runs background jobs: the feature packages' workers and the
// periodic jobs' reconciler. Every replica runs one; they share the work
// through River's tables, and the replica River elects leader enqueues the
// ticks.
type Engine struct {
	client *river.Client[pgx.Tx]
}

// New builds an Engine on pool, logging to log. It does not start it.
func New(pool *pgxpool.Pool, log *slog.Logger, opts Options) (*Engine, error) {
	if opts.Registry == nil {
		opts.Registry = NewRegistry()
	}
	if opts.Workers == nil {
		opts.Workers = river.NewWorkers()
	}
	if opts.Clock == nil {
		opts.Clock = atlas.SystemClock{}
	}
	if opts.Tick == "" {
		opts.Tick = DefaultTick
	}
	if opts.MaxWorkers <= 0 {
		opts.MaxWorkers = DefaultMaxWorkers
	}
	if opts.RescueAfter <= 0 {
		opts.RescueAfter = DefaultRescueAfter
	}
	tick, err := parseSpec(opts.Tick, time.Local)
	if err != nil {
		return nil, fmt.Errorf("jobs: tick: %w", err)
	}

	r := &reconciler{pool: pool, log: log, clock: opts.Clock, registry: opts.Registry}
	if err := river.AddWorkerSafely(opts.Workers, &tickWorker{r: r}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.MaxWorkers}}
	for name, q := range opts.Queues {
		queues[name] = q
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		// River reports routine progress at info every few seconds; only
		// its warnings and errors belong in Atlas's log.
		Logger:  slog.New(atLeast{Handler: log.Handler(), min: slog.LevelWarn}),
		Queues:  queues,
		Workers: opts.Workers,
		// A job's timeout cannot outlast the rescue, or a job still
		// working would be rescued and run twice.
		JobTimeout:           min(time.Minute, opts.RescueAfter),
		RescueStuckJobsAfter: opts.RescueAfter,
		// Only the elected leader enqueues ticks, from an in-memory
		// schedule that starts afresh with each leader. RunOnStart makes
		// every new leader tick at once, so a deploy or failover does not
		// delay the periodic jobs by a whole tick.
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(tick,
			func() (river.JobArgs, *river.InsertOpts) { return tickArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true})},
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Engine{client: client}, nil
}

// Start starts fetching and working jobs and, once this replica is elected
// leader, enqueuing ticks. Cancelling ctx stops the engine as Stop does,
// without a deadline.
func (e *Engine) Start(ctx context.Context) error {
	if err := e.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for the running ones to finish. When
// ctx ends first, it cancels the jobs still running (a periodic job's
// transaction rolls back and its slot is retried later), waits briefly for
// them to return, and reports that the stop was not graceful.
func (e *Engine) Stop(ctx context.Context) error {
	err := e.client.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		return err
	}
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopWait)
	defer cancel()
	if err := e.client.StopAndCancel(hard); err != nil {
		return fmt.Errorf("jobs: stop: running jobs did not return after cancellation: %w", err)
	}
	return fmt.Errorf("jobs: stop: running jobs cancelled: %w", ctx.Err())
}

// Client is the River client, for feature packages to enqueue jobs with
// InsertTx in the transaction that calls for them.
func (e *Engine) Client() *river.Client[pgx.Tx] { return e.client }

// atLeast drops records below min.
type atLeast struct {
	slog.Handler
	min slog.Level
}

func (h atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h atLeast) WithAttrs(as []slog.Attr) slog.Handler {
	return atLeast{Handler: h.Handler.WithAttrs(as), min: h.min}
}

func (h atLeast) WithGroup(name string) slog.Handler {
	return atLeast{Handler: h.Handler.WithGroup(name), min: h.min}
}
