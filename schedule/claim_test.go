package schedule_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/schedule"
	"github.com/backlogsync/backlogsync/schedule/schedtest"
)

// memClaims is a shared claims table on a fake clock: the state database
// of several instances.
type memClaims struct {
	mu   sync.Mutex
	clk  *schedtest.Clock
	ttl  time.Duration
	rows map[claimKey]*claimRow
}

type claimKey struct {
	job string
	due time.Time
}

type claimRow struct {
	holder    string
	trigger   schedule.Trigger
	expires   time.Time
	finished  bool
	status    schedule.Status
	takeovers int
}

// instance is one scheduler's claimer. A dead instance's renewals and
// finishes have no effect, as those of a killed process.
type instance struct {
	m    *memClaims
	name string
	dead atomic.Bool
}

func (c *instance) Claim(ctx context.Context, s schedule.Slot) (bool, string, error) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	k := claimKey{s.Job, s.Due}
	if r, ok := c.m.rows[k]; ok {
		return false, r.holder, nil
	}
	c.m.rows[k] = &claimRow{holder: c.name, trigger: s.Trigger, expires: c.m.clk.Now().Add(c.m.ttl)}
	return true, c.name, nil
}

// update applies change to c's unfinished claim of s, as the store's
// UPDATE … WHERE instance = c: ECONFLICT when c no longer holds it, and
// nothing at all once c is dead.
func (c *instance) update(s schedule.Slot, change func(*claimRow)) error {
	if c.dead.Load() {
		return nil
	}
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	r := c.m.rows[claimKey{s.Job, s.Due}]
	if r == nil || r.holder != c.name || r.finished {
		return backlogsync.Errorf(backlogsync.ECONFLICT, "lost")
	}
	change(r)
	return nil
}

func (c *instance) Renew(ctx context.Context, s schedule.Slot) error {
	return c.update(s, func(r *claimRow) { r.expires = c.m.clk.Now().Add(c.m.ttl) })
}

func (c *instance) Finish(ctx context.Context, s schedule.Slot, run schedule.Run) error {
	return c.update(s, func(r *claimRow) { r.finished, r.status = true, run.Status })
}

func (c *instance) Expired(ctx context.Context) ([]schedule.Slot, error) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	var out []schedule.Slot
	for k, r := range c.m.rows {
		if !r.finished && r.expires.Before(c.m.clk.Now()) {
			out = append(out, schedule.Slot{Job: k.job, Due: k.due, Trigger: r.trigger})
		}
	}
	return out, nil
}

func (c *instance) TakeOver(ctx context.Context, s schedule.Slot) (bool, error) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	r := c.m.rows[claimKey{s.Job, s.Due}]
	if r == nil || r.finished || !r.expires.Before(c.m.clk.Now()) {
		return false, nil
	}
	r.holder, r.trigger, r.expires = c.name, schedule.TriggerTakeOver, c.m.clk.Now().Add(c.m.ttl)
	r.takeovers++
	return true, nil
}

func (m *memClaims) row(job string, due time.Time) claimRow {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r := m.rows[claimKey{job, due}]; r != nil {
		return *r
	}
	return claimRow{}
}

// cluster is three schedulers of one job sharing memClaims.
type cluster struct {
	t       *testing.T
	clk     *schedtest.Clock
	claims  *memClaims
	nodes   []*instance
	mu      sync.Mutex
	records []nodeRun
	// run is each run's body (nil: succeed at once).
	run func(ctx context.Context, node *instance) error
}

type nodeRun struct {
	node string
	schedule.Run
}

const claimTTL = 3 * time.Minute

