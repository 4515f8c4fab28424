package portal

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/portal"
)

var london, _ = time.LoadLocation("Europe/London")

func period(y int, m time.Month) *atlas.Period { return &atlas.Period{Year: y, Month: m} }

func doc(id int64, p *atlas.Period, item int64, itemText, source, name string, size int64, by string, at time.Time, links bool) Doc {
	d := Doc{StaffDocument: portal.StaffDocument{ID: id, Period: p, ItemID: item, Item: itemText, Source: source,
		FileName: name, Size: size, By: by, At: at}}
	if links {
		d.URL = fmt.Sprintf("https://atlas.example/portal/files/tok%d", id)
	}
	return d
}

func sample(links bool) Listing {
	nov, oct := period(2026, time.November), period(2026, time.October)
	at := time.Date(2026, 12, 3, 14, 5, 0, 0, time.UTC)
	return Listing{Client: "NWT · Smith & Sons <Ltd>", Code: "NWT", Loc: london, Links: links, Text: "NWT",
		Docs: []Doc{
			doc(1, nov, 10, "Bank statements", portal.SourcePortal, "bank-nov.pdf", 125_000, "Jane Smith", at, links),
			doc(2, nov, 10, "Bank statements", portal.SourcePortal, "savings|nov & dec.pdf", 812, "Jane Smith", at.Add(-time.Hour), links),
			doc(3, nov, 10, "Bank statements", portal.SourcePractice, "bank-nov-from-feed.csv", 3_400_000, "Bea Bookkeeper", at, links),
			doc(4, nov, 0, "", portal.SourceInbox, "receipt.jpg", 48_000, "", at.Add(-48*time.Hour), links),
			doc(5, oct, 11, "Sales invoices", portal.SourcePortal, "sales-oct.xlsx", 20_480, "Jane Smith", at.AddDate(0, -1, 0), links),
			doc(6, nil, 0, "", portal.SourcePractice, "engagement-letter.pdf", 90_000, "Mina Manager", at.AddDate(-1, 0, 0), links),
		}}
}

func TestDocsMessage(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]Listing{
		"links":    sample(true),
		"no_links": sample(false),
		"empty":    {Client: "NWT · Northwind Traders", Code: "NWT", Loc: london},
		"empty_month": {Client: "NWT · Northwind Traders", Code: "NWT", Loc: london, Period: period(2026, time.November),
			Text: "NWT 2026-11"},
	} {
		t.Run(name, func(t *testing.T) {
			m := DocsMessage(v)
			blockkittest.GoldenMessage(t, "docs_"+name, m.Blocks)
		})
	}
	m := blockkittest.JSON(t, DocsMessage(sample(true)).Blocks)
	for _, want := range []string{"<https://atlas.example/portal/files/tok1|bank-nov.pdf> · 122.1 KB · Jane Smith · 3 Dec 2026 14:05",
		"savings¦nov &amp; dec.pdf", "*Bank statements* · _the practice's own_", "*Not for an item* · _by email_", "*No month*",
		"Smith &amp; Sons &lt;Ltd&gt;"} {
		if !strings.Contains(m, want) {
			t.Errorf("lacks %q: %s", want, m)
		}
	}
	if m := blockkittest.JSON(t, DocsMessage(sample(false)).Blocks); strings.Contains(m, "portal/files") || !strings.Contains(m, "PORTAL_SECRET") {
		t.Errorf("without a secret: %s", m)
	}
}

// A client with 24 months of 10 documents each, every one in a group of
// its own, with the longest names and links: every page stays within
// Slack's limits, and the pages between them list every document once.
func TestDocsMessagePagesStayWithinLimits(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("&<>|é", 51) // 255 runes, each escaped longer
	base := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	var v Listing
	v.Client, v.Code, v.Loc, v.Links, v.Text = "BIG · "+long, "BIG", london, true, "BIG"
	p := atlas.Period{Year: 2026, Month: time.November}
	id := int64(0)
	for range 24 {
		pp := p
		for i := range 10 {
			id++
			src := []string{portal.SourcePortal, portal.SourcePractice, portal.SourceInbox}[i%3]
			d := doc(id, &pp, int64(i), long, src, long+".pdf", int64(i)<<20, long, base, true)
			d.URL = "https://portal." + strings.Repeat("x", 200) + ".example/portal/files/" + strings.Repeat("A", 64)
			v.Docs = append(v.Docs, d)
		}
		p = p.Prev()
	}
	seen := map[string]int{}
	pages := (len(v.Docs) + docsShown - 1) / docsShown
	for page := range pages {
		v.Page = page
		m := DocsMessage(v)
		if err := blockkit.CheckMessage(m.Blocks); err != nil {
			t.Fatalf("page %d: %v", page+1, err)
		}
		if len(m.Blocks) > blockkit.MaxMessageBlocks {
			t.Fatalf("page %d: %d blocks", page+1, len(m.Blocks))
		}
		js := blockkittest.JSON(t, m.Blocks)
		seen[fmt.Sprint(strings.Count(js, "portal/files/"))]++
		if page == 1 {
			blockkittest.GoldenMessage(t, "docs_big_page2", m.Blocks)
		}
	}
	if seen[fmt.Sprint(docsShown)] != pages {
		t.Errorf("links a page: %v, want %d on each of %d pages", seen, docsShown, pages)
	}
}

func TestReadDocs(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for text, want := range map[string]string{
		"northwind traders":              "northwind traders|all|false|0",
		"northwind traders 2026-11":      "northwind traders|2026-11|false|0",
		"northwind traders nov":          "northwind traders|2026-11|false|0",
		"NWT november 2025":              "NWT|2025-11|false|0",
		"nwt dec":                        "nwt|2026-12|false|0",
		"nwt jan":                        "nwt|2026-01|false|0",
		"nwt last month":                 "nwt|2026-11|false|0",
		"nwt 2026-10 page 3":             "nwt|2026-10|false|2",
		"nwt revoke":                     "nwt|all|true|0",
		"northwind traders Revoke":       "northwind traders|all|true|0",
		"nov":                            "nov|all|false|0", // a client's name, not a month
		"revoke":                         "revoke|all|false|0",
		"acme march":                     "acme|2026-03|false|0",
		"  northwind   traders  page 2 ": "northwind traders|all|false|1",
	} {
		q := readDocs(text, today)
		p := "all"
		if q.period != nil {
			p = q.period.String()
		}
		if got := fmt.Sprintf("%s|%s|%v|%d", q.client, p, q.revoke, q.page); got != want {
			t.Errorf("%q: %s, want %s", text, got, want)
		}
	}
}
