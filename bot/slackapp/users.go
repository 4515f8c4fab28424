package slackapp

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// People often type a mention as plain text — "@pat" — when their client
// does not turn it into a link, or they paste it. Before a command is
// routed, each such word is looked up in the workspace's directory (by
// handle, display name or real name) and replaced by the mention Slack
// would have sent, so every handler and the role check see one form. A
// name that matches nobody, or several people, is refused with a clear
// answer rather than guessed.

// directoryTTL is how long the workspace's directory is kept before it is
// read again; a name that matches nobody reads it again sooner, so a person
// who just joined is found.
const (
	directoryTTL    = 10 * time.Minute
	directoryRetry  = 30 * time.Second
	maxMentionNames = 5
)

// userDirectory is the workspace's people, read with users.list.
type userDirectory struct {
	mu      sync.Mutex
	users   []slack.User
	fetched time.Time
}

// lookup finds the people a typed name could mean.
func (d *userDirectory) lookup(ctx context.Context, api *slack.Client, name string, now time.Time) ([]slack.User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fetched.IsZero() || now.Sub(d.fetched) > directoryTTL {
		if err := d.refresh(ctx, api, now); err != nil {
			return nil, err
		}
	}
	found := matchUsers(d.users, name)
	if len(found) == 0 && now.Sub(d.fetched) > directoryRetry {
		if err := d.refresh(ctx, api, now); err != nil {
			return nil, err
		}
		found = matchUsers(d.users, name)
	}
	return found, nil
}

func (d *userDirectory) refresh(ctx context.Context, api *slack.Client, now time.Time) error {
	users, err := api.GetUsersContext(ctx, slack.GetUsersOptionLimit(200))
	if err != nil {
		return fmt.Errorf("read the workspace's people: %w", err)
	}
	d.users, d.fetched = users, now
	return nil
}

// matchUsers finds the people whose handle, display name or real name is
// name (ignoring case), else those whose real name starts with it as a
// word ("@mina" for Mina Manager). Bots and deactivated people are never
// matched.
func matchUsers(users []slack.User, name string) []slack.User {
	name = strings.ToLower(strings.TrimSpace(name))
	var exact, first []slack.User
	for _, u := range users {
		if u.IsBot || u.Deleted || u.ID == "USLACKBOT" {
			continue
		}
		for _, n := range []string{u.Name, u.Profile.DisplayName, u.RealName, u.Profile.RealName} {
			if n != "" && strings.ToLower(n) == name {
				exact = append(exact, u)
				break
			}
		}
		if f := strings.Fields(strings.ToLower(u.RealName)); len(f) > 0 && f[0] == name {
			first = append(first, u)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return first
}

// resolveMentions replaces each plain "@name" in a command's text by the
// mention of the one person it names.
func (rt *Router) resolveMentions(ctx context.Context, req *Request) error {
	if req.Kind != KindCommand || !strings.Contains(req.Text, "@") {
		return nil
	}
	fields := strings.Fields(req.Text)
	changed := false
	for i, f := range fields {
		typed := strings.TrimRight(f, ",.;:")
		if !strings.HasPrefix(typed, "@") || len(typed) < 2 || strings.Contains(typed[1:], "@") {
			continue
		}
		found, err := rt.users.lookup(ctx, rt.API, typed[1:], rt.Clock.Now())
		if err != nil {
			return err
		}
		switch {
		case len(found) == 0:
			return atlas.Errorf(atlas.EInvalid, "No one in this Slack workspace is called %s. Pick the person from the @ list as you type, so Slack links their name.", typed)
		case len(found) > 1:
			var names []string
			for j, u := range found {
				if j == maxMentionNames {
					names = append(names, fmt.Sprintf("%d more", len(found)-j))
					break
				}
				names = append(names, fmt.Sprintf("%s (<@%s>)", displayName(u), u.ID))
			}
			return atlas.Errorf(atlas.EInvalid, "%s could be %s. Pick the one you mean from the @ list as you type.", typed, strings.Join(names, " or "))
		}
		// Punctuation typed after the name ("@pat, partner") is dropped:
		// no command reads it, and a parser would see it as part of the mention.
		fields[i] = "<@" + found[0].ID + "|" + found[0].Name + ">"
		changed = true
	}
	if changed {
		req.Text = strings.Join(fields, " ")
	}
	return nil
}

func displayName(u slack.User) string {
	if u.RealName != "" {
		return u.RealName
	}
	return u.Name
}
