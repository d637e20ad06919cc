package web

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/service"
)

// jobForm is the form of job acme with the given statements.
func acmeForm(stmts string) url.Values {
	return url.Values{"name": {"acme"}, "destination": {"main"}, "connections": {"demo"}, "statements": {stmts},
		"interval": {"never"}, "notify": {"ops@example.com"}}
}

func TestStoredJobCreateRunEditDelete(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(adminEmail, adminPass)
	b.get("/admin/connections")
	if code, body := b.post("/admin/connections", url.Values{"name": {"demo"}, "space_url": {e.EmuURL}, "auth_scheme": {"apikey"}, "secret": {emuKey}}); code != http.StatusOK || !strings.Contains(body, "saved") {
		t.Fatalf("connection: %d %s", code, body)
	}
	code, body := b.get("/admin/jobs")
	if code != http.StatusOK || !strings.Contains(body, "config file (read-only)") || !strings.Contains(body, `aria-label="Run now: job nightly"`) {
		t.Fatalf("jobs page: %d %s", code, body)
	}
	if strings.Contains(body, `aria-label="Edit job nightly"`) {
		t.Error("a config job has an Edit link")
	}

	// A statement error: shown at its line and column, nothing saved.
	code, body = b.post("/admin/jobs", acmeForm("REPLICATE Projects;\nREPLICATE Issues WHERE;\n"))
	if code != http.StatusBadRequest || !strings.Contains(body, "Not saved") || !strings.Contains(body, "line 2, column 18") {
		t.Fatalf("bad statements: %d %s", code, body)
	}
	if !strings.Contains(body, "REPLICATE Issues WHERE;") || !strings.Contains(body, `value="acme"`) {
		t.Error("the form does not keep what was typed")
	}
	// A bad field and an unknown connection.
	f := acmeForm("REPLICATE Projects;")
	f.Set("retry_count", "many")
	if code, body = b.post("/admin/jobs", f); code != http.StatusBadRequest || !strings.Contains(body, "write a whole number") {
		t.Fatalf("bad number: %d %s", code, body)
	}
	f = acmeForm("REPLICATE Projects;")
	f.Set("connections", "nope")
	f.Set("notify", "not an address")
	if code, body = b.post("/admin/jobs", f); code != http.StatusBadRequest || !strings.Contains(body, "there is no connection named nope") || !strings.Contains(body, "is not an e-mail address") {
		t.Fatalf("bad connection: %d %s", code, body)
	}
	// Check saves nothing.
	if code, body = b.post("/admin/jobs/check", acmeForm("REPLICATE Projects;\nREPLICATE Users;")); code != http.StatusOK || !strings.Contains(body, "OK: 2 statement(s)") {
		t.Fatalf("check: %d %s", code, body)
	}
	long := acmeForm(strings.Repeat("REPLICATE Projects;\n", service.MaxStatements/20+1))
	if code, body = b.post("/admin/jobs/check", long); code != http.StatusBadRequest || !strings.Contains(body, "split them between several jobs") {
		t.Fatalf("check of statements over %d bytes: %d, want 400 saying how to fit them\n%s", service.MaxStatements, code, body)
	}
	if js, _ := e.Store.Jobs(t.Context()); len(js) != 0 {
		t.Fatalf("refused forms saved %d jobs", len(js))
	}
	// Without the CSRF token: 403.
	f = acmeForm("REPLICATE Projects;")
	f.Set("csrf", "forged")
	if code, _ = b.post("/admin/jobs", f); code != http.StatusForbidden {
		t.Fatalf("without CSRF: %d", code)
	}

	code, body = b.post("/admin/jobs", acmeForm("REPLICATE Projects;\nREPLICATE Users;\nREPLICATE Issues;\n"))
	if code != http.StatusOK || !strings.Contains(body, "Created job acme") || !strings.Contains(body, `aria-label="Edit job acme"`) {
		t.Fatalf("create: %d %s", code, body)
	}
	if js, _ := e.Store.Jobs(t.Context()); len(js) != 1 || js[0].Name != "acme" || js[0].Notify[0] != "ops@example.com" {
		t.Fatalf("stored jobs: %+v", js)
	}

	// Run now, then poll the progress until the run is done.
	code, body = b.post("/admin/jobs/acme/run", url.Values{})
	if code != http.StatusOK || !strings.Contains(body, "Started job acme") || !strings.Contains(body, `id="progress"`) {
		t.Fatalf("run now: %d %s", code, body)
	}
	// The run lasts at least 8 requests × 60 ms: the page is live, and
	// reloads itself when script is off.
	if !strings.Contains(body, `<noscript><meta http-equiv="refresh" content="2"></noscript>`) {
		t.Errorf("the job page of a running job has no refresh for browsers without script: %s", body)
	}
	var p progressView
	start := time.Now()
	for deadline := time.Now().Add(60 * time.Second); ; {
		code, body = b.get("/admin/jobs/acme/progress")
		if code != http.StatusOK {
			t.Fatalf("progress: %d %s", code, body)
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		if p.State == "done" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run did not finish: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("Run now to done: %v (%d requests)", time.Since(start).Round(time.Millisecond), p.Accounts[0].Requests)
	if p.Status != "succeeded" || len(p.Accounts) != 1 {
		t.Fatalf("progress: %+v", p)
	}
	a := p.Accounts[0]
	if a.Account != "demo" || a.Rows <= 0 || a.Requests <= 0 || a.Tables != "3 of 3" || !strings.HasPrefix(a.RunURL, "/admin/runs/main/") || a.Status != "ok" {
		t.Fatalf("account progress: %+v", a)
	}
	if code, body = b.get(a.RunURL); code != http.StatusOK || !strings.Contains(body, "<td>Issues</td>") {
		t.Fatalf("run page: %d %s", code, body)
	}
	if code, body = b.get("/admin/jobs/acme"); code != http.StatusOK || !strings.Contains(body, a.RunLabel) || strings.Contains(body, "http-equiv=\"refresh\"") {
		t.Fatalf("job page after the run: %d %s", code, body)
	}
	// A job page of no job: 404 naming the nearest job (Service.Job).
	if code, body = b.get("/admin/jobs/acmee"); code != http.StatusNotFound ||
		!strings.Contains(body, html.EscapeString(`no job named "acmee" (did you mean "acme"?). The Jobs page lists them.`)) {
		t.Errorf("job page of no job: %d %s", code, body)
	}

	// Edit: a schedule; the config job stays read-only.
	if code, body = b.get("/admin/jobs/acme/edit"); code != http.StatusOK || !strings.Contains(body, "REPLICATE Issues;") || !strings.Contains(body, "Save job") {
		t.Fatalf("edit page: %d %s", code, body)
	}
	f = acmeForm("REPLICATE Projects;\nREPLICATE Users;\nREPLICATE Issues;\n")
	f.Set("interval", "hourly")
	f.Set("start", "00:15")
	f.Set("old", "acme")
	if code, body = b.post("/admin/jobs/acme/edit", f); code != http.StatusOK || !strings.Contains(body, "Saved job acme (hourly at minute 15)") {
		t.Fatalf("edit: %d %s", code, body)
	}
	if code, body = b.get("/admin/jobs/nightly/edit"); code != http.StatusConflict || !strings.Contains(body, "read-only") {
		t.Fatalf("edit a config job: %d %s", code, body)
	}
	if code, body = b.post("/admin/jobs/nightly/delete", url.Values{}); code != http.StatusConflict || !strings.Contains(body, "config file") {
		t.Fatalf("delete a config job: %d %s", code, body)
	}

	// Delete: the runs stay.
	if code, body = b.post("/admin/jobs/acme/delete", url.Values{}); code != http.StatusOK || !strings.Contains(body, "Deleted job acme") {
		t.Fatalf("delete: %d %s", code, body)
	}
	if js, _ := e.Store.Jobs(t.Context()); len(js) != 0 {
		t.Fatalf("delete left %d jobs", len(js))
	}
	if code, _ = b.get("/admin/jobs/acme"); code != http.StatusNotFound {
		t.Fatalf("deleted job's page: %d", code)
	}
	if runs, _ := e.Dest.Runs(t.Context(), "acme", 0); len(runs) != 1 {
		t.Fatalf("runs of the deleted job: %d, want 1", len(runs))
	}
}

func TestJobPagesNeedAdmin(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(userEmail, userPass)
	for _, p := range []string{"/admin/jobs/nightly", "/admin/jobs/nightly/edit", "/admin/jobs/nightly/progress"} {
		if code, _ := b.get(p); code != http.StatusForbidden {
			t.Errorf("GET %s as a user: %d, want 403", p, code)
		}
	}
	b.get("/tokens")
	for _, p := range []string{"/admin/jobs", "/admin/jobs/nightly/run", "/admin/jobs/nightly/delete"} {
		if code, _ := b.post(p, acmeForm("REPLICATE Projects;")); code != http.StatusForbidden {
			t.Errorf("POST %s as a user: %d, want 403", p, code)
		}
	}
	if p, ok := e.Service.JobProgress("nightly"); ok {
		t.Errorf("a user's Run now started the job: %+v", p)
	}
}

func TestScheduleText(t *testing.T) {
	for _, c := range []struct {
		s    config.Schedule
		want string
	}{
		{config.Schedule{}, "never (Run now only)"},
		{config.Schedule{Interval: "minutes", Every: 15 * time.Minute}, "every 15 min"},
		{config.Schedule{Interval: "hourly", Start: "00:05"}, "hourly at minute 05"},
		{config.Schedule{Interval: "daily", Start: "02:30", TimeZone: "Asia/Tokyo"}, "daily at 02:30 (Asia/Tokyo)"},
		{config.Schedule{Interval: "weekly", Day: 7, Start: "06:00"}, "weekly on Sunday at 06:00"},
		{config.Schedule{Interval: "monthly", Day: 3}, "monthly on day 3 at 00:00"},
		{config.Schedule{Interval: "cron", Cron: "0 */2 * * *", Retry: config.Retry{Count: 2}}, "cron 0 */2 * * *, 2 retries"},
	} {
		if got := scheduleText(c.s); got != c.want {
			t.Errorf("scheduleText(%+v) = %q, want %q", c.s, got, c.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	if got, want := snippet("REPLICATE A;\n\tREPLICATE B WHERE;", 2, 19), "2 | \tREPLICATE B WHERE;\n  | \t                 ^"; got != want {
		t.Errorf("snippet = %q, want %q", got, want)
	}
	if got := snippet("x", 3, 1); got != "" {
		t.Errorf("snippet of a missing line = %q", got)
	}
}
