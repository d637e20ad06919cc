//go:build unix

package sqldb

import (
	"errors"
	"syscall"
)

// processAlive reports whether process pid of this host runs (signal 0:
// EPERM means it runs under another user).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
