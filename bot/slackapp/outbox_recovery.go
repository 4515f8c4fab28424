package slackapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/internal/outbox"
)

// postEventType is the event_type of the metadata on every message the
// outbox posts: with the post's key it lets a retry recognise the message
// an earlier attempt posted.
const postEventType = "atlas_post"

// intentMargin is how far before a post's intent a retry looks for the
// message an earlier attempt may have posted: the intent is stamped by
// PostgreSQL's clock, the message by Slack's, and a minute covers the
// difference between them.
const intentMargin = time.Minute

// Looking for an earlier attempt's message reads at most recoveryPages
// pages of recoveryPageSize. The search starts at the latest attempt, a
// few minutes back at most, so one page is the rule; a channel busier than
// that is posted to again rather than searched for ever.
const (
	recoveryPages    = 10
	recoveryPageSize = 200
)

// postKey names one post — its practice, subject and channel — in the
// metadata of the messages it makes. It is the same in every attempt.
func postKey(p outbox.Post, channel string) string {
	return fmt.Sprintf("%s/%s/%d/%s/%s", p.Practice, p.Subject.Type, p.Subject.ID, p.Subject.Purpose, channel)
}

// partKey names part i (from 0) of a long message posted under key: the
// first part carries key itself, the one a retry adopts and records, and
// each later part key#n (n from 2), so that a retry can tell which of
// them an attempt killed halfway had posted.
func partKey(key string, i int) string {
	if i == 0 {
		return key
	}
	return fmt.Sprintf("%s#%d", key, i+1)
}

// postMetadata is the message metadata a post's messages carry.
func postMetadata(key string) slack.MsgOption {
	return slack.MsgOptionMetadata(slack.SlackMetadata{EventType: postEventType, EventPayload: map[string]any{"key": key}})
}

// claim commits p's intent before it is sent to channel, so that a retry
// knows an attempt may have reached Slack. When an earlier attempt left an
// intent, that attempt may have been killed after Slack took its message
// and before it was recorded: find looks for that message from shortly
// before the intent, and what it finds is adopted (its ts returned) rather
// than sent again. Only this path reads Slack back; a post with no earlier
// attempt costs Slack nothing extra. Uploads go through sendFile instead.
func (d *deliverer) claim(ctx context.Context, p outbox.Post, channel string, find func(from time.Time) (string, error)) (adopted string, err error) {
	in, ok, err := d.store.Intent(ctx, p, channel)
	if err != nil {
		return "", err
	}
	if ok {
		found, err := find(in.Since.Add(-intentMargin))
		switch {
		case err == nil && found != "":
			d.rt.Log.Info("outbox adopted what an earlier attempt posted", "practice", p.Practice, "channel", channel,
				"subject", p.Subject.Type, "id", p.Subject.ID, "found", found)
			return found, nil
		case err != nil && cannotLook(err):
			// An install without the history scopes yet, or a Slack
			// stand-in without the method, cannot look: it posts, as it
			// did before it could, rather than hold the channel up.
			d.rt.Log.Warn("outbox cannot look for an earlier attempt's post; posting", "practice", p.Practice,
				"channel", channel, "err", err)
		case err != nil:
			return "", err // try again later; the intent stands
		}
	}
	return "", d.store.Intend(ctx, p, channel)
}

// transientSlackErrors are Slack's answers that a later try may not get.
var transientSlackErrors = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true, "request_timeout": true, "ratelimited": true,
}

// cannotLook reports whether err, from looking for an earlier attempt's
// message, means Slack will not show it however often it is asked.
func cannotLook(err error) bool {
	var slackErr slack.SlackErrorResponse
	return permanent(err) || errors.As(err, &slackErr) && !transientSlackErrors[slackErr.Err]
}

// findPost looks in channel (in the thread threadTS, for a reply) from
// from on for a message Atlas posted with key in its metadata, and returns
// its ts, or "".
func (d *deliverer) findPost(ctx context.Context, channel, threadTS, key string, from time.Time) (string, error) {
	found, err := d.findPosts(ctx, channel, threadTS, []string{key}, from)
	return found[key], err
}

// findPosts looks in channel (in the thread threadTS, if set) from from on
// for the messages Atlas posted with any of keys in their metadata, and
// returns the ts of each it finds, by key. It stops reading once it has
// found them all.
func (d *deliverer) findPosts(ctx context.Context, channel, threadTS string, keys []string, from time.Time) (map[string]string, error) {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	found := make(map[string]string, len(keys))
	oldest := fmt.Sprintf("%d.%06d", from.Unix(), from.Nanosecond()/1000)
	cursor := ""
	for range recoveryPages {
		var msgs []slack.Message
		var more bool
		var err error
		if threadTS != "" {
			msgs, more, cursor, err = d.rt.API.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: channel, Timestamp: threadTS, Oldest: oldest, Limit: recoveryPageSize, Cursor: cursor, IncludeAllMetadata: true})
		} else {
			var res *slack.GetConversationHistoryResponse
			res, err = d.rt.API.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: channel, Oldest: oldest, Limit: recoveryPageSize, Cursor: cursor, IncludeAllMetadata: true})
			if err == nil {
				msgs, more, cursor = res.Messages, res.HasMore, res.ResponseMetaData.NextCursor
			}
		}
		if err != nil {
			return found, fmt.Errorf("look for an earlier post in %s: %w", channel, err)
		}
		for _, m := range msgs {
			// Only Atlas's own messages count: anyone can put metadata on
			// theirs.
			if m.BotID == "" || m.Metadata.EventType != postEventType {
				continue
			}
			if k, ok := m.Metadata.EventPayload["key"].(string); ok && want[k] && found[k] == "" {
				found[k] = m.Timestamp
			}
		}
		if len(found) == len(want) || !more || cursor == "" {
			return found, nil
		}
	}
	d.rt.Log.Warn("outbox gave up looking for an earlier attempt's post", "channel", channel, "keys", keys)
	return found, nil
}

