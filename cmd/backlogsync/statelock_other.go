//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

// lockSQLiteState does nothing on this system: nothing stops two serve
// processes from sharing a SQLite state file here (see docs/serve.md,
// "Several instances").
func lockSQLiteState(path string) (unlock func(), err error) { return func() {}, nil }
