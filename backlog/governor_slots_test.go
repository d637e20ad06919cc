package backlog

import (
	"context"
	"testing"
	"time"
)

// TestSlotHandoffNoBarging: a slot freed goes to the request already
// waiting for it, not to the holder asking again at once (a sequential
// pager must not hold off the other jobs of its user).
func TestSlotHandoffNoBarging(t *testing.T) {
	g := NewGovernor(GovernorConfig{Concurrency: 1})
	const key = "user"
	a, err := g.acquire(t.Context(), key, RateRead, ask{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{})
	go func() {
		tk, err := g.acquire(t.Context(), key, RateRead, ask{}, nil)
		if err == nil {
			tk.release()
		}
		close(got)
	}()
	waitQueued(t, g, key, 1)
	a.release()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting request did not get the freed slot")
	}
	// The holder asking again right after its release waits its turn:
	// with B queued first, A gets the slot only after B.
	a, err = g.acquire(t.Context(), key, RateRead, ask{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 2)
	go func() {
		tk, err := g.acquire(t.Context(), key, RateRead, ask{}, nil)
		if err == nil {
			order <- "B"
			tk.release()
		}
	}()
	waitQueued(t, g, key, 1)
	a.release()
	c, err := g.acquire(t.Context(), key, RateRead, ask{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	order <- "A"
	c.release()
	if first := <-order; first != "B" {
		t.Errorf("the slot went to %s, who asked after B was waiting", first)
	}
}

// TestSlotWaiterCancel: a request giving up its place in the queue passes
// the turn on, and leaves no slot held.
func TestSlotWaiterCancel(t *testing.T) {
	g := NewGovernor(GovernorConfig{Concurrency: 1})
	const key = "user"
	a, err := g.acquire(t.Context(), key, RateRead, ask{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	gaveUp := make(chan error, 1)
	go func() {
		_, err := g.acquire(ctx, key, RateRead, ask{}, nil)
		gaveUp <- err
	}()
	waitQueued(t, g, key, 1)
	got := make(chan struct{})
	go func() {
		if tk, err := g.acquire(t.Context(), key, RateRead, ask{}, nil); err == nil {
			tk.release()
		}
		close(got)
	}()
	waitQueued(t, g, key, 2)
	cancel()
	if err := <-gaveUp; err == nil {
		t.Fatal("the cancelled request got a slot")
	}
	a.release()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the request behind the cancelled one never got the slot")
	}
	g.mu.Lock()
	ub := g.users[key]
	held, queued := ub.held, len(ub.queue)
	g.mu.Unlock()
	if held != 0 || queued != 0 {
		t.Errorf("after every request: %d slots held, %d waiting; want 0, 0", held, queued)
	}
}

// waitQueued waits until n requests of key wait for a slot.
func waitQueued(t *testing.T, g *Governor, key string, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		g.mu.Lock()
		ub := g.users[key]
		q := 0
		if ub != nil {
			q = len(ub.queue)
		}
		g.mu.Unlock()
		if q == n {
			return
		}
	}
	t.Fatalf("%d requests never waited for a slot", n)
}
