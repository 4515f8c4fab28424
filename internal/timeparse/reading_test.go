package timeparse

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agnivade/levenshtein"
)

// testClient is a client as the test's list knows it.
type testClient struct {
	id      int64
	code    string
	name    string
	aliases []string
}

// clientList answers Runs as the database does (practice's client lookup):
// a code, then another name, ends the search; otherwise every client whose
// code, name or other names contain the words, exact when one of them is
// the words; a single word that matches nothing finds names with a word
// one edit away, as the typo-tolerant search does.
type clientList []testClient

func (cs clientList) Runs(runs []string) ([][]ClientMatch, error) {
	out := make([][]ClientMatch, len(runs))
	for i, run := range runs {
		t := strings.ToLower(run)
		for _, c := range cs {
			if strings.ToLower(c.code) == t {
				out[i] = []ClientMatch{{ID: c.id, Exact: true}}
				break
			}
		}
		if out[i] != nil {
			continue
		}
		for _, c := range cs {
			for _, a := range c.aliases {
				if strings.ToLower(a) == t {
					out[i] = append(out[i], ClientMatch{ID: c.id, Exact: true})
				}
			}
		}
		if out[i] != nil {
			continue
		}
		for _, c := range cs {
			all := append([]string{c.code, c.name}, c.aliases...)
			for _, s := range all {
				if strings.Contains(strings.ToLower(s), t) {
					out[i] = append(out[i], ClientMatch{ID: c.id, Exact: strings.ToLower(s) == t})
					break
				}
			}
		}
		if out[i] == nil && !strings.Contains(t, " ") {
			for _, c := range cs {
				for _, w := range strings.Fields(strings.ToLower(c.name)) {
					if len(t) >= 4 && levenshtein.ComputeDistance(w, t) <= 2 {
						out[i] = append(out[i], ClientMatch{ID: c.id})
						break
					}
				}
			}
		}
	}
	return out, nil
}

var readClients = clientList{
	{1, "ACME", "Acme Trading Ltd", nil},
	{2, "ACMELTD", "Acme Ltd", nil},
	{3, "NWT", "Northwind Traders", nil},
	{4, "NWH", "Northwind Holdings", nil},
	{5, "BAKER", "Baker & Sons", []string{"Bakers"}},
	{6, "SMITH", "Smith & Co", nil},
	{7, "HARBR", "Harbour View Cafe", []string{"Harbour Cafe"}},
	{8, "RIVER", "Riverside Dental Practice", []string{"Riverside Dental"}},
	{9, "GREEN", "Green Gardens LLP", nil},
	{10, "WEST", "Jamie West", []string{"West"}},
	{11, "KINGS", "Kings Road Motors Ltd", nil},
	{12, "OAKTR", "Oak Tree Charity", nil},
}

var readServices = []Service{
	{101, "PAYROLL", "Payroll"}, {102, "VAT", "VAT return"}, {103, "BK", "Bookkeeping"},
	{104, "ADV", "Advisory"}, {105, "YE", "Year end accounts"}, {106, "MA", "Management accounts"},
}

func codeOf(id int64) string {
	for _, c := range readClients {
		if c.id == id {
			return c.code
		}
	}
	return ""
}

