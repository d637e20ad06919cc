package service

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
	"github.com/backlogsync/backlogsync/schedule"
	"github.com/backlogsync/backlogsync/store"
)

// Jobs come from two places. The config file's jobs are read-only here:
// the file is the truth for them (edit it and restart serve), so the API
// and the web admin show them and run them now but do not change them.
// Jobs created through the API or the web admin live in the state store
// (package store, migration 3) and read stored connections; a stored job
// cannot take the name of a config job.

// JobSchedule is a stored job's schedule as the API and the web admin
// take it (the same forms as a config's schedule:).
type JobSchedule struct {
	// Interval is never (or ""), minutes, hourly, daily, weekly, monthly
	// or cron, case-insensitive.
	Interval string `json:"interval,omitempty"`
	// EveryMinutes is the period of a minutes schedule (1…1440).
	EveryMinutes int `json:"every_minutes,omitempty"`
	// Start is HH:MM: the time of a daily/weekly/monthly run, the minute
	// of an hourly one, the anchor of a minutes one.
	Start string `json:"start,omitempty"`
	// Cron is the five-field expression of a cron schedule.
	Cron string `json:"cron,omitempty"`
	// Day is the weekday (1 Monday … 7 Sunday) or day of the month.
	Day int `json:"day,omitempty"`
	// TimeZone is an IANA zone ("" the server's).
	TimeZone string `json:"time_zone,omitempty"`
	// RetryCount is how often a failed run is started again (0…10).
	RetryCount int `json:"retry_count,omitempty"`
}

// Config is the schedule in the config file's form, as the scheduler
// reads it (the web admin describes it in words).
func (js JobSchedule) Config() config.Schedule {
	iv := config.Interval(strings.ToLower(strings.TrimSpace(js.Interval)))
	c := config.Schedule{Interval: iv, Start: strings.TrimSpace(js.Start), Cron: strings.TrimSpace(js.Cron), Day: js.Day,
		TimeZone: strings.TrimSpace(js.TimeZone), Every: time.Duration(js.EveryMinutes) * time.Minute}
	c.Retry.Count = js.RetryCount
	return c
}

// JobInput is a stored job as created or edited.
type JobInput struct {
	Name         string      `json:"name"`
	Destination  string      `json:"destination"`
	Connections  []string    `json:"connections"`
	Statements   string      `json:"statements"`
	ReplicateAll bool        `json:"replicate_all"`
	Schedule     JobSchedule `json:"schedule"`
	Notify       []string    `json:"notify"`
}

// InputError is a stored job that cannot be saved: the field problems
// (Fields, by input name) and the statements' errors with their positions
// (Problems). It unwraps to EINVALID.
type InputError struct {
	Fields   map[string]string
	Problems []Problem
}

func (e *InputError) Error() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		parts = append(parts, k+": "+e.Fields[k])
	}
	for _, p := range e.Problems {
		parts = append(parts, fmt.Sprintf("statements line %d, column %d: %s", p.Line, p.Column, p.Message))
	}
	return "the job was not saved: " + strings.Join(parts, "; ")
}

// Unwrap makes the error an EINVALID backlogsync.Error.
func (e *InputError) Unwrap() error {
	return &backlogsync.Error{Code: backlogsync.EINVALID, Message: e.Error()}
}

var jobNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// JobInfo is a job as the web admin shows it.
type JobInfo struct {
	Name         string
	Destination  string
	Accounts     []string
	Stored       bool // created at run time (editable); false: from the config file
	Statements   string
	ReplicateAll bool
	Schedule     config.Schedule
	Notify       []string
	Running      bool
	Next         time.Time
	// Input is the stored job as last saved (nil for config jobs).
	Input *JobInput
}

// job returns the job of that name.
func (s *Service) job(name string) (config.Job, bool) {
	s.jmu.RLock()
	defer s.jmu.RUnlock()
	j, ok := s.jobs[name]
	return j, ok
}

// JobDestination returns the destination of the job name, from memory
// (false when there is no such job): what the job page's progress poll
// needs, without the store reads of Job.
func (s *Service) JobDestination(name string) (string, bool) {
	j, ok := s.job(name)
	return j.Destination, ok
}

// jobNames returns the names of all jobs, config jobs first.
func (s *Service) jobNames() []string {
	s.jmu.RLock()
	defer s.jmu.RUnlock()
	return slices.Clone(s.names)
}

// jobList returns all jobs in the order of jobNames.
func (s *Service) jobList() []config.Job {
	s.jmu.RLock()
	defer s.jmu.RUnlock()
	out := make([]config.Job, 0, len(s.names))
	for _, n := range s.names {
		out = append(out, s.jobs[n])
	}
	return out
}

func (s *Service) isStored(name string) bool {
	s.jmu.RLock()
	defer s.jmu.RUnlock()
	_, ok := s.stored[name]
	return ok
}

