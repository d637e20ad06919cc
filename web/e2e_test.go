package web

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrowserEndToEnd drives the web admin in Debian's chromium with
// playwright-core (web/e2e/run.mjs, pinned in web/e2e/package-lock.json)
// against serve and the emulator on loopback, with an axe-core check of
// every page at two widths. Screenshots go to $BACKLOGSYNC_WEB_SHOTS, else
// to a folder the test logs.
//
// It needs node, chromium and web/e2e/node_modules (npm ci --prefix
// web/e2e). When one is missing it skips, except under CI=true, where it
// fails: .ci/run installs them.
func TestBrowserEndToEnd(t *testing.T) {
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format+" (CI=true: the browser test must run; .ci/run installs chromium and runs npm ci --prefix web/e2e)", args...)
		}
		t.Skipf(format+"; install chromium (apt-get install chromium) and run npm ci --prefix web/e2e", args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable("node is not installed")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		unavailable("%s is missing", chromium)
	}
	for _, m := range []string{"playwright-core", "axe-core"} {
		if _, err := os.Stat(filepath.Join("e2e", "node_modules", m, "package.json")); err != nil {
			unavailable("web/e2e/node_modules/%s is missing", m)
		}
	}
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("-short: skipping the browser test")
	}
	shots := os.Getenv("BACKLOGSYNC_WEB_SHOTS")
	if shots == "" {
		shots = filepath.Join(os.TempDir(), "backlogsync-web-shots-"+time.Now().Format("20060102-150405"))
	}
	e := newEnv(t)
	// A run of job acme makes about 8 requests, one after the other: at 1 s
	// each it is running for about 8 s, which a browser starved of CPU under
	// CI load still sees (at 400 ms the run lasted ~3 s, and a page that took
	// longer than that to load would have seen it done, never running).
	e.EmuDelay.Store(int64(time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "run.mjs")
	cmd.Dir = "e2e"
	cmd.Env = append(os.Environ(),
		"WEB_BASE_URL="+e.URL, "WEB_EMU_URL="+e.EmuURL, "WEB_EMU_KEY="+emuKey, "WEB_SHOTS_DIR="+shots,
		"WEB_ADMIN_EMAIL="+adminEmail, "WEB_ADMIN_PASSWORD="+adminPass,
		"WEB_USER_EMAIL="+userEmail, "WEB_USER_PASSWORD="+userPass, "CHROMIUM="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node web/e2e/run.mjs: %v\n%s\n%s", err, out, stderr.String())
	}
	var res struct {
		Pages          []string
		Screenshots    []string
		Axe            map[string][]string
		Rows           int
		AfterRevoke    int
		Token          string
		ConnectionTest string
		JobProgress    string
		JobRunIssues   int
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("results of run.mjs: %v\n%s", err, out)
	}
	t.Logf("pages checked (axe, 1280 and 375 px): %v", res.Pages)
	t.Logf("axe findings below serious: %v", res.Axe)
	t.Logf("Create & Test: %s", res.ConnectionTest)
	t.Logf("job acme while running: %s; Issues inserted by its run: %d", res.JobProgress, res.JobRunIssues)
	t.Logf("OData rows with the token: %d; after revoking: %d", res.Rows, res.AfterRevoke)
	t.Logf("screenshots: %s (%d)", shots, len(res.Screenshots))
	for _, s := range res.Screenshots {
		if fi, err := os.Stat(filepath.Join(shots, s)); err != nil || fi.Size() == 0 {
			t.Errorf("screenshot %s missing", s)
		}
	}
	if len(res.Pages) < 19 {
		t.Errorf("only %d pages checked", len(res.Pages))
	}
	// The test's own check of the revoked token, and of what was saved.
	req, _ := http.NewRequest("GET", e.URL+"/odata/sales/Projects", nil)
	req.Header.Set("Authorization", basic(userEmail, res.Token))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the revoked token: %d, want 401", resp.StatusCode)
	}
	cs, _ := e.Store.Connections(t.Context())
	if len(cs) != 1 || cs[0].Name != "demo" {
		t.Errorf("connections saved: %+v, want only demo (the wrong key's test saves nothing)", cs)
	}
	if js, _ := e.Store.Jobs(t.Context()); len(js) != 0 {
		t.Errorf("stored jobs left: %+v, want none (the test deletes acme)", js)
	}
	if runs, _ := e.Dest.Runs(t.Context(), "acme", 0); len(runs) != 1 || runs[0].Status != "ok" {
		t.Errorf("runs of acme: %+v, want one ok run", runs)
	}
}
