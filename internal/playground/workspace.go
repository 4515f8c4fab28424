package playground

import (
	"encoding/json"
	"fmt"
	"os"
)

// Workspace is a local-slack workspace config (the JSON form; see
// localslack/workspace.json). local-slack ignores keys it does not know:
// users' atlas_role and the slash_commands list are Atlas's, for seeding the
// playground practice and for documentation. local-slack itself forwards
// any slash command to the first app.
type Workspace struct {
	Workspace struct {
		Name   string `json:"name"`
		Domain string `json:"domain"`
		TeamID string `json:"teamId"`
	} `json:"workspace"`
	Apps     []App     `json:"apps"`
	Users    []User    `json:"users"`
	Channels []Channel `json:"channels"`
	Commands []Command `json:"slash_commands"`
}

// App is a bot app. Mode is "socket" (Socket Mode) or "events" (HTTP to
// RequestURL).
type App struct {
	AppID         string `json:"appId"`
	BotUserID     string `json:"botUserId"`
	BotName       string `json:"botName"`
	BotToken      string `json:"botToken"` // xoxb-…, for SLACK_BOT_TOKEN
	AppToken      string `json:"appToken"` // xapp-…, for SLACK_APP_TOKEN
	SigningSecret string `json:"signingSecret"`
	Mode          string `json:"mode"`
	RequestURL    string `json:"requestUrl,omitempty"`
}

// User is a human member of the workspace.
type User struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	RealName  string `json:"real_name"`
	Email     string `json:"email"`
	TZ        string `json:"tz"`
	AtlasRole string `json:"atlas_role"` // staff, manager, partner or admin
}

// Channel is a channel of the config; the bot gets events only from channels
// its bot user is a member of.
type Channel struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

// Command is a slash command the Atlas app offers.
type Command struct {
	Command     string `json:"command"`
	Description string `json:"description"`
	UsageHint   string `json:"usage_hint"`
}

// LoadWorkspace reads a JSON workspace config.
func LoadWorkspace(path string) (*Workspace, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var w Workspace
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(w.Apps) == 0 {
		return nil, fmt.Errorf("%s: no apps", path)
	}
	return &w, nil
}

// Bot is the first app: the one local-slack sends slash commands to.
func (w *Workspace) Bot() App { return w.Apps[0] }

// UserByRole returns the first user with the Atlas role.
func (w *Workspace) UserByRole(role string) (User, bool) {
	for _, u := range w.Users {
		if u.AtlasRole == role {
			return u, true
		}
	}
	return User{}, false
}

// ChannelByName returns the channel called name (without #).
func (w *Workspace) ChannelByName(name string) (Channel, bool) {
	for _, c := range w.Channels {
		if c.Name == name {
			return c, true
		}
	}
	return Channel{}, false
}
