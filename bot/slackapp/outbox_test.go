package slackapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

const practiceID = "TOUTBOX"

// outboxWorld is a database, the Slack stand-in and a router whose "note"
// renderer draws a message from the subject alone.
type outboxWorld struct {
	t    *testing.T
	ctx  context.Context
	fake *slackfake.Server
	pool *pgxpool.Pool
	dsn  string
	rt   *slackapp.Router
}

func newOutboxWorld(t *testing.T) *outboxWorld {
	t.Helper()
	fake := slackfake.New(t)
	dsn, pool := pgtest.NewDatabase(t)
	w := &outboxWorld{t: t, ctx: context.Background(), fake: fake, pool: pool, dsn: dsn, rt: newRouter(fake)}
	if _, err := pool.Exec(w.ctx, `INSERT INTO practices (id) VALUES ($1)`, practiceID); err != nil {
		t.Fatal(err)
	}
	return w
}

func newRouter(fake *slackfake.Server) *slackapp.Router {
	rt := slackapp.NewRouter(slackapp.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		API: slackapp.NewClient("xoxb-test", "", fake.APIURL())})
	rt.HandleRender("note", func(_ context.Context, p outbox.Post) (slackapp.Message, error) {
		if p.Subject.Purpose == "silent" {
			return slackapp.Message{}, slackapp.ErrNothingToSay
		}
		return slackapp.Text(fmt.Sprintf("note %d", p.Subject.ID)), nil
	})
	return rt
}

// post is a note about subject id in channel.
func post(channel string, id int64) outbox.Post {
	return outbox.Post{Practice: practiceID, Channel: channel, Render: "note", Subject: outbox.Subject{Type: "note", ID: id, Purpose: "note"}}
}

// queue queues posts in one transaction, committed when commit is set.
func (w *outboxWorld) queue(pool *pgxpool.Pool, commit bool, posts ...outbox.Post) {
	w.t.Helper()
	tx, err := pool.Begin(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(w.ctx) }()
	for i := range posts {
		if err := outbox.QueuePost(w.ctx, tx, posts[i]); err != nil {
			w.t.Fatal(err)
		}
	}
	if commit {
		if err := tx.Commit(w.ctx); err != nil {
			w.t.Fatal(err)
		}
	}
}

// queued reads the posts queued in channel, as their jobs hold them.
func (w *outboxWorld) queued(channel string) []outbox.Post {
	w.t.Helper()
	rows, err := w.pool.Query(w.ctx, `SELECT args FROM river_job WHERE kind = 'slack_post' AND args->>'channel' = $1
		ORDER BY (args->>'seq')::bigint`, channel)
	if err != nil {
		w.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[outbox.Post])
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// start runs a job engine with the outbox's workers on pool, as one
// replica does.
func (w *outboxWorld) start(pool *pgxpool.Pool, rt *slackapp.Router, interval time.Duration) {
	w.t.Helper()
	workers := river.NewWorkers()
	if err := slackapp.AddOutboxWorkers(workers, rt, outbox.Store{DB: pool}, slackapp.OutboxOptions{Interval: interval}); err != nil {
		w.t.Fatal(err)
	}
	e, err := jobs.New(pool, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{Workers: workers, Tick: "@every 1h"})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := e.Start(w.ctx); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.Stop(ctx)
	})
}

