package slackapp

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
)

// HelpEntry is one command in the help.
type HelpEntry struct {
	Area     string // "Time", "Tasks", ...
	Usage    string // "/atlas team add @person role"
	Summary  string
	Detail   string // the longer explanation, in the command's own help
	Examples []string
}

// helpExamplesListed is how many examples each command shows in the full
// list; its own help shows them all.
const helpExamplesListed = 2

// Help lists the commands the caller may use, grouped by area in the order
// the areas were first registered. roleTitle is "" for a person not on
// the team.
func Help(entries []HelpEntry, roleTitle string) []slack.Block {
	blocks := []slack.Block{
		slack.NewHeaderBlock(blockkit.Plain("Atlas commands", blockkit.MaxHeaderText)),
	}
	intro := "You are not on the team yet, so only these commands are open to you."
	if roleTitle != "" {
		intro = fmt.Sprintf("Here is what you can do in Atlas as *%s*. Type `help` after any command for more, such as `/log help`.", roleTitle)
	}
	blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(intro, blockkit.MaxSectionText), nil, nil))
	var areas []string
	byArea := map[string][]string{}
	for _, e := range entries {
		area := cmp.Or(e.Area, "Help")
		if _, ok := byArea[area]; !ok {
			areas = append(areas, area)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "*`%s`* — %s", e.Usage, e.Summary)
		for _, ex := range e.Examples[:min(len(e.Examples), helpExamplesListed)] {
			fmt.Fprintf(&b, "\n> `%s`", ex)
		}
		byArea[area] = append(byArea[area], b.String())
	}
	// The kernel's own commands (help) have no area and come last.
	if i := slices.Index(areas, "Help"); i >= 0 {
		areas = append(slices.Delete(areas, i, i+1), "Help")
	}
	for _, area := range areas {
		blocks = append(blocks, slack.NewDividerBlock())
		for _, text := range packLines("*"+area+"*", byArea[area]) {
			blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, nil))
		}
	}
	blocks = append(blocks, slack.NewContextBlock("",
		blockkit.Markdown("Anything typed wrong gets an answer with the right form. The *Home* tab shows your overview.", blockkit.MaxSectionText)))
	return capBlocks(blocks)
}

// CommandHelp is one command's help: each of its forms with the longer
// explanation and every example.
func CommandHelp(typed string, entries []HelpEntry) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain("Help · "+typed, blockkit.MaxHeaderText))}
	for _, e := range entries {
		var b strings.Builder
		fmt.Fprintf(&b, "*`%s`*\n%s", e.Usage, e.Summary)
		if e.Detail != "" {
			b.WriteString("\n" + e.Detail)
		}
		if len(e.Examples) > 0 {
			b.WriteString("\n_For example:_")
			for _, ex := range e.Examples {
				fmt.Fprintf(&b, "\n> `%s`", ex)
			}
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(b.String(), blockkit.MaxSectionText), nil, nil))
	}
	blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown("`/atlas help` lists every command.", blockkit.MaxSectionText)))
	return capBlocks(blocks)
}

// packLines joins a heading and lines into as few section texts as fit.
func packLines(heading string, lines []string) []string {
	var out []string
	b := heading
	for _, l := range lines {
		if len(b)+1+len(l) > blockkit.MaxSectionText {
			out = append(out, b)
			b = l
			continue
		}
		b += "\n" + l
	}
	return append(out, b)
}

// capBlocks keeps a help message within Slack's 50 blocks, saying so when
// it has to; the kernel also splits long replies, but help should be one.
func capBlocks(blocks []slack.Block) []slack.Block {
	if len(blocks) <= blockkit.MaxMessageBlocks {
		return blocks
	}
	kept := blocks[:blockkit.MaxMessageBlocks-1]
	return append(kept, slack.NewContextBlock("", blockkit.Markdown(
		fmt.Sprintf("+%d more: type `help` after a command for its own.", len(blocks)-len(kept)), blockkit.MaxSectionText)))
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
