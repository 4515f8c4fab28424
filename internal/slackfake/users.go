package slackfake

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// User is a workspace member known to users.info.
type User struct {
	ID       string
	Name     string // the handle, e.g. "jo"
	RealName string
	Email    string
	IsBot    bool
}

// AddUser registers a member so users.info can find them; unknown ids answer
// user_not_found. Registering an id again replaces the user. The bot user
// (BotUserID) is registered from the start.
func (s *Server) AddUser(id, name, realName, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[id] = User{ID: id, Name: name, RealName: realName, Email: email}
}

// userObject renders a user the way users.info does (the subset slack-go and
// the bot are likely to read).
func userObject(u User) map[string]any {
	return map[string]any{
		"id":        u.ID,
		"team_id":   TeamID,
		"name":      u.Name,
		"real_name": u.RealName,
		"deleted":   false,
		"is_bot":    u.IsBot,
		"is_admin":  false,
		"tz":        "Europe/London",
		"tz_label":  "Greenwich Mean Time",
		"tz_offset": 0,
		"profile": map[string]any{
			"real_name":               u.RealName,
			"real_name_normalized":    u.RealName,
			"display_name":            u.Name,
			"display_name_normalized": u.Name,
			"email":                   u.Email,
			"team":                    TeamID,
		},
	}
}

func (s *Server) usersInfo(r apiRequest) (result, string) {
	u, ok := s.users[r.param("user")]
	if !ok {
		return nil, "user_not_found"
	}
	return result{"user": userObject(u)}, ""
}

// usersList answers users.list with every registered user, in pages of
// limit (default 200) with a next_cursor, as Slack pages the directory.
func (s *Server) usersList(r apiRequest) (result, string) {
	ids := make([]string, 0, len(s.users))
	for id := range s.users {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	limit := 200
	if n, err := strconv.Atoi(r.param("limit")); err == nil && n > 0 {
		limit = n
	}
	start := 0
	if c := r.param("cursor"); c != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(c, "c:"))
		if err != nil || n < 0 || n > len(ids) {
			return nil, "invalid_cursor"
		}
		start = n
	}
	end := min(start+limit, len(ids))
	members := make([]map[string]any, 0, end-start)
	for _, id := range ids[start:end] {
		members = append(members, userObject(s.users[id]))
	}
	next := ""
	if end < len(ids) {
		next = "c:" + strconv.Itoa(end)
	}
	return result{"members": members, "response_metadata": map[string]any{"next_cursor": next}}, ""
}

// usersLookupByEmail finds the member with an email address.
func (s *Server) usersLookupByEmail(r apiRequest) (result, string) {
	email := strings.ToLower(strings.TrimSpace(r.param("email")))
	for _, u := range s.users {
		if email != "" && strings.ToLower(u.Email) == email {
			return result{"user": userObject(u)}, ""
		}
	}
	return nil, "users_not_found"
}

// conversationsOpen opens (or reopens) a DM with one user, or a group DM with
// several; ids are deterministic (see DMChannelID).
func (s *Server) conversationsOpen(r apiRequest) (result, string) {
	if ch := r.param("channel"); ch != "" {
		return result{"channel": map[string]any{"id": ch}, "no_op": true, "already_open": true}, ""
	}
	users := splitNonEmpty(r.param("users"))
	if len(users) == 0 {
		return nil, "users_list_not_supplied"
	}
	var ch map[string]any
	if len(users) == 1 {
		ch = map[string]any{
			"id":      DMChannelID(users[0]),
			"created": time.Now().Unix(),
			"is_im":   true,
			"is_open": true,
			"user":    users[0],
		}
	} else {
		sort.Strings(users)
		ch = map[string]any{
			"id":       "G" + strings.Join(users, ""),
			"created":  time.Now().Unix(),
			"is_mpim":  true,
			"is_group": true,
			"is_open":  true,
		}
	}
	id := ch["id"].(string)
	already := s.openDMs[id]
	s.openDMs[id] = true
	return result{"channel": ch, "no_op": already, "already_open": already}, ""
}

func splitNonEmpty(list string) []string {
	var out []string
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
