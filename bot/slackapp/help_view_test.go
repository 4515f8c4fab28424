package slackapp_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/slackapp"
)

func TestHelpGolden(t *testing.T) {
	t.Parallel()
	entries := []slackapp.HelpEntry{
		{Usage: "/atlas help", Summary: "This list of commands."},
		{Usage: "/atlas team", Summary: "Who is on the team.", Examples: []string{"/atlas team", "/atlas team add @bea staff"}},
	}
	blockkittest.GoldenMessage(t, "help_admin", slackapp.Help(entries, "Admin"))
	blockkittest.GoldenMessage(t, "help_stranger", slackapp.Help(entries[:1], ""))
}

func TestHelpNeverExceedsLimits(t *testing.T) {
	t.Parallel()
	var many []slackapp.HelpEntry
	for i := range 80 {
		many = append(many, slackapp.HelpEntry{Usage: fmt.Sprintf("/atlas cmd%d", i), Summary: strings.Repeat("long text ", 400)})
	}
	blocks := slackapp.Help(many, "Admin")
	blockkittest.GoldenMessage(t, "help_overflow", blocks)
}
