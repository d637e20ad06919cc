package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/emulator"
)

// TestEmulatorCommandUsage checks that bad flags exit 2 with the
// message and the -h hint (the flags themselves: internal/emuserve).
func TestEmulatorCommandUsage(t *testing.T) {
	bad := []struct {
		args []string
		want string // in the message
	}{
		{[]string{"--rate-limit", "fast"}, `--rate-limit "fast": use paid, free or off`},
		{[]string{"--rate-limit", ""}, `--rate-limit "": use paid, free or off`},
		{[]string{"--rate-window", "0s"}, "--rate-window 0s: give a positive duration"},
		{[]string{"--rate-window", "5"}, "--rate-window: want a duration such as 60s"},
		{[]string{"--issues", "-1"}, "--issues -1: sizes cannot be negative"},
		{[]string{"--pull-requests", "-2"}, "--pull-requests -2"},
		{[]string{"--issues", "many"}, "--issues: want a whole number"},
		{[]string{"--seed", "x"}, "--seed: want a whole number"},
		{[]string{"--tls=maybe"}, "--tls: want true or false"},
		{[]string{"--addr", "8787"}, `--addr "8787": want host:port`},
		{[]string{"--addr", "127.0.0.1:99999"}, "port must be a number from 0 to 65535"},
		{[]string{"--cert-file", "/tmp/c.pem"}, "--cert-file is only used with --tls"},
		{[]string{"--tls", "--cert-file", ""}, "--cert-file is empty"},
		{[]string{"--api-key", "a b"}, `--api-key "a b": use only letters`},
		{[]string{"--space-key", "a/b"}, `--space-key "a/b"`},
		{[]string{"--churn", "-1"}, "--churn -1: give events per second from 0"},
		{[]string{"--churn", "fast"}, "--churn"},
		{[]string{"serve"}, `unexpected argument "serve"`},
	}
	for _, c := range bad {
		var stdout, stderr bytes.Buffer
		code := runEmulator(context.Background(), c.args, nil, &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), c.want) ||
			!strings.Contains(stderr.String(), "backlogsync emulator -h") || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, stderr.String(), c.want)
		}
	}
	if code := run(context.Background(), []string{"emulator", "--help"}, nil, io.Discard, io.Discard); code != exitOK {
		t.Errorf("--help exit %d", code)
	}
}

// syncBuffer is a goroutine-safe output buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls out until re matches, and returns the first group.
func waitFor(t *testing.T, out *syncBuffer, re *regexp.Regexp, done <-chan int) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute) // generous: under -race with every package testing in parallel on two cores the demo replication alone took over 90 s in CI
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("command exited with %d before printing %s:\n%s", code, re, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no %s in:\n%s", re, out.String())
	return ""
}

// baseURLRE matches the base URL once the whole banner is printed.
var baseURLRE = regexp.MustCompile(`(?s)Base URL:\s+(\S+).*Serving until interrupted`)

// startCommand runs the CLI in a goroutine; stop cancels it and returns the exit code.
func startCommand(t *testing.T, args ...string) (out, errOut *syncBuffer, done chan int, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut = &syncBuffer{}, &syncBuffer{}
	done = make(chan int, 1)
	go func() { done <- run(ctx, args, nil, out, errOut) }()
	stopped := false
	stop = func() int {
		cancel()
		select {
		case code := <-done:
			stopped = true
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("the command did not stop after cancellation")
			return -1
		}
	}
	t.Cleanup(func() {
		if !stopped {
			cancel()
		}
	})
	return out, errOut, done, stop
}

