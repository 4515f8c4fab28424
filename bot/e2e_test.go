package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

func TestHelpAnswered(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode)
		got := ackText(t, h.command(adminID, "help"))
		for _, want := range []string{"Atlas commands", "/atlas setup", "/atlas team", "as *Admin*"} {
			if !strings.Contains(got, want) {
				t.Errorf("admin's help lacks %q:\n%s", want, got)
			}
		}
		// A person not on the team sees only what is open to them.
		got = ackText(t, h.command(strangerID, "help"))
		if !strings.Contains(got, "/atlas help") || strings.Contains(got, "/atlas setup") || strings.Contains(got, "/atlas team") {
			t.Errorf("stranger's help should list only open commands:\n%s", got)
		}
	})
}

func TestUnknownCommandExplained(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode)
		got := ackText(t, h.command(adminID, "team frobnicate"))
		if !strings.Contains(got, "does not know `/atlas team frobnicate`") || !strings.Contains(got, "/atlas team add @person role") {
			t.Fatalf("unknown subcommand answer: %s", got)
		}
	})
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode)
		// The bootstrap admin adds a staff member.
		got := ackText(t, h.command(adminID, "team add <@"+staffID+"|sam> staff"))
		if !strings.Contains(got, "is on the team as Staff") {
			t.Fatalf("team add: %s", got)
		}
		// A person not set up is told who can add them.
		got = ackText(t, h.command(strangerID, "team"))
		if !strings.Contains(got, "not on this practice's team") || !strings.Contains(got, "<@"+adminID+">") {
			t.Fatalf("stranger refusal: %s", got)
		}
		// Staff calling an admin-only command is refused, and nothing opens.
		got = ackText(t, h.command(staffID, "setup"))
		if !strings.Contains(got, "needs the Admin role") || !strings.Contains(got, "your role is Staff") {
			t.Fatalf("staff refusal: %s", got)
		}
		got = ackText(t, h.command(staffID, "team add <@"+strangerID+"> admin"))
		if !strings.Contains(got, "Only admins can add people") {
			t.Fatalf("staff adding people: %s", got)
		}
		h.settle()
		if n := len(h.fake.Calls("views.open")); n != 0 {
			t.Fatalf("a refused command opened %d modals", n)
		}
		var members int
		if err := h.pool.QueryRow(context.Background(), "SELECT count(*) FROM members").Scan(&members); err != nil || members != 2 {
			t.Fatalf("members = %d (%v), want the admin and the staff member only", members, err)
		}
	})
}

// A mention typed as plain text ("@nia") is read as the person it names; a
// name that fits several people is refused, naming them.
func TestTeamAddPlainMention(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "socket")
	h.fake.AddUser("UTOM001", "tomt", "Tom Tailor", "tomt@example.com")
	h.fake.AddUser("UTOM002", "tomb", "Tom Baker", "tomb@example.com")
	got := ackText(t, h.command(adminID, "team add @tom staff"))
	if !strings.Contains(got, "@tom could be") || !strings.Contains(got, "Tom Tailor") || !strings.Contains(got, "Tom Baker") {
		t.Fatalf("ambiguous plain mention: %s", got)
	}
	got = ackText(t, h.command(adminID, "team add @tomb, staff"))
	if !strings.Contains(got, "is on the team as Staff") || !strings.Contains(got, "<@UTOM002>") {
		t.Fatalf("plain handle: %s", got)
	}
	// An exact handle wins over a first name: "nia" is Nia New's handle.
	h.fake.AddUser("UNIA002", "niab", "Nia Bell", "niab@example.com")
	got = ackText(t, h.command(adminID, "team add @NIA manager"))
	if !strings.Contains(got, "<@"+strangerID+"> is on the team as Manager") {
		t.Fatalf("exact handle: %s", got)
	}
	got = ackText(t, h.command(adminID, "team add @zed staff"))
	if !strings.Contains(got, "No one in this Slack workspace is called @zed") {
		t.Fatalf("unknown name: %s", got)
	}
	var n int
	if err := h.pool.QueryRow(context.Background(), "SELECT count(*) FROM members").Scan(&n); err != nil || n != 3 {
		t.Fatalf("members = %d (%v), want the admin, Tom Baker and Nia New", n, err)
	}
}

func TestTeamAddBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "socket")
	cases := map[string]string{
		"team add":                         "Say who and with which role",
		"team add bea staff":               "is not a Slack mention",
		"team add <@" + staffID + "> boss": `"boss" is not a role`,
		"team add <@UNOBODY1> staff":       "Slack does not know the user",
	}
	for text, want := range cases {
		if got := ackText(t, h.command(adminID, text)); !strings.Contains(got, want) {
			t.Errorf("%q: got %s, want %q", text, got, want)
		}
	}
}

func TestSetupModal(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode)
		h.command(adminID, "setup")
		open := h.fake.WaitForCall(t, "views.open", nil)
		var view struct {
			CallbackID string `json:"callback_id"`
		}
		if err := json.Unmarshal([]byte(open.Param("view")), &view); err != nil || view.CallbackID != "setup.modal" {
			t.Fatalf("views.open view: %s (%v)", open.Param("view"), err)
		}
		if open.Param("trigger_id") == "" {
			t.Fatal("views.open without the trigger_id")
		}

		// A bad timezone comes back on its field; nothing is saved.
		ack := h.interact(setupSubmission("Ledgerline", "Mars/Olympus", "GBP", "20"))
		var resp struct {
			ResponseAction string            `json:"response_action"`
			Errors         map[string]string `json:"errors"`
		}
		if err := json.Unmarshal(ack, &resp); err != nil || resp.ResponseAction != "errors" || !strings.Contains(resp.Errors["timezone"], "not a timezone") {
			t.Fatalf("want response_action errors on timezone, got %s", ack)
		}
		ack = h.interact(setupSubmission("Ledgerline", "Europe/London", "XYZ", "20"))
		if err := json.Unmarshal(ack, &resp); err != nil || !strings.Contains(resp.Errors["currency"], "not a currency") {
			t.Fatalf("want an error on currency, got %s", ack)
		}
		var name string
		if err := h.pool.QueryRow(context.Background(), "SELECT name FROM practices").Scan(&name); err != nil || name != "" {
			t.Fatalf("rejected set-up saved something: name=%q err=%v", name, err)
		}

		// A good one closes the modal, saves, refreshes the home tab.
		ack = h.interact(setupSubmission("Ledgerline Bookkeeping", "Europe/Dublin", "eur", "23"))
		if !emptyAck(ack) {
			t.Fatalf("a valid submission should close the modal with an empty ack, got %s", ack)
		}
		h.settle()
		var tz, cur, vat string
		var setUp bool
		err := h.pool.QueryRow(context.Background(),
			"SELECT name, timezone, currency, vat_rate::text, set_up_at IS NOT NULL FROM practices").Scan(&name, &tz, &cur, &vat, &setUp)
		if err != nil || name != "Ledgerline Bookkeeping" || tz != "Europe/Dublin" || cur != "EUR" || vat != "23.00" || !setUp {
			t.Fatalf("saved %q %q %q %q %v (%v)", name, tz, cur, vat, setUp, err)
		}
		h.fake.WaitForCall(t, "views.publish", func(c slackfake.Call) bool { return c.Param("user_id") == adminID })
		var audits int
		_ = h.pool.QueryRow(context.Background(), "SELECT count(*) FROM audit_events WHERE action = 'practice.settings'").Scan(&audits)
		if audits != 1 {
			t.Fatalf("audit events = %d, want 1", audits)
		}
	})
}

