package main

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/buildinfo"
)

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out, errb bytes.Buffer
		code := runMain(context.Background(), args, func(string) string { return "" }, &out, &errb)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		got := out.String()
		// A test binary records its module and Go version; VCS details
		// only a `go build` in a checkout does.
		for _, want := range []string{"atlasbot ", "module    github.com/atlas-practice/atlas", "revision  ", "time      ", "go        " + runtime.Version()} {
			if !strings.Contains(got, want) {
				t.Errorf("%v: %q missing from:\n%s", args, want, got)
			}
		}
	}
	var out, errb bytes.Buffer
	if code := runMain(context.Background(), []string{"version", "extra"}, func(string) string { return "" }, &out, &errb); code != exitConfig {
		t.Errorf("version extra: exit %d, want %d", code, exitConfig)
	}
}

func TestPrintVersion(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	printVersion(&out, buildinfo.Info{Module: "github.com/atlas-practice/atlas", Version: "v1.4.0",
		Revision: "0123abcd", Time: "2026-11-30T10:00:00Z", Modified: true, GoVersion: "go1.26.8"})
	want := "atlasbot v1.4.0\n" +
		"  module    github.com/atlas-practice/atlas\n" +
		"  revision  0123abcd (modified)\n" +
		"  time      2026-11-30T10:00:00Z\n" +
		"  go        go1.26.8\n"
	if out.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestUsageListsVersion(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	usage(&out)
	if !strings.Contains(out.String(), "  version  print the version") {
		t.Fatalf("usage lacks version:\n%s", out.String())
	}
}
