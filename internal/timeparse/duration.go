package timeparse

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// MaxMinutes is the longest single entry: 24 hours.
const MaxMinutes = 24 * 60

// durationHelp ends every "not a duration" message so the person sees every
// form they may use.
const durationHelp = "Write it like `1h30`, `1.5h`, `90m`, `1:30` or `45` (minutes)."

// maxDigits bounds the integer part of any number. Nine digits cannot
// overflow an int after multiplying by 60, and anything that long is far
// over MaxMinutes anyway.
const maxDigits = 9

// maxDecimals bounds the fractional digits of decimal hours so that the
// exact integer arithmetic in decimalHours cannot overflow. Nobody means
// more precision than this; a typo is likelier.
const maxDecimals = 9

// Duration parses a duration into whole minutes.
//
// Accepted, ignoring case and surrounding spaces: `1h30`, `1h30m`, `1h 30m`,
// `1h 30`, `2h`, `1.5h`, `1,5h`, `.5h`, `90m`, `90min`, `1:30`, `45` (bare
// minutes), `2 hours`, `1 hour 30 minutes`, `1hr 30mins`, and as people say
// them (see spoken): `1 1/2 hours`, `1½h`, `an hour and a half`, `two and a
// half hours`, `half an hour`. The result is always between 1 and
// MaxMinutes.
func Duration(s string) (int, error) {
	m, _, err := parseDuration(s)
	return m, err
}

// parseDuration is Duration that also reports whether s had the shape of a
// duration (numbers and units in a valid order) even when its values were
// wrong. LogLine uses that to tell "25 hours" (a duration that is too long,
// so say so) from "45 acme" (a duration followed by a client).
func parseDuration(s string) (minutes int, shaped bool, err error) {
	orig := strings.TrimSpace(s)
	if orig == "" {
		return 0, false, atlas.Errorf(atlas.EInvalid, "Give a duration. %s", durationHelp)
	}
	if rest, ok := cutMinus(orig); ok {
		// Only call it negative when the rest is a real duration, so that
		// "-abc" gets the general message rather than a confusing one.
		if _, _, err := parseDuration(rest); err == nil {
			return 0, true, atlas.Errorf(atlas.EInvalid,
				"`%s` is negative. Log the time you worked as a positive amount, like `1h30` or `45m`.", show(orig))
		}
		return 0, false, notDuration(orig)
	}
	toks, ok := lex(spoken(strings.ToLower(orig)))
	if !ok {
		return 0, false, notDuration(orig)
	}
	total, shaped, err := evaluate(orig, toks)
	if err != nil {
		return 0, shaped, err
	}
	switch {
	case total > MaxMinutes:
		return 0, true, tooLong(orig)
	case total == 0 && allZero(toks):
		return 0, true, atlas.Errorf(atlas.EInvalid,
			"Zero minutes is nothing to log. Write the time you worked, like `1h30` or `45m`.")
	case total == 0:
		return 0, true, atlas.Errorf(atlas.EInvalid,
			"`%s` is less than a minute. The shortest entry is `1m`.", show(orig))
	}
	return total, true, nil
}

func notDuration(s string) error {
	return atlas.Errorf(atlas.EInvalid, "`%s` is not a duration. %s", show(s), durationHelp)
}

func tooLong(s string) error {
	return atlas.Errorf(atlas.EInvalid,
		"`%s` is more than 24 hours; log each day separately, like `/log 7h30 acme yesterday`.", show(s))
}

// cutMinus removes a leading minus sign, including the typographic ones
// phones and Slack substitute.
func cutMinus(s string) (string, bool) {
	for _, m := range []string{"-", "−", "–", "—"} {
		if rest, ok := strings.CutPrefix(s, m); ok {
			return rest, true
		}
	}
	return s, false
}

type tokKind int

const (
	tokNum tokKind = iota
	tokHours
	tokMinutes
	tokColon
)

type token struct {
	kind  tokKind
	whole string // digits before the decimal point; "" in ".5"
	frac  string // digits after it
	point bool   // a decimal point (or comma) was written
}

// Unit words. Short and long, singular and plural, because people type all
// of them.
var units = map[string]tokKind{
	"h": tokHours, "hr": tokHours, "hrs": tokHours, "hour": tokHours, "hours": tokHours,
	"m": tokMinutes, "min": tokMinutes, "mins": tokMinutes, "minute": tokMinutes, "minutes": tokMinutes,
}

// lex splits a lower-cased duration into numbers, unit words and colons.
// Spaces only separate tokens, which is what lets "1h30", "1h 30" and
// "1 hour 30 minutes" share one grammar.
func lex(s string) ([]token, bool) {
	var toks []token
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			i += size
		case r == ':':
			toks = append(toks, token{kind: tokColon})
			i++
		case isDigit(s[i]) || s[i] == '.' || s[i] == ',':
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			t := token{kind: tokNum, whole: s[i:j]}
			// A comma is a decimal point too: much of Europe writes 1,5h.
			if j < len(s) && (s[j] == '.' || s[j] == ',') {
				k := j + 1
				for k < len(s) && isDigit(s[k]) {
					k++
				}
				if k == j+1 {
					return nil, false // "1.", "1..5", a lone "."
				}
				t.point, t.frac, j = true, s[j+1:k], k
			}
			if t.whole == "" && !t.point {
				return nil, false
			}
			toks = append(toks, t)
			i = j
		case unicode.IsLetter(r):
			j := i
			for j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r) {
					break
				}
				j += n
			}
			kind, ok := units[s[i:j]]
			if !ok {
				return nil, false
			}
			toks = append(toks, token{kind: kind})
			i = j
		default:
			return nil, false
		}
	}
	return toks, len(toks) > 0
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// kinds renders the token kinds as a short pattern for matching the grammar.
func kinds(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteByte("nHM:"[t.kind])
	}
	return b.String()
}

