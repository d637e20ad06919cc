package emulator

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pat, path string
		want      bool
	}{
		{"", "/anything", true},
		{"/api/v2/space", "/api/v2/space", true},
		{"/api/v2/space", "/api/v2/space/image", false},
		{"/api/v2/issues*", "/api/v2/issues", true},
		{"/api/v2/issues*", "/api/v2/issues/count", true},
		{"/api/v2/issues*", "/api/v2/issues/BLG-1/comments", true},
		{"/api/v2/issues*", "/api/v2/issueTypes", false},
		{"/api/v2/issue*", "/api/v2/issueTypes", true},
		{"/api/v2/issues/*", "/api/v2/issues", false},
		{"/api/v2/issues/*/comments", "/api/v2/issues/BLG-1/comments", true},
		{"/api/v2/issues/*/comments", "/api/v2/issues/BLG-1/comments/5", false},
		{"/api/v2/issues/*/comments", "/api/v2/issues/a/b/comments", false},
		{"/api/v2/**/comments", "/api/v2/issues/a/comments", true},
		{"/api/v2/**/comments", "/api/v2/comments", false},
		{"/api/v2/*/icon", "/api/v2/users/1/icon", false},
		{"/api/v2/**/icon", "/api/v2/users/1/icon", true},
		{"*", "/api/v2/space", true},
		{"/api/v2/*s", "/api/v2/projects", true},
		{"/api/v2/*e", "/api/v2/space", true},
		{"/api/v2/*e", "/api/v2/space/image", false}, // "*e" is not a trailing star
	}
	for _, c := range cases {
		if got := globMatch(c.pat, c.path); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", c.pat, c.path, got, c.want)
		}
	}
}

// statuses makes n GETs of path and returns the statuses.
func statuses(t *testing.T, s *Server, path string, n int) string {
	t.Helper()
	var out []string
	for range n {
		st, _, _ := do(t, s, "GET", path, "k", "")
		out = append(out, strconv.Itoa(st))
	}
	return strings.Join(out, ",")
}

func TestFaultSchedules(t *testing.T) {
	cases := []struct {
		name string
		rule FaultRule
		want string
	}{
		{"always", FaultRule{Path: "/api/v2/space", Kind: FaultStatus, Status: 500}, "500,500,500,500,500,500"},
		{"times", FaultRule{Path: "/api/v2/space", Kind: FaultStatus, Status: 503, Times: 2}, "503,503,200,200,200,200"},
		{"every", FaultRule{Path: "/api/v2/space", Kind: FaultStatus, Status: 502, Every: 3}, "200,200,502,200,200,502"},
		{"after times", FaultRule{Path: "/api/v2/sp*", Kind: FaultStatus, Status: 500, After: 2, Times: 1}, "200,200,500,200,200,200"},
		{"after every times", FaultRule{Path: "/api/v2/**", Kind: FaultStatus, Status: 500, After: 1, Every: 2, Times: 2}, "200,200,500,200,500,200"},
		{"other path", FaultRule{Path: "/api/v2/projects*", Kind: FaultStatus, Status: 500}, "200,200,200,200,200,200"},
		{"other method", FaultRule{Method: "post", Path: "/api/v2/space", Kind: FaultStatus, Status: 500}, "200,200,200,200,200,200"},
		{"GET rule covers HEAD, GET itself", FaultRule{Method: "GET", Path: "/api/v2/space", Kind: FaultStatus, Status: 500, Times: 1}, "500,200,200,200,200,200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
			r, err := s.AddFault(c.rule)
			if err != nil {
				t.Fatal(err)
			}
			if got := statuses(t, s, "/api/v2/space", 6); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
			f := s.Faults()
			fired := strings.Count(c.want, "5")
			if len(f) != 1 || f[0].ID != r.ID || f[0].Fired != fired {
				t.Errorf("counters %+v, want fired %d", f, fired)
			}
		})
	}
}