func setupSubmission(name, tz, currency, vat string) map[string]any {
	val := func(v string) map[string]any {
		return map[string]any{"x": map[string]any{"type": "plain_text_input", "value": v}}
	}
	return map[string]any{
		"type": "view_submission",
		"user": map[string]any{"id": adminID, "name": "ada"},
		"view": map[string]any{
			"id": "V1", "type": "modal", "callback_id": "setup.modal",
			"state": map[string]any{"values": map[string]any{
				"name": val(name), "timezone": val(tz), "currency": val(currency), "vat_rate": val(vat),
			}},
		},
	}
}

func TestButtonRoutedByActionID(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode)
		h.interact(map[string]any{
			"type":       "block_actions",
			"user":       map[string]any{"id": adminID, "name": "ada"},
			"trigger_id": "trig-button",
			"container":  map[string]any{"type": "view", "view_id": "VHOME"},
			"actions":    []any{map[string]any{"type": "button", "action_id": "setup.open", "block_id": "b", "value": "setup"}},
		})
		c := h.fake.WaitForCall(t, "views.open", nil)
		if c.Param("trigger_id") != "trig-button" || !strings.Contains(c.Param("view"), "setup.modal") {
			t.Fatalf("the button should open the set-up modal on its trigger: %v", c.Params)
		}
	})
}

func TestAppHomePublishedOnceForRetries(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode)
		inner := map[string]any{"type": "app_home_opened", "user": adminID, "channel": "DADMIN", "tab": "home"}
		h.event("Ev001", inner, 0)
		c := h.fake.WaitForCall(t, "views.publish", nil)
		if c.Param("user_id") != adminID || !strings.Contains(c.Param("view"), "Set up the practice") {
			t.Fatalf("home for an admin of a new practice should offer set-up: %v", c.Params)
		}
		h.event("Ev001", inner, 1) // Slack's retry of the same delivery
		h.settle()
		if n := len(h.fake.Calls("views.publish")); n != 1 {
			t.Fatalf("views.publish called %d times for one event delivered twice", n)
		}
		h.event("Ev002", inner, 0) // a new opening is a new event
		h.settle()
		if n := len(h.fake.Calls("views.publish")); n != 2 {
			t.Fatalf("views.publish called %d times for two events", n)
		}
	})
}

func TestPanicLeavesProcessServing(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode, func(rt *slackapp.Router) {
			rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "boom", Usage: "/atlas boom", Route: slackapp.Route{
				Handle: func(context.Context, *slackapp.Request) error { panic("a bug") },
			}})
		})
		got := ackText(t, h.command(adminID, "boom"))
		if !strings.Contains(got, "something went wrong on our side") || !strings.Contains(got, "`E-") {
			t.Fatalf("panic answer: %s", got)
		}
		if got := ackText(t, h.command(adminID, "help")); !strings.Contains(got, "Atlas commands") {
			t.Fatalf("not serving after a panic: %s", got)
		}
	})
}

// TestSlowHandlerAckedInTime proves the acknowledgement discipline: a
// handler that has not answered within the budget is acknowledged for, and
// its late answer goes through the response_url.
func TestSlowHandlerAckedInTime(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	h := newHarness(t, "socket", func(rt *slackapp.Router) {
		rt.Budget = 200 * time.Millisecond
		rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "slow", Usage: "/atlas slow", Route: slackapp.Route{
			Handle: func(ctx context.Context, r *slackapp.Request) error {
				<-release
				return r.Reply(slackapp.Message{Text: "done at last"})
			},
		}})
	})
	start := time.Now()
	ack := h.fake.SendSlashCommand(sc(adminID, "slow")).WaitAck(t)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("acknowledged after %s", took)
	}
	if !emptyAck(ack) {
		t.Fatalf("the budget's ack should be empty, got %s", ack)
	}
	close(release)
	p := h.fake.WaitForResponse(t, nil)
	if !strings.Contains(string(p.Body), "done at last") {
		t.Fatalf("late answer: %s", p.Body)
	}
}

