package slackfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Identity of the workspace and app the fake pretends to be. They are constants
// so tests can assert on them without asking the server.
const (
	TeamID      = "T0ATLAS01"
	TeamDomain  = "atlas-test"
	TeamName    = "Atlas Test Practice"
	AppID       = "A0ATLAS01"
	BotID       = "B0ATLAS01"
	BotUserID   = "U0ATLASBOT"
	BotUserName = "atlas"

	// VerificationToken is the legacy token Slack puts in payloads; slack-go's
	// socketmode client ignores it but it is filled in for realism.
	VerificationToken = "fake-verification-token"
)

// DefaultWaitTimeout bounds every Wait* helper unless WithWaitTimeout says otherwise.
const DefaultWaitTimeout = 10 * time.Second

// DefaultPingInterval is how often the fake pings each websocket. slack-go's
// socketmode client drops a connection that has not been pinged for 30 s (its
// default OptionPingInterval), so the fake must ping well within that.
const DefaultPingInterval = 5 * time.Second

// Option configures a Server.
type Option func(*Server)

// WithWaitTimeout changes the deadline used by the Wait* helpers.
func WithWaitTimeout(d time.Duration) Option {
	return func(s *Server) { s.waitTimeout = d }
}

// WithPingInterval changes how often websocket pings are sent; d <= 0 disables
// the periodic ping (one ping is still sent right after hello).
func WithPingInterval(d time.Duration) Option {
	return func(s *Server) { s.pingInterval = d }
}

// WithBotToken makes Web API methods answer invalid_auth unless called with
// exactly this token. Without it any non-app token is accepted.
func WithBotToken(token string) Option {
	return func(s *Server) { s.botToken = token }
}

// WithAppToken makes apps.connections.open answer invalid_auth unless called
// with exactly this token. Without it any xapp- token is accepted.
func WithAppToken(token string) Option {
	return func(s *Server) { s.appToken = token }
}

// Server is a running fake Slack. Create it with New (tests) or NewServer.
type Server struct {
	srv *httptest.Server
	url string // base URL without trailing slash; written once before use

	waitTimeout  time.Duration
	pingInterval time.Duration
	botToken     string
	appToken     string

	wg sync.WaitGroup // websocket goroutines, waited for by Close

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change; see notifyLocked
	closed  bool

	seq       int    // shared counter for ids, so every id is unique
	lastTS    int64  // last message ts in microseconds, keeps ts strictly increasing
	calls     []Call // every Web API call in arrival order
	seqCalls  int    // calls made, recorded or not
	failures  map[string]*scriptedFailure
	limits    map[string]*rateLimit
	users     map[string]User
	openDMs   map[string]bool
	views     map[string]string // view id -> external id
	homeViews map[string]string // user id -> home view id
	files     map[string]*File
	fileOrder []string
	messages  map[string][]*Message // channel -> its messages in ts order
	holds     map[string]*Hold      // method -> the hold its next calls go to
	allHolds  []*Hold               // every hold made, released by Close
	responses []ResponsePost

	// Socket Mode state.
	tickets     map[string]bool  // apps.connections.open tickets not yet used
	active      []*wsConn        // connections that receive envelopes, in connect order
	all         map[*wsConn]bool // every open websocket, including ones being disconnected
	rr          int              // round-robin cursor into active
	pending     []*Envelope      // envelopes waiting for a connection
	envelopes   map[string]*Envelope
	connections int // websocket connects ever made
	// oversizedAcks counts ack frames dropped for their size.
	oversizedAcks int

	observer  func(Event) // see WithObserver
	noHistory bool        // see WithoutHistory
}

// New starts a fake Slack for the test and closes it when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// NewServer starts a fake Slack; the caller must Close it.
func NewServer(opts ...Option) *Server {
	s := &Server{
		waitTimeout:  DefaultWaitTimeout,
		pingInterval: DefaultPingInterval,
		changed:      make(chan struct{}),
		failures:     map[string]*scriptedFailure{},
		limits:       map[string]*rateLimit{},
		users:        map[string]User{},
		openDMs:      map[string]bool{},
		views:        map[string]string{},
		homeViews:    map[string]string{},
		files:        map[string]*File{},
		messages:     map[string][]*Message{},
		holds:        map[string]*Hold{},
		tickets:      map[string]bool{},
		envelopes:    map[string]*Envelope{},
		all:          map[*wsConn]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	s.users[BotUserID] = User{ID: BotUserID, Name: BotUserName, RealName: "Atlas", IsBot: true}

	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.handleAPI)
	mux.HandleFunc("/link/", s.handleSocket)
	mux.HandleFunc("/upload/v1/", s.handleUpload)
	mux.HandleFunc("/files-pri/", s.handleFileDownload)
	mux.HandleFunc("/response/", s.handleResponseURL)
	s.srv = httptest.NewServer(mux)
	s.url = s.srv.URL
	return s
}

// URL is the fake's base URL (http://127.0.0.1:port), without a trailing slash.
func (s *Server) URL() string { return s.url }

// APIURL is the Web API base URL, ending in "/api/", for slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.url + "/api/" }

// Close drops every websocket, stops the HTTP server and waits for the fake's
// goroutines. It is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.active = nil
	holds := s.allHolds
	conns := make([]*wsConn, 0, len(s.all))
	for c := range s.all {
		conns = append(conns, c)
	}
	s.notifyLocked()
	s.mu.Unlock()

	// The HTTP server's Close waits for every handler, held ones included.
	for _, h := range holds {
		h.Release()
	}
	// handleSocket refuses new websockets once closed is set, so these are all.
	for _, c := range conns {
		_ = c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "server closing"),
			time.Now().Add(time.Second))
		c.kill()
	}
	s.srv.Close()
	s.wg.Wait()
}

// nextIDLocked returns a fresh id with Slack's shape: an upper-case type
// letter followed by upper-case alphanumerics.
func (s *Server) nextIDLocked(prefix string) string {
	s.seq++
	return prefix + strings.ToUpper(leftPad(itoa36(s.seq), 9))
}

// nextTSLocked returns a message timestamp ("seconds.micros") that is unique and
// strictly increasing, as Slack guarantees per channel.
func (s *Server) nextTSLocked() string {
	now := time.Now().UnixMicro()
	if now <= s.lastTS {
		now = s.lastTS + 1
	}
	s.lastTS = now
	return formatTS(now)
}

// notifyLocked wakes every waiter. Waiters grab the current channel under mu and
// block on it, so closing it is a broadcast that cannot be missed.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond (called with mu held) is true or limit has
// passed, and reports which: for callers that expect some waits to fail
// (a command lost with a dropped connection) rather than fail the test.
func (s *Server) waitFor(limit time.Duration, cond func() bool) bool {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-timer.C:
			return false
		}
	}
}

// waitUntil blocks until cond (called with mu held) is true, failing the test
// after the wait timeout.
func (s *Server) waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if !s.waitFor(s.waitTimeout, cond) {
		t.Fatalf("slackfake: timed out after %v waiting for %s", s.waitTimeout, what)
	}
}
