package slackapp

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/atlas-practice/atlas/internal/practice"
)

// Kind is the kind of a request.
type Kind string

// Request kinds.
const (
	KindCommand  Kind = "command"
	KindAction   Kind = "action"
	KindSubmit   Kind = "view_submission"
	KindClose    Kind = "view_closed"
	KindOptions  Kind = "options"
	KindShortcut Kind = "shortcut"
	KindEvent    Kind = "event"
)

// Request is one request as a handler sees it: who asked, from where, and
// the means to answer.
type Request struct {
	Kind     Kind
	RouteKey string // command ("/atlas help"), action_id, callback_id or event type

	TeamID      string
	UserID      string
	UserName    string
	ChannelID   string
	TriggerID   string
	ResponseURL string

	// Command and Text are a slash command and its arguments (after the
	// subcommand, when one matched).
	Command string
	Text    string

	Action       *slack.BlockAction         // the block action, for KindAction and KindOptions
	Interaction  *slack.InteractionCallback // the whole payload for interactive kinds
	Event        any                        // the inner event, for KindEvent
	EventID      string
	RetryAttempt int

	Practice practice.Practice
	Member   *practice.Member // nil for a person not on the team

	API *slack.Client

	// idemKey overrides the request's own key for idempotent writes: a
	// command run again from a button is keyed by the message it came from.
	idemKey string
	// replace makes answers replace the message an action came from.
	replace bool
	// command is the command or subcommand a slash command matched.
	command *Command
	// routePrefix is the action-id prefix the route was registered by,
	// when the action matched one: metrics are labelled with it, never
	// with the id.
	routePrefix string
	// failed is set when the handler failed on Atlas's side (an internal
	// error, a panic, the database unreachable), for the error metric.
	failed bool

	router *Router
	log    *slog.Logger
	ctx    context.Context
	ackFn  func(any)
	once   sync.Once
	acked  chan struct{}
}

func (rt *Router) newRequest(in Incoming, ack func(any)) *Request {
	r := &Request{API: rt.API, router: rt, log: rt.Log, ackFn: ack, acked: make(chan struct{}), ctx: context.Background()}
	switch {
	case in.Command != nil:
		c := in.Command
		r.Kind, r.Command, r.Text = KindCommand, c.Command, c.Text
		r.RouteKey = c.Command
		r.TeamID, r.UserID, r.UserName, r.ChannelID = c.TeamID, c.UserID, c.UserName, c.ChannelID
		r.TriggerID, r.ResponseURL = c.TriggerID, c.ResponseURL
	case in.Interaction != nil:
		cb := in.Interaction
		r.Interaction = cb
		r.TeamID, r.UserID, r.UserName = cb.Team.ID, cb.User.ID, cb.User.Name
		r.ChannelID, r.TriggerID, r.ResponseURL = cb.Channel.ID, cb.TriggerID, cb.ResponseURL
		if r.ChannelID == "" && cb.Container.ChannelID != "" {
			r.ChannelID = cb.Container.ChannelID
		}
		r.readOrigin(cb)
		if r.ResponseURL == "" && len(cb.ResponseURLs) > 0 {
			r.ResponseURL = cb.ResponseURLs[0].ResponseURL
		}
		switch cb.Type {
		case slack.InteractionTypeBlockActions:
			r.Kind = KindAction
			if len(cb.ActionCallback.BlockActions) > 0 {
				r.Action = cb.ActionCallback.BlockActions[0]
				r.RouteKey = r.Action.ActionID
			}
		case slack.InteractionTypeViewSubmission:
			r.Kind, r.RouteKey = KindSubmit, cb.View.CallbackID
		case slack.InteractionTypeViewClosed:
			r.Kind, r.RouteKey = KindClose, cb.View.CallbackID
		case slack.InteractionTypeBlockSuggestion:
			r.Kind, r.RouteKey = KindOptions, cb.ActionID
		case slack.InteractionTypeShortcut, slack.InteractionTypeMessageAction:
			r.Kind, r.RouteKey = KindShortcut, cb.CallbackID
		default:
			r.Kind, r.RouteKey = Kind(cb.Type), string(cb.Type)
		}
	case in.Event != nil:
		ev := in.Event
		r.Kind, r.TeamID, r.EventID, r.RetryAttempt = KindEvent, ev.TeamID, in.EventID, in.RetryAttempt
		r.RouteKey = ev.InnerEvent.Type
		r.Event = ev.InnerEvent.Data
		if home, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok {
			r.UserID, r.ChannelID = home.User, home.Channel
		}
	}
	return r
}

// Context is the request's context: it ends when the handler's time is up
// or Atlas shuts down.
func (r *Request) Context() context.Context { return r.ctx }

// Now is the router's clock, so tests can move time.
func (r *Request) Now() time.Time { return r.router.Clock.Now() }

// Log is the router's logger.
func (r *Request) Log() *slog.Logger { return r.log }

// Key identifies this request for idempotent writes: a retried envelope
// carries the same trigger, a resubmitted modal the same view, a command
// run again from a button the message it came from.
func (r *Request) Key() string {
	switch {
	case r.idemKey != "":
		return r.idemKey
	case r.Kind == KindSubmit && r.Interaction != nil && r.Interaction.View.ID != "":
		return "view:" + r.Interaction.View.ID
	case r.TriggerID != "":
		return "trigger:" + r.TriggerID
	}
	return ""
}

// ReplaceOriginal makes the request's answers replace the message its
// action came from (a list's next page, a confirmation's outcome).
func (r *Request) ReplaceOriginal() { r.replace = true }

// InModal reports whether the request came from a modal (rather than a
// message, a DM or the App Home).
func (r *Request) InModal() bool {
	return r.Interaction != nil && r.Interaction.View.ID != "" && r.Interaction.View.Type == slack.VTModal
}

// Ack acknowledges the request with payload (nil for an empty
// acknowledgement). Only the first call counts; it reports whether this call
// was the one that acknowledged.
func (r *Request) Ack(payload any) bool {
	first := false
	r.once.Do(func() {
		first = true
		r.ackFn(payload)
		close(r.acked)
	})
	return first
}

// Acked reports whether the request has been acknowledged.
func (r *Request) Acked() bool {
	select {
	case <-r.acked:
		return true
	default:
		return false
	}
}

// RefreshHome republishes the caller's App Home after something it shows
// changed; a failure is logged, not shown, since the change itself stands.
func (r *Request) RefreshHome(ctx context.Context) {
	r.router.mu.RLock()
	home := r.router.home
	r.router.mu.RUnlock()
	if home == nil || r.UserID == "" {
		return
	}
	if err := home(ctx, r); err != nil {
		r.log.Warn("could not refresh the App Home", "user", r.UserID, "err", err)
	}
}

// Files returns the ids of the files uploaded to a file_input in a
// submitted modal, by block id.
func (r *Request) Files(blockID string) []string {
	if r.Interaction == nil || r.Interaction.View.State == nil {
		return nil
	}
	var out []string
	for _, a := range r.Interaction.View.State.Values[blockID] {
		for _, f := range a.Files {
			if f.ID != "" {
				out = append(out, f.ID)
			}
		}
	}
	return out
}
