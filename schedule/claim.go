package schedule

import (
	"context"
	"errors"
	"time"

	"github.com/backlogsync/backlogsync"
)

// Several instances. Serve instances that share one state database each
// run a Scheduler over the same jobs; a Claimer (serve's is the state
// database's schedule_claims table) makes each scheduled start run on one
// of them:
//
//   - When a scheduled or catch-up start comes, every instance claims its
//     slot (job, due time) and only the one that wins goes on: it runs the
//     job, or records the start as skipped when its own previous run of the
//     job is still going. The losers record nothing; the claim names the
//     instance that ran the slot. A catch-up's slot is the newest due time
//     missed, so instances starting together claim the same one.
//   - The winner renews the claim every ClaimTTL/3 while the run goes on
//     (retries included) and finishes it with the run's status. When a
//     renewal finds the claim taken over, the run is cancelled.
//   - Every ClaimTTL/2 each instance looks for claims that expired
//     unfinished (their instance died mid-run) and takes one over, for a
//     job it has and is not running, and runs the slot again with trigger
//     TriggerTakeOver. The run waits for the destination's lease the dead
//     run held (the RunFunc sees the trigger through InfoFrom).
//
// Run now (RunNow) is not claimed: it runs where it was asked.

// DefaultClaimTTL is how long the claim of a run whose instance died keeps
// other instances from taking the slot over. It is longer than the
// destination lease (replicate.DefaultLeaseTTL, 30 s), so that by the time
// a claim expires the dead run's lease has expired too.
const DefaultClaimTTL = 45 * time.Second

// Slot is one scheduled start of a job, as instances claim it.
type Slot struct {
	Job string
	// Due is the scheduled time (for a catch-up, the newest due time
	// missed).
	Due     time.Time
	Trigger Trigger
}

// Claimer shares scheduled starts among instances (see Options.Claimer).
// Its methods are called from the scheduler's goroutines.
type Claimer interface {
	// Claim claims the slot for this instance: won false when another
	// instance claimed it first (holder names it).
	Claim(ctx context.Context, s Slot) (won bool, holder string, err error)
	// Renew extends this instance's claim by the claim TTL; an error with
	// code ECONFLICT says the claim is not this instance's any more.
	Renew(ctx context.Context, s Slot) error
	// Finish marks the claim done with the run's outcome.
	Finish(ctx context.Context, s Slot, r Run) error
	// Expired returns the claims that expired unfinished.
	Expired(ctx context.Context) ([]Slot, error)
	// TakeOver makes an expired claim this instance's: false when it is
	// not expired any more or another instance took it first.
	TakeOver(ctx context.Context, s Slot) (bool, error)
}

// RunInfo says why a run started; the scheduler passes it to RunFunc in
// its context.
type RunInfo struct {
	Trigger Trigger
	// Due is the scheduled time (zero for a manual run).
	Due time.Time
}

type infoKey struct{}

// InfoFrom returns the RunInfo of a RunFunc's context.
func InfoFrom(ctx context.Context) (RunInfo, bool) {
	i, ok := ctx.Value(infoKey{}).(RunInfo)
	return i, ok
}

// pendingClaim is a start to claim before it runs or is recorded skipped.
type pendingClaim struct {
	st      *jobState
	trigger Trigger
	due     time.Time
	slot    time.Time
	at      time.Time
	skip    bool // the job was running here when it came due
}

// pendLocked prepares the claim of st's start: a job not running here is
// marked running until the claim is decided (RunNow meanwhile is
// ErrRunning).
func (s *Scheduler) pendLocked(st *jobState, trigger Trigger, due, now time.Time) pendingClaim {
	p := pendingClaim{st: st, trigger: trigger, due: due, slot: st.slot, at: now, skip: st.running}
	if p.slot.IsZero() {
		p.slot = due
	}
	if !p.skip {
		st.running = true
	}
	s.wg.Add(1)
	return p
}

