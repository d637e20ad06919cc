package backlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/backlogsync/backlogsync/emulator"
)

// faultRules inject 5xx answers, connection resets and truncated bodies
// into about 10% of requests, deterministically (fixed seeds).
func faultRules() []emulator.FaultRule {
	return []emulator.FaultRule{
		{Kind: emulator.FaultStatus, Status: 500, Probability: 0.025, Seed: 11},
		{Kind: emulator.FaultStatus, Status: 503, Probability: 0.015, Seed: 12},
		{Kind: emulator.FaultStatus, Status: 502, Probability: 0.01, Seed: 13},
		{Kind: emulator.FaultReset, Probability: 0.025, Seed: 14},
		{Kind: emulator.FaultTruncate, Probability: 0.025, Seed: 15},
	}
}

// TestRetry_faultyCrawlEqualsClean is the issue's fault proof: with 5xx,
// resets and truncated bodies on ~10% of requests, a full crawl returns
// exactly what a clean crawl returns. It runs in virtual time with the paid
// rate limits and the default retry policy.
func TestRetry_faultyCrawlEqualsClean(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv, c := newEmulator(t, emulator.Options{Seed: 21, RateLimits: emulator.PaidLimits})
		clean, err := crawl(t.Context(), c)
		if err != nil {
			t.Fatal(err)
		}
		cleanRequests := len(srv.Requests())
		srv.ClearRequests()
		for _, r := range faultRules() {
			if _, err := srv.AddFault(r); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		got, err := crawl(t.Context(), c)
		if err != nil {
			t.Fatal(err)
		}
		fired := 0
		for _, r := range srv.Faults() {
			if r.Fired == 0 {
				t.Errorf("fault %s %d never fired", r.Kind, r.Status)
			}
			fired += r.Fired
		}
		faulty := len(srv.Requests())
		st := c.Stats()
		t.Logf("clean crawl: %d requests; faulty crawl: %d requests, %d faults (%.1f%%), %d retries, %s virtual; statuses %v",
			cleanRequests, faulty, fired, 100*float64(fired)/float64(faulty), st.Total().Retries,
			time.Since(start).Round(time.Millisecond), countStatus(srv.Requests()))
		if rate := float64(fired) / float64(faulty); rate < 0.07 || rate > 0.13 {
			t.Errorf("fault rate %.1f%%, want about 10%%", 100*rate)
		}
		if faulty != cleanRequests+fired {
			t.Errorf("faulty crawl sent %d requests, want clean %d + one retry per fault %d", faulty, cleanRequests, fired)
		}
		if st.Total().RateLimited != 0 {
			t.Errorf("%d 429s", st.Total().RateLimited)
		}
		if len(clean.Issues) == 0 || len(clean.Activities) == 0 {
			t.Fatalf("empty crawl: %d issues, %d activities", len(clean.Issues), len(clean.Activities))
		}
		equalCrawls(t, clean, got)
	})
}

