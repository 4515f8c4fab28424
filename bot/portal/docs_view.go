package portal

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/portal"
)

// Listing is /docs's answer: a client's documents, of one month or all.
type Listing struct {
	Client string        // "NWT · Northwind Traders"
	Code   string        // for the hint of an empty answer
	Period *atlas.Period // nil: every month
	Docs   []Doc         // every document; those on the page shown have their URL
	Links  bool          // false: no portal secret, so no download links
	Loc    *time.Location
	Page   int    // zero-based
	Text   string // the /docs text without its page, for the page buttons
}

// Doc is a document with its download link ("" without one).
type Doc struct {
	portal.StaffDocument
	URL string
}

// maxNameShown cuts a file's name in the list (a name may be 255 bytes).
const maxNameShown = 80

// DocsMessage draws a page of the listing: a heading, then the page's
// documents under their month, item and source, each with its link, then
// the page buttons.
func DocsMessage(v Listing) slackapp.Message {
	heading := "Documents · " + v.Client
	if v.Period != nil {
		heading += " · " + v.Period.Label()
	}
	count := fmt.Sprintf("%d document%s", len(v.Docs), plural(len(v.Docs)))
	blocks := []slack.Block{slack.NewSectionBlock(blockkit.Markdown("*"+blockkit.Escape(heading)+"* — "+count, 0), nil, nil)}
	if len(v.Docs) == 0 {
		empty := "None yet: documents arrive as the client uploads them to the portal."
		if v.Period != nil {
			empty = fmt.Sprintf("None for %s. `/docs %s` lists every month's.", v.Period.Label(), v.Code)
		}
		blocks = append(blocks, slack.NewContextBlock("docs.empty", blockkit.Markdown(blockkit.Escape(empty), 0)))
		return slackapp.Message{Text: heading + ": " + count, Blocks: blocks}
	}
	note := fmt.Sprintf("Download links work for %d minutes; ask again for fresh ones.", int(portal.StaffLinkLife.Minutes()))
	if !v.Links {
		note = "Downloads need `PORTAL_SECRET`: with the portal's secret set, each document has a download link here."
	}
	blocks = append(blocks, slack.NewContextBlock("docs.note", blockkit.Markdown(note, 0)))

	shown, pg := blockkit.PageItems(v.Docs, v.Page, docsShown)
	var period string // the month heading last drawn
	for i := 0; i < len(shown); {
		d := shown[i]
		if p := periodLabel(d.Period); i == 0 || p != period {
			period = p
			blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown("*"+p+"*", 0), nil, nil))
		}
		j := i + 1
		for j < len(shown) && sameGroup(shown[j], d) {
			j++
		}
		blocks = append(blocks, groupBlocks(v, shown[i:j])...)
		i = j
	}
	if pg.Pages > 1 {
		var nav []slack.BlockElement
		if pg.HasPrev() {
			nav = append(nav, slack.NewButtonBlockElement(ActionPage+"prev", pageText(v.Text, pg.Index-1),
				blockkit.Plain("‹ Previous page", blockkit.MaxButtonText)))
		}
		if pg.HasNext() {
			nav = append(nav, slack.NewButtonBlockElement(ActionPage+"next", pageText(v.Text, pg.Index+1),
				blockkit.Plain("Next page ›", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary))
		}
		blocks = append(blocks, slack.NewContextBlock("docs.page", blockkit.Markdown(fmt.Sprintf("%s · %s", pg.Label(), count), 0)),
			slack.NewActionBlock("docs.nav", nav...))
	}
	return slackapp.Message{Text: heading + ": " + count, Blocks: blocks}
}

// pageText is the /docs text that shows a zero-based page.
func pageText(text string, page int) string {
	return strings.TrimSpace(fmt.Sprintf("%s page %d", text, page+1))
}

func periodLabel(p *atlas.Period) string {
	if p == nil {
		return "No month"
	}
	return p.Label()
}

// sameGroup: the same month, item and source.
func sameGroup(a, b Doc) bool {
	return periodLabel(a.Period) == periodLabel(b.Period) && a.ItemID == b.ItemID && a.Source == b.Source
}

// sourceLabel says where a document came from.
func sourceLabel(source string) string {
	switch source {
	case portal.SourcePortal:
		return "from the client, through the portal"
	case portal.SourcePractice:
		return "the practice's own"
	case portal.SourceInbox:
		return "by email"
	}
	return source
}

// groupBlocks is one group's heading and its documents, a line each, in
// as few sections as their text fits.
func groupBlocks(v Listing, docs []Doc) []slack.Block {
	item := "Not for an item"
	if docs[0].ItemID != 0 {
		item = blockkit.Escape(blockkit.Truncate(docs[0].Item, 200))
	}
	text := "*" + item + "* · _" + sourceLabel(docs[0].Source) + "_"
	var blocks []slack.Block
	for _, d := range docs {
		line := docLine(v, d)
		if len([]rune(text))+1+len([]rune(line)) > blockkit.MaxSectionText {
			blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, nil))
			text = ""
		}
		if text != "" {
			text += "\n"
		}
		text += line
	}
	return append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, nil))
}

// docLine is "• <link|bank-nov.pdf> · 120 KB · Jane Smith · 3 Dec 2026 14:05".
func docLine(v Listing, d Doc) string {
	name := blockkit.Escape(blockkit.Truncate(d.FileName, maxNameShown))
	if d.URL != "" {
		name = "<" + d.URL + "|" + strings.ReplaceAll(name, "|", "¦") + ">"
	} else {
		name = "*" + name + "*"
	}
	parts := []string{"• " + name, portal.HumanBytes(d.Size)}
	if d.By != "" {
		parts = append(parts, blockkit.Escape(blockkit.Truncate(d.By, 60)))
	}
	loc := v.Loc
	if loc == nil {
		loc = time.UTC
	}
	parts = append(parts, d.At.In(loc).Format("2 Jan 2006 15:04"))
	return strings.Join(parts, " · ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
