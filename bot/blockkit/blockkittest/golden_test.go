package blockkittest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/slack-go/slack"
)

// fakeT records failures instead of failing the real test, so the helper's
// failure paths can be tested. Everything else (Name, TempDir, ...) goes
// to the embedded real T.
type fakeT struct {
	testing.TB
	errs  []string
	fatal bool
}

func (f *fakeT) Helper()             {}
func (f *fakeT) Logf(string, ...any) {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	f.fatal = true
}

func (f *fakeT) failedWith(t *testing.T, parts ...string) {
	t.Helper()
	if len(f.errs) == 0 {
		t.Fatalf("helper did not fail; want a failure mentioning %q", parts)
	}
	all := strings.Join(f.errs, "\n")
	for _, p := range parts {
		if !strings.Contains(all, p) {
			t.Errorf("failure message lacks %q:\n%s", p, all)
		}
	}
}

func sampleBlocks() []slack.Block {
	return []slack.Block{
		slack.NewHeaderBlock(blockkit.Plain("Overdue invoices", blockkit.MaxHeaderText)),
		slack.NewSectionBlock(blockkit.Markdown("*"+blockkit.Escape("Smith & Sons <Ltd>")+"*\nINV-0042 · £1,200.00 · 31 days overdue", 0), nil,
			slack.NewAccessory(slack.NewButtonBlockElement("invoice.open", "inv_0042", blockkit.Plain("Open", blockkit.MaxButtonText)))),
		slack.NewContextBlock("", blockkit.Markdown(blockkit.Paginate(57, 0, 10).More(), 0)),
	}
}

// The three tests below compare against files committed in testdata/,
// exercising the real path resolution and the checks.

func TestGoldenMessage(t *testing.T) {
	GoldenMessage(t, "message", sampleBlocks())
}

func TestGoldenModal(t *testing.T) {
	GoldenModal(t, "modal", slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: "invoice.chase",
		Title:      blockkit.Plain("Chase invoice", blockkit.MaxModalTitle),
		Submit:     blockkit.Plain("Send reminder", blockkit.MaxModalButton),
		Close:      blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("note", blockkit.Plain("Note to client", blockkit.MaxInputLabel), nil,
				slack.NewPlainTextInputBlockElement(blockkit.Plain("Optional", blockkit.MaxPlaceholder), "note")),
		}},
	})
}

func TestGoldenHome(t *testing.T) {
	GoldenHome(t, "home", slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: sampleBlocks()}})
}

func TestGoldenMatchesAfterUpdate(t *testing.T) {
	dir := t.TempDir()
	got := map[string]any{"blocks": []string{"a", "<b & c>"}}

	f := &fakeT{TB: t}
	golden(f, dir, "sub/case", got, true)
	if len(f.errs) > 0 {
		t.Fatalf("update failed: %v", f.errs)
	}
	data, err := os.ReadFile(filepath.Join(dir, "testdata", "sub", "case.golden.json"))
	if err != nil {
		t.Fatalf("update did not write the file: %v", err)
	}
	want := "{\n  \"blocks\": [\n    \"a\",\n    \"<b & c>\"\n  ]\n}\n"
	if string(data) != want {
		t.Errorf("written golden =\n%s\nwant (indented, HTML left unescaped, final newline)\n%s", data, want)
	}

	f = &fakeT{TB: t}
	golden(f, dir, "sub/case", got, false)
	if len(f.errs) > 0 {
		t.Errorf("compare after update failed: %v", f.errs)
	}
}

func TestGoldenMissingFileFails(t *testing.T) {
	dir := t.TempDir()
	f := &fakeT{TB: t}
	golden(f, dir, "absent", []int{1}, false)
	f.failedWith(t, filepath.Join("testdata", "absent.golden.json"), "does not exist", "-update", "go test -run '^TestGoldenMissingFileFails$'")
	if _, err := os.Stat(filepath.Join(dir, "testdata")); !os.IsNotExist(err) {
		t.Errorf("compare mode created files: %v", err)
	}
}

func TestGoldenMismatchShowsDiff(t *testing.T) {
	dir := t.TempDir()
	f := &fakeT{TB: t}
	golden(f, dir, "case", []string{"one", "two", "three"}, true)
	golden(f, dir, "case", []string{"one", "2", "three"}, false)
	f.failedWith(t, "differs from the golden file", "-  \"two\",", "+  \"2\",", "@@ ", "-update")
}

