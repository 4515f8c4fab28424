package tasks

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/queries"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// taskModal draws a task for the caller, with what was asked of the
// client and the files sent for it.
func (h handlers) taskModal(ctx context.Context, r *slackapp.Request, t workflow.Task, notice string, rev int) (slack.ModalViewRequest, error) {
	hist, err := requests.ReadHistory(ctx, h.Work.DB, r.Practice.ID, t.ID, taskDocumentsShown)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	d := TaskModalData{Task: t, Today: today(r), Loc: r.Practice.Location(),
		MayReview: r.Member != nil && t.MayReview(*r.Member, r.Practice), Notice: notice, Rev: rev,
		MayReassign: r.Member != nil && r.Member.Can(atlas.RoleManager),
		MayAsk:      h.portalReady() && r.Member != nil && t.MayMove(*r.Member) && stageOneOpen(t),
		MayAttach:   attachRefusal(t, r) == nil,
		Sent:        hist.Sent, DocumentsTotal: hist.DocumentsTotal}
	if d.Queries, err = queries.ForTask(ctx, h.Work.DB, r.Practice.ID, t.ID); err != nil {
		return slack.ModalViewRequest{}, err
	}
	if d.PackFiles, err = queries.PackFiles(ctx, h.Work.DB, r.Practice.ID, t.ID); err != nil {
		return slack.ModalViewRequest{}, err
	}
	if dl, ok, err := queries.DeliveryOf(ctx, h.Work.DB, r.Practice.ID, t.ID); err != nil {
		return slack.ModalViewRequest{}, err
	} else if ok {
		d.Delivery = &dl
	}
	d.MayQuery = h.portalReady() && r.Member != nil && queries.MayFlag(t, *r.Member) == nil
	for _, doc := range hist.Documents {
		td := TaskDocument{Document: doc}
		if h.portalReady() {
			td.URL = portal.Signer{Secret: h.PortalSecret}.DownloadURL(h.PortalURL, doc.ID, r.Now())
		}
		d.Documents = append(d.Documents, td)
	}
	return TaskModal(d), nil
}

// portalReady says whether the client portal is set up: its address and
// the secret that signs its links.
func (h handlers) portalReady() bool { return h.PortalURL != "" && len(h.PortalSecret) > 0 }

// stageOneOpen says whether items may be added to a pack's stage 1: it is
// neither delivered, in review nor approved.
func stageOneOpen(t workflow.Task) bool {
	return t.CompletedAt == nil && (t.ReviewState == workflow.ReviewNone || t.ReviewState == workflow.ReviewReturned)
}

// taskID reads the task id of a task button.
func (h handlers) taskID(r *slackapp.Request) (int64, error) {
	id := int64(0)
	if r.Action != nil {
		id = ui.ParseID(r.Action.Value)
	}
	if id <= 0 {
		return 0, atlas.Errorf(atlas.EInvalid, "That button has expired. %s lists the month's tasks.", tasksUsage)
	}
	return id, nil
}

// openTask opens a task's modal: pushed onto a modal it was opened from,
// else opened afresh.
func (h handlers) openTask(ctx context.Context, r *slackapp.Request) error {
	id, err := h.taskID(r)
	if err != nil {
		return err
	}
	t, err := h.Work.Task(ctx, r.Practice.ID, id)
	if err != nil {
		return err
	}
	v, err := h.taskModal(ctx, r, t, "", 0)
	if err != nil {
		return err
	}
	return r.OpenModal(v)
}

// redraw replaces the task modal the request came from with t as it now
// stands and notice at the top.
func (h handlers) redraw(ctx context.Context, r *slackapp.Request, t workflow.Task, notice string) error {
	var meta TaskMeta
	_ = r.PrivateMetadata(&meta)
	return h.redrawView(ctx, r, r.Interaction.View.ID, t, notice, nextRev(meta.Rev))
}

func (h handlers) redrawView(ctx context.Context, r *slackapp.Request, viewID string, t workflow.Task, notice string, rev int) error {
	// No hash: the task is read after every change, so the last drawing is
	// the freshest, and refusing it would leave an older one on screen.
	v, err := h.taskModal(ctx, r, t, notice, rev)
	if err != nil {
		return err
	}
	if err := r.UpdateView(ctx, v, "", viewID); err != nil {
		return fmt.Errorf("update task modal %s: %w", viewID, err)
	}
	return nil
}

