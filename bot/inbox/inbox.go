// Package inbox is the Slack face of the smart inbox (internal/inbox):
// /inbox, the emails that matched no client, each with Assign (a form
// picking the client and, optionally, the requested item) and Discard,
// for managers and up; /inbox address, the inbox's name (admins); and the
// preparer's DM when an emailed document reaches a pack.
package inbox

import (
	"context"
	"errors"
	"strings"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/inbox"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/portal"
)

// Deps are what /inbox needs: the database, where the files' bytes are
// (nil: PGBlobs), and the inbox's domains (INBOX_DOMAINS), to show its
// address; none: the address is not shown.
type Deps struct {
	DB      db.DB
	Blobs   portal.Blobs
	Domains []string
}

const refusal = "The inbox's waiting emails are for managers, partners and admins"

type handlers struct{ Deps }

// Register adds /inbox, /inbox address, the Assign and Discard buttons, the
// assign form, its item type-ahead, and the renderer of the preparer's
// DM. The form's client type-ahead is the practice set-up's
// (ui.ActionClientSearch).
func Register(rt *slackapp.Router, d Deps) {
	h := handlers{d}
	rt.HandleCommand(slackapp.Command{Name: "/inbox", Area: "Tasks", Usage: "/inbox",
		Summary: "The emails to the practice's inbox that named no client, the oldest first, each with Assign (pick the client, " +
			"and the requested item it is for) and Discard.",
		Detail: "Mail to the inbox finds its client by its plus address (`docs+ACME@…`), then by its sender (a client's contact), " +
			"then by a client's code or whole name in its subject; its attachments become the client's documents for its open pack, " +
			"ticking the requested item their file names point at when a contact sent them. Programs and other kinds of file " +
			"the portal does not take are never kept.",
		Examples: []string{"/inbox"},
		Route:    slackapp.Manager(h.list).Because(refusal)})
	rt.HandleCommand(slackapp.Command{Name: "/inbox", Sub: "address", Area: "Tasks", Usage: "/inbox address <name>",
		Summary:  "Name the practice's inbox: `docs` makes it docs@ the inbox's domain (and docs+CODE@ for a client).",
		Examples: []string{"/inbox address docs"},
		Route:    slackapp.Admin(h.address).Because("Naming the practice's inbox is for admins")})
	rt.HandleAction(ActionAssign, slackapp.Manager(h.openAssign).Because(refusal))
	rt.HandleAction(ActionDiscard, slackapp.Manager(h.discard).Because(refusal))
	rt.HandleSubmit(CallbackAssign, slackapp.Manager(h.assign).Because(refusal))
	rt.HandleOptions(ActionItem, slackapp.Manager(h.itemOptions))
	rt.HandleRender(inbox.RenderReceived, func(ctx context.Context, p outbox.Post) (slackapp.Message, error) {
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

// listing reads what /inbox shows.
func (h handlers) listing(ctx context.Context, r *slackapp.Request) (slackapp.Message, error) {
	pending, total, err := inbox.PendingMessages(ctx, h.DB, r.Practice.ID, shown)
	if err != nil {
		return slackapp.Message{}, err
	}
	v := Listing{Pending: pending, Total: total, Loc: r.Practice.Location()}
	if len(h.Domains) > 0 {
		local, err := inbox.Local(ctx, h.DB, r.Practice.ID)
		if err != nil {
			return slackapp.Message{}, err
		}
		if local == "" {
			local = "docs"
		}
		v.Address = local + "@" + strings.ToLower(strings.TrimSpace(h.Domains[0]))
	}
	return ListMessage(v), nil
}

// list is /inbox.
func (h handlers) list(ctx context.Context, r *slackapp.Request) error {
	if strings.TrimSpace(r.Text) != "" {
		return atlas.Errorf(atlas.EInvalid, "`/inbox` takes no words: it lists the emails waiting for a client. `/inbox address <name>` names the inbox.")
	}
	m, err := h.listing(ctx, r)
	if err != nil {
		return err
	}
	return r.Reply(m)
}

// address is /inbox address <name>.
func (h handlers) address(ctx context.Context, r *slackapp.Request) error {
	name := strings.ToLower(strings.TrimSpace(r.Text))
	if name == "" {
		return atlas.Errorf(atlas.EInvalid, "Name the inbox: `/inbox address docs`.")
	}
	if err := inbox.SetLocal(ctx, h.DB, r.Practice.ID, r.Member.ID, name); err != nil {
		return err
	}
	text := "The practice's inbox is now *" + blockkit.Escape(name) + "*"
	if len(h.Domains) > 0 {
		text += ": " + blockkit.Escape(name+"@"+strings.ToLower(h.Domains[0]))
	}
	return r.Reply(slackapp.Text(text + "."))
}

// openAssign opens the assign form of a waiting email.
func (h handlers) openAssign(ctx context.Context, r *slackapp.Request) error {
	p, err := inbox.PendingMessage(ctx, h.DB, r.Practice.ID, ui.ParseID(r.Action.Value))
	if err != nil {
		return err
	}
	files, _, err := inbox.PendingMessages(ctx, h.DB, r.Practice.ID, 1000)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.ID == p.ID {
			p.Files = f.Files
		}
	}
	return r.OpenModal(AssignModal(p, r.Practice.Location()))
}

// itemOptions are the requested items of the client picked in the form.
func (h handlers) itemOptions(ctx context.Context, r *slackapp.Request) error {
	var entity int64
	if r.Interaction != nil && r.Interaction.View.State != nil {
		for _, a := range r.Interaction.View.State.Values[AssignClient] {
			entity = ui.ParseID(a.SelectedOption.Value)
		}
	}
	if entity == 0 {
		r.Options(nil)
		return nil
	}
	items, err := inbox.ClientItems(ctx, h.DB, r.Practice.ID, entity, blockkit.MaxSelectOptions)
	if err != nil {
		return err
	}
	q := ""
	if r.Interaction != nil {
		q = strings.ToLower(r.Interaction.Value)
	}
	var shown []inbox.Item
	for _, it := range items {
		if q == "" || strings.Contains(strings.ToLower(it.Text), q) {
			shown = append(shown, it)
		}
	}
	r.Options(ItemOptions(shown))
	return nil
}

// assign files the email for the client picked.
func (h handlers) assign(ctx context.Context, r *slackapp.Request) error {
	var meta string
	if r.Interaction != nil {
		meta = r.Interaction.View.PrivateMetadata
	}
	id := ui.ParseID(meta)
	entity := ui.ParseID(r.Value(AssignClient))
	if entity == 0 {
		return &atlas.Error{Code: atlas.EInvalid, Field: AssignClient, Message: "Pick the client."}
	}
	p, err := inbox.PendingMessage(ctx, h.DB, r.Practice.ID, id)
	if err != nil {
		return err
	}
	a, err := inbox.Assign(ctx, h.DB, r.Practice.ID, id, entity, ui.ParseID(r.Value(AssignItem)), r.Member.ID, r.Now())
	if err != nil {
		if atlas.ErrorCode(err) == atlas.EInvalid {
			return &atlas.Error{Code: atlas.EInvalid, Field: AssignItem, Message: atlas.ErrorMessage(err)}
		}
		return err
	}
	r.CloseModals()
	var label string
	_ = h.DB.QueryRow(ctx, `SELECT code || ' · ' || name FROM entities WHERE practice_id = $1 AND id = $2`, r.Practice.ID, entity).Scan(&label)
	subject := p.Subject
	if subject == "" {
		subject = "(no subject)"
	}
	text := "Filed “" + subject + "” for " + label + ": " + itoa(a.Documents) + " " + plural(a.Documents, "document", "documents")
	if a.Ticked > 0 {
		text += ", its item ticked"
	}
	return r.Send(ctx, slackapp.Text(blockkit.Escape(text)+"."))
}

// discard throws a waiting email away, and shows the list again.
func (h handlers) discard(ctx context.Context, r *slackapp.Request) error {
	if err := inbox.Discard(ctx, h.DB, h.Blobs, r.Practice.ID, ui.ParseID(r.Action.Value), r.Member.ID, r.Now()); err != nil {
		return err
	}
	m, err := h.listing(ctx, r)
	if err != nil {
		return err
	}
	r.ReplaceOriginal()
	return r.Reply(m)
}

func itoa(n int) string { return ui.ID(int64(n)) }