// Destinations names the config's destinations (stored jobs pick one).
func (s *Service) Destinations() []string {
	var out []string
	for _, d := range s.o.Config.Destinations {
		out = append(out, d.Name)
	}
	return out
}

// loadStored reads the stored jobs at start. One whose name a config job
// took, or whose schedule no longer parses, is left out with a warning.
func (s *Service) loadStored(ctx context.Context) ([]schedule.Job, error) {
	js, err := s.o.Store.Jobs(ctx)
	if err != nil {
		return nil, fmt.Errorf("service: stored jobs: %w", err)
	}
	var out []schedule.Job
	for _, sj := range js {
		if _, dup := s.jobs[sj.Name]; dup {
			s.log.Warn("a stored job has the name of a config job; the config's runs", "job", sj.Name)
			continue
		}
		cj, _ := storedConfig(sj)
		job, err := s.jobFromConfig(cj, s.lastRun(ctx, cj))
		if err != nil {
			s.log.Warn("stored job left out: its schedule does not parse", "job", sj.Name, "err", err)
			continue
		}
		out = append(out, job)
		s.jobs[sj.Name] = cj
		s.stored[sj.Name] = sj.ID
		s.names = append(s.names, sj.Name)
	}
	return out, nil
}

// storedConfig converts a stored job into the config form the runner
// path takes (its accounts are connection names).
func storedConfig(sj store.Job) (config.Job, JobInput) {
	var sch JobSchedule
	_ = json.Unmarshal([]byte(sj.Schedule), &sch) // written by SaveJob
	in := JobInput{Name: sj.Name, Destination: sj.Destination, Connections: sj.Connections, Statements: sj.Statements,
		ReplicateAll: sj.ReplicateAll, Schedule: sch, Notify: sj.Notify}
	cj := config.Job{Name: sj.Name, Destination: sj.Destination, Statements: config.Statements{Text: sj.Statements},
		ReplicateAll: sj.ReplicateAll, Schedule: sch.Config(), Notify: sj.Notify}
	for _, c := range sj.Connections {
		cj.Accounts = append(cj.Accounts, config.JobAccount{Account: c})
	}
	return cj, in
}

// Jobs lists every job with its state, config jobs first.
func (s *Service) Jobs(ctx context.Context) ([]JobInfo, error) {
	stored, err := s.o.Store.Jobs(ctx)
	if err != nil {
		return nil, err
	}
	inputs := map[string]JobInput{}
	for _, sj := range stored {
		_, in := storedConfig(sj)
		inputs[sj.Name] = in
	}
	status := map[string]schedule.JobStatus{}
	for _, st := range s.sched.Status() {
		status[st.Name] = st
	}
	var out []JobInfo
	for _, j := range s.jobList() {
		var in *JobInput
		if x, ok := inputs[j.Name]; ok && s.isStored(j.Name) {
			in = &x
		}
		out = append(out, jobInfo(j, status[j.Name], in))
	}
	return out, nil
}

// jobInfo is the job j with its scheduler status and, for a stored job,
// its input (nil for a config job).
func jobInfo(j config.Job, st schedule.JobStatus, in *JobInput) JobInfo {
	ji := JobInfo{Name: j.Name, Destination: j.Destination, Statements: j.Statements.Text, ReplicateAll: j.ReplicateAll,
		Schedule: j.Schedule, Notify: j.Notify, Running: st.Running, Next: st.Next}
	for _, a := range j.Accounts {
		ji.Accounts = append(ji.Accounts, a.Account)
	}
	if in != nil {
		ji.Stored, ji.Input = true, in
	}
	return ji
}

// Job returns one job (ENOTFOUND naming the nearest when there is none):
// from memory, and for a stored job one store query (Store.JobByName),
// not a read of every job.
func (s *Service) Job(ctx context.Context, name string) (JobInfo, error) {
	s.jmu.RLock() // the job and whether it is stored, as of one moment
	j, ok := s.jobs[name]
	_, stored := s.stored[name]
	s.jmu.RUnlock()
	if ok {
		st, _ := s.status(name)
		if !stored {
			return jobInfo(j, st, nil), nil
		}
		sj, err := s.o.Store.JobByName(ctx, name)
		switch {
		case err == nil:
			_, in := storedConfig(*sj)
			return jobInfo(j, st, &in), nil
		case backlogsync.ErrorCode(err) != backlogsync.ENOTFOUND:
			return JobInfo{}, err
		}
		return jobInfo(j, st, nil), nil // gone from the store since memory was loaded: as Jobs shows it
	}
	msg := fmt.Sprintf("no job named %q%s", name, fuzzy.DidYouMean(name, s.jobNames()))
	return JobInfo{}, &backlogsync.Error{Code: backlogsync.ENOTFOUND, Message: msg}
}

