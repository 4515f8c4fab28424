package ui

import (
	"strconv"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
)

// OpenTaskButton is the "Open" button that opens a task's window, wherever
// a task is listed.
func OpenTaskButton(id int64) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(ActionTaskOpen, strconv.FormatInt(id, 10), blockkit.Plain("Open", blockkit.MaxButtonText))
}
