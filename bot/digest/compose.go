package digest

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/digest"
	"github.com/atlas-practice/atlas/internal/money"
)

// How much the message itself lists; the rest goes to its thread.
const (
	packsShown    = 5  // overdue packs in the message, each with Open
	namesShown    = 5  // clients, invoices or people named in a line
	perThreadPage = 40 // items a thread page lists, each a section with its button
)

func day(t time.Time) string { return t.Format("Monday 2 January") }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func section(text string, button *slack.ButtonBlockElement) slack.Block {
	var acc *slack.Accessory
	if button != nil {
		acc = slack.NewAccessory(button)
	}
	return slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, acc)
}

func button(action, value, label string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(action, value, blockkit.Plain(label, blockkit.MaxButtonText))
}

func packLine(p digest.Pack) string {
	s := fmt.Sprintf("*%s* — stage %d, %s · %s", blockkit.Escape(p.Client), p.Stage, blockkit.Escape(p.StageName), blockkit.Escape(p.PreparerName))
	if p.DaysOverdue > 0 {
		return s + " · " + plural(p.DaysOverdue, "day", "days") + " overdue"
	}
	return s + " · due " + p.Due.Format("Mon 2 Jan")
}

func openPack(p digest.Pack) *slack.ButtonBlockElement {
	return button(ui.ActionTaskOpen, ui.ID(p.TaskID), "Open")
}

func invoiceName(i digest.Invoice) string {
	if i.Number != "" {
		return i.Number
	}
	return fmt.Sprintf("Draft %d", i.ID)
}

// Quiet says whether the practice has nothing that needs attention today.
func Quiet(f digest.Practice) bool {
	return f.OverdueTotal == 0 && f.AtRisk == 0 && f.DueWeekTotal == 0 && f.Bottleneck == nil && f.AwaitingApprovalTotal == 0 &&
		f.OverdueInvoicesTotal == 0 && f.WIPOverAll == 0 && len(f.UnderRecovered) == 0 && len(f.Idle) == 0
}