// checkInput validates a stored job before it is saved: every field, and
// the statements as the runner checks them (with positions).
func (s *Service) checkInput(ctx context.Context, in *JobInput, old string) error {
	e := &InputError{Fields: map[string]string{}}
	in.Name = strings.TrimSpace(in.Name)
	if !jobNameRE.MatchString(in.Name) {
		e.Fields["name"] = "give a name of letters, digits, '.', '_' or '-' (at most 64), e.g. acme-hourly"
	} else if j, ok := s.job(in.Name); ok && in.Name != old && !s.isStored(j.Name) {
		e.Fields["name"] = "the config file has a job named " + in.Name + "; pick another name"
	}
	if !slices.Contains(s.Destinations(), in.Destination) {
		e.Fields["destination"] = "pick one of the config's destinations: " + strings.Join(s.Destinations(), ", ")
	}
	if len(in.Connections) == 0 {
		e.Fields["connections"] = "pick at least one connection (add one on the Connections page first)"
	} else {
		cs, err := s.o.Store.Connections(ctx)
		if err != nil {
			return err
		}
		var have []string
		for _, c := range cs {
			have = append(have, c.Name)
		}
		for _, c := range in.Connections {
			if !slices.Contains(have, c) {
				e.Fields["connections"] = "there is no connection named " + c
			}
		}
	}
	var notify []string
	for _, n := range in.Notify {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if a, err := mail.ParseAddress(n); err != nil || a.Address != n {
			e.Fields["notify"] = fmt.Sprintf("%q is not an e-mail address; write one address per line", n)
		}
		notify = append(notify, n)
	}
	in.Notify = notify
	if in.Schedule.RetryCount < 0 || in.Schedule.RetryCount > 10 {
		e.Fields["retry_count"] = "retry a failed run 0 to 10 times"
	}
	if _, err := schedule.ParseSpec(in.Schedule.Config(), s.o.Location); err != nil {
		e.Fields["schedule"] = err.Error()
	}
	if strings.TrimSpace(in.Statements) == "" && !in.ReplicateAll {
		e.Fields["statements"] = "write REPLICATE statements (e.g. REPLICATE Issues;) or tick Replicate all tables"
	} else if msg := StatementsTooLong(in.Statements); msg != "" {
		e.Fields["statements"] = msg
	} else {
		_, e.Problems = CheckStatements(in.Statements, in.ReplicateAll)
	}
	if len(e.Fields) > 0 || len(e.Problems) > 0 {
		return e
	}
	return nil
}

// MaxStatements bounds a stored job's statement text.
const MaxStatements = 256 << 10

// StatementsTooLong is the problem of a stored job's statements longer
// than MaxStatements, saying what to do instead ("" when they fit).
func StatementsTooLong(text string) string {
	if len(text) <= MaxStatements {
		return ""
	}
	return fmt.Sprintf("the statements are longer than %d KiB: split them between several jobs, or give them to a config file job as statements_file (up to %d MiB)",
		MaxStatements>>10, config.MaxStatementsBytes>>20)
}

// SaveJob creates a stored job (old == "") or replaces the stored job
// named old, after checking it (an *InputError when it is not valid), and
// (re)schedules it at once. Config jobs cannot be changed (EINVALID).
func (s *Service) SaveJob(ctx context.Context, old string, in JobInput) error {
	s.storedMu.Lock()
	defer s.storedMu.Unlock()
	var id int64
	if old != "" {
		var err error
		if id, err = s.storedID(old, "edit"); err != nil {
			return err
		}
	}
	if err := s.checkInput(ctx, &in, old); err != nil {
		return err
	}
	sch, _ := json.Marshal(in.Schedule)
	sj := store.Job{ID: id, Name: in.Name, Destination: in.Destination, Connections: in.Connections, Statements: in.Statements,
		ReplicateAll: in.ReplicateAll, Schedule: string(sch), Notify: in.Notify}
	// Once checked, the write is not cut short by ctx: a cancellation can
	// end the call after the server committed, leaving a job stored but
	// not scheduled here (whose name a second save finds taken, and that
	// edit and delete do not know).
	wctx, cancel := storeWrite(ctx)
	defer cancel()
	var err error
	if old == "" {
		err = s.o.Store.AddJob(wctx, &sj)
	} else {
		err = s.o.Store.UpdateJob(wctx, &sj)
	}
	if err != nil {
		return err
	}
	cj, _ := storedConfig(sj)
	job, err := s.jobFromConfig(cj, time.Time{})
	if err != nil {
		return backlogsync.Errorf(backlogsync.EINVALID, "%v", err) // checked above; not reached
	}
	if old != "" && old != in.Name {
		s.uninstall(old)
	}
	s.install(cj, sj.ID, job)
	return nil
}

