package portal

import (
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/portal"
)

func TestSaveModal(t *testing.T) {
	t.Parallel()
	months, month := SaveMonths(atlas.Period{Year: 2026, Month: time.November})
	if month != "2026-10" || len(months) != 13 || months[0].Value != "2026-11" || months[12].Value != "2025-11" ||
		months[1].Label != "October 2026" {
		t.Fatalf("months %v, chosen %s", months, month)
	}
	for name, files := range map[string][]string{
		"one":     {"bank-rec.pdf"},
		"several": {"bank-rec.pdf", "Smith & Sons <nov>.csv", "folder/receipt.jpg"},
	} {
		t.Run(name, func(t *testing.T) {
			v := SaveModal(SaveForm{Files: files, Months: months, Month: month}, SaveMeta{Files: []string{"F1", "F2", "F3"}[:len(files)]})
			blockkittest.GoldenModal(t, "save_"+name, v)
		})
	}
	// The most files a message can carry, with the longest names, still fit.
	var names, ids []string
	for range maxSaveFiles {
		names = append(names, strings.Repeat("&<>", 85))
		ids = append(ids, "F0123456789AB")
	}
	if err := blockkit.CheckModal(SaveModal(SaveForm{Files: names, Months: months, Month: month}, SaveMeta{Files: ids})); err != nil {
		t.Fatal(err)
	}
}

func TestSavedText(t *testing.T) {
	t.Parallel()
	nov := atlas.Period{Year: 2026, Month: time.November}
	dec := atlas.Period{Year: 2026, Month: time.December}
	for _, c := range []struct {
		name string
		v    SaveResult
		want []string
	}{
		{"one", SaveResult{Client: "ACME", Period: nov, Today: dec, Saved: []portal.SavedFile{{Name: "bank-rec.pdf"}}},
			[]string{":white_check_mark: Saved bank-rec.pdf to ACME's documents for November 2026 · `/docs acme nov`"}},
		{"several and refused", SaveResult{Client: "A&B", Period: nov, Today: dec,
			Saved:   []portal.SavedFile{{Name: "a.pdf"}, {Name: "b.csv"}, {Name: "c<1>.png"}, {Name: "d.pdf", Already: true}},
			Refused: []string{"big.pdf is larger than 25 MB, the most Atlas keeps in one file, so it was not saved."}},
			[]string{"Saved a.pdf, b.csv and c&lt;1&gt;.png to A&amp;B's documents for November 2026 · `/docs a&amp;b nov`",
				"\nd.pdf was already among A&amp;B's documents for November 2026, so it is kept once.\n",
				"\n:x: big.pdf is larger than 25 MB"}},
		{"a month over a year back", SaveResult{Client: "ACME", Period: atlas.Period{Year: 2025, Month: time.November}, Today: dec,
			Saved: []portal.SavedFile{{Name: "old.pdf"}}}, []string{"`/docs acme 2025-11`"}},
		{"nothing", SaveResult{Client: "ACME", Period: nov, Today: dec, Refused: []string{"run.exe is not a kind of file"}},
			[]string{":warning: Nothing was saved to ACME's documents for November 2026.\n:x: run.exe is not a kind of file"}},
		{"all there already", SaveResult{Client: "ACME", Period: nov, Today: dec, Saved: []portal.SavedFile{{Name: "a.pdf", Already: true}, {Name: "b.pdf", Already: true}}},
			[]string{"a.pdf and b.pdf were already among ACME's documents for November 2026, so they are kept once. · `/docs acme nov`"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := SavedText(c.v)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
		})
	}
}
