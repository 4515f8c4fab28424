package practice_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

func serviceNames(t *testing.T, c *practice.ServiceCache, pid atlas.PracticeID) []string {
	t.Helper()
	list, err := c.Services(context.Background(), pid)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range list {
		out = append(out, s.Code+" "+s.Name)
	}
	return out
}

// waitFor receives from ch, failing the test after ten seconds.
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10s", what)
	}
	panic("unreachable")
}

// TestServiceCacheAcrossReplicas runs two caches, as two replicas would,
// on two pools of one database. Each serves from memory once warm (a
// change made with the notification switched off goes unseen), and a
// service saved through either is seen by both, because the trigger tells
// every listener to drop the practice.
func TestServiceCacheAcrossReplicas(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, pool := pgtest.NewDatabase(t)
	pool2, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool2.Close()
	const pid = atlas.PracticeID("TCACHE")
	store := practice.Store{DB: pool}
	if _, err := store.Ensure(ctx, pid); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SaveService(ctx, pid, 0, "BK", "Bookkeeping", false); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var caches [2]*practice.ServiceCache
	var dropped [2]chan atlas.PracticeID
	for i, p := range []*pgxpool.Pool{pool, pool2} {
		caches[i] = practice.NewServiceCache(practice.Store{DB: p}, log)
		dropped[i] = make(chan atlas.PracticeID, 16)
		practice.WatchServiceCache(caches[i], dropped[i])
		go caches[i].Run(ctx, p)
		// Starting to listen drops whatever was held.
		if pid := waitFor(t, dropped[i], "start-up drop"); pid != "" {
			t.Fatalf("start-up dropped %q, want all", pid)
		}
	}
	want := []string{"BK Bookkeeping"}
	for _, c := range caches {
		if got := serviceNames(t, c, pid); !slices.Equal(got, want) {
			t.Fatalf("warm: %v", got)
		}
	}

	// Held in memory: a rename the trigger does not announce is not seen.
	if _, err := pool.Exec(ctx, `ALTER TABLE services DISABLE TRIGGER services_changed`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE services SET name = 'Books' WHERE practice_id = $1`, pid); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ALTER TABLE services ENABLE TRIGGER services_changed`); err != nil {
		t.Fatal(err)
	}
	for _, c := range caches {
		if got := serviceNames(t, c, pid); !slices.Equal(got, want) {
			t.Fatalf("served from memory: %v", got)
		}
	}

	// Saved through the second replica: both drop the practice and read
	// the new list.
	if _, err := (practice.Store{DB: pool2}).SaveService(ctx, pid, 0, "PAY", "Payroll", false); err != nil {
		t.Fatal(err)
	}
	for i := range caches {
		if got := waitFor(t, dropped[i], "drop"); got != pid {
			t.Fatalf("cache %d dropped %q", i, got)
		}
	}
	want = []string{"BK Books", "PAY Payroll"}
	for _, c := range caches {
		if got := serviceNames(t, c, pid); !slices.Equal(got, want) {
			t.Fatalf("after the change: %v, want %v", got, want)
		}
	}
}

// TestServiceCacheNotListeningReadsThrough: without Run, nothing is kept.
func TestServiceCacheNotListeningReadsThrough(t *testing.T) {
	ctx := context.Background()
	_, pool := pgtest.NewDatabase(t)
	const pid = atlas.PracticeID("TCACHE2")
	store := practice.Store{DB: pool}
	if _, err := store.Ensure(ctx, pid); err != nil {
		t.Fatal(err)
	}
	c := practice.NewServiceCache(store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if got := serviceNames(t, c, pid); len(got) != 0 {
		t.Fatalf("%v", got)
	}
	if _, err := store.SaveService(ctx, pid, 0, "BK", "Bookkeeping", false); err != nil {
		t.Fatal(err)
	}
	if got := serviceNames(t, c, pid); !slices.Equal(got, []string{"BK Bookkeeping"}) {
		t.Fatalf("read through: %v", got)
	}
}
