package playground

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal has the kernel send local-slack SIGTERM if Atlas dies
// without stopping it, so no orphan keeps the port.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
