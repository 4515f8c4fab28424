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
		{Area: "Time", Usage: "/log <duration> <client> [service] [date] [note]", Summary: "Log time.", Detail: "*How a line is read.* …",
			Examples: []string{"/log 1h30 acme payroll", "/log 45 Acme Trading VAT return", "/log 2h nwt 3 Nov"}},
		{Area: "Practice set-up", Usage: "/atlas team", Summary: "Who is on the team.", Examples: []string{"/atlas team", "/atlas team add @bea staff"}},
		{Area: "Time", Usage: "/timesheet", Summary: "Your time by day."},
	}
	admin := slackapp.Help(entries, "Admin")
	blockkittest.GoldenMessage(t, "help_admin", admin)
	raw := blockkittest.JSON(t, admin)
	// By area, in the order areas first appear, the kernel's own last; two
	// examples each in the list, the longer rules left to the command's help.
	time, setup, help := strings.Index(raw, "*Time*"), strings.Index(raw, "*Practice set-up*"), strings.Index(raw, "*Help*")
	if time < 0 || setup < time || help < setup || !strings.Contains(raw, "*`/timesheet`* — Your time by day.") {
		t.Errorf("areas out of order (%d %d %d): %s", time, setup, help, raw)
	}
	if strings.Contains(raw, "2h nwt 3 Nov") || strings.Contains(raw, "How a line is read") {
		t.Errorf("the list shows more than two examples, or the details: %s", raw)
	}
	blockkittest.GoldenMessage(t, "help_stranger", slackapp.Help(entries[:1], ""))

	log := slackapp.CommandHelp("/log", entries[1:2])
	blockkittest.GoldenMessage(t, "help_command", log)
	raw = blockkittest.JSON(t, log)
	for _, want := range []string{"Help · /log", "How a line is read", "2h nwt 3 Nov", "`/atlas help` lists every command"} {
		if !strings.Contains(raw, want) {
			t.Errorf("/log help lacks %q: %s", want, raw)
		}
	}
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
