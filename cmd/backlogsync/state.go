package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/dest"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
)

// stateFlags are the flags of "backlogsync state show|reset".
type stateFlags struct {
	config  string
	job     string
	account string
	table   string
	format  string // show: table or json
	runs    int    // show: runs per job and account
	yes     bool   // reset: do not ask
}

// runState implements "backlogsync state show|reset".
func runState(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		stateUsage(stdout)
		if len(args) == 0 {
			fmt.Fprintln(stderr, "backlogsync state: give a subcommand: show or reset")
			return exitUsage
		}
		return exitOK
	}
	sub := args[0]
	if sub != "show" && sub != "reset" {
		return reportUsage("state", usagef("unknown subcommand %q%s: use show or reset", sub, fuzzy.DidYouMean(sub, []string{"show", "reset"})), stderr)
	}
	var f stateFlags
	fs := flag.NewFlagSet("state "+sub, flag.ContinueOnError)
	fs.StringVar(&f.config, "c", "", "configuration `file` (YAML, or CData Sync XML)")
	fs.StringVar(&f.config, "config", "", "same as -c")
	fs.StringVar(&f.config, "g", "", "same as -c (CData Sync's flag for its XML configuration)")
	fs.StringVar(&f.job, "job", "", "only the job `name`d")
	fs.StringVar(&f.account, "account", "", "only the account `name`d")
	fs.StringVar(&f.table, "table", "", "only the `table` named (the Backlog table, e.g. Issues, or the destination table, e.g. A_Issues)")
	if sub == "show" {
		fs.StringVar(&f.format, "format", "table", "output `format`: table or json")
		fs.IntVar(&f.runs, "runs", 5, "show the last `n` runs of each job and account (0: none)")
	} else {
		fs.BoolVar(&f.yes, "yes", false, "reset without asking (needed when stdin is not a terminal, as in CI)")
	}
	if err := parseFlagSet(fs, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			stateUsage(stdout)
			fmt.Fprintln(stdout)
			fmt.Fprintf(stdout, "Flags of state %s:\n", sub)
			printFlags(stdout, fs)
		}
		return reportUsage("state "+sub, err, stderr)
	}
	if f.config == "" {
		return reportUsage("state "+sub, usagef("give the configuration file with -c config.yaml (or CData's -g config.xml)"), stderr)
	}
	if f.format != "" && f.format != "table" && f.format != "json" {
		return reportUsage("state "+sub, usagef("--format %q: use table or json", f.format), stderr)
	}
	if f.runs < 0 {
		return reportUsage("state "+sub, usagef("--runs %d: give 0 or more", f.runs), stderr)
	}
	st, err := loadState(ctx, f)
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			return reportUsage("state "+sub, err, stderr)
		}
		fmt.Fprintf(stderr, "backlogsync state %s: %v\n", sub, err)
		return exitCode(err)
	}
	if sub == "show" {
		return showState(st, f, stdout, stderr)
	}
	return resetState(ctx, st, f, stdin, stdout, stderr)
}

func stateUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: backlogsync state show  -c config.yaml [--job J] [--account A] [--table T] [--format table|json]")
	fmt.Fprintln(w, "       backlogsync state reset -c config.yaml [--job J] [--account A] [--table T] [--yes]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "show lists the replication checkpoints (scope job/account/table, key, cursor) stored in the")
	fmt.Fprintln(w, "destinations of the configuration's jobs, and their last runs (start, end, status, rows per")
	fmt.Fprintln(w, "table, requests per rate-limit class, 429 waits, error).")
	fmt.Fprintln(w, "reset deletes the matching checkpoints: the next run reloads those tables from scratch.")
	fmt.Fprintln(w, "-g config.xml (CData Sync's XML configuration) works like -c.")
}

// destState is what one destination holds for the selected jobs.
type destState struct {
	dest        *config.Destination
	db          backlogsync.Destination // nil when the database does not exist yet
	missing     string                  // why db is nil
	checkpoints []backlogsync.Checkpoint
	runs        []backlogsync.Run
}

// state is the selection of "state show|reset" and what the destinations
// hold for it.
type state struct {
	cfg   *config.Config
	jobs  []config.Job
	dests []*destState
	seen  []string // the tables of every checkpoint, before filtering
}

// close closes the destinations.
func (s *state) close() {
	for _, d := range s.dests {
		if d.db != nil {
			d.db.Close()
		}
	}
}

