package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
)

// Job is one scheduled job.
type Job struct {
	// Name identifies the job (config.Job.Name).
	Name string
	// Spec says when it is due; nil means only by RunNow.
	Spec Spec
	// Jitter bounds a random delay added to each scheduled (not manual)
	// start, so that jobs sharing a Backlog user's rate limit do not start
	// at the same second. It is capped at half the gap to the following due
	// time.
	Jitter time.Duration
	// CatchUp starts one run at once when a due time passed while the
	// scheduler was not running (after LastRun).
	CatchUp bool
	// LastRun is when the job's previous run started (from the runs table);
	// zero when it never ran, which means no catch-up.
	LastRun time.Time
	// Retry is the job-level retry of a failed run.
	Retry config.Retry
}

// Trigger says why a run started.
type Trigger string

// The triggers.
const (
	TriggerSchedule Trigger = "schedule" // a due time
	TriggerCatchUp  Trigger = "catch_up" // a due time missed while down
	TriggerManual   Trigger = "manual"   // RunNow
	TriggerTakeOver Trigger = "takeover" // a slot whose instance died mid-run (Claimer)
)

// Status is how a run ended.
type Status string

// The run statuses.
const (
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"   // every attempt failed
	StatusSkipped   Status = "skipped"  // the previous run was still going
	StatusCanceled  Status = "canceled" // the scheduler stopped during the run
)

// Run is one run of a job as the scheduler saw it, reported to
// Options.Record when it ends (or is skipped).
type Run struct {
	Job     string
	Trigger Trigger
	// Due is the scheduled time (zero for a manual run); Started and
	// Finished bound the run including retries (both Due for a skipped run).
	Due, Started, Finished time.Time
	// Attempts is the number of times RunFunc was called (0 when skipped).
	Attempts int
	Status   Status
	// Err is the last attempt's error; for a skipped run, why it was skipped.
	Err error
	// Outcome is what the last attempt's RunFunc returned (e.g. a
	// *replicate.Result).
	Outcome any
}

// RunFunc runs a job once. attempt counts from 1; a retry calls it again.
type RunFunc func(ctx context.Context, job string, attempt int) (outcome any, err error)

// Options configure a Scheduler.
type Options struct {
	// Run runs a job (required).
	Run RunFunc
	// Record receives every finished or skipped run (optional). It is called
	// from the scheduler's goroutines, skipped runs from one goroutine per
	// scheduling pass, and shutdown waits for every call: it should not block
	// for long (each call that blocks keeps a goroutine, and delays
	// shutdown until it returns).
	Record func(Run)
	// Clock defaults to RealClock.
	Clock Clock
	// Rand returns a uniform value in [0, n); defaults to math/rand/v2.
	Rand func(n int64) int64
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Claimer, when set, shares the scheduled runs with other instances
	// (see Claimer): a scheduled or catch-up start runs only where its
	// slot is claimed, and expired claims are taken over. Nil: every due
	// time runs here.
	Claimer Claimer
	// ClaimTTL is how long a claim lasts unless renewed (DefaultClaimTTL
	// when 0); it is renewed every third of it while the run goes on, and
	// expired claims are looked for every half of it.
	ClaimTTL time.Duration
}

// DefaultBackoff is the wait before the first retry when a job retries but
// configures no back-off.
const DefaultBackoff = time.Minute

// DefaultMaxBackoff caps the doubling back-off when none is configured.
const DefaultMaxBackoff = time.Hour

// Scheduler fires runs of jobs on their schedules.
type Scheduler struct {
	o     Options
	wake  chan struct{}
	ready chan struct{}

	mu       sync.Mutex
	jobs     map[string]*jobState
	order    []string
	started  bool
	stopped  bool
	scanning bool // a look for expired claims is going (claim.go)
	ctx      context.Context
	wg       sync.WaitGroup
}

type jobState struct {
	job     Job
	due     time.Time // next due time (zero: none)
	slot    time.Time // the slot a Claimer claims for it: due, or the missed due time of a catch-up
	fireAt  time.Time // due plus jitter
	trigger Trigger
	running bool
}

// JobStatus is a job's state for the API and the web admin.
type JobStatus struct {
	Name    string
	Running bool
	// Next is the next start (with jitter); zero when the job has no
	// schedule.
	Next time.Time
}

