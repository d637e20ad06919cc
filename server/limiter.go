package server

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// LimiterOptions tune the slow-down of failed sign-ins. The zero value
// uses the defaults.
type LimiterOptions struct {
	// Free is how many failures an address may have before it is slowed
	// down (default 5).
	Free int
	// Base is the first wait after Free failures; each further failure
	// doubles it (default 1s) up to Max (default 1 minute).
	Base, Max time.Duration
	// Forget is how long after its last failure an address starts afresh
	// (default 15 minutes).
	Forget time.Duration
	// MaxEntries bounds the addresses remembered (default 10,000); when
	// full, the one whose last failure is oldest is forgotten.
	MaxEntries int
}

// limiter slows down addresses with repeated failed sign-ins: after Free
// failures every request from the address is refused with 429 (without
// checking its credentials) until a wait that doubles with each further
// failure has passed. A success forgets the address. Memory is bounded by
// MaxEntries.
type limiter struct {
	o   LimiterOptions
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*failures
}

type failures struct {
	n     int
	last  time.Time // of the last failure
	until time.Time // refused before this
}

func newLimiter(o LimiterOptions, now func() time.Time) *limiter {
	if o.Free <= 0 {
		o.Free = 5
	}
	if o.Base <= 0 {
		o.Base = time.Second
	}
	if o.Max <= 0 {
		o.Max = time.Minute
	}
	if o.Forget <= 0 {
		o.Forget = 15 * time.Minute
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 10000
	}
	return &limiter{o: o, now: now, m: map[string]*failures{}}
}

// blocked returns how long ip must still wait (0: go ahead).
func (l *limiter) blocked(ip string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.m[ip]
	if f == nil {
		return 0
	}
	now := l.now()
	if now.Sub(f.last) >= l.o.Forget {
		delete(l.m, ip)
		return 0
	}
	if now.Before(f.until) {
		return f.until.Sub(now)
	}
	return 0
}

// fail records a failed sign-in from ip.
func (l *limiter) fail(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f := l.m[ip]
	if f != nil && now.Sub(f.last) >= l.o.Forget {
		f = nil
	}
	if f == nil {
		if len(l.m) >= l.o.MaxEntries {
			l.evict(now)
		}
		f = &failures{}
		l.m[ip] = f
	}
	f.n++
	f.last = now
	if over := f.n - l.o.Free; over > 0 {
		wait := l.o.Max
		if over < 32 {
			wait = min(l.o.Base<<(over-1), l.o.Max)
		}
		f.until = now.Add(wait)
	}
}

// success forgets ip's failures.
func (l *limiter) success(ip string) {
	l.mu.Lock()
	delete(l.m, ip)
	l.mu.Unlock()
}

// evict makes room: forgotten entries go, then the oldest failure.
func (l *limiter) evict(now time.Time) {
	var oldest string
	var at time.Time
	for ip, f := range l.m {
		if now.Sub(f.last) >= l.o.Forget {
			delete(l.m, ip)
			continue
		}
		if oldest == "" || f.last.Before(at) {
			oldest, at = ip, f.last
		}
	}
	if len(l.m) >= l.o.MaxEntries && oldest != "" {
		delete(l.m, oldest)
	}
}

// size is the number of addresses remembered.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// clientIP is the key of a request's client: its IP address, or the /64
// network of an IPv6 address (one host commonly holds a whole /64). The
// connection's address is used, not X-Forwarded-For, which any client can
// write; behind a reverse proxy every client shares the proxy's budget.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}
