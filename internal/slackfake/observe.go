package slackfake

import (
	"encoding/json"
	"time"
)

// EventKind says what an Event reports.
type EventKind string

const (
	// EventAck is the app acknowledging an envelope.
	EventAck EventKind = "ack"
	// EventCall is a Web API call the fake answered (rate-limited and
	// failed calls included).
	EventCall EventKind = "call"
	// EventResponse is a POST to a response_url.
	EventResponse EventKind = "response"
	// EventConnect and EventDisconnect are a Socket Mode connection joining
	// or leaving the rotation.
	EventConnect    EventKind = "connect"
	EventDisconnect EventKind = "disconnect"
)

// Event is something the app did, as the fake saw it, for an observer that
// measures rather than waits: a load driver timing acks and answers.
type Event struct {
	Kind EventKind
	At   time.Time
	// Envelope and AckPayload are set for EventAck, and Sent: when the
	// envelope's frame was first written to a socket, where Slack's three
	// seconds start.
	Sent       time.Time
	Envelope   *Envelope
	AckPayload json.RawMessage
	// Call is set for EventCall, Response for EventResponse.
	Call     *Call
	Response *ResponsePost
	// Active is the number of connections in rotation after a connect or a
	// disconnect.
	Active int
}

// WithObserver makes the fake report every Event to f as it happens. f is
// called with the fake's lock held, in the order events happen: it must
// return quickly and must not call the Server.
func WithObserver(f func(Event)) Option {
	return func(s *Server) { s.observer = f }
}

// WithoutHistory makes the fake keep no record of Web API calls and
// response_url posts (Calls, AllCalls, ResponseURLPosts and the waits on
// them see nothing): for a long load run whose observer has what it needs.
func WithoutHistory() Option {
	return func(s *Server) { s.noHistory = true }
}

func (s *Server) observeLocked(e Event) {
	if s.observer != nil {
		if e.At.IsZero() {
			e.At = time.Now()
		}
		s.observer(e)
	}
}
