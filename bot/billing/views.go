package billing

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/payments"
	"github.com/atlas-practice/atlas/internal/timeparse"
)

// Action ids and callbacks of the invoice messages and forms.
const (
	ActionOpen        = ui.ActionInvoiceOpen    // value: "id" or "id:page"
	ActionListPage    = "invoices.page."        // prefix; value: the /invoices text to show
	ActionEditLine    = "invoice.edit.line"     // value: invoice id
	ActionEditTotal   = "invoice.edit.total"    // value: invoice id
	ActionAddLine     = "invoice.edit.add"      // value: invoice id
	ActionTakeOff     = "invoice.edit.take_off" // value: invoice id
	ActionGrouping    = "invoice.edit.grouping" // value: "id:service" or "id:entry"
	ActionDelete      = "invoice.delete"        // value: invoice id
	ActionRunList     = "invoices.awaiting"     // the run summary's "Review the drafts"
	ActionDraftClient = ui.ActionInvoiceDraft   // value: client id

	CallbackLine    = "invoice.line.modal"
	CallbackTotal   = "invoice.total.modal"
	CallbackAddLine = "invoice.add.modal"
	CallbackTakeOff = "invoice.take_off.modal"

	// Block ids of the forms, as internal/billing names its fields, so a
	// refusal goes back to its field.
	FieldLine = "line"
)

// EditMeta travels in every draft form: the invoice, and the revision the
// form was drawn from.
type EditMeta struct {
	Invoice  int64 `json:"invoice"`
	Revision int   `json:"rev"`
}

func (m EditMeta) String() string {
	b, _ := json.Marshal(m)
	return string(b)
}

// linesShown is how many lines one page of an invoice message shows, each
// in a section of its own, inside Slack's 50 blocks.
const linesShown = 20

// entriesShown is how many of a line's entries it lists.
const entriesShown = 5

// InvoiceView is /invoice: one invoice with its lines, the entries behind
// each, its VAT and totals, what it bills of its time's value, and — for
// those who may change it — the buttons that do.
type InvoiceView struct {
	Invoice  billing.Invoice
	Page     int
	Editable bool       // the viewer may change it, and it may still change
	Role     atlas.Role // the viewer's: partners approve, managers submit
	Notice   string
	Payments []payments.Payment // once sent
	Credit   decimal.Decimal    // the client's credit on account
}

// Invoice draws an invoice.
func Invoice(v InvoiceView) []slack.Block {
	inv := v.Invoice
	cur := inv.Currency
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(inv.Name()+" · "+inv.Client(), blockkit.MaxHeaderText))}
	if v.Notice != "" {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(v.Notice, blockkit.MaxSectionText), nil, nil))
	}
	facts := []string{"*" + inv.Status.Label() + "*", blockkit.Escape(inv.Label)}
	if inv.Preparer != "" {
		facts = append(facts, "prepared by "+blockkit.Escape(inv.Preparer))
	}
	if inv.Registered {
		facts = append(facts, "VAT rounded "+map[billing.Rounding]string{billing.PerInvoice: "per invoice", billing.PerLine: "per line"}[inv.Rounding])
	} else {
		facts = append(facts, "no VAT (the practice is not VAT-registered)")
	}
	blocks = append(blocks, slack.NewContextBlock("invoice.facts", blockkit.Markdown(strings.Join(facts, " · "), blockkit.MaxSectionText)))
	if inv.RejectNote != "" {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(":leftwards_arrow_with_hook: Returned: "+blockkit.Escape(inv.RejectNote), 0), nil, nil))
	}

	lines, pg := blockkit.PageItems(inv.Lines, v.Page, linesShown)
	for _, l := range lines {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(lineText(l, cur), blockkit.MaxSectionText), nil, nil))
	}
	if pg.Pages > 1 {
		var nav []slack.BlockElement
		if pg.HasPrev() {
			nav = append(nav, slack.NewButtonBlockElement(ActionOpen+".prev", fmt.Sprintf("%d:%d", inv.ID, pg.Index-1),
				blockkit.Plain("‹ Earlier lines", blockkit.MaxButtonText)))
		}
		if pg.HasNext() {
			nav = append(nav, slack.NewButtonBlockElement(ActionOpen+".next", fmt.Sprintf("%d:%d", inv.ID, pg.Index+1),
				blockkit.Plain("More lines ›", blockkit.MaxButtonText)))
		}
		blocks = append(blocks, slack.NewContextBlock("invoice.lines.page", blockkit.Markdown(
			fmt.Sprintf("Lines %d–%d of %d", pg.Start+1, pg.End, pg.Total), 0)), slack.NewActionBlock("invoice.lines.nav", nav...))
	}
	blocks = append(blocks, slack.NewDividerBlock(), slack.NewSectionBlock(blockkit.Markdown(totalsText(inv), blockkit.MaxSectionText), nil, nil))
	blocks = append(blocks, paymentBlocks(v)...)
	if v.Editable {
		blocks = append(blocks, slack.NewActionBlock("invoice.edit", editButtons(inv)...))
	}
	if decide := decisionButtons(inv, v.Role); len(decide) > 0 {
		blocks = append(blocks, slack.NewActionBlock("invoice.decide", decide...))
	}
	if outcome := outcomeText(inv); outcome != "" && inv.Status != billing.Draft {
		blocks = append(blocks, slack.NewContextBlock("invoice.outcome", blockkit.Markdown(outcome, blockkit.MaxSectionText)))
	}
	return blocks
}

