package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/charts"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/outbox"
)

// Report is a report of type R sent by DM as a table, with its chart and
// its CSV file in the table's thread (work in progress, realisation): the
// names of its renderers and paging buttons, the subject type of its
// posts, and how the feature reads and draws it. Each post's purpose is
// "table:", "chart:" or "csv:" and the report's key, so each renderer
// reads the same report; a page button's value is "<page>|<key>".
//
// The three parts of one answer are drawn from one reading of the report,
// kept by the process that read it until all three are drawn: the chart
// and the CSV agree with the table even when time is logged between the
// three, and a report over thousands of clients is read once, not three
// times.
type Report[R any] struct {
	SubjectType                         string
	RenderTable, RenderChart, RenderCSV string
	ActionPage                          string // prefix of the page buttons: ActionPage+"prev", ActionPage+"next"

	// Read reads the report a key names.
	Read func(ctx context.Context, pid atlas.PracticeID, key string) (R, error)
	// Headline is the table's notification text; View draws a page of it.
	Headline func(rep R) string
	View     func(rep R, page int) []slack.Block
	// Chart is the report's picture and what its message says of it; ok
	// false when there is nothing to draw.
	Chart func(rep R) (bars charts.Bars, comment string, ok bool)
	// CSV is the table as a CSV file, and its title.
	CSV        func(rep R) (title string, data []byte)
	CSVComment string
	// FileName names the chart ("png") and the CSV ("csv").
	FileName func(rep R, ext string) string

	answers *lru.Cache[string, *reading[R]] // answers' reports being drawn, by practice, answer and key
}

// reading is a report as read, when, and which of its answer's parts
// have been drawn from it.
type reading[R any] struct {
	rep   R
	at    time.Time
	drawn atomic.Uint32 // a bit for each part: partBits
}

// The bits of an answer's parts in reading.drawn.
const (
	drewTable uint32 = 1 << iota
	drewChart
	drewCSV
	drewAll = drewTable | drewChart | drewCSV
)

// partBits are the bits of the parts by name.
var partBits = map[string]uint32{"table": drewTable, "chart": drewChart, "csv": drewCSV}

// An answer's report is let go once its three parts are drawn; until
// then it is kept this long, and this many answers at most: long enough
// for an answer's parts to be drawn one after another, and few enough that
// answers whose parts fail and wait for a retry keep a few megabytes (a
// report over 5,000 clients is about two). A part drawn after its report
// was let go (a retry) reads it again.
const (
	answersKept    = 8
	answersKeptFor = 2 * time.Minute
)

// Register adds the page buttons, for the role route allows (refused with
// refusal), and the renderers of the table, the chart and the CSV.
func (rp Report[R]) Register(rt *slackapp.Router, route func(slackapp.HandlerFunc) slackapp.Route, refusal string) {
	rp = rp.keepingAnswers()
	rt.HandleAction(rp.ActionPage, route(rp.page).Because(refusal))
	rt.HandleRender(rp.RenderTable, rp.renderTable)
	rt.HandleFile(rp.RenderChart, rp.renderChart)
	rt.HandleFile(rp.RenderCSV, rp.renderCSV)
}

// keepingAnswers is the report with an empty store of recent answers.
func (rp Report[R]) keepingAnswers() Report[R] {
	rp.answers, _ = lru.New[string, *reading[R]](answersKept) // errs only for a size below one
	return rp
}

