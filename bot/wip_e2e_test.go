package bot_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// wipFiles are the chart and the CSV file uploaded to user's DM in a
// thread, by name.
func (w *timeWorld) wipFiles(user, name string) (chart, sheet *slackfake.File) {
	w.t.Helper()
	for _, f := range w.fake.Files() {
		if f.ChannelID != slackfake.DMChannelID(user) || f.ThreadTS == "" {
			continue
		}
		switch f.Name {
		case name + ".png":
			chart = &f
		case name + ".csv":
			sheet = &f
		}
	}
	if chart == nil || sheet == nil {
		w.t.Fatalf("%s: chart %v, CSV %v in the table's thread; files: %+v", name, chart != nil, sheet != nil, w.fake.Files())
	}
	img, err := png.Decode(bytes.NewReader(chart.Content))
	if err != nil {
		w.t.Fatalf("the chart is not a PNG: %v", err)
	}
	if size := img.Bounds().Size(); size.X < 400 || size.Y < 150 {
		w.t.Fatalf("chart of %v", size)
	}
	return chart, sheet
}

// dmTable is the blocks of the last message posted to user's DM whose
// blocks hold title.
func (w *timeWorld) dmTable(user, title string) string {
	w.t.Helper()
	var table string
	for _, c := range w.fake.Calls("chat.postMessage") {
		if blocks := c.Param("blocks"); strings.Contains(blocks, title) {
			table = blocks
		}
	}
	if table == "" {
		w.t.Fatalf("no %q posted to %s", title, user)
	}
	return table
}

func csvText(t *testing.T, f *slackfake.File) string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(f.Content)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, 0, len(recs))
	for _, r := range recs {
		got = append(got, strings.Join(r, ","))
	}
	return strings.Join(got, "\n")
}

// /wip, /wip by person, /wip <client> and /wip @person: a manager gets
// the table by DM with the chart and the CSV file in its thread, and
// drafts an hourly client's invoice from its row; staff are refused.
func TestWIPJourney(t *testing.T) {
	t.Parallel()
	w := newApprovalWorld(t)

	mustContain(t, "staff", w.ask(staffID, "/wip", ""), "Work in progress is for managers, partners and admins")
	mustContain(t, "bad grouping", w.ask(managerID, "/wip", "by colour"), "WIP can be by client, by person or by month")
	mustContain(t, "unknown client", w.ask(managerID, "/wip", "zebra crossing"), "zebra crossing")

	// On 3 December: NWT's 2h + 1h30 + 30m at £100 (2, 10 and 12 Nov: 31,
	// 23 and 21 days old), NWH's 45m, and ACME's 3h of payroll its retainer
	// covers (5 Nov): no Draft invoice button on a fixed-fee client.
	mustContain(t, "manager", w.ask(managerID, "/wip", ""), "Work in progress by client is on its way to you by direct message")
	w.deliver()
	table := w.dmTable(managerID, "Work in progress by client")
	mustContain(t, "table", table, "*NWT · Northwind Traders* — £400.00 · 4.00 h", "0–30 days £200.00 · 31–60 days £200.00",
		"ACME · Acme Trading Ltd", "Draft invoice", fmt.Sprintf(`"text":"Draft invoice","emoji":true},"action_id":"%s","value":"%d"`, ui.ActionInvoiceDraft, w.nwt))
	if strings.Count(table, "Draft invoice") != 2 || strings.Contains(table, `"text":"*ACME · Acme Trading Ltd* — £450.00 · 3.00 h\n0–30 days £450.00 · oldest 5 Nov 2026"},"accessory"`) {
		t.Fatalf("a Draft invoice button on a fixed-fee client's row: %s", table)
	}
	_, sheet := w.wipFiles(managerID, "wip-2026-12-03-by-client")
	mustContain(t, "CSV", csvText(t, sheet), "code,name,hours,unvalued_hours,value,on_drafts,age_0_30,age_31_60,age_61_90,age_over_90,oldest",
		"NWT,Northwind Traders,4.00,0.00,400.00,0.00,200.00,200.00,0.00,0.00,2026-11-02", ",Total,7.75,0.00,930.00,0.00,730.00,200.00,0.00,0.00,2026-11-02")

	mustContain(t, "typo", w.ask(managerID, "/wip", "by peple"), "Work in progress by person is on its way")
	w.deliver()
	mustContain(t, "by person", w.dmTable(managerID, "Work in progress by person"), "*Sam Staff* — ")
	w.wipFiles(managerID, "wip-2026-12-03-by-person")

	// A client of several words, typed without quotes: who did its work.
	w.ask(managerID, "/wip", "northwind traders")
	w.deliver()
	mustContain(t, "one client", w.dmTable(managerID, "Work in progress by person · NWT · Northwind Traders"), "*Sam Staff* — £400.00 · 4.00 h")

	// One person, by mention: the clients of theirs.
	w.ask(managerID, "/wip", "<@"+staffID+"|sam> by month")
	w.deliver()
	mustContain(t, "one person", w.dmTable(managerID, "Work in progress by month · Sam Staff"), "*November 2026* — ")

	// The row's button drafts NWT's invoice; its time stays WIP on the draft.
	w.mark()
	w.click(managerID, ui.ActionInvoiceDraft, fmt.Sprint(w.nwt))
	mustContain(t, "draft", w.said(), "Drafted.")
	if w.invoiceOf("NWT", "hourly") == 0 {
		t.Fatal("no draft")
	}
	w.click(staffID, ui.ActionInvoiceDraft, fmt.Sprint(w.nwt))
	mustContain(t, "staff draft", w.said(), "Invoices are drafted by managers, partners and admins")

	// NWT's time is on the draft: still WIP, said to be drafted, and no
	// button to draft it again.
	w.clock.Set(w.clock.Now().Add(time.Minute)) // a new table, not the first one's
	w.ask(managerID, "/wip", "")
	w.deliver()
	table = w.dmTable(managerID, "Work in progress by client")
	mustContain(t, "drafted", table, "*NWT · Northwind Traders* — £400.00 · 4.00 h · £400.00 of it on drafts")
	if strings.Contains(table, fmt.Sprintf(`"value":"%d"`, w.nwt)) {
		t.Fatalf("NWT can be drafted again: %s", table)
	}
}
