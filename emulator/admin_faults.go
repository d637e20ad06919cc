package emulator

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind names what an injected fault does to a matching request.
type FaultKind string

// Fault kinds.
const (
	// FaultStatus answers with Status (e.g. 500, 502, 503, 429) and Backlog's
	// error body instead of calling the API; a 429 carries code 13 and the
	// X-RateLimit headers.
	FaultStatus FaultKind = "status"
	// FaultLatency waits Delay, then serves the request normally (or lets a
	// later terminal rule answer it).
	FaultLatency FaultKind = "latency"
	// FaultReset closes the connection abruptly before any response byte
	// (TCP RST over HTTP/1.1, a stream reset over HTTP/2, a RoundTrip error
	// in the in-process transport).
	FaultReset FaultKind = "reset"
	// FaultTruncate sends the real status, headers and Content-Length but only
	// Bytes bytes of the body (default: half), then aborts the connection.
	FaultTruncate FaultKind = "truncate"
	// FaultSlow sends the real response in ChunkSize-byte chunks with Delay
	// between chunks.
	FaultSlow FaultKind = "slow"
)

// Defaults of the slow fault.
const (
	DefaultSlowChunk = 64
	DefaultSlowDelay = 100 * time.Millisecond
)

// FaultRule injects a fault into the requests it matches. Rules are
// evaluated in the order they were added: every matching latency rule that
// fires adds its delay, and the first terminal rule (status, reset, truncate,
// slow) that fires answers the request; rules after it do not see the
// request. Requests under /_emulator/ are never faulted.
//
// Whether a matching request fires is deterministic: the rule counts its
// matching requests (n = 1, 2, …); requests n ≤ After never fire; of the rest,
// only every Every-th fires (Every ≤ 1: each one); of those, each fires with
// Probability drawn from a generator seeded with Seed (0 or 1: always); and
// the rule stops firing after Times fires (0: unlimited).
type FaultRule struct {
	// ID identifies the rule (assigned when added).
	ID int64
	// Method restricts the rule to one HTTP method ("" = any).
	Method string
	// Path is a pattern of the request path: "*" matches any run of
	// characters except "/", "**" any run including "/", and a pattern
	// ending in a single "*" is a prefix ("/api/v2/issues*" matches
	// /api/v2/issues, /api/v2/issues/count and /api/v2/issues/BLG-1/comments).
	// A pattern without "*" matches the path exactly; "" matches every path.
	Path string
	// Kind is what the fault does.
	Kind FaultKind
	// Status is the HTTP status of a status fault (400–599).
	Status int
	// Delay is the wait of a latency fault, or the pause between the chunks
	// of a slow fault (default DefaultSlowDelay).
	Delay time.Duration
	// ChunkSize is the chunk length of a slow fault (default DefaultSlowChunk).
	ChunkSize int
	// Bytes is how much of the body a truncate fault sends (0 = half).
	Bytes int
	// After, Every, Times, Probability and Seed decide which matching
	// requests fire (see FaultRule).
	After, Every, Times int
	Probability         float64
	Seed                int64

	// Matched and Fired count the matching requests and the fires so far.
	Matched, Fired int
}

// faultRuleJSON is the wire form of a FaultRule (admin routes). Durations are
// strings such as "250ms" or numbers of milliseconds.
type faultRuleJSON struct {
	ID          int64           `json:"id"`
	Method      string          `json:"method,omitempty"`
	Path        string          `json:"path"`
	Kind        FaultKind       `json:"kind"`
	Status      int             `json:"status,omitempty"`
	Delay       json.RawMessage `json:"delay,omitempty"`
	Latency     json.RawMessage `json:"latency,omitempty"` // alias of delay
	ChunkSize   int             `json:"chunkSize,omitempty"`
	Bytes       int             `json:"bytes,omitempty"`
	After       int             `json:"after,omitempty"`
	Every       int             `json:"every,omitempty"`
	Times       int             `json:"times,omitempty"`
	Probability float64         `json:"probability,omitempty"`
	Seed        int64           `json:"seed,omitempty"`
	Matched     int             `json:"matched"`
	Fired       int             `json:"fired"`
}

