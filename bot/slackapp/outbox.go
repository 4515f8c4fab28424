package slackapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/internal/metrics"
	"github.com/atlas-practice/atlas/internal/outbox"
)

// PostInterval is how long a channel waits after one of Atlas's posts before
// the next: Slack allows about one message a second per channel.
const PostInterval = time.Second

// OutboxOptions configures the outbox's workers. The zero value is usable.
type OutboxOptions struct {
	// Interval between two posts in one channel. Defaults to PostInterval.
	Interval time.Duration
}

// AddOutboxWorkers adds the workers that deliver the outbox's jobs
// (internal/outbox) to w: they draw each message with the renderer rt has
// registered under its name and send it with rt.API.
//
// How a post is delivered once, in order, one a second per channel:
//
//   - Posts to a channel are numbered when they are queued. The post
//     numbered n waits until done_seq (slack_channel_queues) is n-1 and
//     next_at has passed. River runs a job on one replica at a time, so the
//     channel's turn is held by exactly one worker anywhere, with no lock
//     held while Slack answers.
//   - After posting, one transaction records the message in slack_posts and
//     moves done_seq to n and next_at a second past the moment Slack
//     answered, measured by PostgreSQL's clock, shared by every replica.
//   - A retried post finds done_seq already at n and does nothing; a post
//     whose subject already has a message in the channel updates it instead.
//     The one window left: a worker killed after Slack accepted the message
//     and before that transaction committed posts it again when retried.
//   - A post that can never go (the channel is archived, the person has
//     left, the renderer has nothing to say) and a post on its last attempt
//     are given up: done_seq moves on, so one bad post never blocks the
//     channel. HTTP 429 moves next_at to Slack's Retry-After and snoozes.
func AddOutboxWorkers(w *river.Workers, rt *Router, pool *pgxpool.Pool, opt OutboxOptions) error {
	if opt.Interval <= 0 {
		opt.Interval = PostInterval
	}
	d := &deliverer{rt: rt, pool: pool, interval: opt.Interval}
	return errors.Join(
		river.AddWorkerSafely(w, &postWorker{d: d}),
		river.AddWorkerSafely(w, &updateWorker{d: d}),
	)
}

// deliverer sends the outbox's messages.
type deliverer struct {
	rt       *Router
	pool     *pgxpool.Pool
	interval time.Duration
	dms      sync.Map // Slack user id → the id of Atlas's DM channel with them

	// crash, when set by a test, is called at the named points of a post
	// ("rendered", "sent", "recorded"); an error it returns stops the post
	// there, as a killed worker would.
	crash func(stage string) error
}

type postWorker struct {
	river.WorkerDefaults[outbox.Post]
	d *deliverer
}

// Work delivers one post.
func (w *postWorker) Work(ctx context.Context, job *river.Job[outbox.Post]) error {
	return w.d.post(ctx, job.Args, job.Attempt >= job.MaxAttempts)
}

type updateWorker struct {
	river.WorkerDefaults[outbox.Update]
	d *deliverer
}