// TestCommandAnsweredAfterAShortAck proves a slash command's acknowledgement
// waits only the command budget, not the handler: with the full budget far
// away, the ack comes empty while the handler still works (it is released
// only once the ack is seen), and the answer follows by the response_url.
func TestCommandAnsweredAfterAShortAck(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	h := newHarness(t, "socket", func(rt *slackapp.Router) {
		rt.Budget = time.Minute
		rt.CommandBudget = 50 * time.Millisecond
		rt.HandleCommand(busyCommand(nil, release))
	})
	ack := h.fake.SendSlashCommand(sc(adminID, "busy")).WaitAck(t)
	if !emptyAck(ack) {
		t.Fatalf("the command budget's ack should be empty, got %s", ack)
	}
	close(release)
	if p := h.fake.WaitForResponse(t, nil); !strings.Contains(string(p.Body), "worked it out") {
		t.Fatalf("answer: %s", p.Body)
	}
}

// TestCommandAckedAtOnceWhenEverySlotIsBusy: with every handler slot
// taken and the command budget a minute away, a further command is
// acknowledged at once (its answer could not come within the budget), and
// answered by the response_url once a slot frees.
func TestCommandAckedAtOnceWhenEverySlotIsBusy(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{}, slackapp.HandlerSlots)
	h := newHarness(t, "socket", func(rt *slackapp.Router) {
		rt.Budget = time.Minute
		rt.CommandBudget = time.Minute
		rt.HandleCommand(busyCommand(started, release))
	})
	for range slackapp.HandlerSlots {
		h.fake.SendSlashCommand(sc(adminID, "busy"))
	}
	for range slackapp.HandlerSlots {
		<-started // every slot is held, and held until release
	}
	waiting := h.fake.SendSlashCommand(sc(adminID, "busy"))
	if ack := waiting.WaitAck(t); !emptyAck(ack) {
		t.Fatalf("the ack of a command waiting for a slot should be empty, got %s", ack)
	}
	close(release)
	answer := h.fake.WaitForResponse(t, func(p slackfake.ResponsePost) bool { return strings.HasSuffix(waiting.ResponseURL, "/"+p.ID) })
	if !strings.Contains(string(answer.Body), "worked it out") {
		t.Fatalf("answer: %s", answer.Body)
	}
}

// TestCommandAckedAtOnceWhileAnotherHandlerWorks: with one handler at
// work and the command budget a minute away, a further command is
// acknowledged at once, empty, though a slot is free for it (sharing the
// CPU, its answer would seldom come within the budget); its answer follows
// by the response_url. Alone again, a command answers within its ack.
func TestCommandAckedAtOnceWhileAnotherHandlerWorks(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	defer free() // a failure must not leave the busy handler holding the harness's drain
	started := make(chan struct{}, 1)
	var router *slackapp.Router
	h := newHarness(t, "socket", func(rt *slackapp.Router) {
		router = rt
		rt.Budget = time.Minute
		rt.CommandBudget = time.Minute
		rt.HandleCommand(busyCommand(started, release))
		rt.HandleCommand(slackapp.Command{Name: "/atlas", Sub: "quick", Usage: "/atlas quick", Route: slackapp.Route{
			Handle: func(ctx context.Context, r *slackapp.Request) error {
				return r.Reply(slackapp.Message{Text: "quick answer"})
			},
		}})
	})
	busy := h.fake.SendSlashCommand(sc(adminID, "busy"))
	<-started // one handler holds a slot until release
	quick := h.fake.SendSlashCommand(sc(adminID, "quick"))
	if ack := quick.WaitAck(t); !emptyAck(ack) {
		t.Fatalf("the ack of a command arriving while another handler works should be empty, got %s", ack)
	}
	answer := h.fake.WaitForResponse(t, func(p slackfake.ResponsePost) bool { return strings.HasSuffix(quick.ResponseURL, "/"+p.ID) })
	if !strings.Contains(string(answer.Body), "quick answer") {
		t.Fatalf("answer: %s", answer.Body)
	}
	free()
	if ack := string(busy.WaitAck(t)); !strings.Contains(ack, "worked it out") {
		t.Fatalf("the first command ran alone and should answer within its ack, got %s", ack)
	}
	// Alone again once both handlers are done, the quick command answers
	// within its ack.
	if err := router.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ack := string(h.fake.SendSlashCommand(sc(adminID, "quick")).WaitAck(t)); !strings.Contains(ack, "quick answer") {
		t.Fatalf("a command running alone should answer within its ack, got %s", ack)
	}
}

