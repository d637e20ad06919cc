package backlog

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/backlogsync/backlogsync"
)

// A Governor keeps every request to Backlog within the per-user rate limits
// (behaviour.md §5). It holds one budget per (base URL, user, class), shared
// by every goroutine and every Client that uses the governor; by default all
// Clients of the process share DefaultGovernor, so two jobs on the same
// account draw from one budget.
//
// The governor learns each class's limit, remaining budget and reset time
// from the X-RateLimit-* headers of every response (and from GET /rateLimit,
// see Client.PrimeRateLimits). Backlog's limit is a budget per fixed window
// that resets at X-RateLimit-Reset, so by default (PaceWindow) the governor
// lets requests go as fast as the work and the concurrency limit allow while
// the window's budget lasts, then holds them until the window resets: a run
// takes the fixed-window floor (see WindowFloor), never a 429. PaceEven
// instead spreads what is left of a window's budget evenly over the time
// left, for servers shared with others who should not see a burst. It
// keeps a share of every window for the humans and other tools using the
// same account (GovernorConfig.MaxShare, Client option WithMaxShare); after
// a 429 it waits until X-RateLimit-Reset. Up to GovernorConfig.Concurrency
// requests of one user are in flight at once (default DefaultConcurrency),
// which hides Backlog's 100-400 ms latency. Every wait honours the
// request's context.
//
// A Client may ask for its own share, concurrency and pacing (WithMaxShare,
// WithConcurrency, WithPacing). The budget and the in-flight slots are the
// user's, so when clients of one user ask for different values the most
// cautious wins: each request keeps its own share of the window, but the
// smallest concurrency and PaceEven asked for by any request of the user
// that is waiting, in flight, or was made within the last Window apply to
// all of the user's requests. A client running alone gets what it asks.
//
// Users are identified by a SHA-256 of the API key (never the key itself)
// until the client learns the user's numeric id (Users.GetMyself), and from
// then on by that id, so two keys or OAuth tokens of one user share a budget.
type Governor struct {
	cfg GovernorConfig

	mu    sync.Mutex
	users map[string]*userBudget
	stats statsCounter
}

// GovernorConfig configures a Governor. Zero fields take the defaults.
type GovernorConfig struct {
	// Concurrency is how many requests of one user may be in flight at once
	// (default DefaultConcurrency; 1 makes them sequential). A Client's
	// WithConcurrency overrides it.
	Concurrency int
	// Pacing is how a window's budget is spent (default PaceWindow). A
	// Client's WithPacing overrides it.
	Pacing Pacing
	// MaxShare is the default fraction (0 < MaxShare ≤ 1) of each window's
	// budget that clients may use; the rest is left for humans using the same
	// account. Default 1. A Client's WithMaxShare overrides it.
	MaxShare float64
	// Window is the length of a rate-limit window (default one minute, as on
	// Backlog). The governor uses it to locate a window's end more precisely
	// than the whole seconds of X-RateLimit-Reset; it falls back to the header
	// when the two disagree.
	Window time.Duration
	// MaxWait caps a single wait for a reset (default two windows), so a
	// skewed or bogus reset time cannot stall a job for long.
	MaxWait time.Duration
}

// Defaults of GovernorConfig.
const (
	DefaultRateWindow = time.Minute
	// DefaultConcurrency bounds the requests of one user in flight at once
	// (backlogsync.DefaultConcurrency, which configuration files name).
	DefaultConcurrency = backlogsync.DefaultConcurrency
)

// Pacing is how a Governor spends a window's budget: the domain type
// backlogsync.Pacing, shared with configuration files and stored
// connections.
type Pacing = backlogsync.Pacing

// Pacings (see backlogsync.PaceWindow and backlogsync.PaceEven).
const (
	PaceWindow = backlogsync.PaceWindow // the default: spend the budget, then wait for the reset
	PaceEven   = backlogsync.PaceEven   // spread the budget evenly over the window
)

// NewGovernor returns a governor with its own budgets.
func NewGovernor(cfg GovernorConfig) *Governor {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.MaxShare <= 0 || cfg.MaxShare > 1 {
		cfg.MaxShare = 1
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultRateWindow
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 2 * cfg.Window
	}
	return &Governor{cfg: cfg, users: map[string]*userBudget{}, stats: newStatsCounter()}
}

var defaultGovernor = NewGovernor(GovernorConfig{})

// DefaultGovernor returns the process-wide governor that Clients use unless
// WithGovernor gives them another.
func DefaultGovernor() *Governor { return defaultGovernor }

// Config returns the governor's configuration with defaults filled in.
func (g *Governor) Config() GovernorConfig { return g.cfg }

// Stats returns the governor's counters over all users and clients.
func (g *Governor) Stats() Stats { return g.stats.snapshot() }

