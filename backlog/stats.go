package backlog

import (
	"fmt"
	"sync"
	"time"
)

// Stats are request counters, per rate-limit class.
type Stats struct {
	Classes map[RateClass]ClassStats
}

// ClassStats counts the requests of one class.
type ClassStats struct {
	Requests    int64         // requests sent (every attempt, retries included)
	RateLimited int64         // 429 answers received
	Retries     int64         // attempts after the first (back-off and 429 retries)
	Waited      time.Duration // time spent waiting: pacing, resets, back-off, the per-user queue
	// RateLimitWaited is the part of Waited spent waiting for a reset that
	// a 429 answer imposed (the runs table's wait_seconds).
	RateLimitWaited time.Duration
}

// Total sums the classes.
func (s Stats) Total() ClassStats {
	var t ClassStats
	for _, c := range s.Classes {
		t.Requests += c.Requests
		t.RateLimited += c.RateLimited
		t.Retries += c.Retries
		t.Waited += c.Waited
		t.RateLimitWaited += c.RateLimitWaited
	}
	return t
}

// String formats the counters for a run table, e.g.
// "read: 1200 requests, 0 429s, 0 retries, waited 1m58s; …".
func (s Stats) String() string {
	out := ""
	for _, c := range []RateClass{RateRead, RateUpdate, RateSearch, RateIcon} {
		cs, ok := s.Classes[c]
		if !ok {
			continue
		}
		if out != "" {
			out += "; "
		}
		out += fmt.Sprintf("%s: %d requests, %d 429s, %d retries, waited %s", c, cs.Requests, cs.RateLimited, cs.Retries, cs.Waited.Round(time.Millisecond))
	}
	if out == "" {
		return "no requests"
	}
	return out
}

// statsCounter accumulates Stats safely.
type statsCounter struct {
	mu sync.Mutex
	m  map[RateClass]ClassStats
}

func newStatsCounter() statsCounter { return statsCounter{m: map[RateClass]ClassStats{}} }

func (s *statsCounter) add(class RateClass, f func(*ClassStats)) {
	if s == nil {
		return
	}
	s.mu.Lock()
	if s.m == nil {
		s.m = map[RateClass]ClassStats{}
	}
	c := s.m[class]
	f(&c)
	s.m[class] = c
	s.mu.Unlock()
}

func (s *statsCounter) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Stats{Classes: make(map[RateClass]ClassStats, len(s.m))}
	for k, v := range s.m {
		out.Classes[k] = v
	}
	return out
}
