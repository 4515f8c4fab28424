package ui

import (
	"strings"
	"testing"
)

// A download stops at the cap, whichever way it is written.
func TestCappedStopsAtTheCap(t *testing.T) {
	t.Parallel()
	c := &capped{limit: 5}
	if n, err := c.Write([]byte("12345")); n != 5 || err != nil {
		t.Fatalf("within: %d %v", n, err)
	}
	if _, err := c.Write([]byte("6")); err != errTooLarge || string(c.buf) != "12345" {
		t.Fatalf("past: %v %q", err, c.buf)
	}
	if _, err := strings.NewReader("123456").WriteTo(&capped{limit: 5}); err != errTooLarge {
		t.Fatalf("io.Copy-like: %v", err)
	}
}
