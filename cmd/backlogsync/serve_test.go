package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a writer safe for a command running in another
// goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

var servingRE = regexp.MustCompile(`Serving (http://127\.0\.0\.1:\d+) `)

// startServe runs "backlogsync serve" args in the background and returns
// its base URL, its stderr and a stop function returning the exit code.
func startServe(t *testing.T, args ...string) (string, *lockedBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut lockedBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"serve"}, args...), nil, &out, &errOut) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := servingRE.FindStringSubmatch(errOut.String()); m != nil {
			stop := sync.OnceValue(func() int { cancel(); return <-done })
			t.Cleanup(func() { stop() })
			return m[1], &errOut, stop
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited %d\n%s", code, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start:\n%s", errOut.String())
		}
	}
}

func basicGet(t *testing.T, url, user, password string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestServeEndToEnd creates a user, token and workspace with the CLI,
// serves, reads the service document and an entity set over HTTP Basic,
// then revokes: the next request is refused.
func TestServeEndToEnd(t *testing.T) {
	cfg, _ := serveConfig(t, "")
	mustCLI(t, "users", "add", "ana@example.com", "-c", cfg)
	mustCLI(t, "users", "add", "bo@example.com", "-c", cfg)
	mustCLI(t, "users", "add", "root@example.com", "--admin", "-c", cfg)
	if code := run(t.Context(), []string{"users", "passwd", "root@example.com", "-c", cfg}, strings.NewReader("root-password-1\n"), io.Discard, io.Discard); code != exitOK {
		t.Fatalf("users passwd: exit %d", code)
	}
	tok, _ := mustCLI(t, "tokens", "create", "-c", cfg, "--user", "ana@example.com")
	tok = strings.TrimSpace(tok)
	boTok, _ := mustCLI(t, "tokens", "create", "-c", cfg, "--user", "bo@example.com")
	boTok = strings.TrimSpace(boTok)
	mustCLI(t, "workspaces", "add", "sales", "-c", cfg, "--destination", "db", "--table", "Issues", "--table", "Projects")
	mustCLI(t, "workspaces", "grant", "sales", "-c", cfg, "--user", "ana@example.com")

	base, logs, stop := startServe(t, "-c", cfg, "--addr", "127.0.0.1:0", "--log-format", "json")
	if !strings.Contains(logs.String(), base+"/odata/sales/") {
		t.Errorf("the banner lacks the workspace URL:\n%s", logs.String())
	}

	code, h, body := basicGet(t, base+"/odata/sales/", "", "")
	if code != 401 || !strings.HasPrefix(h.Get("WWW-Authenticate"), `Basic realm="backlogsync"`) {
		t.Fatalf("no credentials: %d %q", code, h.Get("WWW-Authenticate"))
	}
	code, _, body = basicGet(t, base+"/odata/sales/", "ana@example.com", tok)
	if code != 200 || !strings.Contains(body, `"Issues"`) || !strings.Contains(body, `"Projects"`) || strings.Contains(body, `"Users"`) {
		t.Fatalf("service document: %d\n%s", code, body)
	}
	code, _, body = basicGet(t, base+"/odata/sales/Issues", "ana@example.com", tok)
	var coll struct {
		Value []map[string]any `json:"value"`
	}
	if err := json.Unmarshal([]byte(body), &coll); code != 200 || err != nil || len(coll.Value) != 3 || coll.Value[2]["Name"] != "Issues 3" {
		t.Fatalf("Issues: %d %v\n%s", code, err, body)
	}
	if code, _, _ := basicGet(t, base+"/odata/sales/Users", "ana@example.com", tok); code != 404 {
		t.Errorf("a table outside the workspace: %d", code)
	}
	if code, _, _ := basicGet(t, base+"/odata/sales/", "bo@example.com", boTok); code != 403 {
		t.Errorf("not granted: %d", code)
	}
	if code, _, _ := basicGet(t, base+"/healthz", "", ""); code != 200 {
		t.Errorf("healthz: %d", code)
	}
	// The service runs inside serve: readiness, metrics and the REST API.
	if code, _, body := basicGet(t, base+"/readyz", "", ""); code != 200 {
		t.Errorf("readyz: %d %s", code, body)
	}
	if code, _, body := basicGet(t, base+"/metrics", "", ""); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics: %d\n%.300s", code, body)
	}
	// The web admin at /: an anonymous visitor is sent to sign in.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := noRedirect.Get(base + "/"); err != nil || resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/signin") {
		t.Errorf("web admin at /: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// Signed in as an admin: serve gives the web admin its scheduler, so
	// the config's job has Run now and is marked read-only.
	if code, body := webSignIn(t, base, "root@example.com", "root-password-1")("/admin/jobs"); code != http.StatusOK ||
		!strings.Contains(body, `aria-label="Run now: job sync"`) || !strings.Contains(body, "config file (read-only)") {
		t.Errorf("the web admin's jobs page: %d\n%s", code, body)
	}
	if code, _, _ := basicGet(t, base+"/api/jobs", "", ""); code != 401 {
		t.Errorf("REST API without credentials: %d", code)
	}
	if code, _, _ := basicGet(t, base+"/api/users", "bo@example.com", boTok); code != 403 {
		t.Errorf("REST API admin route with a non-admin token: %d", code)
	}

	// Revocation by the CLI, while serve runs: the next request is 401.
	mustCLI(t, "tokens", "revoke", "1", "-c", cfg)
	if code, _, _ := basicGet(t, base+"/odata/sales/Issues", "ana@example.com", tok); code != 401 {
		t.Errorf("after tokens revoke: %d", code)
	}
	if code := stop(); code != exitOK {
		t.Errorf("serve exit %d", code)
	}
	all := logs.String()
	if strings.Contains(all, tok[13:]) || strings.Contains(all, boTok[13:]) {
		t.Errorf("serve's log contains a token:\n%s", all)
	}
	if !strings.Contains(all, `"user":"ana@example.com"`) || !strings.Contains(all, `"status":403`) {
		t.Errorf("access log:\n%s", all)
	}
}

func TestServeRefusesPlainHTTPOnNetwork(t *testing.T) {
	cfg, _ := serveConfig(t, "")
	wantCLIError(t, exitUsage, "no TLS is configured", "serve", "-c", cfg, "--addr", "0.0.0.0:0")
	wantCLIError(t, exitUsage, "--addr", "serve", "-c", cfg, "--addr", "8080")
}

// checkDemoOData runs the curl line the demo printed, as printed (with a
// Go client doing what curl -u does), and checks the Excel steps are there.
func checkDemoOData(t *testing.T, banner string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^  curl -u '([^:']+):(bsp_[a-z2-7_]+)' '(http://127\.0\.0\.1:\d+/odata/demo/)(Issues\?\$top=3)'$`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("no curl line in the demo banner:\n%s", banner)
	}
	for _, want := range []string{"OData URL:    " + m[3], "User:         " + m[1], "Token:        " + m[2], "From OData Feed", "Basic", "Data Model"} {
		if !strings.Contains(banner, want) {
			t.Errorf("the demo banner lacks %q:\n%s", want, banner)
		}
	}
	code, _, body := basicGet(t, m[3]+m[4], m[1], m[2])
	var coll struct {
		Value []map[string]any `json:"value"`
	}
	if err := json.Unmarshal([]byte(body), &coll); code != 200 || err != nil || len(coll.Value) != 3 || coll.Value[0]["IssueKey"] == nil {
		t.Errorf("the demo's curl line: %d %v\n%.500s", code, err, body)
	}
	if code, _, _ := basicGet(t, m[3], m[1], m[2]+"x"); code != 401 {
		t.Errorf("a wrong token: %d", code)
	}
}

