//go:build !unix

package maildev

import "os/exec"

// Without process groups, Stop ends the child alone.
func setProcessGroup(*exec.Cmd) {}

func signalGroup(cmd *exec.Cmd, _ bool) { _ = cmd.Process.Kill() }

func exitedBySignal(err error) bool { return err != nil }
