package outbox_test

import (
	"context"
	"testing"

	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// Posts are numbered per channel in the transaction that queues them, and
// a transaction rolled back queues nothing.
func TestQueuePost(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO practices (id) VALUES ('TOUT')`); err != nil {
		t.Fatal(err)
	}
	queue := func(channel string, commit bool) {
		t.Helper()
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: "TOUT", Channel: channel, Render: "test",
			Subject: outbox.Subject{Type: "invoice", ID: 1, Purpose: "card"}}); err != nil {
			t.Fatal(err)
		}
		if commit {
			err = tx.Commit(ctx)
		} else {
			err = tx.Rollback(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	queue("C1", true)
	queue("C1", false)
	queue("C1", true)
	queue("C2", true)
	var jobs int
	var seqs []int64
	rows, err := pool.Query(ctx, `SELECT (args->>'seq')::bigint FROM river_job WHERE kind = 'slack_post' AND args->>'channel' = 'C1' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s int64
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, s)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'slack_post'`).Scan(&jobs); err != nil || jobs != 3 {
		t.Fatalf("%d jobs (%v), want 3: the rolled-back one queued nothing", jobs, err)
	}
	if len(seqs) != 2 || seqs[0] != 1 || seqs[1] != 2 {
		t.Fatalf("C1's posts numbered %v, want [1 2]", seqs)
	}
}

// A post's intent is there from before it is sent until it is recorded,
// and moves to the latest attempt.
func TestPostIntents(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO practices (id) VALUES ('TINT')`); err != nil {
		t.Fatal(err)
	}
	store := outbox.Store{DB: pool}
	p := outbox.Post{Practice: "TINT", Channel: "C1", Render: "test", Subject: outbox.Subject{Type: "invoice", ID: 1, Purpose: "card"}, Seq: 1}
	if _, ok, err := store.Intent(ctx, p, "C1"); err != nil || ok {
		t.Fatalf("an intent before any attempt (%v)", err)
	}
	if err := store.Intend(ctx, p, "C1"); err != nil {
		t.Fatal(err)
	}
	first, ok, err := store.Intent(ctx, p, "C1")
	if err != nil || !ok {
		t.Fatalf("no intent after Intend (%v)", err)
	}
	if _, ok, err := store.Intent(ctx, p, "C2"); err != nil || ok {
		t.Fatalf("an intent in another channel (%v)", err)
	}
	if err := store.Intend(ctx, p, "C1"); err != nil {
		t.Fatal(err)
	}
	if second, _, err := store.Intent(ctx, p, "C1"); err != nil || !second.After(first) {
		t.Fatalf("a second attempt's intent since %v, the first's %v (%v)", second, first, err)
	}
	if err := store.Record(ctx, p, "C1", "1700000000.000100", 0); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := store.Intent(ctx, p, "C1"); err != nil || ok {
		t.Fatalf("an intent left after the post was recorded (%v)", err)
	}
}
