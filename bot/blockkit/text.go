package blockkit

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Ellipsis marks text that Truncate shortened. It is a single rune so it
// costs one character of the limit, not three.
const Ellipsis = "…"

// EmptyText stands in for empty or blank text in Plain and Markdown.
// Slack rejects text objects with empty text (minimum length 1), and in a
// bookkeeping view a missing value (no contact name, no memo) is common;
// an em dash keeps the layout and reads as "nothing here".
const EmptyText = "—"

// Truncate shortens s to at most max runes. When it has to cut, it drops
// trailing whitespace at the cut and ends the result with Ellipsis, so the
// reader can tell the text continues. It never splits a multi-byte UTF-8
// sequence, though it may split a grapheme cluster (an emoji with a skin
// tone modifier, a letter with a combining accent). max <= 0 yields "".
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	head, cut := cutRunes(s, max)
	if !cut {
		return s
	}
	return strings.TrimRightFunc(head, unicode.IsSpace) + Ellipsis
}

// cutRunes returns the first max-1 runes of s when s is longer than max
// runes, leaving room for the ellipsis, and reports whether it cut. max
// must be at least 1.
func cutRunes(s string, max int) (string, bool) {
	// Fast path: a string of at most max bytes has at most max runes.
	if len(s) <= max || utf8.RuneCountInString(s) <= max {
		return s, false
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i], true
		}
		n++
	}
	return s, false // unreachable: s has more than max runes
}

// truncateMrkdwn is Truncate for mrkdwn. Slack renders <url|label>,
// <@U123>, <!here> and the &amp; &lt; &gt; escapes as units; cutting inside
// one would leave raw syntax such as "<https://exa…" in front of the user,
// so the cut backs off to before the unfinished unit.
func truncateMrkdwn(s string, max int) string {
	if max <= 0 {
		return ""
	}
	head, cut := cutRunes(s, max)
	if !cut {
		return s
	}
	if i := strings.LastIndexByte(head, '<'); i >= 0 && !strings.Contains(head[i:], ">") {
		head = head[:i]
	}
	// The longest escape is "&amp;" (5 bytes), so a cut one has at most 4.
	if i := strings.LastIndexByte(head, '&'); i >= 0 && len(head)-i < len("&amp;") && !strings.Contains(head[i:], ";") {
		head = head[:i]
	}
	return strings.TrimRightFunc(head, unicode.IsSpace) + Ellipsis
}

// Plain returns a plain_text text object (emoji shortcodes enabled) holding
// text cut to max runes with Truncate. max <= 0 means MaxTextObject. Blank
// text becomes EmptyText, so the result is always accepted by Slack.
//
// Pass the limit of the place the object goes, e.g. MaxButtonText for a
// button or MaxModalTitle for a modal title.
func Plain(text string, max int) *slack.TextBlockObject {
	if max <= 0 {
		max = MaxTextObject
	}
	if strings.TrimSpace(text) == "" {
		text = EmptyText
	}
	return slack.NewTextBlockObject(slack.PlainTextType, Truncate(text, max), true, false)
}

// Markdown returns a mrkdwn text object holding text cut to max runes,
// without breaking links, mentions or escapes at the cut. max <= 0 means
// MaxTextObject. Blank text becomes EmptyText.
//
// text is sent as is: run user-supplied values (client names such as
// "Smith & Sons <Ltd>") through Escape before formatting them in.
func Markdown(text string, max int) *slack.TextBlockObject {
	if max <= 0 {
		max = MaxTextObject
	}
	if strings.TrimSpace(text) == "" {
		text = EmptyText
	}
	return slack.NewTextBlockObject(slack.MarkdownType, truncateMrkdwn(text, max), false, false)
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes s safe to embed in mrkdwn text. Slack treats &, < and > as
// control characters there: an unescaped "<" can turn a client name into a
// broken link or a mention. Escaped text is longer than s, so escape first
// and let Markdown truncate the result; it will not cut an escape in half.
func Escape(s string) string {
	return mrkdwnEscaper.Replace(s)
}