// MarshalJSON encodes the rule with its delay as a Go duration string.
func (f FaultRule) MarshalJSON() ([]byte, error) {
	w := faultRuleJSON{ID: f.ID, Method: f.Method, Path: f.Path, Kind: f.Kind, Status: f.Status,
		ChunkSize: f.ChunkSize, Bytes: f.Bytes, After: f.After, Every: f.Every, Times: f.Times,
		Probability: f.Probability, Seed: f.Seed, Matched: f.Matched, Fired: f.Fired}
	if f.Delay != 0 {
		w.Delay, _ = json.Marshal(f.Delay.String())
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes a rule; unknown fields are errors so that typos do
// not silently produce a rule that matches everything.
func (f *FaultRule) UnmarshalJSON(data []byte) error {
	var w faultRuleJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	raw := w.Delay
	if len(raw) == 0 {
		raw = w.Latency
	}
	var d time.Duration
	if len(raw) > 0 {
		var err error
		if d, err = parseJSONDuration(raw); err != nil {
			return fmt.Errorf("delay: %w", err)
		}
	}
	*f = FaultRule{ID: w.ID, Method: w.Method, Path: w.Path, Kind: w.Kind, Status: w.Status, Delay: d,
		ChunkSize: w.ChunkSize, Bytes: w.Bytes, After: w.After, Every: w.Every, Times: w.Times,
		Probability: w.Probability, Seed: w.Seed}
	return nil
}

// parseJSONDuration accepts "1.5s"-style strings and numbers of milliseconds.
func parseJSONDuration(raw json.RawMessage) (time.Duration, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return time.ParseDuration(s)
	}
	var ms float64
	if err := json.Unmarshal(raw, &ms); err != nil {
		return 0, fmt.Errorf("want a duration such as \"250ms\" or a number of milliseconds, got %s", raw)
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}

// normalize validates the rule and fills in defaults.
func (f *FaultRule) normalize() error {
	f.Method = strings.ToUpper(strings.TrimSpace(f.Method))
	if f.Path != "" && !strings.HasPrefix(f.Path, "/") && !strings.HasPrefix(f.Path, "*") {
		return fmt.Errorf("path %q: a pattern starts with / or *", f.Path)
	}
	if f.After < 0 || f.Every < 0 || f.Times < 0 || f.Bytes < 0 || f.ChunkSize < 0 || f.Delay < 0 {
		return errors.New("after, every, times, bytes, chunkSize and delay cannot be negative")
	}
	if f.Probability < 0 || f.Probability > 1 {
		return fmt.Errorf("probability %v: want a number from 0 to 1", f.Probability)
	}
	switch f.Kind {
	case FaultStatus:
		if f.Status < 400 || f.Status > 599 {
			return fmt.Errorf("status %d: a status fault needs a status from 400 to 599 (e.g. 500, 502, 503, 429)", f.Status)
		}
	case FaultLatency:
		if f.Delay <= 0 {
			return errors.New("a latency fault needs a positive delay (e.g. \"delay\": \"2s\")")
		}
	case FaultReset, FaultTruncate:
	case FaultSlow:
		if f.ChunkSize == 0 {
			f.ChunkSize = DefaultSlowChunk
		}
		if f.Delay == 0 {
			f.Delay = DefaultSlowDelay
		}
	case "":
		return errors.New("kind is required: status, latency, reset, truncate or slow")
	default:
		return fmt.Errorf("kind %q: want status, latency, reset, truncate or slow", f.Kind)
	}
	return nil
}

// faultSet holds injected faults.
type faultSet struct {
	mu     sync.Mutex
	rules  []*faultEntry
	nextID int64
}

type faultEntry struct {
	rule FaultRule
	rng  *rand.Rand
}

func newFaultSet() *faultSet { return &faultSet{nextID: 1} }

// add validates and appends a rule and returns it with its id.
func (f *faultSet) add(r FaultRule) (FaultRule, error) {
	if err := r.normalize(); err != nil {
		return FaultRule{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r.ID, r.Matched, r.Fired = f.nextID, 0, 0
	f.nextID++
	f.rules = append(f.rules, &faultEntry{rule: r, rng: rand.New(rand.NewPCG(uint64(r.Seed), 0x9e3779b97f4a7c15))})
	return r, nil
}

// list returns copies of the rules with their counters.
func (f *faultSet) list() []FaultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FaultRule, 0, len(f.rules))
	for _, e := range f.rules {
		out = append(out, e.rule)
	}
	return out
}

// remove deletes one rule and reports whether it existed.
func (f *faultSet) remove(id int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, e := range f.rules {
		if e.rule.ID == id {
			f.rules = append(f.rules[:i], f.rules[i+1:]...)
			return true
		}
	}
	return false
}

// clear deletes every rule.
func (f *faultSet) clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
}

// pick counts the request against the matching rules and returns the total
// latency to add and the terminal rule that fires, if any.
func (f *faultSet) pick(method, path string) (time.Duration, *FaultRule) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var delay time.Duration
	for _, e := range f.rules {
		r := &e.rule
		if r.Method != "" && r.Method != method && !(r.Method == http.MethodGet && method == http.MethodHead) {
			continue
		}
		if !globMatch(r.Path, path) {
			continue
		}
		r.Matched++
		if !e.fires() {
			continue
		}
		r.Fired++
		if r.Kind == FaultLatency {
			delay += r.Delay
			continue
		}
		fired := *r
		return delay, &fired
	}
	return delay, nil
}

