// Package buildinfo says which build of Atlas is running: the module
// version, VCS revision and time, and Go version, read from the binary
// (runtime/debug.ReadBuildInfo), so it needs no linker flags. Version and
// Revision may still be set with -ldflags "-X …" where the build has no VCS
// information (a Docker build without .git).
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Set with -ldflags "-X github.com/atlas-practice/atlas/internal/buildinfo.Version=v1.2.3"
// (and .Revision=…); they win over what the binary records.
var (
	Version  string
	Revision string
)

// Info describes the running build.
type Info struct {
	Module    string // module path
	Version   string // module version: "v1.2.3", or "(devel)" for a local build
	Revision  string // VCS revision, "unknown" without VCS information
	Time      string // VCS commit time (RFC 3339), "" when unknown
	Modified  bool   // the work tree had uncommitted changes
	GoVersion string
}

// Read returns the running build's information.
func Read() Info {
	info := Info{Module: "github.com/atlas-practice/atlas", Version: "(devel)", Revision: "unknown", GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path != "" {
			info.Module = bi.Main.Path
		}
		if bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if Version != "" {
		info.Version = Version
	}
	if Revision != "" {
		info.Revision = Revision
	}
	return info
}