func newCluster(t *testing.T, run func(ctx context.Context, node *instance) error) *cluster {
	c := &cluster{t: t, clk: schedtest.NewClock(t, t0), run: run}
	c.claims = &memClaims{clk: c.clk, ttl: claimTTL, rows: map[claimKey]*claimRow{}}
	for _, name := range []string{"a", "b", "c"} {
		node := &instance{m: c.claims, name: name}
		c.nodes = append(c.nodes, node)
		s, err := schedule.New([]schedule.Job{{Name: "j", Spec: every15(t)}}, schedule.Options{
			Clock: c.clk, Logger: slog.New(slog.DiscardHandler), Claimer: node, ClaimTTL: claimTTL,
			Record: func(r schedule.Run) {
				c.mu.Lock()
				c.records = append(c.records, nodeRun{name, r})
				c.mu.Unlock()
			},
			Run: func(ctx context.Context, job string, attempt int) (any, error) {
				if c.run == nil {
					return nil, nil
				}
				return nil, c.run(ctx, node)
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
		<-s.Ready()
	}
	return c
}

// until advances the clock a minute at a time, each time once the
// schedulers wait, until cond holds (failing after an hour of schedule).
func (c *cluster) until(what string, cond func() bool) {
	c.t.Helper()
	for range 60 {
		c.clk.WaitTimers(3)
		time.Sleep(5 * time.Millisecond) // a claim decided in a goroutine
		if cond() {
			return
		}
		c.clk.Advance(time.Minute)
	}
	c.t.Fatalf("after an hour of schedule: %s", what)
}

func (c *cluster) runs() []nodeRun {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]nodeRun(nil), c.records...)
}

// TestClaimsOneInstancePerSlot: three schedulers sharing claims run each
// due time of their job once, on one of them; the others record nothing.
func TestClaimsOneInstancePerSlot(t *testing.T) {
	c := newCluster(t, nil)
	c.until("three runs", func() bool { return len(c.runs()) >= 3 })
	runs := c.runs()
	if len(runs) != 3 {
		t.Fatalf("%d runs for three due times: %+v", len(runs), runs)
	}
	for i, r := range runs {
		due := time.Date(2026, 12, 5, 10, 15*(i+1), 0, 0, time.UTC)
		if !r.Due.Equal(due) || r.Status != schedule.StatusSucceeded || r.Trigger != schedule.TriggerSchedule {
			t.Errorf("run %d: %+v; want the %s start, succeeded", i, r, due.Format("15:04"))
		}
		if row := c.claims.row("j", due); row.holder != r.node || !row.finished || row.status != schedule.StatusSucceeded {
			t.Errorf("claim of %s: %+v; want finished by %s", due.Format("15:04"), row, r.node)
		}
	}
}

// TestClaimTakenOverAfterDeath: the instance running a slot dies (no more
// renewals); once its claim expires another instance runs the slot again
// with trigger takeover, the next slot runs once, and when the first
// instance comes back its run is cancelled (its claim is gone).
func TestClaimTakenOverAfterDeath(t *testing.T) {
	var victim atomic.Pointer[instance]
	var takeovers atomic.Int32
	c := newCluster(t, func(ctx context.Context, node *instance) error {
		if info, _ := schedule.InfoFrom(ctx); info.Trigger == schedule.TriggerTakeOver {
			takeovers.Add(1)
		}
		if victim.CompareAndSwap(nil, node) {
			node.dead.Store(true)
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	})
	slot1 := time.Date(2026, 12, 5, 10, 15, 0, 0, time.UTC)
	c.until("the slot taken over", func() bool {
		r := c.claims.row("j", slot1)
		return r.finished && r.takeovers == 1
	})
	dead := victim.Load()
	r := c.claims.row("j", slot1)
	if r.holder == dead.name || r.status != schedule.StatusSucceeded || takeovers.Load() != 1 {
		t.Fatalf("slot %s: %+v (%d takeover runs); want finished by another instance than %s", slot1.Format("15:04"), r, takeovers.Load(), dead.name)
	}
	if now := c.clk.Now(); now.Before(slot1.Add(claimTTL)) {
		t.Errorf("taken over at %s, before the claim expired", now.Format("15:04"))
	}
	var took nodeRun
	for _, run := range c.runs() {
		if run.Trigger == schedule.TriggerTakeOver {
			took = run
		}
	}
	if took.node != r.holder || !took.Due.Equal(slot1) || took.Status != schedule.StatusSucceeded {
		t.Errorf("takeover run %+v", took)
	}
	// The dead instance comes back: its renewal finds the claim taken over
	// and its run stops.
	dead.dead.Store(false)
	slot2 := slot1.Add(15 * time.Minute)
	c.until("the old run cancelled and the next slot run", func() bool {
		var cancelled bool
		for _, run := range c.runs() {
			cancelled = cancelled || run.node == dead.name && run.Status == schedule.StatusCanceled
		}
		return cancelled && c.claims.row("j", slot2).finished
	})
	n := 0
	for _, run := range c.runs() {
		if run.Due.Equal(slot2) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("slot %s ran %d times; want once", slot2.Format("15:04"), n)
	}
}
