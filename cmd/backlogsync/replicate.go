package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/jobsql"
	"github.com/backlogsync/backlogsync/replicate"
)

// replicateFlags are the flags of "backlogsync replicate" (and of CData's
// "backlogsync -g config.xml -f jobs.sql").
type replicateFlags struct {
	acct      accountFlags
	file      string // -f: statements file
	logFormat string
	quiet     bool
}

// isReplicateFlag reports whether a top-level argument is one of CData's
// flags, so that "backlogsync -g config.xml -f jobs.sql" runs replicate.
func isReplicateFlag(arg string) bool {
	name := strings.TrimLeft(arg, "-")
	name, _, _ = strings.Cut(name, "=")
	if name == arg {
		return false
	}
	switch name {
	case "g", "f", "c", "config":
		return true
	}
	return false
}

// runReplicate implements "backlogsync replicate [-c file] [job…]".
func runReplicate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f replicateFlags
	fs := flag.NewFlagSet("replicate", flag.ContinueOnError)
	f.acct.register(fs)
	fs.StringVar(&f.file, "f", "", "statements `file` (REPLICATE …;), CData Sync's -f; replaces the statements of the jobs run")
	fs.StringVar(&f.logFormat, "log-format", "text", "log `format`: text or json (logs go to stderr)")
	fs.BoolVar(&f.quiet, "q", false, "log only warnings and errors")
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: backlogsync replicate -c config.yaml [job…]")
			fmt.Fprintln(stdout, "       backlogsync -g config.xml -f jobs.sql      (CData Sync's command line)")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Runs the configuration's jobs (all of them, or the ones named): each REPLICATE statement")
			fmt.Fprintln(stdout, "keeps a destination table in step with a Backlog table. Exit codes: 0 ok, 1 error,")
			fmt.Fprintln(stdout, "2 usage or configuration error, 3 partial run, 4 authentication error.")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Flags:")
			printFlags(stdout, fs)
			return exitOK
		}
		return reportUsage("replicate", &usageError{strings.Replace(err.Error(), "flag provided but not defined: -", "unknown flag --", 1)}, stderr)
	}
	if f.acct.config == "" {
		return reportUsage("replicate", usagef("give the configuration file with -c config.yaml (or CData's -g config.xml)"), stderr)
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		return reportUsage("replicate", usagef("--log-format %q: use text or json", f.logFormat), stderr)
	}
	level := slog.LevelInfo
	if f.quiet {
		level = slog.LevelWarn
	}
	var h slog.Handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	if f.logFormat == "json" {
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	}
	return replicateConfig(ctx, f, fs.Args(), slog.New(h), stdout, stderr)
}

// replicateConfig runs the jobs of the configuration file.
func replicateConfig(ctx context.Context, f replicateFlags, jobNames []string, log *slog.Logger, stdout, stderr io.Writer) int {
	fail := func(code int, format string, args ...any) int {
		fmt.Fprintf(stderr, "backlogsync replicate: "+format+"\n", args...)
		return code
	}
	cfg, err := config.Load(f.acct.config, config.Options{})
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	var jobs []config.Job
	for _, n := range jobNames {
		j, ok := cfg.Job(n)
		if !ok {
			names := make([]string, len(cfg.Jobs))
			for i, j := range cfg.Jobs {
				names[i] = j.Name
			}
			return fail(exitUsage, "no job %q in %s; it defines: %s", n, f.acct.config, strings.Join(names, ", "))
		}
		jobs = append(jobs, *j)
	}
	if len(jobNames) == 0 {
		jobs = cfg.Jobs
	}
	if len(jobs) == 0 {
		return fail(exitUsage, "%s defines no job", f.acct.config)
	}
	var fileText string
	if f.file != "" {
		b, err := os.ReadFile(f.file)
		if err != nil {
			return fail(exitUsage, "-f %s: %v", f.file, err)
		}
		fileText = string(b)
	}
	code := exitOK
	worse := func(c int) {
		// auth > usage > partial > error in precedence of reporting.
		rank := map[int]int{exitOK: 0, exitPartial: 1, exitError: 2, exitUsage: 3, exitAuth: 4}
		if rank[c] > rank[code] {
			code = c
		}
	}
	for _, job := range jobs {
		name, text := job.Statements.File, job.Statements.Text
		if name == "" {
			name = f.acct.config
		}
		if f.file != "" {
			name, text = f.file, fileText
		}
		if strings.TrimSpace(text) == "" && !job.ReplicateAll {
			worse(fail(exitUsage, "job %s has no statements: give them with -f jobs.sql (REPLICATE Issues;) or set ReplicateAll", job.Name))
			continue
		}
		d, ok := cfg.Destination(job.Destination)
		if !ok {
			worse(fail(exitUsage, "job %s: no destination %q", job.Name, job.Destination))
			continue
		}
		if _, err := d.DriverDSN(); err != nil {
			worse(fail(exitUsage, "job %s: destination %s: %v", job.Name, d.Name, err))
			continue
		}
		// Check every account's statements before opening anything.
		if _, err := jobStatements(name, text, job.ReplicateAll, config.JobAccount{}); err != nil {
			worse(fail(exitUsage, "job %s: %v", job.Name, err))
			continue
		}
		dest, err := openDestination(ctx, d)
		if err != nil {
			worse(fail(exitError, "job %s: opening destination %s: %v", job.Name, d.Name, err))
			continue
		}
		for _, ja := range job.Accounts {
			worse(replicateAccount(ctx, f, job, ja, name, text, dest, log, stdout, stderr))
		}
		if err := dest.Close(); err != nil {
			worse(fail(exitError, "job %s: closing destination: %v", job.Name, err))
		}
	}
	return code
}