// fires decides whether the rule fires for its r.Matched-th matching request.
func (e *faultEntry) fires() bool {
	r := &e.rule
	n := r.Matched - r.After
	if n <= 0 {
		return false
	}
	if r.Every > 1 && n%r.Every != 0 {
		return false
	}
	if r.Probability > 0 && r.Probability < 1 && e.rng.Float64() >= r.Probability {
		return false
	}
	return r.Times == 0 || r.Fired < r.Times
}

// globMatch matches a FaultRule path pattern (see FaultRule.Path).
func globMatch(pat, s string) bool {
	if pat == "" {
		return true
	}
	if strings.HasSuffix(pat, "*") && !strings.HasSuffix(pat, "**") {
		pat += "*" // a trailing single * is a prefix pattern
	}
	// Backtracking over the segments between stars, with the usual
	// last-star restart; "**" may cross "/", "*" may not.
	return globAt(pat, s)
}

func globAt(pat, s string) bool {
	for len(pat) > 0 {
		if pat[0] != '*' {
			if len(s) == 0 || s[0] != pat[0] {
				return false
			}
			pat, s = pat[1:], s[1:]
			continue
		}
		deep := strings.HasPrefix(pat, "**")
		rest := strings.TrimLeft(pat, "*")
		for i := 0; i <= len(s); i++ {
			if globAt(rest, s[i:]) {
				return true
			}
			if i < len(s) && s[i] == '/' && !deep {
				return false
			}
		}
		return false
	}
	return len(s) == 0
}

