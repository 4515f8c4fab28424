package slackfake

import (
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// TestObserverSeesWhatTheAppDoes: with an observer and no history, the
// observer is told of the connection, the ack with its payload, a Web API
// call and a response_url post, in the order they happened, and the fake
// keeps no record of the calls.
func TestObserverSeesWhatTheAppDoes(t *testing.T) {
	var mu sync.Mutex
	var seen []Event
	fake := New(t, WithoutHistory(), WithObserver(func(e Event) {
		mu.Lock()
		seen = append(seen, e)
		mu.Unlock()
	}))
	smc := runSocketClient(t, fake)
	nextEvent(t, smc, socketmode.EventTypeHello)

	asked := time.Now()
	env := fake.SendSlashCommand(slack.SlashCommand{Command: "/log", Text: "1h acme", UserID: "U1", ChannelID: "C1"})
	evt := nextEvent(t, smc, socketmode.EventTypeSlashCommand)
	if err := smc.Ack(*evt.Request, map[string]any{"text": "Logged"}); err != nil {
		t.Fatal(err)
	}
	env.WaitAck(t)
	if _, _, err := newAPI(fake).PostMessage("C1", slack.MsgOptionText("hello", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := newAPI(fake).PostMessage("", slack.MsgOptionResponseURL(env.ResponseURL, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("Done", false)); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	var kinds []EventKind
	var ack, post, resp *Event
	for i, e := range seen {
		switch {
		case e.Kind == EventAck:
			ack = &seen[i]
		case e.Kind == EventCall && e.Call.Method == "chat.postMessage":
			post = &seen[i]
		case e.Kind == EventResponse:
			resp = &seen[i]
		}
		if e.Kind != EventCall || e.Call.Method != "apps.connections.open" {
			kinds = append(kinds, e.Kind)
		}
	}
	want := []EventKind{EventConnect, EventAck, EventCall, EventResponse}
	if len(kinds) != len(want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("events %v, want %v", kinds, want)
		}
	}
	if ack.Envelope.ID != env.ID || string(ack.AckPayload) != `{"text":"Logged"}` || ack.At.IsZero() {
		t.Errorf("ack event: %+v", ack)
	}
	if ack.Sent.IsZero() || ack.At.Before(ack.Sent) || ack.Sent.Before(asked) {
		t.Errorf("ack event: sent %s, acked %s, asked at %s", ack.Sent, ack.At, asked)
	}
	if post.Call.Param("channel") != "C1" || post.Call.Param("text") != "hello" {
		t.Errorf("call event: %+v", post.Call)
	}
	if resp.Response.Params["text"] != "Done" {
		t.Errorf("response event: %+v", resp.Response)
	}
	if len(fake.AllCalls()) != 0 || len(fake.ResponseURLPosts()) != 0 {
		t.Errorf("kept %d calls and %d posts without history", len(fake.AllCalls()), len(fake.ResponseURLPosts()))
	}
}
