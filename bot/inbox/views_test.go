package inbox

import (
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/inbox"
	"github.com/atlas-practice/atlas/internal/portal"
)

var london, _ = time.LoadLocation("Europe/London")

func pending(id int64, files int) inbox.Pending {
	p := inbox.Pending{ID: id, From: "jane@harbour.example", FromName: "Jane <Smith>", Subject: "Receipts & bank for November",
		Snippet: "Please find attached.", ReceivedAt: time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC), Skipped: []string{"setup.exe"}}
	for i := range files {
		p.Files = append(p.Files, inbox.File{Name: strings.Repeat("receipt-", i%3+1) + ".pdf", Size: int64(1000 * (i + 1))})
	}
	return p
}

func TestListMessage(t *testing.T) {
	t.Parallel()
	blockkittest.GoldenMessage(t, "inbox_list", ListMessage(Listing{Pending: []inbox.Pending{pending(1, 2), pending(2, 0)}, Total: 2,
		Address: "docs@in.example.com", Loc: london}).Blocks)
	blockkittest.GoldenMessage(t, "inbox_empty", ListMessage(Listing{Loc: london}).Blocks)
	blockkittest.GoldenModal(t, "inbox_assign", AssignModal(pending(1, 2), london))
	p := atlas.Period{Year: 2026, Month: time.November}
	blockkittest.GoldenMessage(t, "inbox_received", ReceivedMessage(portal.Received{DocumentID: 1, FileName: "bank-nov.pdf",
		Client: "Acme Trading Ltd", Contact: "Jane Smith", Item: "Bank statements", TaskID: 7, Period: &p}).Blocks)
}

// A full page of the longest emails, each with many files, stays within
// Slack's limits.
func TestListMessageStaysWithinLimits(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("&<>|é", 60)
	var ps []inbox.Pending
	for i := range 15 {
		p := pending(int64(i+1), 20)
		p.Subject, p.Snippet, p.FromName = long, long, long
		p.Skipped = []string{long, long, long}
		for j := range p.Files {
			p.Files[j].Name = long
		}
		ps = append(ps, p)
	}
	m := ListMessage(Listing{Pending: ps, Total: 40, Address: "docs@in.example.com", Loc: london})
	blockkittest.GoldenMessage(t, "inbox_long", m.Blocks)
	if !strings.Contains(blockkittest.JSON(t, m.Blocks), "30 more after these") {
		t.Error("the footer does not say how many more wait")
	}
	blockkittest.GoldenModal(t, "inbox_assign_long", AssignModal(ps[0], london))
}
