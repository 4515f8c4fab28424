package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestTuneGCKeepsAnExplicitSetting: serve raises the collector's target to
// gcPercent and sets a soft memory limit of memoryLimit on its own, but
// never overrides a GOGC or a GOMEMLIMIT the operator set.
func TestTuneGCKeepsAnExplicitSetting(t *testing.T) {
	wasPercent, wasLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(wasPercent); debug.SetMemoryLimit(wasLimit) })

	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GOGC unset: collector target %d, want %d", got, gcPercent)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != memoryLimit {
		t.Errorf("GOMEMLIMIT unset: memory limit %d, want %d", got, memoryLimit)
	}
	tuneGC(func(k string) string {
		return map[string]string{"GOGC": "100", "GOMEMLIMIT": "1GiB"}[k]
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC=100 set: collector target %d, want it left at 100", got)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != math.MaxInt64 {
		t.Errorf("GOMEMLIMIT set: memory limit %d, want it left as the runtime read it", got)
	}
}