// refused shows why a change was refused: in the modal, with the task as
// it now stands (a modal cannot take an ephemeral message), or as a reply
// when the button was elsewhere. Internal errors go to the router.
func (h handlers) refused(ctx context.Context, r *slackapp.Request, taskID int64, err error) error {
	if atlas.ErrorCode(err) == atlas.EInternal || !r.InModal() {
		return err
	}
	t, lerr := h.Work.Task(ctx, r.Practice.ID, taskID)
	if lerr != nil {
		return err
	}
	return h.redraw(ctx, r, t, slackapp.ErrorText(err))
}

// afterChange shows a task just changed: in the modal the button was in,
// or else as a reply.
func (h handlers) afterChange(ctx context.Context, r *slackapp.Request, t workflow.Task, notice string) error {
	if r.InModal() {
		return h.redraw(ctx, r, t, notice)
	}
	return r.Reply(slackapp.Text(notice + " " + blockkit.Escape(t.Title())))
}

// notify DMs a person about a task with a button to open it. A DM that
// cannot be sent is logged, never undoing the change it was about; nobody
// is told about their own action.
func (h handlers) notify(ctx context.Context, r *slackapp.Request, t workflow.Task, userID, text string) {
	if userID == "" || userID == r.UserID {
		return
	}
	if err := r.DM(ctx, userID, slackapp.Message{Text: text, Blocks: TaskNotice(text, t.ID)}); err != nil {
		r.Log().Warn("task DM not sent", "practice", r.Practice.ID, "task", t.ID, "user", userID, "err", err)
	}
}

// askTask opens a form about the task of the button pressed, such as
// the return query: pushed over the task modal, which it names as its
// parent so that submitting it redraws the task beneath.
func (h handlers) askTask(ctx context.Context, r *slackapp.Request, form func(workflow.Task, TaskMeta) slack.ModalViewRequest) error {
	id, err := h.taskID(r)
	if err != nil {
		return err
	}
	t, err := h.Work.Task(ctx, r.Practice.ID, id)
	if err != nil {
		return err
	}
	meta := TaskMeta{TaskID: id}
	if r.InModal() {
		var parent TaskMeta
		_ = r.PrivateMetadata(&parent)
		meta.Parent, meta.Rev = r.Interaction.View.ID, parent.Rev
	}
	return r.OpenModal(form(t, meta))
}

// taskFormMeta reads the metadata of a form askTask opened.
func (h handlers) taskFormMeta(r *slackapp.Request) (TaskMeta, error) {
	var meta TaskMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.TaskID == 0 {
		return meta, atlas.Errorf(atlas.EInvalid, "That form has expired. Open the task again from %s.", tasksUsage)
	}
	return meta, nil
}

// onField puts a refusal that names no field of its own on field, so it
// shows on the form, which stays open, rather than in a DM the person may
// not see.
func onField(field string, err error) error {
	if atlas.ErrorCode(err) != atlas.EInternal && atlas.ErrorField(err) == "" {
		return atlas.FieldError(field, "%s", atlas.ErrorMessage(err))
	}
	return err
}

// redrawParent redraws the task modal beneath a form just submitted. The
// change is saved by then, so a modal that cannot be redrawn is logged,
// not reported.
func (h handlers) redrawParent(ctx context.Context, r *slackapp.Request, meta TaskMeta, t workflow.Task, notice string) {
	if meta.Parent == "" {
		return
	}
	if err := h.redrawView(ctx, r, meta.Parent, t, notice, nextRev(meta.Rev)); err != nil {
		r.Log().Warn("task modal not redrawn", "task", t.ID, "form", r.RouteKey, "err", err)
	}
}

// nextRev is the revision of a redrawn checklist. It goes into the block
// ids so that Slack draws the boxes as saved rather than as last clicked;
// two redraws from the same drawing (two quick clicks) must not share one,
// so it takes a random step rather than plus one.
func nextRev(prev int) int { return prev + 1 + rand.IntN(1<<20) }