// TestReadLog reads lines as people type them: clients of one to four
// words, with and without quotes, services and dates anywhere after the
// client, typos. Each line gives the right client, date, service and
// minutes, or asks.
func TestReadLog(t *testing.T) {
	t.Parallel()
	today := day(2026, 11, 21) // a Saturday
	yesterday := day(2026, 11, 20)
	type want struct {
		minutes int
		client  string // code; "" when the line asks which client
		service string // code; "" for none
		date    time.Time
		desc    string
		guessed bool     // the service was read from a misspelling
		ask     []string // the clients (or services, with askService) offered
		askSvc  bool
	}
	cases := []struct {
		in   string
		want want
	}{
		// The examples of the issue that was filed about this.
		{"2h acme ltd payroll yesterday wages", want{120, "ACMELTD", "PAYROLL", yesterday, "wages", false, nil, false}},
		{"2h acme trading payroll yesterday wages", want{120, "ACME", "PAYROLL", yesterday, "wages", false, nil, false}},
		{"1h30 acme bank rec", want{90, "ACME", "", today, "bank rec", false, nil, false}},
		{"1h acme payrol run", want{60, "ACME", "PAYROLL", today, "run", true, nil, false}},
		{"1 1/2 hours acme payroll", want{90, "ACME", "PAYROLL", today, "", false, nil, false}},
		// The README's examples of a service and a date anywhere.
		{"1h acme payroll wages yesterday", want{60, "ACME", "PAYROLL", yesterday, "wages", false, nil, false}},
		{"3/4h acme payroll", want{45, "ACME", "PAYROLL", today, "", false, nil, false}},
		// Codes and names of one word.
		{"45 acme vat return", want{45, "ACME", "VAT", today, "", false, nil, false}},
		{"45 ACME VAT return", want{45, "ACME", "VAT", today, "", false, nil, false}},
		{"30m baker bookkeeping", want{30, "BAKER", "BK", today, "", false, nil, false}},
		{"30m bakers bk posted sales", want{30, "BAKER", "BK", today, "posted sales", false, nil, false}},
		{"1h smith payroll", want{60, "SMITH", "PAYROLL", today, "", false, nil, false}},
		{"1h west advisory call", want{60, "WEST", "ADV", today, "call", false, nil, false}},
		{"2h green ye draft accounts", want{120, "GREEN", "YE", today, "draft accounts", false, nil, false}},
		// Names of several words, without quotes.
		{"2h acme trading ltd payroll", want{120, "ACME", "PAYROLL", today, "", false, nil, false}},
		{"1h harbour view cafe bookkeeping", want{60, "HARBR", "BK", today, "", false, nil, false}},
		{"1h harbour cafe bk yesterday", want{60, "HARBR", "BK", yesterday, "", false, nil, false}},
		{"1h riverside dental payroll", want{60, "RIVER", "PAYROLL", today, "", false, nil, false}},
		{"1h riverside dental practice payroll 3 Nov", want{60, "RIVER", "PAYROLL", day(2026, 11, 3), "", false, nil, false}},
		{"3h kings road motors ltd year end accounts", want{180, "KINGS", "YE", today, "", false, nil, false}},
		{"3h kings road motors year end accounts", want{180, "KINGS", "YE", today, "", false, nil, false}},
		{"1h acme ltd. payroll", want{60, "ACMELTD", "PAYROLL", today, "", false, nil, false}},
		{"1h acme trading ltd, payroll yesterday", want{60, "ACME", "PAYROLL", yesterday, "", false, nil, false}},
		{"1h oak tree charity bk", want{60, "OAKTR", "BK", today, "", false, nil, false}},
		{"1h northwind traders vat", want{60, "NWT", "VAT", today, "", false, nil, false}},
		{"1h northwind holdings payroll yesterday", want{60, "NWH", "PAYROLL", yesterday, "", false, nil, false}},
		{"1h jamie west advisory", want{60, "WEST", "ADV", today, "", false, nil, false}},
		// Quotes keep working.
		{`45 "Acme Trading" VAT return`, want{45, "ACME", "VAT", today, "", false, nil, false}},
		{`2h "Acme Ltd" payroll`, want{120, "ACMELTD", "PAYROLL", today, "", false, nil, false}},
		{`2h “Harbour View Cafe” bk 3 Nov run`, want{120, "HARBR", "BK", day(2026, 11, 3), "run", false, nil, false}},
		{`1h "Smith & Co":payroll run`, want{60, "SMITH", "", today, "payroll run", false, nil, false}},
		// The service and the date anywhere after the client.
		{"1h acme yesterday payroll wages", want{60, "ACME", "PAYROLL", yesterday, "wages", false, nil, false}},
		{"1h acme wages payroll yesterday", want{60, "ACME", "PAYROLL", yesterday, "wages", false, nil, false}},
		{"1h acme wages for the month payroll", want{60, "ACME", "PAYROLL", today, "wages for the month", false, nil, false}},
		{"1h acme posted invoices 3 Nov", want{60, "ACME", "", day(2026, 11, 3), "posted invoices", false, nil, false}},
		{"1h acme 2026-11-02 bk", want{60, "ACME", "BK", day(2026, 11, 2), "", false, nil, false}},
		{"1h acme bk on monday", want{60, "ACME", "BK", day(2026, 11, 16), "", false, nil, false}},
		{"1h acme bk friday", want{60, "ACME", "BK", day(2026, 11, 20), "", false, nil, false}},
		{"1h acme call about friday payment bk", want{60, "ACME", "BK", today, "call about friday payment", false, nil, false}},
		{"1h acme management accounts for October", want{60, "ACME", "MA", today, "for October", false, nil, false}},
		{"1h acme year end accounts yesterday draft", want{60, "ACME", "YE", yesterday, "draft", false, nil, false}},
		{"1h acme - bank rec payroll", want{60, "ACME", "PAYROLL", today, "bank rec", false, nil, false}},
		// Durations as people say them.
		{"an hour and a half acme bk", want{90, "ACME", "BK", today, "", false, nil, false}},
		{"half an hour acme payroll", want{30, "ACME", "PAYROLL", today, "", false, nil, false}},
		{"1½h acme vat", want{90, "ACME", "VAT", today, "", false, nil, false}},
		{"two hours smith bk", want{120, "SMITH", "BK", today, "", false, nil, false}},
		{"1 and a half hours baker payroll", want{90, "BAKER", "PAYROLL", today, "", false, nil, false}},
		// Typos in services.
		{"1h acme bookeeping", want{60, "ACME", "BK", today, "", true, nil, false}},
		{"1h acme advisroy call", want{60, "ACME", "ADV", today, "call", true, nil, false}},
		{"1h acme vat retrun", want{60, "ACME", "VAT", today, "retrun", false, nil, false}},
		{"1h acme manegement accounts", want{60, "ACME", "MA", today, "", true, nil, false}},
		// Typos in a one-word client name.
		{"1h harbuor bk", want{60, "HARBR", "BK", today, "", false, nil, false}},
		// Uncertain: ask, never guess.
		{"1h northwind payroll", want{60, "", "", today, "", false, []string{"NWT", "NWH"}, false}},
		{"1h acme payroll vat", want{60, "ACME", "", today, "", false, []string{"PAYROLL", "VAT"}, true}},
		{"1h acme kings road", want{60, "ACME", "", today, "kings road", false, nil, false}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.in] {
			t.Fatalf("%q is in the table twice", c.in)
		}
		seen[c.in] = true
		t.Run(c.in, func(t *testing.T) {
			r, err := ReadLog(c.in, today, readClients, readServices)
			if err != nil {
				t.Fatalf("ReadLog: %v", err)
			}
			w := c.want
			if r.Minutes != w.minutes {
				t.Errorf("minutes %d, want %d", r.Minutes, w.minutes)
			}
			if w.client == "" {
				var got []string
				for _, o := range r.AskClient {
					got = append(got, codeOf(o.ID))
				}
				if r.ClientID != 0 || !slices.Equal(got, w.ask) {
					t.Errorf("client %s, asked %v; want to ask %v", codeOf(r.ClientID), got, w.ask)
				}
				return
			}
			if codeOf(r.ClientID) != w.client || len(r.AskClient) > 0 {
				t.Fatalf("client %s (asked %v), want %s", codeOf(r.ClientID), r.AskClient, w.client)
			}
			if w.askSvc {
				var got []string
				for _, s := range r.AskService {
					got = append(got, s.Code)
				}
				if r.Service != nil || !slices.Equal(got, w.ask) {
					t.Errorf("service %v, asked %v; want to ask %v", r.Service, got, w.ask)
				}
				return
			}
			gotSvc := ""
			if r.Service != nil {
				gotSvc = r.Service.Code
			}
			if gotSvc != w.service || len(r.AskService) > 0 {
				t.Errorf("service %q (asked %v), want %q", gotSvc, r.AskService, w.service)
			}
			if r.ServiceGuessed() != w.guessed {
				t.Errorf("service guessed %v, want %v (typed %q)", r.ServiceGuessed(), w.guessed, r.ServiceTyped)
			}
			if !r.Date.Equal(w.date) {
				t.Errorf("date %s, want %s", r.Date.Format(time.DateOnly), w.date.Format(time.DateOnly))
			}
			if r.Description != w.desc {
				t.Errorf("description %q, want %q", r.Description, w.desc)
			}
		})
	}
	if len(cases) < 45 {
		t.Fatalf("%d phrasings; the table must hold the issue's examples and at least 40 more", len(cases))
	}
}

