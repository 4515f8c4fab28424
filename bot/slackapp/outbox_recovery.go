package slackapp

import (
	"cmp"
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

// postMetadata is the message metadata a post's messages carry.
func postMetadata(key string) slack.MsgOption {
	return slack.MsgOptionMetadata(slack.SlackMetadata{EventType: postEventType, EventPayload: map[string]any{"key": key}})
}

// claim commits p's intent before it is sent to channel, so that a retry
// knows an attempt may have reached Slack. When an earlier attempt left an
// intent, that attempt may have been killed after Slack took its message
// and before it was recorded: find looks for that message from shortly
// before the intent, and what it finds is adopted (its ts or "file:" id
// returned) rather than sent again. Only this path reads Slack back; a
// post with no earlier attempt costs Slack nothing extra.
func (d *deliverer) claim(ctx context.Context, p outbox.Post, channel string, find func(from time.Time) (string, error)) (adopted string, err error) {
	since, ok, err := d.store.Intent(ctx, p, channel)
	if err != nil {
		return "", err
	}
	if ok {
		found, err := find(since.Add(-intentMargin))
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
// its ts, or "". A reply's thread comes oldest first, so the first match
// there is a long message's first part, the one that is recorded.
func (d *deliverer) findPost(ctx context.Context, channel, threadTS, key string, from time.Time) (string, error) {
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
			return "", fmt.Errorf("look for an earlier post in %s: %w", channel, err)
		}
		for _, m := range msgs {
			if m.BotID != "" && m.Metadata.EventType == postEventType && m.Metadata.EventPayload["key"] == key {
				return m.Timestamp, nil
			}
		}
		if !more || cursor == "" {
			return "", nil
		}
	}
	d.rt.Log.Warn("outbox gave up looking for an earlier attempt's post", "channel", channel, "key", key)
	return "", nil
}

// findFile looks among the files Atlas shared in channel from from on for
// f, by its name and title (an upload carries no metadata), and returns
// its id, or "".
func (d *deliverer) findFile(ctx context.Context, channel string, f File, from time.Time) (string, error) {
	self, err := d.botUserID(ctx)
	if err != nil {
		return "", err
	}
	params := slack.NewGetFilesParameters()
	params.Channel, params.User, params.TimestampFrom = channel, self, slack.JSONTime(from.Unix())
	for page := 1; page <= recoveryPages; page++ {
		params.Page = page
		files, paging, err := d.rt.API.GetFilesContext(ctx, params)
		if err != nil {
			return "", fmt.Errorf("look for an earlier upload in %s: %w", channel, err)
		}
		for _, file := range files {
			if file.Name == f.Name && file.Title == cmp.Or(f.Title, f.Name) {
				return file.ID, nil
			}
		}
		if paging == nil || page >= paging.Pages {
			return "", nil
		}
	}
	d.rt.Log.Warn("outbox gave up looking for an earlier attempt's upload", "channel", channel, "file", f.Name)
	return "", nil
}

// botUserID is Atlas's own user id, asked of Slack once, so that looking
// for an earlier upload lists only Atlas's files, never people's.
func (d *deliverer) botUserID(ctx context.Context) (string, error) {
	d.selfMu.Lock()
	defer d.selfMu.Unlock()
	if d.self != "" {
		return d.self, nil
	}
	res, err := d.rt.API.AuthTestContext(ctx)
	if err != nil {
		return "", fmt.Errorf("ask Slack who Atlas is: %w", err)
	}
	d.self = res.UserID
	return d.self, nil
}
