package slackfake

import (
	"bytes"
	"encoding/json"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Call is one recorded Web API request.
type Call struct {
	// Seq numbers calls in arrival order, starting at 1, so a test can look only
	// at calls after a point (match: func(c Call) bool { return c.Seq > mark }).
	Seq    int
	Method string // e.g. "chat.postMessage"
	// Token is the bearer token from the Authorization header, or the "token"
	// form field slack-go sends for form-encoded methods.
	Token string
	// Params holds the arguments: form fields (first value of each), or the
	// top-level keys of a JSON body. JSON strings are unquoted; anything else
	// (blocks, view, numbers, booleans) is kept as its raw JSON text. A "token"
	// argument is moved to Token and is not in Params.
	Params map[string]string
	Body   []byte    // the raw request body
	At     time.Time // when the fake received it

	// RateLimited marks a call answered with HTTP 429 by RateLimit.
	RateLimited bool
	// Error is the "error" the fake answered with ("" when ok was true).
	Error string
	// Response is the JSON the fake answered with.
	Response json.RawMessage
}

// Param returns Params[key]; a convenience for match functions.
func (c Call) Param(key string) string { return c.Params[key] }

// Calls returns the answered calls to method (not the ones refused with 429),
// in arrival order.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method && !c.RateLimited {
			out = append(out, c)
		}
	}
	return out
}

// RateLimitedCalls returns the calls to method that RateLimit answered with 429.
func (s *Server) RateLimitedCalls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method && c.RateLimited {
			out = append(out, c)
		}
	}
	return out
}

// AllCalls returns every recorded call, including 429'd and unknown methods.
func (s *Server) AllCalls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// WaitForCall blocks until an answered (not 429'd) call to method for which
// match returns true has been recorded, and returns it. Calls recorded before
// WaitForCall was called count too. match may be nil to take the first call.
// It fails the test after the wait timeout.
func (s *Server) WaitForCall(t testing.TB, method string, match func(Call) bool) Call {
	t.Helper()
	var found Call
	s.waitUntil(t, "a "+method+" call", func() bool {
		for _, c := range s.calls {
			if c.Method == method && !c.RateLimited && (match == nil || match(c)) {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

// recordLocked stores a call and wakes waiters.
func (s *Server) recordLocked(c *Call) {
	s.seqCalls++
	c.Seq = s.seqCalls
	if !s.noHistory {
		s.calls = append(s.calls, *c)
	}
	call := *c
	s.observeLocked(Event{Kind: EventCall, At: c.At, Call: &call})
	s.notifyLocked()
}

// readCall turns an HTTP request into a Call, accepting the encodings slack-go
// uses: form-encoded (most methods, token as a form field) and JSON (views.*,
// apps.connections.open, token in the Authorization header).
func readCall(r *http.Request, method string, body []byte) Call {
	c := Call{Method: method, Body: body, At: time.Now(), Params: map[string]string{}}
	mediaType, mediaParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/json":
		c.Params = flattenJSON(body)
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), mediaParams["boundary"])
		if form, err := mr.ReadForm(32 << 20); err == nil {
			for k, v := range form.Value {
				if len(v) > 0 {
					c.Params[k] = v[0]
				}
			}
			_ = form.RemoveAll()
		}
	default:
		if vals, err := url.ParseQuery(string(body)); err == nil {
			for k, v := range vals {
				c.Params[k] = v[0]
			}
		}
	}
	// GET-style calls carry arguments in the query string.
	for k, v := range r.URL.Query() {
		if _, ok := c.Params[k]; !ok {
			c.Params[k] = v[0]
		}
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		c.Token = strings.TrimSpace(tok)
	} else {
		c.Token = c.Params["token"]
	}
	delete(c.Params, "token")
	return c
}

// flattenJSON maps a JSON object's top-level keys to strings: JSON strings are
// unquoted, other values keep their raw JSON text. Non-objects give an empty map.
func flattenJSON(body []byte) map[string]string {
	out := map[string]string{}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return out
	}
	for k, raw := range obj {
		var str string
		if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &str) == nil {
			out[k] = str
			continue
		}
		out[k] = string(raw)
	}
	return out
}
