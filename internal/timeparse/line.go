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
// `1 hour 30 minutes`.
const maxDurationFields = 4

// LogLine parses `<duration> <client> [service] [date] <description>`.
// isService reports whether a word is a service code or name the practice
// knows; it decides whether the word after the client is a service or the
// start of the description. isService may be nil when there are no services.
//
// The client is one word or a phrase in double quotes (straight or Slack's
// curly ones). A trailing colon on the client or service (`acme: bank rec`)
// ends the header there: everything after it is description. A standalone
// `-`, `–`, `—` or `:` before the description is dropped. The description
// may be empty; the caller decides whether that is allowed.
//
// Slack sends `&`, `<` and `>` HTML-escaped; unescaping is the caller's job.
func LogLine(text string, today time.Time, isService func(word string) bool) (Log, error) {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return Log{}, atlas.Errorf(atlas.EInvalid,
			"Say how long and for which client: `%s`, e.g. `%s` or `%s`.", LogUsage, LogExamples[0], LogExamples[1])
	}

	minutes, used, err := leadingDuration(fields)
	if err != nil {
		return Log{}, err
	}
	fields = fields[used:]

	client, fields, stop, err := clientField(fields)
	if err != nil {
		return Log{}, err
	}
	if client == "" {
		return Log{}, atlas.Errorf(atlas.EInvalid,
			"Say which client the %s was for, e.g. `/log %s acme payroll bank reconciliation` or `/log %s \"Acme Trading\"`.",
			Format(minutes), Format(minutes), Format(minutes))
	}

	y, m, d := today.Date()
	l := Log{
		Minutes: minutes,
		Client:  client,
		Date:    time.Date(y, m, d, 0, 0, 0, 0, time.UTC),
	}
	if !stop {
		l.Service, fields, stop = serviceField(fields, isService)
	}
	if !stop {
		n, date, err := DateFields(fields, today)
		if err != nil {
			return Log{}, err
		}
		if n > 0 {
			l.Date, l.DateGiven, fields = date, true, fields[n:]
		}
	}
	l.Description = description(fields)
	return l, nil
}

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
	m, err := Duration(fields[0])
	if err != nil {
		return 0, 0, err
	}
	return m, 1, nil
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

// serviceField takes an optional service from the front of fields.
func serviceField(fields []string, isService func(string) bool) (service string, rest []string, stop bool) {
	if len(fields) == 0 || isService == nil {
		return "", fields, false
	}
	word, colon := strings.CutSuffix(fields[0], ":")
	if word == "" || !isService(word) {
		return "", fields, false
	}
	return word, fields[1:], colon
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

// TimerStart is a parsed `/timer start` line.
type TimerStart struct {
	Client, Service, Note string
}

// TimerStartLine parses what follows `/timer start`: `<client> [service]
// [note]`, with the client one word or a quoted phrase as in LogLine.
// isService may be nil.
func TimerStartLine(text string, isService func(string) bool) (TimerStart, error) {
	client, fields, stop, err := clientField(strings.Fields(text))
	if err != nil {
		return TimerStart{}, atlas.Errorf(atlas.EInvalid,
			"The client name has no closing quote. Write it like `/timer start \"Acme Trading\" payroll`.")
	}
	if client == "" {
		return TimerStart{}, atlas.Errorf(atlas.EInvalid,
			"Say which client to time, e.g. `/timer start acme payroll` or `/timer start \"Acme Trading\"`.")
	}
	t := TimerStart{Client: client}
	if !stop {
		t.Service, fields, _ = serviceField(fields, isService)
	}
	t.Note = description(fields)
	return t, nil
}