// Lines that cannot be read say what is wrong, and nothing is saved.
func TestReadLogRefuses(t *testing.T) {
	t.Parallel()
	today := day(2026, 11, 21)
	for in, want := range map[string]string{
		"":                           "Say how long",
		"1h":                         "Say which client",
		"1h zzzz payroll":            "No client called \"zzzz\"",
		"1h acme 31 Feb":             "not a real date",
		"1h acme tomorrow":           "in the future",
		"1h acme yesterday bk 3 Nov": "names two dates",
		`1h "acme payroll`:           "no closing quote",
		"25 hours acme":              "more than 24 hours",
		"1h acme 3/11 bank rec":      "day-first or month-first",
		"1 1/3 hours acme bank rec":  "not a duration",
		"acme 1h payroll":            "not a duration",
		"1h acme payroll on 3 Dec":   "in the future",
	} {
		_, err := ReadLog(in, today, readClients, readServices)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadLog(%q) = %v, want an error about %q", in, err, want)
		}
	}
}

func TestReadTimerStart(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][3]string{
		"acme payroll":                           {"ACME", "PAYROLL", ""},
		"acme ltd payroll October run":           {"ACMELTD", "PAYROLL", "October run"},
		`"Acme Trading" bank reconciliation`:     {"ACME", "", "bank reconciliation"},
		"harbour view cafe bank rec bookkeeping": {"HARBR", "BK", "bank rec"},
		"riverside dental":                       {"RIVER", "", ""},
	} {
		r, err := ReadTimerStart(in, readClients, readServices)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		svc := ""
		if r.Service != nil {
			svc = r.Service.Code
		}
		if got := [3]string{codeOf(r.ClientID), svc, r.Description}; got != want {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}

// A service picked from the buttons runs the line again with that service
// in place of the words that left it uncertain: read again, it gives the
// same client, minutes and date, that service, and asks nothing.
func TestWithServiceReadsBack(t *testing.T) {
	t.Parallel()
	today := day(2026, 11, 21)
	services := append(slices.Clone(readServices), Service{107, "TAXR", "Tax return"}, Service{108, "TAXV", "Tax review"})
	for _, c := range []struct {
		in, pick, client, date, desc string
		typed                        string // the misspelling asked about
	}{
		{"1h acme payroll vat", "VAT", "ACME", "2026-11-21", "", ""},
		{"1h acme payroll vat", "PAYROLL", "ACME", "2026-11-21", "", ""},
		{"2h acme ltd payroll bk yesterday wages", "BK", "ACMELTD", "2026-11-20", "wages", ""},
		{"1h acme bank rec friday", "BK", "ACME", "2026-11-20", "bank rec", ""},
		{"1h30 acme trading bank rec", "PAYROLL", "ACME", "2026-11-21", "bank rec", ""},
		{`1h "Harbour View" taxe 3 Nov`, "TAXV", "HARBR", "2026-11-03", "", "taxe"},
		{"45m kings road motors taxe draft", "TAXR", "KINGS", "2026-11-21", "draft", "taxe"},
	} {
		r, err := ReadLog(c.in, today, readClients, services)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if r.Service != nil && len(r.AskService) == 0 {
			t.Fatalf("%q names %s; it should leave the service open", c.in, r.Service.Code)
		}
		if r.ServiceTyped != c.typed {
			t.Errorf("%q: typed %q, want %q", c.in, r.ServiceTyped, c.typed)
		}
		line := r.WithService(c.pick)
		again, err := ReadLog(line, today, readClients, services)
		if err != nil {
			t.Fatalf("%q picked %s: %q: %v", c.in, c.pick, line, err)
		}
		got := []string{codeOf(again.ClientID), again.Date.Format(time.DateOnly), again.Description}
		if again.Service == nil || again.Service.Code != c.pick || len(again.AskService) > 0 || len(again.AskClient) > 0 ||
			again.Minutes != r.Minutes || !slices.Equal(got, []string{c.client, c.date, c.desc}) {
			t.Errorf("%q picked %s: %q reads as %v, service %v (asks %v)", c.in, c.pick, line, got, again.Service, again.AskService)
		}
	}
}
