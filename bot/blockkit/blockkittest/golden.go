// Package blockkittest provides golden-file tests for Slack Block Kit
// payloads. A golden file is the indented JSON that Slack would receive,
// stored under the test package's testdata directory and reviewed like
// code: a change to a view shows up in the diff of the pull request, and
// the file can be pasted into Slack's Block Kit Builder to see it rendered.
//
//	func TestInvoiceModal(t *testing.T) {
//		blockkittest.GoldenModal(t, "invoice_modal", views.InvoiceModal(inv))
//	}
//
// GoldenMessage, GoldenModal and GoldenHome also run the matching
// blockkit.Check function, so a golden test fails when the view breaks a
// Slack limit even if the golden file was (re)written to match it.
//
// # Refreshing golden files
//
// After an intended change, rewrite the files and review the diff:
//
//	go test ./bot/... -run TestInvoiceModal -update
//
// The -update flag is registered by this package, so it exists only in
// test binaries that import blockkittest. A package matched by the pattern
// that has tests but does not import it rejects the flag ("flag provided
// but not defined: -update") and fails. Either name the packages that have
// goldens (go test ./bot/views -run X -update), give such a package a
// blank import in one of its _test.go files
//
//	import _ "github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
//
// or set the environment variable instead, which every other binary
// ignores:
//
//	ATLAS_UPDATE_GOLDEN=1 go test ./... -run TestInvoiceModal
//
// Without -update a missing golden file fails the test with the command
// that creates it; it never passes silently.
//
// Import this package only from _test.go files: it registers a
// command-line flag on flag.CommandLine.
package blockkittest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/slack-go/slack"
)

// UpdateEnv is the environment variable that, set to a true value ("1",
// "true"), rewrites golden files like -update does.
const UpdateEnv = "ATLAS_UPDATE_GOLDEN"

func init() {
	// Another golden helper linked into the same test binary may already
	// have defined -update; defining it twice would panic at start-up, and
	// one shared flag is what the user means anyway.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/ with the current output instead of comparing (blockkittest)")
	}
}

// baseDir is the directory the test binary started in, which go test sets
// to the package directory of the test being run. It is captured at init,
// before any test can move away with t.Chdir, so goldens always resolve
// against the calling test's package.
var baseDir = func() string {
	wd, err := os.Getwd()
	if err != nil {
		return "" // fall back to paths relative to wherever we are
	}
	return wd
}()

// updating reports whether golden files should be rewritten.
func updating() bool {
	if on, _ := strconv.ParseBool(os.Getenv(UpdateEnv)); on {
		return true
	}
	if f := flag.Lookup("update"); f != nil {
		on, _ := strconv.ParseBool(f.Value.String())
		return on
	}
	return false
}

// Golden marshals got as indented JSON and compares it with
// testdata/<name>.golden.json in the calling test's package directory. With
// -update (or ATLAS_UPDATE_GOLDEN=1) it writes the file instead. A
// mismatch fails the test with a line diff; a missing file fails it with
// the command that creates it.
//
// name may contain slashes to group files in subdirectories (t.Name()
// works for subtests), but must stay inside testdata.
func Golden(t testing.TB, name string, got any) {
	t.Helper()
	golden(t, baseDir, name, got, updating())
}

// GoldenMessage is Golden for the blocks of a chat message. The golden file
// holds {"blocks": [...]}, the shape Block Kit Builder accepts for
// messages. The test also fails if blockkit.CheckMessage finds a
// violation.
func GoldenMessage(t testing.TB, name string, blocks []slack.Block) {
	t.Helper()
	checked(t, name, "message", blockkit.CheckMessage(blocks))
	if blocks == nil {
		blocks = []slack.Block{} // "blocks": [] rather than null
	}
	Golden(t, name, struct {
		Blocks []slack.Block `json:"blocks"`
	}{blocks})
}

// GoldenModal is Golden for a modal view. The test also fails if
// blockkit.CheckModal finds a violation.
func GoldenModal(t testing.TB, name string, v slack.ModalViewRequest) {
	t.Helper()
	checked(t, name, "modal", blockkit.CheckModal(v))
	Golden(t, name, v)
}

// GoldenHome is Golden for a Home tab view. The test also fails if
// blockkit.CheckHome finds a violation.
func GoldenHome(t testing.TB, name string, v slack.HomeTabViewRequest) {
	t.Helper()
	checked(t, name, "Home tab", blockkit.CheckHome(v))
	Golden(t, name, v)
}

func checked(t testing.TB, name, surface string, err error) {
	t.Helper()
	if err != nil {
		// Errorf, not Fatalf: the golden comparison still runs, so one run
		// shows both the limit problem and what the view now looks like.
		t.Errorf("blockkittest: %s: %s breaks Slack limits:\n%v", name, surface, err)
	}
}

func golden(t testing.TB, base, name string, got any, update bool) {
	t.Helper()
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		t.Fatalf("blockkittest: golden name %q must be a non-empty relative path inside testdata", name)
		return
	}
	rel := filepath.Join("testdata", filepath.FromSlash(name)+".golden.json")
	path := filepath.Join(base, rel)

	data, err := marshal(got)
	if err != nil {
		t.Fatalf("blockkittest: %s: %v", name, err)
		return
	}

	if update {
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			return // leave unchanged files alone so their mtime stays
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("blockkittest: %v", err)
			return
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatalf("blockkittest: %v", err)
			return
		}
		t.Logf("blockkittest: wrote %s", rel)
		return
	}

	want, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Errorf("blockkittest: golden file %s does not exist.\n"+
			"Create it by running this in the package directory, then review and commit it:\n"+
			"\tgo test -run '%s' -update", rel, runPattern(t.Name()))
		return
	}
	if err != nil {
		t.Errorf("blockkittest: %v", err)
		return
	}
	// A checkout with core.autocrlf would otherwise fail every golden.
	want = bytes.ReplaceAll(want, []byte("\r\n"), []byte("\n"))
	if bytes.Equal(want, data) {
		return
	}
	diff := lineDiff(string(want), string(data))
	if diff == "" {
		diff = "(no line differs: the files differ only in the final newline)\n"
	}
	t.Errorf("blockkittest: %s differs from the golden file (-golden +got):\n%s"+
		"If the change is intended, rewrite the file and review the diff:\n"+
		"\tgo test -run '%s' -update", rel, diff, runPattern(t.Name()))
}

// marshal renders v as the golden file stores it. HTML escaping is off
// because mrkdwn is full of <url|label> and &amp;: escaped as \u003c and
// \u0026 the goldens would be unreadable and would not paste into Block Kit
// Builder as they are.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	return buf.Bytes(), nil // Encode ends the file with a newline
}

// runPattern turns a test name such as "TestViews/overdue list" (go test
// reports it as "TestViews/overdue_list") into a -run pattern that matches
// exactly that test.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// JSON is v as Slack receives it, for assertions on the text it shows:
// without the HTML escapes Go's encoder (and types with their own
// MarshalJSON) put in.
func JSON(t testing.TB, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(b.String())
}
