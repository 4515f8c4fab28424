//go:build unix

package pgtest

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"
)

// processAlive reports whether process pid exists on this machine. Only a
// clear "no such process" (or, on Linux, a zombie awaiting its parent)
// counts as gone, so a doubt keeps the database.
func processAlive(pid int) bool {
	if pid <= 0 {
		return true
	}
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	// /proc/<pid>/stat is "pid (comm) state ...": a killed process stays a
	// zombie until its parent reaps it.
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'Z' {
			return false
		}
	}
	return true
}
