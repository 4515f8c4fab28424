package slackapp

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
)

// MaxAckBytes is the largest acknowledgement Atlas sends. Slack drops a
// Socket Mode acknowledgement over about 20 KB without a word, and the
// person sees nothing; anything bigger goes through the response_url (or
// chat.postEphemeral) instead, which takes a whole message.
const MaxAckBytes = 16 * 1024

// Message is an answer to the person who asked.
type Message struct {
	Text            string // the notification text, and the fallback for blocks
	Blocks          []slack.Block
	InChannel       bool // visible to the channel instead of the caller alone
	ReplaceOriginal bool // replace the message the action came from
}

// Text is a message of text alone.
func Text(text string) Message { return Message{Text: text} }

// ackPayload is a message as a slash command's acknowledgement carries it.
func (m Message) ackPayload() map[string]any {
	p := map[string]any{"text": m.Text, "response_type": "ephemeral"}
	if m.InChannel {
		p["response_type"] = "in_channel"
	}
	if len(m.Blocks) > 0 {
		p["blocks"] = m.Blocks
	}
	return p
}

// fitsAck reports whether m can travel in an acknowledgement: small enough
// for Slack to take it, and within one message's block limit.
func (m Message) fitsAck() bool {
	if len(m.Blocks) > blockkit.MaxMessageBlocks {
		return false
	}
	b, err := json.Marshal(m.ackPayload())
	return err == nil && len(b) <= MaxAckBytes
}

// parts splits a message with more blocks than one message holds into
// several, in order, each within the limit; the first carries the text.
func (m Message) parts() []Message {
	if len(m.Blocks) <= blockkit.MaxMessageBlocks {
		return []Message{m}
	}
	var out []Message
	for i, chunk := range blockkit.Chunk(m.Blocks, blockkit.MaxMessageBlocks) {
		part := Message{Text: m.Text, Blocks: chunk, InChannel: m.InChannel, ReplaceOriginal: m.ReplaceOriginal && i == 0}
		if i > 0 {
			part.Text = fmt.Sprintf("%s (part %d)", m.Text, i+1)
		}
		out = append(out, part)
	}
	return out
}

// Reply answers the caller privately. A slash command not yet acknowledged
// carries the answer in its acknowledgement when it fits there; otherwise
// it goes through the response_url, or as an ephemeral message in the
// channel, or as a DM.
func (r *Request) Reply(m Message) error {
	if r.Kind == KindCommand && m.fitsAck() && r.Ack(m.ackPayload()) {
		return nil
	}
	r.Ack(nil)
	return r.Send(r.ctx, m)
}

// answer replies, logging a failure to deliver rather than returning it:
// it is the last thing a request does.
func (r *Request) answer(ctx context.Context, m Message) {
	if r.Kind == KindCommand && m.fitsAck() && r.Ack(m.ackPayload()) {
		return
	}
	r.Ack(nil)
	if err := r.Send(ctx, m); err != nil {
		r.log.Error("could not deliver an answer", "kind", r.Kind, "key", r.RouteKey, "user", r.UserID, "err", err)
	}
}

// Send delivers m to the caller after the acknowledgement: through the
// response_url when there is one, else as an ephemeral message in the
// channel, else as a DM. A message of more blocks than Slack takes at once
// goes as several, in order.
func (r *Request) Send(ctx context.Context, m Message) error {
	for _, part := range m.parts() {
		if err := r.sendOne(ctx, part); err != nil {
			return err
		}
	}
	return nil
}

func (r *Request) sendOne(ctx context.Context, m Message) error {
	if r.ResponseURL != "" {
		msg := &slack.WebhookMessage{Text: m.Text, ResponseType: "ephemeral", ReplaceOriginal: m.ReplaceOriginal || r.replace}
		if m.InChannel {
			msg.ResponseType = "in_channel"
		}
		if len(m.Blocks) > 0 {
			msg.Blocks = &slack.Blocks{BlockSet: m.Blocks}
		}
		if err := slack.PostWebhookContext(ctx, r.ResponseURL, msg); err != nil {
			return fmt.Errorf("post to response_url: %w", err)
		}
		return nil
	}
	opts := msgOptions(m)
	if r.ChannelID != "" && r.UserID != "" && !m.InChannel && r.Kind != KindEvent {
		if _, err := r.API.PostEphemeralContext(ctx, r.ChannelID, r.UserID, opts...); err == nil {
			return nil
		}
		// Not in that channel (a DM with someone else, an archived channel):
		// fall through to a DM, which always reaches the person.
	}
	return r.DM(ctx, r.UserID, m)
}

// SendTo delivers m privately to the caller in another channel (where a
// form was opened from), falling back to a DM.
func (r *Request) SendTo(ctx context.Context, channel string, m Message) error {
	if channel == "" {
		return r.DM(ctx, r.UserID, m)
	}
	for _, part := range m.parts() {
		if _, err := r.API.PostEphemeralContext(ctx, channel, r.UserID, msgOptions(part)...); err != nil {
			return r.DM(ctx, r.UserID, m)
		}
	}
	return nil
}

// DM sends a direct message from Atlas to a person, now: an answer to
// what they asked for. A message about a change of state goes through the
// outbox instead, queued in the change's transaction.
func (r *Request) DM(ctx context.Context, userID string, m Message) error {
	ch, _, _, err := r.API.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
	if err != nil {
		return fmt.Errorf("open DM with %s: %w", userID, err)
	}
	for _, part := range m.parts() {
		if _, _, err := r.API.PostMessageContext(ctx, ch.ID, msgOptions(part)...); err != nil {
			return fmt.Errorf("DM %s: %w", userID, err)
		}
	}
	return nil
}

func msgOptions(m Message) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	return opts
}
