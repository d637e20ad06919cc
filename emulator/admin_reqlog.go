package emulator

import (
	"net/http"
	"net/url"
	"sync"
	"time"
)

// LoggedRequest is one request the emulator answered, as kept in its request
// log (GET /_emulator/requests, Server.Requests). Secrets are not kept: the
// apiKey parameter is removed from Query.
type LoggedRequest struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Query  string    `json:"query"`
	Status int       `json:"status"`
	// Class is the rate-limit class ("read", "update", "search", "icon"), or
	// "" for requests outside the API (admin, OAuth, unknown paths).
	Class string `json:"class"`
}

// requestLog is a bounded ring of recent requests plus running totals.
type requestLog struct {
	mu    sync.Mutex
	ring  []LoggedRequest
	next  int
	full  bool
	total int64
}

func newRequestLog(n int) *requestLog { return &requestLog{ring: make([]LoggedRequest, n)} }

// add records a request; class < 0 means no class.
func (l *requestLog) add(r *http.Request, status int, class Class, now time.Time) {
	q := r.URL.Query()
	if q.Has("apiKey") {
		q.Del("apiKey")
	}
	e := LoggedRequest{Time: now, Method: r.Method, Path: r.URL.Path, Query: url.Values(q).Encode(), Status: status}
	if class >= 0 {
		e.Class = class.String()
	}
	l.mu.Lock()
	l.ring[l.next] = e
	l.next++
	if l.next == len(l.ring) {
		l.next, l.full = 0, true
	}
	l.total++
	l.mu.Unlock()
}

// list returns the logged requests, oldest first.
func (l *requestLog) list() []LoggedRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.full {
		return append([]LoggedRequest(nil), l.ring[:l.next]...)
	}
	out := append([]LoggedRequest(nil), l.ring[l.next:]...)
	return append(out, l.ring[:l.next]...)
}

// clear empties the log.
func (l *requestLog) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next, l.full, l.total = 0, false, 0
}

// Requests returns the most recent requests (up to 10,000), oldest first.
func (s *Server) Requests() []LoggedRequest { return s.reqlog.list() }

// ClearRequests empties the request log.
func (s *Server) ClearRequests() { s.reqlog.clear() }
