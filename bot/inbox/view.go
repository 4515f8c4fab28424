package inbox

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/inbox"
	"github.com/atlas-practice/atlas/internal/portal"
)

// Action and callback ids.
const (
	ActionAssign   = "inbox.assign"  // value: the message's id
	ActionDiscard  = "inbox.discard" // value: the message's id
	ActionItem     = "inbox.item"    // the assign form's item type-ahead
	CallbackAssign = "inbox.assign"
	AssignClient   = "inbox_client"
	AssignItem     = "inbox_item"
)

// shown is how many waiting emails /inbox lists: each takes three blocks,
// so a page stays well within a message's 50.
const shown = 10

// Listing is /inbox's answer.
type Listing struct {
	Pending []inbox.Pending
	Total   int
	Address string // the inbox's address as senders write it; "" when not known
	Loc     *time.Location
}

// ListMessage lists the waiting emails, the oldest first, each with
// Assign and Discard.
func ListMessage(v Listing) slackapp.Message {
	title := "Inbox · nothing waiting"
	if v.Total > 0 {
		title = fmt.Sprintf("Inbox · %d %s waiting for a client", v.Total, plural(v.Total, "email", "emails"))
	}
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(title, blockkit.MaxHeaderText))}
	if v.Total == 0 {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(
			"Every email has found its client. Mail that names no client — not by its plus address, its sender or its subject — waits here.", 0), nil, nil))
	}
	for i, p := range v.Pending {
		if i == shown {
			break
		}
		var b strings.Builder
		subject := p.Subject
		if subject == "" {
			subject = "(no subject)"
		}
		fmt.Fprintf(&b, "*%s*\nFrom %s · %s", blockkit.Escape(blockkit.Truncate(subject, 200)), sender(p), p.ReceivedAt.In(v.Loc).Format("Mon 2 Jan 15:04"))
		if p.Snippet != "" {
			b.WriteString("\n> " + blockkit.Escape(blockkit.Truncate(p.Snippet, 300)))
		}
		if len(p.Files) == 0 {
			b.WriteString("\n_No files attached_")
		}
		for j, f := range p.Files {
			if j == 8 {
				fmt.Fprintf(&b, "\n📎 and %d more", len(p.Files)-j)
				break
			}
			fmt.Fprintf(&b, "\n📎 %s · %s", blockkit.Escape(blockkit.Truncate(f.Name, 120)), portal.HumanBytes(f.Size))
		}
		if len(p.Skipped) > 0 {
			b.WriteString("\n_Not kept (a kind of file we do not take): " + blockkit.Escape(blockkit.Truncate(strings.Join(p.Skipped, ", "), 300)) + "_")
		}
		id := ui.ID(p.ID)
		discard := slack.NewButtonBlockElement(ActionDiscard, id, blockkit.Plain("Discard", blockkit.MaxButtonText)).WithStyle(slack.StyleDanger)
		discard.Confirm = slack.NewConfirmationBlockObject(blockkit.Plain("Discard this email?", 100),
			blockkit.Plain("Its files are deleted. This cannot be undone.", 300), blockkit.Plain("Discard", 30), blockkit.Plain("Keep", 30))
		blocks = append(blocks,
			slack.NewDividerBlock(),
			slack.NewSectionBlock(blockkit.Markdown(b.String(), blockkit.MaxSectionText), nil, nil),
			slack.NewActionBlock("inbox.actions."+id,
				slack.NewButtonBlockElement(ActionAssign, id, blockkit.Plain("Assign", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary),
				discard))
	}
	var foot []string
	if more := v.Total - min(len(v.Pending), shown); more > 0 {
		foot = append(foot, fmt.Sprintf("%d more after these: assign or discard some, then `/inbox` again.", more))
	}
	if v.Address != "" {
		foot = append(foot, fmt.Sprintf("Clients email documents to %s; `%s` files them for the client with that code at once.",
			blockkit.Escape(v.Address), blockkit.Escape(plusAddress(v.Address))))
	}
	if len(foot) > 0 {
		blocks = append(blocks, slack.NewContextBlock("inbox.foot", blockkit.Markdown(strings.Join(foot, " "), 0)))
	}
	return slackapp.Message{Text: title, Blocks: blocks}
}

