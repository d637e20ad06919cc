package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// newTestServer returns an emulator with a small space.
func newTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// do performs a request in-process and returns status, headers and body.
func do(t testing.TB, s *Server, method, path, key string, body string) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://emulator"+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if key != "" {
		req.Header.Set("Backlog-API-Key", key)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

// backlogError decodes Backlog's error body and returns the first code.
func backlogError(t testing.TB, body []byte) int {
	t.Helper()
	var e struct {
		Errors []struct {
			Message  string `json:"message"`
			Code     int    `json:"code"`
			MoreInfo string `json:"moreInfo"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) == 0 {
		t.Fatalf("not a Backlog error body: %s", body)
	}
	if e.Errors[0].Message == "" {
		t.Fatalf("error without message: %s", body)
	}
	return e.Errors[0].Code
}

func TestServerBasics(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", RateLimits: PaidLimits})
	st, h, body := do(t, s, "GET", "/api/v2/space", "k", "")
	if st != 200 {
		t.Fatalf("GET /space: %d %s", st, body)
	}
	if got := h.Get("Content-Type"); got != "application/json;charset=utf-8" {
		t.Errorf("content type %q", got)
	}
	if h.Get("X-RateLimit-Limit") != "600" || h.Get("X-RateLimit-Remaining") != "599" {
		t.Errorf("rate headers: %v", h)
	}
	if reset := h.Get("X-RateLimit-Reset"); reset == "" {
		t.Error("no X-RateLimit-Reset")
	}
	var sp map[string]any
	if err := json.Unmarshal(body, &sp); err != nil {
		t.Fatal(err)
	}
	if sp["spaceKey"] != "demo" {
		t.Errorf("spaceKey %v", sp["spaceKey"])
	}
	if c, ok := sp["created"].(string); !ok || !strings.HasSuffix(c, "Z") || len(c) != 20 {
		t.Errorf("created %v", sp["created"])
	}

	cases := []struct {
		method, path, key string
		status, code      int
	}{
		{"GET", "/api/v2/space", "", 401, CodeAuthentication},
		{"GET", "/api/v2/space", "wrong", 401, CodeAuthentication},
		{"GET", "/api/v2/nosuch", "k", 404, CodeNoResource},
		{"GET", "/api/v2/nosuch", "wrong", 401, CodeAuthentication},
		{"GET", "/elsewhere", "k", 404, CodeNoResource},
		{"DELETE", "/api/v2/space", "k", 405, CodeInvalidRequest},
	}
	for _, c := range cases {
		st, _, body := do(t, s, c.method, c.path, c.key, "")
		if st != c.status || backlogError(t, body) != c.code {
			t.Errorf("%s %s key=%q: got %d %s, want %d code %d", c.method, c.path, c.key, st, body, c.status, c.code)
		}
	}
	// apiKey in the query works too.
	if st, _, body := do(t, s, "GET", "/api/v2/space?apiKey=k", "", ""); st != 200 {
		t.Errorf("apiKey query: %d %s", st, body)
	}
}

func TestRateLimitWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true,
		RateLimits: RateLimits{Read: 3, Update: 1, Search: 2, Icon: 1}, RateWindow: 5 * time.Second,
		Now: func() time.Time { return now }})
	for i := range 3 {
		st, h, _ := do(t, s, "GET", "/api/v2/space", "k", "")
		if st != 200 || h.Get("X-RateLimit-Remaining") != string(rune('2'-i)) {
			t.Fatalf("request %d: %d remaining %s", i, st, h.Get("X-RateLimit-Remaining"))
		}
	}
	st, h, body := do(t, s, "GET", "/api/v2/priorities", "k", "")
	if st != 429 || backlogError(t, body) != CodeTooManyRequests || h.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("4th read: %d %s %v", st, body, h)
	}
	if h.Get("X-RateLimit-Reset") != "1767225605" {
		t.Errorf("reset %s", h.Get("X-RateLimit-Reset"))
	}
	// Another class is unaffected.
	if st, _, _ := do(t, s, "GET", "/api/v2/space/image", "k", ""); st != 200 {
		t.Errorf("icon: %d", st)
	}
	now = now.Add(5 * time.Second)
	if st, h, _ := do(t, s, "GET", "/api/v2/space", "k", ""); st != 200 || h.Get("X-RateLimit-Remaining") != "2" {
		t.Errorf("after window: %d %v", st, h)
	}
}

func TestParamsFold(t *testing.T) {
	p := params{}
	p.fold(map[string][]string{"projectId[]": {"1", "2"}, "customField_5[1]": {"b"}, "customField_5[0]": {"a"}, "count": {"3"}})
	if got := strings.Join(p["projectId"], ","); got != "1,2" {
		t.Errorf("projectId %q", got)
	}
	if got := strings.Join(p["customField_5"], ","); got != "a,b" {
		t.Errorf("customField_5 %q", got)
	}
	if n, e := p.rangeInt("count", 20, 1, 100); e != nil || n != 3 {
		t.Errorf("count %d %v", n, e)
	}
	if _, e := (params{"count": {"101"}}).rangeInt("count", 20, 1, 100); e == nil || e.Code != CodeInvalidRequest {
		t.Errorf("count=101 accepted")
	}
}

// TestStartSetsTimeouts: the servers Start and StartTLS run cut off clients
// that stall their request or idle, and have no write timeout (long list
// pages and latency faults must still arrive).
func TestStartSetsTimeouts(t *testing.T) {
	for _, tls := range []bool{false, true} {
		s, err := New(Options{Seed: 1, Empty: true})
		if err != nil {
			t.Fatal(err)
		}
		if tls {
			if _, err := s.StartTLS(); err != nil {
				t.Fatal(err)
			}
		} else {
			s.Start()
		}
		c := s.hs.Config
		if c.ReadHeaderTimeout != ReadHeaderTimeout || c.ReadTimeout != ReadTimeout || c.IdleTimeout != IdleTimeout || c.WriteTimeout != 0 {
			t.Errorf("tls=%v: timeouts header %v read %v idle %v write %v", tls, c.ReadHeaderTimeout, c.ReadTimeout, c.IdleTimeout, c.WriteTimeout)
		}
		s.Close()
	}
}
