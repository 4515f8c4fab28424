// Package outbox queues Atlas's side effects — Slack posts, updates and
// direct messages — as River jobs inserted in the transaction that changes
// the state they report. A transaction that rolls back sends nothing; one
// that commits posts once. The workers (bot/slackapp's outbox) retry until
// Slack takes a post, and record where it went (slack_posts) so that a
// retry, or the same subject queued again, updates it instead. Slack takes
// no idempotency key, and a worker can die after Slack took a message and
// before the record committed; so a post commits its intent before it is
// sent (slack_post_intents) and marks its message with metadata naming it,
// and a retry that finds an intent without a record looks for that message
// in Slack and records it rather than posting again.
//
// A job says what to draw, not what to say: Render names the renderer a
// feature registered, and Subject what the message is about, so a message
// is drawn from the database when it is sent and an invoice card always
// shows the invoice as it stands. Posts to one channel are numbered in the
// transaction that queues them (Seq), so they go out in that order, one a
// second per channel across every replica.
package outbox

import (
	"context"
	"fmt"

	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/metrics"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// Subject is what a message is about: an invoice card is ("invoice", 42,
// "card"); an overdue alert ("task", 7, "overdue:2026-12-10"). Atlas posts
// one message per subject and channel: queuing another updates it.
type Subject struct {
	Type    string `json:"type"`
	ID      int64  `json:"id"`
	Purpose string `json:"purpose"`
}

// Post is a message to post in a channel, or to a person (Channel is then
// their Slack user id, and the message goes to Atlas's DM with them).
type Post struct {
	Practice string   `json:"practice"`
	Channel  string   `json:"channel"`
	Render   string   `json:"render"`
	Subject  Subject  `json:"subject"`
	Thread   *Subject `json:"thread,omitempty"` // post in the thread of Atlas's post about this subject, in Channel
	Seq      int64    `json:"seq"`              // its place in the channel's queue, set by QueuePost
	// Upload makes the post a file (an invoice's PDF): Render names a file
	// renderer, and the file is uploaded once — a retry after it went
	// uploads nothing.
	Upload bool `json:"upload,omitempty"`
}

// Kind is the River job kind of a post.
func (Post) Kind() string { return "slack_post" }

// InsertOpts: a post is retried for a day before it is given up.
func (Post) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

// Update redraws every message Atlas posted about Subject, wherever it is.
type Update struct {
	Practice string  `json:"practice"`
	Render   string  `json:"render"`
	Subject  Subject `json:"subject"`
}

// Kind is the River job kind of an update.
func (Update) Kind() string { return "slack_update" }

// InsertOpts: an update is retried like a post.
func (Update) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

// QueuePost queues p in tx, numbering it in its channel's queue.
func QueuePost(ctx context.Context, tx pgx.Tx, p Post) error {
	err := tx.QueryRow(ctx, `
		INSERT INTO slack_channel_queues (practice_id, channel, next_seq) VALUES ($1, $2, 1)
		ON CONFLICT (practice_id, channel) DO UPDATE SET next_seq = slack_channel_queues.next_seq + 1
		RETURNING next_seq`, p.Practice, p.Channel).Scan(&p.Seq)
	if err != nil {
		return fmt.Errorf("outbox: number a post in %s: %w", p.Channel, err)
	}
	if err := jobs.InsertTx(ctx, tx, p); err != nil {
		return fmt.Errorf("outbox: queue a post: %w", err)
	}
	metrics.OutboxQueued.WithLabelValues("post").Inc()
	return nil
}

// QueueUpdate queues u in tx.
func QueueUpdate(ctx context.Context, tx pgx.Tx, u Update) error {
	return QueueUpdates(ctx, tx, u)
}

// QueueUpdates queues updates in tx, in one statement.
func QueueUpdates(ctx context.Context, tx pgx.Tx, updates ...Update) error {
	if len(updates) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(updates))
	for i, u := range updates {
		params[i] = river.InsertManyParams{Args: u}
	}
	if err := jobs.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("outbox: queue updates: %w", err)
	}
	metrics.OutboxQueued.WithLabelValues("update").Add(float64(len(updates)))
	return nil
}
