package wip_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/billing/billingtest"
	"github.com/atlas-practice/atlas/internal/creditnotes"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/wip"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// now is the fixture's clock: the last day of November, midday in London.
var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

var today = billingtest.Day("2026-11-30")

// clients are the fixture's clients by code.
type clients map[string]int64

// autumn is the practice's unbilled time on 30 November 2026. The rate is
// £60 an hour, £80 from 16 November (a rate change made after the time was
// logged, which revalues the unbilled time dated from the 16th). Ages are
// days before 30 November.
//
//	ACME (hourly), nothing billed:
//	  Bea BK  20 Nov 2h   at £80 = £160.00   10 days   0–30
//	  Cal ADV 15 Oct 1h   at £60 =  £60.00   46 days  31–60
//	  Bea BK  10 Aug 1.5h at £60 =  £90.00  112 days  over 90
//	BETA (hourly):
//	  Bea BK  20 Sep 0.5h at £60 =  £30.00   billed (approved)
//	  Cal BK   5 Oct 1h   at £60 =  £60.00   taken off that draft, written off
//	  Bea BK   3 Nov 1h   at £60 =  £60.00   on a draft: still WIP, 0–30
//	GAMMA (hourly):
//	  Bea BK   1 Oct 2h   at £60 = £120.00   billed, sent, credited whole with
//	                                         its time back to WIP: 60 days, 31–60
//	EPSI (hourly):
//	  Cal BK  20 Oct 1h   at £60 =  £60.00   billed, then the invoice voided:
//	                                         WIP again, 41 days, 31–60
//	FIXED (retainer £300 covering BK, its invoice not yet approved):
//	  Bea BK   5 Nov 5h   at £60 = £300.00   covered, WIP until absorbed, 0–30
//	  Cal ADV 25 Nov 0.5h at £80 =  £40.00   not covered, 0–30
//	DELTA (hourly):
//	  Cal BK  28 Nov 0.75h, imported with no rate: no value, 0–30
func autumn(t *testing.T, f *billingtest.Fixture) clients {
	t.Helper()
	c := clients{}
	for _, code := range []string{"ACME", "BETA", "GAMMA", "EPSI", "DELTA"} {
		c[code] = f.HourlyClient(code)
	}
	c["FIXED"] = f.RetainerClient("FIXED", "300")
	f.Log(f.Bea, c["ACME"], "BK", "2026-11-20", 120)
	f.Log(f.Cal, c["ACME"], "ADV", "2026-10-15", 60)
	f.Log(f.Bea, c["ACME"], "BK", "2026-08-10", 90)
	f.Log(f.Bea, c["BETA"], "BK", "2026-09-20", 30)
	calBeta := f.Log(f.Cal, c["BETA"], "BK", "2026-10-05", 60)
	f.Log(f.Bea, c["BETA"], "BK", "2026-11-03", 60)
	f.Log(f.Bea, c["GAMMA"], "BK", "2026-10-01", 120)
	f.Log(f.Cal, c["EPSI"], "BK", "2026-10-20", 60)
	f.Log(f.Bea, c["FIXED"], "BK", "2026-11-05", 300)
	f.Log(f.Cal, c["FIXED"], "ADV", "2026-11-25", 30)
	if _, n, err := f.TS.SetRate(f.Ctx, f.P, 0, practice.RateInput{Amount: "80", From: "2026-11-16"}, f.Now); err != nil || n != 2 {
		t.Fatalf("the rate change revalued %d entries (%v), want 2", n, err)
	}
	f.Exec(`INSERT INTO time_entries (practice_id, member_id, entity_id, service_id, work_date, minutes, source, billable)
		VALUES ($1, $2, $3, $4, '2026-11-28', 45, 'import', true)`, f.PID, f.Cal, c["DELTA"], f.Svc["BK"])

	inv := f.DraftUpTo(c["BETA"], billing.Hourly, "2026-10-31")
	if _, err := f.BS.TakeOff(f.Ctx, f.PID, f.Mina, inv.ID, billing.AnyRevision, []int64{calBeta.ID}, true, "Training time"); err != nil {
		t.Fatal(err)
	}
	f.Approve(inv.ID)
	f.DraftUpTo(c["BETA"], billing.Hourly, "2026-11-30")

	inv = f.DraftUpTo(c["GAMMA"], billing.Hourly, "2026-10-31")
	f.Approve(inv.ID)
	f.Sent(inv.ID)
	if _, err := (creditnotes.Store{DB: f.DB}).Issue(f.Ctx, f.PID, f.Pat, creditnotes.Request{InvoiceID: inv.ID, Reason: "Billed twice",
		TimeTo: creditnotes.BackToWIP}, f.Now); err != nil {
		t.Fatal(err)
	}

	inv = f.DraftUpTo(c["EPSI"], billing.Hourly, "2026-10-31")
	f.Approve(inv.ID)
	if _, err := f.BS.Void(f.Ctx, f.PID, f.Pat, inv.ID, "Wrong client", f.Now); err != nil {
		t.Fatal(err)
	}
	return c
}

