package loadtest

import (
	"context"
	"io"
	"log"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// acks tells the test app when the stand-in has taken an ack: slack-go
// writes an ack on its own goroutine, so an answer posted right after
// Ack could reach the stand-in first, which Atlas's router never lets
// happen (its answers follow the ack).
type acks struct {
	mu   sync.Mutex
	seen map[string]chan struct{}
}

func (a *acks) ch(id string) chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen == nil {
		a.seen = map[string]chan struct{}{}
	}
	if a.seen[id] == nil {
		a.seen[id] = make(chan struct{})
	}
	return a.seen[id]
}

// observe is a stand-in observer noting acks.
func (a *acks) observe(e slackfake.Event) {
	if e.Kind == slackfake.EventAck {
		close(a.ch(e.Envelope.ID))
	}
}

// runApp answers slash commands the three ways Atlas does: /log in its
// ack, /tasks through the response_url, /board by an ephemeral message in
// the channel, which says it failed. Answers go once the ack is taken.
func runApp(t *testing.T, fake *slackfake.Server, taken *acks) {
	t.Helper()
	api := slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL()), slack.OptionAppLevelToken("xapp-1-test"))
	smc := socketmode.New(api, socketmode.OptionLog(log.New(io.Discard, "", 0)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = smc.RunContext(ctx)
	}()
	go func() {
		for {
			var evt socketmode.Event
			select {
			case evt = <-smc.Events:
			case <-ctx.Done():
				return
			}
			cmd, ok := evt.Data.(slack.SlashCommand)
			if !ok {
				continue
			}
			switch cmd.Command {
			case "/log":
				_ = smc.Ack(*evt.Request, map[string]any{"text": "Logged"})
			case "/tasks":
				_ = smc.Ack(*evt.Request)
				<-taken.ch(evt.Request.EnvelopeID)
				_, _, _ = api.PostMessage("", slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeEphemeral),
					slack.MsgOptionText("Your tasks", false))
			case "/board":
				_ = smc.Ack(*evt.Request)
				<-taken.ch(evt.Request.EnvelopeID)
				_, _ = api.PostEphemeral(cmd.ChannelID, cmd.UserID, slack.MsgOptionText("Sorry, something went wrong", false))
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	fake.WaitForConnections(t, 1)
}

// TestDriverMatchesAcksAndAnswers: each request is matched to its ack and
// to its answer however the app gives it, a failure is told apart, and
// the driver keeps nothing of a request once it is over.
func TestDriverMatchesAcksAndAnswers(t *testing.T) {
	d := NewDriver()
	taken := &acks{}
	fake := slackfake.New(t, slackfake.WithObserver(func(e slackfake.Event) { taken.observe(e); d.Observe(e) }), slackfake.WithoutHistory())
	person := Person{SlackID: "U0LOAD001", Role: atlas.RoleStaff}
	d.Attach(fake, Practice{Channel: "C0LOADPRAC", People: []Person{person}, Clients: []string{"C0001"}, Names: []string{"Acme 1 Ltd"}}, nil, nil)
	runApp(t, fake, taken)

	for _, c := range []struct {
		action, text string
		failed       bool
	}{
		{"log", "Logged", false},
		{"tasks", "Your tasks", false},
		{"board", "Sorry, something went wrong", true},
	} {
		s := d.send(t.Context(), person, c.action)
		if !s.Acked || !s.Answered || s.Failed != c.failed || s.Ack <= 0 || s.Answer < s.Ack {
			t.Errorf("%s: %+v", c.action, s)
		}
		if !strings.Contains(s.Text, c.text) {
			t.Errorf("%s: answer %q, want one with %q", c.action, s.Text, c.text)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if n := len(d.byUser) + len(d.byTrigger) + len(d.byResp) + len(d.byTS); n != 0 {
		t.Errorf("%d requests still filed after every one is over", n)
	}
}