// Budget returns the governor's current view of one class's budget for the
// user a client authenticates as: Limit and Reset as last reported (zero when
// unknown) and Remaining as estimated locally.
func (g *Governor) Budget(c *Client, class RateClass) Rate {
	g.mu.Lock()
	defer g.mu.Unlock()
	ub := g.users[c.budgetKey()]
	if ub == nil {
		return Rate{Class: class}
	}
	b := &ub.classes[classIndex(class)]
	r := Rate{Class: class, Limit: b.limit, Remaining: b.remaining, Reset: b.hdrReset}
	if !b.known {
		r.Remaining = b.limit
	}
	return r
}

// userBudget is the state of one (base URL, user).
type userBudget struct {
	classes [numRateClasses]classBudget
	// held counts the requests in flight, at most limit().
	held int
	// active counts, by the concurrency they ask for, the requests between
	// acquire and release (waiting or in flight); asked is when a request
	// last asked for each concurrency (joined or left).
	active map[int]int
	asked  map[int]time.Time
	// evenUntil is a Window after the last request asking for PaceEven
	// joined or left; even counts those waiting or in flight.
	evenUntil time.Time
	even      int
	// queue holds the requests waiting for a slot, first come first
	// served: a slot freed goes to its head, never to a request that asks
	// after it (governor_slots.go).
	queue []*slotWaiter
}

const numRateClasses = 4

func classIndex(c RateClass) int {
	switch c {
	case RateUpdate:
		return 1
	case RateSearch:
		return 2
	case RateIcon:
		return 3
	}
	return 0
}

// classBudget is what the governor knows about one class's window. Times
// are local clock readings.
type classBudget struct {
	limit     int // requests per window; 0 = unknown (no pacing)
	remaining int // local estimate of the budget left in this window
	// minSeen is the lowest X-RateLimit-Remaining answered in this window:
	// every request the server counted after that one is still in flight,
	// so minSeen − inflight is a safe and, once the answers are in, exact
	// estimate of what is left.
	minSeen  int
	known    bool      // a window is in progress and the fields below hold
	hdrReset time.Time // the window's X-RateLimit-Reset (kept after it ends, to spot stale answers)
	paceEnd  time.Time // spend the budget by then (a conservative estimate of the window's end)
	safeEnd  time.Time // the window has certainly ended by then
	opened   time.Time // when the first request of a not-yet-confirmed window was reserved
	lastSlot time.Time // send time reserved for the previous request
	inflight int       // requests reserved but not yet answered
	epoch    int       // bumped whenever a window ends, to discard refunds from older ones
	// blockedUntil holds every request back after a 429 that came without
	// rate-limit headers.
	blockedUntil time.Time
	// limitedUntil is when the wait that the last 429 imposed ends: time
	// spent waiting before it counts as ClassStats.RateLimitWaited.
	limitedUntil time.Time
}

// user returns the budget of key, creating it.
func (g *Governor) user(key string) *userBudget {
	ub := g.users[key]
	if ub == nil {
		ub = &userBudget{active: map[int]int{}, asked: map[int]time.Time{}}
		g.users[key] = ub
	}
	return ub
}

// rollover ends b's window if it is over at now.
func (b *classBudget) rollover(now time.Time) {
	if b.known && !now.Before(b.safeEnd) {
		b.known = false
		b.remaining = b.limit
		b.opened = time.Time{}
		b.lastSlot = time.Time{}
		b.epoch++
	}
}

// reserve returns a share of the limit kept for humans.
func reserve(limit int, share float64) int {
	if share >= 1 || limit <= 0 {
		return 0
	}
	keep := limit - int(float64(limit)*share)
	if keep >= limit {
		keep = limit - 1 // always allow at least one request per window
	}
	return keep
}

// ticket is one request's passage through the governor.
type ticket struct {
	g      *Governor
	ub     *userBudget
	class  RateClass
	epoch  int
	ask    ask
	stats  []*statsCounter
	sent   time.Time
	joined bool // counted in the user's active requests
	held   bool // holds an in-flight slot
	booked bool // counted in the class's inflight
	once   sync.Once
}

