package jobs

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// Two replicas tick together, and extra ticks are enqueued on top so that
// they really do race for the same slots; each slot must still run once.
func TestPeriodicRunsOncePerSlotAcrossReplicas(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	ctx := context.Background()
	addPractice(t, pool, "T1", "Europe/London", time.Now())

	var (
		mu    sync.Mutex
		calls = map[time.Time]int{}
	)
	reg := NewRegistry()
	err := reg.AddPeriodic(Periodic{
		Name: "every-second",
		Spec: "@every 1s",
		Run: func(ctx context.Context, tx pgx.Tx, p Practice, slot time.Time) error {
			mu.Lock()
			calls[slot.UTC()]++
			mu.Unlock()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var engines []*Engine
	for range 2 {
		log, _ := testLogger(t)
		engines = append(engines, startEngine(t, pool, log, Options{Registry: reg, Tick: "@every 1s", MaxWorkers: 4}))
	}

	waitFor(t, 30*time.Second, "3 slots run, ticks worked by both replicas", func() (bool, error) {
		// A burst of ticks on top of the leader's.
		burst := []river.InsertManyParams{{Args: tickArgs{}}, {Args: tickArgs{}}, {Args: tickArgs{}}}
		if _, err := engines[0].Client().InsertMany(ctx, burst); err != nil {
			return false, err
		}
		var slots, workers int
		err := pool.QueryRow(ctx, `
			SELECT (SELECT count(*) FROM job_slots),
			       (SELECT count(DISTINCT attempted_by[1]) FROM river_job WHERE kind = $1 AND state = 'completed')`,
			tickArgs{}.Kind()).Scan(&slots, &workers)
		return slots >= 3 && workers == 2, err
	})
	for _, e := range engines {
		stopEngine(t, e)
	}

	rows, err := pool.Query(ctx, `SELECT slot FROM job_slots WHERE practice_id = 'T1' AND job = 'every-second'`)
	if err != nil {
		t.Fatal(err)
	}
	slots, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range slots {
		if n := calls[s.UTC()]; n != 1 {
			t.Errorf("slot %v ran %d times, want 1", s, n)
		}
	}
	if len(calls) != len(slots) {
		t.Errorf("Run called for %d slots, job_slots has %d rows", len(calls), len(slots))
	}
}

// After days of downtime a daily job runs once, for the latest slot only,
// at 06:00 in the practice's own timezone.
func TestPeriodicCatchesUpWithLatestSlotOnly(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	ctx := context.Background()
	newYork := mustLoad(t, "America/New_York")
	addPractice(t, pool, "T1", "America/New_York", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	// Last run 3 days ago, before the clocks went forward on 8 March.
	last := time.Date(2026, 3, 7, 6, 0, 0, 0, newYork)
	if _, err := pool.Exec(ctx, `INSERT INTO job_slots (practice_id, job, slot) VALUES ('T1', 'daily', $1)`, last); err != nil {
		t.Fatal(err)
	}
	clock := atlas.NewFixedClock(time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)) // 11:30 in New York

	type call struct {
		practice Practice
		slot     time.Time
	}
	var (
		mu    sync.Mutex
		calls []call
	)
	reg := NewRegistry()
	err := reg.AddPeriodic(Periodic{
		Name: "daily",
		Spec: "0 6 * * *",
		Run: func(ctx context.Context, tx pgx.Tx, p Practice, slot time.Time) error {
			mu.Lock()
			calls = append(calls, call{p, slot})
			mu.Unlock()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	log, logs := testLogger(t)
	e := startEngine(t, pool, log, Options{Registry: reg, Clock: clock, Tick: "@every 1s"})

	waitFor(t, 30*time.Second, "the missed slot to run", func() (bool, error) {
		n, err := countSlots(ctx, pool, "T1", "daily")
		return n == 2, err
	})
	stopEngine(t, e)

	want := time.Date(2026, 3, 10, 6, 0, 0, 0, newYork)
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 1 {
		t.Fatalf("Run called %d times, want once: %v", len(calls), calls)
	}
	got := calls[0]
	if !got.slot.Equal(want) {
		t.Errorf("slot = %v, want %v", got.slot, want)
	}
	if got.slot.Location().String() != "America/New_York" || got.slot.Hour() != 6 {
		t.Errorf("slot = %v, want 06:00 New York time", got.slot)
	}
	if got.practice.ID != "T1" || got.practice.Location.String() != "America/New_York" {
		t.Errorf("practice = %+v", got.practice)
	}
	var stored time.Time
	if err := pool.QueryRow(ctx, `SELECT max(slot) FROM job_slots WHERE practice_id = 'T1' AND job = 'daily'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !stored.Equal(want) {
		t.Errorf("stored slot = %v, want %v", stored, want)
	}
	if !strings.Contains(logs.String(), "skipped=2") {
		t.Errorf("logs do not report the 2 skipped slots")
	}
}

// A failed Run leaves no claim, so the next tick runs the same slot again;
// neither it nor a practice with a broken timezone holds up the others.
func TestPeriodicRetriesFailedSlot(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	ctx := context.Background()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Practices are visited in id order: the failures come first.
	addPractice(t, pool, "A-badtz", "Mars/Olympus_Mons", created)
	addPractice(t, pool, "B-fails", "Europe/London", created)
	addPractice(t, pool, "C-fine", "Europe/London", created)
	clock := atlas.NewFixedClock(time.Date(2026, 1, 1, 9, 30, 0, 0, time.UTC))
	want := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

	var (
		mu       sync.Mutex
		attempts = map[string][]time.Time{}
	)
	retried := make(chan struct{})
	release := make(chan struct{})
	reg := NewRegistry()
	err := reg.AddPeriodic(Periodic{
		Name: "hourly",
		Spec: "@hourly",
		Run: func(ctx context.Context, tx pgx.Tx, p Practice, slot time.Time) error {
			mu.Lock()
			attempts[p.ID] = append(attempts[p.ID], slot)
			n := len(attempts[p.ID])
			mu.Unlock()
			if p.ID != "B-fails" {
				return nil
			}
			if n == 1 {
				return errors.New("boom")
			}
			// Hold the retry open, its claim uncommitted, while the test
			// looks at job_slots.
			close(retried)
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	log, logs := testLogger(t)
	e := startEngine(t, pool, log, Options{Registry: reg, Clock: clock, Tick: "@every 1s"})

	select {
	case <-retried:
	case <-time.After(30 * time.Second):
		t.Fatal("failed slot was not retried")
	}
	// The retry is blocked, so the failed attempt's claim would be the only
	// row for B-fails had it been committed. C-fine ran in the first tick,
	// after B-fails failed.
	if n, err := countSlots(ctx, pool, "B-fails", "hourly"); err != nil || n != 0 {
		t.Fatalf("B-fails has %d job_slots rows after a failed run (err %v), want 0", n, err)
	}
	if n, err := countSlots(ctx, pool, "C-fine", "hourly"); err != nil || n != 1 {
		t.Fatalf("C-fine has %d job_slots rows (err %v), want 1", n, err)
	}
	close(release)
	waitFor(t, 30*time.Second, "the retried slot to commit", func() (bool, error) {
		n, err := countSlots(ctx, pool, "B-fails", "hourly")
		return n == 1, err
	})
	stopEngine(t, e)

	mu.Lock()
	defer mu.Unlock()
	if got := attempts["B-fails"]; len(got) != 2 || !got[0].Equal(want) || !got[1].Equal(want) {
		t.Errorf("B-fails attempts = %v, want two for %v", got, want)
	}
	if got := attempts["C-fine"]; len(got) != 1 || !got[0].Equal(want) {
		t.Errorf("C-fine attempts = %v, want one for %v", got, want)
	}
	if got := attempts["A-badtz"]; len(got) != 0 {
		t.Errorf("A-badtz with an invalid timezone ran: %v", got)
	}
	for _, line := range []string{
		`msg="periodic job failed; retrying on the next tick" job=hourly practice=B-fails`,
		`msg="periodic job skipped: practice has an invalid timezone" job=hourly practice=A-badtz`,
	} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("logs lack %s", line)
		}
	}
}

// Stop waits for running jobs until its deadline, then cancels them: the
// interrupted Run rolls back and leaves its slot for later.
func TestStopCancelsRunningJobsAtDeadline(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	addPractice(t, pool, "T1", "UTC", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	clock := atlas.NewFixedClock(time.Date(2026, 1, 1, 9, 30, 0, 0, time.UTC))

	started := make(chan struct{})
	var once sync.Once
	runErr := make(chan error, 1)
	reg := NewRegistry()
	err := reg.AddPeriodic(Periodic{
		Name: "slow",
		Spec: "@hourly",
		Run: func(ctx context.Context, tx pgx.Tx, p Practice, slot time.Time) error {
			once.Do(func() { close(started) })
			<-ctx.Done()
			select {
			case runErr <- ctx.Err():
			default:
			}
			return ctx.Err()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	log, _ := testLogger(t)
	e := startEngine(t, pool, log, Options{Registry: reg, Clock: clock, Tick: "@every 1s"})
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("job did not start")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err = e.Stop(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop = %v, want a deadline error", err)
	}
	select {
	case err := <-runErr:
		if err == nil {
			t.Fatal("Run's context ended without an error")
		}
	default:
		t.Fatal("Stop returned while Run was still running")
	}
	if n, err := countSlots(context.Background(), pool, "T1", "slow"); err != nil || n != 0 {
		t.Fatalf("job_slots has %d rows (err %v) after a cancelled run, want 0", n, err)
	}
}
