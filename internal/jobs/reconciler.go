package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/metrics"
)

// tickTimeout bounds one tick. It is far longer than a tick should take;
// when it runs out, the Runs still to go fail, roll back and are retried by
// the next tick.
const tickTimeout = 10 * time.Minute

// tickArgs is the River job that wakes the reconciler.
type tickArgs struct{}

func (tickArgs) Kind() string { return "periodic_tick" }

// InsertOpts gives a tick a single attempt: the next tick does the same
// work, so River's retries would only pile up behind it.
func (tickArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

type tickWorker struct {
	river.WorkerDefaults[tickArgs]
	r *reconciler
}

func (w *tickWorker) Timeout(*river.Job[tickArgs]) time.Duration { return tickTimeout }

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[tickArgs]) error {
	return w.r.reconcile(ctx)
}

// reconciler runs the periodic jobs' due slots.
type reconciler struct {
	pool     *pgxpool.Pool
	log      *slog.Logger
	clock    atlas.Clock
	registry *Registry
}

// practiceState is a practice as one periodic job sees it.
type practiceState struct {
	id        string
	timezone  string
	createdAt time.Time
	lastSlot  *time.Time // nil until the job first runs for the practice
}

// reconcile runs the latest due slot of every job for every practice.
// Failures are logged per job and practice so that one cannot hold up the
// others; only failing to list the practices fails the tick.
func (r *reconciler) reconcile(ctx context.Context) error {
	now := r.clock.Now()
	var errs []error
	for _, job := range r.registry.list() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.reconcileJob(ctx, job, now); err != nil {
			errs = append(errs, fmt.Errorf("periodic job %q: %w", job.Name, err))
		}
	}
	return errors.Join(errs...)
}

// reconcileJob runs job's latest due slot for each practice.
func (r *reconciler) reconcileJob(ctx context.Context, job Periodic, now time.Time) error {
	// Read everything first: no connection is held while the jobs run.
	rows, err := r.pool.Query(ctx, `
		SELECT p.id, p.timezone, p.created_at,
		       (SELECT max(s.slot) FROM job_slots s WHERE s.practice_id = p.id AND s.job = $1)
		FROM practices p
		ORDER BY p.id`, job.Name)
	if err != nil {
		return fmt.Errorf("list practices: %w", err)
	}
	states, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (practiceState, error) {
		var s practiceState
		err := row.Scan(&s.id, &s.timezone, &s.createdAt, &s.lastSlot)
		return s, err
	})
	if err != nil {
		return fmt.Errorf("list practices: %w", err)
	}

	for _, s := range states {
		if err := ctx.Err(); err != nil {
			return err
		}
		log := r.log.With("job", job.Name, "practice", s.id)
		loc, err := time.LoadLocation(s.timezone)
		if err != nil {
			log.Error("periodic job skipped: practice has an invalid timezone", "timezone", s.timezone, "error", err)
			continue
		}
		sched, err := parseSpec(job.Spec, loc)
		if err != nil {
			log.Error("periodic job skipped", "error", err)
			continue
		}
		after := s.createdAt
		if s.lastSlot != nil {
			after = *s.lastSlot
		}
		slot, skipped, ok := latestSlot(sched, after, now)
		if !ok {
			continue
		}
		slot = slot.In(loc)
		log = log.With("slot", slot)
		if skipped > 0 {
			// The job reconciles what should exist now, so the latest slot
			// covers the ones missed.
			log.Info("periodic job missed slots; running the latest only", "skipped", skipped)
			metrics.JobMissedSlots.WithLabelValues(job.Name).Add(float64(skipped))
		}
		start := time.Now()
		// The clock's time, not the wall's: tests move it.
		lag := max(r.clock.Now().Sub(slot), 0)
		ran, err := r.runSlot(ctx, job, Practice{ID: s.id, Location: loc}, slot)
		switch {
		case err != nil:
			metrics.JobFailures.WithLabelValues(job.Name).Inc()
			log.Error("periodic job failed; retrying on the next tick", "error", err)
		case ran:
			took := time.Since(start)
			metrics.JobRuns.WithLabelValues(job.Name).Inc()
			metrics.JobDuration.WithLabelValues(job.Name).Observe(took.Seconds())
			metrics.JobLag.WithLabelValues(job.Name).Observe(lag.Seconds())
			log.Info("periodic job ran", "took", took)
		default:
			log.Debug("periodic job slot already run by another replica")
		}
	}
	return nil
}

// runSlot claims the slot and runs the job in one transaction. It reports
// false without running when the slot was already claimed, or when another
// replica is running the job for the practice at this moment.
//
// The second case is decided by a transaction-scoped advisory lock taken
// without waiting. Without it, a claim made while another replica's run of
// the same slot is still open would wait on the primary key for that run to
// end, holding a connection; with ticks every few seconds, waiting claims
// would pile up and take every connection a replica has. The lock goes
// with the transaction, so a run whose process dies (its connection
// closes) frees the slot for the next tick.
func (r *reconciler) runSlot(ctx context.Context, job Periodic, p Practice, slot time.Time) (ran bool, err error) {
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	// A no-op after Commit. Not tied to ctx, so that a cancelled run still
	// rolls back cleanly instead of leaving the connection broken.
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	var free bool
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended('periodic:' || $1 || ':' || $2, 0))`,
		job.Name, p.ID).Scan(&free); err != nil {
		return false, fmt.Errorf("lock job: %w", err)
	}
	if !free {
		return false, nil
	}
	tag, err := tx.Exec(ctx,
		`INSERT INTO job_slots (practice_id, job, slot) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		p.ID, job.Name, slot)
	if err != nil {
		return false, fmt.Errorf("claim slot: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	if err := run(ctx, job, tx, p, slot); err != nil {
		return false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	return true, nil
}

// run calls job.Run, turning a panic into an error so that one broken job
// cannot take the rest of the tick down with it.
func run(ctx context.Context, job Periodic, tx pgx.Tx, p Practice, slot time.Time) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return job.Run(ctx, tx, p, slot)
}