func report(t *testing.T, f *billingtest.Fixture, q wip.Query) wip.Report {
	t.Helper()
	r, err := wip.Store{DB: f.DB}.Report(f.Ctx, f.PID, q, today)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// line is a row as "label: hours h (unvalued h) value [aged] oldest".
func line(label string, f wip.Figures) string {
	unvalued := ""
	if f.Unvalued > 0 {
		unvalued = " (" + wip.Figures{Minutes: f.Unvalued}.Hours() + "h no rate)"
	}
	oldest := "-"
	if !f.Oldest.IsZero() {
		oldest = f.Oldest.Format("2006-01-02")
	}
	drafted := ""
	if !f.OnDraft.IsZero() {
		drafted = " (" + f.OnDraft.StringFixed(2) + " on drafts)"
	}
	return fmt.Sprintf("%s: %sh%s %s%s [%s %s %s %s] %s", label, f.Hours(), unvalued, f.Value.StringFixed(2), drafted,
		f.Aged[0].StringFixed(2), f.Aged[1].StringFixed(2), f.Aged[2].StringFixed(2), f.Aged[3].StringFixed(2), oldest)
}

func lines(r wip.Report) []string {
	var out []string
	for _, row := range r.Rows {
		out = append(out, line(row.Label(), row.Figures))
	}
	return append(out, line("Total", r.Total))
}

func same(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Every figure of autumn, worked by hand in its comment.
func TestAutumnWIP(t *testing.T) {
	t.Parallel()
	f := billingtest.New(t, pgtest.Tx(t), "W1", now)
	c := autumn(t, f)

	// By client, the largest first; BETA and EPSI tie at £60 and an hour,
	// and go by name.
	r := report(t, f, wip.Query{By: wip.ByClient})
	same(t, "by client", lines(r), []string{
		"FIXED · FIXED Ltd: 5.50h 340.00 [340.00 0.00 0.00 0.00] 2026-11-05",
		"ACME · ACME Ltd: 4.50h 310.00 [160.00 60.00 0.00 90.00] 2026-08-10",
		"GAMMA · GAMMA Ltd: 2.00h 120.00 [0.00 120.00 0.00 0.00] 2026-10-01",
		"BETA · BETA Ltd: 1.00h 60.00 (60.00 on drafts) [60.00 0.00 0.00 0.00] 2026-11-03",
		"EPSI · EPSI Ltd: 1.00h 60.00 [0.00 60.00 0.00 0.00] 2026-10-20",
		"DELTA · DELTA Ltd: 0.75h (0.75h no rate) 0.00 [0.00 0.00 0.00 0.00] 2026-11-28",
		"Total: 14.75h (0.75h no rate) 890.00 (60.00 on drafts) [560.00 240.00 0.00 90.00] 2026-08-10",
	})
	for _, row := range r.Rows {
		if row.Hourly != (row.Code != "FIXED") || row.ID != c[row.Code] {
			t.Fatalf("%s: hourly %v, id %d", row.Code, row.Hourly, row.ID)
		}
	}

	same(t, "by person", lines(report(t, f, wip.Query{By: wip.ByPerson})), []string{
		"Bea: 11.50h 730.00 (60.00 on drafts) [520.00 120.00 0.00 90.00] 2026-08-10",
		"Cal: 3.25h (0.75h no rate) 160.00 [40.00 120.00 0.00 0.00] 2026-10-15",
		"Total: 14.75h (0.75h no rate) 890.00 (60.00 on drafts) [560.00 240.00 0.00 90.00] 2026-08-10",
	})

	// By month, oldest first: September's time was billed or written off.
	same(t, "by month", lines(report(t, f, wip.Query{By: wip.ByMonth})), []string{
		"August 2026: 1.50h 90.00 [0.00 0.00 0.00 90.00] 2026-08-10",
		"October 2026: 4.00h 240.00 [0.00 240.00 0.00 0.00] 2026-10-01",
		"November 2026: 9.25h (0.75h no rate) 560.00 (60.00 on drafts) [560.00 0.00 0.00 0.00] 2026-11-03",
		"Total: 14.75h (0.75h no rate) 890.00 (60.00 on drafts) [560.00 240.00 0.00 90.00] 2026-08-10",
	})

	// One client, by person; one person, by client.
	r = report(t, f, wip.Query{By: wip.ByPerson, EntityID: c["ACME"]})
	if r.Of != "ACME · ACME Ltd" {
		t.Fatalf("of %q", r.Of)
	}
	same(t, "ACME by person", lines(r), []string{
		"Bea: 3.50h 250.00 [160.00 0.00 0.00 90.00] 2026-08-10",
		"Cal: 1.00h 60.00 [0.00 60.00 0.00 0.00] 2026-10-15",
		"Total: 4.50h 310.00 [160.00 60.00 0.00 90.00] 2026-08-10",
	})
	r = report(t, f, wip.Query{By: wip.ByClient, MemberID: f.Cal})
	if r.Of != "Cal" {
		t.Fatalf("of %q", r.Of)
	}
	same(t, "Cal by client", lines(r), []string{
		"ACME · ACME Ltd: 1.00h 60.00 [0.00 60.00 0.00 0.00] 2026-10-15",
		"EPSI · EPSI Ltd: 1.00h 60.00 [0.00 60.00 0.00 0.00] 2026-10-20",
		"FIXED · FIXED Ltd: 0.50h 40.00 [40.00 0.00 0.00 0.00] 2026-11-25",
		"DELTA · DELTA Ltd: 0.75h (0.75h no rate) 0.00 [0.00 0.00 0.00 0.00] 2026-11-28",
		"Total: 3.25h (0.75h no rate) 160.00 [40.00 120.00 0.00 0.00] 2026-10-15",
	})

	// A practice with nothing unbilled has no rows and a zero total.
	if r := report(t, f, wip.Query{By: wip.ByClient, MemberID: f.Pat}); len(r.Rows) != 0 || !r.Total.Value.IsZero() || r.Total.Minutes != 0 {
		t.Fatalf("Pat's WIP: %+v", r)
	}
}

// For every client, the value recorded on its billable time equals its WIP
// (from the report), what live invoices billed of it (their time lines'
// value, where the time is still on them) and what was written off (the
// write-offs' value): three sources that must agree to the penny.
func TestRecordedValueIsWIPPlusBilledPlusWrittenOff(t *testing.T) {
	t.Parallel()
	f := billingtest.New(t, pgtest.Tx(t), "W2", now)
	c := autumn(t, f)
	r := report(t, f, wip.Query{By: wip.ByClient})
	inWIP := map[int64]string{}
	for _, row := range r.Rows {
		inWIP[row.ID] = row.Value.StringFixed(2)
	}
	for code, id := range c {
		var recorded, billed, written string
		if err := f.DB.QueryRow(f.Ctx, `
			SELECT (SELECT coalesce(sum(value), 0)::numeric(14,2)::text FROM time_entries
			         WHERE practice_id = $1 AND entity_id = $2 AND billing_state <> 'non_billable'),
			       (SELECT coalesce(sum(l.time_value), 0)::numeric(14,2)::text FROM invoices i JOIN invoice_lines l ON l.practice_id = i.practice_id AND l.invoice_id = i.id
			         WHERE i.practice_id = $1 AND i.entity_id = $2 AND l.kind = 'time' AND i.status IN ('approved', 'sending', 'sent', 'part_paid', 'paid')
			           AND EXISTS (SELECT 1 FROM time_entries te WHERE te.practice_id = $1 AND te.invoice_line_id = l.id AND te.billing_state = 'billed')),
			       (SELECT coalesce(sum(w.value), 0)::numeric(14,2)::text FROM write_offs w JOIN time_entries te ON te.practice_id = w.practice_id AND te.id = w.entry_id
			         WHERE w.practice_id = $1 AND te.entity_id = $2)`, f.PID, id).Scan(&recorded, &billed, &written); err != nil {
			t.Fatal(err)
		}
		w := inWIP[id]
		if w == "" {
			w = "0.00"
		}
		sum := billingtest.Dec(w).Add(billingtest.Dec(billed)).Add(billingtest.Dec(written))
		if !sum.Equal(billingtest.Dec(recorded)) {
			t.Errorf("%s: recorded %s, but WIP %s + billed %s + written off %s = %s", code, recorded, w, billed, written, sum.StringFixed(2))
		}
	}
	// The identity is not vacuous: BETA has all three.
	if inWIP[c["BETA"]] != "60.00" {
		t.Fatalf("BETA's WIP %s", inWIP[c["BETA"]])
	}
}

// The CSV parses back to the table's figures, the total last.
func TestCSVParsesBack(t *testing.T) {
	t.Parallel()
	f := billingtest.New(t, pgtest.Tx(t), "W3", now)
	autumn(t, f)
	for _, by := range []wip.By{wip.ByClient, wip.ByPerson, wip.ByMonth} {
		r := report(t, f, wip.Query{By: by})
		recs, err := csv.NewReader(bytes.NewReader(r.CSV())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(recs[0], ",") != strings.Join(wip.CSVHeader, ",") || len(recs) != len(r.Rows)+2 {
			t.Fatalf("CSV:\n%s", r.CSV())
		}
		var got []string
		for _, rec := range recs[1:] {
			fig := wip.Figures{Minutes: minutes(t, rec[2]), Unvalued: minutes(t, rec[3]), Value: billingtest.Dec(rec[4]), OnDraft: billingtest.Dec(rec[5])}
			for i := range fig.Aged {
				fig.Aged[i] = billingtest.Dec(rec[6+i])
			}
			if rec[10] != "" {
				fig.Oldest = billingtest.Day(rec[10])
			}
			label := rec[1]
			if rec[0] != "" && by == wip.ByClient {
				label = rec[0] + " · " + rec[1]
			}
			got = append(got, line(label, fig))
		}
		same(t, "CSV by "+string(by), got, lines(r))
	}
}

func minutes(t *testing.T, hours string) int64 {
	t.Helper()
	return billingtest.Dec(hours).Mul(billingtest.Dec("60")).IntPart()
}

// The series fed to the charts: their golden file is
// testdata/chart.golden.json (go test -update to rewrite it after a
// deliberate change); and each draws a PNG that decodes.
func TestChartSeries(t *testing.T) {
	t.Parallel()
	f := billingtest.New(t, pgtest.Tx(t), "W4", now)
	autumn(t, f)
	var all []any
	for _, by := range []wip.By{wip.ByMonth, wip.ByClient} {
		bars, ok := report(t, f, wip.Query{By: by}).Chart(wip.ChartTop)
		if !ok {
			t.Fatalf("no chart by %s", by)
		}
		all = append(all, bars)
		img, err := bars.PNG()
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(img))
		if err != nil || cfg.Width < 400 || cfg.Height < 200 || len(img) > 200_000 {
			t.Fatalf("chart by %s: %dx%d, %d bytes (%v)", by, cfg.Width, cfg.Height, len(img), err)
		}
	}
	got, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "chart.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(append(got, '\n')) != string(want) {
		t.Fatalf("chart series:\n%s\nwant:\n%s", got, want)
	}
	// Two asked for: the two largest.
	if two, _ := report(t, f, wip.Query{By: wip.ByClient}).Chart(2); len(two.Bars) != 2 || two.Bars[0].Label != "FIXED" || two.Bars[1].Label != "ACME" {
		t.Fatalf("top two: %+v", two.Bars)
	}
	// Nothing unbilled: no chart.
	if _, ok := report(t, f, wip.Query{By: wip.ByClient, MemberID: f.Pat}).Chart(wip.ChartTop); ok {
		t.Fatal("a chart of nothing")
	}
}

func TestKeyRoundTrips(t *testing.T) {
	for _, q := range []wip.Query{{By: wip.ByClient}, {By: wip.ByPerson, EntityID: 12}, {By: wip.ByMonth, MemberID: atlas.MemberID(3)},
		{By: wip.ByClient, EntityID: 7, MemberID: 9}} {
		got, err := wip.ParseKey(q.Key())
		if err != nil || got != q {
			t.Errorf("%q read back as %+v (%v)", q.Key(), got, err)
		}
	}
	for _, bad := range []string{"", "colour", "client x1", "person e", "month e1x"} {
		if _, err := wip.ParseKey(bad); err == nil {
			t.Errorf("%q read", bad)
		}
	}
}

// The digest's reading: the total, and the clients over a value or an age,
// the largest first, the count beyond the limit asked for.
func TestOverLimits(t *testing.T) {
	t.Parallel()
	f := billingtest.New(t, pgtest.Tx(t), "W5", now)
	autumn(t, f)
	// FIXED £340 is over £300; ACME £310 is over it and 112 days old;
	// GAMMA is exactly 60 days old, not older.
	o, err := wip.Store{DB: f.DB}.OverLimits(f.Ctx, f.PID, today, 60, billingtest.Dec("300"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Total.Equal(billingtest.Dec("890")) || o.Count != 2 || len(o.Clients) != 1 || o.Clients[0].Code != "FIXED" {
		t.Fatalf("over £300 or 60 days: %+v", o)
	}
	o, err = wip.Store{DB: f.DB}.OverLimits(f.Ctx, f.PID, today, 59, billingtest.Dec("1000"), 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range o.Clients {
		got = append(got, c.Code+" "+c.Value.StringFixed(2)+" "+c.Oldest.Format("2006-01-02"))
	}
	same(t, "over 59 days", got, []string{"ACME 310.00 2026-08-10", "GAMMA 120.00 2026-10-01"})
	o, err = wip.Store{DB: f.DB}.OverLimits(f.Ctx, f.PID, today, 3650, billingtest.Dec("100000"), 10)
	if err != nil || !o.Total.Equal(billingtest.Dec("890")) || o.Count != 0 || len(o.Clients) != 0 {
		t.Fatalf("none over: %+v (%v)", o, err)
	}
}
