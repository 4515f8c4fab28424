package slackfake

import (
	"encoding/json"
	"strconv"
	"time"
)

// buildViewLocked turns the view the bot sent into the view object Slack answers
// with: the request's fields plus the ones Slack assigns (id, hash, state...).
// It returns nil when the request's view is not a JSON object.
func (s *Server) buildViewLocked(id, rootID string, raw string) map[string]json.RawMessage {
	var v map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &v) != nil || v == nil {
		return nil
	}
	set := func(k string, val any) { v[k] = mustJSON(val) }
	setDefault := func(k string, val any) {
		if _, ok := v[k]; !ok {
			set(k, val)
		}
	}
	set("id", id)
	set("team_id", TeamID)
	set("app_id", AppID)
	set("app_installed_team_id", TeamID)
	set("bot_id", BotID)
	set("hash", strconv.FormatInt(time.Now().Unix(), 10)+"."+s.nextIDLocked("h"))
	set("root_view_id", rootID)
	v["previous_view_id"] = json.RawMessage("null")
	set("state", map[string]any{"values": map[string]any{}})
	setDefault("type", "modal")
	setDefault("blocks", []any{})
	setDefault("callback_id", "")
	setDefault("private_metadata", "")
	setDefault("external_id", "")
	setDefault("clear_on_close", false)
	setDefault("notify_on_close", false)
	return v
}

// openView backs views.open and views.push, which differ only in Slack's
// bookkeeping of the view stack.
func (s *Server) openViewLocked(r apiRequest) (result, string) {
	if r.param("trigger_id") == "" {
		return nil, "invalid_arguments"
	}
	id := s.nextIDLocked("V")
	v := s.buildViewLocked(id, id, r.param("view"))
	if v == nil {
		return nil, "invalid_arguments"
	}
	s.views[id] = stringField(v, "external_id")
	return result{"view": v}, ""
}

func (s *Server) viewsOpen(r apiRequest) (result, string) { return s.openViewLocked(r) }

func (s *Server) viewsPush(r apiRequest) (result, string) { return s.openViewLocked(r) }

// viewsUpdate finds the view by view_id or external_id. An id the fake never
// issued is accepted (tests hand-craft view_submission payloads), so the
// response simply echoes it.
func (s *Server) viewsUpdate(r apiRequest) (result, string) {
	id, ext := r.param("view_id"), r.param("external_id")
	if id == "" && ext == "" {
		return nil, "invalid_arguments"
	}
	if id == "" {
		for vid, e := range s.views {
			if e == ext {
				id = vid
			}
		}
		if id == "" {
			id = s.nextIDLocked("V")
		}
	}
	v := s.buildViewLocked(id, id, r.param("view"))
	if v == nil {
		return nil, "invalid_arguments"
	}
	s.views[id] = stringField(v, "external_id")
	return result{"view": v}, ""
}

// viewsPublish keeps one Home tab view per user, so republishing returns the
// same view id as Slack does.
func (s *Server) viewsPublish(r apiRequest) (result, string) {
	user := r.param("user_id")
	if user == "" {
		return nil, "invalid_arguments"
	}
	id, ok := s.homeViews[user]
	if !ok {
		id = s.nextIDLocked("V")
		s.homeViews[user] = id
	}
	v := s.buildViewLocked(id, id, r.param("view"))
	if v == nil {
		return nil, "invalid_arguments"
	}
	return result{"view": v}, ""
}

func stringField(v map[string]json.RawMessage, key string) string {
	var out string
	_ = json.Unmarshal(v[key], &out)
	return out
}
