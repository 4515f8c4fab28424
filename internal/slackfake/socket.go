package slackfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// writeWait bounds each websocket write so a stuck client cannot wedge the fake.
const writeWait = 10 * time.Second

// closeGrace is how long a connection told to disconnect may take to close its
// end before the fake drops it.
const closeGrace = 2 * time.Second

// approximateConnectionTime is what Slack reports in hello.debug_info: the
// seconds it intends to keep the connection before asking for a refresh.
const approximateConnectionTime = 18060

var upgrader = websocket.Upgrader{
	// slack-go dials with Origin: https://api.slack.com, which is not our host.
	CheckOrigin: func(*http.Request) bool { return true },
}

// outMsg is one queued websocket write. Everything a connection sends goes
// through its queue and a single writer goroutine, because gorilla/websocket
// allows only one concurrent writer and the order of hello, queued envelopes
// and later envelopes must be preserved.
type outMsg struct {
	data       []byte
	env        *Envelope // set for envelopes, so they can be re-delivered if the write fails
	ping       bool
	closeAfter bool // a disconnect: close the socket once it is written
}

// wsConn is one Socket Mode websocket.
type wsConn struct {
	s    *Server
	id   int
	ws   *websocket.Conn
	wake chan struct{} // capacity 1: "the queue is non-empty"
	done chan struct{} // closed when the reader exits

	// guarded by s.mu
	queue []outMsg
	dead  bool // no longer in s.active; takes no new envelopes

	killOnce sync.Once
}

func (c *wsConn) enqueueLocked(m outMsg) {
	c.queue = append(c.queue, m)
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// kill closes the socket abruptly; the reader then cleans up.
func (c *wsConn) kill() {
	c.killOnce.Do(func() { _ = c.ws.Close() })
}

// retireLocked takes c out of rotation and hands its unsent envelopes, plus
// any given ones, back to the server for another connection (or the queue).
func (c *wsConn) retireLocked(unsent []outMsg) {
	s := c.s
	if !c.dead {
		c.dead = true
		for i, a := range s.active {
			if a == c {
				s.active = append(s.active[:i], s.active[i+1:]...)
				break
			}
		}
		s.observeLocked(Event{Kind: EventDisconnect, Active: len(s.active)})
		s.notifyLocked()
	}
	unsent = append(unsent, c.queue...)
	c.queue = nil
	if s.closed {
		return
	}
	for _, m := range unsent {
		if m.env != nil && !m.env.acked {
			s.deliverLocked(m.env)
		}
	}
}

// deliverLocked sends env over an active connection, round-robin like Slack
// spreads envelopes across an app's connections, or queues it until the next
// connection when none is open.
func (s *Server) deliverLocked(env *Envelope) {
	if len(s.active) == 0 {
		s.pending = append(s.pending, env)
		return
	}
	c := s.active[s.rr%len(s.active)]
	s.rr++
	c.enqueueLocked(outMsg{data: env.wire, env: env})
}

// appsConnectionsOpen hands out a single-use websocket URL, as Slack does.
func (s *Server) appsConnectionsOpen(r apiRequest) (result, string) {
	ticket := strings.ToLower(s.nextIDLocked("t"))
	s.tickets[ticket] = true
	wsURL := "ws" + strings.TrimPrefix(r.baseURL, "http") + "/link/?ticket=" + ticket + "&app_id=" + AppID
	return result{"url": wsURL}, ""
}

// handleSocket is the Socket Mode websocket endpoint.
func (s *Server) handleSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	case !s.tickets[ticket]:
		s.mu.Unlock()
		http.Error(w, "invalid or used ticket; call apps.connections.open", http.StatusUnauthorized)
		return
	}
	delete(s.tickets, ticket)
	s.mu.Unlock()

	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade already answered the client
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.connections++
	c := &wsConn{s: s, id: s.connections, ws: ws, wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.active = append(s.active, c)
	s.all[c] = true
	c.enqueueLocked(outMsg{data: mustJSON(map[string]any{
		"type":            "hello",
		"num_connections": len(s.active),
		"debug_info": map[string]any{
			"host":                        c.host(),
			"build_number":                1,
			"approximate_connection_time": approximateConnectionTime,
		},
		"connection_info": map[string]any{"app_id": AppID},
	})})
	// An early ping lets clients with a short OptionPingInterval settle.
	c.enqueueLocked(outMsg{ping: true})
	for _, env := range s.pending {
		c.enqueueLocked(outMsg{data: env.wire, env: env})
	}
	s.pending = nil
	s.wg.Add(2) // under mu and only while open, so Close's Wait sees it
	s.observeLocked(Event{Kind: EventConnect, Active: len(s.active)})
	s.notifyLocked()
	s.mu.Unlock()

	go c.writer()
	c.reader()
}

func (c *wsConn) host() string { return "applink-fake-" + strconv.Itoa(c.id) }

