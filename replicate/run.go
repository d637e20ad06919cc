package replicate

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/jobsql"
)

// Job is a replication job resolved for Run: its accounts with their
// clients, the open destination and the statements, parsed once. It holds
// nothing about when it runs (schedules belong to the caller).
type Job struct {
	// Name names the runs in the runs table and the checkpoint scopes
	// ("" means "default").
	Name string
	// Dest receives the rows, checkpoints and runs of every account. Run
	// does not close it.
	Dest backlogsync.Destination
	// Accounts run concurrently, each as its own run.
	Accounts []Account
	// Statements are the job's REPLICATE and CHECKCACHE statements. Run
	// does not modify them: each account runs a copy with its prefix and
	// schema applied.
	Statements []jobsql.Statement
	// ReplicateAll adds a REPLICATE of every catalog table that no
	// statement replicates (CData Sync's ReplicateAll).
	ReplicateAll bool
	// Options are job-level REPLICATE options (a YAML config's
	// jobs[].options, e.g. UpdateMode: Append): each applies to every
	// REPLICATE of the job, those added by ReplicateAll included, whose
	// WITH does not set it. Names that are no REPLICATE option are ignored
	// (the config loader warned about them); Check refuses a bad value.
	Options []JobOption
}

// JobOption is one job-level REPLICATE option, as written.
type JobOption struct {
	Name, Value string
}

// Account is one Backlog account of a job.
type Account struct {
	// Name is the account's name: the value of every row's Account column
	// and part of the checkpoint scope ("" means the client's host name).
	Name string
	// Client reads the account's space, with its own rate budget.
	Client *backlog.Client
	// Prefix is prepended to every destination table name of the account
	// (before a statement's own TableNamePrefix).
	Prefix string
	// Schema is the destination schema of the account's tables when a
	// statement names none.
	Schema string
}

// Options are how Run reports and keeps time; none is required.
type Options struct {
	// Logger receives the engine's log records (nil discards them).
	Logger *slog.Logger
	// Events, when set, receives the run's events (see Event). It is
	// called from the accounts' goroutines, so concurrently when the job
	// has several accounts; it must not block for long.
	Events func(Event)
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// Wait is how long an account's run waits for another run holding
	// the destination's lease on its job and account (Engine.Wait).
	Wait time.Duration
	// RowDropShare is Engine.RowDropShare.
	RowDropShare float64
}

// EventKind says what an Event reports.
type EventKind int

// Kinds of Event, in the order an account sends them: one
// EventAccountStart, EventProgress reports, one EventAccountDone.
const (
	EventAccountStart EventKind = iota + 1 // the account starts; Event.Tables is set
	EventProgress                          // a table advanced; Event.Progress is set
	EventAccountDone                       // the account finished; Event.Result is set
)

// Event is one report of a running job, for progress views, logs and
// metrics.
type Event struct {
	Kind    EventKind
	Job     string
	Account string
	// Tables is the number of statements the account runs
	// (EventAccountStart).
	Tables int
	// Progress is a table's report (EventProgress).
	Progress Progress
	// Result is the account's result (EventAccountDone).
	Result *AccountResult
}

// Result is what a job's run did: one AccountResult per account of the
// job, in the job's order. Terminals, JSON logs, metrics and the web UI
// render it; the runs table holds the same numbers.
type Result struct {
	Job      string
	Accounts []AccountResult
	Duration time.Duration
}

// Err returns the first account's error, or nil when every account
// succeeded.
func (r *Result) Err() error {
	for _, a := range r.Accounts {
		if a.Err != nil {
			return a.Err
		}
	}
	return nil
}

// AccountError is a Job.Check failure that only one account's statements
// have (after its prefix and schema are applied).
type AccountError struct {
	Account string
	Err     error
}

func (e *AccountError) Error() string { return "account " + e.Account + ": " + e.Err.Error() }

// Unwrap returns the statement error.
func (e *AccountError) Unwrap() error { return e.Err }

// Check validates the job as Run would before writing anything: every
// statement (and, with ReplicateAll, every table added) is a REPLICATE or
// CHECKCACHE this version runs, for every account. Its errors are
// EINVALID and start with the statement's position; an error only one
// account has is an *AccountError. Check needs no destination or client.
func (j *Job) Check() error {
	if len(j.Statements) == 0 && !j.ReplicateAll {
		return backlogsync.Errorf(backlogsync.EINVALID, "job %s has no statements; give REPLICATE statements or set ReplicateAll", j.name())
	}
	for _, o := range j.Options {
		if _, _, err := jobsql.CheckDefault(o.Name, o.Value); err != nil {
			return backlogsync.Errorf(backlogsync.EINVALID, "job %s: job option %s: %v", j.name(), o.Name, err)
		}
	}
	if err := newEngine(j, Account{}, nil, Options{}).Check(j.statements(Account{})); err != nil {
		return err
	}
	for _, a := range j.Accounts {
		if a.Prefix == "" && a.Schema == "" {
			continue
		}
		if err := newEngine(j, a, nil, Options{}).Check(j.statements(a)); err != nil {
			return &AccountError{Account: a.Name, Err: err}
		}
	}
	return nil
}

