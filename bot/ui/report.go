package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/outbox"
)

// Report is a report sent by DM as a table, with its chart and its CSV
// file in the table's thread (work in progress, realisation): the
// renderers of the three, and the subject type of their posts. Each post's
// purpose is "table:", "chart:" or "csv:" and the report's key, so each
// renderer reads the same report.
type Report struct {
	SubjectType                         string
	RenderTable, RenderChart, RenderCSV string
}

// Queue queues the table to user (a Slack user id), and its chart and CSV
// in its thread, in one transaction, so all three go or none. id tells one
// asking from the next (the time it was asked, in milliseconds).
func (rp Report) Queue(ctx context.Context, q db.DB, practice, user string, id int64, key string) error {
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

// KeyOf is the report's key in a post of the part named ("table", "chart"
// or "csv").
func KeyOf(p outbox.Post, part string) (string, error) {
	key, ok := strings.CutPrefix(p.Subject.Purpose, part+":")
	if !ok {
		return "", fmt.Errorf("%s: purpose %q is not a %s", p.Subject.Type, p.Subject.Purpose, part)
	}
	return key, nil
}

// PageNav is a paged table's footer: "Page 2 of 10 · 95 clients" and the
// buttons to the pages either side, whose values are "<page>|<key>" under
// the action prefix (action+"prev", action+"next"). None for one page.
func PageNav(blockID, action, key string, pg blockkit.Page, counted string) []slack.Block {
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
	return []slack.Block{slack.NewContextBlock(blockID, blockkit.Markdown(fmt.Sprintf("%s · %d %s", pg.Label(), pg.Total, counted), 0)),
		slack.NewActionBlock(blockID+".nav", nav...)}
}

// PageOf reads a page button's value, "<page>|<key>".
func PageOf(value string) (page int, key string, err error) {
	n, key, ok := strings.Cut(value, "|")
	if _, err := fmt.Sscan(n, &page); !ok || err != nil {
		return 0, "", fmt.Errorf("page button %q", value)
	}
	return page, key, nil
}
