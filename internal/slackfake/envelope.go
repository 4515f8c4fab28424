package slackfake

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// Envelope is one Socket Mode request the fake sent (or queued) to the app.
// Its exported fields describe what was sent and must not be modified.
type Envelope struct {
	ID      string          // envelope_id, unique per server
	Type    string          // "slash_commands", "interactive" or "events_api"
	Payload json.RawMessage // the payload exactly as sent, defaults filled in
	// TriggerID and ResponseURL are the values in the payload (generated when
	// the test gave none; ResponseURL is empty for payloads that have none).
	TriggerID              string
	ResponseURL            string
	AcceptsResponsePayload bool
	RetryAttempt           int
	RetryReason            string

	s    *Server
	wire []byte // the websocket frame

	// guarded by s.mu
	acked      bool
	ackPayload json.RawMessage
	ackedAt    time.Time
	writtenAt  time.Time // when its frame was first written to a socket
}

// EnvelopeOption adjusts an envelope before it is sent.
type EnvelopeOption func(*Envelope)

// WithRetry marks the envelope as Slack's retry number attempt of an earlier
// delivery (retry_attempt / retry_reason, e.g. 1, "timeout"), so the bot's
// de-duplication can be tested. Meaningful for events_api envelopes.
func WithRetry(attempt int, reason string) EnvelopeOption {
	return func(e *Envelope) {
		e.RetryAttempt = attempt
		e.RetryReason = reason
	}
}

// WithAcceptsResponsePayload overrides accepts_response_payload. By default it
// is true for slash commands, view_submission and block_suggestion, false
// otherwise, as on Slack.
func WithAcceptsResponsePayload(accepts bool) EnvelopeOption {
	return func(e *Envelope) { e.AcceptsResponsePayload = accepts }
}

// WaitAck blocks until the app acks the envelope and returns the ack's
// payload: the JSON the app passed to socketmode.Client.Ack, e.g. a slash
// command response {"text": ...} or {"response_action":"errors","errors":{...}}.
// It returns nil when the ack carried no payload. It fails the test after the
// wait timeout.
func (e *Envelope) WaitAck(t testing.TB) json.RawMessage {
	t.Helper()
	var payload json.RawMessage
	e.s.waitUntil(t, "ack of "+e.Type+" envelope "+e.ID, func() bool {
		payload = e.ackPayload
		return e.acked
	})
	return payload
}

// AwaitAck waits up to limit for the app's ack, and returns its payload and
// whether it came; unlike WaitAck it leaves a missing ack to the caller.
func (e *Envelope) AwaitAck(limit time.Duration) (json.RawMessage, bool) {
	var payload json.RawMessage
	ok := e.s.waitFor(limit, func() bool {
		payload = e.ackPayload
		return e.acked
	})
	return payload, ok
}

// Acked reports without blocking whether the app has acked the envelope, and
// the ack's payload.
func (e *Envelope) Acked() (json.RawMessage, bool) {
	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	return e.ackPayload, e.acked
}

// SendSlashCommand sends a slash_commands envelope. Empty TeamID, TeamDomain,
// APIAppID, Token, TriggerID and ResponseURL are filled in; the response_url
// points at the fake (see WaitForResponse).
func (s *Server) SendSlashCommand(cmd slack.SlashCommand, opts ...EnvelopeOption) *Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cmd.TeamID == "" {
		cmd.TeamID = TeamID
	}
	if cmd.TeamDomain == "" {
		cmd.TeamDomain = TeamDomain
	}
	if cmd.APIAppID == "" {
		cmd.APIAppID = AppID
	}
	if cmd.Token == "" {
		cmd.Token = VerificationToken
	}
	if cmd.TriggerID == "" {
		cmd.TriggerID = s.newTriggerIDLocked()
	}
	if cmd.ResponseURL == "" {
		cmd.ResponseURL = s.newResponseURLLocked()
	}
	env := &Envelope{Type: "slash_commands", AcceptsResponsePayload: true,
		TriggerID: cmd.TriggerID, ResponseURL: cmd.ResponseURL}
	return s.sendLocked(env, mustJSON(cmd), opts)
}