// evaluate applies the grammar to the tokens and returns minutes, which may
// still be zero or above MaxMinutes for the caller to judge. orig is only
// for messages.
func evaluate(orig string, toks []token) (int, bool, error) {
	shown := show(orig)
	switch pattern := kinds(toks); pattern {
	case "n":
		if toks[0].point {
			return 0, true, atlas.Errorf(atlas.EInvalid,
				"`%s` could be hours or minutes. Write `%sh` for hours, or whole minutes like `90m`.", shown, shown)
		}
		return intOrOver(toks[0].whole), true, nil

	case "n:n":
		h, m := toks[0], toks[2]
		if h.point || m.point {
			return 0, false, notDuration(orig)
		}
		// "1:5" might mean 1:05 or 1:50; only two-digit minutes are clear.
		if len(m.whole) != 2 {
			return 0, true, atlas.Errorf(atlas.EInvalid,
				"`%s` is unclear: write the minutes with two digits, like `1:05` or `1:50`.", shown)
		}
		return hoursAndMinutes(shown, intOrOver(h.whole), intOrOver(m.whole))

	case "nH":
		if toks[0].point {
			return decimalHours(shown, toks[0])
		}
		return hoursAndMinutes(shown, intOrOver(toks[0].whole), 0)

	case "nHn", "nHnM":
		h, m := toks[0], toks[2]
		if h.point {
			return 0, true, atlas.Errorf(atlas.EInvalid,
				"`%s` mixes decimal hours with minutes. Write `1.5h` or `1h30`, not both.", shown)
		}
		if m.point {
			return 0, true, wholeMinutes(shown)
		}
		return hoursAndMinutes(shown, intOrOver(h.whole), intOrOver(m.whole))

	case "nM":
		if toks[0].point {
			return 0, true, wholeMinutes(shown)
		}
		return intOrOver(toks[0].whole), true, nil
	}
	return 0, false, notDuration(orig)
}

func wholeMinutes(shown string) error {
	return atlas.Errorf(atlas.EInvalid,
		"`%s` has a fraction of a minute. Write whole minutes like `90m`, or decimal hours like `1.5h`.", shown)
}

// intOrOver reads a run of digits. Numbers too long for maxDigits come back
// as MaxMinutes+1, which every caller reports as "more than 24 hours" — the
// honest description of 99999999999999999999 minutes.
func intOrOver(digits string) int {
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return 0
	}
	if len(digits) > maxDigits {
		return MaxMinutes + 1
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return MaxMinutes + 1 // unreachable for ASCII digits, but never panic
	}
	return n
}

// hoursAndMinutes combines the two parts of `1h30` or `1:30`. The minutes
// part must be below 60: `1:75` is far more likely a typo than 2h15.
func hoursAndMinutes(shown string, h, m int) (int, bool, error) {
	if h > MaxMinutes || m > MaxMinutes {
		return MaxMinutes + 1, true, nil
	}
	total := h*60 + m
	if m >= 60 {
		if total > MaxMinutes {
			return total, true, nil // the caller says "more than 24 hours"
		}
		return 0, true, atlas.Errorf(atlas.EInvalid,
			"`%s` has %d minutes after the hours; minutes go up to 59. Did you mean `%dh%02d` (`%dm`)?",
			shown, m, total/60, total%60, total)
	}
	return total, true, nil
}

// decimalHours converts `1.5h` to minutes with integer arithmetic, so 0.1h
// is exactly 6 minutes rather than whatever float64 makes of it. A fraction
// that is not a whole number of minutes rounds to the nearest, halves up.
func decimalHours(shown string, t token) (int, bool, error) {
	h := intOrOver(t.whole)
	if h > 24 {
		return MaxMinutes + 1, true, nil
	}
	frac := strings.TrimRight(t.frac, "0")
	if len(frac) > maxDecimals {
		return 0, true, atlas.Errorf(atlas.EInvalid,
			"`%s` has too many decimal places. Write it like `1.25h` or `75m`.", shown)
	}
	scale := 1
	for range len(frac) {
		scale *= 10
	}
	f := 0
	if frac != "" {
		f, _ = strconv.Atoi(frac) // at most maxDecimals ASCII digits
	}
	scaled := h*scale + f // hours × scale
	return (scaled*60 + scale/2) / scale, true, nil
}

func allZero(toks []token) bool {
	for _, t := range toks {
		if strings.Trim(t.whole+t.frac, "0") != "" {
			return false
		}
	}
	return true
}

// Format renders minutes as `1h 30m`, `45m`, `2h`, and none as `0h`. It is
// Atlas's one way of showing a duration. Every positive form it produces is
// one Duration accepts, so what the bot shows can be typed back.
func Format(minutes int) string {
	if minutes < 0 {
		// Via uint so that the most negative int does not overflow.
		return "-" + formatU(uint(-(minutes+1))+1)
	}
	return formatU(uint(minutes))
}

func formatU(m uint) string {
	h, r := m/60, m%60
	switch {
	case m == 0:
		return "0h"
	case h == 0:
		return fmt.Sprintf("%dm", r)
	case r == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh %dm", h, r)
}
