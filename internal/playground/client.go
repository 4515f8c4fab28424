package playground

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// Client drives a running local-slack as its users would: through the
// control API (/_control) and, for what that lacks (submitting or closing a
// modal, reading open modals, App Home views and whether a bot is connected),
// the web UI's own WebSocket (/ui).
//
// Channels are given by id (C0PRACTICE): /_control/command and
// /_control/messages take the id as it is. Users are given by id (U0BEA).
type Client struct {
	base string // http://host:port
}

// NewClient returns a Client for the local-slack at baseURL
// (http://127.0.0.1:3000).
func NewClient(baseURL string) *Client { return &Client{base: strings.TrimSuffix(baseURL, "/")} }

// URL is the web UI, for a person. It opens on the first channel of the
// config, acting as its first user; ChannelURL opens another.
func (c *Client) URL() string { return c.base }

// ChannelURL opens the web UI on a channel or DM by id (DM ids are made at
// run time: see State or conversations.open), like Slack's permalinks:
// /archives/C0PRACTICE. The UI then rewrites its address to /.
func (c *Client) ChannelURL(channel string) string {
	return c.base + "/archives/" + url.PathEscape(channel)
}

// APIURL is the Web API base for slack.OptionAPIURL; it ends in a slash.
func (c *Client) APIURL() string { return c.base + "/api/" }

// Message is a message as local-slack stores it. A reply the bot gave with
// response_type "ephemeral" (ack payload, response_url or
// chat.postEphemeral) has Subtype "ephemeral" and EphemeralTo set.
type Message struct {
	Type        string          `json:"type"`
	Subtype     string          `json:"subtype,omitempty"`
	TS          string          `json:"ts"`
	ThreadTS    string          `json:"thread_ts,omitempty"`
	Channel     string          `json:"channel"`
	User        string          `json:"user"`
	BotID       string          `json:"bot_id,omitempty"`
	AppID       string          `json:"app_id,omitempty"`
	Text        string          `json:"text"`
	Blocks      json.RawMessage `json:"blocks,omitempty"`
	EphemeralTo string          `json:"ephemeral_to,omitempty"`
}

// LogEntry is one line of local-slack's record of bot traffic. Direction is
// "to_bot", "from_bot" or "internal" (its own notes, such as a dropped
// envelope or a Web API error); Kind is "socket", "events_api",
// "slash_commands", "interactive", "ack", "web_api" or "files".
type LogEntry struct {
	ID        string          `json:"id"`
	Time      int64           `json:"time"` // Unix milliseconds
	Direction string          `json:"direction"`
	Kind      string          `json:"kind"`
	Summary   string          `json:"summary"` // e.g. the Web API method, "envelope slash_commands [A0ATLAS]"
	Detail    json.RawMessage `json:"detail,omitempty"`
}

// State is GET /_control/state. Users include the bots.
type State struct {
	Workspace struct {
		Name   string `json:"name"`
		Domain string `json:"domain"`
		TeamID string `json:"teamId"`
	} `json:"workspace"`
	Apps []struct {
		AppID     string `json:"appId"`
		BotUserID string `json:"botUserId"`
		Mode      string `json:"mode"`
	} `json:"apps"`
	Users []struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		RealName string `json:"real_name"`
		IsBot    bool   `json:"is_bot"`
	} `json:"users"`
	Channels []struct {
		ID      string   `json:"id"`
		Name    string   `json:"name"`
		IsIM    bool     `json:"is_im"`
		Members []string `json:"members"`
	} `json:"channels"`
}

// State returns the workspace, apps, users and channels (DMs included).
func (c *Client) State(ctx context.Context) (*State, error) {
	var s State
	return &s, c.do(ctx, http.MethodGet, "/_control/state", nil, &s)
}

// Log returns everything the bots sent and received, oldest first (the
// last 1000 entries).
func (c *Client) Log(ctx context.Context) ([]LogEntry, error) {
	var r struct{ Log []LogEntry }
	return r.Log, c.do(ctx, http.MethodGet, "/_control/log", nil, &r)
}

// Messages returns a channel's messages, oldest first, thread replies and
// ephemeral messages included.
func (c *Client) Messages(ctx context.Context, channel string) ([]Message, error) {
	var r struct{ Messages []Message }
	return r.Messages, c.do(ctx, http.MethodGet, "/_control/messages/"+url.PathEscape(channel), nil, &r)
}

