package portal

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/practice"
)

// ActionPage prefixes /docs's page buttons; the value is the /docs text
// that shows the page ("nwt page 3").
const ActionPage = "docs.page."

const (
	docsShown     = 20 // documents a page lists: within 50 blocks however they group
	revokeRefusal = "Revoking a client's portal sign-in links is for managers, partners and admins"
)

// handlers are /docs's and the save shortcut's.
type handlers struct{ Deps }

// registerDocs adds /docs, /docs … revoke and the page buttons.
func registerDocs(rt *slackapp.Router, d Deps) {
	h := handlers{Deps: d}
	rt.HandleCommand(slackapp.Command{Name: "/docs", Area: "Tasks", Usage: "/docs <client> [month]",
		Summary: "A client's documents by month, grouped by the item of the pack they were sent for and where they came from " +
			"(the client through the portal, the practice, email), each with its size, who sent it and when, and a download link.",
		Detail: "Every month unless you name one (`2026-11`, `nov`, `november 2026`, `last month`), the newest first. " +
			"The client by its code or name; several words need no quotes. Download links work for 15 minutes: " +
			"ask again for fresh ones. Managers and up revoke the client's portal sign-in links with `/docs <client> revoke`.",
		Examples: []string{"/docs {client}", "/docs {name} nov", "/docs {client} 2026-11", "/docs {client} last month"},
		Route:    slackapp.Staff(h.list)})
	rt.HandleCommand(slackapp.Command{Name: "/docs", Sub: "revoke", Area: "Tasks", Usage: "/docs <client> revoke",
		Summary: "Sign a client's contacts out of the portal: every sign-in link of theirs stops working at once. " +
			"They can ask for a new one at /portal/login.",
		Examples: []string{"/docs {client} revoke"},
		Route:    slackapp.Manager(h.revokeSub).Because(revokeRefusal)})
	rt.HandleAction(ActionPage, slackapp.Staff(h.page))
}

// query is what /docs was asked.
type query struct {
	client string
	period *atlas.Period
	revoke bool
	page   int    // zero-based
	typed  string // the words before any page: the client's, and the month's
}

// readDocs reads `<client> [month] [page N]` or `<client> revoke`.
func readDocs(text string, today time.Time) query {
	var q query
	words := strings.Fields(ui.Unescape(text))
	if n := len(words); n >= 2 && strings.EqualFold(words[n-2], "page") {
		if p, err := strconv.Atoi(words[n-1]); err == nil && p >= 1 {
			q.page, words = p-1, words[:n-2]
		}
	}
	if n := len(words); n >= 2 && strings.EqualFold(strings.Trim(words[n-1], ",.;:!"), "revoke") {
		q.revoke, words = true, words[:n-1]
	}
	q.typed = strings.Join(words, " ")
	if !q.revoke {
		// A month at the end, after at least one word of the client's.
		for _, n := range []int{2, 1} {
			if len(words) <= n {
				continue
			}
			if used, p, ok := ui.ReadMonth(words[len(words)-n:], today); ok && used == n {
				q.period, words = &p, words[:len(words)-n]
				break
			}
		}
	}
	q.client = strings.Join(words, " ")
	return q
}

// client finds q's client; a month read off the end of a name that is
// then no client's is given back to the name ("/docs may and june").
func (h handlers) client(ctx context.Context, r *slackapp.Request, q *query) (practice.Entity, error) {
	if strings.TrimSpace(q.client) == "" {
		return practice.Entity{}, atlas.Errorf(atlas.EInvalid,
			"Name the client: `/docs <client> [month]`, such as `/docs acme` or `/docs acme trading nov`.")
	}
	e, err := h.Practice.LookupEntityAny(ctx, r.Practice.ID, q.client)
	if err != nil && q.period != nil && atlas.ErrorCode(err) == atlas.ENotFound {
		if whole, err2 := h.Practice.LookupEntityAny(ctx, r.Practice.ID, q.typed); err2 == nil {
			q.period = nil
			return whole, nil
		}
	}
	return e, err
}

// list is /docs <client> [month], or /docs <client> revoke.
func (h handlers) list(ctx context.Context, r *slackapp.Request) error {
	q := readDocs(r.Text, r.Practice.Today(r.Now()))
	if q.revoke {
		if r.Member == nil || !r.Member.Can(atlas.RoleManager) {
			return atlas.Errorf(atlas.EForbidden, "%s.", revokeRefusal)
		}
		return h.revoke(ctx, r, q.client)
	}
	e, err := h.client(ctx, r, &q)
	if err != nil {
		return err
	}
	docs, err := portal.ClientDocuments(ctx, h.DB, r.Practice.ID, e.ID, q.period)
	if err != nil {
		return err
	}
	v := Listing{Client: e.Label(), Code: e.Code, Period: q.period, Loc: r.Practice.Location(), Page: q.page,
		Text: pageless(q, e.Code), Links: len(h.Secret) > 0}
	signer := portal.Signer{Secret: h.Secret}
	for _, d := range docs {
		v.Docs = append(v.Docs, Doc{StaffDocument: d})
	}
	// Links only for the page shown: each is signed afresh when asked.
	shown, _ := blockkit.PageItems(v.Docs, q.page, docsShown)
	if v.Links {
		for i := range shown {
			shown[i].URL = signer.DownloadURL(h.PortalURL, shown[i].ID, r.Now())
		}
	}
	return r.Reply(DocsMessage(v))
}

// pageless is the /docs text of q without its page: the client's code
// and the month, for the page buttons.
func pageless(q query, code string) string {
	if q.period != nil {
		return code + " " + q.period.String()
	}
	return code
}

// page shows another page of a list.
func (h handlers) page(_ context.Context, r *slackapp.Request) error {
	r.Rerun("/docs", r.Action.Value, "")
	return nil
}

// revokeSub is /docs revoke <client>.
func (h handlers) revokeSub(ctx context.Context, r *slackapp.Request) error {
	return h.revoke(ctx, r, strings.Join(strings.Fields(ui.Unescape(r.Text)), " "))
}

// revoke revokes every portal sign-in link of the client's contacts, and
// records who did.
func (h handlers) revoke(ctx context.Context, r *slackapp.Request, client string) error {
	if strings.TrimSpace(client) == "" {
		return atlas.Errorf(atlas.EInvalid, "Name the client: `/docs <client> revoke`, such as `/docs acme revoke`.")
	}
	e, err := h.Practice.LookupEntityAny(ctx, r.Practice.ID, client)
	if err != nil {
		return err
	}
	var n int64
	err = db.InTx(ctx, h.DB, func(tx pgx.Tx) error {
		var err error
		if n, err = portal.RevokeClient(ctx, tx, r.Practice.ID, e.ID, r.Now()); err != nil {
			return err
		}
		return practice.Audit(ctx, tx, r.Practice.ID, r.Member.ID, "portal.links_revoked", "entity", e.ID, map[string]any{"links": n})
	})
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Text(RevokedText(e.Label(), n, h.PortalURL)))
}

// RevokedText answers a revocation: how many links stopped working and
// where the contacts ask for a new one.
func RevokedText(client string, n int64, portalURL string) string {
	login := portalURL + "/portal/login"
	if n == 0 {
		return fmt.Sprintf(":lock: %s's contacts had no sign-in link still working, so none was revoked. They can ask for a new link at %s.", client, login)
	}
	links := "links"
	if n == 1 {
		links = "link"
	}
	return fmt.Sprintf(":lock: Revoked %d portal sign-in %s of %s: its contacts are signed out of the portal at their next click. "+
		"They can ask for a new link at %s.", n, links, client, login)
}
