// Command backlogsync-bench measures replication against a generated space
// served by the emulator: requests / the theoretical minimum for a full and
// an incremental run, wall time / the rate-limit bound at paid limits,
// issues per second with limits off, peak RSS for growing spaces, and
// OData paging of the replica (rows/s, server CPU and peak RSS). It is
// a development tool, kept out of the backlogsync command users run.
//
// Usage:
//
//	backlogsync-bench [flags]           run the scenarios (-h lists the flags)
//	backlogsync-bench emulator [flags]  serve the emulator, as the bench's child process does
//	backlogsync-bench odata [flags]     serve OData over a destination, as the odata scenario's child does
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/backlogsync/backlogsync/internal/emuserve"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes, as backlogsync's.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// run runs the bench with args, or with "emulator" first the emulator it
// starts as its child process (so the bench needs no other binary).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "emulator" {
		cfg, err := emuserve.ParseArgs("backlogsync-bench emulator", args[1:], stdout)
		if err != nil {
			return reportUsage("backlogsync-bench emulator", err, stderr)
		}
		if err := emuserve.Serve(ctx, cfg, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "backlogsync-bench emulator: %v\n", err)
			return exitError
		}
		return exitOK
	}
	if len(args) > 0 && args[0] == "odata" {
		return serveOData(ctx, args[1:], stdout, stderr)
	}
	return runBench(ctx, args, stdout, stderr)
}

// reportUsage prints a usage error and returns the exit code.
func reportUsage(cmd string, err error, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "%s: %v\nRun '%s -h' for the flags.\n", cmd, err, cmd)
	return exitUsage
}
