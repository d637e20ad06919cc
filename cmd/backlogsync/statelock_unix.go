//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// lockSQLiteState keeps a second serve off a SQLite state file: several
// instances need a PostgreSQL state database (their scheduled runs are
// claimed in it), and SQLite's own locking does not hold across machines
// on a network file system. It takes an exclusive lock on PATH.serve.lock
// (released by the kernel when the process ends, however it ends) and
// fails, naming the holding process, when another serve has it. The CLI
// commands that edit the state (users, tokens, workspaces) do not take it.
func lockSQLiteState(path string) (unlock func(), err error) {
	name := path + ".serve.lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state database %s: lock file: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(name)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another backlogsync serve (%s) uses the SQLite state database %s; several instances need a PostgreSQL state database (server.state: postgres://…, see docs/serve.md \"Several instances\"), or give this one its own state file",
				strings.TrimSpace(string(holder)), path)
		}
		return nil, fmt.Errorf("state database %s: lock %s: %w", path, name, err)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "pid %d\n", os.Getpid())
	return func() { f.Close() }, nil
}
