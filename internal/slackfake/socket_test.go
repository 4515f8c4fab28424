package slackfake

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestSocketModeHelloAndSlashCommand(t *testing.T) {
	fake := New(t)
	smc := runSocketClient(t, fake)

	hello := nextEvent(t, smc, socketmode.EventTypeHello)
	if hello.Request.NumConnections != 1 || hello.Request.DebugInfo.ApproximateConnectionTime == 0 ||
		hello.Request.ConnectionInfo.AppID != AppID {
		t.Fatalf("hello = %+v", hello.Request)
	}
	open := fake.WaitForCall(t, "apps.connections.open", nil)
	if open.Token != testAppToken {
		t.Fatalf("apps.connections.open token = %q, want the app-level token", open.Token)
	}

	env := fake.SendSlashCommand(slack.SlashCommand{Command: "/atlas", Text: "clients", UserID: "U1", ChannelID: "C1"})
	evt := nextEvent(t, smc, socketmode.EventTypeSlashCommand)
	cmd := evt.Data.(slack.SlashCommand)
	if cmd.Command != "/atlas" || cmd.Text != "clients" || cmd.UserID != "U1" || cmd.TeamID != TeamID {
		t.Fatalf("slash command = %+v", cmd)
	}
	if cmd.TriggerID == "" || cmd.TriggerID != env.TriggerID || cmd.ResponseURL != env.ResponseURL ||
		!strings.HasPrefix(cmd.ResponseURL, fake.URL()+"/response/") {
		t.Fatalf("trigger/response_url = %q %q, envelope has %q %q", cmd.TriggerID, cmd.ResponseURL, env.TriggerID, env.ResponseURL)
	}
	if evt.Request.EnvelopeID != env.ID || !evt.Request.AcceptsResponsePayload {
		t.Fatalf("request = %+v", evt.Request)
	}

	if err := smc.Ack(*evt.Request, map[string]any{"response_type": "ephemeral", "text": "Working on it"}); err != nil {
		t.Fatal(err)
	}
	var ack struct{ ResponseType, Text string }
	if err := json.Unmarshal(env.WaitAck(t), &ack); err != nil {
		t.Fatal(err)
	}
	if ack.Text != "Working on it" {
		t.Fatalf("ack payload = %+v", ack)
	}

	// A later answer through the response_url is recorded too.
	if _, _, err := newAPI(fake).PostMessage("", slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("Done", false)); err != nil {
		t.Fatal(err)
	}
	post := fake.WaitForResponse(t, func(p ResponsePost) bool { return p.Params["text"] == "Done" })
	if post.Params["response_type"] != "ephemeral" || !strings.HasSuffix(cmd.ResponseURL, post.ID) {
		t.Fatalf("response post = %+v", post)
	}
}

func TestSocketModeDisconnectAndReconnect(t *testing.T) {
	fake := New(t)
	smc := runSocketClient(t, fake)
	nextEvent(t, smc, socketmode.EventTypeHello)

	fake.Disconnect("refresh_requested")
	fake.WaitForConnections(t, 2)
	if got := len(fake.Calls("apps.connections.open")); got != 2 {
		t.Fatalf("apps.connections.open calls = %d, want 2", got)
	}
	if fake.Connections() != 2 {
		t.Fatalf("Connections() = %d, want 2", fake.Connections())
	}

	env := fake.SendEvent(map[string]any{"event": map[string]any{"type": "app_home_opened", "user": "U1", "tab": "home"}},
		WithRetry(1, "timeout"))
	evt := nextEvent(t, smc, socketmode.EventTypeEventsAPI)
	api := evt.Data.(slackevents.EventsAPIEvent)
	home, ok := api.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || home.User != "U1" || api.TeamID != TeamID {
		t.Fatalf("event = %+v", api)
	}
	if evt.Request.RetryAttempt != 1 || evt.Request.RetryReason != "timeout" || evt.Request.AcceptsResponsePayload {
		t.Fatalf("request = %+v", evt.Request)
	}
	smc.Ack(*evt.Request)
	if p := env.WaitAck(t); p != nil {
		t.Fatalf("ack payload = %s, want none", p)
	}

	// An abrupt drop reconnects too, and nothing sent meanwhile is lost.
	fake.DropConnections()
	env = fake.SendEvent(`{"event":{"type":"app_home_opened","user":"U2","tab":"home"}}`)
	fake.WaitForConnections(t, 3)
	evt = nextEvent(t, smc, socketmode.EventTypeEventsAPI)
	if evt.Request.EnvelopeID != env.ID {
		t.Fatalf("got envelope %s, want %s", evt.Request.EnvelopeID, env.ID)
	}
}

