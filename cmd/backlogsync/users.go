package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// runUsers implements "backlogsync users add|list|remove".
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
