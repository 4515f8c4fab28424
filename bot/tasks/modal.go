package tasks

import (
	"encoding/json"
	"strings"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// formModal is a form opened from a task's window: its callback, title and
// submit button, a Cancel, and meta in its private metadata.
func formModal(callback, title, submit string, meta TaskMeta, blocks ...slack.Block) slack.ModalViewRequest {
	m, _ := json.Marshal(meta)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callback, PrivateMetadata: string(m),
		Title:  blockkit.Plain(title, blockkit.MaxModalTitle),
		Submit: blockkit.Plain(submit, blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// textInput is a form's text box, with an example as its placeholder.
func textInput(actionID, example string, maxLength int, multiline bool) *slack.PlainTextInputBlockElement {
	input := slack.NewPlainTextInputBlockElement(blockkit.Plain(example, blockkit.MaxPlaceholder), actionID)
	input.Multiline = multiline
	input.MaxLength = maxLength
	return input
}

// emailedTo says who of the client's contacts an email goes to at once,
// followed by then; or, when none receives document requests, warns that
// someone must be added first.
func emailedTo(t workflow.Task, contacts []requests.Contact, then string) slack.Block {
	who := ":warning: " + blockkit.Escape(t.EntityCode) + " has no contact who receives document requests: add one in the client form (`/atlas clients edit " +
		blockkit.Escape(t.EntityCode) + "`) first."
	if len(contacts) > 0 {
		names := make([]string, len(contacts))
		for i, c := range contacts {
			names[i] = blockkit.Escape(c.Name) + " (" + blockkit.Escape(c.Email) + ")"
		}
		who = "Atlas emails it at once to " + strings.Join(names, ", ") + ", " + then
	}
	return slack.NewContextBlock("", blockkit.Markdown(who, blockkit.MaxTextObject))
}