// reader consumes acks until the socket fails, then retires the connection.
// gorilla's default ping handler answers the client's pings while it reads.
func (c *wsConn) reader() {
	defer c.s.wg.Done()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			break
		}
		c.s.handleAck(data, time.Now())
	}
	c.s.mu.Lock()
	c.retireLocked(nil)
	delete(c.s.all, c)
	c.s.mu.Unlock()
	close(c.done)
	c.kill()
}

// writer is the connection's only writer of data frames; it also sends the
// periodic pings slack-go's client needs to consider the connection alive.
func (c *wsConn) writer() {
	defer c.s.wg.Done()
	var tick <-chan time.Time
	if c.s.pingInterval > 0 {
		t := time.NewTicker(c.s.pingInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-c.done:
			return
		case <-tick:
			if c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)) != nil {
				c.kill()
				return
			}
		case <-c.wake:
			c.s.mu.Lock()
			msgs := c.queue
			c.queue = nil
			// Stamped as the writer takes them: a frame written after others
			// of the batch counts their writes against the app, never for it.
			now := time.Now()
			for _, m := range msgs {
				if m.env != nil && m.env.writtenAt.IsZero() {
					m.env.writtenAt = now
				}
			}
			c.s.mu.Unlock()
			for i, m := range msgs {
				if err := c.write(m); err != nil {
					c.s.mu.Lock()
					c.retireLocked(msgs[i:])
					c.s.mu.Unlock()
					c.kill()
					return
				}
				if m.closeAfter {
					// Ask the client to close, and give it a moment to do so
					// before the reader's deadline drops the socket.
					_ = c.ws.WriteControl(websocket.CloseMessage,
						websocket.FormatCloseMessage(websocket.CloseNormalClosure, "disconnect"),
						time.Now().Add(writeWait))
					_ = c.ws.SetReadDeadline(time.Now().Add(closeGrace))
					c.s.mu.Lock()
					c.retireLocked(msgs[i+1:])
					c.s.mu.Unlock()
					return
				}
			}
		}
	}
}

func (c *wsConn) write(m outMsg) error {
	if m.ping {
		return c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait))
	}
	_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
	return c.ws.WriteMessage(websocket.TextMessage, m.data)
}

// MaxAckBytes is the largest ack frame Slack takes: a bigger one is dropped
// without a word, as if the app had never answered.
const MaxAckBytes = 20 * 1024

// handleAck records a client ack: {"envelope_id": "...", "payload": {...}},
// as received at at — when the frame was read, as Slack's clock stops, not
// when the stand-in's lock came free. Frames that are not acks for a known
// envelope are ignored, as Slack does; so is an ack over MaxAckBytes, which
// OversizedAcks counts.
func (s *Server) handleAck(data []byte, at time.Time) {
	if len(data) > MaxAckBytes {
		s.mu.Lock()
		s.oversizedAcks++
		s.notifyLocked()
		s.mu.Unlock()
		return
	}
	var ack struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	env := s.envelopes[ack.EnvelopeID]
	if env == nil || env.acked {
		return
	}
	env.acked = true
	env.ackPayload = ack.Payload
	env.ackedAt = at
	s.observeLocked(Event{Kind: EventAck, At: env.ackedAt, Sent: env.writtenAt, Envelope: env, AckPayload: ack.Payload})
	s.notifyLocked()
}

// OversizedAcks counts the ack frames dropped for being over MaxAckBytes.
func (s *Server) OversizedAcks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.oversizedAcks
}

// Disconnect sends {"type":"disconnect","reason":reason} on every open
// connection and closes them, as Slack does before rotating a connection
// ("refresh_requested", "warning", "link_disabled"). slack-go's client then
// calls apps.connections.open and reconnects. Envelopes sent from now until
// the reconnect are queued for the new connection.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range append([]*wsConn(nil), s.active...) {
		c.enqueueLocked(outMsg{closeAfter: true, data: mustJSON(map[string]any{
			"type":       "disconnect",
			"reason":     reason,
			"debug_info": map[string]any{"host": c.host()},
		})})
		// Out of rotation now, so later envelopes wait for the new connection.
		c.dead = true
		for i, a := range s.active {
			if a == c {
				s.active = append(s.active[:i], s.active[i+1:]...)
				break
			}
		}
	}
	s.notifyLocked()
}

// DropConnections closes every open websocket without a disconnect message,
// like a network failure. slack-go notices the read error and reconnects;
// envelopes not yet written are re-delivered on the next connection.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := append([]*wsConn(nil), s.active...)
	s.mu.Unlock()
	for _, c := range conns {
		c.kill()
	}
}

// Connections is how many websocket connections have been made in total.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// ActiveConnections is how many websockets currently receive envelopes.
func (s *Server) ActiveConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.active)
}

// WaitForConnections blocks until at least n websocket connections have been
// made in total (not necessarily still open).
func (s *Server) WaitForConnections(t testing.TB, n int) {
	t.Helper()
	s.waitUntil(t, strconv.Itoa(n)+" socket mode connection(s)", func() bool { return s.connections >= n })
}
