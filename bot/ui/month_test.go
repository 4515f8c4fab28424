package ui_test

import (
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/ui"
)

func TestReadMonth(t *testing.T) {
	today := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		used int
		want string
	}{
		{"2026-11 acme", 1, "2026-11"},
		{"this month", 2, "2026-12"},
		{"last month acme", 2, "2026-11"},
		{"november", 1, "2026-11"},
		{"nov, acme", 1, "2026-11"},
		{"jan", 1, "2026-01"},
		{"nov 2025", 2, "2025-11"},
		{"acme trading", 0, ""},
		{"", 0, ""},
	} {
		used, p, ok := ui.ReadMonth(strings.Fields(c.in), today)
		got := ""
		if ok {
			got = p.String()
		}
		if used != c.used || got != c.want {
			t.Errorf("%q: used %d, month %q; want %d, %q", c.in, used, got, c.used, c.want)
		}
	}
}
