package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// newFlags returns a flag set whose --help prints usage and the summary.
func newFlags(e env, name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := e.stdout
		fmt.Fprintf(w, "Usage: atlasbot %s %s\n\n%s\n", name, args, summary)
		printDefaults(fs, w)
	}
	return fs
}

func printDefaults(fs *flag.FlagSet, w io.Writer) {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// parse parses args; it returns the exit code to stop with, or -1 to go on.
func parse(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitConfig
	}
	return -1
}
