package main

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && fileIsTerminal(f)
}

// readerIsTerminal reports whether r is a terminal (a nil or non-file
// reader, as in CI, is not).
func readerIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && fileIsTerminal(f)
}

// fileIsTerminal asks the terminal driver (isatty), not the file's mode:
// /dev/null is a character device too, and it is what cron, systemd and
// `</dev/null` give a command as stdin.
func fileIsTerminal(f *os.File) bool {
	if f == nil {
		return false
	}
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}
