package billing

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timeparse"
)

// statusWords are the words /invoices reads as statuses.
var statusWords = map[string][]billing.Status{
	"draft": {billing.Draft}, "drafts": {billing.Draft, billing.AwaitingApproval},
	"awaiting": {billing.AwaitingApproval}, "approval": {billing.AwaitingApproval}, "pending": {billing.AwaitingApproval},
	"approved": {billing.Approved}, "sent": {billing.Sent, billing.Sending}, "unpaid": {billing.Sent, billing.PartPaid},
	"paid": {billing.Paid}, "part-paid": {billing.PartPaid}, "void": {billing.Void}, "voided": {billing.Void},
	"deleted": {billing.Deleted},
}

// kindWords are the words /invoices reads as kinds of invoice.
var kindWords = map[string]billing.Kind{
	"hourly": billing.Hourly, "time": billing.Hourly, "retainer": billing.Recurring, "retainers": billing.Recurring,
	"recurring": billing.Recurring, "fixed": billing.Recurring, "adhoc": billing.Adhoc, "ad-hoc": billing.Adhoc,
}

// listQuery is what /invoices asked for.
type listQuery struct {
	kind     billing.Kind
	statuses []billing.Status
	status   string // the word, for the title
	period   *atlas.Period
	client   string
	page     int
}

// readList reads /invoices' words: a month, a status word, a page; the
// rest names a client.
func readList(text string, today time.Time) (listQuery, error) {
	var q listQuery
	words := strings.Fields(ui.Unescape(text))
	if n := len(words); n >= 2 && strings.EqualFold(words[n-2], "page") {
		p, err := strconv.Atoi(words[n-1])
		if err != nil || p < 1 {
			return q, atlas.Errorf(atlas.EInvalid, "%q is not a page number. Write it like `page 2`.", words[n-1])
		}
		q.page, words = p-1, words[:n-2]
	}
	var rest []string
	for i := 0; i < len(words); i++ {
		w := strings.ToLower(strings.Trim(words[i], ",."))
		if i+1 < len(words) && (w == "awaiting" || w == "part") {
			if next := strings.ToLower(words[i+1]); next == "approval" || next == "paid" {
				w += map[string]string{"approval": "", "paid": "-paid"}[next]
				i++
			}
		}
		if k, ok := kindWords[w]; ok && q.kind == "" {
			q.kind = k
			continue
		}
		if st, ok := statusWords[w]; ok && q.statuses == nil {
			q.statuses, q.status = st, w
			continue
		}
		if n, p, ok := ui.ReadMonth(words[i:], today); ok && q.period == nil {
			q.period, i = &p, i+n-1
			continue
		}
		rest = append(rest, words[i])
	}
	q.client = strings.Join(rest, " ")
	return q, nil
}

// list is /invoices.
func (h handlers) list(ctx context.Context, r *slackapp.Request) error {
	today := r.Practice.Today(r.Now())
	q, err := readList(r.Text, today)
	if err != nil {
		return err
	}
	f := billing.Filter{Statuses: q.statuses, Period: q.period, Offset: q.page * listShown, Limit: listShown}
	if f.Within, err = h.within(ctx, r); err != nil {
		return err
	}
	if q.kind != "" {
		f.Kinds = []billing.Kind{q.kind}
	}
	var title []string
	if q.client != "" {
		e, err := h.Practice.LookupEntityAny(ctx, r.Practice.ID, q.client)
		if err != nil {
			return err
		}
		f.EntityID = &e.ID
		title = append(title, e.Label())
	}
	if q.kind != "" {
		title = append(title, map[billing.Kind]string{billing.Hourly: "Hourly", billing.Recurring: "Retainers", billing.Adhoc: "Ad hoc"}[q.kind])
	}
	if q.status != "" {
		title = append(title, q.statuses[0].Label())
	}
	if q.period != nil {
		title = append(title, q.period.Label())
	}
	page, err := h.Billing.List(ctx, r.Practice.ID, f)
	if err != nil {
		return err
	}
	heading := "Invoices"
	if len(title) > 0 {
		heading += " · " + strings.Join(title, " · ")
	}
	empty := "No invoices yet. `/invoices run` makes the month's drafts; `/invoice draft CLIENT` makes one now."
	if len(title) > 0 {
		empty = fmt.Sprintf("No invoices match (%s). %s shows them all.", strings.Join(title, ", "), "`/invoices`")
	}
	if f.Within != nil {
		empty = "You see the invoices of the clients whose monthly packs you prepare or review, and none of them has an invoice yet."
	}
	v := ListView{Title: heading, Invoices: page.Invoices, Page: blockkit.Paginate(page.Total, q.page, listShown),
		Text: strings.TrimSpace(stripPage(r.Text)), Empty: empty}
	return r.Reply(slackapp.Message{Text: fmt.Sprintf("%s: %d", heading, page.Total), Blocks: List(v)})
}