func TestFaultProbabilityDeterministic(t *testing.T) {
	run := func(seed int64) string {
		s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
		if _, err := s.AddFault(FaultRule{Path: "/api/v2/**", Kind: FaultStatus, Status: 503, Probability: 0.5, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		return statuses(t, s, "/api/v2/space", 40)
	}
	a, b, c := run(7), run(7), run(8)
	if a != b {
		t.Errorf("same seed differs:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds agree: %s", a)
	}
	if n := strings.Count(a, "503"); n < 8 || n > 32 {
		t.Errorf("probability 0.5 fired %d of 40", n)
	}
}

func TestFaultStatusBodies(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		status, code   int
		method, path   string
		limit          string
		rateLimits     RateLimits
		wantRateHeader bool
	}{
		{500, CodeInternal, "GET", "/api/v2/space", "", PaidLimits, false},
		{502, CodeInternal, "GET", "/api/v2/space", "", PaidLimits, false},
		{503, CodeInternal, "GET", "/api/v2/space", "", PaidLimits, false},
		{404, CodeNoResource, "GET", "/api/v2/space", "", PaidLimits, false},
		{429, CodeTooManyRequests, "GET", "/api/v2/space", "600", PaidLimits, true},
		{429, CodeTooManyRequests, "GET", "/api/v2/issues", "150", PaidLimits, true},
		{429, CodeTooManyRequests, "POST", "/api/v2/issues", "40", FreeLimits, true},
		{429, CodeTooManyRequests, "GET", "/api/v2/users/5/icon", "60", RateLimits{}, true},
	}
	for _, c := range cases {
		s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true, RateLimits: c.rateLimits,
			Now: func() time.Time { return now }})
		rule, _ := s.AddFault(FaultRule{Path: "/api/v2/**", Kind: FaultStatus, Status: c.status})
		st, h, body := do(t, s, c.method, c.path, "k", "")
		if st != c.status || backlogError(t, body) != c.code {
			t.Errorf("%d %s: got %d %s", c.status, c.path, st, body)
		}
		if !strings.Contains(string(body), "fault rule "+strconv.FormatInt(rule.ID, 10)) {
			t.Errorf("moreInfo does not name the rule: %s", body)
		}
		if c.wantRateHeader {
			if h.Get("X-RateLimit-Limit") != c.limit || h.Get("X-RateLimit-Remaining") != "0" ||
				h.Get("X-RateLimit-Reset") != "1767225660" {
				t.Errorf("%s %s 429 headers: %v", c.method, c.path, h)
			}
		} else if h.Get("X-RateLimit-Remaining") != "" {
			t.Errorf("%d carries rate headers", c.status)
		}
	}
	// Injected 429s do not consume the real budget.
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true, RateLimits: PaidLimits})
	_, _ = s.AddFault(FaultRule{Path: "/api/v2/space", Kind: FaultStatus, Status: 429, Times: 3})
	statuses(t, s, "/api/v2/space", 3)
	if _, h, _ := do(t, s, "GET", "/api/v2/space", "k", ""); h.Get("X-RateLimit-Remaining") != "599" {
		t.Errorf("after injected 429s: remaining %s", h.Get("X-RateLimit-Remaining"))
	}
}

func TestFaultLatency(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
	_, _ = s.AddFault(FaultRule{Path: "/api/v2/space", Kind: FaultLatency, Delay: 60 * time.Millisecond, Times: 1})
	_, _ = s.AddFault(FaultRule{Path: "/api/v2/space", Kind: FaultLatency, Delay: 40 * time.Millisecond, Times: 1})
	_, _ = s.AddFault(FaultRule{Path: "/api/v2/space", Kind: FaultStatus, Status: 503, Times: 1})
	start := time.Now()
	st, _, _ := do(t, s, "GET", "/api/v2/space", "k", "")
	// Latencies add up and a later terminal rule still answers.
	if el := time.Since(start); st != 503 || el < 100*time.Millisecond {
		t.Errorf("first: %d after %v", st, el)
	}
	// Each rule fires once (Times: 1): the second request matches them all
	// and none fires, so no latency is added. (Asserted on the rules rather
	// than as "answered within 50 ms": under -race on two loaded cores a
	// request alone can take that long.)
	st, _, _ = do(t, s, "GET", "/api/v2/space", "k", "")
	if st != 200 {
		t.Errorf("second: %d", st)
	}
	for _, f := range s.Faults() {
		if f.Matched != 2 || f.Fired != 1 {
			t.Errorf("after two requests, rule %+v: matched %d, fired %d; want 2, 1", f, f.Matched, f.Fired)
		}
	}
}

func TestFaultResetAndTruncateInProcess(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
	_, _ = s.AddFault(FaultRule{Path: "/api/v2/space", Kind: FaultReset, Times: 1})
	_, _ = s.AddFault(FaultRule{Path: "/api/v2/space", Kind: FaultTruncate, Times: 1})
	req, _ := http.NewRequest("GET", "http://emulator/api/v2/space", nil)
	req.Header.Set("Backlog-API-Key", "k")
	if _, err := s.Client().Do(req); err == nil || !strings.Contains(err.Error(), "reset") {
		t.Fatalf("reset: err %v", err)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) || resp.StatusCode != 200 || resp.ContentLength <= 0 ||
		int64(len(data)) != resp.ContentLength/2 {
		t.Fatalf("truncate: %d cl=%d got %d bytes, err %v", resp.StatusCode, resp.ContentLength, len(data), err)
	}
	_, _, full := do(t, s, "GET", "/api/v2/space", "k", "")
	if int64(len(full)) != resp.ContentLength || string(full[:len(data)]) != string(data) {
		t.Errorf("truncated body is not a prefix of %s", full)
	}
	// The request log records the reset with status 0.
	var found bool
	for _, r := range s.Requests() {
		if r.Path == "/api/v2/space" && r.Status == 0 && r.Class == "read" {
			found = true
		}
	}
	if !found {
		t.Errorf("reset not logged: %+v", s.Requests())
	}
}

