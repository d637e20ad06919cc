package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a Server. The zero value serves a small generated space
// with paid-plan rate limits and a one-minute window.
type Options struct {
	// Seed makes the generated space deterministic.
	Seed int64
	// Size sets how much is generated; the zero value means DefaultSize.
	Size Size
	// Empty skips generation: the space holds only the administrator.
	Empty bool
	// AdminAPIKey fixes the administrator's API key (otherwise derived from Seed).
	AdminAPIKey string
	// RateLimits per user per window; the zero value means unlimited. Use
	// PaidLimits, FreeLimits or ParseRateProfile.
	RateLimits RateLimits
	// RateWindow is the length of a rate-limit window (default one minute).
	RateWindow time.Duration
	// InclusiveIDBounds makes minId/maxId inclusive. Backlog does not
	// document this; the default treats them as exclusive bounds.
	InclusiveIDBounds bool
	// WebURL is the space's public web URL used in Location headers, star
	// URLs and repository URLs (default https://<spaceKey>.backlog.com).
	WebURL string
	// SpaceKey is the space key (default "demo").
	SpaceKey string
	// ErrorStatus overrides the HTTP status answered for Backlog error codes.
	ErrorStatus map[int]int
	// OAuthClients are the registered OAuth 2.0 applications; when empty one
	// client "backlogsync-demo" with secret "demo-secret" is registered that
	// accepts any loopback redirect URI.
	OAuthClients []OAuthClient
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// Logger receives one line per request at debug level (default: discard).
	Logger *slog.Logger
}

// OAuthClient is an OAuth 2.0 application registered with the emulator.
type OAuthClient struct {
	ID, Secret string
	// RedirectURI must equal the redirect_uri of requests; empty accepts
	// any http://127.0.0.1 or http://localhost URI.
	RedirectURI string
}

// Server is the emulator. It implements http.Handler.
type Server struct {
	opts Options
	// storeMu guards the store pointer: every non-admin request holds it for
	// reading (serveAPI), Reseed holds it for writing while swapping spaces.
	storeMu  sync.RWMutex
	store    *store
	reseedMu sync.Mutex // serializes Reseed (generation runs outside storeMu)
	limiter  *limiter
	faults   *faultSet
	oauth    *oauthState
	reqlog   *requestLog
	mux      *http.ServeMux
	// routeTable maps a path pattern to its per-method routes.
	routeTable map[string]*methodSet
	now        func() time.Time
	log        *slog.Logger

	hsMu sync.Mutex
	hs   *httptest.Server
}

// New builds a Server and generates its space.
func New(opts Options) (*Server, error) {
	if opts.SpaceKey == "" {
		opts.SpaceKey = "demo"
	}
	if opts.WebURL == "" {
		opts.WebURL = "https://" + opts.SpaceKey + ".backlog.com"
	}
	opts.WebURL = strings.TrimRight(opts.WebURL, "/")
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Minute
	}
	s := &Server{
		opts:    opts,
		limiter: newLimiter(opts.RateLimits, opts.RateWindow),
		faults:  newFaultSet(),
		oauth:   newOAuthState(opts.OAuthClients),
		reqlog:  newRequestLog(10000),
		now:     func() time.Time { return opts.Now().UTC() },
		log:     opts.Logger,
	}
	st, err := s.buildStore()
	if err != nil {
		return nil, err
	}
	s.store = st
	s.mux = http.NewServeMux()
	s.routes()
	return s, nil
}

// buildStore creates the space from the options.
func (s *Server) buildStore() (*store, error) {
	size := s.opts.Size
	if size == (Size{}) {
		size = DefaultSize
	}
	if s.opts.Empty {
		size = Size{}
	}
	st, err := generate(s.opts.Seed, size, s.opts.SpaceKey, s.opts.AdminAPIKey, s.now())
	if st != nil {
		st.space.WebURL = s.opts.WebURL
	}
	return st, err
}

// route is one registered API operation.
type route struct {
	class   Class
	handler handlerFunc
	auth    bool // requires an authenticated user
}

// handlerFunc handles one API call.
type handlerFunc func(c *call) error

// methodSet dispatches one path pattern by method.
type methodSet struct {
	s       *Server
	pattern string
	methods map[string]route
}

// handle registers an API route. pattern is "METHOD /path" with Go ServeMux
// wildcards; every method registered on a path shares one mux entry so that
// wrong methods get Backlog's error body.
func (s *Server) handle(pattern string, h handlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		panic("emulator: route without method: " + pattern)
	}
	s.handleClass(method, path, requestClass(method, path), true, h)
}

