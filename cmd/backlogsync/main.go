// Command backlogsync replicates Nulab Backlog data into SQL databases and
// serves it to BI tools. Run "backlogsync help" for the commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/backlogsync/backlogsync"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

// commands lists the subcommands in help order.
func commands() []command {
	return []command{
		{"auth", "sign in to Backlog with OAuth 2.0 (login) and show the stored token (status)", runAuth},
		{"check", "test a connection: space, user and role, rate limits, what the user can see", runCheck},
		{"demo", "run the demo: a generated Backlog space served by the emulator", runDemo},
		{"emulator", "serve a Backlog API emulator with a generated space", runEmulator},
		{"query", "run SQL over the live API (predicates pushed into API parameters; --explain shows the calls)", runQuery},
		{"replicate", "run the jobs of a configuration: REPLICATE statements into a database (also: -g config.xml -f jobs.sql)", runReplicate},
		{"state", "show or reset the replication checkpoints and show the last runs of a configuration's jobs", runState},
		{"serve", "serve the replicas over OData (Excel, Power BI) per workspace, the web admin and REST API; run scheduled jobs", runServe},
		{"tables", "list the Backlog tables, or describe one (columns, key, pushdown, changes)", runTables},
		{"tokens", "personal access tokens of serve's users: create (printed once), list, revoke", runTokens},
		{"users", "users who may sign in to serve: add, list, remove", runUsers},
		{"version", "print the version", runVersion},
		{"workspaces", "workspaces served over OData: add (a destination's tables), grant, revoke, list (with URLs)", runWorkspaces},
	}
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if isReplicateFlag(args[0]) {
		// CData Sync's command line: backlogsync -g config.xml -f jobs.sql
		return runReplicate(ctx, args, stdin, stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdin, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "backlogsync: unknown command %q\nRun 'backlogsync help' for the list of commands.\n", args[0])
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "backlogsync replicates Nulab Backlog data into SQL databases and serves it to BI tools.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: backlogsync <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'backlogsync <command> -h' for a command's flags.")
}

func runVersion(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stdout, "backlogsync", backlogsync.Version)
	return exitOK
}
