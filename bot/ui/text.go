package ui

import (
	"fmt"
	"html"
	"strings"
)

// Plural is one or many by n: Plural(1, "task", "tasks") is "task".
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// List joins items as a sentence does: "2", "2 and 3", "2, 3 and 4".
func List(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// Unescape undoes Slack's escaping of &, < and > in command text.
func Unescape(s string) string { return html.UnescapeString(s) }

// Mentions lists user ids as mentions, at most max of them and "and N
// more".
func Mentions(ids []string, max int) string {
	out := ""
	for i, id := range ids {
		if i == max {
			return out + fmt.Sprintf(" and %d more", len(ids)-max)
		}
		if i > 0 {
			out += ", "
		}
		out += "<@" + id + ">"
	}
	return out
}