// checkDemoAdmin signs in to the web admin with what the demo's banner
// printed and finds the demo's run on the runs page.
func checkDemoAdmin(t *testing.T, banner string) {
	t.Helper()
	admin := regexp.MustCompile(`Admin URL:\s+(\S+)`).FindStringSubmatch(banner)
	who := regexp.MustCompile(`Sign in as:\s+(\S+)\s+password (\S+)`).FindStringSubmatch(banner)
	if admin == nil || who == nil {
		t.Fatalf("the demo prints no web admin sign-in:\n%s", banner)
	}
	get := webSignIn(t, strings.TrimSuffix(admin[1], "/"), who[1], who[2])
	if code, body := get("/admin/runs?job=demo"); code != http.StatusOK || !strings.Contains(body, "Run 1") || !strings.Contains(body, "s-ok") {
		t.Errorf("signed in as the demo admin, the runs page: %d\n%s", code, body)
	}
	// The demo has no scheduler: its jobs are listed read-only, with no Run now.
	if code, body := get("/admin/jobs"); code != http.StatusOK || !strings.Contains(body, `href="/admin/jobs/demo"`) ||
		strings.Contains(body, `aria-label="Run now: job`) || !strings.Contains(body, "does not run jobs") {
		t.Errorf("the demo's jobs page: %d\n%s", code, body)
	}
	if code, body := get("/admin/jobs/demo"); code != http.StatusOK || !strings.Contains(body, "Run 1") || !strings.Contains(body, "does not run jobs") {
		t.Errorf("the demo's job page: %d\n%s", code, body)
	}
}

