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

// leave undoes join and wakes the requests waiting for a slot (the limit
// may have risen).
func (ub *userBudget) leave(a ask, now time.Time, window time.Duration) {
	if ub.active[a.conc]--; ub.active[a.conc] <= 0 {
		delete(ub.active, a.conc)
	}
	ub.asked[a.conc] = now
	if a.even {
		ub.even--
		ub.evenUntil = now.Add(window)
	}
	ub.wakeAll()
}

// wakeAll wakes the requests waiting for a slot.
func (ub *userBudget) wakeAll() {
	if ub.wake != nil {
		close(ub.wake)
		ub.wake = nil
	}
}