// SendInteraction sends an interactive envelope. payload is the interaction
// JSON (json.RawMessage, []byte or string) or a value that marshals to it (a
// map, slack.InteractionCallback, ...). It must be an object with a "type":
// block_actions, view_submission, view_closed, shortcut, message_action or
// block_suggestion. Missing team, api_app_id, token and, where Slack sends
// them, trigger_id and response_url are filled in.
func (s *Server) SendInteraction(payload any, opts ...EnvelopeOption) *Envelope {
	obj := toObject("SendInteraction", payload)
	var typ string
	if json.Unmarshal(obj["type"], &typ) != nil || typ == "" {
		panic("slackfake: SendInteraction payload needs a \"type\"")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	setDefault(obj, "team", map[string]string{"id": TeamID, "domain": TeamDomain})
	setDefault(obj, "api_app_id", AppID)
	setDefault(obj, "token", VerificationToken)
	switch typ {
	case "block_actions", "view_submission", "shortcut", "message_action":
		setDefault(obj, "trigger_id", s.newTriggerIDLocked())
	}
	// Actions on messages can answer through response_url; modal actions cannot.
	_, onMessage := obj["message"]
	if typ == "message_action" || (typ == "block_actions" && onMessage) {
		setDefault(obj, "response_url", s.newResponseURLLocked())
	}
	env := &Envelope{Type: "interactive",
		AcceptsResponsePayload: typ == "view_submission" || typ == "block_suggestion",
		TriggerID:              stringField(obj, "trigger_id"),
		ResponseURL:            stringField(obj, "response_url")}
	return s.sendLocked(env, mustJSON(obj), opts)
}

// SendEvent sends an events_api envelope carrying an Events API callback, e.g.
//
//	{"event": {"type": "app_home_opened", "user": "U1", "tab": "home"}}
//
// callback is JSON (json.RawMessage, []byte or string) or a value that
// marshals to it. Missing type (event_callback), event_id, event_time,
// team_id, api_app_id and token are filled in. Use WithRetry to simulate a
// redelivery.
func (s *Server) SendEvent(callback any, opts ...EnvelopeOption) *Envelope {
	obj := toObject("SendEvent", callback)
	s.mu.Lock()
	defer s.mu.Unlock()
	setDefault(obj, "type", "event_callback")
	setDefault(obj, "event_id", s.nextIDLocked("Ev"))
	setDefault(obj, "event_time", time.Now().Unix())
	setDefault(obj, "team_id", TeamID)
	setDefault(obj, "api_app_id", AppID)
	setDefault(obj, "token", VerificationToken)
	return s.sendLocked(&Envelope{Type: "events_api"}, mustJSON(obj), opts)
}

// SendMalformed sends an envelope of type typ (such as "slash_commands")
// whose payload is raw as it stands, unchecked: a payload the app cannot
// read, as Slack might one day send, to see that it is acknowledged and
// logged rather than left to be redelivered.
func (s *Server) SendMalformed(typ string, raw json.RawMessage) *Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendLocked(&Envelope{Type: typ}, raw, nil)
}

// sendLocked finishes an envelope, registers it for acks and delivers it.
func (s *Server) sendLocked(env *Envelope, payload json.RawMessage, opts []EnvelopeOption) *Envelope {
	for _, o := range opts {
		o(env)
	}
	env.s = s
	env.Payload = payload
	s.seq++
	env.ID = fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq)
	frame := map[string]any{
		"envelope_id":              env.ID,
		"type":                     env.Type,
		"payload":                  payload,
		"accepts_response_payload": env.AcceptsResponsePayload,
	}
	if env.Type == "events_api" {
		frame["retry_attempt"] = env.RetryAttempt
		frame["retry_reason"] = env.RetryReason
	}
	env.wire = mustJSON(frame)
	s.envelopes[env.ID] = env
	s.deliverLocked(env)
	return env
}

// newTriggerIDLocked mints a trigger_id shaped like Slack's.
func (s *Server) newTriggerIDLocked() string {
	s.seq++
	return strconv.Itoa(1000000000+s.seq) + ".738474920." + fmt.Sprintf("%032x", s.seq)
}

// toObject turns a payload argument into a JSON object; a payload that is not
// one is a bug in the test, reported by panic like other misuse.
func toObject(who string, v any) map[string]json.RawMessage {
	var raw []byte
	switch p := v.(type) {
	case json.RawMessage:
		raw = p
	case []byte:
		raw = p
	case string:
		raw = []byte(p)
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			panic("slackfake: " + who + ": " + err.Error())
		}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		panic("slackfake: " + who + " needs a JSON object")
	}
	return obj
}

// setDefault sets key when it is absent, null or the empty string (what a
// zero-valued slack-go struct marshals to).
func setDefault(obj map[string]json.RawMessage, key string, val any) {
	if cur, ok := obj[key]; ok {
		if s := string(cur); s != "null" && s != `""` {
			return
		}
	}
	obj[key] = mustJSON(val)
}
