// Package realisation is the Slack face of realisation (internal/
// realisation): /realisation [month|quarter|year] [by client|person|
// service], for partners and admins. Realisation tells what each client
// truly pays for the time spent on it, which is the partners' business
// alone, so the answer goes to whoever asked by direct message: the table
// (paged), the write-ups and write-downs, the fixed-fee clients' fee
// coverage, and in its thread the chart and the CSV file — all through the
// outbox, so the files land in the thread of the message they belong to.
package realisation

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/charts"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/realisation"
)

// Actions and renderers.
const (
	ActionPage  = "realisation.page." // prefix; value: "<page>|<query key>"
	RenderTable = "realisation.table"
	RenderChart = "realisation.chart"
	RenderCSV   = "realisation.csv"
	subjectType = "realisation"
	rowsShown   = 10 // rows a page of the table lists
	adjustShown = 5  // write-ups and write-downs listed under the table
	coverShown  = 8  // fixed-fee clients listed
	refusal     = "Realisation is for partners and admins"
)

// Deps are what the commands read: the database, where report queries
// are kept, and the reports.
type Deps struct {
	DB      db.DB
	Reports realisation.Store
}

type handlers struct {
	Deps
	report ui.Report[realisation.Report] // the table, chart and CSV of an answer
}

// Register adds /realisation, its paging, and the renderers of its
// message and files.
func Register(rt *slackapp.Router, d Deps) {
	h := handlers{Deps: d}
	h.report = ui.Report[realisation.Report]{SubjectType: subjectType, RenderTable: RenderTable, RenderChart: RenderChart, RenderCSV: RenderCSV,
		ActionPage: ActionPage, Read: h.read, Headline: headline, View: View, Chart: chart, CSV: csvFile, FileName: fileName,
		CSVComment: "The table as a CSV file: amounts without a currency sign, the total last."}
	rt.HandleCommand(slackapp.Command{Name: "/realisation", Area: "Billing", Usage: "/realisation [month|quarter|year] [by client|person|service]",
		Summary: "What the fees really earn: the amount billed against the value of the time billed, with write-ups, write-downs, write-offs and credit notes, " +
			"and whether fixed fees cover the effort. Sent to you by DM with a chart and a CSV file.",
		Detail: "The span holding today unless you name one (2026-11, 2026-Q4, 2026); by client unless you say by person or by service. " +
			"An invoice counts in the month it was approved.",
		Examples: []string{"/realisation", "/realisation quarter by client", "/realisation 2026-11 by person", "/realisation year"},
		Route:    slackapp.Partner(h.command).Because(refusal)})
	h.report.Register(rt, slackapp.Partner, refusal)
}

// command queues the table to who asked, by DM, and its chart and CSV in
// its thread: one transaction, so all three go or none.
func (h handlers) command(ctx context.Context, r *slackapp.Request) error {
	q, err := realisation.ParseQuery(r.Text, r.Practice.Today(r.Now()))
	if err != nil {
		return err
	}
	if err := h.report.Queue(ctx, h.DB, string(r.Practice.ID), r.UserID, r.Now().UnixMilli(), q.Key()); err != nil {
		return err
	}
	return r.Reply(slackapp.Text(fmt.Sprintf(":bar_chart: Realisation for %s by %s is on its way to you by direct message, with its chart and CSV file in the thread.",
		q.Span.Label(), q.By)))
}

// read reads the report a query key ("2026-Q4 by client") names.
func (h handlers) read(ctx context.Context, pid atlas.PracticeID, key string) (realisation.Report, error) {
	// A key names its span, so the day it is read against does not matter.
	q, err := realisation.ParseQuery(key, atlas.Period{Year: 2000, Month: 1}.FirstDay())
	if err != nil {
		return realisation.Report{}, err
	}
	return h.Reports.Report(ctx, pid, q)
}

// chart is the rows furthest from 100%.
func chart(rep realisation.Report) (charts.Bars, string, bool) {
	bars, ok := rep.Chart(realisation.ChartTop) // no time billed: no picture
	return bars, fmt.Sprintf("The %d %s furthest from 100%%, against the line at 100%%.", len(bars.Bars), plural(len(bars.Bars), string(rep.By))), ok
}

func csvFile(rep realisation.Report) (string, []byte) {
	return "Realisation by " + string(rep.By) + " · " + rep.Span.Label(), rep.CSV()
}

// fileName is "realisation-2026-Q4-by-client.csv".
func fileName(rep realisation.Report, ext string) string {
	return "realisation-" + rep.Span.Key() + "-by-" + string(rep.By) + "." + ext
}

func headline(rep realisation.Report) string {
	if pct, ok := rep.Total.Rate(); ok {
		return fmt.Sprintf("Realisation · %s by %s · %s%%", rep.Span.Label(), rep.By, pct.StringFixed(1))
	}
	return fmt.Sprintf("Realisation · %s by %s", rep.Span.Label(), rep.By)
}

func plural(n int, by string) string {
	switch {
	case n == 1:
		return by
	case by == "person":
		return "people"
	}
	return by + "s"
}

// rate is "85.5%", or "no time".
func rate(f realisation.Figures) string {
	if pct, ok := f.Rate(); ok {
		return pct.StringFixed(1) + "%"
	}
	return "no time"
}

