package main

import (
	"os/exec"
	"syscall"
)

// setPdeathsig kills the child if the bench dies first.
func setPdeathsig(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