// within is what staff may see: the invoices of the clients whose packs
// they prepare or review; nil (everything) for managers and up.
func (h handlers) within(ctx context.Context, r *slackapp.Request) ([]int64, error) {
	if r.Member.Can(atlas.RoleManager) {
		return nil, nil
	}
	ids, err := h.Billing.ClientsOf(ctx, r.Practice.ID, r.Member.ID)
	if ids == nil {
		ids = []int64{}
	}
	return ids, err
}

// mayView refuses staff an invoice of a client they do not work on.
func (h handlers) mayView(ctx context.Context, r *slackapp.Request, inv billing.Invoice) error {
	within, err := h.within(ctx, r)
	if err != nil || within == nil || slices.Contains(within, inv.EntityID) {
		return err
	}
	return atlas.Errorf(atlas.EForbidden, "Staff see the invoices of the clients whose packs they prepare or review, and %s is not one of yours. Ask a manager.",
		inv.Client())
}

// stripPage is /invoices text without its page.
func stripPage(text string) string {
	words := strings.Fields(text)
	if n := len(words); n >= 2 && strings.EqualFold(words[n-2], "page") {
		words = words[:n-2]
	}
	return strings.Join(words, " ")
}

// listPage shows another page of a list.
func (h handlers) listPage(_ context.Context, r *slackapp.Request) error {
	r.Rerun("/invoices", r.Action.Value, "")
	return nil
}

// runList is the run summary's "Review the drafts".
func (h handlers) runList(_ context.Context, r *slackapp.Request) error {
	r.Rerun("/invoices", "drafts", "")
	return nil
}

// show is /invoice <client|number>.
func (h handlers) show(ctx context.Context, r *slackapp.Request) error {
	text := strings.TrimSpace(ui.Unescape(r.Text))
	if text == "" {
		return atlas.Errorf(atlas.EInvalid, "Say which invoice: `/invoice <client|number>`, such as `/invoice acme` or `/invoice 12`. `/invoices` lists them.")
	}
	if id, err := strconv.ParseInt(strings.TrimPrefix(text, "#"), 10, 64); err == nil {
		return h.reply(ctx, r, id, 0, "")
	}
	// An invoice number as the practice writes it: INV-2026-0042.
	if strings.ContainsAny(text, "0123456789") {
		id, ok, err := h.Billing.ByNumber(ctx, r.Practice.ID, text)
		if err != nil {
			return err
		}
		if ok {
			return h.reply(ctx, r, id, 0, "")
		}
	}
	e, err := h.Practice.LookupEntityAny(ctx, r.Practice.ID, text)
	if err != nil {
		return err
	}
	within, err := h.within(ctx, r)
	if err != nil {
		return err
	}
	page, err := h.Billing.List(ctx, r.Practice.ID, billing.Filter{EntityID: &e.ID, Limit: listShown, Within: within})
	if err != nil {
		return err
	}
	switch len(page.Invoices) {
	case 0:
		return atlas.Errorf(atlas.ENotFound, "%s has no invoices yet. `/invoice draft %s` drafts one from its unbilled time.", e.Label(), e.Code)
	case 1:
		return h.reply(ctx, r, page.Invoices[0].ID, 0, "")
	}
	// The one still being worked on, if one is; else the newest.
	id := page.Invoices[0].ID
	for _, inv := range page.Invoices {
		if inv.Status.Editable() {
			id = inv.ID
			break
		}
	}
	others := fmt.Sprintf("%s has %d invoices; this is the one being worked on, or the newest. `/invoices %s` lists them all.",
		blockkit.Escape(e.Label()), page.Total, e.Code)
	return h.reply(ctx, r, id, 0, others)
}

