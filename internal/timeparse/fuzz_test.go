package timeparse

import (
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/atlas"
)

var durationSeeds = []string{
	"1h30", "1h30m", "1h 30m", "1h 30", "2h", "1.5h", "0.25h", "1,5h", ".5h", "90m", "90min", "90mins",
	"1:30", "0:45", "45", "1.5", "1 hour 30 minutes", "2 hours", "30 mins", "24h", "1440", "0.01h",
	"", "0", "0h", "0:00", "-1h", "25h", "24h01", "1441", "1:75", "1h75", "abc", "1h30x", "h", "1..5h",
	"99999999999999999999", "1.99999999999999999999h", "1:5", "−1h", "1h\u00a030m", "١h", "ǅh",
}

func FuzzDuration(f *testing.F) {
	for _, s := range durationSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Duration(s)
		if err != nil {
			if m != 0 || atlas.ErrorCode(err) != atlas.EInvalid {
				t.Fatalf("Duration(%q) = %d, %v", s, m, err)
			}
			if n := len(atlas.ErrorMessage(err)); n > 300 {
				t.Fatalf("Duration(%q): message of %d bytes", s, n)
			}
			return
		}
		if m < 1 || m > MaxMinutes {
			t.Fatalf("Duration(%q) = %d, outside 1..%d", s, m, MaxMinutes)
		}
		if back, err := Duration(Format(m)); err != nil || back != m {
			t.Fatalf("Duration(Format(Duration(%q) = %d) = %q) = %d, %v", s, m, Format(m), back, err)
		}
	})
}

func FuzzLogLine(f *testing.F) {
	for _, s := range []string{
		"1h30 acme payroll yesterday bank reconciliation",
		`45 "Acme Trading" VAT return`,
		"2h “Acme Trading” payroll 3 Nov run",
		"1h acme 3 invoices posted",
		"1h acme 31 Feb fixing",
		"1 hour 30 minutes acme bk Nov 3, 2026 - x",
		"1h acme: payroll",
		`1h "Acme`,
		`1h ""`,
		"25 hours acme",
		"1h 99 payroll",
		"1h acme 3/11 x",
		"",
		"1h",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := LogLine(s, saturday, knownService)
		if err != nil {
			if l != (Log{}) || atlas.ErrorCode(err) != atlas.EInvalid {
				t.Fatalf("LogLine(%q) = %+v, %v", s, l, err)
			}
			if n := len(atlas.ErrorMessage(err)); n > 300 {
				t.Fatalf("LogLine(%q): message of %d bytes", s, n)
			}
			return
		}
		if l.Minutes < 1 || l.Minutes > MaxMinutes {
			t.Fatalf("LogLine(%q): %d minutes", s, l.Minutes)
		}
		if strings.TrimSpace(l.Client) == "" {
			t.Fatalf("LogLine(%q): empty client", s)
		}
		if l.Date.After(day(2026, 11, 21)) || l.Date.IsZero() {
			t.Fatalf("LogLine(%q): date %v", s, l.Date)
		}
		if l.Description != strings.Join(strings.Fields(l.Description), " ") {
			t.Fatalf("LogLine(%q): description %q not space-normalised", s, l.Description)
		}
		// TimerStartLine shares the client and service rules; it must not
		// panic on the same input.
		_, _ = TimerStartLine(s, knownService)
	})
}
