package slackapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

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

// OutboxStore is the bookkeeping the outbox's workers go through: each
// channel's queue of posts and where each message went. It is
// outbox.Store in production.
type OutboxStore interface {
	// LaterUpdate reports whether an update with the same arguments as the
	// job jobID is queued or running after it.
	LaterUpdate(ctx context.Context, jobID int64, args []byte) (bool, error)
	// TurnOf reads p's channel queue.
	TurnOf(ctx context.Context, p outbox.Post) (outbox.Turn, error)
	// SkipLost moves p's channel queue, standing at done, past posts whose
	// jobs are gone, and reports whether it did.
	SkipLost(ctx context.Context, p outbox.Post, done int64) (bool, error)
	// Hold keeps p's channel from taking another post for wait.
	Hold(ctx context.Context, p outbox.Post, wait time.Duration) error
	// Record notes that p went to channel as ts and hands the channel to
	// the next post, interval later.
	Record(ctx context.Context, p outbox.Post, channel, ts string, interval time.Duration) error
	// GiveUp moves p's channel queue past p.
	GiveUp(ctx context.Context, p outbox.Post) error
	// Intent reports when an attempt to send p to channel began whose
	// message was never recorded, if one did.
	Intent(ctx context.Context, p outbox.Post, channel string) (since time.Time, ok bool, err error)
	// Intend commits that p is being sent to channel, from now.
	Intend(ctx context.Context, p outbox.Post, channel string) error
	// Copies are the messages posted about u's subject.
	Copies(ctx context.Context, u outbox.Update) ([]outbox.Copy, error)
	// PostedTS is the ts of the message about s in channel, or "".
	PostedTS(ctx context.Context, practice string, s outbox.Subject, channel string) (string, error)
}

// AddOutboxWorkers adds the workers that deliver the outbox's jobs
// (internal/outbox) to w: they draw each message with the renderer rt has
// registered under its name, send it with rt.API, and keep the channels'
// queues and the record of posts in store.
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
//   - Slack takes no idempotency key, so a worker killed after Slack took a
//     message and before the record committed would post it again. Before
//     sending, a post commits its intent (slack_post_intents), and every
//     message it makes carries metadata naming it (postKey). A retry that
//     finds an intent and no record looks for its own message from just
//     before the intent (conversations.history, or conversations.replies in
//     a thread; files.list, by name, for an upload) and records that one
//     instead of sending again. See claim.
//   - A post that can never go (the channel is archived, the person has
//     left, the renderer has nothing to say) and a post on its last attempt
//     are given up: done_seq moves on, so one bad post never blocks the
//     channel. HTTP 429 moves next_at to Slack's Retry-After and snoozes.
func AddOutboxWorkers(w *river.Workers, rt *Router, store OutboxStore, opt OutboxOptions) error {
	if opt.Interval <= 0 {
		opt.Interval = PostInterval
	}
	d := &deliverer{rt: rt, store: store, interval: opt.Interval}
	return errors.Join(
		river.AddWorkerSafely(w, &postWorker{d: d}),
		river.AddWorkerSafely(w, &updateWorker{d: d}),
	)
}

// deliverer sends the outbox's messages.
type deliverer struct {
	rt       *Router
	store    OutboxStore
	interval time.Duration
	dms      sync.Map // Slack user id → the id of Atlas's DM channel with them

	selfMu sync.Mutex
	self   string // Atlas's own Slack user id, once asked for (botUserID)

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
	later, err := w.d.store.LaterUpdate(ctx, job.ID, job.EncodedArgs)
	if err != nil {
		return err
	}
	if later {
		return nil
	}
	return w.d.update(ctx, job.Args)
}

// inProcessWait bounds how long a post that is next, or nearly, waits in
// its worker for its turn; one further back is snoozed and frees it.
const inProcessWait = 3 * time.Second