// lineText is one line: what, how much time at what rate, what it bills,
// any write-up or write-down with its reason, and its first entries.
func lineText(l billing.Line, cur string) string {
	var b strings.Builder
	b.WriteString("*" + blockkit.Escape(l.Description) + "*")
	if l.Note != "" {
		b.WriteString(" · " + blockkit.Escape(l.Note))
	}
	switch {
	case l.Kind == billing.TimeLine && l.Minutes != nil && l.Rate.Valid:
		fmt.Fprintf(&b, "\n%s h × %s = %s", billing.Hours(*l.Minutes), money.Format(l.Rate.Decimal, cur), money.Format(l.TimeValue, cur))
		if adj := l.Adjustment(); !adj.IsZero() {
			word := "Written down"
			if adj.IsPositive() {
				word = "Written up"
			}
			fmt.Fprintf(&b, "\n_%s %s: bills *%s*_", word, money.Format(adj.Abs(), cur), money.Format(l.Amount, cur))
			if l.AdjustReason != "" {
				b.WriteString(" — " + blockkit.Escape(l.AdjustReason))
			}
		}
	default:
		b.WriteString("\n" + money.Format(l.Amount, cur))
		if l.Kind == billing.AdhocLine {
			b.WriteString(" · added by hand")
		}
	}
	if l.Treatment != billing.Standard {
		b.WriteString(" · " + l.Treatment.Label())
	}
	for i, e := range l.Entries {
		if i == entriesShown {
			fmt.Fprintf(&b, "\n+%d more %s", len(l.Entries)-i, ui.Plural(len(l.Entries)-i, "entry", "entries"))
			break
		}
		fmt.Fprintf(&b, "\n• %s · %s · %s · %s", e.WorkDate.Format("Mon 2 Jan"), blockkit.Escape(e.Member), timeparse.Format(e.Minutes),
			money.Format(e.Value, cur))
		if d := strings.TrimSpace(e.Description); d != "" {
			b.WriteString(" — " + blockkit.Escape(blockkit.Truncate(d, 80)))
		}
	}
	return b.String()
}

// totalsText is the subtotal, the VAT by rate and the total, and what the
// invoice bills of its time's value.
func totalsText(inv billing.Invoice) string {
	cur := inv.Currency
	var b strings.Builder
	fmt.Fprintf(&b, "Subtotal %s", money.Format(inv.Subtotal, cur))
	if inv.Registered {
		lines := make([]billing.Taxed, len(inv.Lines))
		for i, l := range inv.Lines {
			lines[i] = billing.Taxed{Net: l.Amount, Treatment: l.Treatment, Rate: l.VATRate}
		}
		for _, band := range billing.Compute(lines, inv.Rounding).Bands {
			if band.Rate.IsZero() {
				fmt.Fprintf(&b, "\n%s: %s", band.Treatment.Label(), money.Format(band.Net, cur))
				continue
			}
			fmt.Fprintf(&b, "\nVAT %s%% on %s: %s", band.Rate.String(), money.Format(band.Net, cur), money.Format(band.VAT, cur))
		}
	}
	fmt.Fprintf(&b, "\n*Total %s*", money.Format(inv.Total, cur))
	if pct, ok := inv.Realisation(); ok {
		var billed, value decimal.Decimal
		for _, l := range inv.Lines {
			if l.Kind == billing.TimeLine {
				billed, value = billed.Add(l.Amount), value.Add(l.TimeValue)
			}
		}
		fmt.Fprintf(&b, "\nBills %s of %s of time: *%d%%*", money.Format(billed, cur), money.Format(value, cur), pct)
	}
	return b.String()
}

