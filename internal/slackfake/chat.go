package slackfake

import "encoding/json"

// botMessage builds the message object Slack echoes back for a bot post.
func botMessage(r apiRequest, ts string) map[string]any {
	msg := map[string]any{
		"type":    "message",
		"subtype": "bot_message",
		"text":    r.param("text"),
		"user":    BotUserID,
		"bot_id":  BotID,
		"app_id":  AppID,
		"team":    TeamID,
		"ts":      ts,
	}
	if b := rawOrNil(r.param("blocks")); b != nil {
		msg["blocks"] = b
	}
	if a := rawOrNil(r.param("attachments")); a != nil {
		msg["attachments"] = a
	}
	if th := r.param("thread_ts"); th != "" {
		msg["thread_ts"] = th
	}
	return msg
}

// MaxMessageBlocks is the most blocks Slack takes in one message.
const MaxMessageBlocks = 50

// MaxMessageText is the longest text Slack takes in one message.
const MaxMessageText = 40000

// checkContent applies Slack's rules for message content: something to show,
// blocks that parse as a JSON array of at most MaxMessageBlocks, and text
// within MaxMessageText.
func checkContent(r apiRequest) string {
	return messageProblem(r.param("text"), r.param("blocks"), r.param("attachments"))
}

// messageProblem is Slack's error code for a message it refuses, or "".
func messageProblem(text, blocks, attachments string) string {
	if blocks != "" {
		var arr []json.RawMessage
		if json.Unmarshal([]byte(blocks), &arr) != nil || len(arr) > MaxMessageBlocks {
			return "invalid_blocks"
		}
	}
	if text == "" && blocks == "" && attachments == "" {
		return "no_text"
	}
	if len([]rune(text)) > MaxMessageText {
		return "msg_too_long"
	}
	return ""
}

func (s *Server) chatPostMessage(r apiRequest) (result, string) {
	channel := r.param("channel")
	if channel == "" {
		return nil, "channel_not_found"
	}
	if code := checkContent(r); code != "" {
		return nil, code
	}
	if code := checkMetadata(r.param("metadata")); code != "" {
		return nil, code
	}
	// Posting to a user id lands in the bot's DM with that user.
	if isUserID(channel) {
		channel = DMChannelID(channel)
	}
	ts := s.nextTSLocked()
	s.storeMessageLocked(&Message{Channel: channel, TS: ts, ThreadTS: r.param("thread_ts"), User: BotUserID, BotID: BotID,
		Text: r.param("text"), Blocks: rawOrNil(r.param("blocks")), Metadata: rawOrNil(r.param("metadata"))})
	return result{"channel": channel, "ts": ts, "message": botMessage(r, ts)}, ""
}

func (s *Server) chatPostEphemeral(r apiRequest) (result, string) {
	if r.param("channel") == "" {
		return nil, "channel_not_found"
	}
	if r.param("user") == "" {
		return nil, "user_not_in_channel"
	}
	if code := checkContent(r); code != "" {
		return nil, code
	}
	return result{"message_ts": s.nextTSLocked()}, ""
}

func (s *Server) chatUpdate(r apiRequest) (result, string) {
	channel, ts := r.param("channel"), r.param("ts")
	if channel == "" {
		return nil, "channel_not_found"
	}
	if ts == "" {
		return nil, "message_not_found"
	}
	if code := checkContent(r); code != "" {
		return nil, code
	}
	// A ts the fake never issued is updated all the same (see the package
	// comment); one it keeps is redrawn, its metadata left as posted.
	if m := s.findMessageLocked(channel, ts); m != nil {
		m.Text, m.Blocks = r.param("text"), rawOrNil(r.param("blocks"))
	}
	return result{"channel": channel, "ts": ts, "text": r.param("text"), "message": botMessage(r, ts)}, ""
}

func (s *Server) chatDelete(r apiRequest) (result, string) {
	channel, ts := r.param("channel"), r.param("ts")
	if channel == "" {
		return nil, "channel_not_found"
	}
	if ts == "" {
		return nil, "message_not_found"
	}
	msgs := s.messages[channel]
	for i, m := range msgs {
		if m.TS == ts {
			s.messages[channel] = append(msgs[:i:i], msgs[i+1:]...)
			break
		}
	}
	return result{"channel": channel, "ts": ts}, ""
}
