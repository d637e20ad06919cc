package backlog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

const (
	// apiPath is the API root below a space's base URL.
	apiPath = "api/v2/"
	// apiKeyHeader carries the API key unless WithAPIKeyInQuery is used.
	apiKeyHeader = "Backlog-API-Key"
	// apiKeyParam is the query parameter older servers read the key from.
	apiKeyParam = "apiKey"

	defaultUserAgent = "backlogsync"
)

// A Client talks to one Backlog space. Create it with NewClient; it is safe
// for concurrent use. API areas are reached through its service fields, e.g.
// client.Issues.List(ctx, opts).
type Client struct {
	baseURL *url.URL // the space's web root, with a trailing slash
	apiURL  *url.URL // baseURL + "api/v2/"

	base        *http.Client // the caller's client (or a fresh one)
	hc          *http.Client // base with the credentials transport
	userAgent   string
	apiKey      string
	keyInQuery  bool
	tokenSource TokenSource
	logger      *slog.Logger

	rateMu sync.Mutex
	rates  map[RateClass]Rate

	gov       *Governor // rate-limit budgets (governor.go)
	share     float64   // WithMaxShare; 0 = the governor's default
	conc      int       // WithConcurrency; 0 = the governor's default
	pacing    Pacing    // WithPacing, when pacingSet
	pacingSet bool
	retry     RetryPolicy  // retry.go
	stats     statsCounter // this client's counters
	identMu   sync.Mutex
	identity  string // the user, for the governor (never the raw key)

	common service // reused by every service

	// Services, one per API area (alphabetical).
	Activities    *ActivitiesService
	Documents     *DocumentsService
	Files         *FilesService
	Git           *GitService
	Issues        *IssuesService
	Notifications *NotificationsService
	Projects      *ProjectsService
	RateLimit     *RateLimitService
	Space         *SpaceService
	Stars         *StarsService
	Teams         *TeamsService
	Users         *UsersService
	Watchings     *WatchingsService
	Wikis         *WikisService
}

// service is the common base of every service: a back-pointer to the client.
type service struct{ client *Client }

// An Option configures a Client in NewClient.
type Option func(*Client) error

// WithAPIKey authenticates every request with a Backlog API key, sent in the
// Backlog-API-Key header (see WithAPIKeyInQuery for older servers).
func WithAPIKey(key string) Option {
	return func(c *Client) error {
		if strings.TrimSpace(key) == "" {
			return errors.New("backlog: empty API key")
		}
		c.apiKey = key
		return nil
	}
}

// WithAPIKeyInQuery sends the API key as the apiKey query parameter instead
// of the Backlog-API-Key header, for servers that predate the header. The key
// is still redacted from every URL the client prints.
func WithAPIKeyInQuery() Option {
	return func(c *Client) error {
		c.keyInQuery = true
		return nil
	}
}

// WithTokenSource authenticates every request with an OAuth 2.0 bearer token
// taken from ts.
func WithTokenSource(ts TokenSource) Option {
	return func(c *Client) error {
		if ts == nil {
			return errors.New("backlog: nil TokenSource")
		}
		c.tokenSource = ts
		return nil
	}
}

// WithHTTPClient makes the client send requests through hc (its Transport,
// Timeout, Jar and CheckRedirect). hc itself is not modified.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("backlog: nil http.Client")
		}
		c.base = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		c.userAgent = ua
		return nil
	}
}

// WithLogger logs every request at debug level (method, redacted URL,
// status, duration, remaining rate budget). Credentials never appear.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		c.logger = l
		return nil
	}
}

