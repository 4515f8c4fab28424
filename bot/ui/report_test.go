package ui

import (
	"context"
	"strconv"
	"testing"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/charts"
	"github.com/atlas-practice/atlas/internal/outbox"
)

// An answer's table, chart and CSV are drawn from one reading of its
// report, though the report changes between them, and the reading is let
// go once all three are drawn; an answer waiting on a part is let go when
// enough answers come after it, and its part reads the report anew.
func TestAnAnswersPartsShareOneReading(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reads := 0
	rp := Report[int]{SubjectType: "test",
		Read:     func(context.Context, atlas.PracticeID, string) (int, error) { reads++; return reads, nil },
		Headline: func(n int) string { return "reading " + strconv.Itoa(n) },
		View: func(n int, _ int) []slack.Block {
			return []slack.Block{slack.NewSectionBlock(blockkit.Plain(strconv.Itoa(n), 0), nil, nil)}
		},
		Chart:    func(n int) (charts.Bars, string, bool) { return charts.Bars{}, "", false },
		CSV:      func(n int) (string, []byte) { return "t", []byte(strconv.Itoa(n)) },
		FileName: func(n int, ext string) string { return "r." + ext },
	}.keepingAnswers()
	post := func(id int64, part string) outbox.Post {
		return outbox.Post{Practice: "TP", Subject: outbox.Subject{Type: "test", ID: id, Purpose: part + ":client"}}
	}
	table := func(id int64) string {
		t.Helper()
		m, err := rp.renderTable(ctx, post(id, "table"))
		if err != nil {
			t.Fatal(err)
		}
		return m.Text
	}
	csv := func(id int64) string {
		t.Helper()
		f, err := rp.renderCSV(ctx, post(id, "csv"))
		if err != nil {
			t.Fatal(err)
		}
		return string(f.Data)
	}
	if got := table(1); got != "reading 1" {
		t.Fatalf("first answer's table: %s", got)
	}
	if _, err := rp.renderChart(ctx, post(1, "chart")); err == nil {
		t.Fatal("a chart with nothing to draw was drawn")
	}
	if got := csv(1); got != "1" || reads != 1 {
		t.Fatalf("first answer's CSV: %s after %d readings", got, reads)
	}
	if rp.answers.Len() != 0 {
		t.Fatalf("%d answers kept once every part is drawn", rp.answers.Len())
	}
	if got := table(1); got != "reading 2" {
		t.Fatalf("the table drawn again after its answer was let go: %s", got)
	}
	if got := table(2); got != "reading 3" || csv(2) != "3" {
		t.Fatalf("second answer: %s after %d readings", got, reads)
	}
	for id := int64(3); id < 3+answersKept; id++ {
		table(id)
	}
	if got, want := csv(2), strconv.Itoa(4+answersKept); got != want {
		t.Fatalf("a part of an answer let go: %s, want %s", got, want)
	}
}
