package timeparse

import (
	"regexp"
	"strconv"
	"strings"
)

// Durations as people say them: "1 1/2 hours", "1½h", "an hour and a
// half", "one and a half hours", "half an hour", "three quarters of an
// hour". spoken rewrites them into the forms the duration grammar reads
// ("1.5 hours", "30 minutes"), so the grammar itself stays small.

// numberWords are the numbers people spell out for hours.
var numberWords = map[string]string{
	"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
	"seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
}

// fractions are the parts of an hour people name, as decimals.
var fractions = map[string]string{"1/2": "5", "½": "5", "1/4": "25", "¼": "25", "3/4": "75", "¾": "75"}

var (
	// "an hour", "a quarter", "a half": the article is the number one.
	article = regexp.MustCompile(`(^|\s)an?\s+(hour|hr|quarter|half)\b`)
	// "1 1/2", "1½", "1 ½": a whole number and a fraction.
	mixed = regexp.MustCompile(`(\d+)\s*(1/2|1/4|3/4|½|¼|¾)`)
	// "1/2", "½" alone.
	bare = regexp.MustCompile(`(^|\s)(1/2|1/4|3/4|½|¼|¾)`)
	// "1 and a half hours", "1 hour and a half".
	andHalf = regexp.MustCompile(`(\d+)(\s+(?:hours?|hrs?))?\s+and\s+(?:an?|1)\s+(half|quarter)\b`)
	andQtrs = regexp.MustCompile(`(\d+)(\s+(?:hours?|hrs?))?\s+and\s+3\s+quarters\b`)
	// "half an hour", "half hour", "quarter of an hour", "3 quarters of an hour".
	halfHour    = regexp.MustCompile(`^(?:1\s+)?half\s+(?:(?:an|1)\s+)?hour$`)
	quarterHour = regexp.MustCompile(`^(?:(1|3)\s+)?quarters?\s+(?:of\s+)?(?:(?:an|1)\s+)?hour$`)
)

// spoken rewrites a lower-cased duration said in words into the grammar's
// forms, or returns it unchanged.
func spoken(s string) string {
	fields := strings.Fields(s)
	for i, f := range fields {
		if n, ok := numberWords[f]; ok {
			fields[i] = n
		}
	}
	s = strings.Join(fields, " ")
	s = article.ReplaceAllString(s, "${1}1 $2")
	if m := quarterHour.FindStringSubmatch(s); m != nil {
		if m[1] == "3" {
			return "45 minutes"
		}
		return "15 minutes"
	}
	if halfHour.MatchString(s) {
		return "30 minutes"
	}
	s = andQtrs.ReplaceAllString(s, "$1.75$2")
	s = andHalf.ReplaceAllStringFunc(s, func(m string) string {
		sub := andHalf.FindStringSubmatch(m)
		frac := ".5"
		if sub[3] == "quarter" {
			frac = ".25"
		}
		return sub[1] + frac + sub[2]
	})
	s = mixed.ReplaceAllStringFunc(s, func(m string) string {
		sub := mixed.FindStringSubmatch(m)
		return sub[1] + "." + fractions[sub[2]]
	})
	s = bare.ReplaceAllStringFunc(s, func(m string) string {
		sub := bare.FindStringSubmatch(m)
		return sub[1] + "0." + fractions[sub[2]]
	})
	// "1.5 hours" already; "1.5" alone stays ambiguous on purpose.
	if f := strings.Fields(s); len(f) == 2 && f[1] == "hour" {
		if _, err := strconv.ParseFloat(f[0], 64); err == nil {
			return f[0] + " hours"
		}
	}
	return s
}
