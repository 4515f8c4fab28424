package views

import (
	"fmt"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
)

// HomeData is what the App Home shows a person.
type HomeData struct {
	PersonName    string
	RoleTitle     string // "" for a person not on the team
	PracticeName  string
	PracticeSetUp bool
	IsAdmin       bool
	TeamSize      int
	Admins        []string  // Slack user ids of the admins, to ask for access
	Time          *HomeTime // the person's timer and hours, once the practice is set up
}

// Home is the App Home tab.
func Home(d HomeData) slack.HomeTabViewRequest {
	title := "Atlas"
	if d.PracticeName != "" {
		title = "Atlas · " + d.PracticeName
	}
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(title, blockkit.MaxHeaderText))}
	switch {
	case d.RoleTitle == "":
		ask := "Ask the person who installed Atlas to add you."
		if len(d.Admins) > 0 {
			ask = "Ask an admin to add you: " + mentions(d.Admins, 5) + "."
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(
			":wave: Hi! You are not on this practice's team in Atlas yet. "+ask, blockkit.MaxSectionText), nil, nil))
	case !d.PracticeSetUp && d.IsAdmin:
		blocks = append(blocks,
			slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf(
				":wave: Welcome, %s. The practice is not set up yet. Three steps get it going:", blockkit.Escape(d.PersonName)),
				blockkit.MaxSectionText), nil, nil),
			slack.NewSectionBlock(blockkit.Markdown(
				"*1. The practice* — name, timezone, currency and VAT rate.", blockkit.MaxSectionText), nil,
				slack.NewAccessory(slack.NewButtonBlockElement(ActionOpenSetup, "setup",
					blockkit.Plain("Set up the practice", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary))),
			slack.NewSectionBlock(blockkit.Markdown(
				"*2. The team* — add each person with their role:\n`/atlas team add @bea staff`", blockkit.MaxSectionText), nil, nil),
			slack.NewSectionBlock(blockkit.Markdown(
				"*3. Check* — `/atlas team` lists who is in; `/atlas help` shows every command.", blockkit.MaxSectionText), nil, nil),
		)
	case !d.PracticeSetUp:
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf(
			"Hi %s. An admin is still setting up the practice; this page fills in once they are done.",
			blockkit.Escape(d.PersonName)), blockkit.MaxSectionText), nil, nil))
	default:
		blocks = append(blocks,
			slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("Hi %s — you are *%s* at %s.",
				blockkit.Escape(d.PersonName), d.RoleTitle, blockkit.Escape(d.PracticeName)), blockkit.MaxSectionText), nil, nil),
			slack.NewContextBlock("", blockkit.Markdown(fmt.Sprintf("Team: %d %s", d.TeamSize, plural(d.TeamSize, "person", "people")), blockkit.MaxSectionText)),
		)
		blocks = append(blocks, homeTime(d.Time)...)
	}
	blocks = append(blocks, slack.NewDividerBlock(),
		slack.NewActionBlock("home.actions",
			slack.NewButtonBlockElement(ActionHelp, "help", blockkit.Plain("Show commands", blockkit.MaxButtonText))))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

func mentions(ids []string, max int) string {
	out := ""
	for i, id := range ids {
		if i == max {
			return out + fmt.Sprintf(" and %d more", len(ids)-max)
		}
		if i > 0 {
			out += ", "
		}
		out += "<@" + id + ">"
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