// loadState loads the configuration, checks the filters against it and
// reads the checkpoints and runs of the selected jobs from their
// destinations. Unknown names are usage errors with the nearest name.
func loadState(ctx context.Context, f stateFlags) (*state, error) {
	// state reads and resets checkpoints in the destinations and never
	// talks to Backlog: the accounts' credentials are not needed.
	cfg, err := config.Load(f.config, config.Options{DeferAccountSecrets: true})
	if err != nil {
		return nil, usagef("%s", err)
	}
	st := &state{cfg: cfg}
	for _, j := range cfg.Jobs {
		if f.job == "" || j.Name == f.job {
			st.jobs = append(st.jobs, j)
		}
	}
	if len(st.jobs) == 0 {
		if f.job == "" {
			return nil, usagef("%s defines no job", f.config)
		}
		names := jobNamesOf(cfg)
		return nil, usagef("--job %s: no such job in %s%s; it defines: %s", f.job, f.config, fuzzy.DidYouMean(f.job, names), strings.Join(names, ", "))
	}
	if f.account != "" {
		var names []string
		found := false
		for _, j := range st.jobs {
			for _, ja := range j.Accounts {
				names = appendNew(names, ja.Account)
				found = found || ja.Account == f.account
			}
		}
		if !found {
			where := "the jobs of " + f.config
			if f.job != "" {
				where = "job " + f.job
			}
			return nil, usagef("--account %s: no such account in %s%s; there are: %s", f.account, where, fuzzy.DidYouMean(f.account, names), strings.Join(names, ", "))
		}
	}
	opened := map[string]*destState{}
	for _, j := range st.jobs {
		if opened[j.Destination] != nil {
			continue
		}
		d, ok := cfg.Destination(j.Destination)
		if !ok {
			return nil, usagef("job %s: no destination %q", j.Name, j.Destination)
		}
		ds := &destState{dest: d}
		opened[j.Destination] = ds
		st.dests = append(st.dests, ds)
		if d.Type == config.SQLite {
			if p, err := d.ParseDSN(); err == nil && p.Path != "" && p.Path != ":memory:" {
				if _, err := os.Stat(p.Path); errors.Is(err, os.ErrNotExist) {
					ds.missing = fmt.Sprintf("%s does not exist yet: nothing has been replicated into it", p.Path)
					continue
				}
			}
		}
		if _, err := d.DriverDSN(); err != nil {
			st.close()
			return nil, usagef("destination %s: %v", d.Name, err)
		}
		db, err := dest.OpenConfig(ctx, d)
		if err != nil {
			st.close()
			return nil, fmt.Errorf("opening destination %s: %w", d.Name, err)
		}
		ds.db = db
	}
	for _, ds := range st.dests {
		if ds.db == nil {
			continue
		}
		cps, err := ds.db.Checkpoints(ctx, "")
		if err != nil {
			st.close()
			return nil, fmt.Errorf("destination %s: reading checkpoints: %w", ds.dest.Name, err)
		}
		for _, cp := range cps {
			sc, ok := backlogsync.ParseScope(cp.Scope)
			if !ok {
				continue
			}
			st.seen = appendNew(st.seen, sc.Table)
			if st.selects(f, sc) {
				ds.checkpoints = append(ds.checkpoints, cp)
			}
		}
		for _, j := range st.jobs {
			if j.Destination != ds.dest.Name {
				continue
			}
			runs, err := ds.db.Runs(ctx, j.Name, 0)
			if err != nil {
				st.close()
				return nil, fmt.Errorf("destination %s: reading runs: %w", ds.dest.Name, err)
			}
			for _, r := range runs {
				if f.account == "" || r.Account == f.account {
					ds.runs = append(ds.runs, r)
				}
			}
		}
	}
	if f.table != "" && !st.knowsTable(f) {
		st.close()
		return nil, usagef("--table %s: no such table%s; %s", f.table, fuzzy.DidYouMean(f.table, st.tableNames()), "run 'backlogsync tables' for the Backlog tables")
	}
	return st, nil
}

// selects reports whether a checkpoint scope matches the filters.
func (s *state) selects(f stateFlags, sc backlogsync.Scope) bool {
	var job *config.Job
	for i := range s.jobs {
		if s.jobs[i].Name == sc.Job {
			job = &s.jobs[i]
		}
	}
	if job == nil || f.account != "" && sc.Account != f.account {
		return false
	}
	return f.table == "" || s.tableMatches(f.table, sc.Table, job, sc.Account)
}

// tableMatches reports whether the --table value t names the destination
// table dest of an account of job: the destination name itself, or the
// Backlog table it replicates once the account's schema and prefix are
// taken off (so "Issues" finds "A_Issues" and "prod.Issues").
func (s *state) tableMatches(t, dest string, job *config.Job, account string) bool {
	if strings.EqualFold(t, dest) {
		return true
	}
	want := t
	if ct, ok := catalog.Lookup(t); ok {
		want = ct.Name
	}
	name := backlogsync.ParseTableName(dest).Name
	if job != nil {
		for _, ja := range job.Accounts {
			if ja.Account == account && ja.Prefix != "" && len(name) > len(ja.Prefix) && strings.EqualFold(name[:len(ja.Prefix)], ja.Prefix) {
				name = name[len(ja.Prefix):]
				break
			}
		}
	}
	return strings.EqualFold(name, want)
}

