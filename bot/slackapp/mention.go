package slackapp

import (
	"regexp"
	"strings"
)

// mention matches an escaped Slack user mention: <@U123ABC> or <@U123ABC|bea>.
var mention = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$`)

// ParseMention reads one word as a Slack user mention and returns the user
// id it names.
func ParseMention(word string) (string, bool) {
	m := mention.FindStringSubmatch(word)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// MentionedUsers lists the user ids mentioned in text, in order.
func MentionedUsers(text string) []string {
	var out []string
	for _, w := range strings.Fields(text) {
		if id, ok := ParseMention(w); ok {
			out = append(out, id)
		}
	}
	return out
}