// Practice composes the practice's digest: what needs attention first, then
// how the month goes, money, and time. Empty sections are left out; a quiet
// day says so in one line. Each line leads to where it is acted on; the
// long lists are in the thread (Thread).
func Practice(f digest.Practice) slackapp.Message {
	cur := f.Currency
	title := "Morning digest · " + day(f.Day)
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(title, blockkit.MaxHeaderText))}
	if f.Late {
		blocks = append(blocks, slack.NewContextBlock("digest.late", blockkit.Markdown(":hourglass: Posted late: Atlas was not running at the digest's time.", 0)))
	}
	if Quiet(f) && f.WIPTotal.IsZero() {
		return slackapp.Message{Text: title + ": a quiet day", Blocks: append(blocks,
			section(":sunny: A quiet day: nothing overdue, nothing waiting for approval, no one owes money past its due date, and nothing unbilled.", nil))}
	}
	threaded := len(Thread(f)) > 0

	// Packs.
	if f.OverdueTotal > 0 || f.AtRisk > 0 || f.DueWeekTotal > 0 {
		var parts []string
		if f.OverdueTotal > 0 {
			parts = append(parts, fmt.Sprintf("*%s overdue*", plural(f.OverdueTotal, "pack", "packs")))
		}
		if f.AtRisk > 0 {
			parts = append(parts, fmt.Sprintf("%d at risk", f.AtRisk))
		}
		if f.DueWeekTotal > 0 {
			parts = append(parts, fmt.Sprintf("%d due this week", f.DueWeekTotal))
		}
		blocks = append(blocks, section(":rotating_light: "+strings.Join(parts, " · "), nil))
		for i, p := range f.Overdue {
			if i == packsShown {
				break
			}
			blocks = append(blocks, section(packLine(p), openPack(p)))
		}
		if more := f.OverdueTotal - min(len(f.Overdue), packsShown); more > 0 || f.DueWeekTotal > 0 {
			var what []string
			if more > 0 {
				what = append(what, fmt.Sprintf("%d more overdue", more))
			}
			if f.DueWeekTotal > 0 {
				what = append(what, fmt.Sprintf("%d due this week", f.DueWeekTotal))
			}
			blocks = append(blocks, slack.NewContextBlock("digest.packs.more", blockkit.Markdown(":thread: "+strings.Join(what, " and ")+" in the thread.", 0)))
		}
	}
	if b := f.Bottleneck; b != nil {
		waited := "a median of " + plural(b.MedianDays, "day", "days")
		if b.MedianDays == 0 {
			waited = "most of them less than a day"
		}
		blocks = append(blocks, section(fmt.Sprintf(":construction: *Bottleneck: stage %d, %s* — %d of the %d packs there are past the stage's target; they have waited %s.",
			b.Stage, blockkit.Escape(b.StageName), b.PastTarget, b.Waiting, waited), nil))
	}
	if c := f.Completion; c.Total > 0 {
		text := fmt.Sprintf(":chart_with_upwards_trend: *This month %d%% done* (%d of %d packs)", c.Done*100/c.Total, c.Done, c.Total)
		if c.LastTotal > 0 {
			text += fmt.Sprintf(" · last month by the same working day, %d%% (%d of %d)", c.LastDone*100/c.LastTotal, c.LastDone, c.LastTotal)
		}
		blocks = append(blocks, section(text, nil))
	}

	// Money.
	if f.AwaitingApprovalTotal > 0 || f.OverdueInvoicesTotal > 0 {
		blocks = append(blocks, slack.NewDividerBlock())
	}
	if f.AwaitingApprovalTotal > 0 {
		blocks = append(blocks, section(fmt.Sprintf(":inbox_tray: *%s awaiting approval*, %s in all.", plural(f.AwaitingApprovalTotal, "invoice", "invoices"),
			money.Format(f.AwaitingApprovalSum, cur)), button(ui.ActionInvoicesReview, "", "Review")))
	}
	if f.OverdueInvoicesTotal > 0 {
		text := fmt.Sprintf(":money_with_wings: *%s overdue*, %s owed.", plural(f.OverdueInvoicesTotal, "invoice", "invoices"), money.Format(f.OverdueInvoicesOwed, cur))
		var open *slack.ButtonBlockElement
		if len(f.OverdueInvoices) > 0 {
			o := f.OverdueInvoices[0]
			text += fmt.Sprintf(" The oldest: %s · %s, %s, %s overdue.", blockkit.Escape(invoiceName(o)), blockkit.Escape(o.Client), money.Format(o.Total, cur),
				plural(o.DaysOverdue, "day", "days"))
			open = button(ui.ActionInvoiceOpen, ui.ID(o.ID), "Open")
		}
		blocks = append(blocks, section(text, open))
	}

	// Work in progress.
	if !f.WIPTotal.IsZero() || len(f.UnderRecovered) > 0 {
		blocks = append(blocks, slack.NewDividerBlock())
		text := fmt.Sprintf(":hourglass_flowing_sand: *%s unbilled*", money.Format(f.WIPTotal, cur))
		if f.WIPOverAll > 0 {
			var names []string
			for i, c := range f.WIPOver {
				if i == namesShown {
					break
				}
				names = append(names, fmt.Sprintf("%s %s", blockkit.Escape(c.Client), money.Format(c.Value, cur)))
			}
			text += fmt.Sprintf(" · %s over the practice's limits: %s", plural(f.WIPOverAll, "client", "clients"), strings.Join(names, ", "))
			if f.WIPOverAll > len(names) {
				text += fmt.Sprintf(" and %d more", f.WIPOverAll-len(names))
			}
		}
		blocks = append(blocks, section(text+". `/wip` has it all.", nil))
		if len(f.UnderRecovered) > 0 {
			var names []string
			for i, r := range f.UnderRecovered {
				if i == namesShown {
					break
				}
				names = append(names, fmt.Sprintf("%s (fee covers %d%%)", blockkit.Escape(r.Client), r.CoveragePct))
			}
			more := ""
			if len(f.UnderRecovered) > len(names) {
				more = fmt.Sprintf(" and %d more", len(f.UnderRecovered)-len(names))
			}
			blocks = append(blocks, section(fmt.Sprintf(":scales: *Fixed fees under-recovered last month:* %s%s.", strings.Join(names, ", "), more), nil))
		}
	}

	// Time.
	if len(f.Idle) > 0 {
		var names []string
		for i, p := range f.Idle {
			if i == namesShown {
				break
			}
			names = append(names, fmt.Sprintf("%s (%s a day)", blockkit.Escape(p.Name), ui.Hours(p.CapacityMinutes)))
		}
		more := ""
		if len(f.Idle) > len(names) {
			more = fmt.Sprintf(" and %d more", len(f.Idle)-len(names))
		}
		blocks = append(blocks, slack.NewDividerBlock(),
			section(fmt.Sprintf(":stopwatch: *No time logged on %s:* %s%s.", day(f.LastDay), strings.Join(names, ", "), more), nil))
	}
	if Quiet(f) {
		blocks = append(blocks, section(":sunny: Otherwise a quiet day: nothing overdue and nothing waiting for approval.", nil))
	}
	if threaded {
		blocks = append(blocks, slack.NewContextBlock("digest.thread", blockkit.Markdown("The full lists are in the thread, each with its button.", 0)))
	}
	return slackapp.Message{Text: title, Blocks: blocks}
}

// item is one line of a thread page, with the button that acts on it.
type item struct {
	text   string
	button *slack.ButtonBlockElement
}

// page is one message of the thread.
type page struct {
	title string
	items []item
}

