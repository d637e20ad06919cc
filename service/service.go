// Package service runs a config's jobs unattended inside "backlogsync
// serve": a schedule.Scheduler fires each job on its schedule (or on a
// "run now" of the REST API), replicate.Run runs it into the job's
// destination (whose runs table records every run, skipped ones too),
// notify tells someone about failures and zero-row warnings, and metrics
// counts it all. Mount adds /metrics, /readyz and the REST API under
// /api/ to serve's server.
package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/internal/seal"
	"github.com/backlogsync/backlogsync/jobsql"
	"github.com/backlogsync/backlogsync/metrics"
	"github.com/backlogsync/backlogsync/notify"
	"github.com/backlogsync/backlogsync/replicate"
	"github.com/backlogsync/backlogsync/schedule"
	"github.com/backlogsync/backlogsync/server"
	"github.com/backlogsync/backlogsync/store"
)

// Options configure a Service.
type Options struct {
	// Config holds the jobs, accounts, destinations and notification
	// settings (required).
	Config *config.Config
	// Server is serve's HTTP server: its destinations are shared with
	// OData, and Mount adds routes to it (required).
	Server *server.Server
	// Store is serve's state database (users, tokens, workspaces; required).
	Store *store.Store
	// Client returns the Backlog client of a config account (required).
	Client func(ctx context.Context, account string) (*backlog.Client, error)
	// Metrics defaults to metrics.New().
	Metrics *metrics.Metrics
	// Notifier defaults to notify.New(notify.FromConfig(Config)).
	Notifier *notify.Notifier
	// Clock is the scheduler's clock (schedule.RealClock when nil).
	Clock schedule.Clock
	// Location is the zone of schedules that name none (time.Local when nil).
	Location *time.Location
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Recorded, when set, is called once a run has been recorded, counted
	// and notified (tests wait on it).
	Recorded func(schedule.Run)
	// SecretKey (32 bytes) seals the secrets of connections added through
	// the REST API and opens them for the runs of stored jobs; without it
	// connections cannot be added and stored jobs cannot run.
	SecretKey []byte
	// HTTPClient makes the requests of stored jobs' connections (a client
	// with no timeout when nil: the Backlog client bounds each request).
	HTTPClient *http.Client
	// Instance names this serve process in logs, run logs and schedule
	// claims (DefaultInstance() when ""). Instances sharing a state
	// database need distinct names.
	Instance string
	// StoredSync is how often the stored jobs are re-read from a shared
	// (PostgreSQL) state database (DefaultStoredSync when 0).
	StoredSync time.Duration
	// ClaimTTL is the schedule claims' lifetime (schedule.DefaultClaimTTL
	// when 0): how long after an instance dies mid-run another takes its
	// run over. Claims are used only with a PostgreSQL state database.
	ClaimTTL time.Duration
	// TestEvery, when positive, replaces the schedule of every scheduled
	// job by a start every TestEvery (aligned to the Unix epoch, so that
	// instances agree): serve sets it from BACKLOGSYNC_TEST_SCHEDULE_EVERY
	// for tests of several processes, as no real schedule is shorter than
	// a minute. Not for production.
	TestEvery time.Duration
}

// Service runs the config's jobs on their schedules and serves their state.
type Service struct {
	o     Options
	log   *slog.Logger
	met   *metrics.Metrics
	notif *notify.Notifier
	sched *schedule.Scheduler
	live  *broker
	seal  *seal.Sealer

	jmu sync.RWMutex
	// storedMu serialises the changes of stored jobs (SaveJob, DeleteJob,
	// SyncStored), each a store write followed by the maps and scheduler.
	storedMu sync.Mutex
	jobs     map[string]config.Job
	names    []string               // config jobs first, then stored ones in the order they were added
	stored   map[string]int64       // stored jobs: name → store id
	conns    map[string]*connClient // a client per connection, so its rate budget carries over
	progress map[string]*Progress

	mu sync.Mutex // guards progress
}