// NewClient returns a client for the Backlog space at baseURL, the space's web
// address such as "https://example.backlog.com" or a self-hosted install's
// root. A trailing "/api/v2" is accepted and ignored. Any host is accepted over
// https; plain http only for loopback hosts (127.0.0.0/8, ::1, localhost),
// which is what the emulator and tests use.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	u, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{baseURL: u, userAgent: defaultUserAgent, rates: make(map[RateClass]Rate)}
	c.apiURL = u.JoinPath(apiPath)
	c.apiURL.Path = strings.TrimSuffix(c.apiURL.Path, "/") + "/"
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if c.apiKey != "" && c.tokenSource != nil {
		return nil, errors.New("backlog: both an API key and an OAuth token source were given; use one")
	}
	if c.keyInQuery && c.apiKey == "" {
		return nil, errors.New("backlog: WithAPIKeyInQuery needs WithAPIKey")
	}
	if c.base == nil {
		c.base = &http.Client{}
	}
	if c.gov == nil {
		c.gov = DefaultGovernor()
	}
	if c.retry.MaxAttempts == 0 {
		c.retry = c.retry.withDefaults()
	}
	c.stats = newStatsCounter()
	c.initIdentity()
	hc := *c.base
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	hc.Transport = &authTransport{c: c, base: rt}
	c.hc = &hc

	c.common.client = c
	c.Activities = (*ActivitiesService)(&c.common)
	c.Documents = (*DocumentsService)(&c.common)
	c.Files = (*FilesService)(&c.common)
	c.Git = (*GitService)(&c.common)
	c.Issues = (*IssuesService)(&c.common)
	c.Notifications = (*NotificationsService)(&c.common)
	c.Projects = (*ProjectsService)(&c.common)
	c.RateLimit = (*RateLimitService)(&c.common)
	c.Space = (*SpaceService)(&c.common)
	c.Stars = (*StarsService)(&c.common)
	c.Teams = (*TeamsService)(&c.common)
	c.Users = (*UsersService)(&c.common)
	c.Watchings = (*WatchingsService)(&c.common)
	c.Wikis = (*WikisService)(&c.common)
	return c, nil
}

// parseBaseURL validates a space URL and normalises it to end in "/".
func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		// url.Parse errors quote the input, which may carry a key.
		return nil, fmt.Errorf("backlog: base URL is not a valid URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("backlog: base URL %q must not contain user info, a query or a fragment; pass the API key with WithAPIKey", RedactURL(u))
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("backlog: base URL %q must start with https:// (or http:// for loopback hosts: 127.0.0.0/8, ::1, localhost)", u.String())
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("backlog: base URL %q has no host; want e.g. https://example.backlog.com", u.String())
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("backlog: base URL %q uses plain http, which is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost); use https://", u.String())
		}
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.Path = strings.TrimSuffix(u.Path, "/api/v2")
	u.Path += "/"
	u.RawPath = ""
	return u, nil
}

// isLoopback reports whether host is localhost, ::1 or in 127.0.0.0/8.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// BaseURL returns a copy of the space's base URL (the web root).
func (c *Client) BaseURL() *url.URL { u := *c.baseURL; return &u }

// NewRequest builds an API request. path is relative to the API root
// (".../api/v2/") and must not start with "/"; its segments must already be
// escaped (url.PathEscape). query is encoded into the URL; a non-nil form
// becomes an application/x-www-form-urlencoded body. Credentials are not part
// of the request: they are added when it is sent.
func (c *Client) NewRequest(ctx context.Context, method, path string, query, form url.Values) (*http.Request, error) {
	if ctx == nil {
		return nil, errors.New("backlog: nil context")
	}
	if strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("backlog: path %q must be relative to the API root", path)
	}
	u, err := c.apiURL.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("backlog: bad path %q: %w", path, err)
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	return req, nil
}

// Response wraps an HTTP response from Backlog with the rate-limit state it
// reported.
type Response struct {
	*http.Response

	// Rate is the budget of the request's class after this request, from the
	// X-RateLimit-* headers (zero when the server sent none).
	Rate Rate
}

// BareDo sends req and classifies the response with CheckResponse. On success
// the caller must close the body (which also frees the user's slot in the
// governor's queue). The request is paced by the client's Governor and
// retried according to its RetryPolicy (a truncated body cannot be retried
// here, since the caller reads it; Do can). Errors never contain credentials.
func (c *Client) BareDo(req *http.Request) (*Response, error) {
	return c.send(req, nil)
}

