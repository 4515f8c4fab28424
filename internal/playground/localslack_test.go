package playground

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// The local-slack binary is required, not optional: `make test` installs it
// (playground-deps) before running the tests, so a missing binary means a
// broken install, and a skip would hide that the playground is untested.
func startLocalSlack(ctx context.Context, t *testing.T) (*LocalSlack, *Workspace) {
	t.Helper()
	ls, err := StartLocalSlack(ctx, Options{})
	if errors.Is(err, ErrNotInstalled) {
		t.Fatalf("%v\n(make test does this itself; from the repository root: %s)", err, InstallHint)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ls.Stop(); err != nil {
			t.Errorf("stop local-slack: %v", err)
		}
	})
	ws, err := LoadWorkspace(ls.ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	return ls, ws
}

// startBot connects a Socket Mode client the way the bot will, and hands each
// event to handle. It stops when the test ends.
func startBot(ctx context.Context, t *testing.T, ls *LocalSlack, ws *Workspace, handle func(*slack.Client, *socketmode.Client, socketmode.Event)) {
	t.Helper()
	bot := ws.Bot()
	api := slack.New(bot.BotToken, slack.OptionAppLevelToken(bot.AppToken), slack.OptionAPIURL(ls.APIURL()))
	// local-slack pings an idle connection only every ~104s; slack-go's
	// default 30s ping timeout would reconnect (and drop envelopes) twice a
	// minute.
	sm := socketmode.New(api, socketmode.OptionPingInterval(5*time.Minute))
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = sm.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-sm.Events:
				handle(api, sm, evt)
			}
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	if err := ls.WaitConnected(ctx, bot.AppID); err != nil {
		t.Fatal(err)
	}
}

// TestSlashCommandRoundTrip is the loop Atlas runs: a user types /atlas help,
// the bot gets it over Socket Mode and answers in its ack, and the user sees
// the (ephemeral) reply in the channel.
func TestSlashCommandRoundTrip(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	ls, ws := startLocalSlack(ctx, t)
	bea, _ := ws.UserByRole("staff")
	practice, _ := ws.ChannelByName("practice")

	startBot(ctx, t, ls, ws, func(_ *slack.Client, sm *socketmode.Client, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeSlashCommand {
			if evt.Request != nil {
				sm.Ack(*evt.Request)
			}
			return
		}
		cmd := evt.Data.(slack.SlashCommand)
		reply := map[string]any{"response_type": "ephemeral", "text": "Unknown command " + cmd.Command}
		if cmd.Command == "/atlas" && cmd.Text == "help" {
			reply["text"] = "Hi <@" + cmd.UserID + ">, I am Atlas. Try /log, /timer, /timesheet, /tasks or /board."
		}
		if err := sm.Ack(*evt.Request, reply); err != nil {
			t.Errorf("ack: %v", err)
		}
	})

	if err := ls.SendCommand(ctx, bea.ID, practice.ID, "/atlas", "help"); err != nil {
		t.Fatal(err)
	}
	got, err := ls.WaitForMessage(ctx, practice.ID, func(m Message) bool { return m.User == ws.Bot().BotUserID })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Text, "I am Atlas") || got.Subtype != "ephemeral" || got.EphemeralTo != bea.ID {
		t.Errorf("reply = %+v, want Atlas's help, ephemeral to %s", got, bea.ID)
	}

	log, err := ls.Log(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var delivered, acked bool
	for _, e := range log {
		delivered = delivered || e.Direction == "to_bot" && e.Kind == "slash_commands" && strings.Contains(string(e.Detail), `"command":"/atlas"`)
		acked = acked || e.Direction == "from_bot" && e.Kind == "ack" && strings.Contains(string(e.Detail), "I am Atlas")
	}
	if !delivered || !acked {
		t.Errorf("log has delivery %v, ack with the reply %v; log: %+v", delivered, acked, log)
	}
}

