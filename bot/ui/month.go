package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// ReadMonth reads a month at the start of words — `2026-11`, `this
// month`, `last month`, `november`, `nov 2026` — and how many words it
// used. A month named without a year is the latest one not after today.
// Punctuation around a word is ignored (`nov,`). /invoices, /docs and
// their kin take the same words.
func ReadMonth(words []string, today time.Time) (int, atlas.Period, bool) {
	if len(words) == 0 {
		return 0, atlas.Period{}, false
	}
	w := strings.ToLower(strings.Trim(words[0], ",.;:"))
	cur := atlas.PeriodOf(today)
	if len(words) > 1 && strings.ToLower(words[1]) == "month" {
		switch w {
		case "this":
			return 2, cur, true
		case "last":
			return 2, cur.Prev(), true
		}
	}
	if len(w) == len("2026-11") {
		if p, err := atlas.ParsePeriod(w); err == nil {
			return 1, p, true
		}
	}
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		if w == name || (len(w) >= 3 && strings.HasPrefix(name, w)) {
			p := atlas.Period{Year: cur.Year, Month: m}
			if cur.Before(p) {
				p.Year--
			}
			if len(words) > 1 {
				if y, err := strconv.Atoi(strings.Trim(words[1], ",.;:")); err == nil && y > 2000 && y < 2100 {
					return 2, atlas.Period{Year: y, Month: m}, true
				}
			}
			return 1, p, true
		}
	}
	return 0, atlas.Period{}, false
}
