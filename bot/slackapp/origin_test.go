package slackapp

import (
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/blockkit"
)

func TestOriginRoundTrip(t *testing.T) {
	for _, meta := range []string{"", `{"id":7}`, "plain|with|bars", "origin-like but not"} {
		wrapped := withOrigin(meta, "C0123")
		channel, rest := splitOrigin(wrapped)
		if channel != "C0123" || rest != meta {
			t.Errorf("%q: wrapped %q, split into %q %q", meta, wrapped, channel, rest)
		}
		if again := withOrigin(wrapped, "C0999"); again != wrapped {
			t.Errorf("%q: wrapped twice: %q", meta, again)
		}
	}
	// No channel (the Home tab, a DM-less shortcut): the metadata is the
	// feature's own.
	if got := withOrigin(`{"id":7}`, ""); got != `{"id":7}` {
		t.Errorf("no channel: %q", got)
	}
	if c, rest := splitOrigin(`{"id":7}`); c != "" || rest != `{"id":7}` {
		t.Errorf("unwrapped metadata split: %q %q", c, rest)
	}
	// Metadata at Slack's limit is never pushed over it.
	full := strings.Repeat("x", blockkit.MaxPrivateMetadata-5)
	if got := withOrigin(full, "C0123"); got != full {
		t.Errorf("over the limit: wrapped to %d characters", len(got))
	}
}
