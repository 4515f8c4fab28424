package slackfake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
)

// Message is a message the fake keeps in a channel: one the bot posted with
// chat.postMessage, or one a test added with AddMessage. conversations.history
// and conversations.replies read these.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string // the parent's ts for a reply in a thread, else ""
	User     string
	BotID    string // set on the bot's own posts
	Text     string
	Blocks   json.RawMessage
	// Metadata is the message metadata chat.postMessage was given, as sent
	// ({"event_type": ..., "event_payload": {...}}), or nil.
	Metadata json.RawMessage

	micros int64 // TS, for ordering and the oldest/latest bounds
}

func (m *Message) clone() Message {
	c := *m
	c.Blocks = bytes.Clone(m.Blocks)
	c.Metadata = bytes.Clone(m.Metadata)
	return c
}

// Messages returns the messages kept in channel (the resolved channel: a
// DM's D… id, not the user id posted to), oldest first, replies included.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.messages[channel]))
	for _, m := range s.messages[channel] {
		out = append(out, m.clone())
	}
	return out
}

// AddMessage stores m as if somebody had posted it, with a fresh TS (any TS
// given is replaced), and returns it: a person's message between the bot's
// for conversations.history to page over. Channel is required; User
// defaults to a person, U0PERSON01.
func (s *Server) AddMessage(m Message) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.User == "" {
		m.User = "U0PERSON01"
	}
	m.TS = s.nextTSLocked()
	stored := m.clone()
	s.storeMessageLocked(&stored)
	s.notifyLocked()
	return stored.clone()
}

// storeMessageLocked appends m to its channel. Every ts comes from
// nextTSLocked, which only grows, so each channel stays in ts order.
func (s *Server) storeMessageLocked(m *Message) {
	m.micros, _ = parseTS(m.TS)
	s.messages[m.Channel] = append(s.messages[m.Channel], m)
}

// findMessageLocked is the kept message at ts in channel, or nil.
func (s *Server) findMessageLocked(channel, ts string) *Message {
	for _, m := range s.messages[channel] {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// checkMetadata applies Slack's shape check to a chat.postMessage metadata
// argument: a JSON object with an event_type and an event_payload object.
func checkMetadata(raw string) string {
	if raw == "" {
		return ""
	}
	var md struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if json.Unmarshal([]byte(raw), &md) != nil || md.EventType == "" || md.EventPayload == nil {
		return "invalid_metadata_format"
	}
	return ""
}

// messageObjectLocked renders m as conversations.history does, with its
// metadata only when asked for (include_all_metadata), as on Slack.
func (s *Server) messageObjectLocked(m *Message, withMetadata bool) map[string]any {
	obj := map[string]any{"type": "message", "user": m.User, "text": m.Text, "ts": m.TS, "team": TeamID}
	if m.BotID != "" {
		obj["subtype"] = "bot_message"
		obj["bot_id"] = m.BotID
		obj["app_id"] = AppID
	}
	if m.Blocks != nil {
		obj["blocks"] = m.Blocks
	}
	if m.ThreadTS != "" {
		obj["thread_ts"] = m.ThreadTS
	} else if n := s.replyCountLocked(m); n > 0 {
		// A parent carries its thread's ts (its own) and its reply count.
		obj["thread_ts"] = m.TS
		obj["reply_count"] = n
	}
	if withMetadata && m.Metadata != nil {
		obj["metadata"] = m.Metadata
	}
	return obj
}

func (s *Server) replyCountLocked(parent *Message) int {
	n := 0
	for _, m := range s.messages[parent.Channel] {
		if m.ThreadTS == parent.TS {
			n++
		}
	}
	return n
}

// page is what conversations.history and conversations.replies share: the
// bounds (oldest, latest, inclusive), the page size (limit) and where the
// page starts (cursor).
type page struct {
	oldest, latest int64 // microseconds; latest 0 means none
	inclusive      bool
	limit          int
	after          int64 // from the cursor: the ts the previous page ended at, 0 on the first page
	metadata       bool
}

// readPage reads the paging arguments. Slack's cursors are opaque; the
// fake's, like Slack's, are base64 of "next_ts:<microseconds>".
func readPage(r apiRequest) (page, string) {
	p := page{limit: 100, inclusive: truthy(r.param("inclusive")), metadata: truthy(r.param("include_all_metadata"))}
	for _, b := range []struct {
		arg string
		to  *int64
	}{{"oldest", &p.oldest}, {"latest", &p.latest}} {
		if v := r.param(b.arg); v != "" {
			micros, ok := parseTS(v)
			if !ok {
				return page{}, "invalid_arguments"
			}
			*b.to = micros
		}
	}
	if v := r.param("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return page{}, "invalid_limit"
		}
		if n > 0 {
			p.limit = min(n, 999)
		}
	}
	if c := r.param("cursor"); c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		rest, ok := strings.CutPrefix(string(raw), "next_ts:")
		after, perr := strconv.ParseInt(rest, 10, 64)
		if err != nil || !ok || perr != nil {
			return page{}, "invalid_cursor"
		}
		p.after = after
	}
	return p, ""
}