// webSignIn signs in to the web admin at base as a browser would and
// returns a GET of the signed-in session.
func webSignIn(t *testing.T, base, email, password string) func(path string) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, page := get("/signin")
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("no sign-in form at %s/signin:\n%s", base, page)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/signin", strings.NewReader(url.Values{"csrf": {csrf[1]},
		"email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return get
}

// TestServeRefusesSharedSQLiteState: a second serve on the SQLite state
// file of a running one refuses (several instances need PostgreSQL),
// naming the first; the CLI still edits the state beside it, and once the
// first stops the file is free again.
func TestServeRefusesSharedSQLiteState(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no lock on this system")
	}
	cfg, _ := serveConfig(t, "")
	_, logs, stop := startServe(t, "-c", cfg, "--addr", "127.0.0.1:0", "--instance", "first")
	if !strings.Contains(logs.String(), "instance first") {
		t.Errorf("the banner lacks the instance:\n%s", logs.String())
	}
	wantCLIError(t, exitError, "several instances need a PostgreSQL state database", "serve", "-c", cfg, "--addr", "127.0.0.1:0")
	wantCLIError(t, exitError, fmt.Sprintf("pid %d", os.Getpid()), "serve", "-c", cfg, "--addr", "127.0.0.1:0")
	mustCLI(t, "users", "add", "ana@example.com", "-c", cfg)
	if code := stop(); code != exitOK {
		t.Fatalf("serve exited %d", code)
	}
	_, _, stop = startServe(t, "-c", cfg, "--addr", "127.0.0.1:0")
	stop()
	t.Setenv(envTestEvery, "soon")
	wantCLIError(t, exitUsage, "BACKLOGSYNC_TEST_SCHEDULE_EVERY", "serve", "-c", cfg, "--addr", "127.0.0.1:0")
}

// TestServeBadTLSFilesExits: a TLS certificate that cannot be loaded makes
// serve exit with the error naming the files, by itself (it waited for
// Ctrl-C, as the scheduler beside the failed server kept running), and
// before it says it serves.
func TestServeBadTLSFilesExits(t *testing.T) {
	dir := t.TempDir()
	crt, key := filepath.Join(dir, "missing.crt"), filepath.Join(dir, "missing.key")
	cfg, _ := serveConfig(t, "server: {tls_cert: "+crt+", tls_key: "+key+"}\n")
	var out, errOut lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"serve", "-c", cfg, "--addr", "127.0.0.1:0"}, nil, &out, &errOut)
	}()
	select {
	case code := <-done:
		if code != exitUsage || !strings.Contains(errOut.String(), "TLS certificate "+crt) || !strings.Contains(errOut.String(), "tls_cert") {
			t.Errorf("exit %d; stderr:\n%s\nwant %d and an error naming %s and the setting", code, errOut.String(), exitUsage, crt)
		}
		if strings.Contains(errOut.String(), "Serving") {
			t.Errorf("serve said it serves before finding the certificate unreadable:\n%s", errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("serve still runs 15s after failing:\n%s", errOut.String())
	}
}
