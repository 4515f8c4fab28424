package bot_test

import (
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/atlas-practice/atlas/bot"
	"github.com/atlas-practice/atlas/internal/playground"
)

type manifest struct {
	DisplayInformation struct {
		Name            string `yaml:"name"`
		Description     string `yaml:"description"`
		LongDescription string `yaml:"long_description"`
	} `yaml:"display_information"`
	Features struct {
		AppHome struct {
			HomeTabEnabled bool `yaml:"home_tab_enabled"`
		} `yaml:"app_home"`
		BotUser struct {
			DisplayName string `yaml:"display_name"`
		} `yaml:"bot_user"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			Description  string `yaml:"description"`
			UsageHint    string `yaml:"usage_hint"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
		Shortcuts []struct {
			Name        string `yaml:"name"`
			Type        string `yaml:"type"`
			CallbackID  string `yaml:"callback_id"`
			Description string `yaml:"description"`
		} `yaml:"shortcuts"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			BotEvents []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
		SocketModeEnabled bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

func loadManifest(t *testing.T) manifest {
	t.Helper()
	b, err := os.ReadFile("../manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("manifest.yaml: %v", err)
	}
	return m
}

func chars(s string) int { return utf8.RuneCountInString(s) }

// TestManifestFieldRules checks the manifest against Slack's field rules.
func TestManifestFieldRules(t *testing.T) {
	t.Parallel()
	m := loadManifest(t)
	if n := chars(m.DisplayInformation.Name); n < 1 || n > 35 {
		t.Errorf("display name has %d characters; Slack allows 1 to 35", n)
	}
	if n := chars(m.DisplayInformation.Description); n < 1 || n > 140 {
		t.Errorf("short description has %d characters; Slack allows 1 to 140", n)
	}
	if n := chars(m.DisplayInformation.LongDescription); n != 0 && (n < 175 || n > 4000) {
		t.Errorf("long description has %d characters; Slack allows 175 to 4000", n)
	}
	if n := chars(m.Features.BotUser.DisplayName); n < 1 || n > 80 {
		t.Errorf("bot display name has %d characters; Slack allows 1 to 80", n)
	}
	if !m.Features.AppHome.HomeTabEnabled || !m.Settings.Interactivity.IsEnabled || !m.Settings.SocketModeEnabled {
		t.Error("the home tab, interactivity and socket mode must be on")
	}
	for _, c := range m.Features.SlashCommands {
		if n := chars(c.Command); n < 2 || n > 32 || !strings.HasPrefix(c.Command, "/") {
			t.Errorf("command %q: must start with / and have 2 to 32 characters", c.Command)
		}
		if strings.ToLower(c.Command) != c.Command || strings.ContainsAny(c.Command, " \t") {
			t.Errorf("command %q: lower case, no spaces", c.Command)
		}
		if n := chars(c.Description); n < 1 || n > 2000 {
			t.Errorf("command %s: description has %d characters; Slack allows 1 to 2000", c.Command, n)
		}
		if n := chars(c.UsageHint); n > 1000 {
			t.Errorf("command %s: usage hint has %d characters; Slack allows 1000", c.Command, n)
		}
		if !c.ShouldEscape {
			t.Errorf("command %s: should_escape must be on so @mentions arrive as user ids", c.Command)
		}
	}
}

// TestManifestMatchesRouter holds the manifest and the code together: every
// command and event the router handles is declared, nothing else is, and
// the scopes are exactly the ones the code needs.
func TestManifestMatchesRouter(t *testing.T) {
	t.Parallel()
	m := loadManifest(t)
	rt := bot.NewRouter(slog.New(slog.NewTextHandler(io.Discard, nil)), nil, nil, nil)
	bot.Register(rt, bot.NewDeps(nil))

	var declared []string
	for _, c := range m.Features.SlashCommands {
		declared = append(declared, c.Command)
	}
	slices.Sort(declared)
	if got := rt.SlashCommands(); !slices.Equal(got, declared) {
		t.Errorf("router handles %v, manifest declares %v", got, declared)
	}
	events := slices.Clone(m.Settings.EventSubscriptions.BotEvents)
	slices.Sort(events)
	if got := rt.EventTypes(); !slices.Equal(got, events) {
		t.Errorf("router handles events %v, manifest subscribes to %v", got, events)
	}
	var shortcuts []string
	for _, s := range m.Features.Shortcuts {
		if s.Type != "global" && s.Type != "message" || s.Name == "" || len(s.Name) > 24 || s.Description == "" {
			t.Errorf("shortcut %+v: needs a type (global or message), a name of up to 24 characters and a description", s)
		}
		shortcuts = append(shortcuts, s.CallbackID)
	}
	slices.Sort(shortcuts)
	if got := rt.Shortcuts(); !slices.Equal(got, shortcuts) {
		t.Errorf("router handles shortcuts %v, manifest declares %v", got, shortcuts)
	}
	var need []string
	for s := range bot.Scopes {
		need = append(need, s)
	}
	slices.Sort(need)
	scopes := slices.Clone(m.OAuthConfig.Scopes.Bot)
	slices.Sort(scopes)
	if !slices.Equal(need, scopes) {
		t.Errorf("code needs scopes %v, manifest asks for %v", need, scopes)
	}
}

// TestPlaygroundOffersEveryCommand keeps the playground's local Slack in
// step with the manifest: a command missing there cannot be typed there.
func TestPlaygroundOffersEveryCommand(t *testing.T) {
	t.Parallel()
	m := loadManifest(t)
	w, err := playground.LoadWorkspace("../" + playground.Dir + "/workspace.json")
	if err != nil {
		t.Fatal(err)
	}
	var declared, offered []string
	for _, c := range m.Features.SlashCommands {
		declared = append(declared, c.Command)
	}
	for _, c := range w.Commands {
		offered = append(offered, c.Command)
	}
	slices.Sort(declared)
	slices.Sort(offered)
	if !slices.Equal(declared, offered) {
		t.Errorf("the playground offers %v, the manifest declares %v", offered, declared)
	}
}
