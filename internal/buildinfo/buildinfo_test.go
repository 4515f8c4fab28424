package buildinfo

import (
	"runtime"
	"testing"
)

func TestRead(t *testing.T) {
	b := Read()
	if b.Module != "github.com/atlas-practice/atlas" || b.Version == "" || b.Revision == "" || b.GoVersion != runtime.Version() {
		t.Fatalf("Read() = %+v", b)
	}
	Version, Revision = "v1.2.3", "abc123"
	defer func() { Version, Revision = "", "" }()
	if b := Read(); b.Version != "v1.2.3" || b.Revision != "abc123" {
		t.Fatalf("linker-set values not used: %+v", b)
	}
}
