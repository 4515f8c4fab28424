package bot_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/atlas-practice/atlas/"

// shared are the packages of the Slack face that are not features: the
// kernel, and what every feature draws with.
var shared = []string{"bot/slackapp", "bot/ui", "bot/blockkit", "bot/blockkit/blockkittest"}

// kernelNeeds are the internal packages the kernel may use: the caller's
// identity, the outbox whose Slack messages it delivers, and the metrics it
// counts requests, outbox deliveries and Slack calls in.
var kernelNeeds = []string{"internal/atlas", "internal/practice", "internal/outbox", "internal/db", "internal/metrics"}

// TestImportGraph holds the house's layout to its rules: nothing under
// internal/ imports the Slack face; the kernel knows no feature; features
// meet only through internal/ (and the shared packages); and the time
// package uses workflow, never the other way.
func TestImportGraph(t *testing.T) {
	imports := packageImports(t, "..")
	if len(imports) < 20 {
		t.Fatalf("found %d packages; the walk went wrong", len(imports))
	}
	for pkg, deps := range imports {
		for _, dep := range deps {
			switch {
			case strings.HasPrefix(pkg, "internal/") && (dep == "bot" || strings.HasPrefix(dep, "bot/")):
				t.Errorf("%s imports %s: nothing under internal/ imports the Slack face", pkg, dep)
			case pkg == "bot/slackapp" && strings.HasPrefix(dep, "bot/") && dep != "bot/blockkit":
				t.Errorf("the kernel imports %s: it knows no feature", dep)
			case pkg == "bot/slackapp" && strings.HasPrefix(dep, "internal/") && !slices.Contains(kernelNeeds, dep):
				t.Errorf("the kernel imports %s: it needs only the caller's identity, the outbox it delivers and the metrics", dep)
			case pkg == "internal/metrics" && dep != "internal/buildinfo":
				t.Errorf("internal/metrics imports %s: the metrics are a leaf every layer may count in", dep)
			case isFeature(pkg) && isFeature(dep) && pkg != dep:
				t.Errorf("feature %s imports feature %s: features meet through internal/", pkg, dep)
			case slices.Contains(shared, pkg) && isFeature(dep):
				t.Errorf("%s imports feature %s", pkg, dep)
			case pkg == "internal/workflow" && dep == "internal/timesheet":
				t.Errorf("workflow imports timesheet: time is logged against tasks, so timesheet imports workflow")
			case pkg == "internal/practice" && (dep == "internal/timesheet" || dep == "internal/workflow"):
				t.Errorf("practice imports %s: practice is below every feature", dep)
			}
		}
	}
}

// isFeature reports whether pkg is a feature package of the Slack face.
func isFeature(pkg string) bool {
	return strings.HasPrefix(pkg, "bot/") && !slices.Contains(shared, pkg)
}

// packageImports maps each package of the module under root (by its path
// from the module root) to the module packages its non-test files import.
func packageImports(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(rel)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if dep, ok := strings.CutPrefix(p, module); ok && !slices.Contains(out[pkg], dep) {
				out[pkg] = append(out[pkg], dep)
			}
		}
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
