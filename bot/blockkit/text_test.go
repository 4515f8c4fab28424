package blockkit_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/slack-go/slack"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		s    string
		max  int
		want string
	}{
		{"short ascii", "Invoice", 10, "Invoice"},
		{"exact ascii", "Invoice", 7, "Invoice"},
		{"cut ascii", "Invoice 42", 8, "Invoice…"},
		{"trailing space dropped at cut", "Smith and Sons", 7, "Smith…"},
		{"empty", "", 5, ""},
		{"max zero", "abc", 0, ""},
		{"max negative", "abc", -3, ""},
		{"max one", "abc", 1, "…"},
		{"max one fits", "a", 1, "a"},
		// Multi-byte: é is 2 bytes, € 3, 🧾 4. Lengths are runes, and a cut
		// never lands inside a UTF-8 sequence.
		{"two-byte runes fit", "ééééé", 5, "ééééé"},
		{"two-byte runes cut", "ééééé", 4, "ééé…"},
		{"bytes exceed but runes fit", "€€€", 3, "€€€"},
		{"three-byte runes cut", "€€€€", 2, "€…"},
		{"four-byte runes cut", "🧾🧾🧾🧾", 3, "🧾🧾…"},
		{"mixed", "Müller GmbH – Q3 €1.200", 10, "Müller Gm…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := blockkit.Truncate(tt.s, tt.max)
			if got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.s, tt.max, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Truncate(%q, %d) = %q is not valid UTF-8", tt.s, tt.max, got)
			}
			if n := utf8.RuneCountInString(got); tt.max >= 0 && n > tt.max {
				t.Errorf("Truncate(%q, %d) has %d runes", tt.s, tt.max, n)
			}
		})
	}
}

// TestTruncateNeverExceeds sweeps every limit over a string mixing 1- to
// 4-byte runes, so an off-by-one at any rune width would show up.
func TestTruncateNeverExceeds(t *testing.T) {
	s := strings.Repeat("aé€🧾 ", 20)
	runes := utf8.RuneCountInString(s)
	for max := 0; max <= runes+1; max++ {
		got := blockkit.Truncate(s, max)
		n := utf8.RuneCountInString(got)
		switch {
		case !utf8.ValidString(got):
			t.Fatalf("max %d: invalid UTF-8 %q", max, got)
		case n > max:
			t.Fatalf("max %d: %d runes in %q", max, n, got)
		case max >= runes && got != s:
			t.Fatalf("max %d: shortened a string that fits: %q", max, got)
		case max > 0 && max < runes && !strings.HasSuffix(got, blockkit.Ellipsis):
			t.Fatalf("max %d: cut without ellipsis: %q", max, got)
		}
	}
}

func TestPlain(t *testing.T) {
	tests := []struct {
		text string
		max  int
		want string
	}{
		{"Approve", blockkit.MaxButtonText, "Approve"},
		{strings.Repeat("é", 30), blockkit.MaxModalTitle, strings.Repeat("é", 23) + "…"},
		{"", blockkit.MaxButtonText, blockkit.EmptyText},
		{"  \n", blockkit.MaxButtonText, blockkit.EmptyText},
		{strings.Repeat("x", 5000), 0, strings.Repeat("x", blockkit.MaxTextObject-1) + "…"},
	}
	for _, tt := range tests {
		got := blockkit.Plain(tt.text, tt.max)
		if got.Type != slack.PlainTextType || got.Text != tt.want {
			t.Errorf("Plain(%.20q, %d) = {%s %.30q}, want plain_text %.30q", tt.text, tt.max, got.Type, got.Text, tt.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	tests := []struct {
		name string
		text string
		max  int
		want string
	}{
		{"fits", "*Acme* owes <https://x.test|£20>", 100, "*Acme* owes <https://x.test|£20>"},
		{"empty", "", 10, blockkit.EmptyText},
		{"plain cut", "Reconciled 12 transactions", 14, "Reconciled 12…"},
		// Cutting inside <url|label> or <@U123> would show raw syntax.
		{"cut inside link backs off", "See <https://example.com/invoices/42|invoice 42> now", 20, "See…"},
		{"cut inside mention backs off", "Assigned to <@U012AB3CD>", 16, "Assigned to…"},
		{"closed link kept", "<https://a.test|A> and more text here", 22, "<https://a.test|A> an…"},
		// Cutting inside &amp; would show "&am".
		{"cut inside escape backs off", "Smith &amp; Sons", 10, "Smith…"},
		{"escape kept when whole", "Smith &amp; Sons", 13, "Smith &amp;…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := blockkit.Markdown(tt.text, tt.max)
			if got.Type != slack.MarkdownType || got.Text != tt.want {
				t.Errorf("Markdown(%q, %d) = {%s %q}, want mrkdwn %q", tt.text, tt.max, got.Type, got.Text, tt.want)
			}
			if n := utf8.RuneCountInString(got.Text); n > tt.max {
				t.Errorf("Markdown(%q, %d) has %d runes", tt.text, tt.max, n)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	got := blockkit.Escape("Smith & Sons <Ltd> > 5")
	want := "Smith &amp; Sons &lt;Ltd&gt; &gt; 5"
	if got != want {
		t.Errorf("Escape = %q, want %q", got, want)
	}
}