func TestGoldenCRLFGoldenMatches(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "testdata", "crlf.golden.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("[\r\n  1\r\n]\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fakeT{TB: t}
	golden(f, dir, "crlf", []int{1}, false)
	if len(f.errs) > 0 {
		t.Errorf("CRLF golden did not match: %v", f.errs)
	}
}

func TestGoldenRejectsNamesOutsideTestdata(t *testing.T) {
	for _, name := range []string{"", "../escape", "a/../../escape", "/abs/path"} {
		f := &fakeT{TB: t}
		golden(f, t.TempDir(), name, 1, true)
		if !f.fatal {
			t.Errorf("name %q was accepted", name)
		}
	}
}

func TestGoldenUnmarshalableFails(t *testing.T) {
	f := &fakeT{TB: t}
	golden(f, t.TempDir(), "bad", map[string]any{"f": func() {}}, true)
	if !f.fatal {
		t.Error("marshal error did not fail the test")
	}
}

// TestGoldenViewHelpersEnforceLimits checks that a golden match is not
// enough: a view over a limit fails even when its golden file agrees.
func TestGoldenViewHelpersEnforceLimits(t *testing.T) {
	old := baseDir
	baseDir = t.TempDir()
	t.Cleanup(func() { baseDir = old })

	tooLong := strings.Repeat("x", blockkit.MaxHeaderText+1)
	blocks := []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, tooLong, false, false))}
	golden(&fakeT{TB: t}, baseDir, "bad_message", struct {
		Blocks []slack.Block `json:"blocks"`
	}{blocks}, true) // golden matches what GoldenMessage will produce

	f := &fakeT{TB: t}
	GoldenMessage(f, "bad_message", blocks)
	f.failedWith(t, "bad_message: message breaks Slack limits", "blocks[0].text: 151 characters, limit 150")
	if len(f.errs) != 1 {
		t.Errorf("want only the limit failure (the golden matches), got %q", f.errs)
	}

	f = &fakeT{TB: t}
	GoldenModal(f, "bad_modal", slack.ModalViewRequest{Type: slack.VTModal, Title: blockkit.Plain("Way too long for a modal title", 0)})
	f.failedWith(t, "modal breaks Slack limits", "title: 30 characters, limit 24")

	f = &fakeT{TB: t}
	GoldenHome(f, "bad_home", slack.HomeTabViewRequest{})
	f.failedWith(t, "Home tab breaks Slack limits", `type: missing; must be "home"`)
}

func TestUpdateFlagRegistered(t *testing.T) {
	f := flag.Lookup("update")
	if f == nil {
		t.Fatal("-update is not registered")
	}
	if updating() != (f.Value.String() == "true" || os.Getenv(UpdateEnv) != "") {
		t.Errorf("updating() disagrees with -update=%s %s=%q", f.Value, UpdateEnv, os.Getenv(UpdateEnv))
	}
}

func TestRunPattern(t *testing.T) {
	if got, want := runPattern("TestViews/overdue_list(2)"), `^TestViews$/^overdue_list\(2\)$`; got != want {
		t.Errorf("runPattern = %q, want %q", got, want)
	}
}

func TestLineDiff(t *testing.T) {
	tests := []struct {
		name, want, got, diff string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"changed line", "a\nb\nc\n", "a\nB\nc\n", "@@ -1 +1 @@\n a\n-b\n+B\n c\n"},
		{"added line", "a\nc\n", "a\nb\nc\n", "@@ -1 +1 @@\n a\n+b\n c\n"},
		{"removed line", "a\nb\nc\n", "a\nc\n", "@@ -1 +1 @@\n a\n-b\n c\n"},
		{"from empty", "", "x\n", "@@ -1 +1 @@\n+x\n"},
		{"context is trimmed and hunks split",
			"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
			"1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n",
			"@@ -1 +1 @@\n 1\n-2\n+X\n 3\n 4\n 5\n@@ -8 +8 @@\n 8\n 9\n 10\n-11\n+Y\n 12\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lineDiff(tt.want, tt.got); got != tt.diff {
				t.Errorf("lineDiff =\n%s\nwant\n%s", got, tt.diff)
			}
		})
	}
}