// Work redraws every copy of one message, unless a later update of the
// same message is already queued or running: it draws the message as it
// stands at least as late as this one would (a change after it queues yet
// another), so a burst of changes — a month-end's sends, each redrawing
// the run's summary — costs Slack one update rather than one per change.
func (w *updateWorker) Work(ctx context.Context, job *river.Job[outbox.Update]) error {
	var later bool
	if err := w.d.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM river_job
		WHERE kind = 'slack_update' AND id > $1 AND state IN ('available', 'scheduled', 'pending', 'running', 'retryable') AND args = $2::jsonb)`,
		job.ID, job.EncodedArgs).Scan(&later); err != nil {
		return fmt.Errorf("outbox: look for a later update: %w", err)
	}
	if later {
		return nil
	}
	return w.d.update(ctx, job.Args)
}

// turn is where a channel's queue stands for one post.
type turn struct {
	done int64         // the last post sent or given up
	wait time.Duration // until the channel may take the next post
}

// inProcessWait bounds how long a post that is next, or nearly, waits in
// its worker for its turn; one further back is snoozed and frees it.
const inProcessWait = 3 * time.Second

// post delivers p when its turn comes.
func (d *deliverer) post(ctx context.Context, p outbox.Post, last bool) error {
	waited := time.Duration(0)
	for {
		t, err := d.turnOf(ctx, p)
		if err != nil {
			return err
		}
		ahead := p.Seq - 1 - t.done // posts still to go before p
		switch {
		case ahead < 0:
			return nil // sent, or given up, already
		case ahead == 0 && t.wait <= 0:
			return d.send(ctx, p, last)
		case ahead > 1 || waited > inProcessWait:
			if ahead > 0 {
				stalled, err := d.skipLost(ctx, p, t.done)
				if err != nil {
					return err
				}
				if stalled {
					continue
				}
			}
			// Come back about one post early and wait the rest here: River
			// picks up a snoozed job only as often as it polls.
			return river.JobSnooze(max(t.wait, 0) + time.Duration(max(ahead-1, 0))*d.interval)
		}
		step := d.interval / 10
		if ahead == 0 {
			step = t.wait
		}
		if err := sleep(ctx, step); err != nil {
			return err
		}
		waited += step
	}
}

// turnOf reads p's channel queue.
func (d *deliverer) turnOf(ctx context.Context, p outbox.Post) (turn, error) {
	var t turn
	var waitMicros int64
	err := d.pool.QueryRow(ctx, `
		SELECT done_seq, (extract(epoch FROM greatest(next_at, clock_timestamp()) - clock_timestamp()) * 1000000)::bigint
		FROM slack_channel_queues WHERE practice_id = $1 AND channel = $2`, p.Practice, p.Channel).Scan(&t.done, &waitMicros)
	if errors.Is(err, pgx.ErrNoRows) {
		return turn{done: p.Seq}, nil // no queue: nothing was ever queued here
	}
	if err != nil {
		return turn{}, fmt.Errorf("outbox: read the queue of %s: %w", p.Channel, err)
	}
	t.wait = time.Duration(waitMicros) * time.Microsecond
	return t, nil
}

// skipLost moves the queue past posts that will never come (their jobs were
// deleted by hand, say) and reports whether it did. A post's job is
// inserted in the transaction that numbers it, so a number without a live
// job is never coming.
func (d *deliverer) skipLost(ctx context.Context, p outbox.Post, done int64) (bool, error) {
	tag, err := d.pool.Exec(ctx, `
		UPDATE slack_channel_queues q SET done_seq = $3 - 1
		WHERE q.practice_id = $1 AND q.channel = $2 AND q.done_seq = $4
		  AND NOT EXISTS (
			SELECT 1 FROM river_job j
			WHERE j.kind = 'slack_post' AND j.state NOT IN ('completed', 'discarded', 'cancelled')
			  AND j.args @> jsonb_build_object('practice', $1::text, 'channel', $2::text)
			  AND (j.args->>'seq')::bigint > $4 AND (j.args->>'seq')::bigint < $3)`,
		p.Practice, p.Channel, p.Seq, done)
	if err != nil {
		return false, fmt.Errorf("outbox: look for lost posts in %s: %w", p.Channel, err)
	}
	return tag.RowsAffected() > 0, nil
}

// send draws and sends p, whose turn it is, and records it.
func (d *deliverer) send(ctx context.Context, p outbox.Post, last bool) error {
	channel, ts, err := d.deliver(ctx, p)
	if d.crash != nil && err == nil {
		if err := d.crash("sent"); err != nil {
			return err
		}
	}
	var limited *slack.RateLimitedError
	switch {
	case err == nil:
		metrics.OutboxSent.WithLabelValues("post").Inc()
		return d.record(ctx, p, channel, ts)
	case errors.As(err, &limited):
		if _, err := d.pool.Exec(ctx, `
			UPDATE slack_channel_queues SET next_at = clock_timestamp() + $3 * interval '1 microsecond'
			WHERE practice_id = $1 AND channel = $2`, p.Practice, p.Channel, limited.RetryAfter.Microseconds()); err != nil {
			return fmt.Errorf("outbox: hold %s for Slack's rate limit: %w", p.Channel, err)
		}
		return river.JobSnooze(limited.RetryAfter)
	case errors.Is(err, ErrNothingToSay):
		return d.giveUp(ctx, p, nil)
	case permanent(err) || last:
		metrics.OutboxFailed.WithLabelValues("post", "given_up").Inc()
		d.rt.Log.Warn("outbox post given up", "practice", p.Practice, "channel", p.Channel, "render", p.Render,
			"subject", p.Subject.Type, "id", p.Subject.ID, "err", err)
		return d.giveUp(ctx, p, err)
	default:
		metrics.OutboxFailed.WithLabelValues("post", "retry").Inc()
		return err // River tries again later; the channel waits, in order
	}
}

// record notes where p went and hands the channel to the next post.
func (d *deliverer) record(ctx context.Context, p outbox.Post, channel, ts string) error {
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO slack_posts (practice_id, purpose, subject_type, subject_id, channel, ts)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (practice_id, purpose, subject_type, subject_id, channel) DO UPDATE SET ts = excluded.ts`,
			p.Practice, p.Subject.Purpose, p.Subject.Type, p.Subject.ID, channel, ts); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			UPDATE slack_channel_queues SET done_seq = $3, next_at = clock_timestamp() + $4 * interval '1 microsecond'
			WHERE practice_id = $1 AND channel = $2 AND done_seq = $3 - 1`,
			p.Practice, p.Channel, p.Seq, d.interval.Microseconds())
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox: record a post in %s: %w", channel, err)
	}
	if d.crash != nil {
		return d.crash("recorded")
	}
	return nil
}

// giveUp moves the channel past p, which will never be sent. It returns
// cause, so River records why (and, for a last attempt, discards the job).
func (d *deliverer) giveUp(ctx context.Context, p outbox.Post, cause error) error {
	if _, err := d.pool.Exec(ctx, `
		UPDATE slack_channel_queues SET done_seq = $3
		WHERE practice_id = $1 AND channel = $2 AND done_seq = $3 - 1`, p.Practice, p.Channel, p.Seq); err != nil {
		return fmt.Errorf("outbox: give up a post in %s: %w", p.Channel, err)
	}
	if cause != nil && !permanent(cause) {
		return cause
	}
	return nil
}

// deliver draws p and posts it, or updates the message already posted
// about its subject in that channel. It returns the channel and ts of the
// message.
func (d *deliverer) deliver(ctx context.Context, p outbox.Post) (channel, ts string, err error) {
	if p.Upload {
		return d.upload(ctx, p)
	}
	render, ok := d.rt.Renderer(p.Render)
	if !ok {
		return "", "", permanentError{fmt.Errorf("no renderer %q", p.Render)}
	}
	m, err := render(ctx, p)
	if err != nil {
		return "", "", err
	}
	if d.crash != nil {
		if err := d.crash("rendered"); err != nil {
			return "", "", err
		}
	}
	channel, err = d.channelOf(ctx, p.Channel)
	if err != nil {
		return "", "", err
	}
	if ts, err := d.postedTS(ctx, p.Practice, p.Subject, channel); err != nil {
		return "", "", err
	} else if ts != "" {
		err := d.rt.updateMessage(ctx, channel, ts, m)
		if !isSlackError(err, "message_not_found") {
			return channel, ts, err
		}
	}
	var threadTS string
	if p.Thread != nil {
		if threadTS, err = d.postedTS(ctx, p.Practice, *p.Thread, channel); err != nil {
			return "", "", err
		}
	}
	for i, part := range m.parts() {
		opts := msgOptions(part)
		if threadTS != "" {
			opts = append(opts, slack.MsgOptionTS(threadTS))
		}
		_, partTS, err := d.rt.API.PostMessageContext(ctx, channel, opts...)
		if err != nil {
			if i > 0 {
				err = permanentError{err} // the first part went: do not repeat it
			}
			return channel, ts, err
		}
		if i == 0 {
			ts = partTS
			if threadTS == "" {
				threadTS = ts // a long message continues in its own thread
			}
		}
	}
	return channel, ts, nil
}

// upload draws p's file and uploads it into its channel (and thread). A
// file once uploaded is recorded like a post (its ts is "file:" and the
// file's id), and a retry finds it there and uploads nothing.
func (d *deliverer) upload(ctx context.Context, p outbox.Post) (channel, ts string, err error) {
	render, ok := d.rt.FileRenderer(p.Render)
	if !ok {
		return "", "", permanentError{fmt.Errorf("no file renderer %q", p.Render)}
	}
	channel, err = d.channelOf(ctx, p.Channel)
	if err != nil {
		return "", "", err
	}
	if ts, err := d.postedTS(ctx, p.Practice, p.Subject, channel); err != nil || ts != "" {
		return channel, ts, err
	}
	f, err := render(ctx, p)
	if err != nil {
		return "", "", err
	}
	var threadTS string
	if p.Thread != nil {
		if threadTS, err = d.postedTS(ctx, p.Practice, *p.Thread, channel); err != nil {
			return "", "", err
		}
	}
	sum, err := d.rt.API.UploadFileContext(ctx, slack.UploadFileParameters{Channel: channel, ThreadTimestamp: threadTS,
		Filename: f.Name, Title: f.Title, InitialComment: f.Comment, Reader: bytes.NewReader(f.Data), FileSize: len(f.Data)})
	if err != nil {
		return channel, "", err
	}
	return channel, "file:" + sum.ID, nil
}

// update redraws every message Atlas posted about u.Subject.
func (d *deliverer) update(ctx context.Context, u outbox.Update) error {
	render, ok := d.rt.Renderer(u.Render)
	if !ok {
		return fmt.Errorf("outbox: no renderer %q", u.Render)
	}
	rows, err := d.pool.Query(ctx, `
		SELECT channel, ts FROM slack_posts
		WHERE practice_id = $1 AND subject_type = $2 AND subject_id = $3 AND purpose = $4 AND ts NOT LIKE 'file:%'
		ORDER BY id`, u.Practice, u.Subject.Type, u.Subject.ID, u.Subject.Purpose)
	if err != nil {
		return fmt.Errorf("outbox: find the copies of %s %d: %w", u.Subject.Type, u.Subject.ID, err)
	}
	type copyOf struct{ channel, ts string }
	copies, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (copyOf, error) {
		var c copyOf
		return c, r.Scan(&c.channel, &c.ts)
	})
	if err != nil {
		return fmt.Errorf("outbox: find the copies of %s %d: %w", u.Subject.Type, u.Subject.ID, err)
	}
	for _, c := range copies {
		m, err := render(ctx, outbox.Post{Practice: u.Practice, Channel: c.channel, Render: u.Render, Subject: u.Subject})
		if errors.Is(err, ErrNothingToSay) {
			continue
		}
		if err != nil {
			return err
		}
		err = d.rt.updateMessage(ctx, c.channel, c.ts, m)
		var limited *slack.RateLimitedError
		switch {
		case err == nil:
			metrics.OutboxSent.WithLabelValues("update").Inc()
		case permanent(err):
			metrics.OutboxFailed.WithLabelValues("update", "given_up").Inc()
			d.rt.Log.Warn("outbox update skipped", "practice", u.Practice, "channel", c.channel, "render", u.Render, "err", err)
		case errors.As(err, &limited):
			return river.JobSnooze(limited.RetryAfter) // an update redraws every copy again: harmless
		default:
			metrics.OutboxFailed.WithLabelValues("update", "retry").Inc()
			return err
		}
	}
	return nil
}

// postedTS is the ts of Atlas's message about s in channel, or "".
func (d *deliverer) postedTS(ctx context.Context, practice string, s outbox.Subject, channel string) (string, error) {
	var ts string
	err := d.pool.QueryRow(ctx, `
		SELECT ts FROM slack_posts
		WHERE practice_id = $1 AND purpose = $2 AND subject_type = $3 AND subject_id = $4 AND channel = $5`,
		practice, s.Purpose, s.Type, s.ID, channel).Scan(&ts)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("outbox: find the post about %s %d: %w", s.Type, s.ID, err)
	}
	return ts, nil
}

// channelOf is the channel to post in: a person's DM with Atlas when to is
// a user id.
func (d *deliverer) channelOf(ctx context.Context, to string) (string, error) {
	if !isUserID(to) {
		return to, nil
	}
	if ch, ok := d.dms.Load(to); ok {
		return ch.(string), nil
	}
	ch, _, _, err := d.rt.API.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{to}})
	if err != nil {
		return "", fmt.Errorf("open a DM with %s: %w", to, err)
	}
	d.dms.Store(to, ch.ID)
	return ch.ID, nil
}

// isUserID tells a Slack user id (U…, W…) from a channel id (C…, G…, D…).
func isUserID(id string) bool {
	return len(id) > 1 && (id[0] == 'U' || id[0] == 'W')
}

// updateMessage replaces Atlas's message at ts with m (its first part: a
// message that grew past Slack's block limit keeps its first blocks).
func (rt *Router) updateMessage(ctx context.Context, channel, ts string, m Message) error {
	part := m.parts()[0]
	if _, _, _, err := rt.API.UpdateMessageContext(ctx, channel, ts, msgOptions(part)...); err != nil {
		return fmt.Errorf("update %s in %s: %w", ts, channel, err)
	}
	return nil
}

// permanentError marks a failure that trying again cannot mend.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// permanentSlackErrors are Slack's answers that no retry changes: the
// channel or person is gone, Atlas is not allowed there, or the message
// itself is wrong.
var permanentSlackErrors = map[string]bool{
	"channel_not_found": true, "not_in_channel": true, "is_archived": true, "user_not_found": true,
	"user_disabled": true, "account_inactive": true, "cannot_dm_bot": true, "restricted_action": true,
	"msg_too_long": true, "no_text": true, "invalid_blocks": true, "invalid_blocks_format": true,
	"invalid_arguments": true, "message_not_found": true, "cant_update_message": true,
	"edit_window_closed": true, "not_allowed_token_type": true, "missing_scope": true,
	"invalid_auth": true, "not_authed": true, "token_revoked": true, "account_deleted": true,
}

// permanent reports whether err will fail the same way however often it
// is tried.
func permanent(err error) bool {
	var p permanentError
	if errors.As(err, &p) {
		return true
	}
	var slackErr slack.SlackErrorResponse
	if errors.As(err, &slackErr) {
		return permanentSlackErrors[slackErr.Err]
	}
	var status slack.StatusCodeError
	if errors.As(err, &status) {
		return status.Code >= 400 && status.Code < 500 && status.Code != 429
	}
	return false
}

// isSlackError reports whether err is Slack's answer code.
func isSlackError(err error, code string) bool {
	var slackErr slack.SlackErrorResponse
	return errors.As(err, &slackErr) && slackErr.Err == code ||
		err != nil && strings.HasSuffix(err.Error(), ": "+code)
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
