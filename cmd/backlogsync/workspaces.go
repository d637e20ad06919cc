package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/dest"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
	"github.com/backlogsync/backlogsync/store"
)

// runWorkspaces implements "backlogsync workspaces add|grant|revoke|list".
func runWorkspaces(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var destName, user string
	var tables stringList
	return runGroup(ctx, "workspaces", []subcommand{
		{name: "add", args: []string{"NAME"}, summary: "add a workspace: tables of a destination served at /odata/NAME/ (all tables when no --table)",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&destName, "destination", "", "the config's destination `name` whose tables it serves")
				fs.Var(&tables, "table", "a destination `table` to serve (repeat; all tables, including later ones, when none)")
			},
			run: func(ctx context.Context, e *adminEnv, pos []string) error {
				return addWorkspace(ctx, e, pos[0], destName, tables)
			}},
		{name: "grant", args: []string{"NAME"}, summary: "let a user read a workspace",
			flags: func(fs *flag.FlagSet) { fs.StringVar(&user, "user", "", "the user's `email`") },
			run: func(ctx context.Context, e *adminEnv, pos []string) error {
				if user == "" {
					return usagef("give the user: --user EMAIL")
				}
				if err := e.st.Grant(ctx, pos[0], user); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "granted %s to %s: %s\n", pos[0], strings.ToLower(user), odataURL(e.cfg.Server, pos[0]))
				return nil
			}},
		{name: "revoke", args: []string{"NAME"}, summary: "withdraw a user's grant (effective on the user's next request)",
			flags: func(fs *flag.FlagSet) { fs.StringVar(&user, "user", "", "the user's `email`") },
			run: func(ctx context.Context, e *adminEnv, pos []string) error {
				if user == "" {
					return usagef("give the user: --user EMAIL")
				}
				if err := e.st.Revoke(ctx, pos[0], user); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "revoked %s from %s\n", pos[0], strings.ToLower(user))
				return nil
			}},
		{name: "list", summary: "list the workspaces with their OData URLs",
			run: func(ctx context.Context, e *adminEnv, pos []string) error {
				ws, err := e.st.Workspaces(ctx)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tDESTINATION\tTABLES\tUSERS\tURL")
				for _, w := range ws {
					ts := strings.Join(w.Tables, ",")
					if w.AllTables {
						ts = "(all)"
					}
					us := strings.Join(w.Users, ",")
					if us == "" {
						us = "(admins only)"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", w.Name, w.Destination, ts, us, odataURL(e.cfg.Server, w.Name))
				}
				return tw.Flush()
			}},
	}, args, stdout, stderr)
}

// odataURL is the URL of a workspace's OData service.
func odataURL(s config.Server, name string) string {
	return s.BaseURL + "/odata/" + url.PathEscape(name) + "/"
}

// addWorkspace checks the destination and tables against the config and
// the database, then stores the workspace.
func addWorkspace(ctx context.Context, e *adminEnv, name, destName string, tables []string) error {
	if err := store.CheckWorkspaceName(name); err != nil {
		return err
	}
	var names []string
	for _, d := range e.cfg.Destinations {
		names = append(names, d.Name)
	}
	if destName == "" {
		return usagef("give the destination: --destination NAME (the config's destinations: %s)", strings.Join(names, ", "))
	}
	d, ok := e.cfg.Destination(destName)
	if !ok {
		return backlogsync.Errorf(backlogsync.ENOTFOUND, "no destination %q in %s%s; its destinations: %s",
			destName, e.cfg.File, fuzzy.DidYouMean(destName, names), strings.Join(names, ", "))
	}
	existing, missing, err := destinationTables(ctx, d)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if missing != "" {
			return backlogsync.Errorf(backlogsync.EINVALID, "destination %s has no table %s: %s; run backlogsync replicate first, or leave out --table to serve all tables as they appear",
				destName, t, missing)
		}
		found := false
		for _, x := range existing {
			found = found || x == t
		}
		if !found {
			return backlogsync.Errorf(backlogsync.ENOTFOUND, "destination %s has no table %q%s; its tables: %s",
				destName, t, fuzzy.DidYouMean(t, existing), strings.Join(existing, ", "))
		}
	}
	w, err := e.st.AddWorkspace(ctx, name, destName, tables)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%d tables", len(w.Tables))
	if w.AllTables {
		what = fmt.Sprintf("all tables (%d now)", len(existing))
	}
	fmt.Fprintf(e.stdout, "added workspace %s: %s of destination %s\n%s\n", w.Name, what, destName, odataURL(e.cfg.Server, w.Name))
	if missing != "" {
		fmt.Fprintf(e.stderr, "Note: %s; its tables will appear once replicated.\n", missing)
	}
	fmt.Fprintf(e.stderr, "Next: backlogsync workspaces grant %s -c %s --user EMAIL\n", w.Name, shellQuote(e.cfg.File))
	return nil
}

// destinationTables lists a destination's tables; missing says why there
// are none when a SQLite file does not exist yet (it is not created).
func destinationTables(ctx context.Context, d *config.Destination) (names []string, missing string, err error) {
	if d.Type == config.SQLite {
		if p, err := d.ParseDSN(); err == nil && p.Path != "" && p.Path != ":memory:" {
			if _, err := os.Stat(p.Path); err != nil {
				return nil, p.Path + " does not exist yet: nothing has been replicated into it", nil
			}
		}
	}
	db, err := dest.OpenConfig(ctx, d)
	if err != nil {
		return nil, "", err
	}
	defer db.Close()
	ts, err := db.Tables(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("destination %s: list tables: %w", d.Name, err)
	}
	for _, t := range ts {
		names = append(names, t.Name)
	}
	return names, "", nil
}