// Do sends req and decodes a JSON response body into v (if v is an io.Writer
// the body is copied into it instead; if v is nil the body is discarded).
// The body is read completely before it is decoded, so a truncated body is
// retried like a failed request (for an io.Writer only while nothing has
// been written to it). The returned error is one of *ErrorResponse,
// *RateLimitError, *AuthError, a context error, a transport error or a
// decoding error, wrapped in a *RetryError when more than one attempt was
// made (errors.As reaches the typed error).
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	consume := func(resp *Response) error {
		defer resp.Body.Close()
		var err error
		switch v := v.(type) {
		case nil:
			_, err = io.Copy(io.Discard, resp.Body)
		case io.Writer:
			cw := &countingWriter{w: v}
			_, err = io.Copy(cw, resp.Body)
			if err != nil && cw.n > 0 {
				err = &partialWriteError{err: err, n: cw.n}
			}
		default:
			buf := readBody(resp.Response)
			defer putBody(buf)
			_, err = buf.ReadFrom(resp.Body)
			data := buf.Bytes()
			if err == nil && len(bytes.TrimSpace(data)) > 0 {
				err = decodeJSON(data, v)
				var syn *json.SyntaxError
				if err != nil && !(errors.As(err, &syn) && syn.Error() == "unexpected end of JSON input") {
					// A complete body that does not decode: retrying
					// cannot help. (A body cut short is retried.)
					err = &noRetryError{err}
				}
			}
		}
		if err != nil {
			return c.decodeError(req, resp.Response, err)
		}
		return nil
	}
	resp, err := c.send(req, consume)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return resp, ctxErr
		}
		return resp, err
	}
	return resp, nil
}

// bodyBufs holds the buffers response bodies are read into before they are
// decoded. Decoding copies what it keeps (strings, raw JSON), so a buffer is
// reused once the body is decoded: a list page is read without growing a
// fresh buffer from 512 bytes each time.
var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody bounds the buffers kept in bodyBufs.
const maxPooledBody = 8 << 20

// readBody returns an empty pooled buffer with room for resp's body when
// the server sent its length.
func readBody(resp *http.Response) *bytes.Buffer {
	b := bodyBufs.Get().(*bytes.Buffer)
	b.Reset()
	if n := resp.ContentLength; n > 0 && n <= maxPooledBody {
		// ReadFrom wants MinRead bytes free before each read, including
		// the last one that sees EOF.
		b.Grow(int(n) + bytes.MinRead)
	}
	return b
}

// putBody returns b to bodyBufs unless it grew too big to keep.
func putBody(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBody {
		bodyBufs.Put(b)
	}
}

// noRetryError marks a failure that a retry cannot fix.
type noRetryError struct{ error }

func (e *noRetryError) Unwrap() error { return e.error }

// partialWriteError is a body copy that failed after writing to the
// caller's io.Writer; it cannot be retried.
type partialWriteError struct {
	err error
	n   int64
}

func (e *partialWriteError) Error() string {
	return fmt.Sprintf("%v (after %d bytes were written; not retried)", e.err, e.n)
}
func (e *partialWriteError) Unwrap() error { return e.err }