// settle waits until every outbox job has finished, or fails after limit.
func (w *outboxWorld) settle(limit time.Duration) {
	w.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var pending int
		if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM river_job WHERE kind IN ('slack_post', 'slack_update') AND finalized_at IS NULL`).Scan(&pending); err != nil {
			w.t.Fatal(err)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%d outbox jobs still pending after %s", pending, limit)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition
	}
}

// posted lists the texts posted in channel, in the order Slack received them.
func (w *outboxWorld) posted(channel string) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range w.fake.Calls("chat.postMessage") {
		if c.Param("channel") == channel && c.Error == "" && !c.RateLimited {
			out = append(out, c)
		}
	}
	return out
}

func texts(calls []slackfake.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Param("text")
	}
	return out
}

// Posts whose jobs were deleted by hand never come: the channel moves past
// them once it has stood free a while, and the posts after them go, once.
func TestOutboxSkipsLostPosts(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t)
	w.queue(w.pool, true, post("CLOST", 1), post("CLOST", 2), post("CLOST", 3), post("CLOST", 4))
	if _, err := w.pool.Exec(w.ctx, `DELETE FROM river_job WHERE kind = 'slack_post' AND (args->>'seq')::bigint IN (2, 3)`); err != nil {
		t.Fatal(err)
	}
	w.start(w.pool, w.rt, 10*time.Millisecond)
	w.settle(20 * time.Second)
	if got := texts(w.posted("CLOST")); strings.Join(got, ",") != "note 1,note 4" {
		t.Fatalf("posted %q, want note 1 and note 4", got)
	}
}

// A transaction rolled back after queueing posts nothing; the channel's
// numbering has no hole for it, so the next post is not held up.
func TestOutboxRollbackPostsNothing(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t)
	w.queue(w.pool, false, post("CROLL", 1))
	w.queue(w.pool, true, post("CROLL", 2))
	w.start(w.pool, w.rt, 10*time.Millisecond)
	w.settle(10 * time.Second)
	if got := texts(w.posted("CROLL")); strings.Join(got, ",") != "note 2" {
		t.Fatalf("posted %q, want only the committed note 2", got)
	}
}

// Where a worker can be killed, and what a retry then posts: never a
// second message. Killed between Slack taking the message and its record
// committing, the retry finds the message by its metadata and records it;
// only that retry reads the channel back.
func TestOutboxCrashWindows(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t)
	for i, c := range []struct {
		stage   string
		lookups int // conversations.history calls
	}{{"rendered", 0}, {"sent", 1}, {"recorded", 0}} {
		channel := fmt.Sprintf("CCRASH%d", i)
		w.queue(w.pool, true, post(channel, 1))
		p := w.queued(channel)[0]
		w.killAt(t, p, c.stage)
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err != nil {
			t.Fatalf("%s: retry: %v", c.stage, err)
		}
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err != nil {
			t.Fatalf("%s: second retry: %v", c.stage, err)
		}
		posted := w.posted(channel)
		if len(posted) != 1 {
			t.Fatalf("killed after %s: %d messages, want 1", c.stage, len(posted))
		}
		if !strings.Contains(posted[0].Param("metadata"), `"event_type":"atlas_post"`) {
			t.Errorf("killed after %s: the message carries no metadata: %q", c.stage, posted[0].Param("metadata"))
		}
		if n := len(w.calls("conversations.history", channel)); n != c.lookups {
			t.Errorf("killed after %s: %d history lookups, want %d", c.stage, n, c.lookups)
		}
		w.recorded(p, posted[0])
	}
}

// killAt runs one attempt of p that is killed at stage, failing t (the
// running test or subtest) if it is not.
func (w *outboxWorld) killAt(t testing.TB, p outbox.Post, stage string) {
	t.Helper()
	killed := errors.New("killed")
	err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, func(at string) error {
		if at == stage {
			return killed
		}
		return nil
	})
	if !errors.Is(err, killed) {
		t.Fatalf("killed at %s: %v", stage, err)
	}
}

// calls are the answered calls to method about channel.
func (w *outboxWorld) calls(method, channel string) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range w.fake.Calls(method) {
		if c.Param("channel") == channel {
			out = append(out, c)
		}
	}
	return out
}

// fileCalls are the answered calls to method about the file id.
func (w *outboxWorld) fileCalls(method, id string) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range w.fake.Calls(method) {
		if c.Param("file") == id || strings.Contains(c.Param("files"), `"`+id+`"`) {
			out = append(out, c)
		}
	}
	return out
}

// recorded checks that p is recorded as the message call made.
func (w *outboxWorld) recorded(p outbox.Post, call slackfake.Call) {
	w.t.Helper()
	var resp struct{ Channel, TS string }
	if err := json.Unmarshal(call.Response, &resp); err != nil {
		w.t.Fatal(err)
	}
	var ts string
	if err := w.pool.QueryRow(w.ctx, `SELECT ts FROM slack_posts WHERE practice_id = $1 AND subject_id = $2 AND purpose = $3 AND channel = $4`,
		p.Practice, p.Subject.ID, p.Subject.Purpose, resp.Channel).Scan(&ts); err != nil || ts != resp.TS {
		w.t.Fatalf("recorded %q (%v), want the message posted, %q", ts, err, resp.TS)
	}
}

// A reply in a thread, a DM and a file, each killed after Slack took it:
// the retry finds it (in the thread's replies, the DM's history, the file
// its intent names) and records it rather than sending it again. One whose
// message Slack took while the worker waited for the answer, and never
// heard of, is found the same way.
func TestOutboxRecoversWhatAKilledAttemptSent(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t)
	w.fake.AddUser("UPAT1", "pat", "Pat Partner", "pat@example.com")
	w.rt.HandleFile("pdf", func(_ context.Context, p outbox.Post) (slackapp.File, error) {
		return slackapp.File{Name: fmt.Sprintf("note-%d.pdf", p.Subject.ID), Title: "Note", Data: []byte("%PDF-1.4 note")}, nil
	})
	note := outbox.Subject{Type: "note", ID: 1, Purpose: "note"}

	t.Run("thread", func(t *testing.T) {
		reply := post("CTHREAD", 2)
		reply.Thread = &note
		w.queue(w.pool, true, post("CTHREAD", 1), reply)
		queued := w.queued("CTHREAD")
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, queued[0], nil); err != nil {
			t.Fatal(err)
		}
		// A person answers in the thread before the retry, and the note
		// itself carries metadata too: neither is taken for the reply.
		parent := w.posted("CTHREAD")[0]
		var resp struct{ TS string }
		_ = json.Unmarshal(parent.Response, &resp)
		w.killAt(t, queued[1], "sent")
		w.fake.AddMessage(slackfake.Message{Channel: "CTHREAD", ThreadTS: resp.TS, Text: "thanks"})
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, queued[1], nil); err != nil {
			t.Fatal(err)
		}
		posted := w.posted("CTHREAD")
		if len(posted) != 2 || posted[1].Param("thread_ts") != resp.TS {
			t.Fatalf("posted %q", texts(posted))
		}
		if n := len(w.calls("conversations.replies", "CTHREAD")); n != 1 {
			t.Fatalf("%d conversations.replies calls, want 1", n)
		}
		w.recorded(queued[1], posted[1])
	})

	t.Run("DM", func(t *testing.T) {
		w.queue(w.pool, true, post("UPAT1", 1))
		p := w.queued("UPAT1")[0]
		w.killAt(t, p, "sent")
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err != nil {
			t.Fatal(err)
		}
		dm := slackfake.DMChannelID("UPAT1")
		if n := len(w.fake.Messages(dm)); n != 1 {
			t.Fatalf("%d DMs, want 1", n)
		}
		w.recorded(p, w.posted(dm)[0])
	})

	t.Run("file", func(t *testing.T) {
		file := outbox.Post{Practice: practiceID, Channel: "CUPLOAD", Render: "pdf", Upload: true,
			Subject: outbox.Subject{Type: "note", ID: 1, Purpose: "pdf"}, Thread: &note}
		w.queue(w.pool, true, post("CUPLOAD", 1), file)
		queued := w.queued("CUPLOAD")
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, queued[0], nil); err != nil {
			t.Fatal(err)
		}
		w.fake.AddFile("UPAT1", "CUPLOAD", "note-1.pdf", []byte("a person's copy")) // same name, not Atlas's
		w.killAt(t, queued[1], "sent")
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, queued[1], nil); err != nil {
			t.Fatal(err)
		}
		var atlas []slackfake.File
		for _, f := range w.fake.Files() {
			if f.ChannelID == "CUPLOAD" && f.User == "" {
				atlas = append(atlas, f)
			}
		}
		if len(atlas) != 1 {
			t.Fatalf("Atlas uploaded %d files, want 1", len(atlas))
		}
		if n := len(w.fileCalls("files.info", atlas[0].ID)); n != 1 {
			t.Fatalf("%d files.info calls about the file, want 1", n)
		}
		var ts string
		if err := w.pool.QueryRow(w.ctx, `SELECT ts FROM slack_posts WHERE channel = 'CUPLOAD' AND purpose = 'pdf'`).Scan(&ts); err != nil || ts != "file:"+atlas[0].ID {
			t.Fatalf("recorded %q (%v), want file:%s", ts, err, atlas[0].ID)
		}
	})

	t.Run("answer lost", func(t *testing.T) {
		w.queue(w.pool, true, post("CLOST", 1))
		p := w.queued("CLOST")[0]
		hold := w.fake.HoldCalls("chat.postMessage", 1)
		ctx, cancel := context.WithCancel(w.ctx)
		done := make(chan error, 1)
		go func() { done <- slackapp.DeliverOnce(ctx, w.rt, w.pool, p, nil) }()
		hold.Wait(t)
		cancel() // the worker stops waiting: killed, or timed out
		if err := <-done; err == nil {
			t.Fatal("an attempt that never heard from Slack succeeded")
		}
		hold.Release()
		w.fake.AddMessage(slackfake.Message{Channel: "CLOST", Text: "meanwhile"})
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err != nil {
			t.Fatal(err)
		}
		posted := w.posted("CLOST")
		if len(posted) != 1 {
			t.Fatalf("%d messages, want 1", len(posted))
		}
		w.recorded(p, posted[0])
	})

	t.Run("cannot look", func(t *testing.T) {
		// Without the history scopes (an install not yet updated) the
		// retry cannot look, and posts as before rather than lose the post.
		w.queue(w.pool, true, post("CSCOPE", 1))
		p := w.queued("CSCOPE")[0]
		w.killAt(t, p, "sent")
		w.fake.FailCall("conversations.history", "missing_scope", 1)
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err != nil {
			t.Fatal(err)
		}
		if n := len(w.posted("CSCOPE")); n != 2 {
			t.Fatalf("%d messages, want 2", n)
		}
	})
}

// Sixty cards queued for one channel from two processes go out in the
// order they were queued, no faster than one a second, while another
// channel's posts are not held up behind them.
func TestOutboxPacesAChannelAcrossReplicas(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t)
	other, err := pgxpool.New(w.ctx, w.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	var wg sync.WaitGroup
	for r, pool := range []*pgxpool.Pool{w.pool, other} {
		wg.Go(func() {
			for i := range 30 {
				w.queue(pool, true, post("CPACE", int64(r*100+i)))
			}
		})
	}
	wg.Wait()
	w.queue(w.pool, true, post("CQUIET", 1), post("CQUIET", 2))
	w.start(w.pool, w.rt, 0)
	w.start(other, newRouter(w.fake), 0)
	w.settle(120 * time.Second)

	var want []string
	for _, p := range w.queued("CPACE") {
		want = append(want, fmt.Sprintf("note %d", p.Subject.ID))
	}
	got := w.posted("CPACE")
	if strings.Join(texts(got), ",") != strings.Join(want, ",") {
		t.Fatalf("posted in order\n%q\nwant\n%q", texts(got), want)
	}
	for i := 1; i < len(got); i++ {
		if gap := got[i].At.Sub(got[i-1].At); gap < slackapp.PostInterval {
			t.Fatalf("posts %d and %d %s apart, under %s", i, i+1, gap, slackapp.PostInterval)
		}
	}
	quiet := w.posted("CQUIET")
	if len(quiet) != 2 || !quiet[1].At.Before(got[5].At) {
		t.Fatalf("another channel's 2 posts waited behind the busy one: %d posted", len(quiet))
	}
}

// HTTP 429 holds the channel for Slack's Retry-After, and the post goes
// once it has passed.
func TestOutboxHonoursRateLimits(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t)
	// The Web API client waits out three 429s itself; the fourth reaches
	// the worker, which holds the channel and snoozes.
	w.fake.RateLimit("chat.postMessage", time.Second, 4)
	w.queue(w.pool, true, post("CLIMIT", 1), post("CLIMIT", 2))
	w.start(w.pool, w.rt, 10*time.Millisecond)
	w.settle(30 * time.Second)
	limited := w.fake.RateLimitedCalls("chat.postMessage")
	got := w.posted("CLIMIT")
	if len(limited) != 4 || strings.Join(texts(got), ",") != "note 1,note 2" {
		t.Fatalf("%d rate-limited calls, posted %q", len(limited), texts(got))
	}
	if gap := got[0].At.Sub(limited[3].At); gap < time.Second {
		t.Fatalf("posted %s after the last 429, before its Retry-After", gap)
	}
}

// A post Slack refuses for good is given up at once and does not block the
// channel; one whose subject no longer calls for it is dropped.
func TestOutboxGivesUpWhatCanNeverGo(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t)
	w.fake.FailCall("chat.postMessage", "is_archived", 1)
	silent := post("CGONE", 3)
	silent.Subject.Purpose = "silent"
	w.queue(w.pool, true, post("CGONE", 1), post("CGONE", 2), silent, post("CGONE", 4))
	w.start(w.pool, w.rt, 10*time.Millisecond)
	w.settle(10 * time.Second)
	if got := texts(w.posted("CGONE")); strings.Join(got, ",") != "note 2,note 4" {
		t.Fatalf("posted %q, want note 2 and note 4", got)
	}
	var attempts int
	if err := w.pool.QueryRow(w.ctx, `SELECT max(attempt) FROM river_job WHERE kind = 'slack_post'`).Scan(&attempts); err != nil || attempts != 1 {
		t.Fatalf("a post was tried %d times (%v), want once each", attempts, err)
	}
}

// A DM goes to the person's DM channel; a thread reply finds its parent; a
// second post about the same subject updates the first; an update redraws
// every copy of a message.
func TestOutboxDMsThreadsAndUpdates(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t)
	w.fake.AddUser("UPAT1", "pat", "Pat Partner", "pat@example.com")
	reply := post("CCARDS", 2)
	reply.Thread = &outbox.Subject{Type: "note", ID: 1, Purpose: "note"}
	w.queue(w.pool, true, post("CCARDS", 1), reply, post("UPAT1", 1), post("COTHER", 1))
	w.start(w.pool, w.rt, 10*time.Millisecond)
	w.settle(10 * time.Second)

	parent := w.posted("CCARDS")
	if len(parent) != 2 || parent[1].Param("thread_ts") == "" {
		t.Fatalf("cards: %q", texts(parent))
	}
	var parentTS string
	if err := w.pool.QueryRow(w.ctx, `SELECT ts FROM slack_posts WHERE channel = 'CCARDS' AND subject_id = 1`).Scan(&parentTS); err != nil {
		t.Fatal(err)
	}
	if parent[1].Param("thread_ts") != parentTS {
		t.Fatalf("reply in thread %q, want %q", parent[1].Param("thread_ts"), parentTS)
	}
	if dm := w.posted(slackfake.DMChannelID("UPAT1")); len(dm) != 1 {
		t.Fatalf("%d DMs to Pat", len(dm))
	}

	// The same subject again in the same channel: updated, not reposted.
	w.queue(w.pool, true, post("CCARDS", 1))
	w.settle(10 * time.Second)
	if n := len(w.posted("CCARDS")); n != 2 {
		t.Fatalf("a second post about a subject made %d messages, want the 2 there were", n)
	}
	before := len(w.fake.Calls("chat.update"))
	tx, err := w.pool.Begin(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.QueueUpdate(w.ctx, tx, outbox.Update{Practice: practiceID, Render: "note", Subject: outbox.Subject{Type: "note", ID: 1, Purpose: "note"}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(w.ctx); err != nil {
		t.Fatal(err)
	}
	w.settle(10 * time.Second)
	channels := map[string]bool{}
	for _, c := range w.fake.Calls("chat.update")[before:] {
		channels[c.Param("channel")] = true
	}
	want := map[string]bool{"CCARDS": true, "COTHER": true, slackfake.DMChannelID("UPAT1"): true}
	if fmt.Sprint(channels) != fmt.Sprint(want) {
		t.Fatalf("updated copies in %v, want %v", channels, want)
	}
}

// A file goes into the thread of the message it belongs with, once: a
// retry, or the same file queued again, uploads nothing more.
func TestOutboxUploadsAFileOnce(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t)
	w.rt.HandleFile("pdf", func(_ context.Context, p outbox.Post) (slackapp.File, error) {
		return slackapp.File{Name: fmt.Sprintf("note-%d.pdf", p.Subject.ID), Title: "Note", Comment: "The note as a file",
			Data: []byte("%PDF-1.4 note")}, nil
	})
	file := outbox.Post{Practice: practiceID, Channel: "CFILES", Render: "pdf", Upload: true,
		Subject: outbox.Subject{Type: "note", ID: 1, Purpose: "pdf"}, Thread: &outbox.Subject{Type: "note", ID: 1, Purpose: "note"}}
	w.queue(w.pool, true, post("CFILES", 1), file)
	w.start(w.pool, w.rt, 10*time.Millisecond)
	w.settle(10 * time.Second)
	files := w.fake.Files()
	if len(files) != 1 || !files[0].Completed || string(files[0].Content) != "%PDF-1.4 note" || files[0].ChannelID != "CFILES" {
		t.Fatalf("files: %+v", files)
	}
	parent := w.posted("CFILES")
	if len(parent) != 1 || files[0].ThreadTS == "" {
		t.Fatalf("the file is not in the note's thread: %q, thread %q", texts(parent), files[0].ThreadTS)
	}
	queued := w.queued("CFILES")
	if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, queued[1], nil); err != nil {
		t.Fatal(err)
	}
	w.queue(w.pool, true, file)
	w.settle(10 * time.Second)
	if n := len(w.fake.Files()); n != 1 {
		t.Fatalf("a retried upload, and the same file queued again, made %d files", n)
	}
}

// A burst of updates of one message costs Slack far fewer than one each:
// an update with a later one waiting leaves the drawing to it.
func TestOutboxCoalescesUpdates(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t)
	w.queue(w.pool, true, post("CBURST", 1))
	tx, err := w.pool.Begin(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := outbox.Update{Practice: practiceID, Render: "note", Subject: outbox.Subject{Type: "note", ID: 1, Purpose: "note"}}
	for range 20 {
		if err := outbox.QueueUpdate(w.ctx, tx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(w.ctx); err != nil {
		t.Fatal(err)
	}
	w.start(w.pool, w.rt, 10*time.Millisecond)
	w.settle(10 * time.Second)
	if n := len(w.fake.Calls("chat.update")); n != 1 {
		t.Fatalf("20 updates of one message made %d chat.update calls, want 1", n)
	}
}

// report is a monthly report's file post in channel: every month's has the
// same name, as wip-<date>-by-<by>.csv and aged-debt-<day>.csv do when run
// again.
func report(channel string, id int64) outbox.Post {
	return outbox.Post{Practice: practiceID, Channel: channel, Render: "csv", Upload: true,
		Subject: outbox.Subject{Type: "report", ID: id, Purpose: "csv"}}
}

// atlasFiles are the files Atlas shared in channel, oldest first.
func (w *outboxWorld) atlasFiles(channel string) []slackfake.File {
	var out []slackfake.File
	for _, f := range w.fake.Files() {
		if f.ChannelID == channel && f.User == "" && f.Completed {
			out = append(out, f)
		}
	}
	return out
}

// recordedFile is the file p is recorded as, or "".
func (w *outboxWorld) recordedFile(p outbox.Post) string {
	w.t.Helper()
	var ts string
	err := w.pool.QueryRow(w.ctx, `SELECT ts FROM slack_posts WHERE practice_id = $1 AND subject_type = $2 AND subject_id = $3
		AND purpose = $4 AND channel = $5`, p.Practice, p.Subject.Type, p.Subject.ID, p.Subject.Purpose, p.Channel).Scan(&ts)
	if errors.Is(err, pgx.ErrNoRows) {
		return ""
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return strings.TrimPrefix(ts, "file:")
}

// intentFile is the file p's intent names, or "".
func (w *outboxWorld) intentFile(p outbox.Post) string {
	w.t.Helper()
	var id *string
	err := w.pool.QueryRow(w.ctx, `SELECT file_id FROM slack_post_intents WHERE practice_id = $1 AND subject_type = $2
		AND subject_id = $3 AND purpose = $4 AND channel = $5`, p.Practice, p.Subject.Type, p.Subject.ID, p.Subject.Purpose, p.Channel).Scan(&id)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		w.t.Fatal(err)
	}
	if id == nil {
		return ""
	}
	return *id
}

// An upload retried after a failure or a crash shares its own file, once:
// never last month's report of the same name, already in the channel.
// Whatever step the earlier attempt reached — none, the bytes sent, the
// file shared, or the answer lost — the retry asks Slack about the one
// file its intent names, and shares that file, adopts it, or (Slack having
// dropped it) uploads again.
func TestOutboxUploadRecovery(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t)
	w.rt.HandleFile("csv", func(_ context.Context, p outbox.Post) (slackapp.File, error) {
		return slackapp.File{Name: "wip-2026-03-31-by-partner.csv", Title: "WIP", Data: fmt.Appendf(nil, "report %d\n", p.Subject.ID)}, nil
	})
	// deliver runs the month's report, after last month's went out whole.
	deliver := func(t *testing.T, channel string) outbox.Post {
		t.Helper()
		w.queue(w.pool, true, report(channel, 1), report(channel, 2))
		queued := w.queued(channel)
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, queued[0], nil); err != nil {
			t.Fatal(err)
		}
		return queued[1]
	}
	// check finds two files in channel, last month's and this month's, each
	// recorded, and this month's with its own bytes.
	check := func(t *testing.T, channel string, p outbox.Post) slackfake.File {
		t.Helper()
		files := w.atlasFiles(channel)
		if len(files) != 2 {
			t.Fatalf("Atlas shared %d files, want last month's and this month's", len(files))
		}
		if got := w.recordedFile(p); got != files[1].ID || string(files[1].Content) != "report 2\n" {
			t.Fatalf("this month's report recorded as %q, want the new file %s (%q)", got, files[1].ID, files[1].Content)
		}
		if w.intentFile(p) != "" {
			t.Fatal("an intent left after the upload was recorded")
		}
		return files[1]
	}

	t.Run("failed before the file was reserved", func(t *testing.T) {
		p := deliver(t, "CREP1")
		w.fake.FailCall("files.getUploadURLExternal", "internal_error", 1)
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err == nil {
			t.Fatal("an upload Slack failed went")
		}
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err != nil {
			t.Fatal(err)
		}
		check(t, "CREP1", p)
	})

	t.Run("failed to share", func(t *testing.T) {
		p := deliver(t, "CREP2")
		w.fake.FailCall("files.completeUploadExternal", "internal_error", 1)
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err == nil {
			t.Fatal("an upload Slack failed went")
		}
		reserved := w.intentFile(p)
		if reserved == "" {
			t.Fatal("the intent names no file")
		}
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err != nil {
			t.Fatal(err)
		}
		if f := check(t, "CREP2", p); f.ID != reserved {
			t.Fatalf("shared %s, want the file the first attempt uploaded, %s", f.ID, reserved)
		}
		if n := len(w.fileCalls("files.completeUploadExternal", reserved)); n != 2 {
			t.Fatalf("%d calls to share the file, want 2", n)
		}
	})

	t.Run("killed before sharing", func(t *testing.T) {
		p := deliver(t, "CREP3")
		w.killAt(t, p, "uploaded")
		reserved := w.intentFile(p)
		if f, ok := w.fake.File(reserved); !ok || !f.Uploaded || f.Completed {
			t.Fatalf("the intent names %q, want the file uploaded and not shared: %+v", reserved, f)
		}
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err != nil {
			t.Fatal(err)
		}
		if f := check(t, "CREP3", p); f.ID != reserved {
			t.Fatalf("shared %s, want the file the first attempt uploaded, %s", f.ID, reserved)
		}
	})

	t.Run("killed after sharing", func(t *testing.T) {
		p := deliver(t, "CREP4")
		w.killAt(t, p, "sent")
		before := len(w.fake.Calls("files.getUploadURLExternal"))
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err != nil {
			t.Fatal(err)
		}
		f := check(t, "CREP4", p)
		if n := len(w.fake.Calls("files.getUploadURLExternal")) - before; n != 0 {
			t.Fatalf("the retry reserved %d files, want none", n)
		}
		if n := len(w.fileCalls("files.completeUploadExternal", f.ID)); n != 1 {
			t.Fatalf("the file was shared %d times, want once", n)
		}
	})

	t.Run("answer lost", func(t *testing.T) {
		p := deliver(t, "CREP5")
		hold := w.fake.HoldCalls("files.completeUploadExternal", 1)
		ctx, cancel := context.WithCancel(w.ctx)
		done := make(chan error, 1)
		go func() { done <- slackapp.DeliverOnce(ctx, w.rt, w.pool, p, nil) }()
		hold.Wait(t)
		cancel()
		if err := <-done; err == nil {
			t.Fatal("an attempt that never heard from Slack succeeded")
		}
		hold.Release()
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err != nil {
			t.Fatal(err)
		}
		f := check(t, "CREP5", p)
		if n := len(w.fileCalls("files.completeUploadExternal", f.ID)); n != 1 {
			t.Fatalf("the file was shared %d times, want once", n)
		}
	})

	t.Run("file gone", func(t *testing.T) {
		p := deliver(t, "CREP6")
		w.killAt(t, p, "uploaded")
		dropped := w.intentFile(p)
		if !w.fake.DeleteFile(dropped) { // Slack drops an upload never shared
			t.Fatalf("no file %q to drop", dropped)
		}
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err != nil {
			t.Fatal(err)
		}
		if f := check(t, "CREP6", p); f.ID == dropped {
			t.Fatal("recorded the dropped file")
		}
	})

	t.Run("in a thread", func(t *testing.T) {
		// The file goes into its card's thread; killed before sharing, the
		// retry shares it there too.
		card := post("CREP7", 1)
		file := report("CREP7", 1)
		file.Thread = &card.Subject
		w.queue(w.pool, true, card, file)
		queued := w.queued("CREP7")
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, queued[0], nil); err != nil {
			t.Fatal(err)
		}
		var parent struct{ TS string }
		if err := json.Unmarshal(w.posted("CREP7")[0].Response, &parent); err != nil {
			t.Fatal(err)
		}
		w.killAt(t, queued[1], "uploaded")
		if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, queued[1], nil); err != nil {
			t.Fatal(err)
		}
		files := w.atlasFiles("CREP7")
		if len(files) != 1 || files[0].ThreadTS != parent.TS || w.recordedFile(queued[1]) != files[0].ID {
			t.Fatalf("files %+v, want one in the thread %s", files, parent.TS)
		}
	})
}

// A message too long for one post goes in parts, the later ones in the
// first's thread (or in the thread the message replies in). Killed after
// any part, the retry adopts the first part and posts only the parts still
// missing, in order, where they belong.
func TestOutboxFinishesALongMessage(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t)
	w.rt.HandleRender("long", func(_ context.Context, p outbox.Post) (slackapp.Message, error) {
		var blocks []slack.Block
		for i := range 2*blockkit.MaxMessageBlocks + 10 { // three parts
			blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.PlainTextType, fmt.Sprintf("line %d", i), false, false), nil, nil))
		}
		return slackapp.Message{Text: fmt.Sprintf("long %d", p.Subject.ID), Blocks: blocks}, nil
	})
	long := func(channel string) outbox.Post {
		return outbox.Post{Practice: practiceID, Channel: channel, Render: "long", Subject: outbox.Subject{Type: "report", ID: 1, Purpose: "long"}}
	}
	want := []string{"long 1", "long 1 (part 2)", "long 1 (part 3)"}
	for i, c := range []struct {
		stage string
		reply bool // the message is itself a reply in a card's thread
	}{{"part 1", false}, {"part 2", false}, {"part 2", true}} {
		t.Run(fmt.Sprintf("%s reply %v", c.stage, c.reply), func(t *testing.T) {
			channel := fmt.Sprintf("CLONG%d", i)
			p := long(channel)
			thread := ""
			if c.reply {
				card := post(channel, 1)
				p.Thread = &card.Subject
				w.queue(w.pool, true, card)
				if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, w.queued(channel)[0], nil); err != nil {
					t.Fatal(err)
				}
				var parent struct{ TS string }
				if err := json.Unmarshal(w.posted(channel)[0].Response, &parent); err != nil {
					t.Fatal(err)
				}
				thread = parent.TS
			}
			w.queue(w.pool, true, p)
			queued := w.queued(channel)
			p = queued[len(queued)-1]
			w.killAt(t, p, c.stage)
			for range 2 {
				if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err != nil {
					t.Fatal(err)
				}
			}
			var parts []slackfake.Call
			for _, call := range w.posted(channel) {
				if strings.HasPrefix(call.Param("text"), "long") {
					parts = append(parts, call)
				}
			}
			if strings.Join(texts(parts), ",") != strings.Join(want, ",") {
				t.Fatalf("posted %q, want %q", texts(parts), want)
			}
			var first struct{ TS string }
			if err := json.Unmarshal(parts[0].Response, &first); err != nil {
				t.Fatal(err)
			}
			if thread == "" {
				thread = first.TS
			}
			key := postKeyOf(t, parts[0])
			for n, call := range parts[1:] {
				if call.Param("thread_ts") != thread {
					t.Errorf("part %d in thread %q, want %q", n+2, call.Param("thread_ts"), thread)
				}
				if got, want := postKeyOf(t, call), fmt.Sprintf("%s#%d", key, n+2); got != want {
					t.Errorf("part %d carries the key %q, want %q", n+2, got, want)
				}
			}
			if c.reply && parts[0].Param("thread_ts") != thread {
				t.Errorf("the first part in thread %q, want %q", parts[0].Param("thread_ts"), thread)
			}
			w.recorded(p, parts[0])
		})
	}
}

// postKeyOf is the key in the metadata a message was posted with.
func postKeyOf(t *testing.T, call slackfake.Call) string {
	t.Helper()
	var md struct {
		EventType    string `json:"event_type"`
		EventPayload struct {
			Key string `json:"key"`
		} `json:"event_payload"`
	}
	if err := json.Unmarshal([]byte(call.Param("metadata")), &md); err != nil || md.EventType != "atlas_post" {
		t.Fatalf("metadata %q (%v)", call.Param("metadata"), err)
	}
	return md.EventPayload.Key
}

// A post given up leaves no intent behind, even for a DM, whose intent is
// kept under the DM's channel: a later post of the same subject would
// otherwise look for messages from long before it.
func TestOutboxGiveUpDropsTheIntent(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t)
	w.fake.AddUser("UPAT1", "pat", "Pat Partner", "pat@example.com")
	var silent atomic.Bool
	w.rt.HandleRender("fickle", func(_ context.Context, p outbox.Post) (slackapp.Message, error) {
		if silent.Load() {
			return slackapp.Message{}, slackapp.ErrNothingToSay
		}
		return slackapp.Text("fickle"), nil
	})
	p := outbox.Post{Practice: practiceID, Channel: "UPAT1", Render: "fickle", Subject: outbox.Subject{Type: "note", ID: 1, Purpose: "fickle"}}
	w.queue(w.pool, true, p)
	p = w.queued("UPAT1")[0]
	w.killAt(t, p, "sent")
	intents := func() int {
		var n int
		if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM slack_post_intents WHERE practice_id = $1`, practiceID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := intents(); n != 1 {
		t.Fatalf("%d intents after the killed attempt, want 1", n)
	}
	silent.Store(true) // the subject no longer calls for the message
	if err := slackapp.DeliverOnce(w.ctx, w.rt, w.pool, p, nil); err != nil {
		t.Fatal(err)
	}
	if n := intents(); n != 0 {
		t.Fatalf("%d intents left after the post was given up", n)
	}
}