// post delivers p when its turn comes.
func (d *deliverer) post(ctx context.Context, p outbox.Post, last bool) error {
	waited := time.Duration(0)
	for {
		t, err := d.store.TurnOf(ctx, p)
		if err != nil {
			return err
		}
		ahead := p.Seq - 1 - t.Done // posts still to go before p
		switch {
		case ahead < 0:
			return nil // sent, or given up, already
		case ahead == 0 && t.Wait <= 0:
			return d.send(ctx, p, last)
		case ahead > 1 || waited > inProcessWait:
			if ahead > 0 {
				stalled, err := d.store.SkipLost(ctx, p, t.Done)
				if err != nil {
					return err
				}
				if stalled {
					continue
				}
			}
			// Come back about one post early and wait the rest here: River
			// picks up a snoozed job only as often as it polls.
			return river.JobSnooze(max(t.Wait, 0) + time.Duration(max(ahead-1, 0))*d.interval)
		}
		step := d.interval / 10
		if ahead == 0 {
			step = t.Wait
		}
		if err := sleep(ctx, step); err != nil {
			return err
		}
		waited += step
	}
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
		if err := d.store.Hold(ctx, p, limited.RetryAfter); err != nil {
			return err
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
	if err := d.store.Record(ctx, p, channel, ts, d.interval); err != nil {
		return err
	}
	if d.crash != nil {
		return d.crash("recorded")
	}
	return nil
}

// giveUp moves the channel past p, which will never be sent. It returns
// cause, so River records why (and, for a last attempt, discards the job).
func (d *deliverer) giveUp(ctx context.Context, p outbox.Post, cause error) error {
	if err := d.store.GiveUp(ctx, p); err != nil {
		return err
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
	if ts, err := d.store.PostedTS(ctx, p.Practice, p.Subject, channel); err != nil {
		return "", "", err
	} else if ts != "" {
		err := d.rt.updateMessage(ctx, channel, ts, m)
		if !isSlackError(err, "message_not_found") {
			return channel, ts, err
		}
	}
	var threadTS string
	if p.Thread != nil {
		if threadTS, err = d.store.PostedTS(ctx, p.Practice, *p.Thread, channel); err != nil {
			return "", "", err
		}
	}
	key := postKey(p, channel)
	if ts, err := d.claim(ctx, p, channel, func(from time.Time) (string, error) {
		return d.findPost(ctx, channel, threadTS, key, from)
	}); err != nil || ts != "" {
		return channel, ts, err
	}
	for i, part := range m.parts() {
		// Every part carries the key: a retry adopts the first it finds,
		// which for a thread (read oldest first) is the first part.
		opts := append(msgOptions(part), postMetadata(key))
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
// file's id), and a retry finds it there and uploads nothing; one killed
// before the record committed finds the file in Slack (claim).
func (d *deliverer) upload(ctx context.Context, p outbox.Post) (channel, ts string, err error) {
	render, ok := d.rt.FileRenderer(p.Render)
	if !ok {
		return "", "", permanentError{fmt.Errorf("no file renderer %q", p.Render)}
	}
	channel, err = d.channelOf(ctx, p.Channel)
	if err != nil {
		return "", "", err
	}
	if ts, err := d.store.PostedTS(ctx, p.Practice, p.Subject, channel); err != nil || ts != "" {
		return channel, ts, err
	}
	f, err := render(ctx, p)
	if err != nil {
		return "", "", err
	}
	var threadTS string
	if p.Thread != nil {
		if threadTS, err = d.store.PostedTS(ctx, p.Practice, *p.Thread, channel); err != nil {
			return "", "", err
		}
	}
	if id, err := d.claim(ctx, p, channel, func(from time.Time) (string, error) {
		return d.findFile(ctx, channel, f, from)
	}); err != nil || id != "" {
		if id != "" {
			id = "file:" + id
		}
		return channel, id, err
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
	copies, err := d.store.Copies(ctx, u)
	if err != nil {
		return err
	}
	for _, c := range copies {
		m, err := render(ctx, outbox.Post{Practice: u.Practice, Channel: c.Channel, Render: u.Render, Subject: u.Subject})
		if errors.Is(err, ErrNothingToSay) {
			continue
		}
		if err != nil {
			return err
		}
		err = d.rt.updateMessage(ctx, c.Channel, c.TS, m)
		var limited *slack.RateLimitedError
		switch {
		case err == nil:
			metrics.OutboxSent.WithLabelValues("update").Inc()
		case permanent(err):
			metrics.OutboxFailed.WithLabelValues("update", "given_up").Inc()
			d.rt.Log.Warn("outbox update skipped", "practice", u.Practice, "channel", c.Channel, "render", u.Render, "err", err)
		case errors.As(err, &limited):
			return river.JobSnooze(limited.RetryAfter) // an update redraws every copy again: harmless
		default:
			metrics.OutboxFailed.WithLabelValues("update", "retry").Inc()
			return err
		}
	}
	return nil
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