// busyCommand is "/atlas busy": its handler tells started (when given)
// that it holds a slot, keeps it until release is closed, then answers
// "worked it out".
func busyCommand(started chan<- struct{}, release <-chan struct{}) slackapp.Command {
	return slackapp.Command{Name: "/atlas", Sub: "busy", Usage: "/atlas busy", Route: slackapp.Route{
		Handle: func(ctx context.Context, r *slackapp.Request) error {
			if started != nil {
				started <- struct{}{}
			}
			<-release
			return r.Reply(slackapp.Message{Text: "worked it out"})
		},
	}}
}

// emptyAck reports whether an acknowledgement carries nothing.
func emptyAck(ack []byte) bool {
	s := strings.TrimSpace(string(ack))
	return s == "" || s == "null"
}

func TestHTTPModeRejects(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "http")
	form := []byte("command=%2Fatlas&text=help&user_id=" + adminID + "&team_id=" + slackfake.TeamID)

	req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/slack/commands", strings.NewReader(string(form)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	slackfake.SignRequest(req, "not-the-secret-at-all-000", form, time.Now())
	if code, _ := h.do(req); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d, want 401", code)
	}
	if code, _ := h.post("/slack/commands", "application/x-www-form-urlencoded", form, time.Now().Add(-6*time.Minute), nil); code != http.StatusUnauthorized {
		t.Errorf("stale timestamp: %d, want 401", code)
	}
	req, _ = http.NewRequest(http.MethodPost, h.http.URL+"/slack/commands", strings.NewReader(string(form)))
	if code, _ := h.do(req); code != http.StatusUnauthorized {
		t.Errorf("unsigned: %d, want 401", code)
	}
	var practices int
	if err := h.pool.QueryRow(context.Background(), "SELECT count(*) FROM practices").Scan(&practices); err != nil || practices != 0 {
		t.Fatalf("refused requests changed the database: %d practices (%v)", practices, err)
	}
	if len(h.fake.AllCalls()) != 0 {
		t.Fatalf("refused requests reached Slack: %d calls", len(h.fake.AllCalls()))
	}

	for path, body := range map[string]string{
		"/slack/commands":      "%zz",
		"/slack/interactivity": "payload=%7Bnot-json",
		"/slack/events":        "{not json",
	} {
		if code, _ := h.post(path, "application/x-www-form-urlencoded", []byte(body), time.Now(), nil); code != http.StatusBadRequest {
			t.Errorf("malformed %s: %d, want 400", path, code)
		}
	}

	code, body := h.post("/slack/events", "application/json",
		[]byte(`{"type":"url_verification","token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`), time.Now(), nil)
	if code != http.StatusOK || string(body) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("url_verification: %d %s", code, body)
	}
}

func sc(user, text string) slack.SlashCommand {
	return slack.SlashCommand{Command: "/atlas", Text: text, UserID: user, TeamID: slackfake.TeamID, ChannelID: "C0GENERAL"}
}