// TestRetry_faultsOverLoopback injects resets and truncated bodies over a
// real TCP connection, where they surface as the errors net/http produces
// (connection reset, unexpected EOF), and checks the crawl still matches.
func TestRetry_faultsOverLoopback(t *testing.T) {
	t.Parallel()
	srv, err := emulator.New(emulator.Options{Seed: 4, Size: emulator.Size{Projects: 1, Users: 3, Issues: 60, Comments: 80, Wikis: 3}})
	if err != nil {
		t.Fatal(err)
	}
	base := srv.Start()
	t.Cleanup(srv.Close)
	c, err := NewClient(base, WithAPIKey(srv.AdminAPIKey()), WithGovernor(NewGovernor(GovernorConfig{})),
		WithRetry(RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	clean, err := crawl(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []emulator.FaultRule{
		{Kind: emulator.FaultReset, Every: 7},
		{Kind: emulator.FaultTruncate, Every: 5},
		{Kind: emulator.FaultStatus, Status: 502, Every: 11},
	} {
		if _, err := srv.AddFault(r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := crawl(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Faults() {
		if r.Fired == 0 {
			t.Errorf("fault %s never fired", r.Kind)
		}
	}
	t.Logf("over loopback: %s", c.Stats())
	equalCrawls(t, clean, got)
}

// rtFunc is a scripted RoundTripper.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// answer is one scripted attempt outcome.
type answer struct {
	status int
	header map[string]string
	body   string
	err    error // transport error
	cut    bool  // body ends with io.ErrUnexpectedEOF after body
}

// script returns a client whose n-th request gets answers[n] (the last one
// repeats) and a function reporting the requests seen.
func script(t *testing.T, answers []answer, opts ...Option) (*Client, func() []*http.Request) {
	t.Helper()
	var mu sync.Mutex
	var seen []*http.Request
	rt := rtFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		i := min(len(seen), len(answers)-1)
		body := ""
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			body = string(b)
		}
		r2 := r.Clone(context.Background())
		r2.Body = io.NopCloser(strings.NewReader(body))
		seen = append(seen, r2)
		mu.Unlock()
		a := answers[i]
		if a.err != nil {
			return nil, a.err
		}
		h := http.Header{"Content-Type": {"application/json"}}
		for k, v := range a.header {
			h.Set(k, v)
		}
		var rd io.Reader = strings.NewReader(a.body)
		if a.cut {
			rd = io.MultiReader(rd, errReader{io.ErrUnexpectedEOF})
		}
		return &http.Response{StatusCode: a.status, Status: fmt.Sprintf("%d %s", a.status, http.StatusText(a.status)),
			Header: h, Body: io.NopCloser(rd), Request: r}, nil
	})
	all := append([]Option{WithAPIKey(testKey), WithHTTPClient(&http.Client{Transport: rt}),
		WithGovernor(NewGovernor(GovernorConfig{}))}, opts...)
	c, err := NewClient("https://retry.backlog.com", all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, func() []*http.Request { mu.Lock(); defer mu.Unlock(); return append([]*http.Request(nil), seen...) }
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

type netTimeout struct{}

func (netTimeout) Error() string   { return "i/o timeout" }
func (netTimeout) Timeout() bool   { return true }
func (netTimeout) Temporary() bool { return true }

const okSpace = `{"spaceKey":"X","name":"x"}`

func TestRetry_policy(t *testing.T) {
	t.Parallel()
	e500 := answer{status: 500, body: `{"errors":[{"message":"Internal error.","code":1,"moreInfo":""}]}`}
	e503 := answer{status: 503, body: "<html>busy</html>"}
	ok := answer{status: 200, body: okSpace}
	tests := []struct {
		name     string
		method   string
		safe     bool
		answers  []answer
		attempts int    // requests sent
		wantErr  string // "" = success
		errType  any
	}{
		{name: "500 then ok", answers: []answer{e500, ok}, attempts: 2},
		{name: "503 four times then ok", answers: []answer{e503, e503, e503, e503, ok}, attempts: 5},
		{name: "503 forever", answers: []answer{e503}, attempts: 5,
			wantErr: "503 Service Unavailable: <html>busy</html> (gave up after 5 attempts: 503 Service Unavailable ×5)", errType: &ErrorResponse{}},
		{name: "reset then ok", answers: []answer{{err: errors.New("read tcp 127.0.0.1:1: connection reset by peer")}, ok}, attempts: 2},
		{name: "timeout then ok", answers: []answer{{err: netTimeout{}}, ok}, attempts: 2},
		{name: "refused forever", answers: []answer{{err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}}, attempts: 5,
			wantErr: "gave up after 5 attempts: connection refused ×5"},
		{name: "truncated then ok", answers: []answer{{status: 200, body: `{"spaceKey":"X","na`, cut: true}, ok}, attempts: 2},
		{name: "truncated without EOF error then ok", answers: []answer{{status: 200, body: `{"spaceKey":"X","na`}, ok}, attempts: 2},
		{name: "mixed failures", answers: []answer{e500, {err: errors.New("EOF")}, {status: 200, body: `[`, cut: true}, e503, e503}, attempts: 5,
			wantErr: "gave up after 5 attempts: 500 Internal Server Error, transport error, truncated body, 503 Service Unavailable ×2"},
		{name: "404 not retried", answers: []answer{{status: 404, body: `{"errors":[{"message":"No space.","code":6,"moreInfo":""}]}`}, ok}, attempts: 1,
			wantErr: "404 Not Found: No space.", errType: &ErrorResponse{}},
		{name: "400 not retried", answers: []answer{{status: 400, body: `{"errors":[{"message":"bad","code":7,"moreInfo":""}]}`}, ok}, attempts: 1, wantErr: "400 Bad Request"},
		{name: "401 not retried", answers: []answer{{status: 401, body: `{"errors":[{"message":"Authentication failure.","code":11,"moreInfo":""}]}`}, ok}, attempts: 1,
			wantErr: "the API key was rejected", errType: &AuthError{}},
		{name: "501 not retried", answers: []answer{{status: 501, body: "no"}, ok}, attempts: 1, wantErr: "501"},
		{name: "bad JSON not retried", answers: []answer{{status: 200, body: `{"spaceKey":1}`}, ok}, attempts: 1, wantErr: "cannot unmarshal"},
		{name: "unknown host not retried", answers: []answer{{err: &url.Error{Op: "Get", URL: "https://x", Err: errors.New("unsupported protocol scheme")}}, ok}, attempts: 1, wantErr: "unsupported protocol scheme"},
		{name: "POST 500 not retried", method: "POST", answers: []answer{e500, ok}, attempts: 1, wantErr: "500 Internal Server Error"},
		{name: "POST reset not retried", method: "POST", answers: []answer{{err: errors.New("connection reset by peer")}, ok}, attempts: 1, wantErr: "connection reset"},
		{name: "POST marked safe retried", method: "POST", safe: true, answers: []answer{e500, {err: errors.New("connection reset by peer")}, ok}, attempts: 3},
		{name: "POST 429 retried", method: "POST", answers: []answer{{status: 429, body: `{"errors":[{"message":"Too many.","code":13,"moreInfo":""}]}`,
			header: map[string]string{"X-RateLimit-Limit": "150", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "946684830"}}, ok}, attempts: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, seen := script(t, tt.answers)
				ctx := t.Context()
				if tt.safe {
					ctx = RetrySafe(ctx)
				}
				method := or(tt.method, "GET")
				var form url.Values
				if method == "POST" {
					form = url.Values{"name": {"x"}}
				}
				req, err := c.NewRequest(ctx, method, "space", nil, form)
				if err != nil {
					t.Fatal(err)
				}
				var sp Space
				start := time.Now()
				_, err = c.Do(req, &sp)
				reqs := seen()
				if len(reqs) != tt.attempts {
					t.Errorf("%d attempts, want %d", len(reqs), tt.attempts)
				}
				for _, r := range reqs {
					if b, _ := io.ReadAll(r.Body); method == "POST" && string(b) != "name=x" {
						t.Errorf("attempt body %q", b)
					}
				}
				if tt.wantErr == "" {
					if err != nil || sp.SpaceKey != "X" {
						t.Fatalf("err = %v, space %+v", err, sp)
					}
				} else {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("err = %v, want %q", err, tt.wantErr)
					}
					var re *RetryError
					if isRetry := errors.As(err, &re); isRetry != (tt.attempts > 1) {
						t.Errorf("RetryError %v after %d attempts", isRetry, tt.attempts)
					} else if isRetry && re.Attempts != tt.attempts {
						t.Errorf("RetryError.Attempts = %d", re.Attempts)
					}
					switch tt.errType.(type) {
					case *ErrorResponse:
						var er *ErrorResponse
						if !errors.As(err, &er) {
							t.Errorf("errors.As(*ErrorResponse) fails on %T", err)
						}
					case *AuthError:
						var ae *AuthError
						if !errors.As(err, &ae) {
							t.Errorf("errors.As(*AuthError) fails on %T", err)
						}
					}
					if strings.Contains(err.Error(), testKey) {
						t.Errorf("error leaks the key")
					}
				}
				// Back-off is bounded: 4 retries wait at most 0.5+1+2+4 s.
				if d := time.Since(start); d > 7500*time.Millisecond && tt.method != "POST" {
					t.Errorf("took %s", d)
				}
			})
		})
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestRetry_retryAfter: a 503 with Retry-After waits that long (capped by
// MaxDelay) instead of the jittered back-off.
func TestRetry_retryAfter(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, seen := script(t, []answer{{status: 503, header: map[string]string{"Retry-After": "7"}}, {status: 200, body: okSpace}})
		start := time.Now()
		if _, _, err := c.Space.Get(t.Context()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 7*time.Second || len(seen()) != 2 {
			t.Errorf("waited %s over %d attempts, want 7s, 2", d, len(seen()))
		}
		st := c.Stats().Classes[RateRead]
		if st.Retries != 1 || st.Waited != 7*time.Second || st.Requests != 2 {
			t.Errorf("stats %+v", st)
		}
	})
}

// TestRetry_contextCancelDuringBackoff returns the context's error at once.
func TestRetry_contextCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, seen := script(t, []answer{{status: 503}}, WithRetry(RetryPolicy{BaseDelay: time.Hour, MaxDelay: time.Hour}))
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		_, _, err := c.Space.Get(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("returned after %s", d)
		}
		if n := len(seen()); n > 2 {
			t.Errorf("%d attempts", n)
		}
	})
}