// claimAndStart claims p's slot and, when this instance won, runs the job
// or records the start as skipped.
func (s *Scheduler) claimAndStart(p pendingClaim) {
	defer s.wg.Done()
	slot := Slot{Job: p.st.job.Name, Due: p.slot, Trigger: p.trigger}
	won, holder, err := s.o.Claimer.Claim(s.ctx, slot)
	if err != nil || !won {
		if err != nil {
			s.o.Logger.Error("scheduled run not started: claiming it in the state database failed", "job", slot.Job,
				"slot", slot.Due.UTC().Format(time.RFC3339), "err", err)
		} else {
			s.o.Logger.Info("scheduled run left to another instance", "job", slot.Job, "slot", slot.Due.UTC().Format(time.RFC3339), "claimed_by", holder)
		}
		if !p.skip {
			s.mu.Lock()
			p.st.running = false
			s.mu.Unlock()
			s.poke()
		}
		return
	}
	if p.skip {
		r := Run{Job: slot.Job, Trigger: p.trigger, Due: p.due, Started: p.at, Finished: p.at, Status: StatusSkipped,
			Err: errors.New("skipped: the previous run of this job was still going")}
		s.record(r)
		s.finish(slot, r)
		return
	}
	s.execute(p.st, p.trigger, p.due, &slot)
}

// renew renews slot's claim every ClaimTTL/3 until the returned stop is
// called; when the claim was taken over it calls cancel (the run stops).
func (s *Scheduler) renew(ctx context.Context, slot Slot, cancel context.CancelFunc) (stop func()) {
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		for {
			t := s.o.Clock.NewTimer(s.o.ClaimTTL / 3)
			select {
			case <-done:
				t.Stop()
				return
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C():
			}
			err := s.o.Claimer.Renew(ctx, slot)
			switch {
			case err == nil:
			case backlogsync.ErrorCode(err) == backlogsync.ECONFLICT:
				s.o.Logger.Warn("another instance took this run's slot over (this instance did not renew its claim in time); stopping the run",
					"job", slot.Job, "slot", slot.Due.UTC().Format(time.RFC3339))
				cancel()
				return
			case ctx.Err() == nil:
				s.o.Logger.Warn("renewing the schedule claim failed; retrying", "job", slot.Job, "err", err)
			}
		}
	}()
	return func() { close(done); <-exited }
}

// finish records the end of slot's run in its claim.
func (s *Scheduler) finish(slot Slot, r Run) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 30*time.Second)
	defer cancel()
	if err := s.o.Claimer.Finish(ctx, slot, r); err != nil {
		s.o.Logger.Warn("the schedule claim was not marked finished", "job", slot.Job, "slot", slot.Due.UTC().Format(time.RFC3339), "err", err)
	}
}

// scanLocked starts a look for expired claims unless one is going.
func (s *Scheduler) scanLocked() {
	if s.scanning {
		return
	}
	s.scanning = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.takeOver()
		s.mu.Lock()
		s.scanning = false
		s.mu.Unlock()
	}()
}

// takeOver takes over and runs expired claims of jobs this scheduler has
// and is not running, one per job.
func (s *Scheduler) takeOver() {
	slots, err := s.o.Claimer.Expired(s.ctx)
	if err != nil {
		if s.ctx.Err() == nil {
			s.o.Logger.Warn("looking for schedule claims of stopped instances failed", "err", err)
		}
		return
	}
	for _, slot := range slots {
		s.mu.Lock()
		st, ok := s.jobs[slot.Job]
		if !ok || st.running || s.stopped {
			s.mu.Unlock()
			continue
		}
		st.running = true
		s.mu.Unlock()
		won, err := s.o.Claimer.TakeOver(s.ctx, slot)
		if err != nil || !won {
			if err != nil && s.ctx.Err() == nil {
				s.o.Logger.Warn("taking over a schedule claim failed", "job", slot.Job, "err", err)
			}
			s.mu.Lock()
			st.running = false
			s.mu.Unlock()
			continue
		}
		s.o.Logger.Warn("running a scheduled run again: the instance that claimed it stopped renewing its claim (it died mid-run)",
			"job", slot.Job, "slot", slot.Due.UTC().Format(time.RFC3339))
		slot.Trigger = TriggerTakeOver
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.execute(st, TriggerTakeOver, slot.Due, &slot)
		}()
	}
}

// latestDue is the newest due time of spec from first (a due time) up to
// now: the slot of a catch-up run, the same for every instance that starts
// within one period.
func latestDue(spec Spec, first, now time.Time) time.Time {
	last := first
	for range 1 << 20 { // a minutely job down for two years
		next := spec.Next(last)
		if next.IsZero() || next.After(now) {
			return last
		}
		last = next
	}
	return last
}