// knowsTable reports whether --table names a Backlog table or a table of
// the destinations' checkpoints or runs.
func (s *state) knowsTable(f stateFlags) bool {
	if _, ok := catalog.Lookup(f.table); ok {
		return true
	}
	for _, n := range s.tableNames() {
		if strings.EqualFold(n, f.table) {
			return true
		}
	}
	return false
}

// tableNames lists the Backlog tables and the destination tables seen.
func (s *state) tableNames() []string {
	names := catalog.Names()
	for _, d := range s.dests {
		for _, r := range d.runs {
			for _, t := range r.Tables {
				names = appendNew(names, t.Table)
			}
		}
	}
	for _, t := range s.seen {
		names = appendNew(names, t)
	}
	return names
}

// runTables returns the rows of r that match --table.
func (s *state) runTables(f stateFlags, r backlogsync.Run) []backlogsync.RunTable {
	if f.table == "" {
		return r.Tables
	}
	job, _ := s.cfg.Job(r.Job)
	var out []backlogsync.RunTable
	for _, t := range r.Tables {
		if s.tableMatches(f.table, t.Table, job, r.Account) {
			out = append(out, t)
		}
	}
	return out
}

// lastRuns keeps the newest n runs of each job and account (runs come
// newest first), and with --table only runs that touched the table.
func (s *state) lastRuns(f stateFlags, runs []backlogsync.Run) []backlogsync.Run {
	kept := map[string]int{}
	var out []backlogsync.Run
	for _, r := range runs {
		if f.table != "" && len(s.runTables(f, r)) == 0 {
			continue
		}
		k := r.Job + "/" + r.Account
		if kept[k] >= f.runs {
			continue
		}
		kept[k]++
		r.Tables = s.runTables(f, r)
		out = append(out, r)
	}
	return out
}

// ---- reset -------------------------------------------------------------------

// resetState deletes the selected checkpoints after confirmation.
func resetState(ctx context.Context, st *state, f stateFlags, stdin io.Reader, stdout, stderr io.Writer) int {
	defer st.close()
	type target struct {
		d      *destState
		scopes []string
	}
	var targets []target
	n := 0
	for _, d := range st.dests {
		var scopes []string
		for _, cp := range d.checkpoints {
			scopes = appendNew(scopes, cp.Scope)
		}
		if len(scopes) > 0 {
			targets = append(targets, target{d, scopes})
			n += len(scopes)
		}
	}
	if n == 0 {
		fmt.Fprintln(stdout, "No matching checkpoints: nothing to reset (the next run of those tables loads them from scratch anyway).")
		return exitOK
	}
	var plan strings.Builder
	for _, t := range targets {
		fmt.Fprintf(&plan, "Destination %s:\n", t.d.dest.Name)
		for _, s := range t.scopes {
			fmt.Fprintf(&plan, "  %s\n", s)
		}
		for _, r := range t.d.runs {
			if r.Status == backlogsync.RunRunning {
				fmt.Fprintf(&plan, "  warning: run %d (job %s, account %s, started %s UTC) is recorded as running; if it still runs it will store its checkpoints again\n",
					r.ID, r.Job, r.Account, r.Started.Format(time.DateTime))
			}
		}
	}
	if !f.yes {
		if !isTerminal(stdin) {
			fmt.Fprint(stderr, plan.String())
			fmt.Fprintf(stderr, "backlogsync state reset: would reset %s; stdin is not a terminal, so nothing was asked and nothing was reset.\nConfirm with --yes: backlogsync state reset %s--yes\n", scopes(n), resetArgs(f))
			return exitUsage
		}
		fmt.Fprint(stdout, plan.String())
		fmt.Fprintf(stdout, "Reset these %s? The next run reloads those tables from scratch. [y/N] ", scopes(n))
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			fmt.Fprintln(stdout, "Nothing was reset.")
			return exitOK
		}
	} else {
		fmt.Fprint(stdout, plan.String())
	}
	for _, t := range targets {
		for _, s := range t.scopes {
			if err := t.d.db.ResetCheckpoints(ctx, s); err != nil {
				fmt.Fprintf(stderr, "backlogsync state reset: destination %s: resetting %s: %v\n", t.d.dest.Name, s, err)
				return exitError
			}
		}
	}
	fmt.Fprintf(stdout, "Reset %s: the next run reloads those tables from scratch.\n", scopes(n))
	return exitOK
}

// scopes renders "1 checkpoint scope" or "n checkpoint scopes".
func scopes(n int) string {
	if n == 1 {
		return "1 checkpoint scope"
	}
	return fmt.Sprintf("%d checkpoint scopes", n)
}

// resetArgs repeats the flags of a reset for the --yes hint.
func resetArgs(f stateFlags) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-c %s ", shellQuote(f.config))
	for _, kv := range [][2]string{{"job", f.job}, {"account", f.account}, {"table", f.table}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "--%s %s ", kv[0], shellQuote(kv[1]))
		}
	}
	return b.String()
}

// ---- names -------------------------------------------------------------------

// appendNew appends s to list unless it is there.
func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
