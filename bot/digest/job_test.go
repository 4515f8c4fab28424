package digest_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/bot/digest"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// practiceAt sets up practice pid in London with its digest at 08:00 in
// C0DIGEST on weekdays (or every day), and one person who gets the DM.
func practiceAt(t *testing.T, pool *pgxpool.Pool, pid string, everyDay bool) {
	t.Helper()
	days := "{1,2,3,4,5}"
	if everyDay {
		days = "{1,2,3,4,5,6,7}"
	}
	for _, sql := range []string{
		`INSERT INTO practices (id, name, timezone, created_at, digest_channel, digest_time, working_days)
			VALUES ($1, 'Ledgerline', 'Europe/London', '2026-01-01', 'C0DIGEST', '08:00', '` + days + `')`,
		`INSERT INTO members (practice_id, slack_user_id, name, role) VALUES ($1, 'UBEA', 'Bea', 'staff')`,
	} {
		if _, err := pool.Exec(context.Background(), sql, pid); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

// posted counts the digest posts queued for pid: the practice's message
// (render digest.practice) and the DMs (digest.person), and how many of
// the practice's claims were late.
func posted(t *testing.T, pool *pgxpool.Pool, pid string) (practice, person, late int) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `
		SELECT count(*) FILTER (WHERE args->>'render' = $2), count(*) FILTER (WHERE args->>'render' = $3),
		       (SELECT count(*) FROM digest_claims WHERE practice_id = $1 AND recipient = 'practice' AND late)
		  FROM river_job WHERE kind = 'slack_post' AND args->>'practice' = $1`, pid, digest.RenderPractice, digest.RenderPerson).
		Scan(&practice, &person, &late)
	if err != nil {
		t.Fatal(err)
	}
	return practice, person, late
}

