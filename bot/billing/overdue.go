package billing

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/payments"
)

// /invoices overdue: the aged debt by client, paged, and its CSV sent to
// whoever asks, by direct message, through the outbox.

// Actions and renderers of the aged debt.
const (
	ActionOverduePage = "invoices.overdue.page." // prefix; value: the zero-based page
	ActionOverdueCSV  = "invoices.overdue.csv"
	RenderAgedCSV     = "invoices.aged_csv"
)

// agedShown is how many clients a page of the aged debt lists.
const agedShown = 12

// overdue is /invoices overdue [page N].
func (h handlers) overdue(ctx context.Context, r *slackapp.Request) error {
	page := 0
	if words := strings.Fields(r.Text); len(words) == 2 && strings.EqualFold(words[0], "page") {
		p, err := strconv.Atoi(words[1])
		if err != nil || p < 1 {
			return atlas.Errorf(atlas.EInvalid, "%q is not a page number. Write it like `/invoices overdue page 2`.", words[1])
		}
		page = p - 1
	} else if len(words) > 0 {
		return atlas.Errorf(atlas.EInvalid, "`/invoices overdue` takes no more than a page, such as `/invoices overdue page 2`.")
	}
	return h.showAged(ctx, r, page)
}

func (h handlers) overduePage(ctx context.Context, r *slackapp.Request) error {
	page, _ := strconv.Atoi(r.Action.Value)
	r.ReplaceOriginal()
	return h.showAged(ctx, r, page)
}

func (h handlers) showAged(ctx context.Context, r *slackapp.Request, page int) error {
	a, err := h.Payments.Aged(ctx, r.Practice.ID, r.Practice.Today(r.Now()))
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Message{Text: fmt.Sprintf("Aged debt · %s owed", money.Format(a.Totals.Total, a.Currency)), Blocks: AgedView(a, page)})
}

// AgedView draws a page of the aged debt: the totals by age, then each
// client owing, the most overdue first.
func AgedView(a payments.Aged, page int) []slack.Block {
	cur := a.Currency
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain("Aged debt · "+a.AsOf.Format("2 Jan 2006"), blockkit.MaxHeaderText))}
	if len(a.Rows) == 0 {
		return append(blocks, slack.NewSectionBlock(blockkit.Markdown(":white_check_mark: Nothing is owed: every sent invoice is paid.", 0), nil, nil))
	}
	t := a.Totals
	total := fmt.Sprintf("*%s owed* on %d %s by %d %s · *%s overdue*\n%s", money.Format(t.Total, cur), t.Invoices, ui.Plural(t.Invoices, "invoice", "invoices"),
		len(a.Rows), ui.Plural(len(a.Rows), "client", "clients"), money.Format(t.Overdue(), cur), agedBuckets(t, cur))
	blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(total, blockkit.MaxSectionText), nil, nil),
		slack.NewContextBlock("aged.intro", blockkit.Markdown("What clients owe on sent invoices: not yet due (current), and by days past the due date.", 0)),
		slack.NewDividerBlock())
	rows, pg := blockkit.PageItems(a.Rows, page, agedShown)
	for _, row := range rows {
		text := fmt.Sprintf("*%s · %s* — %s owed", blockkit.Escape(row.Code), blockkit.Escape(row.Name), money.Format(row.Total, cur))
		if od := row.Overdue(); od.IsPositive() {
			text += fmt.Sprintf(", *%s overdue*", money.Format(od, cur))
		}
		text += fmt.Sprintf(" · %d %s", row.Invoices, ui.Plural(row.Invoices, "invoice", "invoices"))
		if row.Oldest != nil && row.Oldest.Before(a.AsOf) {
			text += fmt.Sprintf(", the oldest due %s (%d days ago)", row.Oldest.Format("2 Jan 2006"), int(a.AsOf.Sub(*row.Oldest).Hours()/24))
		}
		text += "\n" + agedBuckets(row, cur)
		if row.Credit.IsPositive() {
			text += fmt.Sprintf("\n%s credit on account", money.Format(row.Credit, cur))
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil,
			slack.NewAccessory(slack.NewButtonBlockElement(ActionListPage+"aged", row.Code+" unpaid", blockkit.Plain("Invoices", blockkit.MaxButtonText)))))
	}
	var nav []slack.BlockElement
	if pg.HasPrev() {
		nav = append(nav, slack.NewButtonBlockElement(ActionOverduePage+"prev", strconv.Itoa(pg.Index-1), blockkit.Plain("‹ Previous page", blockkit.MaxButtonText)))
	}
	if pg.HasNext() {
		nav = append(nav, slack.NewButtonBlockElement(ActionOverduePage+"next", strconv.Itoa(pg.Index+1), blockkit.Plain("Next page ›", blockkit.MaxButtonText)))
	}
	if pg.Pages > 1 {
		blocks = append(blocks, slack.NewContextBlock("aged.page", blockkit.Markdown(fmt.Sprintf("%s · %d clients", pg.Label(), pg.Total), 0)))
	}
	nav = append(nav, slack.NewButtonBlockElement(ActionOverdueCSV, a.AsOf.Format(time.DateOnly), blockkit.Plain("Export CSV", blockkit.MaxButtonText)))
	return append(blocks, slack.NewActionBlock("aged.nav", nav...))
}

// agedBuckets is "Current £100.00 · 0–30 £500.00 · …", the empty ones left
// out.
func agedBuckets(r payments.AgedRow, cur string) string {
	var parts []string
	for i, v := range r.Owed {
		if v.IsZero() {
			continue
		}
		label := payments.Buckets[i]
		if i > 0 {
			label += " days"
		}
		parts = append(parts, fmt.Sprintf("%s %s", label, money.Format(v, cur)))
	}
	return strings.Join(parts, " · ")
}

// overdueCSV sends the aged debt as a CSV file to who asked, by DM.
func (h handlers) overdueCSV(ctx context.Context, r *slackapp.Request) error {
	asOf := r.Practice.Today(r.Now()).Format(time.DateOnly)
	if err := db.InTx(ctx, h.Billing.DB, func(tx pgx.Tx) error {
		return outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(r.Practice.ID), Channel: r.UserID, Render: RenderAgedCSV, Upload: true,
			Subject: outbox.Subject{Type: "aged_debt", ID: r.Now().UnixMilli(), Purpose: "csv:" + asOf}})
	}); err != nil {
		return err
	}
	return r.Reply(slackapp.Text(":page_facing_up: The aged debt as a CSV file is on its way to you, by direct message."))
}

// renderAgedCSV draws the aged debt's CSV for the day the export names.
func (h handlers) renderAgedCSV(ctx context.Context, p outbox.Post) (slackapp.File, error) {
	day, err := time.Parse(time.DateOnly, strings.TrimPrefix(p.Subject.Purpose, "csv:"))
	if err != nil {
		return slackapp.File{}, fmt.Errorf("aged debt CSV: purpose %q", p.Subject.Purpose)
	}
	a, err := h.Payments.Aged(ctx, atlas.PracticeID(p.Practice), day)
	if err != nil {
		return slackapp.File{}, err
	}
	return slackapp.File{Name: "aged-debt-" + day.Format(time.DateOnly) + ".csv", Title: "Aged debt · " + day.Format("2 Jan 2006"),
		Comment: fmt.Sprintf("Aged debt on %s: %s owed by %d %s, %s overdue.", day.Format("2 Jan 2006"), money.Format(a.Totals.Total, a.Currency),
			len(a.Rows), ui.Plural(len(a.Rows), "client", "clients"), money.Format(a.Totals.Overdue(), a.Currency)),
		Data: a.CSV()}, nil
}