// serve answers a non-admin request, injecting the faults that fire.
func (f *faultSet) serve(s *Server, w *statusRecorder, r *http.Request) {
	delay, rule := f.pick(r.Method, r.URL.Path)
	if delay > 0 && !sleepCtx(r.Context(), delay) {
		return // the client went away
	}
	if rule == nil {
		s.serveAPI(w, r)
		return
	}
	switch rule.Kind {
	case FaultStatus:
		s.writeFaultStatus(w, r, rule)
		s.reqlog.add(r, w.status, requestClass(r.Method, r.URL.Path), s.now())
	case FaultReset:
		s.reqlog.add(r, 0, requestClass(r.Method, r.URL.Path), s.now())
		abortConnection(w)
	case FaultTruncate, FaultSlow:
		buf := &bufferWriter{header: http.Header{}, status: http.StatusOK}
		s.serveAPI(&statusRecorder{ResponseWriter: buf, status: http.StatusOK}, r)
		for k, v := range buf.header {
			w.Header()[k] = v
		}
		body := buf.body.Bytes()
		if r.Method == http.MethodHead {
			w.WriteHeader(buf.status)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(buf.status)
		if rule.Kind == FaultTruncate {
			n := rule.Bytes
			if n == 0 || n >= len(body) {
				n = len(body) / 2
			}
			_, _ = w.Write(body[:n])
			w.Flush()
			panic(http.ErrAbortHandler) // the server closes the connection mid-body
		}
		for len(body) > 0 {
			n := min(rule.ChunkSize, len(body))
			if _, err := w.Write(body[:n]); err != nil {
				return
			}
			w.Flush()
			body = body[n:]
			if len(body) > 0 && !sleepCtx(r.Context(), rule.Delay) {
				panic(http.ErrAbortHandler)
			}
		}
	}
}

// writeFaultStatus writes the error of a status fault.
func (s *Server) writeFaultStatus(w http.ResponseWriter, r *http.Request, rule *FaultRule) {
	e := &apiError{Status: rule.Status, MoreInfo: fmt.Sprintf("injected by emulator fault rule %d", rule.ID)}
	switch rule.Status {
	case http.StatusTooManyRequests:
		class := requestClass(r.Method, r.URL.Path)
		s.limiter.mu.Lock()
		limit, window := s.limiter.limits.of(class), s.limiter.window
		s.limiter.mu.Unlock()
		if limit == 0 {
			limit = PaidLimits.of(class)
		}
		reset := resetSeconds(s.now().Add(window))
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
		e.Code = CodeTooManyRequests
		e.Message = fmt.Sprintf("Rate limit exceeded for %s requests. Please retry after %s.", class,
			time.Unix(reset, 0).UTC().Format(time.RFC3339))
	case http.StatusBadRequest:
		e.Code, e.Message = CodeInvalidRequest, "Invalid request."
	case http.StatusUnauthorized:
		e.Code, e.Message = CodeAuthentication, "Authentication failure."
	case http.StatusForbidden:
		e.Code, e.Message = CodeUnauthorizedOperation, "You do not have permission to perform this operation."
	case http.StatusNotFound:
		e.Code, e.Message = CodeNoResource, "No resource."
	default:
		e.Code = CodeInternal
		e.Message = http.StatusText(rule.Status) + "."
		if e.Message == "." {
			e.Message = "Internal error."
		}
	}
	s.writeError(w, e)
}

// abortConnection closes the client connection abruptly: a hijacked TCP
// connection is closed with SO_LINGER 0 (the client sees a reset);
// otherwise (HTTP/2, in-process) the handler panics with
// http.ErrAbortHandler.
func abortConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if tc, ok := conn.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tc, ok := raw.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// sleepCtx waits d or until ctx ends; it reports whether d elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// bufferWriter is an http.ResponseWriter that keeps the response in memory
// (the truncate and slow faults reshape it afterwards).
type bufferWriter struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if !b.wrote {
		b.status, b.wrote = code, true
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	b.wrote = true
	return b.body.Write(p)
}

// errConnectionReset is the in-process transport's error for a reset fault.
var errConnectionReset = errors.New("emulator: connection reset by injected fault")

// errReader is a reader that always fails with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// serveCatchingAbort runs h and reports whether it aborted with
// http.ErrAbortHandler; other panics propagate.
func serveCatchingAbort(h http.Handler, w http.ResponseWriter, r *http.Request) (aborted bool) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			aborted = true
		}
	}()
	h.ServeHTTP(w, r)
	return false
}

// AddFault adds a fault rule and returns it with its id.
func (s *Server) AddFault(r FaultRule) (FaultRule, error) { return s.faults.add(r) }

// Faults lists the fault rules with their counters.
func (s *Server) Faults() []FaultRule { return s.faults.list() }

// RemoveFault deletes one fault rule and reports whether it existed.
func (s *Server) RemoveFault(id int64) bool { return s.faults.remove(id) }

// ClearFaults deletes every fault rule.
func (s *Server) ClearFaults() { s.faults.clear() }