// Thread is the digest's thread: every list in full, in pages of
// perThreadPage items, each item with its button. The message lists only
// the first few.
func Thread(f digest.Practice) []page {
	cur := f.Currency
	var pages []page
	add := func(title string, items []item, total int) {
		for start := 0; start < len(items); start += perThreadPage {
			end := min(start+perThreadPage, len(items))
			t := title
			if len(items) > perThreadPage {
				t = fmt.Sprintf("%s · %d–%d of %d", title, start+1, end, total)
			}
			pages = append(pages, page{title: t, items: items[start:end]})
		}
	}
	if len(f.Overdue) > packsShown {
		var items []item
		for _, p := range f.Overdue {
			items = append(items, item{packLine(p), openPack(p)})
		}
		add("Overdue packs, the oldest first", items, f.OverdueTotal)
	}
	if len(f.DueThisWeek) > 0 {
		var items []item
		for _, p := range f.DueThisWeek {
			items = append(items, item{packLine(p), openPack(p)})
		}
		add("Due this week", items, f.DueWeekTotal)
	}
	if len(f.AwaitingApproval) > 0 {
		var items []item
		for _, i := range f.AwaitingApproval {
			items = append(items, item{fmt.Sprintf("*%s* · %s · %s", blockkit.Escape(invoiceName(i)), blockkit.Escape(i.Client), money.Format(i.Total, cur)),
				button(ui.ActionInvoiceOpen, ui.ID(i.ID), "Open")})
		}
		add("Awaiting approval", items, f.AwaitingApprovalTotal)
	}
	if len(f.OverdueInvoices) > 1 {
		var items []item
		for _, i := range f.OverdueInvoices {
			items = append(items, item{fmt.Sprintf("*%s* · %s · %s owed, %s overdue", blockkit.Escape(invoiceName(i)), blockkit.Escape(i.Client),
				money.Format(i.Total, cur), plural(i.DaysOverdue, "day", "days")), button(ui.ActionInvoiceOpen, ui.ID(i.ID), "Open")})
		}
		add("Overdue invoices, the most overdue first", items, f.OverdueInvoicesTotal)
	}
	if len(f.WIPOver) > namesShown {
		var items []item
		for _, c := range f.WIPOver {
			items = append(items, item{fmt.Sprintf("*%s* · %s unbilled, the oldest %s ago", blockkit.Escape(c.Client), money.Format(c.Value, cur),
				plural(c.OldestDays, "day", "days")), button(ui.ActionInvoiceDraft, ui.ID(c.ID), "Draft invoice")})
		}
		add("Work in progress over the limits", items, f.WIPOverAll)
	}
	return pages
}

// ThreadPage composes page n of the thread; ok is false past its end.
func ThreadPage(f digest.Practice, n int) (slackapp.Message, bool) {
	pages := Thread(f)
	if n < 0 || n >= len(pages) {
		return slackapp.Message{}, false
	}
	p := pages[n]
	blocks := []slack.Block{section("*"+p.title+"*", nil)}
	for _, it := range p.items {
		blocks = append(blocks, section(it.text, it.button))
	}
	return slackapp.Message{Text: p.title, Blocks: blocks}, true
}

// Person composes a person's morning DM: their packs, reviews, approvals,
// yesterday's hours and a forgotten timer.
func Person(f digest.Person) slackapp.Message {
	title := "Good morning · " + day(f.Day)
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(title, blockkit.MaxHeaderText))}
	list := func(emoji, head string, packs []digest.Pack) {
		if len(packs) == 0 {
			return
		}
		blocks = append(blocks, section(fmt.Sprintf("%s *%s* (%d)", emoji, head, len(packs)), nil))
		for i, p := range packs {
			if i == packsShown {
				blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(fmt.Sprintf("and %d more: `/tasks mine`", len(packs)-packsShown), 0)))
				break
			}
			blocks = append(blocks, section(packLine(p), openPack(p)))
		}
	}
	list(":rotating_light:", "Your overdue packs", f.Overdue)
	list(":calendar:", "Due this week", f.DueThisWeek)
	list(":mag:", "Waiting for your review", f.ToReview)
	if len(f.ToApprove) > 0 {
		var sum []string
		for i, inv := range f.ToApprove {
			if i == namesShown {
				sum = append(sum, fmt.Sprintf("and %d more", len(f.ToApprove)-namesShown))
				break
			}
			sum = append(sum, fmt.Sprintf("%s %s", blockkit.Escape(inv.Client), money.Format(inv.Total, f.Currency)))
		}
		blocks = append(blocks, section(fmt.Sprintf(":inbox_tray: *%s waiting for your approval:* %s.", plural(len(f.ToApprove), "invoice", "invoices"),
			strings.Join(sum, ", ")), button(ui.ActionInvoicesReview, "", "Review")))
	}
	if f.CapacityMinutes > 0 {
		emoji := ":white_check_mark:"
		if f.LoggedMinutes < f.CapacityMinutes {
			emoji = ":stopwatch:"
		}
		blocks = append(blocks, section(fmt.Sprintf("%s *%s:* you logged %s of your %s.", emoji, day(f.LastDay), ui.Hours(f.LoggedMinutes), ui.Hours(f.CapacityMinutes)), nil))
	}
	if f.TimerSince != nil {
		blocks = append(blocks, section(fmt.Sprintf(":alarm_clock: *Your timer on %s has run since %s.* Stop it with `/timer stop`, and fix its time if it ran on.",
			blockkit.Escape(f.TimerClient), f.TimerSince.Format("Mon 2 Jan 15:04")), nil))
	}
	blocks = append(blocks, slack.NewContextBlock("digest.off", blockkit.Markdown("`/atlas digest off` stops these morning messages.", 0)))
	return slackapp.Message{Text: title, Blocks: blocks}
}
