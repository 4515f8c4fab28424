package tasks

import (
	"context"
	"errors"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// unreadChecklist is the notice when the drawing a change was made from
// cannot be read back from the payload.
const unreadChecklist = ":arrows_counterclockwise: The checklist could not be read, so nothing was changed. It now shows where things stand; tick again if you still need to."

// tickTask ticks or unticks the items of one checklist element: shown is
// how the element was drawn (its initial options in the payload's view),
// want how the person left it. The store refuses, as stale, a change made
// from a drawing that is no longer true.
func (h handlers) tickTask(ctx context.Context, r *slackapp.Request) error {
	if r.Action == nil || !r.InModal() {
		return atlas.Errorf(atlas.EInvalid, "Tick items in the task's window: %s lists the month's tasks with an Open button.", tasksUsage)
	}
	id, items, ok := ParseTaskItemsBlockID(r.Action.BlockID)
	if !ok {
		return atlas.Errorf(atlas.EInvalid, "That checklist is out of date. Close it and open the task again from %s.", tasksUsage)
	}
	ws := h.Work
	shown, found := shownItems(r.Interaction.View, r.Action.BlockID, items)
	if !found {
		// What the person saw cannot be told, so nothing is written.
		t, err := ws.Task(ctx, r.Practice.ID, id)
		if err != nil {
			return err
		}
		return h.redraw(ctx, r, t, unreadChecklist)
	}
	selected := map[string]bool{}
	for _, o := range r.Action.SelectedOptions {
		selected[o.Value] = true
	}
	want := make(map[int64]bool, len(items))
	for _, it := range items {
		want[it] = selected[ui.ID(it)]
	}
	t, err := ws.Tick(ctx, r.Practice, *r.Member, id, shown, want, r.Now())
	switch {
	case err == nil:
		return h.redraw(ctx, r, t, "")
	case errors.Is(err, workflow.ErrStale):
		return h.redraw(ctx, r, t, ":arrows_counterclockwise: "+atlas.ErrorMessage(err))
	}
	return h.refused(ctx, r, id, err)
}

// shownItems reads, from the view the action came from, which of an
// element's items were drawn ticked.
func shownItems(v slack.View, blockID string, items []int64) (map[int64]bool, bool) {
	for _, b := range v.Blocks.BlockSet {
		in, ok := b.(*slack.InputBlock)
		if !ok || in.BlockID != blockID {
			continue
		}
		el, ok := in.Element.(*slack.CheckboxGroupsBlockElement)
		if !ok {
			return nil, false
		}
		shown := make(map[int64]bool, len(items))
		for _, it := range items {
			shown[it] = false
		}
		for _, o := range el.InitialOptions {
			if id := ui.ParseID(o.Value); id != 0 {
				if _, ok := shown[id]; ok {
					shown[id] = true
				}
			}
		}
		return shown, true
	}
	return nil, false
}

// submitTicks saves the ticks of the whole checklist when the person
// presses Save, judged against how each element was drawn, so a checklist
// someone else changed meanwhile is refreshed, not written over. Save only
// ticks: an item is unticked by its own box, at once. A submission that
// leaves a ticked box empty (a client that does not draw saved ticks) must
// not undo a day's work. The modal stays open with the result.
func (h handlers) submitTicks(ctx context.Context, r *slackapp.Request) error {
	var meta TaskMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.TaskID == 0 || r.Interaction.View.State == nil {
		return atlas.Errorf(atlas.EInvalid, "That checklist is out of date. Close it and open the task again from %s.", tasksUsage)
	}
	shown, want := map[int64]bool{}, map[int64]bool{}
	readable := true
	for blockID, actions := range r.Interaction.View.State.Values {
		id, items, ok := ParseTaskItemsBlockID(blockID)
		if !ok || id != meta.TaskID {
			continue
		}
		drawn, found := shownItems(r.Interaction.View, blockID, items)
		if !found {
			readable = false
			break
		}
		selected := map[string]bool{}
		for _, o := range actions[ActionTaskTick].SelectedOptions {
			selected[o.Value] = true
		}
		for _, it := range items {
			shown[it] = drawn[it]
			if selected[ui.ID(it)] {
				want[it] = true
			}
		}
	}
	ws := h.Work
	var t workflow.Task
	var err error
	notice := ":floppy_disk: Saved."
	if readable {
		t, err = ws.Tick(ctx, r.Practice, *r.Member, meta.TaskID, shown, want, r.Now())
	} else {
		// What the person saw cannot be told, so nothing is written.
		t, err = ws.Task(ctx, r.Practice.ID, meta.TaskID)
		notice = unreadChecklist
	}
	switch {
	case errors.Is(err, workflow.ErrStale):
		notice = ":arrows_counterclockwise: " + atlas.ErrorMessage(err)
	case err != nil && atlas.ErrorCode(err) != atlas.EInternal:
		notice = slackapp.ErrorText(err)
		if t, err = ws.Task(ctx, r.Practice.ID, meta.TaskID); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	v, err := h.taskModal(ctx, r, t, notice, nextRev(meta.Rev))
	if err != nil {
		return err
	}
	r.UpdateModal(v)
	return nil
}
