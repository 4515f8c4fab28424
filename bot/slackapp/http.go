package slackapp

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// maxBody caps a request body; Slack's are a few kilobytes.
const maxBody = 1 << 20

// HTTPMode feeds the router from Slack's request URLs: slash commands,
// interactivity, options loads and the Events API. Every request must carry
// a valid v0 signature made with the signing secret and a timestamp within
// five minutes; anything else gets 401 and is not looked at further.
type HTTPMode struct {
	router *Router
	secret string
	log    *slog.Logger
}

// NewHTTPMode returns the HTTP transport.
func NewHTTPMode(router *Router, signingSecret string, log *slog.Logger) *HTTPMode {
	return &HTTPMode{router: router, secret: signingSecret, log: log}
}

// Mount adds the /slack/* routes to r.
func (h *HTTPMode) Mount(r chi.Router) {
	r.Route("/slack", func(r chi.Router) {
		r.Use(h.verify)
		r.Post("/commands", h.commands)
		r.Post("/interactivity", h.interactivity)
		r.Post("/options", h.interactivity)
		r.Post("/events", h.events)
	})
}

// verify checks the signature over the raw body, then puts the body back.
func (h *HTTPMode) verify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "request body too large or unreadable", http.StatusBadRequest)
			return
		}
		sv, err := slack.NewSecretsVerifier(r.Header, h.secret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			h.log.Warn("slack request refused: bad signature or stale timestamp", "path", r.URL.Path, "err", err)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

func (h *HTTPMode) commands(w http.ResponseWriter, r *http.Request) {
	cmd, err := slack.SlashCommandParse(r)
	if err != nil || cmd.Command == "" || cmd.TeamID == "" || cmd.UserID == "" {
		http.Error(w, "malformed slash command", http.StatusBadRequest)
		return
	}
	h.serve(w, Incoming{Command: &cmd})
}

func (h *HTTPMode) interactivity(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "malformed form", http.StatusBadRequest)
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(r.PostFormValue("payload")), &cb); err != nil || cb.Type == "" {
		http.Error(w, "malformed interaction payload", http.StatusBadRequest)
		return
	}
	h.serve(w, Incoming{Interaction: &cb})
}

func (h *HTTPMode) events(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	// The signature is the proof of origin; the deprecated verification
	// token is not used.
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	switch ev.Type {
	case slackevents.URLVerification:
		var ch slackevents.ChallengeResponse
		if err := json.Unmarshal(body, &ch); err != nil || ch.Challenge == "" {
			http.Error(w, "malformed url_verification", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(ch.Challenge))
	case slackevents.CallbackEvent:
		var outer struct {
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal(body, &outer)
		retry, _ := strconv.Atoi(r.Header.Get("X-Slack-Retry-Num"))
		h.serve(w, Incoming{Event: &ev, EventID: outer.EventID, RetryAttempt: retry})
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// serve hands the request to the router and writes its acknowledgement as
// the response. The router answers within its budget, well inside Slack's
// three seconds; the handler may go on working after the response is sent.
func (h *HTTPMode) serve(w http.ResponseWriter, in Incoming) {
	// Serve returns only once it has acknowledged, so payload is set.
	var payload any
	h.router.Serve(in, func(p any) { payload = p })
	if payload == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	b, err := json.Marshal(payload)
	if err != nil {
		h.log.Error("could not encode acknowledgement", "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
