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
	if second, _, err := store.Intent(ctx, p, "C1"); err != nil || !second.Since.After(first.Since) {
		t.Fatalf("a second attempt's intent since %v, the first's %v (%v)", second.Since, first.Since, err)
	}
	if err := store.Record(ctx, p, "C1", "1700000000.000100", 0); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := store.Intent(ctx, p, "C1"); err != nil || ok {
		t.Fatalf("an intent left after the post was recorded (%v)", err)
	}
}

// An upload's intent keeps the file Slack reserved for it until a new
// attempt starts afresh; a file cannot be noted without an intent.
func TestUploadIntents(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO practices (id) VALUES ('TFILE')`); err != nil {
		t.Fatal(err)
	}
	store := outbox.Store{DB: pool}
	p := outbox.Post{Practice: "TFILE", Channel: "C1", Render: "pdf", Upload: true, Subject: outbox.Subject{Type: "invoice", ID: 1, Purpose: "pdf"}, Seq: 1}
	if err := store.IntendFile(ctx, p, "C1", "F1"); err == nil {
		t.Fatal("noted a file with no intent to note it in")
	}
	if err := store.Intend(ctx, p, "C1"); err != nil {
		t.Fatal(err)
	}
	if in, ok, err := store.Intent(ctx, p, "C1"); err != nil || !ok || in.FileID != "" {
		t.Fatalf("a fresh intent: %+v, %v (%v)", in, ok, err)
	}
	if err := store.IntendFile(ctx, p, "C1", "F1"); err != nil {
		t.Fatal(err)
	}
	if in, _, err := store.Intent(ctx, p, "C1"); err != nil || in.FileID != "F1" {
		t.Fatalf("the intent's file is %q, want F1 (%v)", in.FileID, err)
	}
	if err := store.Intend(ctx, p, "C1"); err != nil {
		t.Fatal(err)
	}
	if in, _, err := store.Intent(ctx, p, "C1"); err != nil || in.FileID != "" {
		t.Fatalf("starting again kept the file %q (%v)", in.FileID, err)
	}
}

// A post given up moves its channel on and leaves no intent behind, where
// the next post of its subject would find it; another channel's intent
// for the same subject stays.
func TestGiveUpDropsTheIntent(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO practices (id) VALUES ('TGIVE')`); err != nil {
		t.Fatal(err)
	}
	store := outbox.Store{DB: pool}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	subject := outbox.Subject{Type: "invoice", ID: 1, Purpose: "pdf"}
	for _, ch := range []string{"UPAT", "C2"} {
		if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: "TGIVE", Channel: ch, Render: "pdf", Upload: true, Subject: subject}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// A DM's intent is kept under its DM channel, not the person's id.
	p := outbox.Post{Practice: "TGIVE", Channel: "UPAT", Render: "pdf", Upload: true, Subject: subject, Seq: 1}
	other := p
	other.Channel = "C2"
	for _, c := range []struct {
		p       outbox.Post
		channel string
	}{{p, "DPAT"}, {other, "C2"}} {
		if err := store.Intend(ctx, c.p, c.channel); err != nil {
			t.Fatal(err)
		}
		if err := store.IntendFile(ctx, c.p, c.channel, "F1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.GiveUp(ctx, p, "DPAT"); err != nil {
		t.Fatal(err)
	}
	if in, ok, err := store.Intent(ctx, p, "DPAT"); err != nil || ok {
		t.Fatalf("a given-up post left its intent: %+v (%v)", in, err)
	}
	if _, ok, err := store.Intent(ctx, other, "C2"); err != nil || !ok {
		t.Fatalf("giving up one post dropped another channel's intent (%v)", err)
	}
	if turn, err := store.TurnOf(ctx, p); err != nil || turn.Done != 1 {
		t.Fatalf("the queue stands at %d after giving up post 1 (%v)", turn.Done, err)
	}
}
