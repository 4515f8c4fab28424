package tasks_test

import (
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/tasks"
	"github.com/atlas-practice/atlas/internal/portal"
)

// Attach a file: a file_input of up to ten files and the box that marks
// them part of the pack, ticked; the window offers the button only to
// whom may attach.
func TestTaskAttachModalGolden(t *testing.T) {
	t.Parallel()
	v := tasks.TaskAttachModal(tkInReview(), tasks.TaskMeta{TaskID: 42, Parent: "V0TASK", Rev: 5})
	blockkittest.GoldenModal(t, "task_attach_modal", v)
	raw := blockkittest.JSON(t, v)
	for _, want := range []string{`"callback_id":"task.attach.modal"`, `"type":"file_input"`, `"max_files":10`, "Files for the pack",
		"Part of the pack for the client", `"initial_options":[{`, `"block_id":"attach_files"`, `"block_id":"attach_in_pack"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("the form lacks %s", want)
		}
	}

	window := func(may bool) string {
		return blockkittest.JSON(t, tasks.TaskModal(tasks.TaskModalData{Task: tkInReview(), Today: tkToday, Loc: london, MayAttach: may}))
	}
	if !strings.Contains(window(true), `"action_id":"task.attach"`) {
		t.Error("the window does not offer Attach a file")
	}
	if strings.Contains(window(false), `"action_id":"task.attach"`) {
		t.Error("the window offers Attach a file to someone who may not")
	}
}

// The notice says what was attached, whether it is marked, and each
// refusal.
func TestAttachedNotice(t *testing.T) {
	t.Parallel()
	got := tasks.AttachedNotice([]portal.SavedFile{{Name: "a<b>.pdf"}, {Name: "c.xlsx"}}, []string{"run.exe is not a kind of file"}, true)
	for _, want := range []string{"Attached 2 files to the pack: a&lt;b&gt;.pdf, c.xlsx. Marked part of the pack", ":x: run.exe is not a kind of file"} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
	got = tasks.AttachedNotice(nil, []string{"big.pdf is larger than 25 MB"}, true)
	if !strings.Contains(got, "Nothing was attached") || !strings.Contains(got, "big.pdf is larger") {
		t.Errorf("nothing attached: %s", got)
	}
	if got := tasks.AttachedNotice([]portal.SavedFile{{Name: "wp.xlsx"}}, nil, false); !strings.Contains(got, "Not part of the pack for the client") {
		t.Errorf("unmarked: %s", got)
	}
}