// TestRetry_rateLimitWaitsBounded: a server that answers 429 forever gets
// MaxRateLimitWaits waits, each until X-RateLimit-Reset, then the error.
func TestRetry_rateLimitWaitsBounded(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		reset := time.Now().Add(10 * time.Second).Unix()
		c, seen := script(t, []answer{{status: 429, body: `{"errors":[{"message":"Too many.","code":13,"moreInfo":""}]}`,
			header: map[string]string{"X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": fmt.Sprint(reset)}}},
			WithRetry(RetryPolicy{MaxRateLimitWaits: 2}))
		start := time.Now()
		_, _, err := c.Space.Get(t.Context())
		var rl *RateLimitError
		if !errors.As(err, &rl) || !strings.Contains(err.Error(), "gave up after 3 attempts: 429 rate limited ×3") {
			t.Fatalf("err = %v", err)
		}
		if len(seen()) != 3 {
			t.Errorf("%d attempts", len(seen()))
		}
		// The first wait is until the reset (10s); the reset does not move, so
		// later waits fall back to the window length.
		if d := time.Since(start); d < 10*time.Second {
			t.Errorf("waited %s", d)
		}
		if n := c.Stats().Classes[RateRead].RateLimited; n != 3 {
			t.Errorf("RateLimited = %d", n)
		}
		// The waits the 429s imposed are counted apart (the runs table's
		// wait_seconds): at least the 10s to the first reset.
		if st := c.Stats().Classes[RateRead]; st.RateLimitWaited < 10*time.Second || st.RateLimitWaited > st.Waited {
			t.Errorf("RateLimitWaited = %s (Waited %s)", st.RateLimitWaited, st.Waited)
		}
	})
}

