package slackfake

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// ResponsePost is one POST the bot made to a response_url the fake handed out.
type ResponsePost struct {
	// ID is the last path segment of the response_url (see Envelope.ResponseURL).
	ID string
	// Params is the flattened JSON body, like Call.Params: "text",
	// "response_type", "replace_original", "blocks" (raw JSON), ...
	Params map[string]string
	Body   []byte
	At     time.Time
}

// ResponseURLPosts returns every response_url POST in arrival order.
func (s *Server) ResponseURLPosts() []ResponsePost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ResponsePost(nil), s.responses...)
}

// AwaitResponse waits up to limit for a response_url POST matching match
// (nil matches any), including ones recorded before the call; ok is false
// when none came.
func (s *Server) AwaitResponse(limit time.Duration, match func(ResponsePost) bool) (post ResponsePost, ok bool) {
	ok = s.waitFor(limit, func() bool {
		for _, p := range s.responses {
			if match == nil || match(p) {
				post = p
				return true
			}
		}
		return false
	})
	return post, ok
}

// WaitForResponse blocks until a response_url POST matching match (nil matches
// any) has been recorded, including ones recorded before the call.
func (s *Server) WaitForResponse(t testing.TB, match func(ResponsePost) bool) ResponsePost {
	t.Helper()
	var found ResponsePost
	s.waitUntil(t, "a response_url post", func() bool {
		for _, p := range s.responses {
			if match == nil || match(p) {
				found = p
				return true
			}
		}
		return false
	})
	return found
}

// newResponseURLLocked mints a response_url pointing at the fake.
func (s *Server) newResponseURLLocked() string {
	return s.url + "/response/" + s.nextIDLocked("R")
}

// handleResponseURL records a response_url POST. Any id is accepted, so a test
// may also build its own URL under /response/. Slack answers these with a JSON
// ok, which slack-go's content-type aware parser accepts.
func (s *Server) handleResponseURL(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p := ResponsePost{
		ID:     strings.TrimPrefix(r.URL.Path, "/response/"),
		Params: flattenJSON(body),
		Body:   body,
		At:     time.Now(),
	}
	// Slack refuses what it would refuse from chat.postMessage, and records
	// nothing of it.
	if problem := messageProblem(p.Params["text"], p.Params["blocks"], p.Params["attachments"]); problem != "" {
		http.Error(w, problem, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	if !s.noHistory {
		s.responses = append(s.responses, p)
	}
	s.observeLocked(Event{Kind: EventResponse, At: p.At, Response: &p})
	s.notifyLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, []byte(`{"ok":true}`))
}