// storeWrite is the context of a stored-job write that must go through
// with the service's update of its jobs, or not at all: ctx without its
// cancellation, and a time limit instead.
func storeWrite(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// install puts a stored job into the service's jobs and the scheduler (no
// catch-up run), replacing the one of that name.
func (s *Service) install(cj config.Job, id int64, job schedule.Job) {
	s.jmu.Lock()
	if _, ok := s.jobs[cj.Name]; !ok {
		s.names = append(s.names, cj.Name)
	}
	s.jobs[cj.Name], s.stored[cj.Name] = cj, id
	s.jmu.Unlock()
	job.CatchUp = false
	s.sched.Put(job)
}

// uninstall takes stored jobs out of the service's jobs and the scheduler.
func (s *Service) uninstall(names ...string) {
	s.jmu.Lock()
	for _, name := range names {
		delete(s.jobs, name)
		delete(s.stored, name)
	}
	s.names = slices.DeleteFunc(s.names, func(n string) bool { return slices.Contains(names, n) })
	s.jmu.Unlock()
	for _, name := range names {
		_ = s.sched.Remove(name)
	}
}

// storedID is the store id of the stored job name. A config job is
// EINVALID (verb says what to do with it in the file), an unknown name
// ENOTFOUND with the fix.
func (s *Service) storedID(name, verb string) (int64, error) {
	s.jmu.RLock()
	id, ok := s.stored[name]
	_, exists := s.jobs[name]
	s.jmu.RUnlock()
	switch {
	case ok:
		return id, nil
	case exists:
		return 0, backlogsync.Errorf(backlogsync.EINVALID, "job %s comes from the config file; %s it there and restart serve", name, verb)
	}
	return 0, backlogsync.Errorf(backlogsync.ENOTFOUND, "no stored job named %q; GET /api/jobs lists the jobs", name)
}

// DeleteJob deletes a stored job; its runs stay in the destination's runs
// table. Config jobs cannot be deleted here (EINVALID).
func (s *Service) DeleteJob(ctx context.Context, name string) error {
	s.storedMu.Lock()
	defer s.storedMu.Unlock()
	id, err := s.storedID(name, "remove")
	if err != nil {
		return err
	}
	// Once begun, the removal is not cut short by ctx: a cancellation can
	// end the call after the server applied the DELETE, leaving the job
	// gone from the store but still scheduled here (and a second delete
	// with nothing to delete).
	wctx, cancel := storeWrite(ctx)
	defer cancel()
	if err := s.o.Store.RemoveJob(wctx, id); err != nil {
		return err
	}
	s.uninstall(name)
	return nil
}

// RunNow starts a run of the job at once: ECONFLICT while it runs,
// ENOTFOUND for an unknown job.
func (s *Service) RunNow(name string) error {
	if _, ok := s.job(name); !ok {
		return backlogsync.Errorf(backlogsync.ENOTFOUND, "no job named %q", name)
	}
	prev := s.markQueued(name)
	if err := s.sched.RunNow(name); err != nil {
		s.unmarkQueued(name, prev)
		return err
	}
	return nil
}

// connClient is the client of a stored connection, kept while the
// connection is unchanged.
type connClient struct {
	conn store.Connection // as the client was built from it
	c    *backlog.Client
}

// sameConnection reports whether a and b build the same client: the
// settings client reads (ConnectionTestOf) and the sealed secret, which
// changes whenever the secret is re-sealed. Not updated_at: it has whole
// seconds, and an edit within the second of the last keeps it.
func sameConnection(a, b store.Connection) bool {
	return a.Secret == b.Secret && ConnectionTestOf(a, "") == ConnectionTestOf(b, "")
}

// connectionClient returns the Backlog client of a stored connection.
func (s *Service) connectionClient(ctx context.Context, name string) (*backlog.Client, error) {
	if s.seal == nil {
		return nil, backlogsync.Errorf(backlogsync.EINVALID, "connection %s: the server has no secret key to open stored secrets with; %s", name, NoSecretKeyFix)
	}
	cs, err := s.o.Store.Connections(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Name != name {
			continue
		}
		s.jmu.Lock()
		defer s.jmu.Unlock()
		if cc := s.conns[name]; cc != nil && sameConnection(cc.conn, c) {
			return cc.c, nil
		}
		secret, err := s.seal.Open(c.Secret, c.Name)
		if err != nil {
			return nil, backlogsync.Errorf(backlogsync.EINVALID, "connection %s: %v", name, err)
		}
		hc := s.o.HTTPClient
		if hc == nil {
			hc = &http.Client{}
		}
		bc, err := ConnectionTestOf(c, secret).client(hc)
		if err != nil {
			return nil, backlogsync.Errorf(backlogsync.EINVALID, "connection %s: %v", name, err)
		}
		s.conns[name] = &connClient{conn: c, c: bc}
		return bc, nil
	}
	return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "no connection named %s; it may have been deleted", name)
}
