package backlog

import "time"

// What the requests of one user ask of the governor, and how their
// different asks combine: the smallest concurrency and PaceEven asked for
// by a request waiting, in flight or made within the last window win (see
// Governor).

// ask is what a client asks of the governor for one request; zero fields
// take the governor's defaults.
type ask struct {
	share float64 // of each window's budget (WithMaxShare)
	conc  int     // requests in flight (WithConcurrency)
	even  bool    // PaceEven (WithPacing)
}

// limit is the smallest concurrency asked for by the requests waiting or
// in flight, or made within window before now; def when there are none.
// Expired entries are dropped. Requests waiting for a slot need no timer
// for an expiry: they wait only while a request is in flight, whose
// release wakes them.
func (ub *userBudget) limit(def int, now time.Time, window time.Duration) int {
	n := 0
	for c, at := range ub.asked {
		if ub.active[c] == 0 && !now.Before(at.Add(window)) {
			delete(ub.asked, c)
			continue
		}
		if n == 0 || c < n {
			n = c
		}
	}
	if n == 0 {
		return def
	}
	return n
}

// paceEven reports whether a request paces evenly at now: it asks to, or
// another request of the user asking to is waiting or in flight or was
// made within the last window.
func (ub *userBudget) paceEven(a ask, now time.Time) bool {
	return a.even || ub.even > 0 || now.Before(ub.evenUntil)
}

// join counts a request as active.
func (ub *userBudget) join(a ask, now time.Time, window time.Duration) {
	ub.active[a.conc]++
	ub.asked[a.conc] = now
	if a.even {
		ub.even++
		ub.evenUntil = now.Add(window)
	}
}

// leave undoes join and wakes the first request waiting for a slot (the
// limit may have risen).
func (ub *userBudget) leave(a ask, now time.Time, window time.Duration) {
	if ub.active[a.conc]--; ub.active[a.conc] <= 0 {
		delete(ub.active, a.conc)
	}
	ub.asked[a.conc] = now
	if a.even {
		ub.even--
		ub.evenUntil = now.Add(window)
	}
	ub.wakeHead()
}

// slotWaiter is a request waiting for a slot of its user.
type slotWaiter struct {
	// wake is closed (and cleared) when the waiter is at the head of the
	// queue and a slot may be free.
	wake chan struct{}
}

// wakeHead wakes the first request waiting for a slot, which takes it if
// the limit allows; a request that takes a slot wakes the next in turn.
func (ub *userBudget) wakeHead() {
	if len(ub.queue) > 0 && ub.queue[0].wake != nil {
		close(ub.queue[0].wake)
		ub.queue[0].wake = nil
	}
}

// dequeue removes a waiter that gives up (its context ended), waking the
// next one if it was first.
func (ub *userBudget) dequeue(w *slotWaiter) {
	for i, q := range ub.queue {
		if q == w {
			ub.queue = append(ub.queue[:i:i], ub.queue[i+1:]...)
			if i == 0 {
				ub.wakeHead()
			}
			return
		}
	}
}
