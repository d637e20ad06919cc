package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/backlogsync/backlogsync/store"
)

// defaultTokenTTL is a token's lifetime unless --expires says otherwise.
const defaultTokenTTL = "90d"

// runTokens implements "backlogsync tokens create|list|revoke".
func runTokens(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var user, name, expires string
	return runGroup(ctx, "tokens", []subcommand{
		{name: "create", summary: "create a personal access token; prints it alone on stdout, once",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&user, "user", "", "the user's `email`")
				fs.StringVar(&name, "name", "", "a `name` to recognise the token by (e.g. excel-laptop)")
				fs.StringVar(&expires, "expires", defaultTokenTTL, "lifetime: 90d, 12w, 36h, or never")
			},
			run: func(ctx context.Context, e *adminEnv, pos []string) error {
				if user == "" {
					return usagef("give the user: --user EMAIL")
				}
				ttl, err := store.ParseTTL(expires)
				if err != nil {
					return err
				}
				tok, t, err := e.st.CreateToken(ctx, user, name, ttl)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, tok)
				exp := "never expires"
				if !t.Expires.IsZero() {
					exp = "expires " + t.Expires.Format(time.RFC3339)
				}
				fmt.Fprintf(e.stderr, "Token %d (%s, %q) for %s, %s. It is shown this once: store it now (Excel: user %s, password the token).\n",
					t.ID, t.Prefix, t.Name, t.User, exp, t.User)
				return nil
			}},
		{name: "list", summary: "list tokens: id, name, prefix, created, last used, expiry (never the token)",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&user, "user", "", "only the tokens of the user with this `email`")
			},
			run: func(ctx context.Context, e *adminEnv, pos []string) error {
				ts, err := e.st.Tokens(ctx, user)
				if err != nil {
					return err
				}
				now := time.Now()
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tUSER\tNAME\tPREFIX\tCREATED\tLAST USED\tEXPIRES\tSTATUS")
				for _, t := range ts {
					status := "active"
					switch {
					case !t.Revoked.IsZero():
						status = "revoked " + t.Revoked.Format(time.RFC3339)
					case !t.Active(now):
						status = "expired"
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.User, t.Name, t.Prefix,
						t.Created.Format(time.RFC3339), timeOr(t.LastUsed, "never"), timeOr(t.Expires, "never"), status)
				}
				return tw.Flush()
			}},
		{name: "revoke", args: []string{"ID"}, summary: "revoke a token (its ID or PREFIX from tokens list); effective at once",
			run: func(ctx context.Context, e *adminEnv, pos []string) error {
				t, err := e.st.RevokeToken(ctx, pos[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "revoked token %d (%s, %q) of %s\n", t.ID, t.Prefix, t.Name, t.User)
				return nil
			}},
	}, args, stdout, stderr)
}

// timeOr formats t, or says none when t is zero.
func timeOr(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return t.Format(time.RFC3339)
}
