package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// runUsers implements "backlogsync users add|list|passwd|admin|remove".
func runUsers(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var admin bool
	return runGroup(ctx, "users", []subcommand{
		{name: "add", args: []string{"EMAIL"}, summary: "add a user who may sign in to serve (--admin: reads every workspace)",
			flags: func(fs *flag.FlagSet) { fs.BoolVar(&admin, "admin", false, "the user reads every workspace") },
			run: func(ctx context.Context, e *adminEnv, pos []string) error {
				u, err := e.st.AddUser(ctx, pos[0], admin)
				if err != nil {
					return err
				}
				role := "user"
				if u.Admin {
					role = "admin"
				}
				fmt.Fprintf(e.stdout, "added %s %s\n", role, u.Email)
				fmt.Fprintf(e.stderr, "Next: backlogsync tokens create -c %s --user %s\n", shellQuote(e.cfg.File), u.Email)
				return nil
			}},
		{name: "list", summary: "list the users",
			run: func(ctx context.Context, e *adminEnv, pos []string) error {
				us, err := e.st.Users(ctx)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "EMAIL\tADMIN\tCREATED")
				for _, u := range us {
					fmt.Fprintf(tw, "%s\t%v\t%s\n", u.Email, u.Admin, u.Created.Format(time.RFC3339))
				}
				return tw.Flush()
			}},
		{name: "passwd", args: []string{"EMAIL"}, summary: "set the user's web sign-in password, read from stdin (first line)",
			run: func(ctx context.Context, e *adminEnv, pos []string) error {
				pw, err := readPassword(stdin)
				if err != nil {
					return err
				}
				if err := e.st.SetPassword(ctx, pos[0], pw); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "password set for %s (their web sessions are signed out)\n", pos[0])
				return nil
			}},
		{name: "admin", args: []string{"EMAIL"}, summary: "make the user an admin (--admin=false: no longer)",
			flags: func(fs *flag.FlagSet) { fs.BoolVar(&admin, "admin", true, "true: admin; false: ordinary user") },
			run: func(ctx context.Context, e *adminEnv, pos []string) error {
				if err := e.st.SetAdmin(ctx, pos[0], admin); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s admin: %v\n", pos[0], admin)
				return nil
			}},
		{name: "remove", args: []string{"EMAIL"}, summary: "remove a user with their tokens and grants",
			run: func(ctx context.Context, e *adminEnv, pos []string) error {
				if err := e.st.RemoveUser(ctx, pos[0]); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "removed %s (its tokens and grants too)\n", pos[0])
				return nil
			}},
	}, args, stdout, stderr)
}

// readPassword reads a password from the first line of r (a pipe, or the
// terminal: the line is echoed, so prefer a pipe). The line end is not
// part of it.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", usagef("give the password on stdin, e.g. printf '%%s\\n' \"$PW\" | backlogsync users passwd EMAIL -c CONFIG")
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("no password on stdin; pipe one in, e.g. printf '%%s\\n' \"$PW\" | backlogsync users passwd EMAIL -c CONFIG")
	}
	return line, nil
}
