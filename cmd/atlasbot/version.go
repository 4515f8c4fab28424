package main

import (
	"context"
	"fmt"
	"io"

	"github.com/atlas-practice/atlas/internal/buildinfo"
)

// version prints which build this is, from the binary's own build
// information: no linker flags needed.
func version(_ context.Context, e env, args []string) int {
	fs := newFlags(e, "version", "", "Prints the module version, the VCS revision and commit time it was built from\n"+
		"and the Go version, as recorded in the binary (runtime/debug.ReadBuildInfo).")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "atlasbot version: unexpected argument %q\n", fs.Arg(0))
		return exitConfig
	}
	printVersion(e.stdout, buildinfo.Read())
	return exitOK
}

func printVersion(w io.Writer, b buildinfo.Info) {
	revision := b.Revision
	if b.Modified {
		revision += " (modified)"
	}
	when := b.Time
	if when == "" {
		when = "unknown"
	}
	fmt.Fprintf(w, "atlasbot %s\n", b.Version)
	fmt.Fprintf(w, "  module    %s\n", b.Module)
	fmt.Fprintf(w, "  revision  %s\n", revision)
	fmt.Fprintf(w, "  time      %s\n", when)
	fmt.Fprintf(w, "  go        %s\n", b.GoVersion)
}
