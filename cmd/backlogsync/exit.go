package main

import (
	"github.com/backlogsync/backlogsync"
)

// Exit codes: the README's exit-code table, which exit_test.go runs one
// failing case per row of.
const (
	exitOK      = 0 // success
	exitError   = 1 // an error not of the kinds below (network, database, bug)
	exitUsage   = 2 // usage or configuration error: nothing was written
	exitPartial = 3 // partial run: statements with ContinueOnError failed
	exitAuth    = 4 // authentication or authorisation error
	exitBusy    = 5 // another run holds the destination's lease on the job and account
)

// exitCode is the one mapping from the root package's error kinds to exit
// codes: EUNAUTHORIZED → 4, EINVALID → 2, EPARTIAL → 3, EBUSY → 5, anything else → 1
// and nil → 0. Commands decide exit codes from it, never from the
// concrete error types.
func exitCode(err error) int {
	switch backlogsync.ErrorCode(err) {
	case "":
		return exitOK
	case backlogsync.EUNAUTHORIZED:
		return exitAuth
	case backlogsync.EINVALID:
		return exitUsage
	case backlogsync.EPARTIAL:
		return exitPartial
	case backlogsync.EBUSY:
		return exitBusy
	}
	return exitError
}

// worst returns the exit code to report for two outcomes: authentication
// errors first, then usage errors, a busy destination, errors and partial
// runs.
func worst(a, b int) int {
	rank := map[int]int{exitOK: 0, exitPartial: 1, exitError: 2, exitBusy: 3, exitUsage: 4, exitAuth: 5}
	if rank[b] > rank[a] {
		return b
	}
	return a
}
