package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// adminHeader carries the administrator key "k" and a JSON content type.
var adminHeader = http.Header{"Backlog-API-Key": {"k"}, "Content-Type": {"application/json"}}

// addTestUser adds a user with an API key to the space.
func addTestUser(s *Server, role int, key string) *user {
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	u := &user{ID: st.nextID("user"), UserID: "u" + key, Name: "User " + key, RoleType: role, APIKeys: []string{key}}
	st.users[u.ID] = u
	st.userList = append(st.userList, u)
	st.apiKeys[key] = u
	return u
}

func TestAdminAuth(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
	addTestUser(s, RoleNormal, "member")
	addTestUser(s, RoleAdmin, "otheradmin")
	routes := []struct{ method, path, body string }{
		{"GET", "/_emulator/space", ""},
		{"GET", "/_emulator/users", ""},
		{"POST", "/_emulator/reset", ""},
		{"POST", "/_emulator/reseed", "{}"},
		{"GET", "/_emulator/faults", ""},
		{"POST", "/_emulator/faults", `{"path":"/x","kind":"reset"}`},
		{"DELETE", "/_emulator/faults", ""},
		{"DELETE", "/_emulator/faults/1", ""},
		{"GET", "/_emulator/ratelimit", ""},
		{"PUT", "/_emulator/ratelimit", `{"profile":"off"}`},
		{"GET", "/_emulator/requests", ""},
		{"DELETE", "/_emulator/requests", ""},
		{"POST", "/_emulator/churn", `{"events":1}`},
		{"POST", "/_emulator/issues/move", `{"issue":"1","project":"X"}`},
		{"POST", "/_emulator/oauth/autoapprove", `{"userId":null}`},
		{"DELETE", "/_emulator/oauth/autoapprove", ""},
		{"GET", "/_emulator/nosuch", ""},
	}
	for _, r := range routes {
		for _, h := range []http.Header{
			{},
			{"Backlog-API-Key": {"wrong"}},
			{"Backlog-API-Key": {"member"}},
			{"Backlog-API-Key": {"otheradmin"}}, // only the space's administrator
		} {
			st, _, body := send(t, s, r.method, r.path, h, r.body)
			if st != 401 || backlogError(t, body) != CodeAuthentication {
				t.Errorf("%s %s with %v: %d %s", r.method, r.path, h, st, body)
			}
		}
		// The apiKey query parameter is not accepted for admin routes.
		if st, _, _ := send(t, s, r.method, r.path+"?apiKey=k", nil, r.body); st != 401 {
			t.Errorf("%s %s?apiKey: %d", r.method, r.path, st)
		}
	}
	if len(s.Faults()) != 0 {
		t.Error("an unauthenticated request added a fault")
	}
	// Health is open.
	if st, _, body := send(t, s, "GET", "/_emulator/health", nil, ""); st != 200 || !strings.Contains(string(body), `"ok"`) {
		t.Errorf("health: %d %s", st, body)
	}
	if st, _, body := send(t, s, "GET", "/_emulator/nosuch", adminHeader, ""); st != 404 || backlogError(t, body) != CodeNoResource {
		t.Errorf("unknown admin route: %d %s", st, body)
	}
	// Admin routes are neither faulted nor logged nor rate-limited.
	_, _ = s.AddFault(FaultRule{Kind: FaultStatus, Status: 500})
	s.ClearRequests()
	if st, _, _ := send(t, s, "GET", "/_emulator/faults", adminHeader, ""); st != 200 {
		t.Errorf("admin route faulted: %d", st)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("admin request logged: %+v", s.Requests())
	}
}

func TestAdminFaultRoutes(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
	st, _, body := send(t, s, "POST", "/_emulator/faults", adminHeader, `{"path":"/api/v2/space","kind":"status","status":503,"times":1}`)
	var added []FaultRule
	if st != 201 || json.Unmarshal(body, &added) != nil || len(added) != 1 || added[0].ID != 1 {
		t.Fatalf("add one: %d %s", st, body)
	}
	st, _, body = send(t, s, "POST", "/_emulator/faults", adminHeader,
		`[{"method":"GET","path":"/api/v2/priorities","kind":"latency","delay":"1ms"},{"path":"/api/v2/res*","kind":"reset","every":2}]`)
	if st != 201 || json.Unmarshal(body, &added) != nil || len(added) != 2 || added[1].ID != 3 || added[0].Delay != time.Millisecond {
		t.Fatalf("add two: %d %s", st, body)
	}
	for _, bad := range []string{``, `{"path":"/x","kind":"boom"}`, `[{"path":"/x","kind":"reset"},{"path":"/x","kind":"status","status":99}]`,
		`{"path":"/x","kind":"reset","colour":"red"}`, `{"path":"/x","kind":"latency","delay":"soon"}`, `nope`} {
		if st, _, body := send(t, s, "POST", "/_emulator/faults", adminHeader, bad); st != 400 || backlogError(t, body) != CodeInvalidRequest {
			t.Errorf("bad rule %s: %d %s", bad, st, body)
		}
	}
	if n := len(s.Faults()); n != 3 {
		t.Fatalf("a rejected batch was partly added: %d rules", n)
	}
	statuses(t, s, "/api/v2/space", 2)
	st, _, body = send(t, s, "GET", "/_emulator/faults", adminHeader, "")
	var list []map[string]any
	if st != 200 || json.Unmarshal(body, &list) != nil || len(list) != 3 || list[0]["matched"] != 2.0 || list[0]["fired"] != 1.0 {
		t.Fatalf("list: %d %s", st, body)
	}
	if st, _, _ := send(t, s, "DELETE", "/_emulator/faults/2", adminHeader, ""); st != 200 || len(s.Faults()) != 2 {
		t.Errorf("delete one: %d %d", st, len(s.Faults()))
	}
	if st, _, body := send(t, s, "DELETE", "/_emulator/faults/2", adminHeader, ""); st != 404 || backlogError(t, body) != CodeNoResource {
		t.Errorf("delete missing: %d %s", st, body)
	}
	if st, _, body := send(t, s, "DELETE", "/_emulator/faults", adminHeader, ""); st != 200 || strings.TrimSpace(string(body)) != "[]" || len(s.Faults()) != 0 {
		t.Errorf("clear: %d %s", st, body)
	}
}

