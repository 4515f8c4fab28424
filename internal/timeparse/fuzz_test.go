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

func FuzzReadLog(f *testing.F) {
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
		"an hour and a half acme ltd payrol yesterday",
		"1 1/2 hours northwind payroll vat",
		"",
		"1h",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ReadLog(s, saturday, readClients, readServices)
		if err != nil {
			if code := atlas.ErrorCode(err); code != atlas.EInvalid && code != atlas.ENotFound {
				t.Fatalf("ReadLog(%q) = %+v, %v", s, r, err)
			}
			if n := len(atlas.ErrorMessage(err)); n > 400 {
				t.Fatalf("ReadLog(%q): message of %d bytes", s, n)
			}
			return
		}
		if r.Minutes < 1 || r.Minutes > MaxMinutes {
			t.Fatalf("ReadLog(%q): %d minutes", s, r.Minutes)
		}
		if (r.ClientID == 0) == (len(r.AskClient) == 0) {
			t.Fatalf("ReadLog(%q): client %d and %d choices: exactly one of them", s, r.ClientID, len(r.AskClient))
		}
		if r.Service != nil && len(r.AskService) > 0 {
			t.Fatalf("ReadLog(%q): a service and a question about it", s)
		}
		if r.Date.After(day(2026, 11, 21)) || r.Date.IsZero() {
			t.Fatalf("ReadLog(%q): date %v", s, r.Date)
		}
		if r.Description != strings.Join(strings.Fields(r.Description), " ") {
			t.Fatalf("ReadLog(%q): description %q not space-normalised", s, r.Description)
		}
		// ReadTimerStart shares the client and service rules; it must not
		// panic on the same input.
		_, _ = ReadTimerStart(s, readClients, readServices)
	})
}
