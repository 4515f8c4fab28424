package digest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/digest"
	"github.com/atlas-practice/atlas/bot/ui"
	figures "github.com/atlas-practice/atlas/internal/digest"
)

var (
	thursday  = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	wednesday = thursday.AddDate(0, 0, -1)
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func pack(id int64, client string, stage int, stageName, preparer string, due time.Time) figures.Pack {
	days := 0
	if due.Before(thursday) {
		days = int(thursday.Sub(due).Hours() / 24)
	}
	return figures.Pack{TaskID: id, Client: client, Stage: stage, StageName: stageName, PreparerName: preparer, PreparerSlack: "U" + preparer,
		Due: due, DaysOverdue: days}
}

// busy is a day with something in every section.
func busy() figures.Practice {
	return figures.Practice{Name: "Ledgerline", Currency: "GBP", Day: thursday, LastDay: wednesday,
		Overdue: []figures.Pack{
			pack(11, "ACME · Acme Trading Ltd", 2, "Reconcile", "Bea", thursday.AddDate(0, 0, -12)),
			pack(12, "NWT · Northwind Traders", 1, "Collect source documents", "Cal", thursday.AddDate(0, 0, -3)),
		},
		OverdueTotal: 2, AtRisk: 3,
		DueThisWeek:  []figures.Pack{pack(13, "PINE · Pine & Co Design", 3, "Review", "Bea", thursday.AddDate(0, 0, 1))},
		DueWeekTotal: 1,
		Bottleneck:   &figures.Stuck{Stage: 3, StageName: "Review", PastTarget: 4, Waiting: 6, MedianDays: 5},
		Completion:   figures.Completion{Done: 18, Total: 40, LastDone: 12, LastTotal: 38},
		AwaitingApproval: []figures.Invoice{{ID: 7, Client: "NWT · Northwind Traders", Total: dec("480.00")},
			{ID: 8, Client: "ACME · Acme Trading Ltd", Total: dec("540.00")}},
		AwaitingApprovalTotal: 2, AwaitingApprovalSum: dec("1020.00"),
		OverdueInvoices:      []figures.Invoice{{ID: 3, Number: "INV-2026-0003", Client: "BAKER · Baker & Sons", Total: dec("1250.00"), DaysOverdue: 45}},
		OverdueInvoicesTotal: 1, OverdueInvoicesOwed: dec("1250.00"),
		WIPTotal:       dec("50437.50"),
		WIPOver:        []figures.Client{{ID: 4, Client: "VALLEY · Valley Vets Ltd", Value: dec("6398.50"), OldestDays: 31}},
		WIPOverAll:     1,
		UnderRecovered: []figures.Recovery{{Client: "FIXED · Fixed Fee Ltd", Fee: dec("300"), Value: dec("500"), CoveragePct: 60}},
		Idle:           []figures.Idle{{Name: "Cal", SlackUser: "UCAL", CapacityMinutes: 450}},
	}
}

// The digest's composition, from figures to blocks: a busy day, a quiet
// day, and 400 overdue packs.
func TestPracticeDigestGolden(t *testing.T) {
	f := busy()
	m := digest.Practice(f)
	blockkittest.GoldenMessage(t, "busy", m.Blocks)
	if len(digest.Thread(f)) != 2 { // due this week; awaiting approval
		t.Fatalf("busy thread: %d pages", len(digest.Thread(f)))
	}
	for n := range digest.Thread(f) {
		page, ok := digest.ThreadPage(f, n)
		if !ok {
			t.Fatal(n)
		}
		blockkittest.GoldenMessage(t, fmt.Sprintf("busy-thread-%d", n), page.Blocks)
	}
	late := f
	late.Late = true
	if s := blockkittest.JSON(t, digest.Practice(late).Blocks); !strings.Contains(s, "Posted late") {
		t.Fatalf("late: %s", s)
	}

	quiet := figures.Practice{Name: "Ledgerline", Currency: "GBP", Day: thursday, LastDay: wednesday}
	m = digest.Practice(quiet)
	blockkittest.GoldenMessage(t, "quiet", m.Blocks)
	if len(m.Blocks) != 2 || len(digest.Thread(quiet)) != 0 {
		t.Fatalf("a quiet day in %d blocks and %d thread pages", len(m.Blocks), len(digest.Thread(quiet)))
	}
}

// 400 overdue packs: the message lists five and stays within Slack's
// limits; the thread carries all 400 in pages of 40, each with its Open.
func TestFourHundredOverduePacks(t *testing.T) {
	f := figures.Practice{Name: "Ledgerline", Currency: "GBP", Day: thursday, LastDay: wednesday, OverdueTotal: 400}
	long := strings.Repeat("Very Long Client Name ", 6)
	for i := range 400 {
		f.Overdue = append(f.Overdue, pack(int64(1000+i), fmt.Sprintf("C%03d · %s", i, long), 1+i%6, "Collect source documents", "Bea", thursday.AddDate(0, 0, -1-i%90)))
	}
	m := digest.Practice(f)
	blockkittest.GoldenMessage(t, "overdue-400", m.Blocks)
	s := blockkittest.JSON(t, m.Blocks)
	if n := strings.Count(s, ui.ActionTaskOpen); n != 5 || !strings.Contains(s, "395 more overdue in the thread") {
		t.Fatalf("the message: %d Open buttons: %s", n, s)
	}
	pages := digest.Thread(f)
	if len(pages) != 10 {
		t.Fatalf("%d thread pages, want 10", len(pages))
	}
	seen := map[string]bool{}
	for n := range pages {
		page, ok := digest.ThreadPage(f, n)
		if !ok {
			t.Fatal(n)
		}
		blockkittest.GoldenMessage(t, fmt.Sprintf("overdue-400-thread-%d", n), page.Blocks) // checks the limits
		js, _ := json.Marshal(page.Blocks)
		for _, id := range strings.Split(string(js), `"action_id":"`+ui.ActionTaskOpen+`","value":"`)[1:] {
			seen[id[:4]] = true
		}
	}
	if len(seen) != 400 {
		t.Fatalf("the thread opens %d packs, want 400", len(seen))
	}
	if _, ok := digest.ThreadPage(f, 10); ok {
		t.Fatal("a page past the end")
	}
}

func TestPersonalDigestGolden(t *testing.T) {
	since := time.Date(2026, 12, 2, 16, 5, 0, 0, time.UTC)
	p := figures.Person{Name: "Pat", SlackUser: "UPAT", IsPartner: true, Currency: "GBP", Day: thursday, LastDay: wednesday,
		Overdue:       []figures.Pack{pack(11, "ACME · Acme Trading Ltd", 2, "Reconcile", "Pat", thursday.AddDate(0, 0, -12))},
		DueThisWeek:   []figures.Pack{pack(13, "PINE · Pine & Co Design", 3, "Review", "Pat", thursday.AddDate(0, 0, 1))},
		ToReview:      []figures.Pack{pack(14, "NWT · Northwind Traders", 5, "Review", "Bea", thursday.AddDate(0, 0, 4))},
		ToApprove:     []figures.Invoice{{ID: 7, Client: "NWT · Northwind Traders", Total: dec("480.00")}},
		LoggedMinutes: 300, CapacityMinutes: 450, TimerSince: &since, TimerClient: "ACME · Acme Trading Ltd"}
	blockkittest.GoldenMessage(t, "person", digest.Person(p).Blocks)
}

// The message says the lists are in the thread exactly when there is one.
func TestThreadMentionedIffThreaded(t *testing.T) {
	cases := []figures.Practice{busy(), {Currency: "GBP", Day: thursday, LastDay: wednesday, WIPTotal: dec("10")}}
	one := busy()
	one.DueThisWeek, one.DueWeekTotal, one.AwaitingApproval = nil, 0, nil
	cases = append(cases, one)
	for i, f := range cases {
		says := strings.Contains(blockkittest.JSON(t, digest.Practice(f).Blocks), "The full lists are in the thread")
		if says != (len(digest.Thread(f)) > 0) {
			t.Errorf("case %d: says %v, %d thread pages", i, says, len(digest.Thread(f)))
		}
	}
}
