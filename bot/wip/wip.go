// Package wip is the Slack face of work in progress (internal/wip): /wip
// for managers, partners and admins — by client (the default), by person
// or by month, for the practice or one client or person — aged by days
// since the work date, with a Draft invoice button on each hourly client's
// row. What the practice has not billed, client by client, is managers'
// business, so the answer goes to whoever asked by direct message: the
// table (paged) and, in its thread, the chart and the CSV file, all
// through the outbox so the files land in the thread of the message they
// belong to.
package wip

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/charts"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/wip"
)

// Actions and renderers.
const (
	ActionPage  = "wip.page." // prefix; value: "<page>|<query key>"
	RenderTable = "wip.table"
	RenderChart = "wip.chart"
	RenderCSV   = "wip.csv"
	subjectType = "wip"
	rowsShown   = 10 // rows a page of the table lists
	refusal     = "Work in progress is for managers, partners and admins"
)

// Deps are what the commands read (the practice, the reports), and the clock that says what today is
// when the table is drawn.
type Deps struct {
	Practice practice.Store
	Reports  wip.Store
	Clock    atlas.Clock
}

type handlers struct {
	Deps
	report ui.Report[wip.Report] // the table, chart and CSV of an answer
}

// Register adds /wip, its paging, and the renderers of its message and
// files.
func Register(rt *slackapp.Router, d Deps) {
	h := handlers{Deps: d}
	h.report = ui.Report[wip.Report]{SubjectType: subjectType, RenderTable: RenderTable, RenderChart: RenderChart, RenderCSV: RenderCSV,
		ActionPage: ActionPage, Read: h.read, Headline: headline, View: View, Chart: chart, CSV: csvFile, FileName: fileName,
		CSVComment: "The table as a CSV file: hours, value and its ageing, amounts without a currency sign, the total last."}
	rt.HandleCommand(slackapp.Command{Name: "/wip", Area: "Billing", Usage: "/wip [client | @person] [by client | person | month]",
		Summary: "Work in progress: the time not yet billed, valued at the rates in force and aged by days since the work was done, " +
			"with a Draft invoice button on each hourly client. Sent to you by DM with a chart and a CSV file.",
		Detail: "By client unless you say by person or by month (the month the work was done, oldest first). " +
			"Name a client to see who did its unbilled work, or @someone to see the clients of theirs.",
		Examples: []string{"/wip", "/wip by person", "/wip by month", "/wip acme", "/wip @bea", "/wip acme trading by month"},
		Route:    slackapp.Manager(h.command).Because(refusal)})
	h.report.Register(rt, slackapp.Manager, refusal)
}

// byWords are the words after "by" that name a kind of row.
var byWords = map[string]wip.By{
	"client": wip.ByClient, "clients": wip.ByClient, "entity": wip.ByClient, "entities": wip.ByClient,
	"person": wip.ByPerson, "people": wip.ByPerson, "persons": wip.ByPerson, "staff": wip.ByPerson, "team": wip.ByPerson,
	"member": wip.ByPerson, "members": wip.ByPerson, "month": wip.ByMonth, "months": wip.ByMonth, "period": wip.ByMonth,
}

// readBy reads the word after "by", forgiving a slip of two letters
// ("peple", "clents"): the answer names the rows it read.
func readBy(word string) (wip.By, bool) {
	w := strings.ToLower(strings.Trim(word, ",.;:"))
	if by, ok := byWords[w]; ok {
		return by, true
	}
	var found []wip.By
	for name, by := range byWords {
		if len(w) >= 4 && levenshtein.ComputeDistance(w, name) <= 2 && !slices.Contains(found, by) {
			found = append(found, by)
		}
	}
	if len(found) != 1 {
		return "", false
	}
	return found[0], true
}

// parse reads `[client | @person] [by client|person|month]`, naming the
// client or person it limits the report to.
func (h handlers) parse(ctx context.Context, r *slackapp.Request) (wip.Query, error) {
	var q wip.Query
	var rest []string
	words := strings.Fields(ui.Unescape(r.Text))
	for i := 0; i < len(words); i++ {
		w := strings.ToLower(strings.Trim(words[i], ",.;:"))
		if w == "by" && i+1 < len(words) {
			by, ok := readBy(words[i+1])
			if !ok {
				return q, atlas.Errorf(atlas.EInvalid, "WIP can be by client, by person or by month, not by %q. For example `/wip by person`.", words[i+1])
			}
			q.By = by
			i++
			continue
		}
		if user, ok := slackapp.ParseMention(strings.TrimRight(words[i], ",.;:")); ok {
			if q.MemberID != 0 {
				return q, atlas.Errorf(atlas.EInvalid, "Name one person at a time, for example `/wip @bea`.")
			}
			m, err := h.Practice.MemberBySlackID(ctx, r.Practice.ID, atlas.SlackUserID(user))
			if err != nil {
				return q, atlas.Errorf(atlas.ENotFound, "<@%s> is not on the practice's team in Atlas, so has no time logged.", user)
			}
			q.MemberID = m.ID
			continue
		}
		rest = append(rest, words[i])
	}
	if len(rest) > 0 {
		e, err := h.Practice.LookupEntity(ctx, r.Practice.ID, strings.Join(rest, " "))
		if err != nil {
			return q, err
		}
		q.EntityID = e.ID
	}
	if q.By == "" {
		// One client's WIP is most use by who did it; anyone's, by client.
		q.By = wip.ByClient
		if q.EntityID != 0 && q.MemberID == 0 {
			q.By = wip.ByPerson
		}
	}
	return q, nil
}