// handleClass registers a route with an explicit class and auth requirement.
func (s *Server) handleClass(method, path string, class Class, auth bool, h handlerFunc) {
	if s.routeTable == nil {
		s.routeTable = map[string]*methodSet{}
	}
	ms := s.routeTable[path]
	if ms == nil {
		ms = &methodSet{s: s, pattern: path, methods: map[string]route{}}
		s.routeTable[path] = ms
		s.mux.Handle(path, ms)
	}
	if _, dup := ms.methods[method]; dup {
		panic("emulator: duplicate route " + method + " " + path)
	}
	ms.methods[method] = route{class: class, handler: h, auth: auth}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("emulator: panic", "method", r.Method, "path", r.URL.Path, "panic", v)
			if !rec.wrote {
				s.writeError(rec, &apiError{Code: CodeInternal, Message: "Internal error."})
			}
		}
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "elapsed", time.Since(start))
	}()
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		// Admin routes take the locks they need themselves (reseed swaps the store).
		s.mux.ServeHTTP(rec, r)
		return
	}
	// Faults (admin_faults.go) may delay, fail or reshape the answer; they call
	// serveAPI for the real one.
	s.faults.serve(s, rec, r)
}

// serveAPI serves one non-admin request while holding storeMu for reading, so
// that a reseed never swaps the store in the middle of a request.
func (s *Server) serveAPI(w *statusRecorder, r *http.Request) {
	s.storeMu.RLock()
	defer s.storeMu.RUnlock()
	s.mux.ServeHTTP(w, r)
}

// ServeHTTP dispatches by method, authenticates, applies the rate limit and
// runs the handler.
func (ms *methodSet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := ms.s
	rec := w.(*statusRecorder)
	rt, ok := ms.methods[r.Method]
	// HEAD is the GET without a body, counted in the GET's rate class;
	// without a GET it is 405 like any other method.
	if !ok && r.Method == http.MethodHead {
		rt, ok = ms.methods[http.MethodGet]
	}
	if !ok {
		allow := make([]string, 0, len(ms.methods))
		for m := range ms.methods {
			allow = append(allow, m)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeError(w, &apiError{Code: CodeInvalidRequest, Status: http.StatusMethodNotAllowed,
			Message: "Method " + r.Method + " is not allowed for " + r.URL.Path + "."})
		s.reqlog.add(r, rec.status, -1, s.now())
		return
	}
	c := &call{s: s, w: w, r: r}
	if rt.auth {
		u, err := s.authenticate(w, r)
		if err != nil {
			if err != errAuthWritten {
				s.writeError(w, err.(*apiError))
			}
			s.reqlog.add(r, rec.status, rt.class, s.now())
			return
		}
		c.u = u
		// Backlog sends the headers on every response; without limits
		// they report UnlimitedReport.
		st, allowed := s.limiter.take(u.ID, rt.class, s.now())
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(st.Limit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(st.Remaining))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(st.Reset, 10))
		if !allowed {
			s.writeError(w, errorf(CodeTooManyRequests,
				"Rate limit exceeded for %s requests. Please retry after %s.", rt.class,
				time.Unix(st.Reset, 0).UTC().Format(time.RFC3339)))
			s.reqlog.add(r, rec.status, rt.class, s.now())
			return
		}
	}
	p, files, perr := parseParams(r)
	if perr != nil {
		s.writeError(w, perr)
		s.reqlog.add(r, rec.status, rt.class, s.now())
		return
	}
	c.q, c.files = p, files
	if err := rt.handler(c); err != nil {
		if ae, ok := err.(*apiError); ok {
			s.writeError(w, ae)
		} else {
			s.log.Error("emulator: handler error", "path", r.URL.Path, "err", err)
			s.writeError(w, &apiError{Code: CodeInternal, Message: "Internal error."})
		}
	}
	s.reqlog.add(r, rec.status, rt.class, s.now())
}

// call is one API request being handled.
type call struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	u     *user // authenticated user (nil on unauthenticated routes)
	q     params
	files []uploadedFile
}

// path returns a path wildcard.
func (c *call) path(name string) string { return c.r.PathValue(name) }