// newEngine is the one place an Engine is built: the engine of account a
// of job j, writing into d (nil for Check, which writes nothing).
func newEngine(j *Job, a Account, d backlogsync.Destination, opts Options) *Engine {
	return &Engine{Client: a.Client, Dest: d, Account: a.Name, Job: j.Name, Logger: opts.Logger, Now: opts.Now, Wait: opts.Wait, RowDropShare: opts.RowDropShare}
}

func (j *Job) name() string {
	if j.Name == "" {
		return "default"
	}
	return j.Name
}

// statements returns a copy of the job's statements for account a: with
// ReplicateAll, one REPLICATE per catalog table no statement replicates
// (built as values, positioned as if written one per line in a file named
// "ReplicateAll"); then a's prefix and schema applied.
func (j *Job) statements(a Account) []jobsql.Statement {
	out := make([]jobsql.Statement, 0, len(j.Statements))
	for _, s := range j.Statements {
		if r, ok := s.(*jobsql.Replicate); ok {
			c := *r
			s = &c
		}
		out = append(out, s)
	}
	if j.ReplicateAll {
		out = append(out, replicateAll(j.Statements)...)
	}
	for _, s := range out {
		if r, ok := s.(*jobsql.Replicate); ok {
			for _, o := range j.Options {
				_, _ = r.ApplyDefault(o.Name, o.Value) // values checked by Check
			}
			r.Settings.TableNamePrefix = a.Prefix + r.Settings.TableNamePrefix
			if a.Schema != "" && r.Dest.Schema == "" && r.Settings.CacheSchema == "" {
				r.Settings.CacheSchema = a.Schema
			}
		}
	}
	return out
}

// replicateAll returns "REPLICATE T;" for every catalog table T that no
// statement of stmts replicates, as the parser would return them for a
// file "ReplicateAll" holding one such line per table.
func replicateAll(stmts []jobsql.Statement) []jobsql.Statement {
	have := map[string]bool{}
	for _, s := range stmts {
		if r, ok := s.(*jobsql.Replicate); ok {
			if t, ok := catalog.Lookup(r.Source.Name); ok {
				have[t.Name] = true
			}
		}
	}
	var out []jobsql.Statement
	offset, line := 0, 1
	for _, n := range catalog.Names() {
		if have[n] {
			continue
		}
		name := jobsql.TableName{Pos: jobsql.Pos{Filename: "ReplicateAll", Offset: offset + len("REPLICATE "), Line: line, Col: len("REPLICATE ") + 1}, Name: n}
		out = append(out, &jobsql.Replicate{Pos: jobsql.Pos{Filename: "ReplicateAll", Offset: offset, Line: line, Col: 1},
			Dest: name, Source: name, Settings: jobsql.DefaultSettings()})
		offset += len("REPLICATE ;\n") + len(n)
		line++
	}
	return out
}

// Run runs a job: it checks the statements (an invalid job is an EINVALID
// error and nothing is written), then runs every account concurrently
// into the job's destination. Each account's run is independent — its own
// client and rate budget, checkpoints scoped job/account/table, a row in
// the runs table — and one account failing neither stops nor rolls back
// the others: its failure is its AccountResult.Err. The returned error is
// only for a job that could not start; check Result.Err for the accounts.
//
// Cancelling ctx stops every account at its next request or write; what
// was written stays consistent (each batch is written with its checkpoint
// in one transaction), the runs are recorded as cancelled, and the next
// run resumes from the checkpoints.
func Run(ctx context.Context, job *Job, opts Options) (*Result, error) {
	if err := job.Check(); err != nil {
		return nil, err
	}
	if job.Dest == nil {
		return nil, backlogsync.Errorf(backlogsync.EINVALID, "replicate: job %s has no destination", job.name())
	}
	if len(job.Accounts) == 0 {
		return nil, backlogsync.Errorf(backlogsync.EINVALID, "replicate: job %s has no account", job.name())
	}
	seen := map[string]bool{}
	for _, a := range job.Accounts {
		if a.Client == nil {
			return nil, backlogsync.Errorf(backlogsync.EINVALID, "replicate: job %s, account %s has no client", job.name(), a.Name)
		}
		if seen[a.Name] {
			return nil, backlogsync.Errorf(backlogsync.EINVALID, "replicate: job %s lists account %s twice; each account runs once per job", job.name(), a.Name)
		}
		seen[a.Name] = true
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	res := &Result{Job: job.name(), Accounts: make([]AccountResult, len(job.Accounts))}
	d := job.Dest
	if len(job.Accounts) > 1 {
		d = shared(d)
	}
	var wg sync.WaitGroup
	for i, a := range job.Accounts {
		stmts := job.statements(a)
		e := newEngine(job, a, d, opts)
		name := e.account()
		if opts.Events != nil {
			e.Progress = func(p Progress) {
				opts.Events(Event{Kind: EventProgress, Job: res.Job, Account: name, Progress: p})
			}
		}
		wg.Go(func() {
			if opts.Events != nil {
				opts.Events(Event{Kind: EventAccountStart, Job: res.Job, Account: name, Tables: len(stmts)})
			}
			ar, err := e.Run(ctx, stmts)
			ar.Err = err
			res.Accounts[i] = ar
			if opts.Events != nil {
				opts.Events(Event{Kind: EventAccountDone, Job: res.Job, Account: name, Result: &res.Accounts[i]})
			}
		})
	}
	wg.Wait()
	res.Duration = now().Sub(start)
	return res, nil
}
