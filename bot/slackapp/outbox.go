package slackapp

import (
	"cmp"
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
	// GiveUp moves p's channel queue past p and drops its intent in
	// channel (where it was being sent, "" if that never became known).
	GiveUp(ctx context.Context, p outbox.Post, channel string) error
	// Intent reports the attempt to send p to channel that began and was
	// never recorded, if one did: when it began, and the file an upload
	// had reserved.
	Intent(ctx context.Context, p outbox.Post, channel string) (in outbox.Intent, ok bool, err error)
	// Intend commits that p is being sent to channel, from now, with no
	// file yet.
	Intend(ctx context.Context, p outbox.Post, channel string) error
	// IntendFile commits, in p's intent, the file its upload reserved,
	// before the file is shared.
	IntendFile(ctx context.Context, p outbox.Post, channel, fileID string) error
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
//     message it makes carries metadata naming it and, for the later parts
//     of a long message, the part (postKey, partKey). A retry that finds an
//     intent and no record looks for its own message from just before the
//     intent (conversations.history, or conversations.replies in a thread)
//     and records that one instead of sending again; for a long message it
//     then looks in that message's thread for the later parts and posts
//     only those missing. See claim.
//   - An upload carries no metadata, and its file name is no key (the same
//     report goes to a channel every month), so an upload does Slack's
//     three steps itself and commits the id of the file Slack reserved in
//     its intent before sharing it. A retry asks files.info about that file
//     alone: shared in the channel (and thread), it is adopted; not shared,
//     it is shared now; gone, it is uploaded again. An intent with no file
//     never shared one, and uploads afresh. See sendFile.
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

	// crash, when set by a test, is called at the named points of a post
	// ("rendered"; "part N" after the Nth part of a long message went;
	// "uploaded" after an upload's file was noted in its intent and before
	// it is shared; "sent"; "recorded"); an error it returns stops the
	// post there, as a killed worker would.
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

// lostAfter is how many posts' time a channel with posts waiting stands
// free before they look for posts ahead of them that will never come.
const lostAfter = 10

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
			// Posts ahead whose jobs are gone never come; looking for them
			// costs a search of the job table, so it is done only once the
			// channel has stood free for lostAfter posts' time with posts
			// waiting, not each time a post finds others ahead of it.
			if ahead > 0 && t.Idle > lostAfter*d.interval {
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
		return d.giveUp(ctx, p, channel, nil)
	case permanent(err) || last:
		metrics.OutboxFailed.WithLabelValues("post", "given_up").Inc()
		d.rt.Log.Warn("outbox post given up", "practice", p.Practice, "channel", p.Channel, "render", p.Render,
			"subject", p.Subject.Type, "id", p.Subject.ID, "err", err)
		return d.giveUp(ctx, p, channel, err)
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

// giveUp moves the channel past p, which will never be sent, and drops
// its intent in channel, where deliver was sending it. It returns cause,
// so River records why (and, for a last attempt, discards the job).
func (d *deliverer) giveUp(ctx context.Context, p outbox.Post, channel string, cause error) error {
	if channel == "" {
		// deliver stopped before it resolved the channel; an intent can
		// only be where an earlier attempt resolved it, which this process
		// may remember.
		channel = d.knownChannel(p.Channel)
	}
	if err := d.store.GiveUp(ctx, p, channel); err != nil {
		return err
	}
	if cause != nil && !permanent(cause) {
		return cause
	}
	return nil
}

// deliver draws p and posts it, or updates the message already posted
// about its subject in that channel. It returns the channel and ts of the
// message, and the channel also with an error once it is known.
func (d *deliverer) deliver(ctx context.Context, p outbox.Post) (channel, ts string, err error) {
	if p.Upload {
		return d.upload(ctx, p)
	}
	render, ok := d.rt.Renderer(p.Render)
	if !ok {
		return "", "", permanentError{fmt.Errorf("no renderer %q", p.Render)}
	}
	// The channel comes before the drawing so that a post given up because
	// it has nothing to say still knows where its intent would be.
	channel, err = d.channelOf(ctx, p.Channel)
	if err != nil {
		return "", "", err
	}
	m, err := render(ctx, p)
	if err != nil {
		return channel, "", err
	}
	if d.crash != nil {
		if err := d.crash("rendered"); err != nil {
			return channel, "", err
		}
	}
	if ts, err := d.store.PostedTS(ctx, p.Practice, p.Subject, channel); err != nil {
		return channel, "", err
	} else if ts != "" {
		err := d.rt.updateMessage(ctx, channel, ts, m)
		if !isSlackError(err, "message_not_found") {
			return channel, ts, err
		}
	}
	var threadTS string
	if p.Thread != nil {
		if threadTS, err = d.store.PostedTS(ctx, p.Practice, *p.Thread, channel); err != nil {
			return channel, "", err
		}
	}
	parts := m.parts()
	key := postKey(p, channel)
	// found holds the keys of the later parts an earlier attempt posted,
	// when the first part it posted is adopted.
	var found map[string]string
	ts, err = d.claim(ctx, p, channel, func(from time.Time) (string, error) {
		first, err := d.findPost(ctx, channel, threadTS, key, from)
		if err != nil || first == "" || len(parts) == 1 {
			return first, err
		}
		later := make([]string, 0, len(parts)-1)
		for i := 1; i < len(parts); i++ {
			later = append(later, partKey(key, i))
		}
		found, err = d.findPosts(ctx, channel, cmp.Or(threadTS, first), later, from)
		if err != nil && cannotLook(err) {
			// The first part is there for sure: the later ones may go
			// twice, but repeating the first would be worse.
			d.rt.Log.Warn("outbox cannot look for the later parts of an earlier attempt's post; posting them",
				"practice", p.Practice, "channel", channel, "err", err)
			return first, nil
		}
		if err != nil {
			return "", err
		}
		return first, nil
	})
	if err != nil {
		return channel, "", err
	}
	start := 0
	if ts != "" {
		start = 1 // adopted: only later parts can be missing
		if threadTS == "" {
			threadTS = ts
		}
	}
	for i := start; i < len(parts); i++ {
		k := partKey(key, i)
		if _, ok := found[k]; ok {
			continue
		}
		opts := append(msgOptions(parts[i]), postMetadata(k))
		if threadTS != "" {
			opts = append(opts, slack.MsgOptionTS(threadTS))
		}
		_, partTS, err := d.rt.API.PostMessageContext(ctx, channel, opts...)
		if err != nil {
			// Not recorded: a retry adopts the first part, if it went, and
			// posts what is still missing after it.
			return channel, ts, err
		}
		if i == 0 {
			ts = partTS
			if threadTS == "" {
				threadTS = ts // a long message continues in its own thread
			}
		}
		if d.crash != nil && len(parts) > 1 {
			if err := d.crash(fmt.Sprintf("part %d", i+1)); err != nil {
				return channel, ts, err
			}
		}
	}
	return channel, ts, nil
}

// upload draws p's file and uploads it into its channel (and thread). A
// file once uploaded is recorded like a post (its ts is "file:" and the
// file's id), and a retry finds it there and uploads nothing; one killed
// before the record committed finds the file through its intent
// (sendFile).
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
		return channel, "", err
	}
	var threadTS string
	if p.Thread != nil {
		if threadTS, err = d.store.PostedTS(ctx, p.Practice, *p.Thread, channel); err != nil {
			return channel, "", err
		}
	}
	id, err := d.sendFile(ctx, p, channel, threadTS, f)
	if err != nil {
		return channel, "", err
	}
	return channel, "file:" + id, nil
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

// knownChannel is the channel to post in, as far as it is known without
// asking Slack: to itself, or a person's DM once this process opened it;
// else "".
func (d *deliverer) knownChannel(to string) string {
	if !isUserID(to) {
		return to
	}
	if ch, ok := d.dms.Load(to); ok {
		return ch.(string)
	}
	return ""
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
