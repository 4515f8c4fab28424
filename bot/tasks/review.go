package tasks

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// taskNews is what a review step says: notice where the button was, and
// dm to the person the pack now waits on (none when to is empty).
type taskNews struct{ notice, to, dm string }

// stepTask takes one review step on the task of the button pressed, shows
// the task as it now stands and tells whoever the pack now waits on; a
// refusal is shown instead. The step is saved before anything is shown,
// so the DM goes even when the modal cannot be redrawn.
func (h handlers) stepTask(ctx context.Context, r *slackapp.Request,
	step func(workflow.Store, context.Context, practice.Practice, practice.Member, int64, time.Time) (workflow.Task, error),
	news func(workflow.Task) taskNews) error {
	id, err := h.taskID(r)
	if err != nil {
		return err
	}
	t, err := step(h.Work, ctx, r.Practice, *r.Member, id, r.Now())
	if err != nil {
		return h.refused(ctx, r, id, err)
	}
	n := news(t)
	err = h.afterChange(ctx, r, t, n.notice)
	h.notify(ctx, r, t, n.to, n.dm)
	return err
}

// sendTask hands the pack to its reviewer, who gets a DM.
func (h handlers) sendTask(ctx context.Context, r *slackapp.Request) error {
	return h.stepTask(ctx, r, workflow.Store.SendForReview, func(t workflow.Task) taskNews {
		return taskNews{notice: fmt.Sprintf(":outbox_tray: Sent to %s for review.", blockkit.Escape(t.ReviewerName)),
			to: t.ReviewerSlack, dm: fmt.Sprintf(":eyes: %s sent *%s* for your review.", blockkit.Escape(r.Member.Name), blockkit.Escape(t.Title()))}
	})
}

// approveTask passes review; the preparer gets a DM.
func (h handlers) approveTask(ctx context.Context, r *slackapp.Request) error {
	return h.stepTask(ctx, r, workflow.Store.Approve, func(t workflow.Task) taskNews {
		return taskNews{notice: ":ok_hand: Approved. The delivery items can be ticked now.",
			to: t.PreparerSlack, dm: fmt.Sprintf(":ok_hand: %s approved *%s*. Tick the delivery items, then press *Deliver*.",
				blockkit.Escape(r.Member.Name), blockkit.Escape(t.Title()))}
	})
}

// Delivery is deliverTask, in queries.go: it sends the pack to the
// client as it completes the task.

// askReturn pushes the query form over the task modal.
func (h handlers) askReturn(ctx context.Context, r *slackapp.Request) error {
	return h.askTask(ctx, r, TaskReturnModal)
}

// submitReturn returns the pack with the query, redraws the task modal
// beneath and DMs the preparer.
func (h handlers) submitReturn(ctx context.Context, r *slackapp.Request) error {
	meta, err := h.taskFormMeta(r)
	if err != nil {
		return err
	}
	t, err := h.Work.Return(ctx, r.Practice, *r.Member, meta.TaskID, r.Value(TaskReturnQuery), r.Now())
	if err != nil {
		return onField(TaskReturnQuery, err)
	}
	r.Ack(nil)
	h.redrawParent(ctx, r, meta, t, fmt.Sprintf(":leftwards_arrow_with_hook: Returned to %s with your query.", blockkit.Escape(t.PreparerName)))
	h.notify(ctx, r, t, t.PreparerSlack, fmt.Sprintf(":leftwards_arrow_with_hook: %s returned *%s* with a query:\n>%s",
		blockkit.Escape(r.Member.Name), blockkit.Escape(t.Title()), strings.ReplaceAll(blockkit.Escape(t.ReviewQuery), "\n", "\n>")))
	return nil
}
