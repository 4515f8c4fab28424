package timeparse

import (
	"strings"
	"testing"
	"time"
)

// lineClients and lineServices are the practice these lines are read
// against: "acme" and "99" are clients, payroll, vat and bk services.
var (
	lineClients  = clientList{{1, "acme", "Acme Trading", nil}, {2, "99", "Ninety Nine Ltd", nil}, {3, "SMITH", "Smith & Co", nil}}
	lineServices = []Service{{101, "payroll", "Payroll"}, {102, "vat", "VAT"}, {103, "bk", "Bookkeeping"}}
)

// readLine reads a line as ReadLog does and gives it back as a Log, the
// shape of what was typed: the client and service as written.
func readLine(text string, today time.Time) (Log, error) {
	r, err := ReadLog(text, today, lineClients, lineServices)
	if err != nil {
		return Log{}, err
	}
	return Log{Minutes: r.Minutes, Client: r.ClientText, Service: r.ServiceTyped, Date: r.Date, DateGiven: r.DateGiven, Description: r.Description}, nil
}

func TestLogLine(t *testing.T) {
	t.Parallel()
	today := day(2026, 11, 21)
	cases := []struct {
		in   string
		want Log
	}{
		{"1h30 acme payroll yesterday bank reconciliation",
			Log{90, "acme", "payroll", day(2026, 11, 20), true, "bank reconciliation"}},
		{`45 "Acme Trading" VAT return`,
			Log{45, "Acme Trading", "VAT", today, false, "return"}},
		{`2h "Acme Trading" payroll`,
			Log{120, "Acme Trading", "payroll", today, false, ""}},
		{"2h “Acme Trading” payroll 3 Nov run",
			Log{120, "Acme Trading", "payroll", day(2026, 11, 3), true, "run"}},
		{"2h ”Acme Trading” bk", // some keyboards send the closing quote twice
			Log{120, "Acme Trading", "bk", today, false, ""}},
		{`1h "Acme   Trading"   posted`,
			Log{60, "Acme Trading", "", today, false, "posted"}},
		{`1h "Smith & Co":payroll run`,
			Log{60, "Smith & Co", "", today, false, "payroll run"}},
		{"1h acme bank reconciliation",
			Log{60, "acme", "", today, false, "bank reconciliation"}},
		{"1h acme",
			Log{60, "acme", "", today, false, ""}},
		{"1h acme BK",
			Log{60, "acme", "BK", today, false, ""}},
		{"1h acme yesterday",
			Log{60, "acme", "", day(2026, 11, 20), true, ""}},
		{"1h acme 3 Nov fixing the ledger",
			Log{60, "acme", "", day(2026, 11, 3), true, "fixing the ledger"}},
		{"1h acme vat Nov 3, 2026 return",
			Log{60, "acme", "vat", day(2026, 11, 3), true, "return"}},
		{"1h acme 2026-11-03 x",
			Log{60, "acme", "", day(2026, 11, 3), true, "x"}},
		{"1h acme mon calls",
			Log{60, "acme", "", day(2026, 11, 16), true, "calls"}},
		{"1h acme 3 invoices posted",
			Log{60, "acme", "", today, false, "3 invoices posted"}},
		{"1h acme payroll 3 invoices posted",
			Log{60, "acme", "payroll", today, false, "3 invoices posted"}},
		{"1h acme - bank rec",
			Log{60, "acme", "", today, false, "bank rec"}},
		{"1h acme payroll yesterday – bank rec",
			Log{60, "acme", "payroll", day(2026, 11, 20), true, "bank rec"}},
		{"1h acme — bank rec",
			Log{60, "acme", "", today, false, "bank rec"}},
		{"1h acme : bank rec",
			Log{60, "acme", "", today, false, "bank rec"}},
		{"1h acme: payroll yesterday",
			Log{60, "acme", "", today, false, "payroll yesterday"}},
		{"1h acme payroll: yesterday's mess",
			Log{60, "acme", "payroll", today, false, "yesterday's mess"}},
		{"1h acme - - x", // only one separator is punctuation
			Log{60, "acme", "", today, false, "- x"}},
		{"1h 30m acme bk",
			Log{90, "acme", "bk", today, false, ""}},
		{"1h 30 acme",
			Log{90, "acme", "", today, false, ""}},
		{"2 hours acme",
			Log{120, "acme", "", today, false, ""}},
		{"1 hour 30 minutes acme payroll",
			Log{90, "acme", "payroll", today, false, ""}},
		{"45 acme",
			Log{45, "acme", "", today, false, ""}},
		{"1h 99 payroll", // 99 may be a client code
			Log{60, "99", "payroll", today, false, ""}},
		{"  1h\tacme\n\nbank   rec  ",
			Log{60, "acme", "", today, false, "bank rec"}},
	}
	for _, c := range cases {
		got, err := readLine(c.in, saturday)
		if err != nil || got != c.want {
			t.Errorf("ReadLog(%q) =\n  %+v, %v\nwant\n  %+v", c.in, got, err, c.want)
		}
	}
}

func TestLogLineErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want []string
	}{
		{"", []string{LogUsage, LogExamples[0], LogExamples[1]}},
		{"   ", []string{"Say how long and for which client"}},
		{"acme 1h", []string{"`acme` is not a duration", "`1h30`"}},
		{"1h", []string{"Say which client the 1h was for", "`/log 1h acme payroll bank reconciliation`"}},
		{"1h 30m", []string{"Say which client the 1h 30m was for"}},
		{`1h ""`, []string{"Say which client"}},
		{`1h "Acme Trading payroll`, []string{"no closing quote", `"Acme Trading"`}},
		{"25 hours acme", []string{"`25 hours` is more than 24 hours"}},
		{"1h 75m acme", []string{"`1h 75m` has 75 minutes"}},
		{"0 hours acme", []string{"Zero minutes"}},
		{"0 acme", []string{"Zero minutes"}},
		{"1.5 acme", []string{"could be hours or minutes", "`1.5h`"}},
		{"-1h acme", []string{"negative"}},
		{"1h acme 31 Feb fixing", []string{"`31 Feb` is not a real date"}},
		{"1h acme payroll 2026-12-01 x", []string{"`2026-12-01` is in the future"}},
		{"1h acme tomorrow", []string{"in the future"}},
		{"1h acme 3/11 x", []string{"`3/11` could be read"}},
	}
	for _, c := range cases {
		got, err := readLine(c.in, saturday)
		if got != (Log{}) {
			t.Errorf("ReadLog(%q) = %+v with error %v, want zero Log", c.in, got, err)
		}
		wantInvalid(t, c.in, err, c.want...)
	}
}

func TestLogExamplesParse(t *testing.T) {
	t.Parallel()
	for _, ex := range LogExamples {
		text, ok := strings.CutPrefix(ex, "/log ")
		if !ok {
			t.Fatalf("example %q does not start with /log", ex)
		}
		if _, err := readLine(text, saturday); err != nil {
			t.Errorf("example %q does not parse: %v", ex, err)
		}
	}
}
