package emulator

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func rateLimitOf(t *testing.T, s *Server, key string) map[string]jsonRate {
	t.Helper()
	st, _, body := do(t, s, "GET", "/api/v2/rateLimit", key, "")
	if st != 200 {
		t.Fatalf("GET /rateLimit: %d %s", st, body)
	}
	var out struct {
		RateLimit map[string]jsonRate `json:"rateLimit"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.RateLimit) != 4 {
		t.Fatalf("classes: %s", body)
	}
	return out.RateLimit
}

func TestRateLimitEndpoint(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // 1767225600
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true, RateLimits: PaidLimits,
		Now: func() time.Time { return now }})
	addTestUser(s, RoleNormal, "other")

	got := rateLimitOf(t, s, "k")
	want := map[string]jsonRate{
		"read":   {600, 599, 1767225660}, // the call itself counts as a read
		"update": {150, 150, 1767225660},
		"search": {150, 150, 1767225660},
		"icon":   {60, 60, 1767225660},
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %+v, want %+v", k, got[k], w)
		}
	}

	now = now.Add(10 * time.Second)
	do(t, s, "GET", "/api/v2/space", "k", "")
	do(t, s, "GET", "/api/v2/space/image", "k", "")
	do(t, s, "PUT", "/api/v2/space/notification", "k", "content=x")
	got = rateLimitOf(t, s, "k")
	// read's window started at the first call; icon's and update's at 10 s.
	want = map[string]jsonRate{
		"read":   {600, 597, 1767225660},
		"update": {150, 149, 1767225670},
		"search": {150, 150, 1767225670},
		"icon":   {60, 59, 1767225670},
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("after calls %s: got %+v, want %+v", k, got[k], w)
		}
	}
	// Per user: another user's budget is untouched.
	if r := rateLimitOf(t, s, "other")["read"]; r.Remaining != 599 {
		t.Errorf("other user read %+v", r)
	}
	// A new window restores the budget.
	now = now.Add(time.Minute)
	if r := rateLimitOf(t, s, "k"); r["read"] != (jsonRate{600, 599, 1767225730}) || r["icon"].Remaining != 60 {
		t.Errorf("next window: %+v", r)
	}
}

func TestRateLimitEndpointUnlimited(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true, Now: func() time.Time { return now }})
	rateLimitOf(t, s, "k")
	got := rateLimitOf(t, s, "k")
	if got["read"] != (jsonRate{UnlimitedReport, UnlimitedReport - 2, 1767225660}) ||
		got["search"] != (jsonRate{UnlimitedReport, UnlimitedReport, 1767225660}) {
		t.Errorf("off: %+v", got)
	}
	// Custom limits: unlimited classes next to limited ones.
	s.SetRateLimits(RateLimits{Update: 5}, 0)
	got = rateLimitOf(t, s, "k")
	if got["update"].Limit != 5 || got["read"].Limit != UnlimitedReport {
		t.Errorf("custom: %+v", got)
	}
	if s.RateSettings().Profile != "custom" {
		t.Errorf("profile %q", s.RateSettings().Profile)
	}
}

// TestRateHeadersWithoutLimits: Backlog sends X-RateLimit-* on every
// response, so an emulator without limits sends them too, reporting
// UnlimitedReport and counting down remaining.
func TestRateHeadersWithoutLimits(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true, Now: func() time.Time { return now }})
	for i, path := range []string{"/api/v2/space", "/api/v2/space", "/api/v2/issues", "/api/v2/users/myself"} {
		st, h, _ := do(t, s, "GET", path, "k", "")
		want := map[int]string{0: "999999", 1: "999998", 2: "999999", 3: "999997"}[i]
		if st != 200 || h.Get("X-RateLimit-Limit") != "1000000" || h.Get("X-RateLimit-Remaining") != want ||
			h.Get("X-RateLimit-Reset") != "1767225660" {
			t.Errorf("GET %s (%d): %d limit %q remaining %q (want %s) reset %q", path, i, st,
				h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"), want, h.Get("X-RateLimit-Reset"))
		}
	}
}

// TestHeadCountsLikeGet: Backlog documents no HEAD, and the emulator answers
// HEAD on every GET route as that GET without a body (RFC 9110 §9.3.2), so
// a HEAD is counted in the GET's class: a HEAD on the four search routes
// spends the search budget and reports the search limit, as the GET does
// (backlog.ClassOf classifies HEAD the same way). HEAD on a route without a
// GET is 405 with Allow and spends nothing.
func TestHeadCountsLikeGet(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true, RateLimits: PaidLimits,
		Now: func() time.Time { return now }})
	for _, path := range []string{"/api/v2/issues", "/api/v2/issues/count",
		"/api/v2/wikis?projectIdOrKey=NOPE", "/api/v2/wikis/count?projectIdOrKey=NOPE", "/api/v2/space"} {
		gst, gh, _ := do(t, s, "GET", path, "k", "")
		hst, hh, body := do(t, s, "HEAD", path, "k", "")
		remaining, _ := strconv.Atoi(gh.Get("X-RateLimit-Remaining"))
		// An error's body is written for HEAD too; net/http drops it on the
		// wire, so only a success's is checked here.
		if hst != gst || gst == http.StatusOK && len(body) != 0 || hh.Get("X-RateLimit-Limit") != gh.Get("X-RateLimit-Limit") ||
			hh.Get("X-RateLimit-Remaining") != strconv.Itoa(remaining-1) {
			t.Errorf("HEAD %s: %d %q limit %q remaining %q; GET: %d limit %q remaining %q", path,
				hst, body, hh.Get("X-RateLimit-Limit"), hh.Get("X-RateLimit-Remaining"),
				gst, gh.Get("X-RateLimit-Limit"), gh.Get("X-RateLimit-Remaining"))
		}
	}
	st, h, _ := do(t, s, "HEAD", "/api/v2/notifications/markAsRead", "k", "")
	if st != http.StatusMethodNotAllowed || h.Get("Allow") != "POST" {
		t.Errorf("HEAD on a POST route: %d Allow %q", st, h.Get("Allow"))
	}
	got := rateLimitOf(t, s, "k")
	if got["search"].Remaining != 150-8 || got["read"].Remaining != 600-3 || got["update"].Remaining != 150 {
		t.Errorf("after 4 GET+HEAD searches, a GET+HEAD read and a 405: %+v", got)
	}
}