func TestSocketModeQueuesUntilConnectedAndViewSubmissionAck(t *testing.T) {
	fake := New(t)
	// Sent before any client exists: delivered on the first connection.
	env := fake.SendInteraction(map[string]any{
		"type": "view_submission",
		"user": map[string]any{"id": "U1"},
		"view": map[string]any{
			"id": "V123", "callback_id": "add_client",
			"state": map[string]any{"values": map[string]any{
				"name": map[string]any{"input": map[string]any{"type": "plain_text_input", "value": ""}},
			}},
		},
	})
	smc := runSocketClient(t, fake)

	evt := nextEvent(t, smc, socketmode.EventTypeInteractive)
	cb := evt.Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeViewSubmission || cb.View.CallbackID != "add_client" || cb.TriggerID == "" {
		t.Fatalf("callback = %+v", cb)
	}
	if got := cb.View.State.Values["name"]["input"]; got.Type != "plain_text_input" {
		t.Fatalf("state = %+v", cb.View.State)
	}
	smc.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"name": "Required"}))

	var resp struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	if err := json.Unmarshal(env.WaitAck(t), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.ResponseAction != "errors" || resp.Errors["name"] != "Required" {
		t.Fatalf("ack = %+v", resp)
	}

	// block_actions on a message get a response_url; typed payloads work too.
	env = fake.SendInteraction(slack.InteractionCallback{
		Type:    slack.InteractionTypeBlockActions,
		User:    slack.User{ID: "U1"},
		Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C1"}}},
		Message: slack.Message{Msg: slack.Msg{Timestamp: "1.000001"}},
	})
	evt = nextEvent(t, smc, socketmode.EventTypeInteractive)
	cb = evt.Data.(slack.InteractionCallback)
	if cb.ResponseURL == "" || cb.ResponseURL != env.ResponseURL || cb.Channel.ID != "C1" {
		t.Fatalf("block_actions = %+v", cb)
	}
}

func TestSocketModeSpreadsEnvelopesAcrossConnections(t *testing.T) {
	fake := New(t)
	a := runSocketClient(t, fake)
	nextEvent(t, a, socketmode.EventTypeHello)
	b := runSocketClient(t, fake)
	if h := nextEvent(t, b, socketmode.EventTypeHello); h.Request.NumConnections != 2 {
		t.Fatalf("second hello num_connections = %d", h.Request.NumConnections)
	}
	envs := []*Envelope{
		fake.SendEvent(`{"event":{"type":"app_home_opened","user":"U1"}}`),
		fake.SendEvent(`{"event":{"type":"app_home_opened","user":"U2"}}`),
	}
	ea := nextEvent(t, a, socketmode.EventTypeEventsAPI)
	eb := nextEvent(t, b, socketmode.EventTypeEventsAPI)
	if ea.Request.EnvelopeID != envs[0].ID || eb.Request.EnvelopeID != envs[1].ID {
		t.Fatalf("a got %s, b got %s", ea.Request.EnvelopeID, eb.Request.EnvelopeID)
	}
}

// TestSocketWireProtocol checks the raw websocket: single-use tickets, hello,
// the fake's pings and its pongs to the client's pings.
func TestSocketWireProtocol(t *testing.T) {
	fake := New(t)
	_, wsURL, err := newAPI(fake).StartSocketModeContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, resp, err := websocket.DefaultDialer.Dial(wsURL, nil); !errors.Is(err, websocket.ErrBadHandshake) || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("reusing a ticket: err=%v", err)
	}

	var hello map[string]any
	if err := conn.ReadJSON(&hello); err != nil {
		t.Fatal(err)
	}
	if hello["type"] != "hello" || hello["num_connections"] != float64(1) {
		t.Fatalf("hello = %v", hello)
	}

	pinged := make(chan struct{}, 1)
	ponged := make(chan struct{}, 1)
	conn.SetPingHandler(func(string) error {
		select {
		case pinged <- struct{}{}:
		default:
		}
		return nil
	})
	conn.SetPongHandler(func(data string) error {
		if data == "are-you-there" {
			ponged <- struct{}{}
		}
		return nil
	})
	if err := conn.WriteMessage(websocket.PingMessage, []byte("are-you-there")); err != nil {
		t.Fatal(err)
	}
	env := fake.SendEvent(`{"event":{"type":"app_home_opened","user":"U1"}}`)
	// Control frames are handled inside reads; the envelope after them ends the loop.
	var frame struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	if err := conn.ReadJSON(&frame); err != nil {
		t.Fatal(err)
	}
	if frame.EnvelopeID != env.ID || frame.Type != "events_api" {
		t.Fatalf("frame = %+v", frame)
	}
	if len(pinged) != 1 {
		t.Fatal("the fake did not ping after hello")
	}
	if err := conn.WriteJSON(map[string]any{"envelope_id": env.ID, "payload": map[string]int{"n": 1}}); err != nil {
		t.Fatal(err)
	}
	if got := string(env.WaitAck(t)); got != `{"n":1}` {
		t.Fatalf("ack = %s", got)
	}
	// The pong is read by the next read; the Disconnect frame follows it.
	fake.Disconnect("warning")
	var disc map[string]any
	if err := conn.ReadJSON(&disc); err != nil {
		t.Fatal(err)
	}
	if disc["type"] != "disconnect" || disc["reason"] != "warning" {
		t.Fatalf("disconnect = %v", disc)
	}
	if len(ponged) != 1 {
		t.Fatal("no pong for the client's ping")
	}
}