// send runs the attempts of one request: each is paced by the governor,
// sent, checked, and (if consume is not nil) its body consumed; failures
// are retried as the RetryPolicy says.
func (c *Client) send(req *http.Request, consume func(*Response) error) (*Response, error) {
	ctx := req.Context()
	p := c.retry
	class := c.classOf(req)
	var reasons []string
	attempts, rateWaits := 0, 0
	cur := req
	for {
		if attempts > 0 {
			r2, err := rewind(req)
			if err != nil {
				return nil, &RetryError{Attempts: attempts, Reasons: reasons,
					Err: fmt.Errorf("backlog: %s %s: %w", req.Method, RedactURL(req.URL), err)}
			}
			cur = r2
		}
		attempts++
		resp, err := c.attempt(cur, class)
		if err == nil && consume != nil {
			err = consume(resp)
		}
		err = classified(err)
		if err == nil {
			return resp, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return resp, ctxErr
		}
		kind, why := classify(err)
		var pw *partialWriteError
		var nr *noRetryError
		if errors.As(err, &pw) || errors.As(err, &nr) {
			kind = failPermanent
		}
		var wait time.Duration
		switch kind {
		case failRateLimit:
			if p.MaxRateLimitWaits < 0 || rateWaits >= p.MaxRateLimitWaits {
				kind = failPermanent
			}
			rateWaits++ // the governor waits for the reset before the next attempt
		case failTransient:
			if !retryable(cur) || attempts-rateWaits >= p.MaxAttempts {
				kind = failPermanent
				break
			}
			wait = p.backoff(attempts - rateWaits)
			if ra := retryAfter(err); ra > 0 {
				wait = min(ra, p.MaxDelay)
			}
		}
		if why != "" {
			reasons = append(reasons, why)
		}
		if kind == failPermanent {
			if attempts > 1 {
				return resp, &RetryError{Attempts: attempts, Reasons: reasons, Err: err}
			}
			return resp, err
		}
		if resp != nil {
			resp.Body.Close()
		}
		for _, s := range []*statsCounter{&c.gov.stats, &c.stats} {
			s.add(class, func(cs *ClassStats) { cs.Retries++; cs.Waited += wait })
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// attempt sends req once through the governor.
func (c *Client) attempt(req *http.Request, class RateClass) (*Response, error) {
	ctx := req.Context()
	t, err := c.gov.acquire(ctx, c.budgetKey(), class, c.asks(), &c.stats)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	t.sentAt(start)
	resp, err := c.hc.Do(req)
	if err != nil {
		t.release()
		// A cancelled context is the more useful error.
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		var te *tokenError
		if errors.As(err, &te) {
			return nil, te
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redactURLString(ue.URL)
		}
		c.log(ctx, req, 0, start, Rate{}, err)
		return nil, err
	}
	t.observe(resp.Header, resp.StatusCode, time.Now())
	r := &Response{Response: resp, Rate: parseRate(resp.Header, class)}
	if r.Rate.Limit > 0 || !r.Rate.Reset.IsZero() {
		c.rateMu.Lock()
		c.rates[class] = r.Rate
		c.rateMu.Unlock()
	}
	err = CheckResponse(resp)
	if err != nil {
		t.release()
		c.scrub(err)
		c.annotate(err)
	} else {
		resp.Body = &releasingBody{ReadCloser: resp.Body, t: t}
	}
	c.log(ctx, req, resp.StatusCode, start, r.Rate, err)
	return r, err
}

// releasingBody frees the request's governor slot when the body is closed
// or read to its end.
type releasingBody struct {
	io.ReadCloser
	t *ticket
}

func (b *releasingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.t.release()
	}
	return n, err
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.t.release()
	return err
}

// decodeError explains a response that could not be read or decoded.
func (c *Client) decodeError(req *http.Request, resp *http.Response, err error) error {
	hint := ""
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "" && mt != "application/json" {
		hint = fmt.Sprintf(" (the server answered %s, not JSON: is the base URL the space's address?)", mt)
	}
	return fmt.Errorf("backlog: %s %s: reading response: %w%s", req.Method, RedactURL(req.URL), err, hint)
}

// LastRate returns the most recent rate-limit state the server reported for
// class, or the zero Rate if none has been seen.
func (c *Client) LastRate(class RateClass) Rate {
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	return c.rates[class]
}

// log writes one debug line per request when a logger is configured.
func (c *Client) log(ctx context.Context, req *http.Request, status int, start time.Time, rate Rate, err error) {
	if c.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("url", RedactURL(req.URL)),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
	}
	if rate.Limit > 0 {
		attrs = append(attrs, slog.String("rate_class", string(rate.Class)), slog.Int("rate_remaining", rate.Remaining))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", c.scrubString(err.Error())))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "backlog request", attrs...)
}

// credential describes how the client authenticates, for error messages.
func (c *Client) credential() string {
	switch {
	case c.tokenSource != nil:
		return credOAuth
	case c.apiKey != "":
		return credAPIKey
	}
	return credNone
}

// annotate records on typed errors how the client authenticated.
func (c *Client) annotate(err error) {
	var ae *AuthError
	if errors.As(err, &ae) {
		ae.Credential = c.credential()
	}
}

// scrub removes the API key from the server-provided texts of a typed error.
func (c *Client) scrub(err error) {
	var details []ErrorDetail
	var msg *string
	switch e := err.(type) {
	case *ErrorResponse:
		details, msg = e.Errors, &e.Message
	case *RateLimitError:
		details, msg = e.Errors, &e.Message
	case *AuthError:
		details, msg = e.Errors, &e.Description
	default:
		return
	}
	for i := range details {
		details[i].Message = c.scrubString(details[i].Message)
		details[i].MoreInfo = c.scrubString(details[i].MoreInfo)
	}
	*msg = c.scrubString(*msg)
}

// scrubString replaces the API key wherever it occurs in s.
func (c *Client) scrubString(s string) string {
	if c.apiKey == "" || !strings.Contains(s, c.apiKey) {
		return s
	}
	return strings.ReplaceAll(s, c.apiKey, redacted)
}
