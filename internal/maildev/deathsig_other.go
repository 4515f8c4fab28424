//go:build unix && !linux

package maildev

import "syscall"

// Only Linux has a parent-death signal; elsewhere an Atlas that crashes
// leaves maildev running until it is killed by hand.
func setParentDeathSignal(*syscall.SysProcAttr) {}