func getSpace(t *testing.T, client *http.Client, base, key string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v2/space", nil)
	req.Header.Set("Backlog-API-Key", key)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestEmulatorCommandEndToEnd(t *testing.T) {
	out, errOut, done, stop := startCommand(t, "emulator", "--addr", "127.0.0.1:0", "--api-key", "e2ekey",
		"--rate-window", "5s", "--rate-limit", "free", "--issues", "5", "--comments", "5", "--space-key", "acme")
	base := waitFor(t, out, baseURLRE, done)
	if !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
		t.Fatalf("base URL %s", base)
	}
	banner := out.String()
	for _, want := range []string{`space "acme"`, "API KEY", "admin", "Administrator", "e2ekey", "curl -H 'Backlog-API-Key: e2ekey' " + base + "/api/v2/space",
		"free: read 150", "per 5s", "plain HTTP", "replace(/^https:/,'http:')"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	resp := getSpace(t, http.DefaultClient, base, "e2ekey")
	if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Limit") != "150" {
		t.Errorf("GET /space: %d %v", resp.StatusCode, resp.Header)
	}
	if code := stop(); code != exitOK {
		t.Errorf("exit %d; stderr %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "Stopped.") {
		t.Errorf("stderr %s", errOut.String())
	}
	if _, err := http.Get(base + "/_emulator/health"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func TestEmulatorCommandChurn(t *testing.T) {
	out, _, done, stop := startCommand(t, "emulator", "--addr", "127.0.0.1:0", "--api-key", "ck",
		"--rate-limit", "off", "--issues", "20", "--comments", "20", "--churn", "200")
	base := waitFor(t, out, baseURLRE, done)
	latest := func() int64 {
		req, _ := http.NewRequest("GET", base+"/api/v2/space/activities?count=1", nil)
		req.Header.Set("Backlog-API-Key", "ck")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var acts []struct{ ID int64 }
		if err := json.NewDecoder(resp.Body).Decode(&acts); err != nil || len(acts) != 1 {
			t.Fatalf("activities: %v %v", err, acts)
		}
		return acts[0].ID
	}
	first := latest()
	deadline := time.Now().Add(10 * time.Second)
	for latest() == first {
		if time.Now().After(deadline) {
			t.Fatal("the activity feed did not move with --churn 200")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "Churn: editing the space at 200 events/s") {
		t.Errorf("banner: %s", out.String())
	}
	if code := stop(); code != exitOK {
		t.Errorf("exit %d", code)
	}
}

func TestEmulatorCommandTLS(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "certs", "emu.pem")
	out, errOut, done, stop := startCommand(t, "emulator", "--addr", "127.0.0.1:0", "--tls", "--cert-file", certFile,
		"--rate-limit", "off", "--seed", "3")
	base := waitFor(t, out, baseURLRE, done)
	if !strings.HasPrefix(base, "https://127.0.0.1:") {
		t.Fatalf("base URL %s", base)
	}
	if !strings.Contains(out.String(), "Certificate:  "+certFile) || !strings.Contains(out.String(), "NODE_EXTRA_CA_CERTS="+certFile) {
		t.Errorf("banner lacks the certificate path:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "SSL_CERT_FILE for backlogsync") { // its own client trusts the certificate that way
		t.Errorf("banner does not say how backlogsync trusts the certificate:\n%s", out.String())
	}
	key := regexp.MustCompile(`admin\s+Administrator\s+(\S+)`).FindStringSubmatch(out.String())
	if key == nil {
		t.Fatalf("no admin key in:\n%s", out.String())
	}
	pemData, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatal("not a PEM certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp := getSpace(t, client, base, key[1])
	if resp.StatusCode != 200 || resp.TLS == nil || resp.Header.Get("X-RateLimit-Limit") != "1000000" { // limits off: reported as very large (emulator.UnlimitedReport), as Backlog always sends them
		t.Errorf("GET /space over TLS: %d %v", resp.StatusCode, resp.Header)
	}
	if code := stop(); code != exitOK {
		t.Errorf("exit %d; stderr %s", code, errOut.String())
	}
}

func TestEmulatorCommandPortInUse(t *testing.T) {
	out, _, done, stop := startCommand(t, "emulator", "--addr", "127.0.0.1:0")
	base := waitFor(t, out, baseURLRE, done)
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"emulator", "--addr", strings.TrimPrefix(base, "http://")}, nil, io.Discard, &stderr)
	if code != exitError || !strings.Contains(stderr.String(), "--addr") || !strings.Contains(stderr.String(), "choose another") {
		t.Errorf("port in use: exit %d %s", code, stderr.String())
	}
	stop()
}

func TestDemoCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	out, errOut, done, stop := startCommand(t, "demo", "--seed", "2", "--db", db, "--serve-addr", "127.0.0.1:0")
	base := waitFor(t, out, baseURLRE, done)
	key := regexp.MustCompile(`Admin key:\s+(\S+)`).FindStringSubmatch(out.String())
	if key == nil {
		t.Fatalf("no key:\n%s", out.String())
	}
	issues := regexp.MustCompile(`(?m)^\s+Issues\s+(\d+)\s`).FindStringSubmatch(out.String())
	if issues == nil || issues[1] != strconv.Itoa(emulator.DefaultSize.Issues) ||
		!strings.Contains(out.String(), "Replicated 68 tables into "+db) || !strings.Contains(out.String(), "sqlite3 "+db) ||
		!strings.Contains(out.String(), "OData") {
		t.Errorf("demo output does not show the replication, how to look at it and what is not there yet:\n%s", out.String())
	}
	if got := countRows(t, db, "Issues"); got != emulator.DefaultSize.Issues {
		t.Errorf("%s has %d issues, want %d", db, got, emulator.DefaultSize.Issues)
	}
	if resp := getSpace(t, http.DefaultClient, base, key[1]); resp.StatusCode != 200 {
		t.Errorf("GET /space: %d", resp.StatusCode)
	}
	checkDemoOData(t, out.String())
	checkDemoAdmin(t, out.String())
	if code := stop(); code != exitOK {
		t.Errorf("exit %d; %s", code, errOut.String())
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"demo", "--what"}, nil, io.Discard, &stderr); code != exitUsage ||
		!strings.Contains(stderr.String(), "unknown flag --what") {
		t.Errorf("bad demo flag: %d %s", code, stderr.String())
	}
}
