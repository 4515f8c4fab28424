package slackfake

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// apiRequest is what a Web API method handler sees.
type apiRequest struct {
	call    *Call
	baseURL string // scheme://host the client reached us on, for URLs we hand out
}

func (r apiRequest) param(key string) string { return r.call.Params[key] }

// result is a successful method's response body; "ok": true is added for it.
type result map[string]any

// methodHandler answers one Web API method. It runs with Server.mu held, so it
// may touch server state but must not block. A non-empty error code becomes
// {"ok":false,"error":code}.
type methodHandler func(s *Server, r apiRequest) (result, string)

// methods lists the Web API methods the fake implements.
var methods = map[string]methodHandler{
	"auth.test":                    (*Server).authTest,
	"apps.connections.open":        (*Server).appsConnectionsOpen,
	"chat.postMessage":             (*Server).chatPostMessage,
	"chat.postEphemeral":           (*Server).chatPostEphemeral,
	"chat.update":                  (*Server).chatUpdate,
	"chat.delete":                  (*Server).chatDelete,
	"views.open":                   (*Server).viewsOpen,
	"views.push":                   (*Server).viewsPush,
	"views.update":                 (*Server).viewsUpdate,
	"views.publish":                (*Server).viewsPublish,
	"conversations.open":           (*Server).conversationsOpen,
	"conversations.history":        (*Server).conversationsHistory,
	"conversations.replies":        (*Server).conversationsReplies,
	"users.info":                   (*Server).usersInfo,
	"users.list":                   (*Server).usersList,
	"users.lookupByEmail":          (*Server).usersLookupByEmail,
	"files.getUploadURLExternal":   (*Server).filesGetUploadURLExternal,
	"files.completeUploadExternal": (*Server).filesCompleteUploadExternal,
	"files.info":                   (*Server).filesInfo,
	"files.list":                   (*Server).filesList,
}

// appTokenMethods need an app-level (xapp-) token; every other method refuses one.
var appTokenMethods = map[string]bool{"apps.connections.open": true}

// handleAPI serves /api/<method>: records the call and answers it the way Slack
// does, HTTP 200 with an ok flag, except for scripted 429s.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	body, _ := io.ReadAll(r.Body)
	call := readCall(r, method, body)

	s.mu.Lock()
	if secs, limited := s.takeRateLimitLocked(method); limited {
		call.RateLimited = true
		call.Error = "ratelimited"
		call.Response = mustJSON(map[string]any{"ok": false, "error": "ratelimited"})
		s.recordLocked(&call)
		s.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeJSON(w, http.StatusTooManyRequests, call.Response)
		return
	}
	res, code := s.answerLocked(apiRequest{call: &call, baseURL: "http://" + r.Host})
	if code != "" {
		call.Error = code
		call.Response = mustJSON(map[string]any{"ok": false, "error": code})
	} else {
		res["ok"] = true
		call.Response = mustJSON(res)
	}
	s.recordLocked(&call)
	hold := s.takeHoldLocked(method)
	s.mu.Unlock()
	if hold != nil && !hold.keep(r.Context()) {
		return // the client went away: there is nobody to answer
	}
	writeJSON(w, http.StatusOK, call.Response)
}

// answerLocked applies Slack's checks in Slack's order: method, token, scripted
// failure, then the method itself.
func (s *Server) answerLocked(r apiRequest) (result, string) {
	method := r.call.Method
	h, ok := methods[method]
	if !ok {
		return nil, "unknown_method"
	}
	tok := r.call.Token
	switch {
	case tok == "":
		return nil, "not_authed"
	case appTokenMethods[method] && !strings.HasPrefix(tok, "xapp-"):
		return nil, "not_allowed_token_type"
	case appTokenMethods[method] && s.appToken != "" && tok != s.appToken:
		return nil, "invalid_auth"
	case !appTokenMethods[method] && strings.HasPrefix(tok, "xapp-"):
		return nil, "not_allowed_token_type"
	case !appTokenMethods[method] && s.botToken != "" && tok != s.botToken:
		return nil, "invalid_auth"
	}
	if code, fail := s.takeFailureLocked(method); fail {
		return nil, code
	}
	return h(s, r)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// mustJSON marshals values the fake builds itself, which cannot fail.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("slackfake: marshal: " + err.Error())
	}
	return b
}

// rawOrNil returns s as raw JSON if it is valid JSON, else nil.
func rawOrNil(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return nil
	}
	return json.RawMessage(s)
}

func (s *Server) authTest(r apiRequest) (result, string) {
	return result{
		"url":                   "https://" + TeamDomain + ".slack.com/",
		"team":                  TeamName,
		"user":                  BotUserName,
		"team_id":               TeamID,
		"user_id":               BotUserID,
		"bot_id":                BotID,
		"is_enterprise_install": false,
	}, ""
}
