package main

import "github.com/backlogsync/backlogsync/internal/cli"

// The command line's helpers live in internal/cli, shared with
// cmd/backlogsync-bench; these names keep the subcommands' code short.
type usageError = cli.UsageError

var (
	usagef       = cli.Usagef
	printFlags   = cli.PrintFlags
	parseFlagSet = cli.ParseFlagSet
	shellQuote   = cli.ShellQuote
)
