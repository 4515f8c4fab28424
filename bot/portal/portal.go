// Package portal is the Slack face of the client portal (internal/portal):
// the direct message that tells a pack's preparer a client sent a
// document through the portal, with the pack's Open button; /docs, a
// client's documents by month with short-lived download links (staff and
// up); /docs <client> revoke, which signs the client's contacts out of
// the portal (managers and up); and "Save to client documents", the
// message shortcut that keeps a message's files among a client's
// documents of a month, as the practice's own (staff and up; save.go).
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
	"github.com/atlas-practice/atlas/internal/practice"
)

// Deps are what the renderer, /docs and the save shortcut read: the
// database, the practice's store, and the portal's public URL (PORTAL_URL)
// and secret (PORTAL_SECRET), which sign /docs's download links; without
// the secret /docs shows no links.
type Deps struct {
	DB        db.DB
	Practice  practice.Store
	PortalURL string
	Secret    []byte
	// Blobs keeps the bytes of the files saved from Slack; nil: in
	// PostgreSQL (portal.PGBlobs), as the portal's uploads.
	Blobs portal.Blobs
	// MaxFileBytes caps a file saved from Slack; 0: portal.MaxFileBytes,
	// the portal's cap.
	MaxFileBytes int64
}

// Register adds the renderer of the "document received" message, /docs,
// and "Save to client documents", the message shortcut.
func Register(rt *slackapp.Router, d Deps) {
	registerDocs(rt, d)
	registerSave(rt, handlers{Deps: d})
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