// New returns a Service for the config's jobs. A job whose schedule is
// invalid is an EINVALID error naming it.
func New(ctx context.Context, o Options) (*Service, error) {
	if o.Config == nil || o.Server == nil || o.Store == nil || o.Client == nil {
		return nil, errors.New("service: Config, Server, Store and Client are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Instance == "" {
		o.Instance = DefaultInstance()
	}
	if o.Metrics == nil {
		o.Metrics = metrics.New()
	}
	if o.Notifier == nil {
		o.Notifier = notify.New(notify.FromConfig(o.Config))
	}
	s := &Service{o: o, log: o.Logger.With("instance", o.Instance), met: o.Metrics, notif: o.Notifier, jobs: map[string]config.Job{},
		live: newBroker(), stored: map[string]int64{}, conns: map[string]*connClient{}, progress: map[string]*Progress{}}
	if len(o.SecretKey) > 0 {
		sl, err := seal.New(o.SecretKey)
		if err != nil {
			return nil, backlogsync.Errorf(backlogsync.EINVALID, "service: %v", err)
		}
		s.seal = sl
	}
	var sj []schedule.Job
	for _, j := range o.Config.Jobs {
		job, err := s.jobFromConfig(j, s.lastRun(ctx, j))
		if err != nil {
			return nil, backlogsync.Errorf(backlogsync.EINVALID, "%v", err)
		}
		sj = append(sj, job)
		s.jobs[j.Name] = j
		s.names = append(s.names, j.Name)
	}
	stored, err := s.loadStored(ctx)
	if err != nil {
		return nil, err
	}
	sj = append(sj, stored...)
	so := schedule.Options{Run: s.runJob, Record: s.record, Clock: o.Clock, Logger: s.log, ClaimTTL: o.ClaimTTL}
	if o.Store.Driver() == store.Postgres {
		// Instances may share the database: each scheduled start runs on
		// the one that claims it (claims.go).
		so.Claimer = storeClaimer{st: o.Store, instance: o.Instance, ttl: cmp.Or(o.ClaimTTL, schedule.DefaultClaimTTL)}
	}
	sched, err := schedule.New(sj, so)
	if err != nil {
		return nil, err
	}
	s.sched = sched
	return s, nil
}

// jobFromConfig is the scheduler's job of a configured (or stored) job;
// Options.TestEvery replaces its schedule.
func (s *Service) jobFromConfig(j config.Job, last time.Time) (schedule.Job, error) {
	job, err := schedule.JobFromConfig(j, schedule.Defaults{Location: s.o.Location}, last)
	if err == nil && job.Spec != nil && s.o.TestEvery > 0 {
		job.Spec = schedule.Every(s.o.TestEvery)
	}
	return job, err
}

// lastRun is when the job's newest recorded run started (zero when it
// never ran or the destination cannot be read yet).
func (s *Service) lastRun(ctx context.Context, j config.Job) time.Time {
	d, err := s.o.Server.Destination(ctx, j.Destination)
	if err != nil {
		s.log.Warn("destination not reachable; no catch-up run for the job", "job", j.Name, "destination", j.Destination, "err", err)
		return time.Time{}
	}
	runs, err := d.Runs(ctx, j.Name, 1)
	if err != nil || len(runs) == 0 {
		return time.Time{}
	}
	return runs[0].Started
}

// Run schedules until ctx is done, then cancels runs in progress and waits
// for them. It returns nil on cancellation.
func (s *Service) Run(ctx context.Context) error {
	if s.o.Store.Driver() == store.Postgres {
		// Other instances share the stored jobs: re-read them now and then.
		go s.syncStoredEvery(ctx, cmp.Or(s.o.StoredSync, DefaultStoredSync))
	}
	err := s.sched.Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Ready is closed once Run has started (run-now works from then on).
func (s *Service) Ready() <-chan struct{} { return s.sched.Ready() }

// Metrics returns the service's metrics.
func (s *Service) Metrics() *metrics.Metrics { return s.met }

// runJob is the scheduler's RunFunc: one attempt of a job through
// replicate.Run. Its outcome is the *replicate.Result (nil when the job
// could not start).
func (s *Service) runJob(ctx context.Context, name string, attempt int) (any, error) {
	j, ok := s.job(name)
	if !ok {
		return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "no job named %q", name)
	}
	s.met.Started(name)
	s.emit(name, Event{Kind: "run_start", Job: name, Attempt: attempt, Time: time.Now().UTC()})
	rj, err := s.resolve(ctx, j)
	if err != nil {
		s.emit(name, Event{Kind: "run_done", Job: name, Attempt: attempt, Status: "failed", Error: s.scrub(err), Time: time.Now().UTC()})
		return nil, err
	}
	log, captured := s.runLogger(name)
	info, _ := schedule.InfoFrom(ctx)
	ro := replicate.Options{Logger: log, Events: func(e replicate.Event) {
		s.emit(name, eventOf(e))
	}, RowDropShare: s.o.Config.Notifications.RowDropShare}
	if info.Trigger == schedule.TriggerTakeOver {
		// The dead instance's run may still hold the destination lease
		// until it expires.
		ro.Wait = takeoverWait
	}
	log.Info("run started", "attempt", attempt, "trigger", string(info.Trigger))
	res, err := replicate.Run(ctx, rj, ro)
	for _, a := range rj.Accounts {
		for _, class := range []backlog.RateClass{backlog.RateRead, backlog.RateUpdate, backlog.RateSearch, backlog.RateIcon} {
			if r := a.Client.Governor().Budget(a.Client, class); r.Limit > 0 {
				s.met.SetBudget(a.Name, r)
			}
		}
	}
	if err == nil {
		err = res.Err()
	}
	ev := Event{Kind: "run_done", Job: name, Attempt: attempt, Status: "succeeded", Time: time.Now().UTC()}
	if err != nil {
		ev.Status, ev.Error = "failed", s.scrub(err)
		log.Error("run failed", "err", ev.Error)
	} else {
		log.Info("run finished")
	}
	s.saveRunLog(name, res, captured)
	s.emit(name, ev)
	if res == nil {
		return nil, err
	}
	return res, err
}

// resolve builds the replicate.Job of a configured job: statements parsed,
// destination open (shared with the server), a client per account.
func (s *Service) resolve(ctx context.Context, j config.Job) (*replicate.Job, error) {
	stmts, err := Statements(j)
	if err != nil {
		return nil, err
	}
	d, err := s.o.Server.Destination(ctx, j.Destination)
	if err != nil {
		return nil, fmt.Errorf("job %s: destination %s: %w", j.Name, j.Destination, err)
	}
	rj := &replicate.Job{Name: j.Name, Dest: d, Statements: stmts, ReplicateAll: j.ReplicateAll}
	for _, o := range j.Options {
		rj.Options = append(rj.Options, replicate.JobOption{Name: o.Key, Value: o.Value})
	}
	clientOf := s.o.Client
	if s.isStored(j.Name) {
		clientOf = s.connectionClient
	}
	for _, ja := range j.Accounts {
		c, err := clientOf(ctx, ja.Account)
		if err != nil {
			return nil, fmt.Errorf("job %s, account %s: %w", j.Name, ja.Account, err)
		}
		rj.Accounts = append(rj.Accounts, replicate.Account{Name: ja.Account, Client: c, Prefix: ja.Prefix, Schema: ja.Schema})
	}
	return rj, nil
}

// Statements parses a configured job's statements (EINVALID with the
// statement's position when they do not parse).
func Statements(j config.Job) ([]jobsql.Statement, error) {
	if j.Statements.Text == "" {
		return nil, nil
	}
	file := j.Statements.File
	if file == "" {
		file = "job " + j.Name
	}
	// jobsql's errors carry positions and unwrap to EINVALID.
	return jobsql.Parse(file, j.Statements.Text)
}

// scrub returns err's message without the config's secrets.
func (s *Service) scrub(err error) string {
	if err == nil {
		return ""
	}
	return s.notif.Scrub(err.Error())
}

// record is the scheduler's Record: it writes skipped runs to the runs
// table, computes zero-row warnings, updates the metrics and notifies.
func (s *Service) record(r schedule.Run) {
	ctx := context.Background()
	j, _ := s.job(r.Job)
	res, _ := r.Outcome.(*replicate.Result)
	var accounts []string
	for _, a := range j.Accounts {
		accounts = append(accounts, a.Account)
	}
	if r.Status == schedule.StatusSkipped {
		s.recordSkipped(ctx, j, r)
	}
	var tables []notify.TableResult
	var warnings []notify.Warning
	mt := metrics.Run{Job: r.Job, Status: string(r.Status), Started: r.Started, Finished: r.Finished}
	if res != nil {
		for _, a := range res.Accounts {
			// The engine recorded them with the run (zero-row alarm,
			// row drop, altered values…).
			for _, w := range a.Warnings {
				warnings = append(warnings, notify.Warning{Kind: w.Kind, Table: w.Table, Message: a.Account + ": " + w.Message})
			}
			mt.Requests = addStats(mt.Requests, a.API)
			for _, t := range a.Tables {
				rows := t.Inserted + t.Updated + t.Deleted
				tables = append(tables, notify.TableResult{Table: t.Table, Account: a.Account, Rows: rows, Total: -1})
				mt.Tables = append(mt.Tables, metrics.Table{Name: t.Table, Rows: rows})
			}
		}
	}
	rep := notify.Report{Job: r.Job, Accounts: accounts, Status: string(r.Status), Trigger: string(r.Trigger),
		Started: r.Started, Finished: r.Finished, Attempts: r.Attempts, Err: r.Err, Tables: tables, Warnings: warnings}
	for _, w := range rep.Warnings {
		s.log.Warn("run warning", "job", r.Job, "kind", w.Kind, "table", w.Table, "warning", w.Message)
	}
	s.met.Record(mt)
	if r.Status != schedule.StatusSkipped { // a skip is recorded and counted; the run it yielded to reports itself
		nctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		if err := s.notif.Notify(nctx, rep, j.Notify); err != nil {
			s.log.Error("notification not delivered", "job", r.Job, "err", err)
		}
		cancel()
	}
	if s.o.Recorded != nil {
		s.o.Recorded(r)
	}
}

// recordSkipped writes a skipped run to the runs table, one row per
// account, as the runner does for runs that happen.
func (s *Service) recordSkipped(ctx context.Context, j config.Job, r schedule.Run) {
	d, err := s.o.Server.Destination(ctx, j.Destination)
	if err != nil {
		s.log.Error("skipped run not recorded", "job", j.Name, "err", err)
		return
	}
	why := "the previous run was still going"
	if r.Err != nil {
		why = r.Err.Error()
	}
	at := r.Due
	if at.IsZero() {
		at = r.Started
	}
	for _, a := range j.Accounts {
		id, err := d.StartRun(ctx, backlogsync.Run{Job: j.Name, Account: a.Account, Started: at})
		if err == nil {
			err = d.FinishRun(ctx, backlogsync.Run{ID: id, Finished: at, Status: backlogsync.RunSkipped, Error: why})
		}
		if err != nil {
			s.log.Error("skipped run not recorded", "job", j.Name, "account", a.Account, "err", err)
		}
	}
}

// addStats sums the per-class client counts of a job's accounts.
func addStats(a, b backlog.Stats) backlog.Stats {
	if len(b.Classes) == 0 {
		return a
	}
	if a.Classes == nil {
		a.Classes = map[backlog.RateClass]backlog.ClassStats{}
	}
	for c, cs := range b.Classes {
		t := a.Classes[c]
		t.Requests += cs.Requests
		t.RateLimited += cs.RateLimited
		t.Retries += cs.Retries
		t.Waited += cs.Waited
		a.Classes[c] = t
	}
	return a
}
