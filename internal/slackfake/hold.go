package slackfake

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// Hold keeps back Slack's answers to some calls of one method: the calls
// take effect, and their clients wait. See HoldCalls.
type Hold struct {
	s        *Server
	method   string
	n        int
	held     int // calls taken so far; guarded by s.mu
	released chan struct{}
	once     sync.Once
}

// HoldCalls makes the next n calls to method take effect as usual — a
// message is stored, a file shared, the call recorded — while their HTTP
// answers are held back until Release. It recreates the moment a process
// is killed between Slack doing something and the process hearing of it:
// hold the call, Wait for it, kill the process, and see what its successor
// does. Calls refused with 429 are not held. A new HoldCalls for the same
// method takes the calls that come after it; the earlier Hold keeps the
// ones it has.
func (s *Server) HoldCalls(method string, n int) *Hold {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := &Hold{s: s, method: method, n: n, released: make(chan struct{})}
	s.holds[method] = h
	s.allHolds = append(s.allHolds, h)
	return h
}

// Wait blocks until n calls are being held, failing the test after the
// fake's wait timeout.
func (h *Hold) Wait(t testing.TB) {
	t.Helper()
	h.s.waitUntil(t, fmt.Sprintf("%d held %s calls", h.n, h.method), func() bool { return h.held >= h.n })
}

// Release answers every call held so far, as Slack would have at once (a
// client that has gone away gets nothing), and holds no more. It is safe
// to call more than once; the fake's Close calls it too.
func (h *Hold) Release() {
	h.once.Do(func() { close(h.released) })
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	if h.s.holds[h.method] == h {
		delete(h.s.holds, h.method)
	}
}

// takeHoldLocked takes a place in method's hold for the call being
// answered, or returns nil when its answer is not to be held.
func (s *Server) takeHoldLocked(method string) *Hold {
	h := s.holds[method]
	if h == nil || h.held >= h.n {
		return nil
	}
	h.held++
	s.notifyLocked()
	return h
}

// keep blocks until the hold is released, reporting true, or until the
// client has gone away (its request's ctx ends), reporting false.
func (h *Hold) keep(ctx context.Context) bool {
	select {
	case <-h.released:
		return true
	case <-ctx.Done():
		return false
	}
}
