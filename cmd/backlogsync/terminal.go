package main

import (
	"os"

	"github.com/mattn/go-isatty"
)

// isTerminal reports whether stream (stdin, stdout or stderr) is a
// terminal; a nil or non-file stream, as in CI or tests, is not. It asks
// the terminal driver (isatty), not the file's mode: /dev/null is a
// character device too, and it is what cron, systemd and `</dev/null` give
// a command as stdin.
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	if !ok || f == nil {
		return false
	}
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}
