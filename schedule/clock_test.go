package schedule

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock whose time moves only by Advance.
type fakeClock struct {
	t      testing.TB
	mu     sync.Mutex
	now    time.Time
	timers map[*fakeTimer]bool
	added  chan struct{}
}

func newFakeClock(t testing.TB, now time.Time) *fakeClock {
	return &fakeClock{t: t, now: now, timers: map[*fakeTimer]bool{}, added: make(chan struct{}, 1000)}
}

type fakeTimer struct {
	c   chan time.Time
	at  time.Time
	clk *fakeClock
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	ft := &fakeTimer{c: make(chan time.Time, 1), at: c.now.Add(d), clk: c}
	if d <= 0 {
		ft.c <- c.now
	} else {
		c.timers[ft] = true
	}
	c.added <- struct{}{}
	return ft
}

func (ft *fakeTimer) C() <-chan time.Time { return ft.c }

func (ft *fakeTimer) Stop() bool {
	ft.clk.mu.Lock()
	defer ft.clk.mu.Unlock()
	active := ft.clk.timers[ft]
	delete(ft.clk.timers, ft)
	return active
}

// Advance moves the clock and fires the timers due by then.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for ft := range c.timers {
		if !ft.at.After(c.now) {
			ft.c <- ft.at
			delete(c.timers, ft)
		}
	}
}

// waitTimers blocks until at least n timers are pending (the scheduler is
// idle and waiting); it fails the test after 10 s of real time.
func (c *fakeClock) waitTimers(n int) {
	c.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		k := len(c.timers)
		c.mu.Unlock()
		if k >= n {
			return
		}
		select {
		case <-c.added:
		case <-deadline:
			c.t.Fatalf("timed out waiting for %d pending timers (have %d)", n, k)
		}
	}
}