// sendFile uploads f into channel (and the thread threadTS) for p, once,
// and returns the file's id. Slack's upload comes in three steps —
// reserve a file (files.getUploadURLExternal), send its bytes, share it
// (files.completeUploadExternal) — and only the last shows it to anyone.
// The file's id is committed in p's intent between the second and the
// third, so a retry knows exactly which file an earlier attempt may have
// shared: it asks Slack about that file (resumeUpload) rather than look
// for one by name, which an earlier report of the same name would match.
// An intent without a file never got as far as sharing one.
func (d *deliverer) sendFile(ctx context.Context, p outbox.Post, channel, threadTS string, f File) (string, error) {
	in, ok, err := d.store.Intent(ctx, p, channel)
	if err != nil {
		return "", err
	}
	if ok && in.FileID != "" {
		id, err := d.resumeUpload(ctx, p, channel, threadTS, f, in.FileID)
		if err != nil || id != "" {
			return id, err
		}
	}
	if err := d.store.Intend(ctx, p, channel); err != nil {
		return "", err
	}
	u, err := d.rt.API.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: f.Name, FileSize: len(f.Data)})
	if err != nil {
		return "", fmt.Errorf("reserve the upload of %s in %s: %w", f.Name, channel, err)
	}
	if err := d.rt.API.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: u.UploadURL, Reader: bytes.NewReader(f.Data),
		Filename: f.Name}); err != nil {
		return "", fmt.Errorf("upload %s for %s: %w", f.Name, channel, err)
	}
	if err := d.store.IntendFile(ctx, p, channel, u.FileID); err != nil {
		return "", err // the file stays unshared, and Slack drops it
	}
	if d.crash != nil {
		if err := d.crash("uploaded"); err != nil {
			return "", err
		}
	}
	if err := d.completeUpload(ctx, channel, threadTS, f, u.FileID); err != nil {
		return "", err
	}
	return u.FileID, nil
}

// resumeUpload settles the file id that an earlier attempt of p reserved
// and uploaded, and may have shared: shared in channel (in the thread
// threadTS, if any) it is adopted; not shared it is shared now, the same
// file. It returns the file's id, or "" when Slack no longer has the file
// (never uploaded, dropped, deleted) and the upload must start again.
func (d *deliverer) resumeUpload(ctx context.Context, p outbox.Post, channel, threadTS string, f File, id string) (string, error) {
	info, _, _, err := d.rt.API.GetFileInfoContext(ctx, id, 0, 0)
	switch {
	case fileGone(err):
		d.rt.Log.Info("outbox found an earlier attempt's file gone; uploading again", "practice", p.Practice,
			"channel", channel, "file", id)
		return "", nil
	case err == nil && sharedIn(info, channel, threadTS):
		d.rt.Log.Info("outbox adopted what an earlier attempt uploaded", "practice", p.Practice, "channel", channel,
			"subject", p.Subject.Type, "id", p.Subject.ID, "file", id)
		return id, nil
	case err != nil && cannotLook(err):
		// Sharing the file again at worst shows that one file twice;
		// uploading another, or none, would be worse.
		d.rt.Log.Warn("outbox cannot look at an earlier attempt's file; sharing it", "practice", p.Practice,
			"channel", channel, "file", id, "err", err)
	case err != nil:
		return "", fmt.Errorf("look at the earlier upload %s in %s: %w", id, channel, err) // the intent stands
	}
	err = d.completeUpload(ctx, channel, threadTS, f, id)
	if fileGone(err) {
		d.rt.Log.Info("outbox found an earlier attempt's file gone; uploading again", "practice", p.Practice,
			"channel", channel, "file", id)
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return id, nil
}

// completeUpload shares the uploaded file id, as f, in channel (in the
// thread threadTS, if any).
func (d *deliverer) completeUpload(ctx context.Context, channel, threadTS string, f File, id string) error {
	if _, err := d.rt.API.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: id, Title: f.Title}}, Channel: channel, ThreadTimestamp: threadTS,
		InitialComment: f.Comment}); err != nil {
		return fmt.Errorf("share %s (%s) in %s: %w", f.Name, id, channel, err)
	}
	return nil
}

// sharedIn reports whether f, as files.info describes it, is shared in
// channel, and in the thread threadTS when that is set.
func sharedIn(f *slack.File, channel, threadTS string) bool {
	for _, shares := range []map[string][]slack.ShareFileInfo{f.Shares.Public, f.Shares.Private} {
		for _, s := range shares[channel] {
			if threadTS == "" || s.ThreadTs == threadTS {
				return true
			}
		}
	}
	return false
}

// fileGone reports whether err is Slack saying a file is not there (any
// more): an upload never finished, dropped, or deleted.
func fileGone(err error) bool {
	return isSlackError(err, "file_not_found") || isSlackError(err, "file_deleted")
}
