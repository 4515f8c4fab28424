// Package pdftest reads a PDF back as text for tests, with poppler's
// pdftotext (installed by `make poppler`), the way a reader would see it:
// a test asserts on what the document says, not on its bytes.
package pdftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Text is data's text as `pdftotext -layout` lays it out, each line trimmed
// on the right, so goldens do not carry trailing spaces.
func Text(t testing.TB, data []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is missing: install poppler-utils (make poppler)")
	}
	file := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	var b strings.Builder
	for _, l := range strings.Split(string(out), "\n") {
		b.WriteString(strings.TrimRight(l, " ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}