// command queues the table to who asked, by DM, and its chart and CSV in
// its thread: one transaction, so all three go or none.
func (h handlers) command(ctx context.Context, r *slackapp.Request) error {
	q, err := h.parse(ctx, r)
	if err != nil {
		return err
	}
	if err := h.report.Queue(ctx, h.Practice.DB, string(r.Practice.ID), r.UserID, r.Now().UnixMilli(), q.Key()); err != nil {
		return err
	}
	return r.Reply(slackapp.Text(":hourglass_flowing_sand: Work in progress by " + string(q.By) + " is on its way to you by direct message, " +
		"with its chart and CSV file in the thread."))
}

// read reads the report a query key names, on the practice's today.
func (h handlers) read(ctx context.Context, pid atlas.PracticeID, key string) (wip.Report, error) {
	q, err := wip.ParseKey(key)
	if err != nil {
		return wip.Report{}, err
	}
	p, err := h.Practice.Get(ctx, pid)
	if err != nil {
		return wip.Report{}, err
	}
	return h.Reports.Report(ctx, pid, q, p.Today(h.Clock.Now()))
}

// chart is the largest rows' unbilled value, or by month the trend.
func chart(rep wip.Report) (charts.Bars, string, bool) {
	bars, ok := rep.Chart(wip.ChartTop) // nothing unbilled: no picture
	comment := fmt.Sprintf("The %d largest by unbilled value.", len(bars.Bars))
	if rep.By == wip.ByMonth {
		comment = "The unbilled value by the month the work was done."
	}
	return bars, comment, ok
}

func csvFile(rep wip.Report) (string, []byte) { return rep.Title(), rep.CSV() }

// fileName is "wip-2026-11-30-by-client.csv".
func fileName(rep wip.Report, ext string) string {
	return "wip-" + rep.Today.Format("2006-01-02") + "-by-" + string(rep.By) + "." + ext
}

func headline(rep wip.Report) string {
	return fmt.Sprintf("%s · %s unbilled", rep.Title(), money.Format(rep.Total.Value, rep.Currency))
}

func plural(n int, by wip.By) string {
	switch {
	case n == 1:
		return string(by)
	case by == wip.ByPerson:
		return "people"
	}
	return string(by) + "s"
}

// aged is "0–30 days £560.00 · 31–60 days £240.00 · over 90 days
// £90.00", the empty buckets left out.
func aged(f wip.Figures, cur string) string {
	var parts []string
	for i, v := range f.Aged {
		if !v.IsZero() {
			parts = append(parts, wip.Ages[i]+" "+money.Format(v, cur))
		}
	}
	return strings.Join(parts, " · ")
}

// figures is "£310.00 · 4.50 h" with the ageing, the oldest work and any
// hours with no rate on a second line.
func figures(f wip.Figures, cur string) string {
	s := fmt.Sprintf("%s · %s h", money.Format(f.Value, cur), f.Hours())
	if f.OnDraft.IsPositive() {
		s += fmt.Sprintf(" · %s of it on drafts", money.Format(f.OnDraft, cur))
	}
	var more []string
	if a := aged(f, cur); a != "" {
		more = append(more, a)
	}
	if !f.Oldest.IsZero() {
		more = append(more, "oldest "+f.Oldest.Format("2 Jan 2006"))
	}
	if f.Unvalued > 0 {
		more = append(more, fmt.Sprintf(":warning: %s h with no rate, not valued", wip.Figures{Minutes: f.Unvalued}.Hours()))
	}
	if len(more) > 0 {
		s += "\n" + strings.Join(more, " · ")
	}
	return s
}

// View draws a page of the report: the total aged, then the rows, the
// largest first (by month, the oldest month first), each hourly client's
// with a Draft invoice button.
func View(rep wip.Report, page int) []slack.Block {
	cur := rep.Currency
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(rep.Title(), blockkit.MaxHeaderText))}
	if len(rep.Rows) == 0 {
		return append(blocks, slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("Nothing unbilled on %s: all billable time is on approved invoices or written off.",
			rep.Today.Format("2 January 2006")), 0), nil, nil))
	}
	blocks = append(blocks,
		slack.NewSectionBlock(blockkit.Markdown("*Unbilled:* "+figures(rep.Total, cur), blockkit.MaxSectionText), nil, nil),
		slack.NewContextBlock("wip.intro", blockkit.Markdown(fmt.Sprintf("Billable time not yet on an approved invoice, valued at the rates in force on its work dates "+
			"and aged by days since then, on %s. Time on a draft is still work in progress.", rep.Today.Format("2 January 2006")), 0)),
		slack.NewDividerBlock())
	rows, pg := blockkit.PageItems(rep.Rows, page, rowsShown)
	for _, row := range rows {
		text := fmt.Sprintf("*%s* — %s", blockkit.Escape(row.Label()), figures(row.Figures, cur))
		var accessory *slack.Accessory
		// The button drafts what no draft holds yet; a client whose WIP is
		// all on drafts already has nothing more to draft.
		if rep.By == wip.ByClient && row.Hourly && row.Undrafted().IsPositive() {
			accessory = slack.NewAccessory(slack.NewButtonBlockElement(ui.ActionInvoiceDraft, ui.ID(row.ID), blockkit.Plain("Draft invoice", blockkit.MaxButtonText)))
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, accessory))
	}
	blocks = append(blocks, ui.PageNav("wip", ActionPage, rep.Query.Key(), pg, plural(pg.Total, rep.By))...)
	return blocks
}
