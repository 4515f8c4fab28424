package blockkit_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/slack-go/slack"
)

// overdueInvoices is the kind of view builder the helpers are for: it takes
// unbounded, user-controlled data and must still produce a valid message.
// It is here as a worked example and to pin the helpers' output in a golden
// file (testdata/overdue_invoices_page2.golden.json).
func overdueInvoices(clients []string, page int) []slack.Block {
	const perPage = 5
	items, p := blockkit.PageItems(clients, page, perPage)

	blocks := []slack.Block{
		slack.NewHeaderBlock(blockkit.Plain(fmt.Sprintf("Overdue invoices (%d)", p.Total), blockkit.MaxHeaderText)),
	}
	for i, client := range items {
		n := p.Start + i + 1
		if strings.TrimSpace(client) == "" {
			client = "Unnamed client" // "**" and "Chase " would render as noise
		}
		text := fmt.Sprintf("*%s*\nINV-%04d · %d days overdue", blockkit.Escape(client), n, 30+n)
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil,
			slack.NewAccessory(slack.NewButtonBlockElement("invoice.chase", fmt.Sprintf("inv_%04d", n),
				blockkit.Plain("Chase "+client, blockkit.MaxButtonText)))))
	}

	var nav []slack.BlockElement
	if p.HasPrev() {
		nav = append(nav, slack.NewButtonBlockElement("invoices.page", strconv.Itoa(p.Index-1), blockkit.Plain("Previous", blockkit.MaxButtonText)))
	}
	if p.HasNext() {
		nav = append(nav, slack.NewButtonBlockElement("invoices.page", strconv.Itoa(p.Index+1), blockkit.Plain("Next", blockkit.MaxButtonText)))
	}
	if len(nav) > 0 {
		blocks = append(blocks, slack.NewActionBlock("invoices.nav", nav...))
	}
	context := []slack.MixedElement{blockkit.Plain(p.Label(), 0)}
	if more := p.More(); more != "" {
		context = append(context, blockkit.Plain(more, 0))
	}
	return append(blocks, slack.NewContextBlock("", context...))
}

func TestOverdueInvoicesGolden(t *testing.T) {
	clients := []string{
		"Acme Ltd",
		"Smith & Sons <Holdings>",
		"Müller GmbH",
		"Ørsted Bookkeeping ApS",
		"Zeta Co",
		"A client whose registered name is far, far longer than any button could ever show in Slack",
		"", // a client record without a name must not break the view
		"Omega plc",
		"Nguyễn Trading",
		"🧾 Receipts R Us",
		"Last One Ltd",
		"Extra Ltd",
		"Spare plc",
	}
	blockkittest.GoldenMessage(t, "overdue_invoices_page2", overdueInvoices(clients, 1))
}

// TestOverdueInvoicesEveryPageValid runs the builder over hostile input on
// every page; CheckMessage is the safety net the golden cannot be, since
// the golden only pins one page of one input.
func TestOverdueInvoicesEveryPageValid(t *testing.T) {
	clients := make([]string, 123)
	for i := range clients {
		clients[i] = strings.Repeat("<&> Ünïcödé 🧾 ", i*10)
	}
	for page := -1; page <= 26; page++ {
		if err := blockkit.CheckMessage(overdueInvoices(clients, page)); err != nil {
			t.Fatalf("page %d:\n%v", page, err)
		}
	}
}