// WaitForMessage polls a channel until a message matches, or ctx ends.
func (c *Client) WaitForMessage(ctx context.Context, channel string, match func(Message) bool) (Message, error) {
	for {
		msgs, err := c.Messages(ctx, channel)
		if err == nil {
			for _, m := range msgs {
				if match(m) {
					return m, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = ctx.Err()
			}
			return Message{}, fmt.Errorf("no matching message in %s (%d there): %w", channel, len(msgs), err)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// PostMessage posts text as user, which the bots in the channel get as a
// message event (and app_mention when it mentions them). channel may also
// be "#name" or a user id (the DM between that user and the bot).
func (c *Client) PostMessage(ctx context.Context, user, channel, text, threadTS string) (Message, error) {
	var r struct{ Message Message }
	body := map[string]string{"user": user, "channel": channel, "text": text, "thread_ts": threadTS}
	return r.Message, c.do(ctx, http.MethodPost, "/_control/message", body, &r)
}

// SendCommand runs a slash command as user in channel, as typed in the
// composer: command is "/atlas", text the rest. It returns once the bot has
// acked (or after local-slack's 5s wait); a reply in the ack is then already
// in Messages. If no bot is connected the command is dropped (see Log).
func (c *Client) SendCommand(ctx context.Context, user, channel, command, text string) error {
	body := map[string]string{"user": user, "channel": channel, "command": command, "text": text}
	return c.do(ctx, http.MethodPost, "/_control/command", body, nil)
}

// Action is the element a user clicks, as sent in block_actions.
type Action struct {
	Type           string          `json:"type,omitempty"` // "button" when empty
	ActionID       string          `json:"action_id"`
	BlockID        string          `json:"block_id,omitempty"`
	Value          string          `json:"value,omitempty"`
	SelectedOption json.RawMessage `json:"selected_option,omitempty"` // {"text":{…},"value":"…"}
	SelectedDate   string          `json:"selected_date,omitempty"`
}

// Interact clicks an element of the message at messageTS as user; the bot
// gets block_actions with a trigger_id and response_url. See FindAction.
func (c *Client) Interact(ctx context.Context, user, channel, messageTS string, action Action) error {
	body := map[string]any{"user": user, "channel": channel, "messageTs": messageTS, "action": action}
	return c.do(ctx, http.MethodPost, "/_control/interact", body, nil)
}

// FindAction finds the interactive element with actionID in a message's
// blocks (actions blocks and section accessories), ready for Interact.
func FindAction(m Message, actionID string) (Action, bool) {
	var blocks []struct {
		Type      string            `json:"type"`
		BlockID   string            `json:"block_id"`
		Elements  []json.RawMessage `json:"elements"`
		Accessory json.RawMessage   `json:"accessory"`
	}
	if json.Unmarshal(m.Blocks, &blocks) != nil {
		return Action{}, false
	}
	for _, b := range blocks {
		for _, raw := range append(b.Elements, b.Accessory) {
			var el struct {
				Type     string `json:"type"`
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
			}
			if len(raw) > 0 && json.Unmarshal(raw, &el) == nil && el.ActionID == actionID {
				return Action{Type: el.Type, ActionID: el.ActionID, BlockID: b.BlockID, Value: el.Value}, true
			}
		}
	}
	return Action{}, false
}

// OpenHome opens the bot's App Home tab as user: the bot gets
// app_home_opened and answers with views.publish (see Snapshot.HomeViews).
func (c *Client) OpenHome(ctx context.Context, user string) error {
	return c.do(ctx, http.MethodPost, "/_control/open-home", map[string]string{"user": user}, nil)
}

// Reset restores the config's channels and empties messages, DMs, views,
// files and the log. Bot connections stay up.
func (c *Client) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/_control/reset", nil, nil)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var status struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	_ = json.Unmarshal(raw, &status)
	if resp.StatusCode != http.StatusOK || status.OK != nil && !*status.OK {
		return fmt.Errorf("local-slack %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(raw))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// View is a modal or App Home view as the bot opened or published it, with
// the id local-slack gave it.
type View struct {
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	CallbackID      string          `json:"callback_id,omitempty"`
	ExternalID      string          `json:"external_id,omitempty"`
	PrivateMetadata string          `json:"private_metadata,omitempty"`
	Title           json.RawMessage `json:"title,omitempty"`
	Blocks          json.RawMessage `json:"blocks,omitempty"`
}

// Snapshot is what the web UI is sent when it connects.
type Snapshot struct {
	Apps []struct {
		AppID     string `json:"appId"`
		BotUserID string `json:"botUserId"`
		BotName   string `json:"botName"`
		Mode      string `json:"mode"`
		Connected bool   `json:"connected"` // a Socket Mode connection is open
	} `json:"apps"`
	ModalStack []View                     `json:"modalStack"` // one stack for the whole workspace, root first
	HomeViews  map[string]map[string]View `json:"homeViews"`  // user id → app id → published view
	Messages   map[string][]Message       `json:"messages"`   // channel id → messages
}

// Snapshot returns the UI's view of the workspace.
func (c *Client) Snapshot(ctx context.Context) (*Snapshot, error) {
	conn, snap, err := c.dialUI(ctx)
	if err != nil {
		return nil, err
	}
	conn.Close()
	return snap, nil
}

// WaitConnected polls until the app (the first in the config when appID is
// "") has a Socket Mode connection open, or ctx ends. Commands and events
// sent before that are dropped.
func (c *Client) WaitConnected(ctx context.Context, appID string) error {
	for {
		snap, err := c.Snapshot(ctx)
		if err == nil {
			for i, a := range snap.Apps {
				if (a.AppID == appID || appID == "" && i == 0) && a.Connected {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("app %q not connected: %w", appID, ctx.Err())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// ViewResult is how a submission ended: Stack is the modal stack after it
// (empty when the bot closed it, as by a plain ack), Errors the field
// errors of a response_action "errors" (block_id → message).
type ViewResult struct {
	Stack  []View
	Errors map[string]string
}

// SubmitView submits the open (top) modal as user with values in Slack's
// state.values shape: block_id → action_id → {"type":"plain_text_input",
// "value":"…"} (inputs left out are sent empty). The bot gets
// view_submission; SubmitView returns the outcome of its ack.
func (c *Client) SubmitView(ctx context.Context, user string, values map[string]map[string]any) (ViewResult, error) {
	return c.viewOp(ctx, map[string]any{"t": "view_submit", "user": user, "values": values})
}

// CloseView closes the open modal as user (the bot gets view_closed if the
// view asked for notify_on_close).
func (c *Client) CloseView(ctx context.Context, user string) (ViewResult, error) {
	return c.viewOp(ctx, map[string]any{"t": "view_close", "user": user})
}

func (c *Client) viewOp(ctx context.Context, msg map[string]any) (ViewResult, error) {
	conn, snap, err := c.dialUI(ctx)
	if err != nil {
		return ViewResult{}, err
	}
	defer conn.Close()
	if len(snap.ModalStack) == 0 {
		return ViewResult{}, errors.New("local-slack: no modal is open")
	}
	if err := conn.WriteJSON(msg); err != nil {
		return ViewResult{}, err
	}
	for {
		var m struct {
			T      string            `json:"t"`
			Stack  []View            `json:"stack"`
			Errors map[string]string `json:"errors"`
		}
		if err := conn.ReadJSON(&m); err != nil {
			return ViewResult{}, fmt.Errorf("local-slack: waiting for the modal's outcome: %w", err)
		}
		switch m.T {
		case "view":
			return ViewResult{Stack: m.Stack}, nil
		case "view_errors":
			return ViewResult{Stack: snap.ModalStack, Errors: m.Errors}, nil
		}
	}
}

// dialUI connects to the UI WebSocket and reads the initial snapshot. Reads
// on the connection end with ctx's deadline (10s without one).
func (c *Client) dialUI(ctx context.Context) (*websocket.Conn, *Snapshot, error) {
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, "ws"+strings.TrimPrefix(c.base, "http")+"/ui", nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("local-slack UI socket: %w", err)
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	_ = conn.SetReadDeadline(deadline)
	var init struct {
		T     string   `json:"t"`
		State Snapshot `json:"state"`
	}
	if err := conn.ReadJSON(&init); err != nil || init.T != "init" {
		conn.Close()
		return nil, nil, fmt.Errorf("local-slack UI socket: no init message (%v)", err)
	}
	return conn, &init.State, nil
}
