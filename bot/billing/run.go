package billing

import (
	"context"
	"fmt"
	"strings"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
)

// monthOf reads the month a run or a review is for: the month just ended
// unless one is named.
func monthOf(text string, r *slackapp.Request, usage string) (atlas.Period, error) {
	today := r.Practice.Today(r.Now())
	words := strings.Fields(ui.Unescape(text))
	if len(words) == 0 {
		return atlas.PeriodOf(today).Prev(), nil
	}
	n, p, ok := ui.ReadMonth(words, today)
	if !ok || n != len(words) {
		return atlas.Period{}, atlas.Errorf(atlas.EInvalid, "%q is not a month. Use %s.", strings.Join(words, " "), usage)
	}
	if atlas.PeriodOf(today).Before(p) {
		return atlas.Period{}, atlas.Errorf(atlas.EInvalid, "%s has not begun yet. Name this month or an earlier one.", p.Label())
	}
	return p, nil
}

// run is /invoices run [month].
func (h handlers) run(ctx context.Context, r *slackapp.Request) error {
	p, err := monthOf(r.Text, r, "`/invoices run` for the month just ended, or `/invoices run 2026-11`")
	if err != nil {
		return err
	}
	// The review is of the time as the run found it: once billed, an entry
	// with no service is on a draft rather than in the review's lists.
	rev, err := h.Billing.Review(ctx, r.Practice.ID, p, r.Practice.Today(r.Now()))
	if err != nil {
		return err
	}
	res, err := h.Billing.Run(ctx, r.Practice.ID, p, r.Now(), r.Member.ID)
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Message{Text: fmt.Sprintf("Billing run for %s: %d retainer and %d hourly invoices made", p.Label(),
		len(res.Retainers), len(res.Hourly)), Blocks: RunView(res, rev)})
}

// check is /invoices check [month].
func (h handlers) check(ctx context.Context, r *slackapp.Request) error {
	p, err := monthOf(r.Text, r, "`/invoices check` for the month just ended, or `/invoices check 2026-11`")
	if err != nil {
		return err
	}
	rev, err := h.Billing.Review(ctx, r.Practice.ID, p, r.Practice.Today(r.Now()))
	if err != nil {
		return err
	}
	n := len(rev.NoService) + len(rev.NoRate) + len(rev.NonBillableOnPaid) + len(rev.BillableOnUnpaid)
	return r.Reply(slackapp.Message{Text: fmt.Sprintf("Time review for %s: %d %s to check, %d %s with days missing", p.Label(),
		n, ui.Plural(n, "entry", "entries"), len(rev.Missing), ui.Plural(len(rev.Missing), "person", "people")), Blocks: ReviewView(rev)})
}
