package slackfake

import (
	"math"
	"time"
)

// rateLimit is a pending run of 429 answers for one method.
type rateLimit struct {
	retryAfter time.Duration
	remaining  int
}

// scriptedFailure is a pending run of ok:false answers for one method.
type scriptedFailure struct {
	code      string
	remaining int
}

// RateLimit makes the next times calls to method answer HTTP 429 with a
// Retry-After header and {"ok":false,"error":"ratelimited"}, as Slack does. The
// header carries whole seconds (retryAfter rounded up; 0 is allowed), which is
// what slack-go turns into *slack.RateLimitedError.RetryAfter. The refused calls
// are recorded with RateLimited set; see RateLimitedCalls. A new RateLimit for
// the same method replaces the previous one.
func (s *Server) RateLimit(method string, retryAfter time.Duration, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits[method] = &rateLimit{retryAfter: retryAfter, remaining: times}
}

// FailCall makes the next times calls to method answer HTTP 200 with
// {"ok":false,"error":code} (e.g. "channel_not_found", "invalid_auth"), so
// error paths can be tested. Rate limits take precedence over failures.
func (s *Server) FailCall(method, code string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = &scriptedFailure{code: code, remaining: times}
}

// takeRateLimitLocked consumes one 429 for method, returning the Retry-After
// seconds and whether the call must be refused.
func (s *Server) takeRateLimitLocked(method string) (int, bool) {
	rl := s.limits[method]
	if rl == nil || rl.remaining <= 0 {
		return 0, false
	}
	rl.remaining--
	return int(math.Ceil(rl.retryAfter.Seconds())), true
}

// takeFailureLocked consumes one scripted failure for method.
func (s *Server) takeFailureLocked(method string) (string, bool) {
	f := s.failures[method]
	if f == nil || f.remaining <= 0 {
		return "", false
	}
	f.remaining--
	return f.code, true
}
