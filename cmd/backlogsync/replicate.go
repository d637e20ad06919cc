package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/dest"
	"github.com/backlogsync/backlogsync/dest/sqlite"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
	"github.com/backlogsync/backlogsync/jobsql"
	"github.com/backlogsync/backlogsync/replicate"
)

// replicateFlags are the flags of "backlogsync replicate" (and of CData's
// "backlogsync -g config.xml -f jobs.sql").
type replicateFlags struct {
	acct      accountFlags
	file      string // -f: statements file
	logFormat string
	progress  string // --progress: auto, always or never
	quiet     bool
	wait      time.Duration // --wait: how long to wait for another run's lease
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
	fs.StringVar(&f.progress, "progress", progressAuto, "`when` to draw per-table progress on stderr: auto (when stderr is a terminal), always or never")
	fs.BoolVar(&f.quiet, "q", false, "log only warnings and errors")
	fs.DurationVar(&f.wait, "wait", 0, "how long to wait (e.g. 10m) when another run of the same job and account holds the destination; 0 exits at once with code 5")
	jobs, err := parseInterspersed(fs, args) // flags may follow the job names: replicate -c f.yaml sync -q
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: backlogsync replicate -c config.yaml [job…]")
			fmt.Fprintln(stdout, "       backlogsync -g config.xml -f jobs.sql      (CData Sync's command line)")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Runs the configuration's jobs (all of them, or the ones named): each REPLICATE statement")
			fmt.Fprintln(stdout, "keeps a destination table in step with a Backlog table. The accounts of a job run")
			fmt.Fprintln(stdout, "concurrently, each as its own run; one failing does not stop the others. Exit codes:")
			fmt.Fprintln(stdout, "0 ok, 1 error, 2 usage or configuration error, 3 partial run, 4 authentication error,")
			fmt.Fprintln(stdout, "5 another run holds the destination (--wait); with several accounts or jobs, the worst")
			fmt.Fprintln(stdout, "(4, then 2, 5, 1, 3).")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Flags:")
			printFlags(stdout, fs)
			return exitOK
		}
		return reportUsage("replicate", err, stderr)
	}
	if f.acct.config == "" {
		return reportUsage("replicate", usagef("give the configuration file with -c config.yaml (or CData's -g config.xml)"), stderr)
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		return reportUsage("replicate", usagef("--log-format %q: use text or json", f.logFormat), stderr)
	}
	draw, err := progressOn(f.progress, stderr)
	if err != nil {
		return reportUsage("replicate", err, stderr)
	}
	out := &replicateOutput{stdout: stdout, stderr: stderr}
	if draw {
		out.view = newProgressView(stderr, time.Now)
		out.stderr = out.view // logs and messages appear above the progress lines
	}
	level := slog.LevelInfo
	if f.quiet {
		level = slog.LevelWarn
	}
	var h slog.Handler = slog.NewTextHandler(out.stderr, &slog.HandlerOptions{Level: level})
	if f.logFormat == "json" {
		h = slog.NewJSONHandler(out.stderr, &slog.HandlerOptions{Level: level})
		out.json = true
	}
	out.log = slog.New(h)
	return replicateConfig(ctx, f, jobs, out)
}

// replicateOutput is where a replicate command reports: results on
// stdout; logs, progress and error messages on stderr (as JSON log
// records with --log-format json, so that stderr is all JSON lines).
type replicateOutput struct {
	stdout io.Writer
	stderr io.Writer // the progress view when one is drawn
	log    *slog.Logger
	json   bool
	view   *progressView // nil when no progress is drawn
}

// fail reports an error message and returns code.
func (o *replicateOutput) fail(code int, format string, args ...any) int {
	msg := fmt.Sprintf(format, args...)
	if o.json {
		o.log.Error(msg, "exit", code)
		return code
	}
	fmt.Fprintf(o.stderr, "backlogsync replicate: %s\n", msg)
	return code
}

