package realisation

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// Length is how long a report's span is.
type Length string

// The spans a report covers.
const (
	Month   Length = "month"
	Quarter Length = "quarter"
	Year    Length = "year"
)

// By is what a report's rows are.
type By string

// The rows a report can have.
const (
	ByClient  By = "client"
	ByPerson  By = "person"
	ByService By = "service"
)

// Span is a calendar month, quarter or year: From and To are its first and
// last days.
type Span struct {
	Length   Length
	From, To time.Time
}

// Label is "November 2026", "Q4 2026" or "2026".
func (s Span) Label() string {
	switch s.Length {
	case Quarter:
		return fmt.Sprintf("Q%d %d", (int(s.From.Month())-1)/3+1, s.From.Year())
	case Year:
		return strconv.Itoa(s.From.Year())
	}
	return atlas.PeriodOf(s.From).Label()
}

// Key is the span as it is typed back: "2026-11", "2026-Q4", "2026".
func (s Span) Key() string {
	switch s.Length {
	case Quarter:
		return fmt.Sprintf("%d-Q%d", s.From.Year(), (int(s.From.Month())-1)/3+1)
	case Year:
		return strconv.Itoa(s.From.Year())
	}
	return atlas.PeriodOf(s.From).String()
}

// SpanOf is the month, quarter or year of length that holds day.
func SpanOf(l Length, day time.Time) Span {
	y, m := day.Year(), day.Month()
	switch l {
	case Quarter:
		first := time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, time.UTC)
		return Span{Quarter, first, first.AddDate(0, 3, -1)}
	case Year:
		return Span{Year, time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)}
	}
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	return Span{Month, first, first.AddDate(0, 1, -1)}
}

// Query is what a report is asked for.
type Query struct {
	Span Span
	By   By
}

var (
	monthKey   = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	quarterKey = regexp.MustCompile(`^(?i)(\d{4})-?q([1-4])$`)
	yearKey    = regexp.MustCompile(`^(\d{4})$`)
)

// ParseQuery reads "[month|quarter|year|2026-11|2026-Q4|2026] [by
// client|person|service]": the span holding today unless one is named, by
// client unless said otherwise.
func ParseQuery(text string, today time.Time) (Query, error) {
	q := Query{Span: SpanOf(Month, today), By: ByClient}
	words := strings.Fields(strings.ToLower(text))
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "by" && i+1 < len(words):
			i++
			switch b := strings.TrimSuffix(words[i], "s"); b {
			case "client", "person", "service":
				q.By = By(b)
			case "people", "staff", "member", "team":
				q.By = ByPerson
			default:
				return q, atlas.Errorf(atlas.EInvalid, "%q is not a way to group realisation: say `by client`, `by person` or `by service`.", words[i])
			}
		case w == "month" || w == "quarter" || w == "year":
			q.Span = SpanOf(Length(w), today)
		case monthKey.MatchString(w):
			p, err := atlas.ParsePeriod(w)
			if err != nil {
				return q, atlas.Errorf(atlas.EInvalid, "%q is not a month. Write it like 2026-11.", w)
			}
			q.Span = SpanOf(Month, p.FirstDay())
		case quarterKey.MatchString(w):
			m := quarterKey.FindStringSubmatch(w)
			y, _ := strconv.Atoi(m[1])
			n, _ := strconv.Atoi(m[2])
			q.Span = SpanOf(Quarter, time.Date(y, time.Month(3*n-2), 1, 0, 0, 0, 0, time.UTC))
		case yearKey.MatchString(w):
			y, _ := strconv.Atoi(w)
			q.Span = SpanOf(Year, time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC))
		default:
			return q, atlas.Errorf(atlas.EInvalid, "%q is not a period or a grouping. Write it like `/realisation quarter by client` or `/realisation 2026-11 by person`.", w)
		}
	}
	return q, nil
}

// Key is the query as typed back: "2026-Q4 by client".
func (q Query) Key() string { return q.Span.Key() + " by " + string(q.By) }