// Queue queues the table to user (a Slack user id), and its chart and CSV
// in its thread, in one transaction, so all three go or none. id tells one
// asking from the next (the time it was asked, in milliseconds).
func (rp Report[R]) Queue(ctx context.Context, q db.DB, practice, user string, id int64, key string) error {
	table := outbox.Subject{Type: rp.SubjectType, ID: id, Purpose: "table:" + key}
	return db.InTx(ctx, q, func(tx pgx.Tx) error {
		for _, p := range []outbox.Post{
			{Practice: practice, Channel: user, Render: rp.RenderTable, Subject: table},
			{Practice: practice, Channel: user, Render: rp.RenderChart, Upload: true, Thread: &table,
				Subject: outbox.Subject{Type: rp.SubjectType, ID: id, Purpose: "chart:" + key}},
			{Practice: practice, Channel: user, Render: rp.RenderCSV, Upload: true, Thread: &table,
				Subject: outbox.Subject{Type: rp.SubjectType, ID: id, Purpose: "csv:" + key}},
		} {
			if err := outbox.QueuePost(ctx, tx, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// page redraws the table at another page, where the button was pressed.
func (rp Report[R]) page(ctx context.Context, r *slackapp.Request) error {
	n, key, ok := strings.Cut(r.Action.Value, "|")
	page, err := strconv.Atoi(n)
	if !ok || err != nil {
		return fmt.Errorf("%s: page button %q", rp.SubjectType, r.Action.Value)
	}
	rep, err := rp.Read(ctx, r.Practice.ID, key)
	if err != nil {
		return err
	}
	r.ReplaceOriginal()
	return r.Reply(slackapp.Message{Text: rp.Headline(rep), Blocks: rp.View(rep, page)})
}

// readPost reads the report of a post of the part named ("table",
// "chart" or "csv"): the one its answer's other parts were drawn from when
// this process drew them.
func (rp Report[R]) readPost(ctx context.Context, p outbox.Post, part string) (R, error) {
	key, ok := strings.CutPrefix(p.Subject.Purpose, part+":")
	if !ok {
		var zero R
		return zero, fmt.Errorf("%s: purpose %q is not a %s", p.Subject.Type, p.Subject.Purpose, part)
	}
	answer := p.Practice + "|" + strconv.FormatInt(p.Subject.ID, 10) + "|" + key
	r, ok := rp.answers.Get(answer)
	if !ok || time.Since(r.at) >= answersKeptFor {
		rep, err := rp.Read(ctx, atlas.PracticeID(p.Practice), key)
		if err != nil {
			return rep, err
		}
		r = &reading[R]{rep: rep, at: time.Now()}
		rp.answers.Add(answer, r)
	}
	if r.drawn.Or(partBits[part])|partBits[part] == drewAll {
		rp.answers.Remove(answer)
	}
	return r.rep, nil
}

func (rp Report[R]) renderTable(ctx context.Context, p outbox.Post) (slackapp.Message, error) {
	rep, err := rp.readPost(ctx, p, "table")
	if err != nil {
		return slackapp.Message{}, err
	}
	return slackapp.Message{Text: rp.Headline(rep), Blocks: rp.View(rep, 0)}, nil
}

func (rp Report[R]) renderChart(ctx context.Context, p outbox.Post) (slackapp.File, error) {
	rep, err := rp.readPost(ctx, p, "chart")
	if err != nil {
		return slackapp.File{}, err
	}
	bars, comment, ok := rp.Chart(rep)
	if !ok {
		return slackapp.File{}, slackapp.ErrNothingToSay // nothing to draw: no picture
	}
	png, err := bars.PNG()
	if err != nil {
		return slackapp.File{}, err
	}
	return slackapp.File{Name: rp.FileName(rep, "png"), Title: bars.Title, Data: png, Comment: comment}, nil
}

func (rp Report[R]) renderCSV(ctx context.Context, p outbox.Post) (slackapp.File, error) {
	rep, err := rp.readPost(ctx, p, "csv")
	if err != nil {
		return slackapp.File{}, err
	}
	title, data := rp.CSV(rep)
	return slackapp.File{Name: rp.FileName(rep, "csv"), Title: title, Data: data, Comment: rp.CSVComment}, nil
}

// PageNav is a paged table's footer: "Page 2 of 10 · 95 clients" (block
// id prefix+".page") and the buttons to the pages either side (block id
// prefix+".nav"), whose values are "<page>|<key>" under the action prefix
// (action+"prev", action+"next"). None for one page.
func PageNav(prefix, action, key string, pg blockkit.Page, counted string) []slack.Block {
	if pg.Pages <= 1 {
		return nil
	}
	var nav []slack.BlockElement
	if pg.HasPrev() {
		nav = append(nav, slack.NewButtonBlockElement(action+"prev", fmt.Sprintf("%d|%s", pg.Index-1, key), blockkit.Plain("‹ Previous page", blockkit.MaxButtonText)))
	}
	if pg.HasNext() {
		nav = append(nav, slack.NewButtonBlockElement(action+"next", fmt.Sprintf("%d|%s", pg.Index+1, key), blockkit.Plain("Next page ›", blockkit.MaxButtonText)))
	}
	return []slack.Block{slack.NewContextBlock(prefix+".page", blockkit.Markdown(fmt.Sprintf("%s · %d %s", pg.Label(), pg.Total, counted), 0)),
		slack.NewActionBlock(prefix+".nav", nav...)}
}
