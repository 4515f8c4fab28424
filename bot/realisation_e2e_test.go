package bot_test

import (
	"bytes"
	"encoding/csv"
	"image/png"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/slackfake"
)

// /realisation quarter by client: a partner gets the table by DM, with the
// chart and the CSV file in its thread; a manager is refused.
func TestRealisationByClient(t *testing.T) {
	t.Parallel()
	w := newApprovalWorld(t)
	sentInvoice(t, w) // NWT's £480.00 invoice, approved on 18 November

	mustContain(t, "manager", w.ask(managerID, "/realisation", "quarter by client"), "Realisation is for partners and admins")
	mustContain(t, "bad query", w.ask(patID, "/realisation", "fortnight"), "is not a period or a grouping")

	mustContain(t, "partner", w.ask(patID, "/realisation", "quarter by client"),
		"Realisation for Q4 2026 by client is on its way to you by direct message")
	w.deliver()

	var table string
	for _, c := range w.fake.Calls("chat.postMessage") {
		if blocks := c.Param("blocks"); strings.Contains(blocks, "Realisation · Q4 2026 by client") {
			table = blocks
		}
	}
	mustContain(t, "table", table, "realised", "*NWT · Northwind Traders* — *100.0%*", "£400.00 of £400.00 of time",
		"Fixed fees: does the fee cover the work?", "RET1 · Retainer One Ltd")

	var chart, sheet *slackfake.File
	for _, f := range w.fake.Files() {
		if f.ChannelID != slackfake.DMChannelID(patID) || f.ThreadTS == "" {
			continue
		}
		switch f.Name {
		case "realisation-2026-Q4-by-client.png":
			chart = &f
		case "realisation-2026-Q4-by-client.csv":
			sheet = &f
		}
	}
	if chart == nil || sheet == nil {
		t.Fatalf("chart %v, CSV %v in the table's thread; files: %+v", chart != nil, sheet != nil, w.fake.Files())
	}
	img, err := png.Decode(bytes.NewReader(chart.Content))
	if err != nil {
		t.Fatalf("the chart is not a PNG: %v", err)
	}
	if size := img.Bounds().Size(); size.X < 400 || size.Y < 150 {
		t.Fatalf("chart of %v", size)
	}
	recs, err := csv.NewReader(bytes.NewReader(sheet.Content)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, 0, len(recs))
	for _, r := range recs {
		got = append(got, strings.Join(r, ","))
	}
	mustContain(t, "CSV", strings.Join(got, "\n"), "code,name,time_value,written_off,billed,credited,net,adjusted,realisation_pct",
		"NWT,Northwind Traders,400.00,0.00,400.00,0.00,400.00,0.00,100.0", ",Total,400.00,0.00,400.00,0.00,400.00,0.00,100.0")
}
