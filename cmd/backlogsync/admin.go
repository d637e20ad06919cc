package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
	"github.com/backlogsync/backlogsync/store"
)

// The administration commands of serve's state (users, tokens,
// workspaces) share this: a group of subcommands, each with positional
// arguments and flags in any order, -c CONFIG, and the state database of
// the config's server section.

// subcommand is one "backlogsync GROUP SUB".
type subcommand struct {
	name    string
	args    []string // names of the positional arguments, all required
	summary string
	flags   func(fs *flag.FlagSet)
	run     func(ctx context.Context, e *adminEnv, pos []string) error
}

// adminEnv is what a subcommand works with.
type adminEnv struct {
	cfg            *config.Config
	st             *store.Store
	stdout, stderr io.Writer
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// runGroup runs "backlogsync group sub …".
func runGroup(ctx context.Context, group string, subs []subcommand, args []string, stdout, stderr io.Writer) int {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.name
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		groupUsage(stdout, group, subs)
		if len(args) == 0 {
			fmt.Fprintf(stderr, "backlogsync %s: give a subcommand: %s\n", group, strings.Join(names, ", "))
			return exitUsage
		}
		return exitOK
	}
	var sub *subcommand
	for i := range subs {
		if subs[i].name == args[0] {
			sub = &subs[i]
		}
	}
	if sub == nil {
		return reportUsage(group, usagef("unknown subcommand %q%s: use %s", args[0], fuzzy.DidYouMean(args[0], names), strings.Join(names, ", ")), stderr)
	}
	cmd := group + " " + sub.name
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	var cfgPath string
	fs.StringVar(&cfgPath, "c", "", "configuration `file` (YAML, or CData Sync XML)")
	fs.StringVar(&cfgPath, "config", "", "same as -c")
	if sub.flags != nil {
		sub.flags(fs)
	}
	pos, err := parseInterspersed(fs, args[1:])
	if err == nil && len(pos) != len(sub.args) {
		if len(pos) < len(sub.args) {
			err = usagef("give %s: backlogsync %s %s", strings.Join(sub.args[len(pos):], " "), cmd, strings.Join(sub.args, " "))
		} else {
			err = usagef("unexpected argument %q", pos[len(sub.args)])
		}
	}
	if err == nil && cfgPath == "" {
		err = usagef("give the configuration file with -c config.yaml")
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "Usage: backlogsync %s %s -c config.yaml [flags]\n\n%s\n\nFlags:\n", cmd, strings.Join(sub.args, " "), sub.summary)
			printFlags(stdout, fs)
		}
		return reportUsage(cmd, err, stderr)
	}
	// These commands never talk to Backlog: an account's credentials that
	// cannot be resolved here (an API key in systemd's EnvironmentFile,
	// not in an admin's shell) do not stop them. The server's settings
	// they use (state database, secret key) are still resolved.
	cfg, err := config.Load(cfgPath, config.Options{DeferAccountSecrets: true})
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync %s: %v\n", cmd, err)
		return exitUsage
	}
	st, err := openStateStore(ctx, cfg.Server)
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync %s: %v\n", cmd, err)
		return exitError
	}
	defer st.Close()
	if err := sub.run(ctx, &adminEnv{cfg: cfg, st: st, stdout: stdout, stderr: stderr}, pos); err != nil {
		fmt.Fprintf(stderr, "backlogsync %s: %v\n", cmd, err)
		var ue *usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		switch backlogsync.ErrorCode(err) {
		case backlogsync.EINVALID, backlogsync.ENOTFOUND:
			return exitUsage
		}
		return exitError
	}
	return exitOK
}

func groupUsage(w io.Writer, group string, subs []subcommand) {
	fmt.Fprintf(w, "Usage: backlogsync %s <subcommand> -c config.yaml …\n\n", group)
	for _, s := range subs {
		fmt.Fprintf(w, "  %s %-28s %s\n", group, strings.TrimSpace(s.name+" "+strings.Join(s.args, " ")), s.summary)
	}
	fmt.Fprintf(w, "\nThey change serve's state database (server.state of the config; a SQLite file beside it by default).\n")
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, which it returns.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := parseFlagSet(fs, args); err != nil {
			var ue *usageError
			if !errors.As(err, &ue) || fs.NArg() == 0 || !strings.HasPrefix(ue.Msg, "unexpected argument") {
				return nil, err
			}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// openStateStore opens serve's state database of a config, creating a
// SQLite file on first use.
func openStateStore(ctx context.Context, s config.Server) (*store.Store, error) {
	dsn, err := s.StateDriverDSN()
	if err != nil {
		return nil, fmt.Errorf("state database %s: %w", s.StateRedacted(), err)
	}
	driver := store.SQLite
	if s.StateType == config.StatePostgres {
		driver = store.Postgres
	}
	st, err := store.Open(ctx, driver, dsn, store.Options{})
	if err != nil {
		msg := err.Error()
		if p, perr := config.ParseDSN(config.Postgres, s.State, ""); perr == nil && driver == store.Postgres {
			if pw := p.Password.Reveal(); pw != "" { // pgx keeps passwords out of its errors; this makes sure
				msg = strings.ReplaceAll(msg, pw, "****")
			}
		}
		if driver == store.SQLite {
			if _, serr := os.Stat(s.State); serr != nil {
				msg += " (check that the directory of " + s.State + " exists and is writable, or set server.state)"
			}
		}
		return nil, fmt.Errorf("state database %s: %s", s.StateRedacted(), msg)
	}
	return st, nil
}