func editButtons(inv billing.Invoice) []slack.BlockElement {
	id := strconv.FormatInt(inv.ID, 10)
	btn := func(action, label string) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(action, id, blockkit.Plain(label, blockkit.MaxButtonText))
	}
	var out []slack.BlockElement
	hasTime := false
	for _, l := range inv.Lines {
		hasTime = hasTime || l.Kind == billing.TimeLine
	}
	out = append(out, btn(ActionEditLine, "Change a line"), btn(ActionEditTotal, "New total"), btn(ActionAddLine, "Add a line"))
	if hasTime {
		out = append(out, btn(ActionTakeOff, "Take time off"))
		if inv.Grouping == billing.PerEntry {
			out = append(out, slack.NewButtonBlockElement(ActionGrouping, id+":service", blockkit.Plain("List by service", blockkit.MaxButtonText)))
		} else {
			out = append(out, slack.NewButtonBlockElement(ActionGrouping, id+":entry", blockkit.Plain("List each entry", blockkit.MaxButtonText)))
		}
	}
	del := btn(ActionDelete, "Delete draft").WithStyle(slack.StyleDanger)
	del.WithConfirm(slack.NewConfirmationBlockObject(blockkit.Plain("Delete this draft?", blockkit.MaxModalTitle),
		blockkit.Markdown("Its time goes back to work in progress, and the run will not make it again.", 300),
		blockkit.Plain("Delete", blockkit.MaxModalButton), blockkit.Plain("Keep it", blockkit.MaxModalButton)).WithStyle(slack.StyleDanger))
	return append(out, del)
}

// ListView is /invoices: a page of invoices.
type ListView struct {
	Title    string // "Invoices · November 2026"
	Invoices []billing.Invoice
	Page     blockkit.Page
	Text     string // the /invoices text, for the page buttons
	Empty    string // what to say when there is none
}

// listShown is how many invoices a page lists.
const listShown = 15

// List draws a page of invoices, each with its Open button.
func List(v ListView) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(v.Title, blockkit.MaxHeaderText))}
	if len(v.Invoices) == 0 {
		return append(blocks, slack.NewSectionBlock(blockkit.Markdown(v.Empty, blockkit.MaxSectionText), nil, nil))
	}
	for _, inv := range v.Invoices {
		text := fmt.Sprintf("*%s* · %s\n%s · %s · %s", blockkit.Escape(inv.Client()), blockkit.Escape(inv.Label),
			inv.Name(), inv.Status.Label(), money.Format(inv.Total, inv.Currency))
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil,
			slack.NewAccessory(slack.NewButtonBlockElement(ActionOpen, strconv.FormatInt(inv.ID, 10), blockkit.Plain("Open", blockkit.MaxButtonText)))))
	}
	if v.Page.Pages > 1 {
		var nav []slack.BlockElement
		if v.Page.HasPrev() {
			nav = append(nav, slack.NewButtonBlockElement(ActionListPage+"prev", pageText(v.Text, v.Page.Index-1),
				blockkit.Plain("‹ Previous page", blockkit.MaxButtonText)))
		}
		if v.Page.HasNext() {
			nav = append(nav, slack.NewButtonBlockElement(ActionListPage+"next", pageText(v.Text, v.Page.Index+1),
				blockkit.Plain("Next page ›", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary))
		}
		blocks = append(blocks, slack.NewContextBlock("invoices.page", blockkit.Markdown(fmt.Sprintf("%s · %d invoices", v.Page.Label(), v.Page.Total), 0)),
			slack.NewActionBlock("invoices.nav", nav...))
	}
	return blocks
}

