package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Class is a Backlog rate-limit class (behaviour.md §5).
type Class int

// Rate-limit classes. Every API route belongs to exactly one. Backlog
// documents no HEAD; the emulator answers HEAD on a GET route as that GET
// without a body (RFC 9110), so it is counted in the GET's class: HEAD
// /issues is a search, as backlog.ClassOf counts it too.
const (
	ClassRead   Class = iota // every GET that is not search or icon
	ClassUpdate              // POST, PUT, PATCH, DELETE
	ClassSearch              // GET /issues, /issues/count, /wikis, /wikis/count
	ClassIcon                // space, user, project and team images
	numClasses
)

// String returns the class name used by GET /rateLimit.
func (c Class) String() string {
	switch c {
	case ClassRead:
		return "read"
	case ClassUpdate:
		return "update"
	case ClassSearch:
		return "search"
	case ClassIcon:
		return "icon"
	}
	return "unknown"
}

// RateLimits are the per-window request budgets of one user, per class. A zero
// value for a class means unlimited.
type RateLimits struct {
	Read, Update, Search, Icon int
}

func (l RateLimits) of(c Class) int {
	switch c {
	case ClassRead:
		return l.Read
	case ClassUpdate:
		return l.Update
	case ClassSearch:
		return l.Search
	case ClassIcon:
		return l.Icon
	}
	return 0
}

// Rate-limit profiles. Paid numbers are Backlog's documented paid-plan limits
// per minute; Backlog does not publish the free plan's, so FreeLimits is an
// assumption ("lower"), chosen at a quarter of the paid budget.
var (
	PaidLimits = RateLimits{Read: 600, Update: 150, Search: 150, Icon: 60}
	FreeLimits = RateLimits{Read: 150, Update: 40, Search: 40, Icon: 15}
)

// ParseRateProfile maps "paid", "free" and "off" to limits; off reports
// unlimited (the zero RateLimits and ok=true).
func ParseRateProfile(name string) (RateLimits, error) {
	switch strings.ToLower(name) {
	case "paid", "":
		return PaidLimits, nil
	case "free":
		return FreeLimits, nil
	case "off", "none":
		return RateLimits{}, nil
	}
	return RateLimits{}, fmt.Errorf("unknown rate-limit profile %q: use paid, free or off", name)
}

// limiter counts requests per (user, class) in fixed windows that start at a
// user's first counted request of that class, as Backlog's announcement
// describes: a window lasts Window from its first request, then the budget
// is restored in full.
type limiter struct {
	mu     sync.Mutex
	limits RateLimits
	window time.Duration
	state  map[limitKey]*bucket
}

type limitKey struct {
	user  int64
	class Class
}

type bucket struct {
	start time.Time
	used  int
}

// rateState is what one class's budget looks like to one user.
type rateState struct {
	Limit     int   // UnlimitedReport for a class without a limit
	Remaining int   // requests left in the current window
	Reset     int64 // UNIX seconds when the window ends
}

func newLimiter(l RateLimits, window time.Duration) *limiter {
	if window <= 0 {
		window = time.Minute
	}
	return &limiter{limits: l, window: window, state: map[limitKey]*bucket{}}
}

// setLimits replaces the limits (admin route); counts are kept.
func (l *limiter) setLimits(rl RateLimits, window time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limits = rl
	if window > 0 {
		l.window = window
	}
}

// take counts one request of class c by user uid at now and reports the state
// after it; ok is false when the budget was already exhausted (the request is
// then not counted).
func (l *limiter) take(uid int64, c Class, now time.Time) (rateState, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.peekLocked(uid, c, now, true)
}

// peek reports the state without counting.
func (l *limiter) peek(uid int64, c Class, now time.Time) rateState {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, _ := l.peekLocked(uid, c, now, false)
	return st
}

// peekLocked reports (and with count, takes) one request of class c. A class
// without a limit is reported with the limit UnlimitedReport, as Backlog
// always reports one, and never refuses.
func (l *limiter) peekLocked(uid int64, c Class, now time.Time, count bool) (rateState, bool) {
	limit := l.limits.of(c)
	k := limitKey{uid, c}
	b := l.state[k]
	if b == nil || !now.Before(b.start.Add(l.window)) {
		if !count {
			reported := limit
			if limit == 0 {
				reported = UnlimitedReport
			}
			return rateState{Limit: reported, Remaining: reported, Reset: resetSeconds(now.Add(l.window))}, true
		}
		b = &bucket{start: now}
		l.state[k] = b
	}
	reset := resetSeconds(b.start.Add(l.window))
	if limit == 0 {
		if count {
			b.used++
		}
		return rateState{Limit: UnlimitedReport, Remaining: max(UnlimitedReport-b.used, 0), Reset: reset}, true
	}
	if b.used >= limit {
		return rateState{Limit: limit, Remaining: 0, Reset: reset}, false
	}
	if count {
		b.used++
	}
	return rateState{Limit: limit, Remaining: limit - b.used, Reset: reset}, true
}

// resetSeconds rounds a window end up to the next whole second, so that a
// client sleeping until X-RateLimit-Reset never wakes inside the old window.
func resetSeconds(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// reset forgets every count (admin route).
func (l *limiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.state = map[limitKey]*bucket{}
}

// requestClass is the rate-limit class of a request (and of the route
// handle registers): writes are update, the issue and wiki searches search,
// icons and images icon, everything else read. HEAD is classed as GET.
func requestClass(method, path string) Class {
	class := ClassRead
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		class = ClassUpdate
	}
	switch path {
	case "/api/v2/issues", "/api/v2/issues/count", "/api/v2/wikis", "/api/v2/wikis/count":
		if method == http.MethodGet || method == http.MethodHead {
			class = ClassSearch
		}
	}
	if strings.HasSuffix(path, "/icon") || strings.HasSuffix(path, "/image") {
		class = ClassIcon
	}
	return class
}