func TestAdminResetAndRequests(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true, RateLimits: PaidLimits})
	do(t, s, "GET", "/api/v2/space?apiKey=k&x=1", "", "")
	do(t, s, "GET", "/api/v2/priorities", "k", "")
	do(t, s, "GET", "/api/v2/nosuch", "k", "")
	_, _ = s.AddFault(FaultRule{Path: "/nothing", Kind: FaultReset})
	st, _, body := send(t, s, "GET", "/_emulator/requests", adminHeader, "")
	var log struct {
		Total    int             `json:"total"`
		Requests []LoggedRequest `json:"requests"`
	}
	if st != 200 || json.Unmarshal(body, &log) != nil || log.Total != 3 || len(log.Requests) != 3 {
		t.Fatalf("requests: %d %s", st, body)
	}
	if r := log.Requests[0]; r.Path != "/api/v2/space" || r.Query != "x=1" || r.Class != "read" || r.Status != 200 {
		t.Errorf("first logged request %+v", r)
	}
	if strings.Contains(string(body), `"k"`) {
		t.Errorf("the API key leaked into the log: %s", body)
	}
	_, _, body = send(t, s, "GET", "/_emulator/requests?limit=1", adminHeader, "")
	if json.Unmarshal(body, &log) != nil || log.Total != 3 || len(log.Requests) != 1 || log.Requests[0].Status != 404 {
		t.Errorf("limit=1: %s", body)
	}
	if st, _, _ := send(t, s, "GET", "/_emulator/requests?limit=-1", adminHeader, ""); st != 400 {
		t.Errorf("limit=-1: %d", st)
	}
	if st, _, _ := send(t, s, "POST", "/_emulator/reset", adminHeader, ""); st != 200 {
		t.Fatalf("reset: %d", st)
	}
	if len(s.Requests()) != 0 || len(s.Faults()) != 0 {
		t.Errorf("after reset: %d requests, %d faults", len(s.Requests()), len(s.Faults()))
	}
	if _, h, _ := do(t, s, "GET", "/api/v2/space", "k", ""); h.Get("X-RateLimit-Remaining") != "599" {
		t.Errorf("rate counts kept after reset: %s", h.Get("X-RateLimit-Remaining"))
	}
	if st, _, _ := send(t, s, "DELETE", "/_emulator/requests", adminHeader, ""); st != 200 || len(s.Requests()) != 0 {
		t.Errorf("DELETE requests: %d %d", st, len(s.Requests()))
	}
}

func TestAdminRateLimitRoutes(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true, RateLimits: PaidLimits})
	st, _, body := send(t, s, "GET", "/_emulator/ratelimit", adminHeader, "")
	if st != 200 || !strings.Contains(string(body), `"profile": "paid"`) || !strings.Contains(string(body), `"window": "1m0s"`) {
		t.Fatalf("get: %d %s", st, body)
	}
	cases := []struct {
		body, profile, window string
		readLimit             string // X-RateLimit-Limit of GET /space afterwards
	}{
		{`{"profile":"free","window":"5s"}`, "free", "5s", "150"},
		{`{"limits":{"read":3}}`, "custom", "5s", "3"},
		{`{"profile":"paid","window":60000}`, "paid", "1m0s", "600"},
		{`{"profile":"off"}`, "off", "1m0s", "1000000"},
	}
	for _, c := range cases {
		st, _, body := send(t, s, "PUT", "/_emulator/ratelimit", adminHeader, c.body)
		var got rateJSON
		if st != 200 || json.Unmarshal(body, &got) != nil || got.Profile != c.profile || got.Window != c.window {
			t.Errorf("PUT %s: %d %s", c.body, st, body)
		}
		if _, h, _ := do(t, s, "GET", "/api/v2/space", "k", ""); h.Get("X-RateLimit-Limit") != c.readLimit {
			t.Errorf("after %s: limit %q", c.body, h.Get("X-RateLimit-Limit"))
		}
	}
	for _, bad := range []string{`{"profile":"fast"}`, `{"profile":"custom"}`, `{"window":"0s"}`, `{"window":"soon"}`,
		`{"limits":{"read":-1}}`, `{"limits":{"reads":1}}`} {
		if st, _, body := send(t, s, "PUT", "/_emulator/ratelimit", adminHeader, bad); st != 400 || backlogError(t, body) != CodeInvalidRequest {
			t.Errorf("PUT %s: %d %s", bad, st, body)
		}
	}
}