// acquire waits until a request of class may be sent for the user key and
// reserves it: it paces within the window, waits out an exhausted window,
// and takes one of the user's in-flight slots. The caller must call
// t.sentAt, then t.observe with the answer (if any) and t.release.
func (g *Governor) acquire(ctx context.Context, key string, class RateClass, a ask, stats *statsCounter) (*ticket, error) {
	share := a.share
	if share <= 0 || share > 1 {
		share = g.cfg.MaxShare
	}
	if a.conc <= 0 {
		a.conc = g.cfg.Concurrency
	}
	t := &ticket{g: g, class: class, ask: a, stats: []*statsCounter{&g.stats, stats}}
	start := time.Now()
	var after429 time.Duration // the part of the wait a 429 imposed
	defer func() { t.addWait(time.Since(start), after429) }()
	g.mu.Lock()
	ub := g.user(key)
	ub.join(a, time.Now(), g.cfg.Window)
	t.ub, t.joined = ub, true
	g.mu.Unlock()
	for {
		g.mu.Lock()
		b := &ub.classes[classIndex(class)]
		now := time.Now()
		b.rollover(now)
		wait := b.blockedUntil.Sub(now)
		if wait <= 0 && b.limit > 0 {
			allowed := b.remaining - reserve(b.limit, share)
			if !b.known {
				if b.opened.IsZero() {
					b.opened = now
					b.paceEnd = now.Add(g.cfg.Window)
					b.safeEnd = b.paceEnd
				}
			}
			switch {
			case allowed <= 0 && b.known:
				wait = b.safeEnd.Sub(now)
			case allowed <= 0:
				// An unconfirmed window used up by concurrent requests: wait
				// for an answer to tell the real reset.
				wait = max(b.paceEnd.Sub(now), 10*time.Millisecond)
			case !b.lastSlot.IsZero() && ub.paceEven(a, now):
				slot := b.lastSlot.Add(b.paceEnd.Sub(b.lastSlot) / time.Duration(allowed+1))
				wait = slot.Sub(now)
				if wait > 0 && allowed > 0 && wait < time.Millisecond {
					wait = 0
				}
			}
			if wait <= 0 {
				b.remaining--
				b.lastSlot = now
			}
		}
		if wait <= 0 {
			b.inflight++
			t.booked = true
			t.epoch = b.epoch
			g.mu.Unlock()
			break
		}
		epoch := b.epoch
		capped := wait > g.cfg.MaxWait
		limited := now.Before(b.limitedUntil)
		g.mu.Unlock()
		if capped {
			wait = g.cfg.MaxWait
		}
		slept := time.Now()
		err := sleepCtx(ctx, wait)
		if limited {
			after429 += time.Since(slept)
		}
		if err != nil {
			t.release()
			return nil, err
		}
		if capped {
			// The reset is implausibly far away (a skewed clock?): give up on
			// it and let the server tell again.
			g.mu.Lock()
			if b.epoch == epoch && b.known {
				b.safeEnd = time.Now()
			}
			g.mu.Unlock()
		}
	}
	var w *slotWaiter
	for {
		g.mu.Lock()
		if ub.held < ub.limit(g.cfg.Concurrency, time.Now(), g.cfg.Window) && (len(ub.queue) == 0 || ub.queue[0] == w) {
			if w != nil {
				ub.queue = ub.queue[1:]
			}
			ub.held++
			t.held = true
			ub.wakeHead() // another slot may be free for the next
			g.mu.Unlock()
			return t, nil
		}
		if w == nil {
			w = &slotWaiter{}
			ub.queue = append(ub.queue, w)
		}
		w.wake = make(chan struct{})
		wake := w.wake
		g.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			g.mu.Lock()
			ub.dequeue(w)
			g.mu.Unlock()
			t.refund()
			t.release()
			return nil, ctx.Err()
		}
	}
}

// addWait records time spent waiting, of which after429 after a 429.
func (t *ticket) addWait(d, after429 time.Duration) {
	for _, s := range t.stats {
		s.add(t.class, func(c *ClassStats) { c.Waited += d; c.RateLimitWaited += after429 })
	}
}

// refund gives back a reservation whose request was never sent.
func (t *ticket) refund() {
	g := t.g
	g.mu.Lock()
	defer g.mu.Unlock()
	b := &t.ub.classes[classIndex(t.class)]
	if t.booked {
		b.inflight--
		t.booked = false
		if b.limit > 0 && b.epoch == t.epoch {
			b.remaining++
		}
	}
}

// sentAt records that the request is being sent now.
func (t *ticket) sentAt(now time.Time) {
	t.sent = now
	for _, s := range t.stats {
		s.add(t.class, func(c *ClassStats) { c.Requests++ })
	}
}

