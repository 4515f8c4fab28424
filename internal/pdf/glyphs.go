package pdf

import (
	"strings"
	"sync"
	"unicode"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// missing stands in for a character the font cannot draw.
const missing = '\uFFFD'

// drawable is the set of runes both embedded faces have glyphs for, as a
// bitmap over the Basic Multilingual Plane: gofpdf keeps its widths in a
// table of 65,536 and panics past it, so an emoji in a client's name
// would otherwise bring the document down.
var drawable = sync.OnceValue(func() *[0x10000 / 64]uint64 {
	var set [0x10000 / 64]uint64
	reg, err1 := sfnt.Parse(regularTTF)
	bold, err2 := sfnt.Parse(boldTTF)
	if err1 != nil || err2 != nil {
		panic("pdf: embedded fonts do not parse")
	}
	var buf sfnt.Buffer
	for r := rune(0); r < 0x10000; r++ {
		g1, err1 := reg.GlyphIndex(&buf, r)
		g2, err2 := bold.GlyphIndex(&buf, r)
		if err1 == nil && err2 == nil && g1 != 0 && g2 != 0 {
			set[r/64] |= 1 << (r % 64)
		}
	}
	return &set
})

// printable is s as the embedded font can draw it. Letters typed as a
// base and a combining accent are composed ("e" and "◌̈" make "ë"), since
// gofpdf cannot place an accent over a letter; white space becomes a plain
// space (a cell is one paragraph, broken into lines to fit); other control
// characters go; and characters without a glyph become U+FFFD, so the
// reader sees that something was there.
func printable(s string) string {
	set := drawable()
	ok := func(r rune) bool { return r < 0x10000 && set[r/64]&(1<<(r%64)) != 0 }
	clean := true
	for _, r := range s {
		if !ok(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range norm.NFC.String(s) {
		switch {
		case ok(r):
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.IsControl(r), unicode.Is(unicode.Mn, r), r == '\u200d', unicode.Is(unicode.Variation_Selector, r):
			// Nothing to draw: a combining mark without its precomposed
			// letter, or the joiners and selectors of emoji.
		default:
			b.WriteRune(missing)
		}
	}
	return b.String()
}

// txt is a text component with s made printable.
func txt(s string, p props.Text) core.Component { return text.New(printable(s), p) }

// txtCol is a column holding one text component.
func txtCol(size int, s string, p props.Text) core.Col { return col.New(size).Add(txt(s, p)) }
