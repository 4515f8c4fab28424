package realisation_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/realisation"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// now is the fixture's clock: the last day of November, midday in London,
// when the month's invoices are approved.
var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func report(t *testing.T, f *fixture, text string) realisation.Report {
	t.Helper()
	q, err := realisation.ParseQuery(text, day("2026-11-30"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := realisation.Store{DB: f.DB}.Report(f.Ctx, f.PID, q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// line is a row as "code name: time value / written off / billed /
// credited / net / rate".
func line(code, name string, fig realisation.Figures) string {
	pct := "-"
	if r, ok := fig.Rate(); ok {
		pct = r.StringFixed(1) + "%"
	}
	return fmt.Sprintf("%s %s: %s / %s / %s / %s / %s / %s", code, name, fig.TimeValue.StringFixed(2), fig.WrittenOff.StringFixed(2),
		fig.Billed.StringFixed(2), fig.Credited.StringFixed(2), fig.Net().StringFixed(2), pct)
}

func lines(r realisation.Report) []string {
	var out []string
	for _, row := range r.Rows {
		out = append(out, line(row.Code, row.Name, row.Figures))
	}
	return append(out, line("", "Total", r.Total))
}

func same(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Every figure of November, worked by hand in november's comment.
func TestNovemberRealisation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "T1", now)
	november(t, f)

	// By client: BETA, 50 points from 100%, before ACME's 3.4.
	// Total: time value 290 + 90 = 380.00, written off 30.00, billed
	// 280 + 60 = 340.00, credited 15.00, net 325.00: 325/380 = 85.5%.
	r := report(t, f, "2026-11")
	same(t, "by client", lines(r), []string{
		"BETA BETA Ltd: 90.00 / 30.00 / 60.00 / 15.00 / 45.00 / 50.0%",
		"ACME ACME Ltd: 290.00 / 0.00 / 280.00 / 0.00 / 280.00 / 96.6%",
		" Total: 380.00 / 30.00 / 340.00 / 15.00 / 325.00 / 85.5%",
	})
	// The write-ups less the write-downs: +10 − 20 = −10.00.
	if got := r.Total.Adjusted().StringFixed(2); got != "-10.00" {
		t.Fatalf("adjusted %s, want -10.00", got)
	}

	// By person. Bea: ACME BK@60 120 → 100 and ADV 90 → 100, BETA's line
	// 60 billed 60 less 15 credited: time 270.00, billed 260.00, credited
	// 15.00, net 245.00, 245/270 = 90.7%. Cal: ACME BK@80 80 billed 80,
	// and BETA's 30.00 written off: time 110.00, net 80.00, 80/110 = 72.7%.
	same(t, "by person", lines(report(t, f, "2026-11 by person")), []string{
		" Cal: 110.00 / 30.00 / 80.00 / 0.00 / 80.00 / 72.7%",
		" Bea: 270.00 / 0.00 / 260.00 / 15.00 / 245.00 / 90.7%",
		" Total: 380.00 / 30.00 / 340.00 / 15.00 / 325.00 / 85.5%",
	})

	// By service. BK: ACME 120 + 80 billed 100 + 80, BETA 60 + 30 written
	// off billed 60 less 15: time 290.00, billed 240.00, net 225.00,
	// 225/290 = 77.6%. ADV: 90.00 billed 100.00: 111.1%.
	same(t, "by service", lines(report(t, f, "2026-11 by service")), []string{
		"BK Bookkeeping: 290.00 / 30.00 / 240.00 / 15.00 / 225.00 / 77.6%",
		"ADV Advisory: 90.00 / 0.00 / 100.00 / 0.00 / 100.00 / 111.1%",
		" Total: 380.00 / 30.00 / 340.00 / 15.00 / 325.00 / 85.5%",
	})

	// The write-downs and write-ups, the largest first.
	var adj []string
	for _, a := range r.Adjustments {
		adj = append(adj, fmt.Sprintf("%s %s: %s → %s (%s) %s", a.Client, a.Description, a.TimeValue.StringFixed(2), a.Amount.StringFixed(2),
			a.Difference().StringFixed(2), a.Reason))
	}
	if len(adj) != 2 || r.AdjustmentCount != 2 || !strings.HasPrefix(adj[0], "ACME · ACME Ltd ") || !strings.HasSuffix(adj[0], "120.00 → 100.00 (-20.00) Agreed cap") ||
		!strings.HasSuffix(adj[1], "90.00 → 100.00 (10.00) Urgent advice") {
		t.Fatalf("adjustments:\n%s", strings.Join(adj, "\n"))
	}

	// Fee coverage: FIXED's £300 fee over £300 + £200 of time: 60%.
	if len(r.Coverage) != 1 {
		t.Fatalf("coverage %+v", r.Coverage)
	}
	c := r.Coverage[0]
	pct, ok := c.Rate()
	if c.Code != "FIXED" || len(c.Periods) != 1 || c.Periods[0].Period.String() != "2026-11" || !c.Fee.Equal(dec("300")) ||
		!c.Value.Equal(dec("500")) || !ok || pct != 60 {
		t.Fatalf("coverage %+v (%d%%)", c, pct)
	}

	// The quarter and the year hold November; October holds nothing.
	same(t, "quarter", lines(report(t, f, "quarter"))[2:], []string{" Total: 380.00 / 30.00 / 340.00 / 15.00 / 325.00 / 85.5%"})
	same(t, "year", lines(report(t, f, "year"))[2:], []string{" Total: 380.00 / 30.00 / 340.00 / 15.00 / 325.00 / 85.5%"})
	if r := report(t, f, "2026-10"); len(r.Rows) != 0 || len(r.Coverage) != 0 || !r.Total.Billed.IsZero() {
		t.Fatalf("October: %+v", r)
	}
}

// The CSV parses back to the table's figures, the total last.
func TestCSVParsesBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "T2", now)
	november(t, f)
	r := report(t, f, "2026-11 by person")
	recs, err := csv.NewReader(bytes.NewReader(r.CSV())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(realisation.CSVHeader, ",") || len(recs) != len(r.Rows)+2 {
		t.Fatalf("CSV:\n%s", r.CSV())
	}
	var got []string
	for _, rec := range recs[1:] {
		fig := realisation.Figures{TimeValue: dec(rec[2]), WrittenOff: dec(rec[3]), Billed: dec(rec[4]), Credited: dec(rec[5])}
		if rec[6] != fig.Net().StringFixed(2) || rec[7] != fig.Adjusted().StringFixed(2) {
			t.Fatalf("row %v: net or adjusted disagree with its figures", rec)
		}
		if pct, _ := fig.Rate(); rec[8] != pct.StringFixed(1) {
			t.Fatalf("row %v: realisation disagrees with its figures", rec)
		}
		got = append(got, line(rec[0], rec[1], fig))
	}
	same(t, "CSV", got, lines(r))

	cov, err := csv.NewReader(bytes.NewReader(r.CoverageCSV())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(cov) != 2 || strings.Join(cov[1], ",") != "FIXED,FIXED Ltd,2026-11,300.00,500.00,60" {
		t.Fatalf("coverage CSV: %v", cov)
	}
}

// The series fed to the chart: its golden file is testdata/chart.golden.json
// (go test -update to rewrite it after a deliberate change); and the chart
// draws from it.
func TestChartSeries(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "T3", now)
	november(t, f)
	bars, ok := report(t, f, "2026-11 by client").Chart(realisation.ChartTop)
	if !ok {
		t.Fatal("no chart")
	}
	got, err := json.MarshalIndent(bars, "", "  ")
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
	if _, err := bars.PNG(); err != nil {
		t.Fatal(err)
	}
	// One bar asked for: the furthest from 100%.
	if one, _ := report(t, f, "2026-11").Chart(1); len(one.Bars) != 1 || one.Bars[0].Label != "BETA" {
		t.Fatalf("top one: %+v", one.Bars)
	}
}

func TestParseQuery(t *testing.T) {
	today := day("2026-11-18")
	for text, want := range map[string]string{
		"":                    "2026-11 by client",
		"quarter by client":   "2026-Q4 by client",
		"2026-11 by person":   "2026-11 by person",
		"year":                "2026 by client",
		"by services":         "2026-11 by service",
		"2026-q2 by service":  "2026-Q2 by service",
		"2025 by people":      "2025 by person",
		"month by client":     "2026-11 by client",
		"Quarter By Person":   "2026-Q4 by person",
		"2026-02 by client  ": "2026-02 by client",
	} {
		q, err := realisation.ParseQuery(text, today)
		if err != nil || q.Key() != want {
			t.Errorf("%q: %s (%v), want %s", text, q.Key(), err, want)
		}
	}
	if q, _ := realisation.ParseQuery("quarter", today); q.Span.Label() != "Q4 2026" || !q.Span.From.Equal(day("2026-10-01")) || !q.Span.To.Equal(day("2026-12-31")) {
		t.Errorf("quarter: %s %v–%v", q.Span.Label(), q.Span.From, q.Span.To)
	}
	for _, bad := range []string{"fortnight", "by colour", "2026-13"} {
		if _, err := realisation.ParseQuery(bad, today); err == nil {
			t.Errorf("%q read", bad)
		}
	}
}