// jobStatements parses a job's statements for one account, adding one
// REPLICATE per catalog table not already replicated when all is set, and
// applying the account's prefix and schema.
func jobStatements(file, text string, all bool, ja config.JobAccount) ([]jobsql.Statement, error) {
	stmts, err := jobsql.Parse(file, text)
	if err != nil {
		return nil, err
	}
	if all {
		have := map[string]bool{}
		for _, s := range stmts {
			if r, ok := s.(*jobsql.Replicate); ok {
				if t, ok := catalog.Lookup(r.Source.Name); ok {
					have[t.Name] = true
				}
			}
		}
		var b strings.Builder
		for _, n := range catalog.Names() {
			if !have[n] {
				fmt.Fprintf(&b, "REPLICATE %s;\n", n)
			}
		}
		more, err := jobsql.Parse("ReplicateAll", b.String())
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, more...)
	}
	for _, s := range stmts {
		if r, ok := s.(*jobsql.Replicate); ok {
			r.Settings.TableNamePrefix = ja.Prefix + r.Settings.TableNamePrefix
			if ja.Schema != "" && r.Dest.Schema == "" && r.Settings.CacheSchema == "" {
				r.Settings.CacheSchema = ja.Schema
			}
		}
	}
	if err := (&replicate.Engine{}).Check(stmts); err != nil {
		return nil, err
	}
	return stmts, nil
}

// replicateAccount runs one account of a job and prints what it did.
func replicateAccount(ctx context.Context, f replicateFlags, job config.Job, ja config.JobAccount, file, text string,
	dest backlogsync.Destination, log *slog.Logger, stdout, stderr io.Writer) int {
	prefix := fmt.Sprintf("backlogsync replicate: job %s, account %s: ", job.Name, ja.Account)
	af := f.acct
	af.account = ja.Account
	a, err := resolveAccount(af)
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "%s%v\n", prefix, err)
			return exitUsage
		}
		fmt.Fprintf(stderr, "%s%v\n", prefix, err)
		return exitAuth
	}
	client, _, err := a.client(ctx, &http.Client{})
	if err != nil {
		fmt.Fprintf(stderr, "%s%v\n", prefix, err)
		return exitError
	}
	stmts, err := jobStatements(file, text, job.ReplicateAll, ja)
	if err != nil {
		fmt.Fprintf(stderr, "%s%v\n", prefix, err)
		return exitUsage
	}
	eng := &replicate.Engine{Client: client, Dest: dest, Account: ja.Account, Job: job.Name, Logger: log}
	res, err := eng.Run(ctx, stmts)
	printResult(stdout, job.Name, ja.Account, res)
	switch {
	case err == nil:
		return exitOK
	case replicate.IsAuth(err):
		fmt.Fprintf(stderr, "%s%v\nCheck the account's API key or OAuth token (backlogsync check -c %s --account %s).\n", prefix, err, f.acct.config, ja.Account)
		return exitAuth
	case res.RunID == 0 && backlogsync.ErrorCode(err) == backlogsync.EINVALID:
		fmt.Fprintf(stderr, "%s%v\n", prefix, err)
		return exitUsage
	case res.Status == backlogsync.RunPartial:
		fmt.Fprintf(stderr, "%spartial run: %v\n", prefix, err)
		return exitPartial
	}
	fmt.Fprintf(stderr, "%s%v\n", prefix, err)
	return exitError
}

// printResult prints a run's per-table counts.
func printResult(w io.Writer, job, account string, res replicate.Result) {
	if res.RunID == 0 {
		return
	}
	fmt.Fprintf(w, "Run %d (job %s, account %s): %s, %d rows moved; requests: read %d, search %d, update %d, icon %d\n",
		res.RunID, job, account, res.Status, res.Moved(), res.Requests.Read, res.Requests.Search, res.Requests.Update, res.Requests.Icon)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  TABLE\tINSERTED\tUPDATED\tDELETED\t")
	for _, t := range res.Tables {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t\n", t.Table, t.Inserted, t.Updated, t.Deleted)
	}
	tw.Flush()
}
