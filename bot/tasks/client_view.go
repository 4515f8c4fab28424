package tasks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Asking the client for a document from the task window.
const (
	ActionTaskAsk   = "task.ask" // value: task id; pushes the ask modal
	CallbackTaskAsk = "task.ask.modal"
	// TaskAskWords is the ask modal's input, named as the store's field
	// so that its refusal lands on it.
	TaskAskWords = workflow.FieldItemRequest
)

// TaskDocument is a file sent for a pack, with its download link ("" when
// the portal is not set up).
type TaskDocument struct {
	requests.Document
	URL string
}

// taskDocumentsShown is how many of a pack's documents its window lists;
// taskClientBlocks is the most blocks the requests and documents take.
const (
	taskDocumentsShown = 30
	taskClientBlocks   = 5
)

// taskClientWords is the longest wording of an ad-hoc request the window
// shows, in runes once escaped.
const taskClientWords = 120

// taskFileName is the longest file name the window shows, in runes once
// escaped.
const taskFileName = 80

// humanBytes is a file's size: "812 bytes", "12.5 KB", "3 MB".
func humanBytes(n int64) string {
	trim := func(f float64) string {
		return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(f, 'f', 1, 64), "0"), ".")
	}
	switch {
	case n >= 1<<20:
		return trim(float64(n)/(1<<20)) + " MB"
	case n >= 1<<10:
		return trim(float64(n)/(1<<10)) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// taskSentText says what was emailed to the client and when: "Request
// emailed Wed 2 Dec (2 items) · Reminder Sat 5 Dec (1 item)", then one line
// per request asked ad hoc.
func taskSentText(sent []requests.Sent, loc *time.Location) string {
	var month, adhoc []string
	for _, s := range sent {
		day := s.At.In(loc).Format("Mon 2 Jan")
		n := fmt.Sprintf("%d %s", len(s.Items), ui.Plural(len(s.Items), "item", "items"))
		switch {
		case s.AdHoc:
			words := ""
			if len(s.Items) > 0 {
				words = truncateEscaped(blockkit.Escape(s.Items[0]), taskClientWords)
			}
			line := "Asked " + day
			if s.By != "" {
				line += " by " + blockkit.Escape(s.By)
			}
			adhoc = append(adhoc, line+": _"+words+"_")
		case s.Step == 0:
			month = append(month, "Request emailed "+day+" ("+n+")")
		default:
			month = append(month, "Reminder "+day+" ("+n+")")
		}
	}
	var lines []string
	if len(month) > 0 {
		lines = append(lines, strings.Join(month, " · "))
	}
	// The newest ad-hoc requests, when there are very many.
	if len(adhoc) > 12 {
		lines = append(lines, fmt.Sprintf("%d earlier requests asked from this window", len(adhoc)-12))
		adhoc = adhoc[len(adhoc)-12:]
	}
	lines = append(lines, adhoc...)
	return ":incoming_envelope: *Asked of the client:* " + strings.Join(lines, "\n")
}

// taskClientSection lists what was asked of the client and the files the
// pack has: a context of the requests, then the documents, at most
// taskClientBlocks blocks in all.
func taskClientSection(d TaskModalData, loc *time.Location) []slack.Block {
	var blocks []slack.Block
	if len(d.Sent) > 0 {
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(taskSentText(d.Sent, loc), blockkit.MaxTextObject)))
	}
	if d.DocumentsTotal == 0 {
		return blocks
	}
	head := fmt.Sprintf(":paperclip: *Documents for this pack* · %d %s", d.DocumentsTotal, ui.Plural(d.DocumentsTotal, "file", "files"))
	if d.DocumentsTotal > len(d.Documents) {
		head += fmt.Sprintf(" (the newest %d below)", len(d.Documents))
	}
	if len(d.Documents) > 0 && d.Documents[0].URL != "" {
		head += " · links work for 15 minutes; reopen the task for fresh ones"
	}
	cur := head
	flush := func() {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(cur, blockkit.MaxSectionText), nil, nil))
		cur = ""
	}
	for i, doc := range d.Documents {
		name := truncateEscaped(blockkit.Escape(doc.Name), taskFileName)
		if doc.URL != "" {
			name = "<" + doc.URL + "|" + name + ">"
		} else {
			name = "*" + name + "*"
		}
		line := name + " · " + humanBytes(doc.Size)
		if doc.From != "" {
			line += " · from " + blockkit.Escape(doc.From)
		}
		line += ", " + doc.At.In(loc).Format("2 Jan")
		if doc.Item != "" {
			line += " · _" + truncateEscaped(blockkit.Escape(doc.Item), 60) + "_"
		}
		if cur != "" && len([]rune(cur))+1+len([]rune(line)) > blockkit.MaxSectionText {
			if len(blocks) == taskClientBlocks-1 {
				cur += fmt.Sprintf("\n… and %d more", len(d.Documents)-i)
				break
			}
			flush()
		}
		if cur != "" {
			cur += "\n"
		}
		cur += line
	}
	flush()
	return blocks
}

// TaskAskModal asks what to ask the client for, in their words, naming
// who will be emailed.
func TaskAskModal(t workflow.Task, contacts []requests.Contact, meta TaskMeta) slack.ModalViewRequest {
	input := textInput("words", "Such as: Your VAT return for the quarter to 30 November", workflow.MaxClientRequest, false)
	return formModal(CallbackTaskAsk, "Ask the client", "Ask", meta,
		slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("Ask for a document for *%s*. It is added to stage 1 as a mandatory item, so the pack waits for it, and is ticked when the client uploads it.",
			blockkit.Escape(t.Title())), blockkit.MaxSectionText), nil, nil),
		emailedTo(t, contacts, "with a link to sign in to the portal and upload it."),
		slack.NewInputBlock(TaskAskWords, blockkit.Plain("What to ask for, in the client's words", blockkit.MaxInputLabel), nil, input),
	)
}
