package timeparse

import (
	"strings"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// LogUsage is the shape of a `/log` line, for help text.
const LogUsage = "/log <duration> <client> [service] [date] <description>"

// LogExamples are good `/log` lines, for help text.
var LogExamples = []string{
	"/log 1h30 acme payroll yesterday bank reconciliation",
	`/log 45 "Acme Trading" VAT return`,
	"/log 2h smithco bk 3 Nov - posted October invoices",
}

// Log is a parsed `/log` line.
type Log struct {
	Minutes     int
	Client      string    // as typed: a code, alias or name fragment, without quotes
	Service     string    // as typed, "" when not given
	Date        time.Time // midnight UTC of the work date; today when not given
	DateGiven   bool
	Description string
}

// maxDurationFields is the most fields one duration can take:
// `three quarters of an hour`.
const maxDurationFields = 5

// leadingDuration finds the duration at the start of a line: the longest
// prefix of up to maxDurationFields fields that parses, so `1 hour 30
// minutes acme` takes four fields and `45 acme` one.
func leadingDuration(fields []string) (minutes, used int, err error) {
	for k := min(maxDurationFields, len(fields)); k > 1; k-- {
		m, shaped, err := parseDuration(strings.Join(fields[:k], " "))
		if err == nil {
			return m, k, nil
		}
		// "25 hours acme": the two-field duration is too long. Falling back
		// to "25" minutes with client "hours" would log the wrong thing, so
		// say what is wrong with it. Only when a later field has a unit
		// word, though: in "1h 99 payroll" 99 may well be a client code.
		if shaped && hasLetter(fields[1:k]) {
			return 0, 0, err
		}
	}
	// "1 1/3 hours": numbers up to a unit word that together say nothing
	// the grammar reads. Taking "1" as minutes and "1/3" as the client
	// would be silently wrong, so say what was not understood.
	for j := 1; j < min(maxDurationFields, len(fields)); j++ {
		if _, unit := units[strings.ToLower(strings.Trim(fields[j], ".,"))]; unit {
			if numeric(fields[:j]) {
				return 0, 0, notDuration(strings.Join(fields[:j+1], " "))
			}
			break
		}
	}
	m, err := Duration(fields[0])
	if err != nil {
		return 0, 0, err
	}
	return m, 1, nil
}

// numeric reports whether every field is made of digits and the marks
// numbers are written with: 1, 1.5, 1/3, ½.
func numeric(fields []string) bool {
	for _, f := range fields {
		if strings.Trim(f, "0123456789./,½¼¾") != "" {
			return false
		}
	}
	return true
}

func hasLetter(fields []string) bool {
	for _, f := range fields {
		for _, r := range f {
			if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
				return true
			}
		}
	}
	return false
}

// Quote characters. Slack's clients turn straight quotes into curly ones,
// and some keyboards produce the closing curly quote on both sides.
const (
	openQuotes  = "\"“”"
	closeQuotes = "\"”“"
)

// clientField takes the client, one field or a quoted phrase, from the
// front of fields. stop is true when the client ended with a colon, which
// means the description follows at once. A missing client comes back as "".
func clientField(fields []string) (client string, rest []string, stop bool, err error) {
	if len(fields) == 0 {
		return "", nil, false, nil
	}
	first := fields[0]
	for _, q := range openQuotes {
		body, ok := strings.CutPrefix(first, string(q))
		if !ok {
			continue
		}
		s := strings.Join(append([]string{body}, fields[1:]...), " ")
		i := strings.IndexAny(s, closeQuotes)
		if i < 0 {
			return "", nil, false, atlas.Errorf(atlas.EInvalid,
				"The client name `%s` has no closing quote. Write it like `/log 2h \"Acme Trading\" payroll`.",
				show(strings.Join(fields, " ")))
		}
		client = strings.TrimSpace(s[:i])
		after := s[i:]
		for _, c := range closeQuotes {
			if t, ok := strings.CutPrefix(after, string(c)); ok {
				after = t
				break
			}
		}
		if t, ok := strings.CutPrefix(strings.TrimLeft(after, " "), ":"); ok {
			return client, strings.Fields(t), true, nil
		}
		return client, strings.Fields(after), false, nil
	}
	if c, ok := strings.CutSuffix(first, ":"); ok && c != "" {
		return c, fields[1:], true, nil
	}
	return first, fields[1:], false, nil
}

// separators may stand between the header and the description, as in
// `/log 1h acme - bank rec`; they are punctuation, not description.
var separators = map[string]bool{"-": true, "--": true, "–": true, "—": true, ":": true}

func description(fields []string) string {
	if len(fields) > 0 && separators[fields[0]] {
		fields = fields[1:]
	}
	return strings.Join(fields, " ")
}