// figures is "£325.00 of £380.00 of time · billed £340.00, credited
// £15.00, written off £30.00", the empty parts left out.
func figures(f realisation.Figures, cur string) string {
	s := fmt.Sprintf("%s of %s of time", money.Format(f.Net(), cur), money.Format(f.TimeValue, cur))
	var parts []string
	if !f.Credited.IsZero() {
		parts = append(parts, "billed "+money.Format(f.Billed, cur), "credited "+money.Format(f.Credited, cur))
	}
	if !f.WrittenOff.IsZero() {
		parts = append(parts, "written off "+money.Format(f.WrittenOff, cur))
	}
	if adj := f.Adjusted(); !adj.IsZero() {
		word := "written up"
		if adj.IsNegative() {
			word = "written down"
		}
		parts = append(parts, word+" "+money.Format(adj.Abs(), cur))
	}
	if len(parts) > 0 {
		s += " · " + strings.Join(parts, ", ")
	}
	return s
}

// View draws a page of the report: the total, the rows furthest from 100%
// first, the largest write-ups and write-downs, and the fee coverage of
// fixed-fee clients, the furthest under-recovered first.
func View(rep realisation.Report, page int) []slack.Block {
	cur := rep.Currency
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(fmt.Sprintf("Realisation · %s by %s", rep.Span.Label(), rep.By), blockkit.MaxHeaderText))}
	if len(rep.Rows) == 0 && len(rep.Coverage) == 0 {
		return append(blocks, slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("Nothing was approved in %s: no time billed, and no retainer.", rep.Span.Label()), 0), nil, nil))
	}
	if len(rep.Rows) > 0 {
		blocks = append(blocks,
			slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("*%s* realised · %s", rate(rep.Total), figures(rep.Total, cur)), blockkit.MaxSectionText), nil, nil),
			slack.NewContextBlock("realisation.intro", blockkit.Markdown("What invoices approved in the period billed, less credit notes, of the value of their time "+
				"and of time written off. The furthest from 100% first.", 0)),
			slack.NewDividerBlock())
		rows, pg := blockkit.PageItems(rep.Rows, page, rowsShown)
		var text []string
		for _, row := range rows {
			name := blockkit.Escape(row.Name)
			if row.Code != "" {
				name = blockkit.Escape(row.Code) + " · " + name
			}
			text = append(text, fmt.Sprintf("*%s* — *%s* · %s", name, rate(row.Figures), figures(row.Figures, cur)))
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(strings.Join(text, "\n"), blockkit.MaxSectionText), nil, nil))
		blocks = append(blocks, ui.PageNav("realisation", ActionPage, rep.Query.Key(), pg, plural(pg.Total, string(rep.By)))...)
	}
	if len(rep.Adjustments) > 0 {
		var text []string
		for i, a := range rep.Adjustments {
			if i == adjustShown {
				text = append(text, fmt.Sprintf("_+%d more in the period_", rep.AdjustmentCount-adjustShown))
				break
			}
			word := "up"
			if a.Difference().IsNegative() {
				word = "down"
			}
			line := fmt.Sprintf("%s · %s · %s: %s written %s to %s", blockkit.Escape(a.Invoice), blockkit.Escape(a.Client), blockkit.Escape(a.Description),
				money.Format(a.TimeValue, cur), word, money.Format(a.Amount, cur))
			if a.Reason != "" {
				line += " — " + blockkit.Escape(a.Reason)
			}
			text = append(text, line)
		}
		blocks = append(blocks, slack.NewDividerBlock(),
			slack.NewSectionBlock(blockkit.Markdown("*Write-ups and write-downs*\n"+strings.Join(text, "\n"), blockkit.MaxSectionText), nil, nil))
	}
	if len(rep.Coverage) > 0 {
		var text []string
		for i, c := range rep.Coverage {
			if i == coverShown {
				text = append(text, fmt.Sprintf("_+%d more clients in the CSV of %s_", len(rep.Coverage)-coverShown, rep.Span.Label()))
				break
			}
			line := fmt.Sprintf("*%s · %s* — ", blockkit.Escape(c.Code), blockkit.Escape(c.Name))
			if pct, ok := c.Rate(); ok {
				line += fmt.Sprintf("fee covers *%d%%* of the effort: %s for %s of time", pct, money.Format(c.Fee, cur), money.Format(c.Value, cur))
			} else {
				line += fmt.Sprintf("%s of fees, no time recorded against them", money.Format(c.Fee, cur))
			}
			if len(c.Periods) > 1 {
				var ps []string
				for _, p := range c.Periods {
					pct, ok := realisation.Rate(p.Fee, p.Value)
					cell := "no time"
					if ok {
						cell = fmt.Sprintf("%d%%", pct)
					}
					ps = append(ps, p.Period.FirstDay().Format("Jan")+" "+cell)
				}
				line += " · " + strings.Join(ps, ", ")
			}
			text = append(text, line)
		}
		blocks = append(blocks, slack.NewDividerBlock(),
			slack.NewSectionBlock(blockkit.Markdown("*Fixed fees: does the fee cover the work?* The furthest under-recovered first.\n"+strings.Join(text, "\n"),
				blockkit.MaxSectionText), nil, nil))
	}
	return blocks
}