func TestRetryPolicy_backoff(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{}.withDefaults()
	for n := 1; n <= 10; n++ {
		ceil := min(p.BaseDelay<<(n-1), p.MaxDelay)
		var sum time.Duration
		for range 200 {
			d := p.backoff(n)
			if d < 0 || d > ceil {
				t.Fatalf("backoff(%d) = %s, outside [0, %s]", n, d, ceil)
			}
			sum += d
		}
		if mean := sum / 200; mean < ceil/4 || mean > 3*ceil/4 {
			t.Errorf("backoff(%d) mean %s, want about %s (full jitter)", n, mean, ceil/2)
		}
	}
}

// TestRetry_plainHTTPServerIsPermanent: an https:// base URL pointed at a
// plain-HTTP server fails at once instead of being retried five times.
func TestRetry_plainHTTPServerIsPermanent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the plain-HTTP server was reached")
	}))
	defer srv.Close()
	base := strings.Replace(srv.URL, "http://", "https://", 1)
	c, err := NewClient(base, WithAPIKey("k"), WithGovernor(NewGovernor(GovernorConfig{})))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Space.Get(t.Context())
	if err == nil {
		t.Fatal("no error from an HTTPS request to a plain-HTTP server")
	}
	var re *RetryError
	if errors.As(err, &re) {
		t.Errorf("retried: %v", err)
	}
	if f, _ := classify(err); f != failPermanent {
		t.Errorf("classified %v: %v", f, err)
	}
}
