package ui

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/charts"
	"github.com/atlas-practice/atlas/internal/outbox"
)

// An answer's table, chart and CSV are drawn from one reading of its
// report, though the report changes between them; the next answer reads
// it again, and an answer whose reading was let go reads it anew.
func TestAnAnswersPartsShareOneReading(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reads := 0
	rp := Report[int]{SubjectType: "test",
		Read: func(context.Context, atlas.PracticeID, string) (int, error) { reads++; return reads, nil },
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
	drawn := func(id int64) string {
		t.Helper()
		table, err := rp.renderTable(ctx, post(id, "table"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rp.renderChart(ctx, post(id, "chart")); err == nil {
			t.Fatal("a chart with nothing to draw was drawn")
		}
		csv, err := rp.renderCSV(ctx, post(id, "csv"))
		if err != nil {
			t.Fatal(err)
		}
		return table.Text + " · csv " + string(csv.Data)
	}
	if got := drawn(1); got != "reading 1 · csv 1" || reads != 1 {
		t.Fatalf("first answer: %s after %d readings", got, reads)
	}
	if got := drawn(2); got != "reading 2 · csv 2" || reads != 2 {
		t.Fatalf("second answer: %s after %d readings", got, reads)
	}
	for id := int64(3); id < 3+answersKept; id++ {
		drawn(id)
	}
	if got := drawn(1); got != fmt.Sprintf("reading %d · csv %[1]d", answersKept+3) {
		t.Fatalf("an answer let go: %s", got)
	}
}
