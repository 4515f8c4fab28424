package timeparse

import (
	"slices"
	"strings"
	"time"

	"github.com/agnivade/levenshtein"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// Reading a /log line. A line is `<duration> <client> <the rest>`: the
// client is the longest run of words that names one (its code, another
// name, its name, or enough of its name), or a phrase in quotes; the
// service and the date may stand anywhere in the rest; what is left is the
// description. Where the reading is uncertain — two clients a run of words
// could mean, two services named, a misspelt service that could be either
// of two — it says so and offers the choices; it never guesses.

// MaxClientWords is the longest run of words read as a client's name.
const MaxClientWords = 5

// ClientMatch is a client a run of words names.
type ClientMatch struct {
	ID int64
	// Exact: the words are its code, one of its other names, or its whole
	// name. Otherwise they are part of its name, or (for one word) like a
	// word of it.
	Exact bool
}

// Clients finds, for each run of words, the clients it names: out[i] for
// runs[i]. The bot answers from the database in one round trip; tests from
// a list.
type Clients interface {
	Runs(runs []string) ([][]ClientMatch, error)
}

// Service is a service a line can name, by code or name.
type Service struct {
	ID   int64
	Code string
	Name string
}

// ClientOption is one client the person may have meant, with the words
// that name it.
type ClientOption struct {
	ID    int64
	Typed string
}

// Reading is a /log line read against the practice's clients and
// services.
type Reading struct {
	Minutes    int
	ClientID   int64  // 0 when AskClient is set
	ClientText string // the words that named the client, as typed
	// AskClient lists the clients the words could mean when that is
	// uncertain; nothing may be saved until the person picks one.
	AskClient []ClientOption
	Service   *Service // nil when the line names none
	// ServiceTyped is what the line said for the service; it differs from
	// the service's code and name when a misspelling was read as it.
	ServiceTyped string
	// AskService lists the services the line could mean when it names two,
	// or misspells one that is close to several.
	AskService  []Service
	Date        time.Time
	DateGiven   bool
	Description string

	// What a picked service rewrites (WithService): the words before the
	// client, the words after it, and where among those the line names or
	// misspells the services it asks about.
	head  []string
	rest  []string
	spans [][2]int
}

// WithService is the line again with the service code picked in answer to
// AskService, or to a line that named none: the client as the words that
// named it, in quotes, then the code, then the rest without the words that
// named or misspelt the services asked about. Read again, it names that
// client and that service alone, and the same date.
func (r Reading) WithService(code string) string {
	out := append([]string{}, r.head...)
	if r.ClientText != "" {
		out = append(out, `"`+r.ClientText+`"`)
	}
	out = append(out, code)
	for i, w := range r.rest {
		if !slices.ContainsFunc(r.spans, func(s [2]int) bool { return i >= s[0] && i < s[0]+s[1] }) {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// ServiceGuessed reports whether the service was read from a misspelling,
// which the answer must say.
func (r Reading) ServiceGuessed() bool {
	return r.Service != nil && !strings.EqualFold(r.ServiceTyped, r.Service.Code) && !strings.EqualFold(r.ServiceTyped, r.Service.Name)
}

// ReadLog reads a /log line: `<duration> <client> [service] [date]
// <description>`, the service and date anywhere after the client.
func ReadLog(text string, today time.Time, clients Clients, services []Service) (Reading, error) {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return Reading{}, atlas.Errorf(atlas.EInvalid,
			"Say how long and for which client: `%s`, e.g. `%s` or `%s`.", LogUsage, LogExamples[0], LogExamples[1])
	}
	minutes, used, err := leadingDuration(fields)
	if err != nil {
		return Reading{}, err
	}
	if rest := fields[used:]; len(rest) == 0 || rest[0] == `""` {
		return Reading{}, atlas.Errorf(atlas.EInvalid,
			"Say which client the %s was for, e.g. `/log %s acme payroll bank reconciliation` or `/log %s \"Acme Trading\"`.",
			Format(minutes), Format(minutes), Format(minutes))
	}
	r, err := readWork(fields[used:], today, clients, services, "/log "+Format(minutes))
	r.Minutes = minutes
	r.head = fields[:used]
	return r, err
}

// ReadTimerStart reads what follows `/timer start`: `<client> [service]
// [note]`, the service anywhere after the client. A date makes no sense
// for a timer, so none is read.
func ReadTimerStart(text string, clients Clients, services []Service) (Reading, error) {
	return readWork(strings.Fields(text), time.Time{}, clients, services, "/timer start")
}

// readWork reads the client and then the rest; today is zero when no date
// is to be read.
func readWork(fields []string, today time.Time, clients Clients, services []Service, command string) (Reading, error) {
	var r Reading
	if !today.IsZero() {
		y, m, d := today.Date()
		r.Date = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	var runs, rest []string
	var stop bool
	if isQuoted(fields) {
		quoted, after, colon, err := clientField(fields)
		if err != nil {
			return r, err
		}
		runs, rest, stop = []string{quoted}, after, colon
	} else {
		runs, stop = clientRuns(fields, services)
	}
	if len(runs) == 0 || runs[0] == "" {
		return r, atlas.Errorf(atlas.EInvalid,
			"Say which client, e.g. `%s acme payroll bank reconciliation` or `%s \"Acme Trading\"`.", command, command)
	}
	matches, err := clients.Runs(runs)
	if err != nil {
		return r, err
	}
	n, id, ask := pickClient(runs, matches)
	switch {
	case len(ask) > 0:
		r.AskClient = ask
		return r, nil
	case id == 0:
		return r, atlas.Errorf(atlas.ENotFound,
			"No client called %q. `/atlas clients` lists them; use a client's code, or put a name of several words in quotes: `%s \"Acme Trading\"`.",
			show(runs[0]), command)
	}
	r.ClientID, r.ClientText = id, runs[n-1]
	if !isQuoted(fields) {
		rest = fields[n:]
		stop = stop && n == len(runs)
	}
	if stop && len(rest) > 0 && separators[rest[0]] {
		rest = rest[1:]
	}
	if stop {
		r.Description = description(rest)
		return r, nil
	}
	r.rest = rest
	return readRest(r, rest, today, services)
}

// isQuoted reports whether the client is a phrase in quotes.
func isQuoted(fields []string) bool {
	if len(fields) == 0 {
		return false
	}
	for _, q := range openQuotes {
		if strings.HasPrefix(fields[0], string(q)) {
			return true
		}
	}
	return false
}

// clientRuns are the runs of words that could name the client (without
// punctuation after the last): the first word, the first two, and so on,
// up to MaxClientWords, a word ending in a colon (`acme trading: bank
// rec`), which ends the client there, or a word
// that begins a service's name or a date (`acme ltd payroll yesterday`),
// which no client's name runs into; stop reports that the run list ended
// at such a colon.
func clientRuns(fields []string, services []Service) (runs []string, stop bool) {
	var words []string
	for i, f := range fields {
		if len(words) == MaxClientWords {
			break
		}
		if i > 0 && (startsService(fields[i:], services) || startsDate(fields[i:])) {
			break
		}
		w, colon := strings.CutSuffix(f, ":")
		if w == "" {
			break
		}
		words = append(words, w)
		// "acme ltd, payroll": a comma or full stop after the last word
		// is not part of the name.
		runs = append(runs, strings.TrimRight(strings.Join(words, " "), ",.;!?"))
		if colon {
			return runs, true
		}
	}
	return runs, false
}

// startsService reports whether words begin with a service's code or name.
func startsService(words []string, services []Service) bool {
	for n := min(maxServiceWords, len(words)); n >= 1; n-- {
		if _, ok := findService(services, strings.Join(words[:n], " ")); ok {
			return true
		}
	}
	return false
}

// startsDate reports whether words begin with a date that cannot be part of
// a name: `yesterday`, `3 Nov`, `2026-11-03` (a weekday could be).
func startsDate(words []string) bool {
	n, _, _ := DateFields(words, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	return n > 0 && clearDate(words[:n])
}

// pickClient chooses the client from the matches of each run (runs[k-1]
// is the first k words). The longest run that names a client exactly
// wins; a longer run that names only part of that same client's name takes
// its words too. A longer run naming part of another client's name, or a
// run naming several clients, is uncertain: the candidates come back to
// ask about. n is how many words the client took.
func pickClient(runs []string, matches [][]ClientMatch) (n int, id int64, ask []ClientOption) {
	exactK := 0
	var exact []int64
	for k := len(matches); k >= 1; k-- {
		for _, m := range matches[k-1] {
			if m.Exact && !slices.Contains(exact, m.ID) {
				exact = append(exact, m.ID)
			}
		}
		if len(exact) > 0 {
			exactK = k
			break
		}
	}
	// The longest run that names anything at all.
	longK := 0
	for k := len(matches); k >= 1; k-- {
		if len(matches[k-1]) > 0 {
			longK = k
			break
		}
	}
	if longK == 0 {
		return 0, 0, nil
	}
	long := ids(matches[longK-1])
	switch {
	case exactK == 0 && len(long) == 1:
		return longK, long[0], nil
	case exactK == 0:
		return 0, 0, options(runs[longK-1], long)
	case longK == exactK && len(exact) == 1:
		return exactK, exact[0], nil
	case longK == exactK:
		return 0, 0, options(runs[exactK-1], exact)
	case len(long) == 1 && slices.Contains(exact, long[0]):
		// "acme trading" beyond the code "acme": more of the same name.
		return longK, long[0], nil
	}
	// A longer run names part of someone else's name: which did they mean?
	ask = options(runs[exactK-1], exact)
	for _, o := range options(runs[longK-1], long) {
		if !slices.ContainsFunc(ask, func(a ClientOption) bool { return a.ID == o.ID }) {
			ask = append(ask, o)
		}
	}
	return 0, 0, ask
}

func ids(ms []ClientMatch) []int64 {
	var out []int64
	for _, m := range ms {
		if !slices.Contains(out, m.ID) {
			out = append(out, m.ID)
		}
	}
	return out
}

func options(typed string, ids []int64) []ClientOption {
	out := make([]ClientOption, 0, len(ids))
	for _, id := range ids {
		out = append(out, ClientOption{ID: id, Typed: typed})
	}
	return out
}

// maxServiceWords is the longest service name read from a line.
const maxServiceWords = 4

// readRest finds the service and the date among the words after the
// client, wherever they stand; the rest is the description.
func readRest(r Reading, words []string, today time.Time, services []Service) (Reading, error) {
	used := make([]bool, len(words))
	// The service: a run of words that is a service's code or name.
	type hit struct {
		at, n int
		s     Service
	}
	var hits []hit
	for i := 0; i < len(words); i++ {
		for n := min(maxServiceWords, len(words)-i); n >= 1; n-- {
			if s, ok := findService(services, strings.Join(words[i:i+n], " ")); ok {
				hits = append(hits, hit{i, n, s})
				i += n - 1
				break
			}
		}
	}
	var named []Service
	for _, h := range hits {
		if !slices.Contains(named, h.s) {
			named = append(named, h.s)
		}
	}
	switch {
	case len(named) > 1:
		r.AskService = named
		for _, h := range hits {
			r.spans = append(r.spans, [2]int{h.at, h.n})
		}
		return r, nil
	case len(named) == 1:
		h := hits[0]
		r.Service, r.ServiceTyped = &h.s, strings.Join(trimAll(words[h.at:h.at+h.n]), " ")
		for j := h.at; j < h.at+h.n; j++ {
			used[j] = true
		}
	default:
		at, n, near := nearServices(services, words)
		switch {
		case len(near) == 1:
			r.Service, r.ServiceTyped = &near[0], strings.Join(trimAll(words[at:at+n]), " ")
			for j := at; j < at+n; j++ {
				used[j] = true
			}
		case len(near) > 1:
			r.AskService = near
			r.ServiceTyped = strings.Join(trimAll(words[at:at+n]), " ")
			r.spans = [][2]int{{at, n}}
			return r, nil
		}
	}
	if !today.IsZero() {
		if err := readDate(&r, words, used, today); err != nil {
			return r, err
		}
	}
	var desc []string
	for i, w := range words {
		if !used[i] {
			desc = append(desc, w)
		}
	}
	r.Description = description(desc)
	return r, nil
}

// readDate takes the work date from the words not used yet. Clear dates
// (`yesterday`, `3 Nov`, `2026-11-03`) count wherever they stand; a bare
// weekday only next to the header, at the end, or after `on` or `last`, so
// that "a call about Friday's payment" stays description.
func readDate(r *Reading, words []string, used []bool, today time.Time) error {
	first := -1
	for i := range words {
		if used[i] {
			continue
		}
		if first < 0 {
			first = i
		}
		n, date, err := DateFields(unused(words[i:], used[i:]), today)
		if n == 0 {
			continue
		}
		weekday := isWeekday(words[i])
		prep := i > 0 && !used[i-1] && (strings.EqualFold(words[i-1], "on") || strings.EqualFold(words[i-1], "last"))
		if weekday && i != first && i+n != len(words) && !prep {
			continue
		}
		if err != nil {
			if weekday || i == first || clearDate(words[i:i+n]) {
				return err
			}
			continue
		}
		if r.DateGiven {
			return atlas.Errorf(atlas.EInvalid, "The line names two dates, %s and `%s`. Give the one the work was done on.",
				r.Date.Format("Mon 2 Jan"), show(strings.Join(words[i:i+n], " ")))
		}
		r.Date, r.DateGiven = date, true
		for j := i; j < i+n; j++ {
			used[j] = true
		}
		if prep {
			used[i-1] = true
		}
	}
	return nil
}

// unused are words up to the first that is already taken, so a date is
// never read across the service.
func unused(words []string, used []bool) []string {
	for i := range words {
		if used[i] {
			return words[:i]
		}
	}
	return words
}

func isWeekday(w string) bool { _, ok := weekdays[dateWord(w)]; return ok }

// clearDate reports whether words can only be a date: not a weekday, which
// is also an ordinary word in a description.
func clearDate(words []string) bool {
	return len(words) > 1 || !isWeekday(words[0])
}

// findService is the service whose code or name words are, ignoring case
// and punctuation around them.
func findService(services []Service, words string) (Service, bool) {
	w := strings.Trim(words, ",.;:!?()")
	for _, s := range services {
		if strings.EqualFold(s.Code, w) || strings.EqualFold(s.Name, w) {
			return s, true
		}
	}
	return Service{}, false
}

// nearServices finds the services a misspelt word (or pair of words) is
// close to: within one edit of a code or name of four letters or more, two
// for one of eight or more. It returns the first place such words stand and
// the distinct services they are close to.
func nearServices(services []Service, words []string) (at, n int, near []Service) {
	for i := range words {
		for k := min(2, len(words)-i); k >= 1; k-- {
			typed := strings.ToLower(strings.Trim(strings.Join(words[i:i+k], " "), ",.;:!?()"))
			if len([]rune(typed)) < 4 {
				continue
			}
			var found []Service
			for _, s := range services {
				for _, name := range []string{s.Code, s.Name} {
					name = strings.ToLower(name)
					limit := 1
					if len([]rune(name)) >= 8 {
						limit = 2
					}
					if len([]rune(name)) >= 4 && levenshtein.ComputeDistance(typed, name) <= limit && !slices.Contains(found, s) {
						found = append(found, s)
					}
				}
			}
			if len(found) > 0 {
				return i, k, found
			}
		}
	}
	return 0, 0, nil
}

func trimAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = strings.Trim(w, ",.;:!?()")
	}
	return out
}
