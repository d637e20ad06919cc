// Package schedtest provides a manual clock for tests of code that runs a
// schedule.Scheduler, so that no test sleeps in real time.
package schedtest

import (
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/schedule"
)

// Clock is a schedule.Clock whose time moves only by Advance.
type Clock struct {
	t      testing.TB
	mu     sync.Mutex
	now    time.Time
	timers map[*timer]bool
	added  chan struct{}
}

var _ schedule.Clock = (*Clock)(nil)

// NewClock returns a clock at now. t fails the test when WaitTimers times
// out.
func NewClock(t testing.TB, now time.Time) *Clock {
	return &Clock{t: t, now: now, timers: map[*timer]bool{}, added: make(chan struct{}, 1)}
}

type timer struct {
	c   chan time.Time
	at  time.Time
	clk *Clock
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires when Advance reaches now+d (at once
// for d <= 0).
func (c *Clock) NewTimer(d time.Duration) schedule.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	ft := &timer{c: make(chan time.Time, 1), at: c.now.Add(d), clk: c}
	if d <= 0 {
		ft.c <- c.now
	} else {
		c.timers[ft] = true
	}
	select {
	case c.added <- struct{}{}:
	default:
	}
	return ft
}

func (ft *timer) C() <-chan time.Time { return ft.c }

func (ft *timer) Stop() bool {
	ft.clk.mu.Lock()
	defer ft.clk.mu.Unlock()
	active := ft.clk.timers[ft]
	delete(ft.clk.timers, ft)
	return active
}

// Advance moves the clock by d and fires the timers due by then.
func (c *Clock) Advance(d time.Duration) {
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

// Pending returns the number of timers waiting to fire.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// WaitTimers blocks until at least n timers are pending — for a
// Scheduler, that it is idle and waiting for its next start (plus one timer
// per run waiting to retry). It fails the test after 10 s of real time.
func (c *Clock) WaitTimers(n int) {
	c.t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		if k := c.Pending(); k >= n {
			return
		}
		select {
		case <-c.added:
		case <-deadline.C:
			c.t.Fatalf("schedtest: timed out waiting for %d pending timers (have %d)", n, c.Pending())
		}
	}
}
