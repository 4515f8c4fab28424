package slackfake

import (
	"context"
	"io"
	"log"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

const (
	testBotToken = "xoxb-test"
	testAppToken = "xapp-1-test"
)

// newAPI builds the slack.Client the bot would build, pointed at the fake.
func newAPI(fake *Server) *slack.Client {
	return slack.New(testBotToken, slack.OptionAPIURL(fake.APIURL()), slack.OptionAppLevelToken(testAppToken))
}

// runSocketClient starts slack-go's socketmode client against the fake and
// stops it (waiting for Run to return) when the test ends. The fake's own
// cleanup, registered earlier, runs after this one.
func runSocketClient(t *testing.T, fake *Server) *socketmode.Client {
	t.Helper()
	smc := socketmode.New(newAPI(fake), socketmode.OptionLog(log.New(io.Discard, "", 0)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- smc.RunContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("socketmode client did not stop")
		}
	})
	return smc
}

// nextEvent returns the next event of type typ from the client, skipping
// lifecycle events (connecting, connected, hello, read errors around a
// reconnect...) of other types. A frame the client could not parse fails the
// test: it means the fake sent something Slack would not.
func nextEvent(t *testing.T, smc *socketmode.Client, typ socketmode.EventType) socketmode.Event {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case evt := <-smc.Events:
			if evt.Type == typ {
				return evt
			}
			switch evt.Type {
			case socketmode.EventTypeErrorBadMessage, socketmode.EventTypeInvalidAuth:
				t.Fatalf("unexpected %s event: %+v", evt.Type, evt.Data)
			}
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s event", typ)
		}
	}
}
