package tasks

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// noPortal is the answer when the client portal is not set up.
const noPortal = "Atlas cannot ask clients for documents until the client portal is set up (PORTAL_URL and PORTAL_SECRET)."

// askClient pushes (or opens) the form that asks the pack's client for a
// document, naming the contacts who will be emailed.
func (h handlers) askClient(ctx context.Context, r *slackapp.Request) error {
	if !h.portalReady() {
		return atlas.Errorf(atlas.EInvalid, noPortal)
	}
	var contacts []requests.Contact
	var cerr error
	err := h.askTask(ctx, r, func(t workflow.Task, meta TaskMeta) slack.ModalViewRequest {
		contacts, cerr = requests.Contacts(ctx, h.Work.DB, r.Practice.ID, t.EntityID)
		return TaskAskModal(t, contacts, meta)
	})
	if cerr != nil {
		return cerr
	}
	return err
}

// submitAsk adds the item to stage 1 of the pack and queues its email to
// the client's contacts, in one transaction, then redraws the task
// beneath. A refusal (no contact to ask, a pack in review) is shown on the
// form, and nothing is saved.
func (h handlers) submitAsk(ctx context.Context, r *slackapp.Request) error {
	meta, err := h.taskFormMeta(r)
	if err != nil {
		return err
	}
	if !h.portalReady() {
		return atlas.FieldError(TaskAskWords, noPortal)
	}
	signer := portal.Signer{Secret: h.PortalSecret}
	var asked requests.Asked
	t, _, err := h.Work.AskClient(ctx, r.Practice, *r.Member, meta.TaskID, r.Value(TaskAskWords), r.Now(),
		func(tx pgx.Tx, t workflow.Task, itemID int64) error {
			var err error
			asked, err = requests.AskNow(ctx, tx, signer, h.PortalURL, r.Practice.ID, r.Member.ID, t.ID, itemID, r.Now())
			return err
		})
	if err != nil {
		return onField(TaskAskWords, err)
	}
	r.Ack(nil)
	h.redrawParent(ctx, r, meta, t, fmt.Sprintf(":incoming_envelope: Asked %s for _%s_: the email goes to %d %s. It is a mandatory item of stage 1 now.",
		blockkit.Escape(t.EntityCode), blockkit.Escape(asked.Words), len(asked.Contacts), ui.Plural(len(asked.Contacts), "contact", "contacts")))
	return nil
}
