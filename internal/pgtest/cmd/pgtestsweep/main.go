// Command pgtestsweep runs at the end of `make test`: it drops the test
// template, then drops every database left by the tests of this checkout
// whose test process has ended and fails naming them, since after a clean
// run pgtest.Main has already dropped them all. With -quiet (after a failed
// run) it only cleans up and never fails on leftovers.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/atlas-practice/atlas/internal/pgtest"
)

func main() {
	root := flag.String("root", ".", "the checkout whose test databases to sweep")
	quiet := flag.Bool("quiet", false, "clean up only; do not fail on leftovers")
	flag.Parse()
	res, err := pgtest.Sweep(*root)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtestsweep: %v\n", err)
		os.Exit(1)
	}
	if !*quiet {
		for _, t := range res.Templates {
			fmt.Printf("test: dropped template %s\n", t)
		}
	}
	sort.Strings(res.Running)
	if len(res.Running) > 0 {
		fmt.Printf("test: kept %d database(s) of a test process still running from this checkout: %s\n", len(res.Running), strings.Join(res.Running, " "))
	}
	sort.Strings(res.Finished)
	if len(res.Finished) > 0 {
		if *quiet {
			fmt.Printf("test: dropped %d database(s) left by tests: %s\n", len(res.Finished), strings.Join(res.Finished, " "))
			return
		}
		fmt.Fprintf(os.Stderr, "test: FAIL: the tests left %d database(s) on the server (dropped now; a package using pgtest is missing `func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }` or was killed):\n  %s\n",
			len(res.Finished), strings.Join(res.Finished, "\n  "))
		os.Exit(1)
	}
	if !*quiet {
		fmt.Println("test: no test database left on the server")
	}
}
