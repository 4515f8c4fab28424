// Package portal is the Slack face of the client portal (internal/portal):
// the direct message that tells a pack's preparer a client sent a
// document through the portal, with the pack's Open button; /docs, a
// client's documents by month with short-lived download links (staff and
// up); and /docs <client> revoke, which signs the client's contacts out of
// the portal (managers and up).
package portal

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/portal"
)

// Deps are what the renderer and /docs read: the database, and the
// portal's public URL (PORTAL_URL) and secret (PORTAL_SECRET), which sign
// /docs's download links; without the secret /docs shows no links.
type Deps struct {
	DB        db.DB
	PortalURL string
	Secret    []byte
}

// Register adds the renderer of the "document received" message, and
// /docs.
func Register(rt *slackapp.Router, d Deps) {
	registerDocs(rt, d)
	rt.HandleRender(portal.RenderReceived, func(ctx context.Context, p outbox.Post) (slackapp.Message, error) {
		r, err := portal.ReceivedDocument(ctx, d.DB, atlas.PracticeID(p.Practice), p.Subject.ID)
		if errors.Is(err, portal.ErrNoDocument) {
			return slackapp.Message{}, slackapp.ErrNothingToSay
		}
		if err != nil {
			return slackapp.Message{}, err
		}
		return ReceivedMessage(r), nil
	})
}

// ReceivedMessage is "📎 Acme Trading Ltd sent bank-nov.pdf for Bank
// statements (November 2026)", with Open on the pack.
func ReceivedMessage(r portal.Received) slackapp.Message {
	text := "📎 " + r.Client + " sent " + r.FileName
	md := "📎 *" + blockkit.Escape(r.Client) + "* sent *" + blockkit.Escape(r.FileName) + "*"
	if r.Item != "" {
		text += " for " + r.Item
		md += " for " + blockkit.Escape(r.Item)
	}
	if r.Period != nil {
		text += fmt.Sprintf(" (%s)", r.Period.Label())
		md += fmt.Sprintf(" (%s)", r.Period.Label())
	}
	if r.Contact != "" {
		md += "\n_From " + blockkit.Escape(r.Contact) + " through the portal_"
	}
	section := slack.NewSectionBlock(blockkit.Markdown(md, blockkit.MaxSectionText), nil, nil)
	if r.TaskID != 0 {
		section.Accessory = slack.NewAccessory(ui.OpenTaskButton(r.TaskID))
	}
	return slackapp.Message{Text: blockkit.Truncate(text, 3000), Blocks: []slack.Block{section}}
}
