package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/queries"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// noPortalQuery is the answer when the client portal is not set up.
const noPortalQuery = "Atlas cannot query clients until the client portal is set up (PORTAL_URL and PORTAL_SECRET)."

// linker is the portal's signer, or nil when the portal is not set up.
func (h handlers) linker() requests.Linker {
	if !h.portalReady() {
		return nil
	}
	return portal.Signer{Secret: h.PortalSecret}
}

// askQuery pushes (or opens) the form that queries the pack's client,
// naming the contacts who will be emailed.
func (h handlers) askQuery(ctx context.Context, r *slackapp.Request) error {
	if !h.portalReady() {
		return atlas.Errorf(atlas.EInvalid, noPortalQuery)
	}
	var cerr error
	err := h.askTask(ctx, r, func(t workflow.Task, meta TaskMeta) slack.ModalViewRequest {
		var contacts []requests.Contact
		contacts, cerr = requests.Contacts(ctx, h.Work.DB, r.Practice.ID, t.EntityID)
		return TaskQueryModal(t, contacts, meta)
	})
	if cerr != nil {
		return cerr
	}
	return err
}

// submitQuery stores the query and queues its emails, then redraws the
// task beneath. A refusal shows on the form, and nothing is saved.
func (h handlers) submitQuery(ctx context.Context, r *slackapp.Request) error {
	meta, err := h.taskFormMeta(r)
	if err != nil {
		return err
	}
	if !h.portalReady() {
		return atlas.FieldError(TaskQueryText, noPortalQuery)
	}
	f, err := queries.Flag(ctx, h.Work.DB, h.linker(), h.PortalURL, r.Practice, *r.Member, meta.TaskID, r.Value(TaskQueryText), r.Now())
	if err != nil {
		return onField(TaskQueryText, err)
	}
	r.Ack(nil)
	t, err := h.Work.Task(ctx, r.Practice.ID, meta.TaskID)
	if err != nil {
		r.Log().Warn("task not read after a query", "task", meta.TaskID, "err", err)
		return nil
	}
	h.redrawParent(ctx, r, meta, t, fmt.Sprintf(":question: Query sent to %s: the email goes to %d %s. The answer comes to %s by DM.",
		blockkit.Escape(t.EntityCode), len(f.Contacts), ui.Plural(len(f.Contacts), "contact", "contacts"), blockkit.Escape(t.PreparerName)))
	return nil
}

// deliver delivers the pack of the button pressed (or the override form):
// the marked files go to the client in the delivery's transaction.
func (h handlers) deliver(ctx context.Context, r *slackapp.Request, taskID int64, note string) (workflow.Task, queries.Delivered, error) {
	var d queries.Delivered
	t, err := h.Work.DeliverWith(ctx, r.Practice, *r.Member, taskID, r.Now(), func(tx pgx.Tx, t workflow.Task) error {
		var err error
		d, err = queries.Deliver(ctx, tx, t, queries.DeliverOptions{Practice: r.Practice, Actor: *r.Member, OverrideNote: note,
			Signer: h.linker(), PortalURL: h.PortalURL, Now: r.Now()})
		return err
	})
	return t, d, err
}

func deliveredNotice(d queries.Delivered) string {
	how := "emailed"
	switch d.Method {
	case "portal":
		how = "published in the portal and the link emailed"
	case "both":
		how = "emailed and published in the portal"
	}
	n := len(d.Files)
	text := fmt.Sprintf(":tada: Delivered. The task is complete: %d %s %s to %s.", n, ui.Plural(n, "file", "files"), how,
		blockkit.Escape(strings.Join(d.Recipients, ", ")))
	if d.Overridden > 0 {
		text += fmt.Sprintf(" %d open %s closed with your note.", d.Overridden, ui.Plural(d.Overridden, "query", "queries"))
	}
	return text
}

// deliverTask completes an approved task and sends its pack.
func (h handlers) deliverTask(ctx context.Context, r *slackapp.Request) error {
	id, err := h.taskID(r)
	if err != nil {
		return err
	}
	t, d, err := h.deliver(ctx, r, id, "")
	if err != nil {
		return h.refused(ctx, r, id, err)
	}
	return h.afterChange(ctx, r, t, deliveredNotice(d))
}

// askOverride pushes the form that delivers past open queries.
func (h handlers) askOverride(ctx context.Context, r *slackapp.Request) error {
	var qerr error
	err := h.askTask(ctx, r, func(t workflow.Task, meta TaskMeta) slack.ModalViewRequest {
		var qs []queries.Query
		qs, qerr = queries.ForTask(ctx, h.Work.DB, r.Practice.ID, t.ID)
		var open []queries.Query
		for _, q := range qs {
			if q.Open() {
				open = append(open, q)
			}
		}
		return TaskDeliverOverrideModal(t, open, meta)
	})
	if qerr != nil {
		return qerr
	}
	return err
}

// submitOverride delivers with the reviewer's note.
func (h handlers) submitOverride(ctx context.Context, r *slackapp.Request) error {
	meta, err := h.taskFormMeta(r)
	if err != nil {
		return err
	}
	note := strings.TrimSpace(r.Value(TaskOverrideNote))
	if note == "" {
		return atlas.FieldError(TaskOverrideNote, "Say why the pack goes without the answer.")
	}
	t, d, err := h.deliver(ctx, r, meta.TaskID, note)
	if err != nil {
		return onField(TaskOverrideNote, err)
	}
	r.Ack(nil)
	h.redrawParent(ctx, r, meta, t, deliveredNotice(d))
	return nil
}

// togglePackFile marks a practice file part of the pack, or not, and
// redraws the window.
func (h handlers) togglePackFile(ctx context.Context, r *slackapp.Request) error {
	var meta TaskMeta
	_ = r.PrivateMetadata(&meta)
	docID, in, ok := ParsePackFileValue(r.Action.Value)
	if !ok {
		return atlas.Errorf(atlas.EInvalid, "That button has expired. %s lists the month's tasks.", tasksUsage)
	}
	taskID, err := queries.SetInPack(ctx, h.Work.DB, r.Practice, *r.Member, docID, in)
	if err != nil {
		if taskID == 0 {
			taskID = meta.TaskID
		}
		if taskID == 0 {
			return err
		}
		return h.refused(ctx, r, taskID, err)
	}
	t, err := h.Work.Task(ctx, r.Practice.ID, taskID)
	if err != nil {
		return err
	}
	notice := ":ballot_box_with_check: Marked part of the pack."
	if !in {
		notice = ":white_large_square: Left out of the pack."
	}
	return h.afterChange(ctx, r, t, notice)
}

// renderAnswered draws the preparer's DM about a query's answer.
func renderAnswered(d Deps) slackapp.RenderFunc {
	return func(ctx context.Context, post outbox.Post) (slackapp.Message, error) {
		a, err := queries.ReadAnswered(ctx, d.Work.DB, atlas.PracticeID(post.Practice), post.Subject.ID)
		if errors.Is(err, queries.ErrNoQuery) || (err == nil && a.AnsweredAt == nil) {
			return slackapp.Message{}, slackapp.ErrNothingToSay
		}
		if err != nil {
			return slackapp.Message{}, err
		}
		return AnsweredMessage(a), nil
	}
}
