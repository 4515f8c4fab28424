package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

const (
	signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	adminID       = "UADMIN1"
	staffID       = "USTAFF1"
	strangerID    = "UNEW001"
)

// harness runs the real router behind one real transport, talking to the
// Slack stand-in and a database of its own.
type harness struct {
	t      *testing.T
	mode   string
	fake   *slackfake.Server
	pool   *pgxpool.Pool
	router *slackapp.Router
	http   *httptest.Server
	seq    atomic.Int64
	engine *jobs.Engine                // started by deliver
	mailer atomic.Pointer[mail.Sender] // where deliver sends invoices; nil: nowhere
}

func newHarness(t *testing.T, mode string, extra ...func(*slackapp.Router)) *harness {
	t.Helper()
	return newHarnessWith(t, mode, func(rt *slackapp.Router, pool *pgxpool.Pool) {
		deps := bot.NewDeps(pool)
		deps.Portal = testPortal // /docs's download links
		bot.Register(rt, deps)
	}, extra...)
}

// newHarnessWith is newHarness with the routes register adds, in place of
// every feature's.
func newHarnessWith(t *testing.T, mode string, register func(*slackapp.Router, *pgxpool.Pool), extra ...func(*slackapp.Router)) *harness {
	t.Helper()
	fake := slackfake.New(t)
	fake.AddUser(adminID, "ada", "Ada Admin", "ada@example.com")
	fake.AddUser(staffID, "sam", "Sam Staff", "sam@example.com")
	fake.AddUser(strangerID, "nia", "Nia New", "nia@example.com")
	_, pool := pgtest.NewDatabase(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := slackapp.NewClient("xoxb-test-token", "xapp-1-test", fake.APIURL())
	rt := bot.NewRouter(log, api, pool, []string{adminID})
	// The extras first: a feature keeps the router's clock as registered,
	// so a test's fixed clock must be in place before the features are.
	for _, f := range extra {
		f(rt)
	}
	register(rt, pool)
	h := &harness{t: t, mode: mode, fake: fake, pool: pool, router: rt}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	switch mode {
	case "socket":
		done := make(chan struct{})
		go func() { defer close(done); _ = slackapp.NewSocketMode(api, rt, log).Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		fake.WaitForConnections(t, 1)
	case "http":
		r := chi.NewRouter()
		slackapp.NewHTTPMode(rt, signingSecret, log).Mount(r)
		h.http = httptest.NewServer(r)
		t.Cleanup(h.http.Close)
	}
	t.Cleanup(func() { _ = rt.Drain(context.Background()) })
	return h
}

// command sends a slash command and returns its acknowledgement payload.
func (h *harness) command(user, text string) json.RawMessage {
	h.t.Helper()
	return h.slash(user, "/atlas", text)
}

// slash sends any slash command and returns its acknowledgement payload.
func (h *harness) slash(user, command, text string) json.RawMessage {
	h.t.Helper()
	trigger := fmt.Sprintf("trig-%d", h.seq.Add(1))
	cmd := slack.SlashCommand{Command: command, Text: text, UserID: user, UserName: strings.ToLower(user),
		TeamID: slackfake.TeamID, ChannelID: "C0GENERAL", TriggerID: trigger}
	if h.mode == "socket" {
		return h.fake.SendSlashCommand(cmd).WaitAck(h.t)
	}
	form := url.Values{"command": {cmd.Command}, "text": {cmd.Text}, "user_id": {cmd.UserID}, "user_name": {cmd.UserName},
		"team_id": {cmd.TeamID}, "channel_id": {cmd.ChannelID}, "trigger_id": {trigger},
		"response_url": {h.fake.URL() + "/response/http-" + trigger}}
	code, body := h.post("/slack/commands", "application/x-www-form-urlencoded", []byte(form.Encode()), time.Now(), nil)
	if code != http.StatusOK {
		h.t.Fatalf("slash command: HTTP %d %s", code, body)
	}
	return body
}

// interact sends an interaction payload and returns the acknowledgement.
func (h *harness) interact(payload map[string]any) json.RawMessage {
	h.t.Helper()
	if _, ok := payload["team"]; !ok {
		payload["team"] = map[string]any{"id": slackfake.TeamID}
	}
	if h.mode == "socket" {
		return h.fake.SendInteraction(payload).WaitAck(h.t)
	}
	b, _ := json.Marshal(payload)
	form := url.Values{"payload": {string(b)}}
	code, body := h.post("/slack/interactivity", "application/x-www-form-urlencoded", []byte(form.Encode()), time.Now(), nil)
	if code != http.StatusOK {
		h.t.Fatalf("interaction: HTTP %d %s", code, body)
	}
	return body
}

// event delivers an Events API callback, as a retry when retry > 0.
func (h *harness) event(eventID string, inner map[string]any, retry int) {
	h.t.Helper()
	cb := map[string]any{"type": "event_callback", "team_id": slackfake.TeamID, "event_id": eventID,
		"api_app_id": slackfake.AppID, "event": inner, "event_time": time.Now().Unix()}
	if h.mode == "socket" {
		var opts []slackfake.EnvelopeOption
		if retry > 0 {
			opts = append(opts, slackfake.WithRetry(retry, "timeout"))
		}
		h.fake.SendEvent(cb, opts...).WaitAck(h.t)
		return
	}
	b, _ := json.Marshal(cb)
	hdr := http.Header{}
	if retry > 0 {
		hdr.Set("X-Slack-Retry-Num", fmt.Sprint(retry))
		hdr.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	if code, body := h.post("/slack/events", "application/json", b, time.Now(), hdr); code != http.StatusOK {
		h.t.Fatalf("event: HTTP %d %s", code, body)
	}
}

// post sends a signed request in HTTP mode.
func (h *harness) post(path, contentType string, body []byte, ts time.Time, hdr http.Header) (int, json.RawMessage) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.http.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range hdr {
		req.Header[k] = v
	}
	slackfake.SignRequest(req, signingSecret, body, ts)
	return h.do(req)
}

func (h *harness) do(req *http.Request) (int, json.RawMessage) {
	h.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// settle waits for handlers still working after their acknowledgement.
func (h *harness) settle() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.router.Drain(ctx); err != nil {
		h.t.Fatal(err)
	}
}

// ackText reads the text and blocks of a message acknowledgement as one
// string, for assertions.
func ackText(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var m struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("acknowledgement is not a message: %s", raw)
	}
	return m.Text + "\n" + string(m.Blocks)
}

func forEachMode(t *testing.T, f func(t *testing.T, mode string)) {
	for _, mode := range []string{"socket", "http"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f(t, mode)
		})
	}
}