// New returns a scheduler for jobs. Job names must be unique.
func New(jobs []Job, o Options) (*Scheduler, error) {
	if o.Run == nil {
		return nil, errors.New("schedule: Options.Run is required")
	}
	if o.Clock == nil {
		o.Clock = RealClock{}
	}
	if o.Rand == nil {
		o.Rand = rand.Int64N
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ClaimTTL <= 0 {
		o.ClaimTTL = DefaultClaimTTL
	}
	s := &Scheduler{o: o, wake: make(chan struct{}, 1), ready: make(chan struct{}), jobs: map[string]*jobState{}}
	for _, j := range jobs {
		if _, dup := s.jobs[j.Name]; dup {
			return nil, fmt.Errorf("schedule: job %q given twice", j.Name)
		}
		s.jobs[j.Name] = &jobState{job: j}
		s.order = append(s.order, j.Name)
	}
	return s, nil
}

// ErrRunning is returned by RunNow when the job's previous run is still
// going; it unwraps to a backlogsync.Error with code ECONFLICT.
var ErrRunning = &backlogsync.Error{Code: backlogsync.ECONFLICT, Message: "the job is already running; wait for it to finish"}

// RunNow starts a run of the job at once (without jitter). It fails with
// ErrRunning when the job is running and with ENOTFOUND for an unknown job.
// The scheduler must have been started by Run.
func (s *Scheduler) RunNow(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.jobs[name]
	if !ok {
		return backlogsync.Errorf(backlogsync.ENOTFOUND, "no job named %q", name)
	}
	if !s.started || s.stopped {
		return backlogsync.Errorf(backlogsync.ECONFLICT, "the scheduler is not running")
	}
	if st.running {
		return ErrRunning
	}
	s.startLocked(st, TriggerManual, time.Time{})
	return nil
}

// Put adds a job, or replaces the job of that name, while the scheduler
// runs (or before). A run of the job in progress goes on; the next due
// time follows the new schedule (no catch-up run for a job put at run
// time).
func (s *Scheduler) Put(j Job) {
	s.mu.Lock()
	st, ok := s.jobs[j.Name]
	if !ok {
		st = &jobState{}
		s.jobs[j.Name] = st
		s.order = append(s.order, j.Name)
	}
	st.job = j
	if s.started {
		s.planLocked(st, s.o.Clock.Now())
	}
	s.mu.Unlock()
	s.poke()
}

// Remove drops a job: it is no longer scheduled and RunNow no longer
// knows it; a run in progress goes on to its end. ENOTFOUND for an
// unknown job.
func (s *Scheduler) Remove(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.jobs[name]; !ok {
		return backlogsync.Errorf(backlogsync.ENOTFOUND, "no job named %q", name)
	}
	delete(s.jobs, name)
	for i, n := range s.order {
		if n == name {
			s.order = append(s.order[:i:i], s.order[i+1:]...)
			break
		}
	}
	return nil
}

// poke wakes Run's loop to plan again.
func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Ready is closed once Run has started (RunNow works from then on).
func (s *Scheduler) Ready() <-chan struct{} { return s.ready }

// Status returns every job's state, in the order given to New.
func (s *Scheduler) Status() []JobStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]JobStatus, 0, len(s.order))
	for _, n := range s.order {
		st := s.jobs[n]
		out = append(out, JobStatus{Name: n, Running: st.running, Next: st.fireAt})
	}
	return out
}

// Run schedules until ctx is done, then cancels the runs in progress and
// waits for them to return. It returns ctx's error.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("schedule: Run called twice")
	}
	s.started = true
	s.ctx = ctx
	now := s.o.Clock.Now()
	for _, n := range s.order {
		st := s.jobs[n]
		if st.job.Spec == nil {
			continue
		}
		if st.job.CatchUp && !st.job.LastRun.IsZero() {
			if missed := st.job.Spec.Next(st.job.LastRun); !missed.After(now) {
				st.due, st.trigger, st.slot = now, TriggerCatchUp, latestDue(st.job.Spec, missed, now)
				st.fireAt = now.Add(s.jitter(st.job, now))
				continue
			}
		}
		s.planLocked(st, now)
	}
	close(s.ready)
	s.mu.Unlock()

	var nextScan time.Time // when to look for expired claims (Claimer only)
	if s.o.Claimer != nil {
		nextScan = now.Add(s.o.ClaimTTL / 2)
	}
	for {
		s.mu.Lock()
		now := s.o.Clock.Now()
		skipped, claims := s.fireLocked(now)
		next := s.earliestLocked()
		if !nextScan.IsZero() && !now.Before(nextScan) {
			s.scanLocked()
			nextScan = now.Add(s.o.ClaimTTL / 2)
		}
		if !nextScan.IsZero() && (next.IsZero() || nextScan.Before(next)) {
			next = nextScan
		}
		s.mu.Unlock()
		if len(skipped) > 0 {
			// Off this goroutine: a slow record (serve writes it to the
			// job's destination, which may be what keeps the job's run
			// from ending) must not hold up the other jobs' starts.
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				for _, r := range skipped {
					s.record(r)
				}
			}()
		}
		for _, c := range claims {
			go s.claimAndStart(c)
		}

		var timer Timer
		var tc <-chan time.Time
		if !next.IsZero() {
			timer = s.o.Clock.NewTimer(next.Sub(now))
			tc = timer.C()
		}
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			s.mu.Lock()
			s.stopped = true // no RunNow from here on: wg.Wait must not race a new run
			s.mu.Unlock()
			s.wg.Wait()
			return ctx.Err()
		case <-tc:
		case <-s.wake:
			if timer != nil {
				timer.Stop()
			}
		}
	}
}