// pageText is the /invoices text that shows a zero-based page.
func pageText(text string, page int) string {
	return strings.TrimSpace(fmt.Sprintf("%s page %d", text, page+1))
}

// RunView is the answer to /invoices run, with the month's time review
// in a line: what to fix before the drafts are approved.
func RunView(r billing.RunResult, rev billing.Review) []slack.Block {
	cur := r.Currency
	sum := func(ms []billing.Made) string {
		var net, total decimal.Decimal
		for _, m := range ms {
			net, total = net.Add(m.Subtotal), total.Add(m.Total)
		}
		return amounts(net, total, cur)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Billing run for %s*\n", r.Period.Label())
	fmt.Fprintf(&b, "• %d retainer %s made, %s\n", len(r.Retainers), ui.Plural(len(r.Retainers), "invoice", "invoices"), sum(r.Retainers))
	if r.HourlyRanBefore != nil {
		fmt.Fprintf(&b, "• %s's hourly invoices were made on %s; this run made none\n", r.Period.Label(), r.HourlyRanBefore.Format("2 Jan 2006"))
	} else {
		fmt.Fprintf(&b, "• %d hourly %s made, %s\n", len(r.Hourly), ui.Plural(len(r.Hourly), "invoice", "invoices"), sum(r.Hourly))
	}
	made := append(append([]billing.Made(nil), r.Retainers...), r.Hourly...)
	if len(made) > 0 {
		b.WriteString("They are awaiting a partner's approval; nothing goes to a client before that.")
	} else {
		b.WriteString("Nothing new to invoice: every retainer due is invoiced, and the month's time was billed by an earlier run.")
	}
	blocks := []slack.Block{slack.NewSectionBlock(blockkit.Markdown(b.String(), blockkit.MaxSectionText), nil, nil)}
	var list []string
	for _, m := range made {
		list = append(list, fmt.Sprintf("• %s · %s · %s", blockkit.Escape(m.Client), blockkit.Escape(m.Label), amounts(m.Subtotal, m.Total, cur)))
	}
	blocks = append(blocks, listSections(list, 25, "made")...)
	var warn []string
	for _, s := range r.Skipped {
		warn = append(warn, fmt.Sprintf("• %s, %s: not invoiced — %s. Set its fee with `/atlas clients edit`.", blockkit.Escape(s.Client), s.Period.Label(), s.Reason))
	}
	for _, m := range made {
		if m.NoEmail {
			warn = append(warn, fmt.Sprintf("• %s has no billing email: add one before the invoice can be sent.", blockkit.Escape(m.Client)))
		}
	}
	if n := len(rev.NoService) + len(rev.NoRate) + len(rev.NonBillableOnPaid) + len(rev.BillableOnUnpaid); n > 0 || len(rev.Missing) > 0 {
		warn = append(warn, fmt.Sprintf("• The month's time: %d %s to check and %d %s with working days missing — `/invoices check %s`",
			n, ui.Plural(n, "entry", "entries"), len(rev.Missing), ui.Plural(len(rev.Missing), "person", "people"), r.Period.String()))
	}
	if len(warn) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(":warning: *Needs attention*", 0), nil, nil))
		blocks = append(blocks, listSections(warn, 15, "more")...)
	}
	if len(made) > 0 {
		blocks = append(blocks, slack.NewActionBlock("invoices.run", slack.NewButtonBlockElement(ActionRunList, "awaiting",
			blockkit.Plain("Review the drafts", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary)))
	}
	return blocks
}

// amounts is "£450.00 + VAT £90.00", or "£450.00" with no VAT.
func amounts(net, total decimal.Decimal, cur string) string {
	if vat := total.Sub(net); !vat.IsZero() {
		return money.Format(net, cur) + " + VAT " + money.Format(vat, cur)
	}
	return money.Format(net, cur)
}

// listSections puts lines into sections, at most shown of them, saying how
// many more there are.
func listSections(lines []string, shown int, more string) []slack.Block {
	if len(lines) == 0 {
		return nil
	}
	var text string
	for i, l := range lines {
		if i == shown {
			text += fmt.Sprintf("\n+%d %s", len(lines)-i, more)
			break
		}
		text += "\n" + l
	}
	var blocks []slack.Block
	for _, part := range splitText(strings.TrimPrefix(text, "\n"), blockkit.MaxSectionText) {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(part, blockkit.MaxSectionText), nil, nil))
	}
	return blocks
}