// json writes v as JSON with the given status (a json.RawMessage as it is:
// a handler that renders its own JSON can answer through the handler kit).
func (c *call) json(status int, v any) error {
	if data, ok := v.(json.RawMessage); ok {
		return c.raw(status, data)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.raw(status, data)
}

// ok writes v as JSON with status 200.
func (c *call) ok(v any) error { return c.json(http.StatusOK, v) }

// raw writes already-encoded JSON.
func (c *call) raw(status int, data []byte) error {
	h := c.w.Header()
	h.Set("Content-Type", "application/json;charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	c.w.WriteHeader(status)
	if c.r.Method != http.MethodHead {
		_, _ = c.w.Write(data)
	}
	return nil
}

// noContent writes 204.
func (c *call) noContent() error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeError writes Backlog's error body.
func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	status := e.Status
	if status == 0 {
		if st, ok := s.opts.ErrorStatus[e.Code]; ok {
			status = st
		} else if st, ok := DefaultErrorStatus[e.Code]; ok {
			status = st
		} else {
			status = http.StatusBadRequest
		}
	}
	body, _ := json.Marshal(map[string]any{"errors": []map[string]any{{
		"message": e.Message, "code": e.Code, "moreInfo": e.MoreInfo,
	}}})
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// statusRecorder remembers the status written.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Flush forwards to the underlying writer when it can flush (slow bodies).
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Client returns an *http.Client whose transport calls the handler directly,
// without a listener (fake-gcs-server's NoListener). Requests may use any
// host; only the path matters.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: inProcessTransport{s}}
}

// inProcessTransport serves requests with the handler in the calling goroutine.
type inProcessTransport struct{ h http.Handler }

// RoundTrip implements http.RoundTripper. A handler that aborts the
// connection (http.ErrAbortHandler, used by the reset and truncate faults)
// becomes a RoundTrip error when nothing was sent, or a body that ends with
// io.ErrUnexpectedEOF after the bytes that were.
func (t inProcessTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	sreq := req.Clone(context.WithoutCancel(req.Context()))
	if sreq.Body == nil {
		sreq.Body = http.NoBody // as a server-side request always has one
	}
	if aborted := serveCatchingAbort(t.h, rec, sreq); aborted {
		if !rec.Flushed && rec.Body.Len() == 0 {
			return nil, errConnectionReset
		}
		resp := rec.Result()
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(rec.Body.Bytes()), errReader{io.ErrUnexpectedEOF}))
		resp.Request = req
		return resp, nil
	}
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// Timeouts of the emulator's HTTP servers (SetTimeouts). A client that
// stops sending its request head or body, or leaves a connection idle, is
// cut off; there is no write timeout, because a large list page or an
// injected latency fault may take long to answer and must still arrive.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 2 * time.Minute // whole request, body included (attachments)
	IdleTimeout       = 2 * time.Minute
)

// SetTimeouts sets the emulator's read and idle timeouts on hs: Start,
// StartTLS and the "backlogsync emulator" command serve with them.
func SetTimeouts(hs *http.Server) {
	hs.ReadHeaderTimeout = ReadHeaderTimeout
	hs.ReadTimeout = ReadTimeout
	hs.IdleTimeout = IdleTimeout
}

// Start serves the emulator on a loopback port over HTTP (for clients that
// need a real address); URL returns its base URL. Close stops it.
func (s *Server) Start() string {
	s.hsMu.Lock()
	defer s.hsMu.Unlock()
	if s.hs == nil {
		hs := httptest.NewUnstartedServer(s)
		SetTimeouts(hs.Config)
		hs.Start()
		s.hs = hs
	}
	return s.hs.URL
}

// URL returns the base URL of a started server, or "".
func (s *Server) URL() string {
	s.hsMu.Lock()
	defer s.hsMu.Unlock()
	if s.hs == nil {
		return ""
	}
	return s.hs.URL
}

// Close stops a started server.
func (s *Server) Close() {
	s.hsMu.Lock()
	defer s.hsMu.Unlock()
	if s.hs != nil {
		s.hs.Close()
		s.hs = nil
	}
}

// AdminAPIKey returns the administrator's API key.
func (s *Server) AdminAPIKey() string {
	s.storeMu.RLock()
	defer s.storeMu.RUnlock()
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	return s.store.users[s.store.space.OwnerID].APIKeys[0]
}

// UserKey is a user of the emulated space and one of their API keys.
type UserKey struct {
	ID       int64
	UserID   string
	Name     string
	RoleType int
	APIKey   string
}

// Users lists the space's users with their API keys, administrator first.
func (s *Server) Users() []UserKey {
	s.storeMu.RLock()
	defer s.storeMu.RUnlock()
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	var out []UserKey
	for _, u := range s.store.userList {
		k := ""
		if len(u.APIKeys) > 0 {
			k = u.APIKeys[0]
		}
		out = append(out, UserKey{ID: u.ID, UserID: u.UserID, Name: u.Name, RoleType: u.RoleType, APIKey: k})
	}
	return out
}

// Routes lists the API routes the emulator serves, as "METHOD /api/v2/…"
// patterns with Go ServeMux wildcards, sorted. Tests use it to check that a
// client reaches every endpoint.
func (s *Server) Routes() []string {
	var out []string
	for path, ms := range s.routeTable {
		for m := range ms.methods {
			out = append(out, m+" "+path)
		}
	}
	slices.Sort(out)
	return out
}
