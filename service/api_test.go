package service_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/schedule"
	"github.com/backlogsync/backlogsync/service"
)

// TestAPIAuthorization sends every route without credentials (401), as a
// plain user (403 on admin routes, the route's answer on the others) and
// as an admin.
func TestAPIAuthorization(t *testing.T) {
	f := newFixture(t)
	job := f.cfg.Jobs[0].Name
	routes := []struct {
		method, path string
		body         any
		admin        bool // an admin route: 403 for a plain user
		want         int  // the admin's status
	}{
		{"GET", "/api/jobs", nil, true, 200},
		{"GET", "/api/jobs/" + job, nil, true, 200},
		{"GET", "/api/jobs/nope", nil, true, 404},
		{"POST", "/api/statements/validate", map[string]any{"statements": "REPLICATE Issues;"}, true, 200},
		{"GET", "/api/runs", nil, true, 200},
		{"GET", "/api/runs?status=bogus", nil, true, 400},
		{"GET", "/api/claims", nil, true, 200},
		{"GET", "/api/claims?limit=0", nil, true, 400},
		{"GET", "/api/jobs/" + job + "/runs/999", nil, true, 404},
		{"GET", "/api/jobs/" + job + "/runs/999/log", nil, true, 404},
		{"GET", "/api/users", nil, true, 200},
		{"POST", "/api/users", map[string]any{"email": "cy@example.com"}, true, 201},
		{"DELETE", "/api/users/cy@example.com", nil, true, 204},
		{"GET", "/api/workspaces", nil, true, 200},
		{"POST", "/api/workspaces", map[string]any{"name": "sales", "destination": "default"}, true, 201},
		{"POST", "/api/workspaces/sales/grants", map[string]any{"user": "ana@example.com"}, true, 204},
		{"DELETE", "/api/workspaces/sales/grants/ana@example.com", nil, true, 204},
		{"DELETE", "/api/workspaces/sales", nil, true, 204},
		{"POST", "/api/workspaces", map[string]any{"name": "x", "destination": "nope"}, true, 400},
		{"GET", "/api/me", nil, false, 200},
		{"GET", "/api/tokens", nil, false, 200},
		{"POST", "/api/tokens", map[string]any{"name": "laptop", "ttl": "90d"}, false, 201},
		{"GET", "/api/nope", nil, false, 404},
	}
	for _, r := range routes {
		if st := f.request(r.method, r.path, "", r.body, nil); st != 401 {
			t.Errorf("%s %s without credentials: %d, want 401", r.method, r.path, st)
		}
		if r.admin {
			if st := f.request(r.method, r.path, "ana@example.com", r.body, nil); st != 403 {
				t.Errorf("%s %s as a plain user: %d, want 403", r.method, r.path, st)
			}
		}
		if st := f.request(r.method, r.path, "boss@example.com", r.body, nil); st != r.want {
			t.Errorf("%s %s as an admin: %d, want %d", r.method, r.path, st, r.want)
		}
	}
	for _, p := range []string{"POST /api/jobs/" + job + "/run", "GET /api/jobs/" + job + "/events"} {
		m, path, _ := strings.Cut(p, " ")
		if st := f.request(m, path, "ana@example.com", nil, nil); st != 403 {
			t.Errorf("%s as a plain user: %d, want 403", p, st)
		}
		if st := f.request(m, path, "", nil, nil); st != 401 {
			t.Errorf("%s without credentials: %d, want 401", p, st)
		}
	}
	// Bearer works as well as Basic.
	req, _ := http.NewRequest("GET", f.http.URL+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens["ana@example.com"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var me map[string]any
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if resp.StatusCode != 200 || me["email"] != "ana@example.com" || me["admin"] != false {
		t.Errorf("GET /api/me with a Bearer token: %d %v", resp.StatusCode, me)
	}
}

// TestAPIJobsAndStatements: the job view and statement validation with
// positions.
func TestAPIJobsAndStatements(t *testing.T) {
	f := newFixture(t)
	var jobs []map[string]any
	if st := f.request("GET", "/api/jobs", "boss@example.com", nil, &jobs); st != 200 || len(jobs) != 1 {
		t.Fatalf("jobs: %d %v", st, jobs)
	}
	if j := jobs[0]; j["next"] != "2026-12-06T10:06:00Z" || j["running"] != false || j["replicate_all"] != true {
		t.Errorf("job view: %v", j)
	}
	var out struct {
		Valid    bool
		Problems []struct {
			Line, Column int
			Message      string
		}
	}
	body := map[string]any{"statements": "REPLICATE Issues;\nREPLICATE Isues;\nREPLICAT Users;"}
	if st := f.request("POST", "/api/statements/validate", "boss@example.com", body, &out); st != 200 || out.Valid || len(out.Problems) == 0 {
		t.Fatalf("validate: %d %+v", st, out)
	}
	if p := out.Problems[0]; p.Line < 2 || p.Column < 1 || p.Message == "" {
		t.Errorf("first problem has no position: %+v", out.Problems)
	}
	// A statement that parses but names no table: the runner's check, with
	// its position.
	body = map[string]any{"statements": "REPLICATE Issues;\nREPLICATE Isues;"}
	if st := f.request("POST", "/api/statements/validate", "boss@example.com", body, &out); st != 200 || out.Valid || len(out.Problems) != 1 ||
		out.Problems[0].Line != 2 || out.Problems[0].Column != 11 || !strings.Contains(out.Problems[0].Message, `did you mean "Issues"`) {
		t.Errorf("validate an unknown table: %d %+v", st, out)
	}
	if st := f.request("POST", "/api/statements/validate", "boss@example.com", map[string]any{"statements": "REPLICATE Issues;"}, &out); st != 200 || !out.Valid {
		t.Errorf("valid statements: %d %+v", st, out)
	}
	if st := f.request("POST", "/api/statements/validate", "boss@example.com", map[string]any{"statement": 1}, nil); st != 400 {
		t.Errorf("a body with an unknown field: %d, want 400", st)
	}
}

// TestAPIRunNowEventsAndSkip: run now answers 202 with the runs-table ids,
// a second run now while it runs 409, a scheduled time that passes while
// it runs is recorded as skipped, and the run's progress streams as
// Server-Sent Events.
func TestAPIRunNowEventsAndSkip(t *testing.T) {
	f := newFixture(t)
	job := f.cfg.Jobs[0].Name
	f.block = make(chan struct{})

	// Subscribe before the run starts.
	req, _ := http.NewRequest("GET", f.http.URL+"/api/jobs/"+job+"/events", nil)
	req.SetBasicAuth("boss@example.com", f.tokens["boss@example.com"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	kinds := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if k, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				kinds <- k
			}
		}
		close(kinds)
	}()

	var started struct {
		Job    string  `json:"job"`
		RunIDs []int64 `json:"run_ids"`
	}
	if st := f.request("POST", "/api/jobs/"+job+"/run", "boss@example.com", nil, &started); st != 202 || len(started.RunIDs) != 1 {
		t.Fatalf("run now: %d %+v", st, started)
	}
	if st := f.request("POST", "/api/jobs/"+job+"/run", "boss@example.com", nil, nil); st != 409 {
		t.Errorf("run now while running: %d, want 409", st)
	}
	if st := f.request("POST", "/api/jobs/nope/run", "boss@example.com", nil, nil); st != 404 {
		t.Errorf("run now of an unknown job: %d, want 404", st)
	}
	var notFound struct{ Error struct{ Message string } }
	typo := job[:len(job)-1] + "x"
	want := `no job named "` + typo + `" (did you mean "` + job + `"?)`
	if st := f.request("GET", "/api/jobs/"+typo, "boss@example.com", nil, &notFound); st != 404 || notFound.Error.Message != want {
		t.Errorf("a misspelt job: %d %q, want 404 %q", st, notFound.Error.Message, want)
	}
	// 10:06 passes while the manual run is held: skipped.
	f.clk.WaitTimers(1)
	f.clk.Advance(6 * time.Minute)
	if r := f.wait(); r.Status != schedule.StatusSkipped {
		t.Fatalf("the overlapping scheduled run: %s, want skipped", r.Status)
	}
	close(f.block)
	if r := f.wait(); r.Status != schedule.StatusSucceeded || r.Trigger != schedule.TriggerManual {
		t.Fatalf("the manual run: %s %s %v", r.Trigger, r.Status, r.Err)
	}

	var runs []map[string]any
	if st := f.request("GET", "/api/runs?job="+job, "boss@example.com", nil, &runs); st != 200 || len(runs) != 2 {
		t.Fatalf("runs: %d %v", st, runs)
	}
	var sawSkip, sawOK bool
	for _, r := range runs {
		switch r["status"] {
		case "skipped":
			sawSkip = r["error"] != "" && r["started"] == "2026-12-06T10:06:00Z"
		case "ok":
			sawOK = r["id"] == float64(started.RunIDs[0]) && len(r["tables"].([]any)) > 0
		}
	}
	if !sawSkip || !sawOK {
		t.Errorf("runs table via the API: %v", runs)
	}
	var one map[string]any
	if st := f.request("GET", "/api/jobs/"+job+"/runs/"+jsonNum(started.RunIDs[0]), "boss@example.com", nil, &one); st != 200 || one["status"] != "ok" {
		t.Errorf("one run: %d %v", st, one)
	}
	if st := f.request("GET", "/api/runs?job="+job+"&status=skipped", "boss@example.com", nil, &runs); st != 200 || len(runs) != 1 {
		t.Errorf("runs filtered by status: %d %d", st, len(runs))
	}
	m := f.scrape()
	if !strings.Contains(m, `backlogsync_runs_total{job="`+job+`",status="skipped"} 1`) {
		t.Error("/metrics does not count the skipped run")
	}

	seen := map[string]bool{}
	deadline := time.After(10 * time.Second)
	for !seen["run_done"] {
		select {
		case k, ok := <-kinds:
			if !ok {
				t.Fatalf("the event stream ended; saw %v", seen)
			}
			seen[k] = true
		case <-deadline:
			t.Fatalf("no run_done event; saw %v", seen)
		}
	}
	for _, k := range []string{"run_start", "account_start", "progress", "account_done"} {
		if !seen[k] {
			t.Errorf("no %s event; saw %v", k, seen)
		}
	}
}

// TestReadyz: ready while the state database and the destination answer.
func TestReadyz(t *testing.T) {
	f := newFixture(t)
	var body map[string]any
	if st := f.request("GET", "/readyz", "", nil, &body); st != 200 || body["status"] != "ok" {
		t.Fatalf("readyz: %d %v", st, body)
	}
	f.st.Close()
	if st := f.request("GET", "/readyz", "", nil, &body); st != 503 || !strings.Contains(strings.Join(toStrings(body["problems"]), " "), "state database") {
		t.Errorf("readyz with the state database closed: %d %v", st, body)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestAPITokens: a user manages their own tokens; an admin everyone's.
func TestAPITokens(t *testing.T) {
	f := newFixture(t)
	var created map[string]any
	if st := f.request("POST", "/api/tokens", "ana@example.com", map[string]any{"name": "laptop"}, &created); st != 201 ||
		!strings.HasPrefix(created["token"].(string), "bsp_") || created["user"] != "ana@example.com" {
		t.Fatalf("create own token: %d %v", st, created)
	}
	var list []map[string]any
	if st := f.request("GET", "/api/tokens", "ana@example.com", nil, &list); st != 200 || len(list) != 2 {
		t.Fatalf("list own tokens: %d %v", st, list)
	}
	for _, tk := range list {
		if tk["token"] != nil {
			t.Errorf("a listed token shows its secret: %v", tk)
		}
	}
	if st := f.request("GET", "/api/tokens?user=boss@example.com", "ana@example.com", nil, nil); st != 403 {
		t.Errorf("a user lists another's tokens: %d, want 403", st)
	}
	if st := f.request("POST", "/api/tokens", "ana@example.com", map[string]any{"name": "x", "user": "boss@example.com"}, nil); st != 403 {
		t.Errorf("a user creates a token for another: %d, want 403", st)
	}
	var boss []map[string]any
	f.request("GET", "/api/tokens?user=boss@example.com", "boss@example.com", nil, &boss)
	if st := f.request("DELETE", "/api/tokens/"+boss[0]["prefix"].(string), "ana@example.com", nil, nil); st != 404 {
		t.Errorf("a user revokes another's token: %d, want 404", st)
	}
	if st := f.request("DELETE", "/api/tokens/"+created["prefix"].(string), "ana@example.com", nil, nil); st != 200 {
		t.Errorf("a user revokes their own token: %d", st)
	}
	var all []map[string]any
	if st := f.request("GET", "/api/tokens?user=*", "boss@example.com", nil, &all); st != 200 || len(all) != 3 {
		t.Errorf("an admin lists every token: %d %d", st, len(all))
	}
	if st := f.request("DELETE", "/api/tokens/"+jsonNum(int64(list[0]["id"].(float64))), "boss@example.com", nil, nil); st != 200 {
		t.Errorf("an admin revokes a user's token: %d", st)
	}
	if st := f.request("GET", "/api/me", "ana@example.com", nil, nil); st != 401 {
		t.Errorf("ana's revoked token still signs in: %d", st)
	}
	if st := f.request("DELETE", "/api/users/boss@example.com", "boss@example.com", nil, nil); st != 409 {
		t.Errorf("an admin removes themself: %d, want 409", st)
	}
}

// TestAPIRunLog: a run of serve keeps its log, served as text to admins.
func TestAPIRunLog(t *testing.T) {
	f := newFixture(t)
	job := f.cfg.Jobs[0].Name
	var started struct {
		RunIDs []int64 `json:"run_ids"`
	}
	if st := f.request("POST", "/api/jobs/"+job+"/run", "boss@example.com", nil, &started); st != 202 || len(started.RunIDs) != 1 {
		t.Fatalf("run now: %d %+v", st, started)
	}
	if r := f.wait(); r.Status != schedule.StatusSucceeded {
		t.Fatalf("run: %s %v", r.Status, r.Err)
	}
	path := "/api/jobs/" + job + "/runs/" + jsonNum(started.RunIDs[0]) + "/log"
	req, _ := http.NewRequest("GET", f.http.URL+path, nil)
	req.SetBasicAuth("boss@example.com", f.tokens["boss@example.com"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(b)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || resp.Header.Get("X-Log-Truncated") != "false" ||
		!strings.Contains(text, "run started") || !strings.Contains(text, "table replicated") || !strings.Contains(text, "run finished") ||
		strings.Contains(text, f.emu.AdminAPIKey()) {
		t.Errorf("GET %s: %d %v\n%s", path, resp.StatusCode, resp.Header, text)
	}
	if st := f.request("GET", path, "ana@example.com", nil, nil); st != 403 {
		t.Errorf("the log as a plain user: %d, want 403", st)
	}
	if st := f.request("GET", path, "", nil, nil); st != 401 {
		t.Errorf("the log without credentials: %d, want 401", st)
	}
	for p, want := range map[string]int{"/api/jobs/" + job + "/runs/999/log": 404, "/api/jobs/" + job + "/runs/x/log": 400, "/api/jobs/nope/runs/1/log": 404} {
		if st := f.request("GET", p, "boss@example.com", nil, nil); st != want {
			t.Errorf("GET %s: %d, want %d", p, st, want)
		}
	}
}

// TestCheckStatementsCounts: CheckStatements reports how many statements
// it parsed beside the problems, so that a caller need not parse again.
func TestCheckStatementsCounts(t *testing.T) {
	for _, tt := range []struct {
		text     string
		count    int
		problems int
	}{
		{"REPLICATE Issues;\nREPLICATE Projects;\nREPLICATE Users;", 3, 0},
		{"REPLICATE Issues;\nREPLICATE Nope;", 2, 1},
		{"REPLICATE Issues WHERE;", 0, 1},
	} {
		n, ps := service.CheckStatements(tt.text, false)
		if n != tt.count || len(ps) != tt.problems {
			t.Errorf("CheckStatements(%q) = %d, %+v; want %d statements, %d problems", tt.text, n, ps, tt.count, tt.problems)
		}
	}
}
