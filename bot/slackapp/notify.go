package slackapp

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
)

// Notifier is the narrow way background work reaches Slack: a job that
// tells people something needs no request, no router and no handler, only
// this.
type Notifier interface {
	// DM sends a direct message from Atlas to a person.
	DM(ctx context.Context, userID string, m Message) error
	// Post posts a message in a channel (in a thread when threadTS is set)
	// and returns its ts.
	Post(ctx context.Context, channel, threadTS string, m Message) (ts string, err error)
	// Update replaces a message Atlas posted.
	Update(ctx context.Context, channel, ts string, m Message) error
}

// Slack is the Notifier over the Web API.
type Slack struct{ API *slack.Client }

// DM opens Atlas's DM with a person and posts m there.
func (s Slack) DM(ctx context.Context, userID string, m Message) error {
	ch, _, _, err := s.API.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
	if err != nil {
		return fmt.Errorf("open DM with %s: %w", userID, err)
	}
	for _, part := range m.parts() {
		if _, _, err := s.API.PostMessageContext(ctx, ch.ID, msgOptions(part)...); err != nil {
			return fmt.Errorf("DM %s: %w", userID, err)
		}
	}
	return nil
}

// Post posts m in channel, in the thread of threadTS when it is set.
func (s Slack) Post(ctx context.Context, channel, threadTS string, m Message) (string, error) {
	opts := msgOptions(m)
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	_, ts, err := s.API.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", fmt.Errorf("post in %s: %w", channel, err)
	}
	return ts, nil
}

// Update replaces the message at ts in channel with m.
func (s Slack) Update(ctx context.Context, channel, ts string, m Message) error {
	if _, _, _, err := s.API.UpdateMessageContext(ctx, channel, ts, msgOptions(m)...); err != nil {
		return fmt.Errorf("update %s in %s: %w", ts, channel, err)
	}
	return nil
}