func TestFaultsOverHTTP(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
	base := s.Start()
	defer s.Close()
	get := func() (*http.Response, error) {
		req, _ := http.NewRequest("GET", base+"/api/v2/space", nil)
		req.Header.Set("Backlog-API-Key", "k")
		// A fresh transport per request so that a broken connection is not reused.
		return (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	}
	resp, err := get()
	if err != nil {
		t.Fatal(err)
	}
	full, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	_, _ = s.AddFault(FaultRule{Path: "/api/v2/space", Kind: FaultReset, Times: 1})
	if resp, err := get(); err == nil {
		resp.Body.Close()
		t.Fatalf("reset over HTTP: got %d, want a transport error", resp.StatusCode)
	}

	_, _ = s.AddFault(FaultRule{Path: "/api/v2/space", Kind: FaultTruncate, Bytes: 10, Times: 1})
	resp, err = get()
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(data) != 10 || resp.ContentLength != int64(len(full)) {
		t.Fatalf("truncate over HTTP: %d bytes of %d, err %v", len(data), resp.ContentLength, err)
	}

	_, _ = s.AddFault(FaultRule{Path: "/api/v2/space", Kind: FaultSlow, ChunkSize: 16, Delay: 10 * time.Millisecond, Times: 1})
	start := time.Now()
	resp, err = get()
	if err != nil {
		t.Fatal(err)
	}
	data, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	chunks := (len(full) + 15) / 16
	if err != nil || string(data) != string(full) || time.Since(start) < time.Duration(chunks-1)*10*time.Millisecond {
		t.Fatalf("slow: err %v, %d bytes after %v (%d chunks)", err, len(data), time.Since(start), chunks)
	}
	for _, f := range s.Faults() {
		if f.Fired != 1 {
			t.Errorf("rule %v fired %d times", f, f.Fired)
		}
	}
}

func TestFaultRuleValidationAndJSON(t *testing.T) {
	bad := []FaultRule{
		{Path: "/x"},
		{Path: "/x", Kind: "explode"},
		{Path: "/x", Kind: FaultStatus},
		{Path: "/x", Kind: FaultStatus, Status: 200},
		{Path: "/x", Kind: FaultLatency},
		{Path: "x", Kind: FaultReset},
		{Path: "/x", Kind: FaultReset, Times: -1},
		{Path: "/x", Kind: FaultReset, Probability: 1.5},
	}
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
	for _, r := range bad {
		if _, err := s.AddFault(r); err == nil {
			t.Errorf("accepted %+v", r)
		}
	}
	var r FaultRule
	if err := json.Unmarshal([]byte(`{"path":"/a*","kind":"latency","latency":"1.5s"}`), &r); err != nil || r.Delay != 1500*time.Millisecond {
		t.Errorf("latency alias: %+v %v", r, err)
	}
	if err := json.Unmarshal([]byte(`{"path":"/a*","kind":"slow","delay":250}`), &r); err != nil || r.Delay != 250*time.Millisecond {
		t.Errorf("numeric delay: %+v %v", r, err)
	}
	if err := json.Unmarshal([]byte(`{"path":"/a*","kind":"slow","dealy":250}`), &r); err == nil {
		t.Error("unknown field accepted")
	}
	added, _ := s.AddFault(FaultRule{Path: "/a", Kind: FaultSlow})
	data, _ := json.Marshal(added)
	want := `{"id":1,"path":"/a","kind":"slow","delay":"100ms","chunkSize":64,"matched":0,"fired":0}`
	if string(data) != want {
		t.Errorf("JSON %s, want %s", data, want)
	}
}

// BenchmarkFaultMatching measures the cost the fault layer adds to a request:
// no rules, and ten rules that do not match.
func BenchmarkFaultMatching(b *testing.B) {
	for _, n := range []int{0, 10} {
		b.Run(strconv.Itoa(n)+"rules", func(b *testing.B) {
			s := newTestServer(b, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
			for i := range n {
				_, _ = s.AddFault(FaultRule{Path: "/api/v2/projects/*/x" + strconv.Itoa(i), Kind: FaultReset})
			}
			req, _ := http.NewRequest("GET", "http://emulator/api/v2/space", nil)
			req.Header.Set("Backlog-API-Key", "k")
			c := s.Client()
			b.ReportAllocs()
			for b.Loop() {
				resp, err := c.Do(req)
				if err != nil || resp.StatusCode != 200 {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
		})
	}
}
