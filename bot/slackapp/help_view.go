package slackapp

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
)

// HelpEntry is one command in the help.
type HelpEntry struct {
	Area     string // "Time", "Tasks", ...
	Usage    string // "/atlas team add @person role"
	Summary  string
	Examples []string
}

// Help lists the commands the caller may use. roleTitle is "" for a person
// not on the team.
func Help(entries []HelpEntry, roleTitle string) []slack.Block {
	blocks := []slack.Block{
		slack.NewHeaderBlock(blockkit.Plain("Atlas commands", blockkit.MaxHeaderText)),
	}
	intro := "Here is what you can do in Atlas."
	if roleTitle != "" {
		intro = fmt.Sprintf("Here is what you can do in Atlas as *%s*.", roleTitle)
	} else {
		intro = "You are not on the team yet, so only these commands are open to you."
	}
	blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(intro, blockkit.MaxSectionText), nil, nil))
	// Two blocks per entry at most; keep inside the 50-block message limit.
	const room = (blockkit.MaxMessageBlocks - 4)
	shown := entries
	if len(shown) > room {
		shown = shown[:room]
	}
	for _, e := range shown {
		var b strings.Builder
		fmt.Fprintf(&b, "*`%s`*\n%s", e.Usage, e.Summary)
		for _, ex := range e.Examples {
			fmt.Fprintf(&b, "\n> `%s`", ex)
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(b.String(), blockkit.MaxSectionText), nil, nil))
	}
	if more := len(entries) - len(shown); more > 0 {
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(fmt.Sprintf("+%d more", more), blockkit.MaxSectionText)))
	}
	blocks = append(blocks, slack.NewContextBlock("",
		blockkit.Markdown("Anything typed wrong gets an answer with the right form. The *Home* tab shows your overview.", blockkit.MaxSectionText)))
	return blocks
}

// HelpText is the plain-text fallback of Help, for notifications.
func HelpText(entries []HelpEntry) string {
	lines := make([]string, 0, len(entries)+1)
	lines = append(lines, "Atlas commands:")
	for _, e := range entries {
		lines = append(lines, e.Usage+" — "+e.Summary)
	}
	return blockkit.Truncate(strings.Join(lines, "\n"), 3000)
}
