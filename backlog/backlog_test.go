package backlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// baseURLPath is a non-empty prefix under which the API is mounted, so that
// any request built with an absolute path misses the mux and hits the
// catch-all (go-github's harness).
const baseURLPath = "/backlog-prefix"

// testKey is the API key of the test clients; it must never leak.
const testKey = "sEcReTkEy0123456789"

// setup starts a test server and returns a client for it (authenticated with
// testKey unless opts say otherwise) and the mux to register handlers on,
// with patterns relative to the space root, e.g. "GET /api/v2/space".
func setup(t *testing.T, opts ...Option) (*Client, *http.ServeMux, string) {
	t.Helper()
	mux := http.NewServeMux()
	root := http.NewServeMux()
	root.Handle(baseURLPath+"/", http.StripPrefix(baseURLPath, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("client requested %s %s, outside the base URL %s (absolute path?)", r.Method, r.URL.Path, baseURLPath)
		http.Error(w, "outside base URL", http.StatusBadGateway)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	all := append([]Option{WithAPIKey(testKey)}, opts...)
	c, err := NewClient(srv.URL+baseURLPath, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mux, srv.URL
}

// newTestClient is setup for options that replace the default key.
func newBareClient(t *testing.T, opts ...Option) (*Client, *http.ServeMux) {
	t.Helper()
	mux := http.NewServeMux()
	root := http.NewServeMux()
	root.Handle(baseURLPath+"/", http.StripPrefix(baseURLPath, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("client requested %s, outside the base URL", r.URL.Path)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL+baseURLPath, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mux
}

func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

// testQuery asserts the exact decoded query (names with their brackets).
func testQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	got := r.URL.Query()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query = %v, want %v", got, want)
	}
}

func testHeader(t *testing.T, r *http.Request, name, want string) {
	t.Helper()
	if got := r.Header.Get(name); got != want {
		t.Errorf("header %s = %q, want %q", name, got, want)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func TestNewClient_baseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		wantAPI string
		wantErr string
	}{
		{in: "https://example.backlog.com", wantAPI: "https://example.backlog.com/api/v2/"},
		{in: "https://example.backlog.jp/", wantAPI: "https://example.backlog.jp/api/v2/"},
		{in: "https://example.backlogtool.com/api/v2", wantAPI: "https://example.backlogtool.com/api/v2/"},
		{in: "https://example.backlog.com/api/v2/", wantAPI: "https://example.backlog.com/api/v2/"},
		{in: "https://backlog.corp.example/tools/backlog", wantAPI: "https://backlog.corp.example/tools/backlog/api/v2/"},
		{in: "http://127.0.0.1:8080", wantAPI: "http://127.0.0.1:8080/api/v2/"},
		{in: "http://127.1.2.3:8080", wantAPI: "http://127.1.2.3:8080/api/v2/"},
		{in: "http://[::1]:9000/x", wantAPI: "http://[::1]:9000/x/api/v2/"},
		{in: "http://localhost:3000", wantAPI: "http://localhost:3000/api/v2/"},
		{in: "http://LOCALHOST", wantAPI: "http://LOCALHOST/api/v2/"},
		{in: "http://example.backlog.com", wantErr: "plain http, which is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost)"},
		{in: "http://10.0.0.1", wantErr: "only allowed for loopback hosts"},
		{in: "http://128.0.0.1", wantErr: "only allowed for loopback hosts"},
		{in: "http://localhost.evil.com", wantErr: "only allowed for loopback hosts"},
		{in: "ftp://example.com", wantErr: "must start with https://"},
		{in: "example.backlog.com", wantErr: "must start with https://"},
		{in: "https://", wantErr: "has no host"},
		{in: "https://example.backlog.com/?apiKey=" + testKey, wantErr: "must not contain user info, a query or a fragment"},
		{in: "https://user:" + testKey + "@example.backlog.com", wantErr: "must not contain user info"},
		{in: "://bad" + testKey, wantErr: "not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := NewClient(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), testKey) {
					t.Errorf("error leaks the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.apiURL.String(); got != tt.wantAPI {
				t.Errorf("API URL = %s, want %s", got, tt.wantAPI)
			}
		})
	}
}

func TestNewClient_options(t *testing.T) {
	t.Parallel()
	const u = "https://example.backlog.com"
	tests := []struct {
		name    string
		opts    []Option
		wantErr string
	}{
		{"empty key", []Option{WithAPIKey(" ")}, "empty API key"},
		{"key and token", []Option{WithAPIKey("k"), WithTokenSource(StaticTokenSource("t"))}, "use one"},
		{"query without key", []Option{WithAPIKeyInQuery()}, "needs WithAPIKey"},
		{"nil http client", []Option{WithHTTPClient(nil)}, "nil http.Client"},
		{"nil token source", []Option{WithTokenSource(nil)}, "nil TokenSource"},
		{"ok", []Option{WithAPIKey("k"), WithAPIKeyInQuery(), WithUserAgent("ua"), WithHTTPClient(&http.Client{})}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewClient(u, tt.opts...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewRequest(t *testing.T) {
	t.Parallel()
	c, err := NewClient("https://example.backlog.com", WithUserAgent("backlogsync-test"), WithAPIKey(testKey))
	if err != nil {
		t.Fatal(err)
	}
	req, err := c.NewRequest(t.Context(), http.MethodPost, "issues/BLG-1/comments",
		url.Values{"x[]": {"1", "2"}}, url.Values{"content": {"hi there"}, "notifiedUserId[]": {"5"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := req.URL.String(), "https://example.backlog.com/api/v2/issues/BLG-1/comments?x%5B%5D=1&x%5B%5D=2"; got != want {
		t.Errorf("URL = %s, want %s", got, want)
	}
	body, _ := io.ReadAll(req.Body)
	if got, want := string(body), "content=hi+there&notifiedUserId%5B%5D=5"; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
	testHeader(t, req, "Content-Type", "application/x-www-form-urlencoded")
	testHeader(t, req, "User-Agent", "backlogsync-test")
	testHeader(t, req, "Accept", "application/json")
	// Credentials are added at send time, never stored on the request.
	if req.Header.Get(apiKeyHeader) != "" || strings.Contains(req.URL.String(), testKey) {
		t.Error("NewRequest put the credentials on the request")
	}
	if _, err := c.NewRequest(t.Context(), http.MethodGet, "/issues", nil, nil); err == nil {
		t.Error("absolute path accepted")
	}
	//lint:ignore SA1012 testing the nil check
	if _, err := c.NewRequest(nil, http.MethodGet, "issues", nil, nil); err == nil { //nolint:staticcheck
		t.Error("nil context accepted")
	}
}

func TestAuth_wire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       []Option
		wantHeader map[string]string
		wantQuery  url.Values
	}{
		{"api key header (default)", []Option{WithAPIKey(testKey)},
			map[string]string{apiKeyHeader: testKey, "Authorization": ""}, url.Values{"a": {"1"}}},
		{"api key in query", []Option{WithAPIKey(testKey), WithAPIKeyInQuery()},
			map[string]string{apiKeyHeader: "", "Authorization": ""}, url.Values{"a": {"1"}, "apiKey": {testKey}}},
		{"bearer token", []Option{WithTokenSource(StaticTokenSource("tok123"))},
			map[string]string{apiKeyHeader: "", "Authorization": "Bearer tok123"}, url.Values{"a": {"1"}}},
		{"no credentials", nil,
			map[string]string{apiKeyHeader: "", "Authorization": ""}, url.Values{"a": {"1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux := newBareClient(t, tt.opts...)
			mux.HandleFunc("GET /api/v2/space", func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.wantHeader {
					testHeader(t, r, k, v)
				}
				testQuery(t, r, tt.wantQuery)
				testHeader(t, r, "User-Agent", "backlogsync")
				writeJSON(w, 200, `{"spaceKey":"x"}`)
			})
			req, _ := c.NewRequest(t.Context(), http.MethodGet, "space", url.Values{"a": {"1"}}, nil)
			var sp Space
			resp, err := c.Do(req, &sp)
			if err != nil {
				t.Fatal(err)
			}
			if sp.SpaceKey != "x" {
				t.Errorf("decoded %+v", sp)
			}
			// The response's request is the caller's, credential-free one.
			if s := resp.Request.URL.String(); strings.Contains(s, testKey) {
				t.Errorf("resp.Request.URL leaks the key: %s", s)
			}
			if resp.Request.Header.Get(apiKeyHeader) != "" || resp.Request.Header.Get("Authorization") != "" {
				t.Error("resp.Request carries credentials")
			}
		})
	}
}

// A redirect to another host must not receive the credentials.
func TestAuth_redirectToOtherHost(t *testing.T) {
	t.Parallel()
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(apiKeyHeader) != "" || r.Header.Get("Authorization") != "" || strings.Contains(r.URL.RawQuery, testKey) {
			leaked.Store(true)
		}
		writeJSON(w, 200, `{"spaceKey":"other"}`)
	}))
	t.Cleanup(other.Close)
	for _, opts := range [][]Option{{WithAPIKey(testKey)}, {WithAPIKey(testKey), WithAPIKeyInQuery()}, {WithTokenSource(StaticTokenSource(testKey))}} {
		c, mux := newBareClient(t, opts...)
		mux.HandleFunc("GET /api/v2/space", func(w http.ResponseWriter, r *http.Request) {
			// "localhost" vs "127.0.0.1": a different host.
			http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/elsewhere", http.StatusFound)
		})
		sp, _, err := c.Space.Get(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if sp.SpaceKey != "other" {
			t.Fatalf("redirect not followed: %+v", sp)
		}
	}
	if leaked.Load() {
		t.Error("credentials were sent to another host after a redirect")
	}
}

type failingTokenSource struct{}

func (failingTokenSource) Token(context.Context) (string, error) {
	return "", errors.New("refresh token revoked")
}

func TestAuth_tokenSourceError(t *testing.T) {
	t.Parallel()
	c, mux := newBareClient(t, WithTokenSource(failingTokenSource{}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Error("request sent without a token") })
	_, _, err := c.Users.GetMyself(t.Context())
	if err == nil || !strings.Contains(err.Error(), "getting an OAuth access token: refresh token revoked") {
		t.Fatalf("err = %v", err)
	}
}

func TestDo_rate(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /api/v2/issues", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "150")
		w.Header().Set("X-RateLimit-Remaining", "142")
		w.Header().Set("X-RateLimit-Reset", "1605484860")
		writeJSON(w, 200, `[]`)
	})
	_, resp, err := c.Issues.List(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Rate{Class: RateSearch, Limit: 150, Remaining: 142, Reset: time.Unix(1605484860, 0).UTC()}
	if resp.Rate != want {
		t.Errorf("Rate = %+v, want %+v", resp.Rate, want)
	}
	if resp.Rate.Reset.Location() != time.UTC {
		t.Error("Reset not in UTC")
	}
	if got := c.LastRate(RateSearch); got != want {
		t.Errorf("LastRate(search) = %+v", got)
	}
	if got := c.LastRate(RateRead); got != (Rate{}) {
		t.Errorf("LastRate(read) = %+v, want zero", got)
	}
}

func TestParseRate_malformed(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "abc")
	h.Set("X-RateLimit-Remaining", "")
	h.Set("X-RateLimit-Reset", "-5")
	if got := parseRate(h, RateRead); got != (Rate{Class: RateRead}) {
		t.Errorf("parseRate = %+v", got)
	}
}

func TestClassOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		want         RateClass
	}{
		{"GET", "issues", RateSearch},
		{"GET", "issues/count", RateSearch},
		{"GET", "wikis", RateSearch},
		{"GET", "wikis/count", RateSearch},
		{"GET", "wikis/tags", RateRead},
		{"GET", "issues/BLG-1", RateRead},
		{"GET", "space/image", RateIcon},
		{"GET", "users/5/icon", RateIcon},
		{"GET", "projects/BLG/image", RateIcon},
		{"GET", "teams/3/icon", RateIcon},
		{"GET", "users/5", RateRead},
		{"GET", "projects", RateRead},
		{"POST", "issues", RateUpdate},
		{"PATCH", "issues/BLG-1", RateUpdate},
		{"DELETE", "issues/BLG-1", RateUpdate},
		{"PUT", "space/notification", RateUpdate},
	}
	for _, tt := range tests {
		if got := ClassOf(tt.method, tt.path); got != tt.want {
			t.Errorf("ClassOf(%s %s) = %s, want %s", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestDo_decodeErrors(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, WithAPIKeyInQuery(), WithRetry(RetryPolicy{BaseDelay: time.Millisecond}))
	mux.HandleFunc("GET /api/v2/space", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html>login</html>")
	})
	mux.HandleFunc("GET /api/v2/users/myself", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, `{"id":1,"name":"tr`) // truncated body
	})
	mux.HandleFunc("GET /api/v2/space/notification", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	_, _, err := c.Space.Get(t.Context())
	if err == nil || !strings.Contains(err.Error(), "text/html, not JSON") {
		t.Errorf("HTML answer: err = %v", err)
	}
	_, _, err = c.Users.GetMyself(t.Context())
	if err == nil {
		t.Error("truncated body decoded without error")
	} else if !strings.Contains(err.Error(), "gave up after 5 attempts: truncated body ×5") {
		t.Errorf("truncated body: err = %v, want it retried 5 times", err)
	}
	for _, e := range []error{err} {
		if e != nil && strings.Contains(e.Error(), testKey) {
			t.Errorf("error leaks key: %v", e)
		}
	}
	n, _, err := c.Space.GetNotification(t.Context())
	if err != nil || n != nil {
		t.Errorf("204: %v, %v", n, err)
	}
}

func TestDo_contextCancelled(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /api/v2/space", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, _, err := c.Space.Get(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
}

// A transport failure must not print the key, even in query mode.
func TestDo_transportErrorRedacted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close() // reset without an answer
	}))
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := NewClient(srv.URL, WithAPIKey(testKey), WithAPIKeyInQuery(), WithLogger(logger),
		WithRetry(RetryPolicy{BaseDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := c.NewRequest(t.Context(), http.MethodGet, "space", url.Values{"apiKey": {testKey}, "code": {"oauthcode"}}, nil)
	_, err = c.Do(req, nil)
	if err == nil {
		t.Fatal("no error")
	}
	for name, s := range map[string]string{"error": err.Error(), "log": logs.String()} {
		if strings.Contains(s, testKey) || strings.Contains(s, "oauthcode") {
			t.Errorf("%s leaks a secret: %s", name, s)
		}
		if !strings.Contains(s, "apiKey=REDACTED") {
			t.Errorf("%s lacks the redacted URL: %s", name, s)
		}
	}
}

func TestLogger_redacts(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mux, _ := setup(t, WithAPIKeyInQuery(), WithLogger(logger))
	mux.HandleFunc("GET /api/v2/space", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"errors":[{"message":"No space for key `+testKey+`.","code":6,"moreInfo":""}]}`)
	})
	_, _, err := c.Space.Get(t.Context())
	if err == nil {
		t.Fatal("no error")
	}
	if s := logs.String(); strings.Contains(s, testKey) || !strings.Contains(s, "status=404") {
		t.Errorf("log = %s", s)
	}
	if strings.Contains(err.Error(), testKey) || !strings.Contains(err.Error(), "No space for key REDACTED.") {
		t.Errorf("err = %v", err)
	}
}

// TestDecodedValuesOutliveTheBodyBuffer checks that values decoded from a
// response do not point into the pooled buffer the body was read into:
// later responses reuse that buffer.
func TestDecodedValuesOutliveTheBodyBuffer(t *testing.T) {
	c, mux, _ := setup(t)
	n := 0
	mux.HandleFunc("GET /api/v2/issues", func(w http.ResponseWriter, r *http.Request) {
		n++
		letter := string(rune('a' + n))
		desc := strings.Repeat(letter, 2000)
		fmt.Fprintf(w, `[{"id":%d,"issueKey":"K-%s","summary":"%s","description":%q,"customFields":[{"id":1,"name":"f","value":"%s"}]}]`,
			n, letter, letter+letter, desc, letter)
	})
	first, _, err := c.Issues.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, _, err := c.Issues.List(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
	is := first[0]
	if is.IssueKey != "K-b" || is.Summary != "bb" || is.Description != strings.Repeat("b", 2000) {
		t.Fatalf("first issue changed after later reads: key %q summary %q", is.IssueKey, is.Summary)
	}
	if got := string(is.CustomFields[0].Value); got != `"b"` {
		t.Fatalf("first issue's custom field value = %s after later reads, want \"b\"", got)
	}
}
