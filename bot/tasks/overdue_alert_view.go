package tasks

import (
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
)

// OverdueAlertData is one overdue task as its DM tells a person.
type OverdueAlertData struct {
	TaskID      int64
	Title       string // "ACME · Monthly Bookkeeping Pack — Standard · November 2026"
	Stage       string
	Due         time.Time // a date
	DaysOverdue int
	Preparer    string
	AsManager   bool // the person manages the client rather than preparing it
}

// OverdueAlertText is the DM's notification text.
func OverdueAlertText(d OverdueAlertData) string {
	return fmt.Sprintf("Overdue: %s", d.Title)
}

// OverdueAlert is the DM about an overdue task, with a button that opens it.
func OverdueAlert(d OverdueAlertData) []slack.Block {
	why := "You prepare this pack."
	if d.AsManager {
		why = fmt.Sprintf("You manage this client; %s prepares the pack.", blockkit.Escape(d.Preparer))
	}
	text := fmt.Sprintf("%s *%s* is *%d %s overdue* (due %s).\nIt is at %s. %s", ui.ColourOverdue.Emoji(),
		blockkit.Escape(d.Title), d.DaysOverdue, ui.Plural(d.DaysOverdue, "day", "days"), d.Due.Format("Mon 2 Jan"), blockkit.Escape(d.Stage), why)
	return []slack.Block{slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil,
		slack.NewAccessory(ui.OpenTaskButton(d.TaskID).WithStyle(slack.StylePrimary)))}
}
