package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/backlogsync/backlogsync/catalog"
)

// runTables implements "backlogsync tables [--markdown] [TABLE]": without a
// table it lists every table with its description; with one it prints the
// table's columns, key, parent, API calls, pushdown and change detection.
func runTables(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tables", flag.ContinueOnError)
	fs.SetOutput(stderr)
	markdown := fs.Bool("markdown", false, "print the table's documentation page as Markdown")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: backlogsync tables [--markdown] [TABLE]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Without TABLE, lists the tables of the Backlog catalog. With TABLE, describes it:")
		fmt.Fprintln(stderr, "columns and types, primary key, parent, API calls, pushdown and change detection.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	switch fs.NArg() {
	case 0:
		if *markdown {
			fmt.Fprint(stdout, catalog.Index())
			return exitOK
		}
		listTables(stdout)
		return exitOK
	case 1:
	default:
		fmt.Fprintln(stderr, "backlogsync tables: give at most one table name")
		return exitUsage
	}
	t, ok := catalog.Lookup(fs.Arg(0))
	if !ok {
		if s := catalog.Suggest(fs.Arg(0)); s != "" {
			fmt.Fprintf(stderr, "backlogsync tables: unknown table %q: did you mean %q?\n", fs.Arg(0), s)
		} else {
			fmt.Fprintf(stderr, "backlogsync tables: unknown table %q; run 'backlogsync tables' for the list\n", fs.Arg(0))
		}
		return exitUsage
	}
	if *markdown {
		fmt.Fprint(stdout, catalog.Markdown(t))
		return exitOK
	}
	describeTable(stdout, t)
	return exitOK
}

// listTables prints one line per table: name, parent and description.
func listTables(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tPARENT\tDESCRIPTION")
	for _, t := range catalog.Tables() {
		parent := t.Parent
		if parent == "" {
			parent = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Name, parent, t.Description)
	}
	tw.Flush()
}

// describeTable prints everything the catalog knows about t.
func describeTable(w io.Writer, t *catalog.Table) {
	fmt.Fprintf(w, "%s: %s\n\n", t.Name, t.Description)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Primary key:\t%s\n", strings.Join(t.PrimaryKey, ", "))
	parent := "-"
	if t.Parent != "" {
		parent = t.Parent
	}
	fmt.Fprintf(tw, "Parent:\t%s\n", parent)
	if kids := catalog.Children(t.Name); len(kids) > 0 {
		names := make([]string, len(kids))
		for i, k := range kids {
			names[i] = k.Name
		}
		fmt.Fprintf(tw, "Child tables:\t%s\n", strings.Join(names, ", "))
	}
	if len(t.Aliases) > 0 {
		fmt.Fprintf(tw, "Also known as:\t%s\n", strings.Join(t.Aliases, ", "))
	}
	origin := t.Origin
	if origin == "" {
		origin = "not in CData's driver"
	}
	fmt.Fprintf(tw, "Peers:\t%s", origin)
	for _, d := range t.Domo {
		fmt.Fprintf(tw, "; Domo report %q", d)
	}
	fmt.Fprintln(tw)
	tw.Flush()

	fmt.Fprintln(w, "\nColumns:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tTYPE\tNULL\tKEY\tDESCRIPTION")
	for _, c := range t.Columns {
		null, key := "no", ""
		if c.Nullable {
			null = "yes"
		}
		for _, k := range t.PrimaryKey {
			if k == c.Name {
				key = "key"
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", c.Name, c.Type, null, key, c.Description)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nAPI calls:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range t.Calls {
		fmt.Fprintf(tw, "  %s /api/v2%s\t%s\t%s\n", c.Method, c.Path, c.Class, c.Per)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nPushdown:")
	if len(t.Pushdown) == 0 {
		fmt.Fprintln(w, "  none: every predicate is evaluated locally")
	} else {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, p := range t.Pushdown {
			ops := make([]string, len(p.Ops))
			for i, o := range p.Ops {
				ops[i] = string(o)
			}
			line := fmt.Sprintf("  %s\t%s\t%s", p.Column, strings.Join(ops, " "), p.Param)
			if p.Note != "" {
				line += "\t(" + p.Note + ")"
			}
			fmt.Fprintln(tw, line)
		}
		tw.Flush()
	}

	fmt.Fprintf(w, "\nChange detection: %s", t.Change.Kind)
	if t.Change.Cursor != "" {
		fmt.Fprintf(w, " on %s", t.Change.Cursor)
	}
	fmt.Fprintln(w)
	if len(t.Change.Signals) > 0 {
		fmt.Fprintf(w, "  signals: activity types %s\n", joinInts(t.Change.Signals))
	}
	if len(t.Change.Deletes) > 0 {
		fmt.Fprintf(w, "  deletes: activity types %s\n", joinInts(t.Change.Deletes))
	}
	if t.Change.Note != "" {
		fmt.Fprintf(w, "  %s\n", t.Change.Note)
	}
}

func joinInts[T ~int](vs []T) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprint(int(v))
	}
	return strings.Join(out, ", ")
}