// TestInteractions walks the other paths Atlas's commands will use: a reply
// through response_url, chat.postMessage with a button, the click, a modal
// opened from it with a rejected and then an accepted submission, and the
// App Home.
func TestInteractions(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	ls, ws := startLocalSlack(ctx, t)
	bea, _ := ws.UserByRole("staff")
	practice, _ := ws.ChannelByName("practice")
	botID := ws.Bot().BotUserID

	fail := func(what string, err error) {
		if err != nil {
			t.Errorf("bot: %s: %v", what, err)
		}
	}
	startBot(ctx, t, ls, ws, func(api *slack.Client, sm *socketmode.Client, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			cmd := evt.Data.(slack.SlashCommand)
			fail("ack", sm.Ack(*evt.Request))
			fail("response_url", slack.PostWebhookContext(ctx, cmd.ResponseURL, &slack.WebhookMessage{
				ResponseType: slack.ResponseTypeInChannel, Text: "Logging " + cmd.Text,
			}))
			button := slack.NewButtonBlockElement("log_edit", "draft-1", slack.NewTextBlockObject(slack.PlainTextType, "Edit", false, false))
			_, _, err := api.PostMessageContext(ctx, cmd.ChannelID,
				slack.MsgOptionText("Draft entry: "+cmd.Text, false),
				slack.MsgOptionBlocks(
					slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Draft entry:* "+cmd.Text, false, false), nil, nil),
					slack.NewActionBlock("log_actions", button)))
			fail("chat.postMessage", err)
		case socketmode.EventTypeInteractive:
			cb := evt.Data.(slack.InteractionCallback)
			switch cb.Type {
			case slack.InteractionTypeBlockActions:
				fail("ack", sm.Ack(*evt.Request))
				_, err := api.OpenViewContext(ctx, cb.TriggerID, slack.ModalViewRequest{
					Type: slack.VTModal, CallbackID: "log_edit", PrivateMetadata: cb.ActionCallback.BlockActions[0].Value,
					Title:  slack.NewTextBlockObject(slack.PlainTextType, "Edit entry", false, false),
					Submit: slack.NewTextBlockObject(slack.PlainTextType, "Save", false, false),
					Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("hours",
						slack.NewTextBlockObject(slack.PlainTextType, "Hours", false, false), nil,
						slack.NewPlainTextInputBlockElement(nil, "hours_input"))}},
				})
				fail("views.open", err)
			case slack.InteractionTypeViewSubmission:
				hours := cb.View.State.Values["hours"]["hours_input"].Value
				if hours != "1h30" {
					fail("ack", sm.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"hours": "Use a duration like 1h30"})))
					return
				}
				fail("ack", sm.Ack(*evt.Request))
				_, err := api.PostEphemeralContext(ctx, practice.ID, cb.User.ID, slack.MsgOptionText("Saved "+hours+" ("+cb.View.PrivateMetadata+")", false))
				fail("chat.postEphemeral", err)
			default:
				fail("ack", sm.Ack(*evt.Request))
			}
		case socketmode.EventTypeEventsAPI:
			fail("ack", sm.Ack(*evt.Request))
			outer := evt.Data.(slackevents.EventsAPIEvent)
			if home, ok := outer.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok {
				_, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: home.User, View: slack.HomeTabViewRequest{
					Type:   slack.VTHomeTab,
					Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Your week*", false, false), nil, nil)}},
				}})
				fail("views.publish", err)
			}
		}
	})

	// The command: an in-channel reply through response_url, and a message
	// with a button through chat.postMessage.
	if err := ls.SendCommand(ctx, bea.ID, practice.ID, "/log", "1h Acme payroll"); err != nil {
		t.Fatal(err)
	}
	if _, err := ls.WaitForMessage(ctx, practice.ID, func(m Message) bool {
		return m.User == botID && m.Text == "Logging 1h Acme payroll" && m.Subtype == ""
	}); err != nil {
		t.Fatal("response_url reply:", err)
	}
	draft, err := ls.WaitForMessage(ctx, practice.ID, func(m Message) bool { return strings.HasPrefix(m.Text, "Draft entry") })
	if err != nil {
		t.Fatal("chat.postMessage:", err)
	}

	// The click opens a modal.
	edit, ok := FindAction(draft, "log_edit")
	if !ok {
		t.Fatalf("no log_edit button in %s", draft.Blocks)
	}
	if err := ls.Interact(ctx, bea.ID, practice.ID, draft.TS, edit); err != nil {
		t.Fatal(err)
	}
	for {
		snap, err := ls.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.ModalStack) == 1 && snap.ModalStack[0].CallbackID == "log_edit" {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no modal opened; stack: %+v", snap.ModalStack)
		case <-time.After(25 * time.Millisecond):
		}
	}

	// A bad value is refused with a field error and the modal stays open...
	hours := func(v string) map[string]map[string]any {
		return map[string]map[string]any{"hours": {"hours_input": map[string]any{"type": "plain_text_input", "value": v}}}
	}
	res, err := ls.SubmitView(ctx, bea.ID, hours("lots"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors["hours"] == "" || len(res.Stack) != 1 {
		t.Errorf("bad submission: %+v, want an hours error and the modal still open", res)
	}
	// ...a good one closes it, and the bot confirms privately.
	if res, err = ls.SubmitView(ctx, bea.ID, hours("1h30")); err != nil {
		t.Fatal(err)
	}
	if len(res.Stack) != 0 || len(res.Errors) != 0 {
		t.Errorf("good submission: %+v, want the modal closed", res)
	}
	if _, err := ls.WaitForMessage(ctx, practice.ID, func(m Message) bool {
		return m.Text == "Saved 1h30 (draft-1)" && m.Subtype == "ephemeral" && m.EphemeralTo == bea.ID
	}); err != nil {
		t.Fatal("chat.postEphemeral:", err)
	}

	// The App Home.
	if err := ls.OpenHome(ctx, bea.ID); err != nil {
		t.Fatal(err)
	}
	for {
		snap, err := ls.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if home, ok := snap.HomeViews[bea.ID][ws.Bot().AppID]; ok {
			if home.Type != "home" || !strings.Contains(string(home.Blocks), "Your week") {
				t.Errorf("home view = %+v", home)
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("no App Home published")
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func TestFindBinaryNotInstalled(t *testing.T) {
	_, err := FindBinary(t.TempDir())
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), InstallHint) {
		t.Errorf("FindBinary(empty dir) = %v, want ErrNotInstalled with %q", err, InstallHint)
	}
}
