package slackfake

import (
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// AwaitAck and AwaitResponse report a missing ack or answer instead of
// failing the test, and return the ones that come.
func TestAwaitAckAndResponse(t *testing.T) {
	t.Parallel()
	fake := New(t)
	// Nobody connected: the envelope waits in the queue, unacknowledged.
	lost := fake.SendSlashCommand(slack.SlashCommand{Command: "/atlas", Text: "help", UserID: "U1", ChannelID: "C1"})
	if _, ok := lost.AwaitAck(50 * time.Millisecond); ok {
		t.Fatal("an envelope nobody received was acknowledged")
	}
	if _, ok := fake.AwaitResponse(50*time.Millisecond, nil); ok {
		t.Fatal("an answer came with nobody to give it")
	}

	smc := runSocketClient(t, fake)
	evt := nextEvent(t, smc, socketmode.EventTypeSlashCommand) // the queued one, now delivered
	if err := smc.Ack(*evt.Request, map[string]any{"text": "On it"}); err != nil {
		t.Fatal(err)
	}
	if payload, ok := lost.AwaitAck(10 * time.Second); !ok || string(payload) != `{"text":"On it"}` {
		t.Fatalf("ack = %s, %v", payload, ok)
	}
	if _, _, err := newAPI(fake).PostMessage("", slack.MsgOptionResponseURL(lost.ResponseURL, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("Done", false)); err != nil {
		t.Fatal(err)
	}
	post, ok := fake.AwaitResponse(10*time.Second, func(p ResponsePost) bool { return p.Params["text"] == "Done" })
	if !ok || post.Params["text"] != "Done" {
		t.Fatalf("response = %+v, %v", post, ok)
	}
}