// observe learns from an answer's X-RateLimit-* headers, received at recv.
func (t *ticket) observe(h http.Header, status int, recv time.Time) {
	rate := parseRate(h, t.class)
	limited := status == http.StatusTooManyRequests
	if limited {
		for _, s := range t.stats {
			s.add(t.class, func(c *ClassStats) { c.RateLimited++ })
		}
	}
	g := t.g
	g.mu.Lock()
	defer g.mu.Unlock()
	b := &t.ub.classes[classIndex(t.class)]
	if t.booked {
		b.inflight--
		t.booked = false
	}
	window := g.cfg.Window
	if rate.Limit <= 0 || rate.Reset.IsZero() {
		if limited {
			// A 429 without a usable reset: wait a window, as Nulab advises.
			b.blockedUntil = laterOf(b.blockedUntil, recv.Add(window))
			b.limitedUntil = laterOf(b.limitedUntil, b.blockedUntil)
		}
		return
	}
	b.limit = rate.Limit
	R := rate.Reset
	switch {
	case !b.hdrReset.IsZero() && R.Before(b.hdrReset):
		// An answer from an older window, overtaken by newer ones.
	case !R.Equal(b.hdrReset) || !b.known:
		if R.Equal(b.hdrReset) && !b.known {
			// The window we thought over is still going (clock rounding).
			b.epoch++
		}
		b.known = true
		b.hdrReset = R
		b.opened = time.Time{}
		b.minSeen = rate.Remaining
		b.remaining = rate.Remaining - b.inflight
		b.paceEnd, b.safeEnd = R.Add(-time.Second), R
		if b.paceEnd.Before(recv) {
			b.paceEnd = R
		}
		if b.lastSlot.IsZero() || b.lastSlot.After(t.sent) {
			b.lastSlot = t.sent
		}
		fallthrough
	default:
		// The answers of concurrent requests arrive in any order: the first
		// one seen in a window may have been counted after others still in
		// flight, so an estimate taken from it alone stays too low for the
		// rest of the window (it left Concurrency−1 requests of every window
		// unused). Each answer recomputes it from the lowest Remaining seen.
		b.minSeen = min(b.minSeen, rate.Remaining)
		b.remaining = b.minSeen - b.inflight
		if rate.Remaining == rate.Limit-1 && !limited && !t.sent.IsZero() {
			// This request opened the window: it ends Window after it reached
			// the server, between t.sent and recv. Trust that over the
			// whole-second header when the two agree.
			early, late := t.sent.Add(window), recv.Add(window)
			if !early.After(R) && late.After(R.Add(-time.Second)) {
				b.paceEnd = early
				b.safeEnd = minTime(late, R)
			}
		}
		if limited {
			b.remaining = 0
			b.safeEnd = laterOf(b.safeEnd, rateLimitedUntil(h, R, recv, window))
			b.paceEnd = b.safeEnd
			b.limitedUntil = laterOf(b.limitedUntil, b.safeEnd)
		}
	}
}

// release frees the in-flight slot and ends the request's say in the
// user's concurrency and pacing; it is safe to call more than once.
func (t *ticket) release() {
	if t == nil {
		return
	}
	t.once.Do(func() {
		t.g.mu.Lock()
		defer t.g.mu.Unlock()
		if t.booked {
			// No answer arrived (transport error): the server may or may not
			// have counted the request; keep the budget spent.
			t.ub.classes[classIndex(t.class)].inflight--
			t.booked = false
		}
		if t.held {
			t.ub.held--
			t.held = false
			t.ub.wakeHead()
		}
		if t.joined {
			t.ub.leave(t.ask, time.Now(), t.g.cfg.Window)
			t.joined = false
		}
	})
}

// prime feeds the budgets of GET /rateLimit into the user's state. Limits
// are always taken; a class's remaining budget and reset only while its
// window is in progress (remaining < limit), because an idle class's reset
// is a guess until its first request.
func (g *Governor) prime(key string, rl *RateLimits, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ub := g.user(key)
	for _, r := range []Rate{rl.Read, rl.Update, rl.Search, rl.Icon} {
		if r.Limit <= 0 {
			continue
		}
		b := &ub.classes[classIndex(r.Class)]
		b.limit = r.Limit
		if r.Remaining < r.Limit && r.Reset.After(now) && (b.hdrReset.IsZero() || !r.Reset.Before(b.hdrReset)) {
			b.known = true
			b.hdrReset = r.Reset
			b.minSeen = r.Remaining
			b.remaining = r.Remaining - b.inflight
			b.paceEnd, b.safeEnd = r.Reset.Add(-time.Second), r.Reset
			if b.paceEnd.Before(now) {
				b.paceEnd = r.Reset
			}
			if b.lastSlot.IsZero() {
				b.lastSlot = now
			}
		}
	}
}

// rateLimitedUntil is when to try again after a 429 received at recv whose
// X-RateLimit-Reset is R: R itself when it lies ahead; otherwise our clock
// runs ahead of the server's (or the server is confused), so wait as long as
// the server's Date says is left, or a window when there is no Date.
func rateLimitedUntil(h http.Header, R, recv time.Time, window time.Duration) time.Time {
	if R.After(recv) {
		return R
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		return recv.Add(max(R.Sub(date)+time.Second, time.Second))
	}
	return recv.Add(window)
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
