package replicate

import (
	"context"
	"fmt"
	"time"

	"github.com/backlogsync/backlogsync"
)

// DefaultLeaseTTL is how long the lease of a run that died (kill -9, a lost
// machine) keeps other runs of its job and account out: a live run renews
// it every third of that.
const DefaultLeaseTTL = 30 * time.Second

// leaseRetry is how often a waiting run tries the lease again.
const leaseRetry = 500 * time.Millisecond

// lease takes the destination's lease on this job and account (scope
// "job/account"), waiting up to e.Wait for another holder, so that two runs
// never write the same tables at once; a destination without leases is
// written unguarded. release gives the lease back.
func (e *Engine) lease(ctx context.Context) (release func(), err error) {
	l, ok := leaserOf(e.Dest)
	if !ok {
		e.log().Warn("the destination has no leases: nothing keeps two runs of this job and account apart")
		return func() {}, nil
	}
	ttl := e.LeaseTTL
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	scope := e.job() + "/" + e.account()
	deadline := time.Now().Add(e.Wait)
	logged := false
	for {
		rel, err := l.Lease(ctx, scope, ttl)
		if err == nil {
			return func() {
				if err := rel(); err != nil {
					e.log().Warn("releasing the destination lease", "err", err)
				}
			}, nil
		}
		left := time.Until(deadline)
		if backlogsync.ErrorCode(err) != backlogsync.EBUSY || left <= 0 {
			return nil, err
		}
		if !logged {
			e.log().Info("waiting for another run of this job and account to finish", "scope", scope, "wait", e.Wait, "holder", err.Error())
			logged = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(leaseRetry, left)):
		}
	}
}

// leaserOf returns d's leases, looking through the wrapper that serialises
// a destination shared by a job's accounts (leases need no serialising).
func leaserOf(d backlogsync.Destination) (backlogsync.Leaser, bool) {
	switch x := d.(type) {
	case serialDest:
		d = x.Destination
	case serialMultiDest:
		d = x.Destination
	}
	l, ok := d.(backlogsync.Leaser)
	return l, ok
}

// recordUnstarted records a run that never took the destination's lease,
// so that it does not vanish from the runs table: RunCancelled when ctx
// ended while it waited, RunSkipped when another run of the job and
// account held the lease (past Wait), RunFailed for any other failure to
// take it. The record needs no lease (it is one row of the runs table, not
// the replicated tables) and is written even though ctx is cancelled. It
// returns the run's result (RunID 0 when even the record failed) and err.
func (e *Engine) recordUnstarted(ctx context.Context, err error) (AccountResult, error) {
	res := AccountResult{Account: e.account(), Status: backlogsync.RunFailed}
	switch {
	case ctx.Err() != nil:
		res.Status = backlogsync.RunCancelled
	case backlogsync.ErrorCode(err) == backlogsync.EBUSY:
		res.Status = backlogsync.RunSkipped
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	at := e.now().UTC().Truncate(time.Second)
	id, rerr := e.Dest.StartRun(rctx, backlogsync.Run{Job: e.job(), Account: e.account(), Started: at})
	if rerr == nil {
		rerr = e.Dest.FinishRun(rctx, backlogsync.Run{ID: id, Finished: at, Status: res.Status,
			Error: fmt.Sprintf("the run did not start: %v", err)})
	}
	if rerr != nil {
		e.log().Warn("recording a run that did not take the destination's lease", "status", res.Status, "err", rerr)
		return res, err
	}
	res.RunID = id
	e.log().Info("run not started", "job", e.job(), "account", e.account(), "run", id, "status", res.Status, "err", err)
	return res, err
}