// runAt runs the digest job as the reconciler would for a slot at now: in
// the slot's transaction, committed.
func runAt(t *testing.T, pool *pgxpool.Pool, pid string, now time.Time) {
	t.Helper()
	err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		return digest.Job{Log: quietLog}.Run(context.Background(), tx, atlas.PracticeID(pid), now)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func london(s string) time.Time {
	loc, _ := time.LoadLocation("Europe/London")
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

// Eight replicas waking for the same slot at once queue one digest and one
// DM; waking again that day queues nothing more.
func TestDigestOnceAcrossConcurrentRuns(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	practiceAt(t, pool, "D1", false)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			errs <- pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
				return digest.Job{Log: quietLog}.Run(context.Background(), tx, "D1", london("2026-12-03 08:00"))
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	runAt(t, pool, "D1", london("2026-12-03 11:30"))
	if p, d, late := posted(t, pool, "D1"); p != 1 || d != 1 || late != 0 {
		t.Fatalf("%d digests and %d DMs queued (%d late), want 1 and 1 on time", p, d, late)
	}
}

// A run that dies between its claim and its commit leaves nothing: the next
// run claims and queues the digest once.
func TestDigestCrashBeforeCommitPostsOnce(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	practiceAt(t, pool, "D2", false)
	tx, err := pool.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := (digest.Job{Log: quietLog}).Run(context.Background(), tx, "D2", london("2026-12-03 08:00")); err != nil {
		t.Fatal(err)
	}
	_ = tx.Rollback(context.Background()) // the process died before committing
	if p, d, _ := posted(t, pool, "D2"); p != 0 || d != 0 {
		t.Fatalf("a rolled-back run queued %d and %d", p, d)
	}
	runAt(t, pool, "D2", london("2026-12-03 08:05"))
	runAt(t, pool, "D2", london("2026-12-03 08:10"))
	if p, d, late := posted(t, pool, "D2"); p != 1 || d != 1 || late != 0 {
		t.Fatalf("after the restart %d digests and %d DMs (%d late), want 1 and 1", p, d, late)
	}
}

// Before the digest's time nothing goes; at it, one; on a weekend none.
// Downtime across the digest's time posts one late digest; downtime past
// the day's end posts none for the day that is over.
func TestDigestTimingWeekendsAndDowntime(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	practiceAt(t, pool, "D3", false)
	runAt(t, pool, "D3", london("2026-12-03 07:55"))
	if p, _, _ := posted(t, pool, "D3"); p != 0 {
		t.Fatal("posted before its time")
	}
	runAt(t, pool, "D3", london("2026-12-05 08:00")) // Saturday
	runAt(t, pool, "D3", london("2026-12-06 09:00")) // Sunday
	if p, d, _ := posted(t, pool, "D3"); p != 0 || d != 0 {
		t.Fatal("posted on a weekend")
	}
	// Down from 07:00 to 10:37 on Monday: the one slot run is 10:35.
	runAt(t, pool, "D3", london("2026-12-07 10:35"))
	if p, _, late := posted(t, pool, "D3"); p != 1 || late != 1 {
		t.Fatalf("after downtime %d digests, %d late; want 1 late", p, late)
	}
	// Down from Tuesday 07:00 to Wednesday 06:00: Tuesday's is not posted,
	// and Wednesday's goes at its time.
	runAt(t, pool, "D3", london("2026-12-09 06:00"))
	runAt(t, pool, "D3", london("2026-12-09 08:00"))
	var days []string
	rows, _ := pool.Query(context.Background(), `SELECT day::text FROM digest_claims WHERE practice_id = 'D3' AND recipient = 'practice' ORDER BY day`)
	days, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(days) != 2 || days[0] != "2026-12-07" || days[1] != "2026-12-09" {
		t.Fatalf("digests of %v (%v), want 7 and 9 December", days, err)
	}
}

// The reconciler of two River clients on one database, its clock moved
// across the digest's time, on the spring-forward and fall-back days (a
// practice working every day): one digest each day, at 08:00 London time.
func TestDigestAcrossDaylightSavingWithTwoReplicas(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	practiceAt(t, pool, "D4", true)
	clock := atlas.NewFixedClock(london("2027-03-28 07:40"))
	for range 2 {
		reg := jobs.NewRegistry()
		if err := (digest.Job{Log: quietLog}).RegisterJobs(reg); err != nil {
			t.Fatal(err)
		}
		e, err := jobs.New(pool, quietLog, jobs.Options{Registry: reg, Clock: clock, Tick: "@every 1s"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_ = e.Stop(ctx)
		})
	}
	// step moves the clock to at and waits until the reconciler has run
	// the slot at or before it (job_slots says so).
	step := func(at time.Time) {
		t.Helper()
		clock.Set(at)
		slot := at.Truncate(5 * time.Minute)
		waitFor(t, 30*time.Second, "the slot of "+at.String(), func() (bool, error) {
			var n int
			err := pool.QueryRow(context.Background(), `SELECT count(*) FROM job_slots WHERE practice_id = 'D4' AND job = 'digests' AND slot = $1`, slot).Scan(&n)
			return n == 1, err
		})
	}
	// Spring forward: 01:00 GMT became 02:00 BST. 07:55 BST is 06:55 UTC.
	step(london("2027-03-28 07:55"))
	if p, _, _ := posted(t, pool, "D4"); p != 0 {
		t.Fatal("posted before 08:00 BST")
	}
	step(london("2027-03-28 08:00"))
	if at := london("2027-03-28 08:00"); at.UTC().Hour() != 7 {
		t.Fatalf("08:00 BST is %v", at.UTC())
	}
	if p, _, late := posted(t, pool, "D4"); p != 1 || late != 0 {
		t.Fatalf("spring forward: %d digests (%d late)", p, late)
	}
	step(london("2027-03-28 08:30"))
	// Fall back: on 31 October 2027, 02:00 BST became 01:00 GMT. The slots
	// missed in between collapse into the latest, so nothing more went.
	step(london("2027-10-31 07:55"))
	p, _, _ := posted(t, pool, "D4")
	if p != 1 {
		t.Fatalf("%d digests after the months missed", p)
	}
	step(london("2027-10-31 08:00"))
	if at := london("2027-10-31 08:00"); at.UTC().Hour() != 8 {
		t.Fatalf("08:00 GMT is %v", at.UTC())
	}
	if q, _, late := posted(t, pool, "D4"); q != p+1 || late != 0 {
		t.Fatalf("fall back: %d digests after %d (%d late)", q, p, late)
	}
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", timeout, what)
		}
		<-poll.C
	}
}