// planLocked sets the job's next scheduled due time after now.
func (s *Scheduler) planLocked(st *jobState, now time.Time) {
	st.due, st.slot, st.fireAt, st.trigger = time.Time{}, time.Time{}, time.Time{}, TriggerSchedule
	if st.job.Spec == nil {
		return
	}
	due := st.job.Spec.Next(now)
	if due.IsZero() {
		return // a cron expression that never matches (Feb 30)
	}
	st.due, st.slot = due, due
	st.fireAt = due.Add(s.jitter(st.job, due))
}

// jitter draws the random delay for a start due at due.
func (s *Scheduler) jitter(j Job, due time.Time) time.Duration {
	max := j.Jitter
	if max <= 0 {
		return 0
	}
	if j.Spec != nil {
		if after := j.Spec.Next(due); !after.IsZero() {
			if half := after.Sub(due) / 2; half < max {
				max = half
			}
		}
	}
	if max <= 0 {
		return 0
	}
	return time.Duration(s.o.Rand(int64(max)))
}

// fireLocked starts (or skips) every job whose start time has come. It
// returns the skipped runs, to be recorded once the lock is released, and
// with a Claimer the starts to claim first (claimAndStart).
func (s *Scheduler) fireLocked(now time.Time) (skipped []Run, claims []pendingClaim) {
	for _, n := range s.order {
		st := s.jobs[n]
		if st.fireAt.IsZero() || st.fireAt.After(now) {
			continue
		}
		due, trigger := st.due, st.trigger
		if s.o.Claimer != nil {
			claims = append(claims, s.pendLocked(st, trigger, due, now))
		} else if st.running {
			skipped = append(skipped, Run{Job: n, Trigger: trigger, Due: due, Started: now, Finished: now, Status: StatusSkipped,
				Err: errors.New("skipped: the previous run of this job was still going")})
		} else {
			s.startLocked(st, trigger, due)
		}
		s.planLocked(st, now)
	}
	return skipped, claims
}

// earliestLocked returns the earliest start time of any job (zero: none).
func (s *Scheduler) earliestLocked() time.Time {
	var t time.Time
	for _, st := range s.jobs {
		if !st.fireAt.IsZero() && (t.IsZero() || st.fireAt.Before(t)) {
			t = st.fireAt
		}
	}
	return t
}

// startLocked starts a run of st in its own goroutine.
func (s *Scheduler) startLocked(st *jobState, trigger Trigger, due time.Time) {
	st.running = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.execute(st, trigger, due, nil)
	}()
}

// execute runs st's job (st.running set by the caller), renewing and then
// finishing the claim of slot when there is one, and records the run.
func (s *Scheduler) execute(st *jobState, trigger Trigger, due time.Time, slot *Slot) {
	ctx := context.WithValue(s.ctx, infoKey{}, RunInfo{Trigger: trigger, Due: due})
	var stopRenew func()
	if slot != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		stopRenew = s.renew(ctx, *slot, cancel)
	}
	r := s.runWithRetry(ctx, st.job, trigger, due)
	if slot != nil {
		stopRenew()
		s.finish(*slot, r)
	}
	s.mu.Lock()
	st.running = false
	s.mu.Unlock()
	s.record(r)
	s.poke()
}

// runWithRetry calls RunFunc, and again after a back-off while it fails and
// retries are left.
func (s *Scheduler) runWithRetry(ctx context.Context, j Job, trigger Trigger, due time.Time) Run {
	r := Run{Job: j.Name, Trigger: trigger, Due: due, Started: s.o.Clock.Now()}
	backoff := j.Retry.Backoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	maxBackoff := j.Retry.MaxBackoff
	if maxBackoff <= 0 {
		maxBackoff = max(DefaultMaxBackoff, backoff)
	}
	for {
		r.Attempts++
		r.Outcome, r.Err = s.call(ctx, j.Name, r.Attempts)
		if r.Err == nil {
			r.Status = StatusSucceeded
			break
		}
		if ctx.Err() != nil {
			r.Status = StatusCanceled
			break
		}
		if r.Attempts > j.Retry.Count || backlogsync.ErrorCode(r.Err) == backlogsync.EINVALID {
			r.Status = StatusFailed // retrying a bad config or statement cannot help
			break
		}
		s.o.Logger.Warn("run failed; retrying", "job", j.Name, "attempt", r.Attempts, "retry_in", backoff.String(), "error", r.Err.Error())
		t := s.o.Clock.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			r.Status = StatusCanceled
			r.Finished = s.o.Clock.Now()
			return r
		case <-t.C():
		}
		backoff = min(backoff*2, maxBackoff)
	}
	r.Finished = s.o.Clock.Now()
	return r
}

// call is Options.Run with a panic turned into the attempt's error: the
// scheduler's process runs every job (serve's web admin too), which one
// run's panic would end, leaving its claim unfinished until it expires.
func (s *Scheduler) call(ctx context.Context, job string, attempt int) (out any, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.o.Logger.Error("run panicked", "job", job, "attempt", attempt, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			out, err = nil, fmt.Errorf("the run stopped on an internal error (panic: %v): this is a bug in backlogsync; report it with the stack trace in the log", v)
		}
	}()
	return s.o.Run(ctx, job, attempt)
}

func (s *Scheduler) record(r Run) {
	if s.o.Record != nil {
		s.o.Record(r)
	}
}
