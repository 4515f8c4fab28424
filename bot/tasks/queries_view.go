package tasks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/queries"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Queries to the client and the pack delivered to it, in the task window.
const (
	ActionTaskQuery           = "task.query" // value: task id; pushes the query modal
	CallbackTaskQuery         = "task.query.modal"
	ActionTaskDeliverOverride = "task.deliver.override" // value: task id; pushes the override modal
	CallbackTaskDeliver       = "task.deliver.modal"
	// ActionTaskPackFile marks a practice file part of the pack or not;
	// value: "<document id>:1" to mark it, ":0" to unmark it.
	ActionTaskPackFile = "task.pack.file"

	// TaskQueryText and TaskOverrideNote are the modals' inputs, named as
	// the store's fields so that refusals land on them.
	TaskQueryText    = queries.FieldText
	TaskOverrideNote = queries.FieldNote
)

// taskPackFilesShown is how many of the practice's files of a pack the
// window lists, each with its toggle; taskQueryLine the longest query or
// answer it shows, in runes once escaped; taskQueriesShown how many
// queries.
const (
	taskPackFilesShown = 6
	taskQueryLine      = 300
	taskQueriesShown   = 8
)

// OpenQueries counts the open queries of a list.
func OpenQueries(qs []queries.Query) int {
	n := 0
	for _, q := range qs {
		if q.Open() {
			n++
		}
	}
	return n
}

func quoteLine(s string) string {
	return truncateEscaped(strings.Join(strings.Fields(blockkit.Escape(s)), " "), taskQueryLine)
}

// taskQueryBlocks lists a pack's queries to the client: the open ones,
// then those answered, closed or delivered past; the newest
// taskQueriesShown of them.
func taskQueryBlocks(qs []queries.Query, loc *time.Location) []slack.Block {
	if len(qs) == 0 {
		return nil
	}
	day := func(t *time.Time) string { return t.In(loc).Format("Mon 2 Jan") }
	var open, done []string
	shown := qs
	if len(shown) > taskQueriesShown {
		shown = shown[len(shown)-taskQueriesShown:]
	}
	for _, q := range shown {
		asked := fmt.Sprintf("_%s_ — asked by %s, %s", quoteLine(q.Text), blockkit.Escape(q.AskedBy), day(&q.AskedAt))
		switch {
		case q.Open():
			open = append(open, "• "+asked)
		case q.AnsweredAt != nil:
			line := "• " + asked + "\n   :speech_balloon: " + blockkit.Escape(q.AnsweredBy) + ", " + day(q.AnsweredAt)
			if q.Answer != "" {
				line += ": " + quoteLine(q.Answer)
			}
			if n := len(q.Files); n > 0 {
				line += fmt.Sprintf(" · :paperclip: %d %s", n, ui.Plural(n, "file", "files"))
			}
			done = append(done, line)
		case q.OverriddenAt != nil:
			done = append(done, "• "+asked+"\n   :fast_forward: delivered past by "+blockkit.Escape(q.OverriddenBy)+": "+quoteLine(q.OverrideNote))
		default:
			done = append(done, "• "+asked+" · closed")
		}
	}
	var blocks []slack.Block
	head := ""
	if n := len(qs) - len(shown); n > 0 {
		head = fmt.Sprintf(" (the newest %d of %d)", len(shown), len(qs))
	}
	if len(open) > 0 {
		text := fmt.Sprintf(":question: *Open queries to the client: %d*%s\n", len(open), head) + strings.Join(open, "\n")
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(blockkit.Truncate(text, blockkit.MaxSectionText), blockkit.MaxSectionText), nil, nil))
		head = ""
	}
	if len(done) > 0 {
		text := ":speech_balloon: *Queries answered or closed*" + head + "\n" + strings.Join(done, "\n")
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(blockkit.Truncate(text, blockkit.MaxSectionText), blockkit.MaxSectionText), nil, nil))
	}
	return blocks
}

// taskPackBlocks lists the practice's files of the pack, each with its
// toggle while the pack is open, and what its delivery sent once
// delivered.
func taskPackBlocks(d TaskModalData, loc *time.Location) []slack.Block {
	if d.Delivery != nil {
		dl := d.Delivery
		text := fmt.Sprintf(":package: *Delivered to the client* %s by %s, by %s: %s\nTo %s",
			dl.At.In(loc).Format("Mon 2 Jan 15:04"), blockkit.Escape(dl.By), deliveryMethodLabel(dl.Method),
			blockkit.Escape(strings.Join(dl.Files, ", ")), blockkit.Escape(strings.Join(dl.Recipients, ", ")))
		if dl.Note != "" {
			text += "\n:fast_forward: Delivered past open queries: _" + quoteLine(dl.Note) + "_"
		}
		return []slack.Block{slack.NewSectionBlock(blockkit.Markdown(blockkit.Truncate(text, blockkit.MaxSectionText), blockkit.MaxSectionText), nil, nil)}
	}
	if len(d.PackFiles) == 0 {
		if d.Task.CompletedAt != nil || (d.Task.ReviewState != workflow.ReviewRequested && d.Task.ReviewState != workflow.ReviewApproved) {
			return nil
		}
		return []slack.Block{slack.NewContextBlock("", blockkit.Markdown(
			":package: *The pack for the client:* no file of the practice's yet. Press *Attach a file* (or save the management accounts to the client's documents for this month); they show here to be marked part of the pack.", 0))}
	}
	marked := 0
	for _, f := range d.PackFiles {
		if f.InPack {
			marked++
		}
	}
	blocks := []slack.Block{slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf(
		":package: *The pack for the client* · %d of %d %s marked to deliver", marked, len(d.PackFiles), ui.Plural(len(d.PackFiles), "file", "files")), 0), nil, nil)}
	shown := d.PackFiles
	if len(shown) > taskPackFilesShown {
		shown = shown[:taskPackFilesShown]
	}
	for _, f := range shown {
		mark := ":white_large_square:"
		label, value := "Part of the pack", ":1"
		if f.InPack {
			mark, label, value = ":ballot_box_with_check:", "Leave out", ":0"
		}
		text := mark + " " + truncateEscaped(blockkit.Escape(f.Name), taskFileName) + " · " + humanBytes(f.Size)
		var acc *slack.Accessory
		if d.Task.CompletedAt == nil {
			acc = slack.NewAccessory(slack.NewButtonBlockElement(ActionTaskPackFile, strconv.FormatInt(f.ID, 10)+value, blockkit.Plain(label, blockkit.MaxButtonText)))
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, acc))
	}
	if n := len(d.PackFiles) - len(shown); n > 0 {
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(fmt.Sprintf("%d more %s not shown.", n, ui.Plural(n, "file", "files")), 0)))
	}
	return blocks
}

