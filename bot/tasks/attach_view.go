package tasks

import (
	"fmt"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Attaching the practice's files to a pack, from the task window.
const (
	ActionTaskAttach   = "task.attach" // value: task id; pushes the attach modal
	CallbackTaskAttach = "task.attach.modal"

	// TaskAttachFiles is the attach modal's file_input block;
	// TaskAttachInPack its checkbox, checked (TaskAttachInPackValue) to mark
	// the files part of the pack for the client.
	TaskAttachFiles       = "attach_files"
	TaskAttachInPack      = "attach_in_pack"
	TaskAttachInPackValue = "in_pack"

	// TaskAttachMaxFiles is the most files one submission takes.
	TaskAttachMaxFiles = 10
)

// TaskAttachModal asks for the practice's files to keep with the pack,
// among the client's documents of its month, and whether they are part
// of what is delivered (yes unless unticked).
func TaskAttachModal(t workflow.Task, meta TaskMeta) slack.ModalViewRequest {
	files := slack.NewFileInputBlockElement("files")
	files.MaxFiles = TaskAttachMaxFiles
	in := slack.NewOptionBlockObject(TaskAttachInPackValue, blockkit.Plain("Part of the pack for the client", blockkit.MaxOptionText),
		blockkit.Plain("Delivered to the client with the pack. Untick for working papers.", blockkit.MaxOptionDescription))
	box := slack.NewCheckboxGroupsBlockElement("in_pack", in)
	box.InitialOptions = []*slack.OptionBlockObject{in}
	pack := slack.NewInputBlock(TaskAttachInPack, blockkit.Plain("Delivery", blockkit.MaxInputLabel), nil, box)
	pack.Optional = true
	return formModal(CallbackTaskAttach, "Attach a file", "Attach", meta,
		slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("Keep the practice's files with *%s*: they join %s's documents for %s, as the practice's own, and show in the window under _The pack for the client_.",
			blockkit.Escape(t.Title()), blockkit.Escape(t.EntityCode), t.Period.Label()), blockkit.MaxSectionText), nil, nil),
		slack.NewInputBlock(TaskAttachFiles, blockkit.Plain("Files for the pack", blockkit.MaxInputLabel),
			blockkit.Plain(fmt.Sprintf("Up to %d files of %s, each up to %s.", TaskAttachMaxFiles, portal.AllowedKinds(), humanBytes(portal.MaxFileBytes)),
				blockkit.MaxInputHint), files),
		pack,
	)
}