// replicateConfig runs the jobs of the configuration file, one after the
// other.
func replicateConfig(ctx context.Context, f replicateFlags, jobNames []string, out *replicateOutput) int {
	fail := out.fail
	cfg, err := config.Load(f.acct.config, config.Options{})
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	var jobs []config.Job
	for _, n := range jobNames {
		j, ok := cfg.Job(n)
		if !ok {
			return fail(exitUsage, "no job %q in %s%s; it defines: %s", n, f.acct.config, fuzzy.DidYouMean(n, jobNamesOf(cfg)), strings.Join(jobNamesOf(cfg), ", "))
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
		b, err := config.ReadFileLimit(f.file, config.MaxStatementsBytes, "statements")
		if errors.Is(err, fs.ErrNotExist) {
			return fail(exitUsage, "-f %s: %v: check the statements file's name (a relative path starts from the working directory)", f.file, err)
		}
		if err != nil {
			return fail(exitUsage, "-f %s: %v", f.file, err)
		}
		fileText = string(b)
	}
	for _, job := range jobs {
		if sc := job.Schedule; !sc.IsZero() && sc.Interval != config.Never {
			out.log.Warn(fmt.Sprintf("job %s has a schedule (%s), which replicate does not follow: it runs the job once, now; backlogsync serve -c %s runs it on its schedule", job.Name, sc.Interval, shellQuote(f.acct.config)), "job", job.Name)
		}
	}
	code := exitOK
	for _, job := range jobs {
		// Where the statements start: a file's first line, or their line
		// and column in the configuration when written inline.
		src, text := jobsql.Pos{Filename: job.Statements.File, Line: 1, Col: 1}, job.Statements.Text
		if src.Filename == "" {
			src = jobsql.Pos{Filename: f.acct.config, Line: max(job.Statements.Line, 1), Col: max(job.Statements.Col, 1)}
		}
		if f.file != "" {
			src, text = jobsql.Pos{Filename: f.file, Line: 1, Col: 1}, fileText
		}
		code = worst(code, replicateJob(ctx, f, cfg, job, src, text, out))
	}
	return code
}

// accountRun is one account of a job: its credentials resolved into a
// client, or why they could not be.
type accountRun struct {
	ja     config.JobAccount
	client *backlog.Client
	code   int    // set before the run when preparing failed
	msg    string // the message for code
}

// replicateJob runs one job: it parses and checks the statements and
// resolves every account's credentials first (a usage error stops the job
// before anything is written), opens the destination and hands the job to
// replicate.Run, which runs the accounts concurrently (one failing does
// not stop the others). The result is the worst of the accounts' exit
// codes.
func replicateJob(ctx context.Context, f replicateFlags, cfg *config.Config, job config.Job, src jobsql.Pos, text string, out *replicateOutput) int {
	fail := out.fail
	if strings.TrimSpace(text) == "" && !job.ReplicateAll {
		return fail(exitUsage, "job %s has no statements: give them with -f jobs.sql (REPLICATE Issues;) or set ReplicateAll", job.Name)
	}
	d, ok := cfg.Destination(job.Destination)
	if !ok {
		return fail(exitUsage, "job %s: no destination %q", job.Name, job.Destination)
	}
	if _, err := d.DriverDSN(); err != nil {
		return fail(exitUsage, "job %s: destination %s: %v", job.Name, d.Name, err)
	}
	// Parse and check the statements before opening anything.
	stmts, err := jobsql.ParseAt(src, text)
	if err != nil {
		return fail(exitUsage, "job %s: %v", job.Name, err)
	}
	if len(stmts) == 0 && !job.ReplicateAll {
		return fail(exitUsage, "job %s: %s holds no statement (only comments or blank lines): add one, e.g. REPLICATE Issues;", job.Name, src.Filename)
	}
	rj := &replicate.Job{Name: job.Name, Statements: stmts, ReplicateAll: job.ReplicateAll}
	for _, o := range job.Options {
		rj.Options = append(rj.Options, replicate.JobOption{Name: o.Key, Value: o.Value})
	}
	for _, ja := range job.Accounts {
		rj.Accounts = append(rj.Accounts, replicate.Account{Name: ja.Account, Prefix: ja.Prefix, Schema: ja.Schema})
	}
	if err := rj.Check(); err != nil {
		if ae, ok := errors.AsType[*replicate.AccountError](err); ok {
			return fail(exitUsage, "job %s, account %s: %v", job.Name, ae.Account, ae.Err)
		}
		return fail(exitUsage, "job %s: %v", job.Name, err)
	}
	runs := make([]*accountRun, len(job.Accounts))
	var accounts []replicate.Account
	for i, ja := range job.Accounts {
		runs[i] = prepareAccount(ctx, f, ja)
		if runs[i].code == exitUsage {
			return fail(exitUsage, "job %s, account %s: %s", job.Name, ja.Account, runs[i].msg)
		}
		if runs[i].code == exitOK {
			if out.view != nil {
				out.view.setPacing(ja.Account, runs[i].client.Pacing())
			}
			a := rj.Accounts[i]
			a.Client = runs[i].client
			accounts = append(accounts, a)
		}
	}
	rj.Accounts = accounts
	db, err := dest.OpenConfig(ctx, d)
	if err != nil {
		return fail(exitCode(err), "job %s: opening destination %s: %v", job.Name, d.Name, err)
	}
	rj.Dest = db
	results := map[string]*replicate.AccountResult{}
	if len(accounts) > 0 {
		opts := replicate.Options{Logger: out.log, Wait: f.wait}
		if out.view != nil {
			opts.Events = out.view.event
		}
		res, err := replicate.Run(ctx, rj, opts)
		if err != nil {
			db.Close()
			return fail(exitUsage, "job %s: %v", job.Name, err)
		}
		for i := range res.Accounts {
			results[res.Accounts[i].Account] = &res.Accounts[i]
		}
	}
	if out.view != nil {
		out.view.finish()
	}
	code := exitOK
	for _, r := range runs {
		res := results[r.ja.Account]
		if res == nil {
			res = &replicate.AccountResult{}
		}
		printResult(out.stdout, job.Name, r.ja.Account, res)
		code = worst(code, accountOutcome(f, job, r, res, out))
	}
	if err := db.Close(); err != nil {
		code = worst(code, fail(exitError, "job %s: closing destination: %v", job.Name, err))
	}
	return code
}

// prepareAccount resolves an account's credentials and builds its client.
func prepareAccount(ctx context.Context, f replicateFlags, ja config.JobAccount) *accountRun {
	r := &accountRun{ja: ja}
	af := f.acct
	af.account = ja.Account
	a, err := resolveAccount(af)
	if err != nil {
		r.code, r.msg = exitCode(err), err.Error()
		return r
	}
	r.client, _, err = a.client(ctx, &http.Client{})
	if err != nil {
		r.code, r.msg = exitCode(err), err.Error()
	}
	return r
}

// accountOutcome reports how an account's run ended and returns its exit
// code.
func accountOutcome(f replicateFlags, job config.Job, r *accountRun, res *replicate.AccountResult, out *replicateOutput) int {
	prefix := fmt.Sprintf("job %s, account %s: ", job.Name, r.ja.Account)
	err := res.Err
	if r.code != exitOK {
		return out.fail(r.code, "%s%s", prefix, r.msg)
	}
	if res.Status == backlogsync.RunPartial && err != nil {
		err = &backlogsync.Error{Code: backlogsync.EPARTIAL, Message: "partial run", Err: err}
	}
	code := exitCode(err)
	if code == exitUsage && res.RunID != 0 {
		code = exitError // a run that began wrote data: not a usage error
	}
	switch code {
	case exitOK:
		return exitOK
	case exitAuth:
		return out.fail(code, "%s%v\nCheck the account's API key or OAuth token (backlogsync check -c %s --account %s).", prefix, err, f.acct.config, r.ja.Account)
	}
	if sqlite.ReadOnly(err) {
		return out.fail(code, "%s%v\nThe destination %s is read-only for this user: make its file and the file's directory writable, or point its dsn at a writable path.", prefix, err, job.Destination)
	}
	if unreachable(err) {
		return out.fail(code, "%s%v\nCheck the account's url (the space's address, e.g. https://example.backlog.com) and that the server is up (backlogsync check -c %s --account %s).", prefix, err, f.acct.config, r.ja.Account)
	}
	return out.fail(code, "%s%v", prefix, err)
}

// unreachable reports whether err says the account's URL does not lead to a
// Backlog space: nothing listens there, the host name does not resolve, or
// the server answers something other than Backlog's JSON.
func unreachable(err error) bool {
	var (
		dnsErr *net.DNSError
		synErr *json.SyntaxError
	)
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dnsErr) || errors.As(err, &synErr)
}

// jobNamesOf lists a configuration's job names.
func jobNamesOf(cfg *config.Config) []string {
	names := make([]string, len(cfg.Jobs))
	for i, j := range cfg.Jobs {
		names[i] = j.Name
	}
	return names
}

// printResult prints a run's per-table counts.
func printResult(w io.Writer, job, account string, res *replicate.AccountResult) {
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
