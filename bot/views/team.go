package views

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
)

// TeamMember is one line of the team list.
type TeamMember struct {
	SlackUserID string
	Name        string
	RoleTitle   string
	Email       string
}

// teamPerSection keeps each section under its 3,000-character limit.
const teamPerSection = 20

// Team lists the team, by name.
func Team(practiceName string, members []TeamMember) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain("Team · "+practiceName, blockkit.MaxHeaderText))}
	if len(members) == 0 {
		return append(blocks, slack.NewSectionBlock(blockkit.Markdown(
			"Nobody yet. Add people with `/atlas team add @person role`.", blockkit.MaxSectionText), nil, nil))
	}
	room := (blockkit.MaxMessageBlocks - 3) * teamPerSection
	shown := members
	if len(shown) > room {
		shown = shown[:room]
	}
	for _, chunk := range blockkit.Chunk(shown, teamPerSection) {
		lines := make([]string, 0, len(chunk))
		for _, m := range chunk {
			line := fmt.Sprintf("<@%s> · *%s*", m.SlackUserID, m.RoleTitle)
			if m.Email != "" {
				line += " · " + blockkit.Escape(m.Email)
			}
			lines = append(lines, line)
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(strings.Join(lines, "\n"), blockkit.MaxSectionText), nil, nil))
	}
	note := fmt.Sprintf("%d %s", len(members), plural(len(members), "person", "people"))
	if more := len(members) - len(shown); more > 0 {
		note += fmt.Sprintf(" · +%d more", more)
	}
	return append(blocks, slack.NewContextBlock("", blockkit.Markdown(note, blockkit.MaxSectionText)))
}
