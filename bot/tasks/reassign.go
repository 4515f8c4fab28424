package tasks

import (
	"context"
	"fmt"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

// askReassign pushes (or opens) the form that gives one pack to other
// people.
func (h handlers) askReassign(ctx context.Context, r *slackapp.Request) error {
	return h.askTask(ctx, r, TaskReassignModal)
}

// submitReassign moves one pack to the people picked, tells the newcomers,
// and redraws the task underneath.
func (h handlers) submitReassign(ctx context.Context, r *slackapp.Request) error {
	meta, err := h.taskFormMeta(r)
	if err != nil {
		return err
	}
	ps := h.Practice
	var errs atlas.FieldErrors
	pick := func(field string) (practice.Member, error) {
		user := r.Value(field)
		if user == "" {
			errs = append(errs, atlas.FieldError(field, "Pick someone on the team."))
			return practice.Member{}, nil
		}
		m, err := ps.MemberBySlackID(ctx, r.Practice.ID, atlas.SlackUserID(user))
		if atlas.ErrorCode(err) == atlas.ENotFound {
			errs = append(errs, atlas.FieldError(field, "<@%s> is not an active member of the team. `/atlas team` lists who is.", user))
			return m, nil
		}
		return m, err
	}
	prep, err := pick(TaskReassignPreparer)
	if err != nil {
		return err
	}
	rev, err := pick(TaskReassignReviewer)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return errs
	}
	ws := h.Work
	// Who had the pack, so that only newcomers are told. It is read apart
	// from the change (Reassign does not say who had it), so a
	// reassignment made in between can misjudge who is new.
	before, err := ws.Task(ctx, r.Practice.ID, meta.TaskID)
	if err != nil {
		return err
	}
	t, err := ws.Reassign(ctx, r.Practice, *r.Member, meta.TaskID, prep.ID, rev.ID, r.Now())
	if err != nil {
		return onField(TaskReassignReviewer, err)
	}
	r.Ack(nil)
	h.redrawParent(ctx, r, meta, t, fmt.Sprintf(":busts_in_silhouette: %s prepares and %s reviews this pack now.",
		blockkit.Escape(t.PreparerName), blockkit.Escape(t.ReviewerName)))
	if t.PreparerID != before.PreparerID {
		h.notify(ctx, r, t, t.PreparerSlack, fmt.Sprintf(":busts_in_silhouette: %s gave you *%s* to prepare.", blockkit.Escape(r.Member.Name), blockkit.Escape(t.Title())))
	}
	if t.ReviewerID != before.ReviewerID {
		h.notify(ctx, r, t, t.ReviewerSlack, fmt.Sprintf(":busts_in_silhouette: %s gave you *%s* to review.", blockkit.Escape(r.Member.Name), blockkit.Escape(t.Title())))
	}
	return nil
}