func TestAdminSpaceUsersAndReseed(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, Empty: true})
	key := s.AdminAPIKey()
	h := http.Header{"Backlog-API-Key": {key}, "Content-Type": {"application/json"}}
	st, _, body := send(t, s, "GET", "/_emulator/users", h, "")
	if st != 200 || !strings.Contains(string(body), `"apiKey": "`+key+`"`) {
		t.Fatalf("users: %d %s", st, body)
	}
	// An OAuth token issued before the reseed stops working after it.
	code := consent(t, s, DefaultOAuthClient.ID, testRedirect, "", "allow", s.Users()[0].ID).Query().Get("code")
	_, tr := token(t, s, codeForm(code, testRedirect))

	st, _, body = send(t, s, "POST", "/_emulator/reseed", h, `{"seed":42,"size":{"issues":0,"users":3},"empty":true}`)
	var res struct {
		Space Summary `json:"space"`
	}
	if st != 200 || json.Unmarshal(body, &res) != nil || res.Space.Seed != 42 || res.Space.Users < 1 {
		t.Fatalf("reseed: %d %s", st, body)
	}
	if s.opts.Size.Issues != 0 || s.opts.Size.Users != 3 || s.opts.Size.Projects != DefaultSize.Projects {
		t.Errorf("size after reseed: %+v", s.opts.Size)
	}
	if s.AdminAPIKey() != key {
		t.Errorf("admin key changed from %s to %s", key, s.AdminAPIKey())
	}
	if st, _, _ := do(t, s, "GET", "/api/v2/space", key, ""); st != 200 {
		t.Errorf("old admin key after reseed: %d", st)
	}
	if st, _, _ := bearer(t, s, tr.AccessToken); st != 401 {
		t.Errorf("OAuth token survived the reseed: %d", st)
	}
	for _, bad := range []string{`{"seed":"x"}`, `{"size":{"issues":-1}}`, `{"sized":{}}`} {
		if st, _, body := send(t, s, "POST", "/_emulator/reseed", h, bad); st != 400 || backlogError(t, body) != CodeInvalidRequest {
			t.Errorf("reseed %s: %d %s", bad, st, body)
		}
	}
	st, _, body = send(t, s, "GET", "/_emulator/space", h, "")
	if st != 200 || !strings.Contains(string(body), `"seed": 42`) {
		t.Errorf("space: %d %s", st, body)
	}
}

// TestReseedConcurrent swaps the space while requests run (run with -race).
func TestReseedConcurrent(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if st, _, body := do(t, s, "GET", "/api/v2/space", "k", ""); st != 200 {
					t.Errorf("during reseed: %d %s", st, body)
					return
				}
			}
		})
	}
	for i := range 20 {
		if err := s.Reseed(int64(i), Size{}, true); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

func TestAdminChurn(t *testing.T) {
	s := newTestServer(t, Options{Seed: 3, AdminAPIKey: "k", Size: Size{Projects: 1, Users: 3, Issues: 20, Comments: 30}})
	before := s.Summary()
	st, _, body := send(t, s, "POST", "/_emulator/churn", adminHeader, `{"events": 50, "seed": 9}`)
	if st != 200 {
		t.Fatalf("churn: %d %s", st, body)
	}
	var rep ChurnResponse
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Events != 50 || len(rep.IssuesUpdated) == 0 {
		t.Errorf("report = %+v", rep)
	}
	after := s.Summary()
	if got, want := after.Issues, before.Issues+len(rep.IssuesCreated)-len(rep.IssuesDeleted); got != want {
		t.Errorf("issues after churn = %d, want %d", got, want)
	}
	if len(rep.Comments) == 0 || rep.Counts[ChurnComment] == 0 {
		t.Errorf("no comments in the report: %+v", rep.Counts)
	}
	for _, bad := range []string{`{"events": 0}`, `{"events": -1}`, `{"events": 2000000}`, `{"events": "x"}`, `{"nope": 1}`} {
		if st, _, body := send(t, s, "POST", "/_emulator/churn", adminHeader, bad); st != 400 || !strings.Contains(string(body), "events") && !strings.Contains(string(body), "nope") {
			t.Errorf("%s: %d %s", bad, st, body)
		}
	}
}
