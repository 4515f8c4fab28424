package timeparse

import (
	"strings"
	"unicode/utf8"
)

// maxShown caps how much of the user's text is echoed in an error. Messages
// must stay short enough to read in Slack (and under ~300 characters), and a
// pasted paragraph would drown the actual advice.
const maxShown = 40

// show prepares user text for a message, where it goes inside backticks.
// A backtick or newline inside it would break the Slack code span, so they
// are replaced.
func show(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "`", "'")
	if utf8.RuneCountInString(s) > maxShown {
		r := []rune(s)
		s = string(r[:maxShown-1]) + "…"
	}
	return s
}