// reply draws an invoice as the answer.
func (h handlers) reply(ctx context.Context, r *slackapp.Request, id int64, page int, notice string) error {
	inv, err := h.Billing.Invoice(ctx, r.Practice.ID, id)
	if err != nil {
		return err
	}
	if err := h.mayView(ctx, r, inv); err != nil {
		return err
	}
	v := InvoiceView{Invoice: inv, Page: page, Editable: inv.Status.Editable() && r.Member.Can(atlas.RoleManager), Role: r.Member.Role, Notice: notice}
	if inv.SentAt != nil {
		if v.Payments, err = h.Payments.Of(ctx, r.Practice.ID, id); err != nil {
			return err
		}
		if v.Credit, err = h.Payments.Credit(ctx, r.Practice.ID, inv.EntityID); err != nil {
			return err
		}
	}
	return r.Reply(slackapp.Message{Text: fmt.Sprintf("%s · %s · %s", inv.Name(), inv.Client(), money.Format(inv.Total, inv.Currency)),
		Blocks: Invoice(v)})
}

// open is an invoice's Open button (value "id" or "id:page").
func (h handlers) open(ctx context.Context, r *slackapp.Request) error {
	idText, pageText, _ := strings.Cut(r.Action.Value, ":")
	page, _ := strconv.Atoi(pageText)
	r.ReplaceOriginal()
	return h.reply(ctx, r, ui.ParseID(idText), page, "")
}

// draft is /invoice draft <client> [up to <date>].
func (h handlers) draft(ctx context.Context, r *slackapp.Request) error {
	today := r.Practice.Today(r.Now())
	client, upTo, err := readDraft(ui.Unescape(r.Text), today)
	if err != nil {
		return err
	}
	e, err := h.Practice.LookupEntity(ctx, r.Practice.ID, client)
	if err != nil {
		return err
	}
	return h.draftFor(ctx, r, e, upTo)
}

// draftClient is the Draft invoice button on a client's row of work in
// progress (value: the client's id): the client's drafts up to today.
func (h handlers) draftClient(ctx context.Context, r *slackapp.Request) error {
	id := ui.ParseID(r.Action.Value)
	if id == 0 {
		return fmt.Errorf("draft button %q", r.Action.Value)
	}
	e, err := h.Practice.Entity(ctx, r.Practice.ID, id)
	if err != nil {
		return err
	}
	return h.draftFor(ctx, r, e, r.Practice.Today(r.Now()))
}

// draftFor drafts a client's invoices up to a date and answers with the
// draft, or a list of the drafts when there are several.
func (h handlers) draftFor(ctx context.Context, r *slackapp.Request, e practice.Entity, upTo time.Time) error {
	made, err := h.Billing.DraftFor(ctx, r.Practice.ID, e.ID, upTo, r.Now(), r.Member.ID)
	if err != nil {
		return err
	}
	if len(made) == 1 {
		return h.reply(ctx, r, made[0].InvoiceID, 0, ":white_check_mark: Drafted. Change it with the buttons below; a partner approves it before it goes to "+
			blockkit.Escape(e.Name)+".")
	}
	var lines []string
	for _, m := range made {
		lines = append(lines, fmt.Sprintf("• %s · %s · %s — `/invoice %d`", blockkit.Escape(m.Client), blockkit.Escape(m.Label),
			money.Format(m.Total, r.Practice.Currency), m.InvoiceID))
	}
	return r.Reply(slackapp.Text(fmt.Sprintf(":white_check_mark: Drafted %d invoices for %s:\n%s", len(made), blockkit.Escape(e.Label()), strings.Join(lines, "\n"))))
}

// readDraft reads `<client> [up to <date>]`: the date is today unless one
// ends the text (`up to 30 Nov`, `to 2026-11-30`, `30 Nov`).
func readDraft(text string, today time.Time) (client string, upTo time.Time, err error) {
	words := strings.Fields(text)
	if len(words) == 0 {
		return "", today, atlas.Errorf(atlas.EInvalid, "Say which client: `/invoice draft <client> [up to <date>]`, such as `/invoice draft acme up to 30 Nov`.")
	}
	lower := strings.ToLower(text)
	for _, sep := range []string{" up to ", " upto ", " to ", " until "} {
		if i := strings.LastIndex(lower, sep); i > 0 {
			d, err := timeparse.Date(text[i+len(sep):], today)
			if err != nil {
				return "", today, err
			}
			return strings.TrimSpace(text[:i]), d, nil
		}
	}
	for n := min(3, len(words)-1); n >= 1; n-- {
		if d, err := timeparse.Date(strings.Join(words[len(words)-n:], " "), today); err == nil {
			return strings.Join(words[:len(words)-n], " "), d, nil
		}
	}
	return text, today, nil
}
