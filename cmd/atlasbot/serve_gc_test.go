package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneGCKeepsAnExplicitGOGC: serve raises the collector's target to
// gcPercent on its own, but never overrides a GOGC the operator set.
func TestTuneGCKeepsAnExplicitGOGC(t *testing.T) {
	was := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(was) })

	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GOGC unset: collector target %d, want %d", got, gcPercent)
	}
	tuneGC(func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC=100 set: collector target %d, want it left at 100", got)
	}
}