// splitText cuts text at line ends into parts of at most max characters.
func splitText(text string, max int) []string {
	var out []string
	cur := ""
	for _, l := range strings.Split(text, "\n") {
		if cur != "" && len(cur)+1+len(l) > max {
			out = append(out, cur)
			cur = ""
		}
		if cur != "" {
			cur += "\n"
		}
		cur += l
	}
	return append(out, cur)
}

// reviewShown is how many entries each part of the review lists.
const reviewShown = 6

// ReviewView is /invoices check: the month-end review of the time.
func ReviewView(r billing.Review) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain("Time review · "+r.Period.Label(), blockkit.MaxHeaderText))}
	if r.Clean() {
		return append(blocks, slack.NewSectionBlock(blockkit.Markdown(":white_check_mark: Nothing to fix: every entry has a service and a rate, "+
			"billable time is on billable services, and everyone logged time on every working day.", 0), nil, nil))
	}
	blocks = append(blocks, slack.NewContextBlock("review.intro", blockkit.Markdown(
		"What to fix before the month's hourly invoices are made, so they bill complete, categorised time.", 0)))
	part := func(title, why string, es []billing.ReviewEntry) {
		if len(es) == 0 {
			return
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("*%s* — %d\n%s", title, len(es), why), 0), nil, nil))
		for i, e := range es {
			if i == reviewShown {
				blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(fmt.Sprintf("+%d more: `/timesheet %s @person` shows them all.",
					len(es)-i, r.Period.String()), 0)))
				break
			}
			text := fmt.Sprintf("%s · <@%s> · %s · %s", e.WorkDate.Format("Mon 2 Jan"), e.SlackUserID, blockkit.Escape(e.Client), timeparse.Format(e.Minutes))
			if e.Service != "" {
				text += " · " + blockkit.Escape(e.Service)
			}
			if d := strings.TrimSpace(e.Description); d != "" {
				text += " — " + blockkit.Escape(blockkit.Truncate(d, 60))
			}
			blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil,
				slack.NewAccessory(slack.NewButtonBlockElement(ui.ActionEntryEdit, strconv.FormatInt(e.ID, 10), blockkit.Plain("Fix", blockkit.MaxButtonText)))))
		}
	}
	part("Time without a service", "A fixed-fee client's waits unbilled; an hourly client's bills as “Other work”.", r.NoService)
	part("Time with no rate", "No rate was in force on its date, so it has no value to bill. Set one with `/atlas rates set`.", r.NoRate)
	part("Non-billable time on a billable service", "Check it should not be billed.", r.NonBillableOnPaid)
	part("Billable time on a non-billable service", "Its service is never invoiced, so this time is not billed. Move it to the service it was for.", r.BillableOnUnpaid)
	if len(r.Missing) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("*Working days with no time* — %d %s",
			len(r.Missing), ui.Plural(len(r.Missing), "person", "people")), 0), nil, nil))
		for i, m := range r.Missing {
			if i == reviewShown {
				blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(fmt.Sprintf("+%d more people", len(r.Missing)-i), 0)))
				break
			}
			text := fmt.Sprintf("<@%s> · %d %s: %s", m.SlackUserID, len(m.Days), ui.Plural(len(m.Days), "day", "days"), dayList(m.Days))
			blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil,
				slack.NewAccessory(slack.NewButtonBlockElement(ui.ActionTimesheetShow+".review", r.Period.String()+" <@"+m.SlackUserID+">",
					blockkit.Plain("Timesheet", blockkit.MaxButtonText)))))
		}
	}
	return blocks
}

// dayList is "Mon 2, Tue 3 and Fri 27 Nov".
func dayList(days []time.Time) string {
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = d.Format("Mon 2")
	}
	if len(parts) > 12 {
		parts = append(parts[:12], fmt.Sprintf("%d more", len(days)-12))
	}
	return ui.List(parts) + " " + days[len(days)-1].Format("Jan")
}
