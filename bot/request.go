package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

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

// Message is an answer to the person who asked.
type Message struct {
	Text            string // the notification text, and the fallback for blocks
	Blocks          []slack.Block
	InChannel       bool // visible to the channel instead of the caller alone
	ReplaceOriginal bool // replace the message the action came from
}

func ephemeral(text string) Message { return Message{Text: text} }

// ackPayload is a message as a slash command's acknowledgement carries it.
func (m Message) ackPayload() map[string]any {
	p := map[string]any{"text": m.Text, "response_type": "ephemeral"}
	if m.InChannel {
		p["response_type"] = "in_channel"
	}
	if len(m.Blocks) > 0 {
		p["blocks"] = m.Blocks
	}
	return p
}

// Reply answers the caller privately. A slash command not yet acknowledged
// carries the answer in its acknowledgement; otherwise it goes through the
// response_url, or as an ephemeral message in the channel, or as a DM.
func (r *Request) Reply(m Message) error {
	if r.Kind == KindCommand && r.Ack(m.ackPayload()) {
		return nil
	}
	return r.send(r.ctx, m)
}

// answer replies, logging a failure to deliver rather than returning it:
// it is the last thing a request does.
func (r *Request) answer(ctx context.Context, m Message) {
	if r.Kind == KindCommand && r.Ack(m.ackPayload()) {
		return
	}
	r.Ack(nil)
	if err := r.send(ctx, m); err != nil {
		r.log.Error("could not deliver an answer", "kind", r.Kind, "key", r.RouteKey, "user", r.UserID, "err", err)
	}
}

func (r *Request) send(ctx context.Context, m Message) error {
	if r.ResponseURL != "" {
		msg := &slack.WebhookMessage{Text: m.Text, ResponseType: "ephemeral", ReplaceOriginal: m.ReplaceOriginal || r.replace}
		if m.InChannel {
			msg.ResponseType = "in_channel"
		}
		if len(m.Blocks) > 0 {
			msg.Blocks = &slack.Blocks{BlockSet: m.Blocks}
		}
		if err := slack.PostWebhookContext(ctx, r.ResponseURL, msg); err != nil {
			return fmt.Errorf("post to response_url: %w", err)
		}
		return nil
	}
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	if r.ChannelID != "" && r.UserID != "" && !m.InChannel && r.Kind != KindEvent {
		if _, err := r.API.PostEphemeralContext(ctx, r.ChannelID, r.UserID, opts...); err == nil {
			return nil
		}
		// Not in that channel (a DM with someone else, an archived channel):
		// fall through to a DM, which always reaches the person.
	}
	return r.DM(ctx, r.UserID, m)
}

// DM sends a direct message from Atlas to a person.
func (r *Request) DM(ctx context.Context, userID string, m Message) error {
	return sendDM(ctx, r.API, userID, m)
}

// sendDM opens Atlas's DM with a person and posts m there: for requests,
// and for jobs, which have no request.
func sendDM(ctx context.Context, api *slack.Client, userID string, m Message) error {
	ch, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
	if err != nil {
		return fmt.Errorf("open DM with %s: %w", userID, err)
	}
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	if _, _, err := api.PostMessageContext(ctx, ch.ID, opts...); err != nil {
		return fmt.Errorf("DM %s: %w", userID, err)
	}
	return nil
}

// OpenModal opens a modal (pushes one, from inside a modal) on the
// request's trigger, which lives three seconds, so call it before any slow
// work; then it acknowledges.
func (r *Request) OpenModal(v slack.ModalViewRequest) error {
	if r.TriggerID == "" {
		return fmt.Errorf("open modal %s: the request has no trigger_id", v.CallbackID)
	}
	var err error
	if r.Interaction != nil && r.Interaction.View.Type == slack.VTModal {
		// A button inside a modal (the task's Log time) stacks the new
		// modal on it, so closing it returns to where the person was.
		_, err = r.API.PushViewContext(r.ctx, r.TriggerID, v)
	} else {
		_, err = r.API.OpenViewContext(r.ctx, r.TriggerID, v)
	}
	r.Ack(nil)
	if err != nil {
		return fmt.Errorf("open modal %s: %w", v.CallbackID, err)
	}
	return nil
}

// UpdateModal answers a view submission by replacing the modal.
func (r *Request) UpdateModal(v slack.ModalViewRequest) {
	r.Ack(slack.NewUpdateViewSubmissionResponse(&v))
}

// Options answers an external_select's options request.
func (r *Request) Options(opts []*slack.OptionBlockObject) {
	if opts == nil {
		opts = []*slack.OptionBlockObject{} // Slack wants a list, even empty
	}
	r.Ack(slack.OptionsResponse{Options: opts})
}

// Value returns the value of an input in a submitted modal, by block id:
// text, the selected option or user, a date, the first checked box.
func (r *Request) Value(blockID string) string {
	if r.Interaction == nil || r.Interaction.View.State == nil {
		return ""
	}
	for _, a := range r.Interaction.View.State.Values[blockID] {
		switch {
		case a.Value != "":
			return a.Value
		case a.SelectedOption.Value != "":
			return a.SelectedOption.Value
		case a.SelectedUser != "":
			return a.SelectedUser
		case a.SelectedDate != "":
			return a.SelectedDate
		case a.SelectedTime != "":
			return a.SelectedTime
		case len(a.SelectedOptions) > 0:
			return a.SelectedOptions[0].Value
		}
	}
	return ""
}

// PrivateMetadata decodes the submitted modal's private metadata into v.
func (r *Request) PrivateMetadata(v any) error {
	if r.Interaction == nil || r.Interaction.View.PrivateMetadata == "" {
		return nil
	}
	return json.Unmarshal([]byte(r.Interaction.View.PrivateMetadata), v)
}

// Values returns every selected value of an input in a submitted modal:
// the checked boxes or the chosen options.
func (r *Request) Values(blockID string) []string {
	if r.Interaction == nil || r.Interaction.View.State == nil {
		return nil
	}
	var out []string
	for _, a := range r.Interaction.View.State.Values[blockID] {
		for _, o := range a.SelectedOptions {
			out = append(out, o.Value)
		}
	}
	return out
}