func truthy(v string) bool { return v == "1" || v == "true" }

// within reports whether m lies between the page's oldest and latest.
func (p page) within(m *Message) bool {
	if m.micros < p.oldest || !p.inclusive && m.micros == p.oldest {
		return false
	}
	if p.latest != 0 && (m.micros > p.latest || !p.inclusive && m.micros == p.latest) {
		return false
	}
	return true
}

// take cuts a page of limit from msgs (in the order they are to be
// returned) and says where the next page starts, if there is one.
func (p page) take(msgs []*Message) ([]*Message, map[string]any) {
	meta := map[string]any{"next_cursor": ""}
	if len(msgs) <= p.limit {
		return msgs, meta
	}
	msgs = msgs[:p.limit]
	last := msgs[len(msgs)-1].micros
	meta["next_cursor"] = base64.StdEncoding.EncodeToString([]byte("next_ts:" + strconv.FormatInt(last, 10)))
	return msgs, meta
}

// conversationsHistory lists a channel's messages, newest first, as Slack
// does: those in the channel itself, not the replies in threads.
func (s *Server) conversationsHistory(r apiRequest) (result, string) {
	channel := r.param("channel")
	if channel == "" {
		return nil, "channel_not_found"
	}
	p, code := readPage(r)
	if code != "" {
		return nil, code
	}
	all := s.messages[channel]
	var msgs []*Message
	for i := len(all) - 1; i >= 0; i-- {
		m := all[i]
		if m.ThreadTS == "" && p.within(m) && (p.after == 0 || m.micros < p.after) {
			msgs = append(msgs, m)
		}
	}
	msgs, meta := p.take(msgs)
	out := make([]map[string]any, len(msgs))
	for i, m := range msgs {
		out[i] = s.messageObjectLocked(m, p.metadata)
	}
	return result{"messages": out, "has_more": meta["next_cursor"] != "", "pin_count": 0, "response_metadata": meta}, ""
}

// conversationsReplies lists a thread: its parent first, then the replies
// oldest first, as Slack does (unlike conversations.history). The parent
// comes on the first page only.
func (s *Server) conversationsReplies(r apiRequest) (result, string) {
	channel, ts := r.param("channel"), r.param("ts")
	if channel == "" {
		return nil, "channel_not_found"
	}
	p, code := readPage(r)
	if code != "" {
		return nil, code
	}
	parent := s.findMessageLocked(channel, ts)
	if parent == nil {
		return nil, "thread_not_found"
	}
	var msgs []*Message
	if p.after == 0 {
		msgs = append(msgs, parent)
	}
	for _, m := range s.messages[channel] {
		if m.ThreadTS == ts && p.within(m) && m.micros > p.after {
			msgs = append(msgs, m)
		}
	}
	msgs, meta := p.take(msgs)
	out := make([]map[string]any, len(msgs))
	for i, m := range msgs {
		out[i] = s.messageObjectLocked(m, p.metadata)
	}
	return result{"messages": out, "has_more": meta["next_cursor"] != "", "response_metadata": meta}, ""
}