// TestRateLimitHonoured: a 429 from Slack is waited out for its Retry-After
// and the call made again, so the home tab still gets published.
func TestRateLimitHonoured(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "socket")
	h.fake.RateLimit("views.publish", time.Second, 1)
	start := time.Now()
	h.event("EvRL", map[string]any{"type": "app_home_opened", "user": adminID, "channel": "DADMIN", "tab": "home"}, 0)
	h.fake.WaitForCall(t, "views.publish", nil)
	if waited := time.Since(start); waited < time.Second {
		t.Fatalf("retried after %s, before Retry-After (1s) was up", waited)
	}
	if n := len(h.fake.RateLimitedCalls("views.publish")); n != 1 {
		t.Fatalf("%d rate-limited calls, want 1", n)
	}
	h.settle()
	if n := len(h.fake.Calls("views.publish")); n != 1 {
		t.Fatalf("%d successful publishes, want exactly 1", n)
	}
}

// An envelope slack-go cannot read is acknowledged, so Slack does not send
// it again and again, and logged; the next one is served as usual.
func TestMalformedEnvelopeAcknowledged(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "socket")
	env := h.fake.SendMalformed("slash_commands", json.RawMessage(`"not a slash command"`))
	if payload := env.WaitAck(t); len(payload) != 0 && string(payload) != "null" {
		t.Fatalf("malformed envelope acknowledged with %s", payload)
	}
	if got := ackText(t, h.command(adminID, "help")); !strings.Contains(got, "Atlas commands") {
		t.Fatalf("after a malformed envelope, help: %s", got)
	}
}

// Each person's help lists only what their role lets them use: staff see
// no admin- or manager-only command, nor the form that names someone else.
func TestHelpListsOnlyWhatTheRoleMayUse(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "socket")
	h.command(adminID, "team add <@"+staffID+"|sam> staff")
	staffHelp := ackText(t, h.command(staffID, "help"))
	adminHelp := ackText(t, h.command(adminID, "help"))
	refused := 0
	for _, c := range h.router.Commands() {
		if c.Hidden {
			continue
		}
		if c.Min == atlas.RoleStaff || c.Min == "" {
			if !strings.Contains(staffHelp, jsonText(c.Usage)) {
				t.Errorf("staff help lacks %q, open to staff", c.Usage)
			}
			continue
		}
		refused++
		if strings.Contains(staffHelp, jsonText(c.Usage)+"`") {
			t.Errorf("staff help names %q, which needs the %s role", c.Usage, c.Min.Title())
		}
		if !strings.Contains(adminHelp, jsonText(c.Usage)) {
			t.Errorf("admin help lacks %q", c.Usage)
		}
	}
	if refused < 10 {
		t.Fatalf("only %d commands need more than staff; the route table lost its roles", refused)
	}
	if strings.Contains(staffHelp, "/timesheet [week|month|2026-11] [@person]") || !strings.Contains(adminHelp, "/timesheet [week|month|2026-11] [@person]") {
		t.Errorf("only managers and up should see /timesheet's @person form")
	}
	// Summaries of commands open to staff name no action beyond them.
	for _, phrase := range []string{"Admins change items with the list's buttons", "Drafts have buttons to change them"} {
		if strings.Contains(strings.ToLower(staffHelp), strings.ToLower(jsonText(phrase))) {
			t.Errorf("staff help says %q, which staff may not do", phrase)
		}
		if !strings.Contains(adminHelp, jsonText(phrase)) {
			t.Errorf("admin help lacks %q", phrase)
		}
	}
}

// jsonText is s as it appears inside a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

// A mistyped /atlas subcommand is answered as unknown, with the nearest
// real one.
func TestUnknownSubcommandSuggestsTheNearest(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode)
		for typed, want := range map[string]string{
			"clinets acme":  "Did you mean `/atlas clients [search]`?",
			"setings":       "Did you mean `/atlas settings`?",
			"asign ACME":    "Did you mean `/atlas assign <client>`?",
			"frobnicate it": "`/atlas help` lists every command.",
		} {
			got := ackText(t, h.command(adminID, typed))
			if !strings.Contains(got, "Atlas does not know `/atlas "+typed+"`") || !strings.Contains(got, want) {
				t.Errorf("/atlas %s: %s", typed, got)
			}
		}
	})
}