func deliveryMethodLabel(m string) string {
	switch m {
	case "portal":
		return "the portal"
	case "both":
		return "email and the portal"
	}
	return "email"
}

// ParsePackFileValue reads a pack file toggle's value.
func ParsePackFileValue(v string) (docID int64, in bool, ok bool) {
	id, flag, found := strings.Cut(v, ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if !found || err != nil || n <= 0 || (flag != "0" && flag != "1") {
		return 0, false, false
	}
	return n, flag == "1", true
}

// TaskQueryModal asks what to ask the client, naming who will be
// emailed.
func TaskQueryModal(t workflow.Task, contacts []requests.Contact, meta TaskMeta) slack.ModalViewRequest {
	input := textInput("text", "Such as: What was the £2,400 paid to Smith Ltd on 14 November for?", queries.MaxText, true)
	return formModal(CallbackTaskQuery, "Query the client", "Send", meta,
		slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("Ask the client a question about *%s*. The pack is not delivered while it is open, unless the reviewer delivers anyway with a note.",
			blockkit.Escape(t.Title())), blockkit.MaxSectionText), nil, nil),
		emailedTo(t, contacts, "with a link to answer it in the portal. The answer comes to "+blockkit.Escape(t.PreparerName)+" by DM."),
		slack.NewInputBlock(TaskQueryText, blockkit.Plain("The question", blockkit.MaxInputLabel), nil, input),
	)
}

// TaskDeliverOverrideModal asks the reviewer why the pack goes with
// queries still open.
func TaskDeliverOverrideModal(t workflow.Task, open []queries.Query, meta TaskMeta) slack.ModalViewRequest {
	var lines []string
	for i, q := range open {
		if i == 5 {
			lines = append(lines, fmt.Sprintf("… and %d more", len(open)-i))
			break
		}
		lines = append(lines, "• _"+quoteLine(q.Text)+"_")
	}
	input := textInput("note", "Such as: answered by phone on 8 December; nothing changes.", queries.MaxNote, true)
	return formModal(CallbackTaskDeliver, "Deliver anyway", "Deliver", meta,
		slack.NewSectionBlock(blockkit.Markdown(blockkit.Truncate(fmt.Sprintf("*%s* has %d open %s to the client:\n%s",
			blockkit.Escape(t.Title()), len(open), ui.Plural(len(open), "query", "queries"), strings.Join(lines, "\n")), blockkit.MaxSectionText), blockkit.MaxSectionText), nil, nil),
		slack.NewInputBlock(TaskOverrideNote, blockkit.Plain("Why deliver without the answer", blockkit.MaxInputLabel),
			blockkit.Plain("Kept with the delivery and on each open query.", blockkit.MaxInputHint), input),
	)
}

// AnsweredText is the preparer's DM when a client answers a query.
func AnsweredText(a queries.Answered) string {
	return a.Client + " answered your query: " + a.Text
}

// AnsweredMessage is "💬 Acme Trading Ltd answered your query: …", the
// answer quoted, with Open on the pack.
func AnsweredMessage(a queries.Answered) slackapp.Message {
	md := fmt.Sprintf(":speech_balloon: *%s* answered your query about %s: _%s_", blockkit.Escape(a.Client), a.Period.Label(), quoteLine(a.Text))
	if a.Answer != "" {
		md += "\n>" + strings.ReplaceAll(truncateEscaped(blockkit.Escape(a.Answer), 2000), "\n", "\n>")
	}
	for i, f := range a.Files {
		if i == 5 {
			md += fmt.Sprintf("\n… and %d more files", len(a.Files)-i)
			break
		}
		md += "\n:paperclip: " + truncateEscaped(blockkit.Escape(f.Name), taskFileName) + " · " + humanBytes(f.Size)
	}
	if a.AnsweredBy != "" {
		md += "\n_From " + blockkit.Escape(a.AnsweredBy) + " through the portal_"
	}
	section := slack.NewSectionBlock(blockkit.Markdown(blockkit.Truncate(md, blockkit.MaxSectionText), blockkit.MaxSectionText), nil,
		slack.NewAccessory(ui.OpenTaskButton(a.TaskID).WithStyle(slack.StylePrimary)))
	return slackapp.Message{Text: blockkit.Truncate(AnsweredText(a), 3000), Blocks: []slack.Block{section}}
}