// plusAddress is docs+CODE@domain for docs@domain.
func plusAddress(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return addr
	}
	return local + "+CODE@" + domain
}

func sender(p inbox.Pending) string {
	if p.FromName != "" {
		return blockkit.Escape(blockkit.Truncate(p.FromName, 100)) + " &lt;" + blockkit.Escape(p.From) + "&gt;"
	}
	return blockkit.Escape(p.From)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// AssignModal is the form that files a waiting email for a client: the
// client (type-ahead) and, optionally, the item of its open pack the files
// are for.
func AssignModal(p inbox.Pending, loc *time.Location) slack.ModalViewRequest {
	minQuery := 0
	client := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, blockkit.Plain("Type a client's code or name", blockkit.MaxPlaceholder), ui.ActionClientSearch)
	client.MinQueryLength = &minQuery
	item := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, blockkit.Plain("The client's requested items", blockkit.MaxPlaceholder), ActionItem)
	item.MinQueryLength = &minQuery
	itemBlock := slack.NewInputBlock(AssignItem, blockkit.Plain("For the item", blockkit.MaxInputLabel),
		blockkit.Plain("Optional: pick the client first. The item is ticked. Without one, the files are kept for the client's open pack, matched to an item by their names where they say which.", blockkit.MaxInputHint), item)
	itemBlock.Optional = true
	subject := p.Subject
	if subject == "" {
		subject = "(no subject)"
	}
	files := fmt.Sprintf("%d %s", len(p.Files), plural(len(p.Files), "file", "files"))
	about := fmt.Sprintf("*%s*\nFrom %s · %s · %s", blockkit.Escape(blockkit.Truncate(subject, 200)), sender(p),
		p.ReceivedAt.In(loc).Format("Mon 2 Jan 15:04"), files)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackAssign,
		Title:           blockkit.Plain("Assign an email", blockkit.MaxModalTitle),
		Submit:          blockkit.Plain("Assign", blockkit.MaxModalButton),
		Close:           blockkit.Plain("Cancel", blockkit.MaxModalButton),
		PrivateMetadata: ui.ID(p.ID),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(blockkit.Markdown(about, blockkit.MaxSectionText), nil, nil),
			slack.NewInputBlock(AssignClient, blockkit.Plain("Client", blockkit.MaxInputLabel), nil, client),
			itemBlock,
		}},
	}
}

// ItemOptions are the assign form's items: "Bank statements · November
// 2026", a ticked one marked.
func ItemOptions(items []inbox.Item) []*slack.OptionBlockObject {
	out := []*slack.OptionBlockObject{}
	for _, it := range items {
		if len(out) == blockkit.MaxSelectOptions {
			break
		}
		label := it.Text + " · " + it.Period.Label()
		if it.Done {
			label += " (ticked)"
		}
		out = append(out, slack.NewOptionBlockObject(ui.ID(it.ID), blockkit.Plain(label, blockkit.MaxOptionText), nil))
	}
	return out
}

// ReceivedMessage is the preparer's DM: "📧 Acme Trading Ltd emailed
// bank-nov.pdf for Bank statements (November 2026)", with Open on the
// pack.
func ReceivedMessage(r portal.Received) slackapp.Message {
	text := "📧 " + r.Client + " emailed " + r.FileName
	md := "📧 *" + blockkit.Escape(r.Client) + "* emailed *" + blockkit.Escape(r.FileName) + "*"
	if r.Item != "" {
		text += " for " + r.Item
		md += " for " + blockkit.Escape(r.Item)
	}
	if r.Period != nil {
		text += fmt.Sprintf(" (%s)", r.Period.Label())
		md += fmt.Sprintf(" (%s)", r.Period.Label())
	}
	if r.Contact != "" {
		md += "\n_From " + blockkit.Escape(r.Contact) + ", to the practice's inbox_"
	} else {
		md += "\n_To the practice's inbox_"
	}
	section := slack.NewSectionBlock(blockkit.Markdown(md, blockkit.MaxSectionText), nil, nil)
	if r.TaskID != 0 {
		section.Accessory = slack.NewAccessory(ui.OpenTaskButton(r.TaskID))
	}
	return slackapp.Message{Text: blockkit.Truncate(text, 3000), Blocks: []slack.Block{section}}
}
