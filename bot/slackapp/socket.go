package slackapp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// SocketMode feeds the router from a Socket Mode connection. slack-go's
// client reconnects by itself on a dropped socket or a refresh request;
// this transport turns each envelope into an Incoming and acknowledges it
// with what the router hands back.
type SocketMode struct {
	client *socketmode.Client
	router *Router
	log    *slog.Logger
	wg     sync.WaitGroup
	// resent holds, by envelope id, when an ack first failed to be
	// written.
	resent sync.Map
}

// NewSocketMode returns a transport on api (which must carry the app-level
// token).
func NewSocketMode(api *slack.Client, router *Router, log *slog.Logger, opts ...socketmode.Option) *SocketMode {
	return &SocketMode{client: socketmode.New(api, opts...), router: router, log: log}
}

// Run serves until ctx ends. It returns ctx's error, or the connection's
// when it gives up.
func (s *SocketMode) Run(ctx context.Context) error {
	// The connection outlives ctx a little: when ctx ends, no new envelope
	// is taken, but those already taken are acknowledged over the still-open
	// socket before it closes.
	connCtx, closeConn := context.WithCancel(context.WithoutCancel(ctx))
	defer closeConn()
	runErr := make(chan error, 1)
	go func() { runErr <- s.client.RunContext(connCtx) }()
	for {
		select {
		case <-ctx.Done():
			s.wg.Wait()
			return ctx.Err()
		case err := <-runErr:
			s.wg.Wait()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("socket mode: %w", err)
		case evt, ok := <-s.client.Events:
			if !ok {
				s.wg.Wait()
				return fmt.Errorf("socket mode: event stream closed")
			}
			s.handle(evt)
		}
	}
}

func (s *SocketMode) handle(evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		s.log.Info("socket mode connecting")
	case socketmode.EventTypeConnected:
		s.log.Info("socket mode connected")
	case socketmode.EventTypeConnectionError:
		s.log.Warn("socket mode connection error; retrying", "err", fmt.Sprint(evt.Data))
	case socketmode.EventTypeDisconnect:
		s.log.Info("socket mode disconnect requested; reconnecting")
	case socketmode.EventTypeInvalidAuth:
		s.log.Error("socket mode: the app-level token was refused")
	case socketmode.EventTypeErrorBadMessage:
		s.badMessage(evt)
	case socketmode.EventTypeErrorWriteFailed:
		s.log.Warn("socket mode: write failed", "err", fmt.Sprint(evt.Data))
		s.resendAck(evt)
	case socketmode.EventTypeIncomingError:
		s.log.Warn("socket mode: read failed", "err", fmt.Sprint(evt.Data))
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
		in, err := incomingFromSocket(evt)
		if err != nil {
			s.log.Warn("socket mode: unreadable envelope", "type", evt.Type, "err", err)
			if evt.Request != nil {
				_ = s.client.Ack(*evt.Request)
			}
			return
		}
		req := *evt.Request
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.router.Serve(in, func(payload any) {
				// Bounded: with the socket down, an ack must not block forever.
				actx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				err := s.client.AckCtx(actx, req.EnvelopeID, payload)
				if err != nil {
					s.log.Warn("socket mode: ack failed", "envelope", req.EnvelopeID, "err", err)
				}
			})
		}()
	}
}

// badMessage logs an envelope that could not be read and acknowledges it
// when it carries an envelope id: unacknowledged, Slack would send it again
// and again, and it would fail the same way each time.
func (s *SocketMode) badMessage(evt socketmode.Event) {
	bad, _ := evt.Data.(*socketmode.ErrorBadMessage)
	var raw json.RawMessage
	var cause error
	if bad != nil {
		raw, cause = bad.Message, bad.Cause
	}
	var env struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	_ = json.Unmarshal(raw, &env)
	s.log.Warn("socket mode: malformed envelope acknowledged and dropped", "envelope", env.EnvelopeID, "type", env.Type,
		"err", cause, "bytes", len(raw))
	if env.EnvelopeID == "" {
		return
	}
	actx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.client.AckCtx(actx, env.EnvelopeID, nil); err != nil {
		s.log.Warn("socket mode: ack of a malformed envelope failed", "envelope", env.EnvelopeID, "err", err)
	}
}

func incomingFromSocket(evt socketmode.Event) (Incoming, error) {
	if evt.Request == nil {
		return Incoming{}, fmt.Errorf("no request in %s event", evt.Type)
	}
	switch d := evt.Data.(type) {
	case slack.SlashCommand:
		return Incoming{Command: &d}, nil
	case slack.InteractionCallback:
		return Incoming{Interaction: &d}, nil
	case slackevents.EventsAPIEvent:
		in := Incoming{Event: &d, RetryAttempt: evt.Request.RetryAttempt}
		var outer struct {
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal(evt.Request.Payload, &outer)
		in.EventID = outer.EventID
		return in, nil
	}
	return Incoming{}, fmt.Errorf("unexpected data %T", evt.Data)
}

// resendAck sends again an acknowledgement that could not be written.
// That happens when Slack rotates or drops the connection between an
// envelope's arrival and its answer: the work is done (a command saved,
// its answer posted), and without the ack Slack would tell the person the
// command failed. slack-go writes each response with whichever connection's
// sender takes it, and the dead connection's sender may take the resend
// too, until it notices; so an ack is resent, a moment apart, until it is
// written or Slack's 3 s since the first failure are over.
func (s *SocketMode) resendAck(evt socketmode.Event) {
	failed, ok := evt.Data.(*socketmode.ErrorWriteFailed)
	if !ok || failed.Response == nil || failed.Response.EnvelopeID == "" {
		return
	}
	res := *failed.Response
	first, seen := s.resent.LoadOrStore(res.EnvelopeID, time.Now())
	if seen && time.Since(first.(time.Time)) > ackResendFor {
		s.log.Warn("socket mode: ack lost with its connection", "envelope", res.EnvelopeID)
		return
	}
	if !seen {
		// Forgotten well after its 3 s, so a late failure of the same
		// ack still finds when the first was.
		time.AfterFunc(time.Minute, func() { s.resent.Delete(res.EnvelopeID) })
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// A moment for slack-go to notice the dead connection and dial
		// the next one.
		time.Sleep(ackResendPause)
		ctx, cancel := context.WithTimeout(context.Background(), ackResendFor)
		defer cancel()
		if err := s.client.SendCtx(ctx, res); err != nil {
			s.log.Warn("socket mode: ack could not be queued again", "envelope", res.EnvelopeID, "err", err)
		}
	}()
}

// How long a failed ack is worth resending (Slack's deadline), and the
// pause before each resend.
const (
	ackResendFor   = 3 * time.Second
	ackResendPause = 100 * time.Millisecond
)
