package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for backlogsync-bench in child
// processes: the bench starts the emulator (and, for the rss scenario,
// itself) from BACKLOGSYNC_BENCH_EXE, which the tests point at this binary
// with BACKLOGSYNC_TEST_AS_MAIN=1.
func TestMain(m *testing.M) {
	if os.Getenv("BACKLOGSYNC_TEST_AS_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// runCLI runs the bench with args and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// benchAsChild makes child processes of bench run this test binary as main.
func benchAsChild(t *testing.T) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("BACKLOGSYNC_BENCH_EXE", exe)
	t.Setenv("BACKLOGSYNC_TEST_AS_MAIN", "1")
}

func TestBenchAllScenarios(t *testing.T) {
	benchAsChild(t)
	code, out, errOut := runCLI(t, "--issues", "300", "--scenario", "all", "--churn", "40",
		"--ratelimit-issues", "40", "--window", "1s", "--latency", "50ms", "--jitter", "20ms", "--rss-sizes", "100,300", "--json")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	f := rep.Full
	if f == nil || rep.Incremental == nil || rep.RateLimit == nil || len(rep.RSS) != 2 {
		t.Fatalf("missing scenarios: %s", out)
	}
	// 300 issues need 3 list pages at least.
	if io := f.IssuesOnly; io.Issues != 300 || !io.Verified || io.Minimum != 3 || io.Requests < io.Minimum || io.IssuesPerS <= 0 {
		t.Errorf("issues-only run: %+v", io)
	}
	if wc := f.WithComments; wc == nil || wc.Comments == 0 || !wc.Verified || wc.Minimum <= 3 || wc.Requests < wc.Minimum {
		t.Errorf("run with comments: %+v", wc)
	}
	if inc := rep.Incremental; inc.ChurnEvents != 40 || !inc.Run.Verified || inc.Run.Minimum < 1 || inc.Run.Requests < inc.Run.Minimum || inc.Run.Note == "" {
		t.Errorf("incremental run: %+v", inc)
	}
	if rl := rep.RateLimit; rl.Window != "1s" || len(rl.Runs) != 4 {
		t.Errorf("ratelimit scenario: %+v", rl)
	} else {
		// A first load and an incremental run, without and with latency.
		for i, r := range rl.Runs {
			wantKind, wantLat := []string{"first load", "incremental"}[i%2], []string{"none", "50ms±20ms"}[i/2]
			if r.Kind != wantKind || r.Latency != wantLat || !r.Run.Verified || r.Run.Minimum < 1 || r.Run.Requests < r.Run.Minimum ||
				r.FloorSeconds <= 0 || r.Ratio <= 0 || r.ByClass["read"] == 0 || !strings.Contains(r.FloorHow, "T_free") {
				t.Errorf("ratelimit run %d: %+v", i, r)
			}
		}
		if rl.Limits["read"] != 10 || rl.Limits["search"] != 3 {
			t.Errorf("limits scaled to 1s: %v; want read 10, search 3", rl.Limits)
		}
	}
	for _, r := range rep.RSS {
		if r.MaxRSSMiB <= 0 || r.FirstLoadMiB <= 0 || r.FirstLoadMiB > r.MaxRSSMiB || r.IssuesPerS <= 0 {
			t.Errorf("rss: %+v", r)
		}
	}
	if rep.MaxRSSMiB <= 0 || rep.Formulas["minimum.full"] == "" {
		t.Errorf("report: %+v", rep)
	}
}

func TestBenchLines(t *testing.T) {
	benchAsChild(t)
	dest := t.TempDir() + "/bench.db"
	code, out, errOut := runCLI(t, "--issues", "120", "--scenario", "full", "--dest", dest)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, want := range []string{"minimum.full:", "full        Issues  ", "requests ", "/ minimum 2 =", "issues/s", "Issues+IssueComments", "peak RSS"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n, err := tableCounts(t.Context(), dest); err != nil || n.issues != 120 {
		t.Errorf("--dest has %d issues (%v), want 120", n.issues, err)
	}
}

// TestBenchIssuesScenario runs the Issues load alone and profiles both
// processes.
func TestBenchIssuesScenario(t *testing.T) {
	benchAsChild(t)
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "--issues", "150", "--scenario", "issues", "--json",
		"--cpuprofile", dir+"/rep.prof", "--emulator-cpuprofile", dir+"/emu.prof")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if rep.Full == nil || rep.Full.WithComments != nil || rep.Incremental != nil || rep.RateLimit != nil || rep.RSS != nil {
		t.Fatalf("scenario issues ran more or less than the Issues load: %s", out)
	}
	if io := rep.Full.IssuesOnly; io.Issues != 150 || !io.Verified || io.Minimum != 2 || io.IssuesPerS <= 0 {
		t.Errorf("issues-only run: %+v", io)
	}
	for _, f := range []string{"rep.prof", "emu.prof"} {
		if st, err := os.Stat(dir + "/" + f); err != nil || st.Size() == 0 {
			t.Errorf("profile %s not written: %v", f, err)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--issues", "0"}, "--issues 0"},
		{[]string{"--scenario", "fast"}, `--scenario "fast": use issues, full, incremental, ratelimit, rss, all, odata`},
		{[]string{"--window", "0s"}, "--window"},
		{[]string{"--churn", "-1"}, "--churn -1"},
		{[]string{"--latency", "10ms", "--jitter", "20ms"}, "--latency 10ms --jitter 20ms"},
		{[]string{"--rss-sizes", "10,x"}, "--rss-sizes"},
		{[]string{"--ratelimit-issues", "0"}, "--ratelimit-issues 0"},
		{[]string{"extra"}, "unexpected argument"},
		{[]string{"--odata-dests", "sqlite,oracle"}, `--odata-dests "sqlite,oracle"`},
		{[]string{"--odata-passes", "0"}, "--odata-passes 0"},
		{[]string{"--odata-page-size", "0"}, "--odata-page-size 0"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", tc.args, code, errOut, tc.want)
		}
	}
	if code, out, _ := runCLI(t, "-h"); code != exitOK || !strings.Contains(out, "--scenario") {
		t.Errorf("-h: exit %d\n%s", code, out)
	}
}

// TestBenchEmulatorChild starts the emulator child process the way the
// bench does ("backlogsync-bench emulator", here this test binary) and
// reads the space from it; a bad flag of the child is a usage error.
func TestBenchEmulatorChild(t *testing.T) {
	benchAsChild(t)
	emu, err := startChildEmulator(t.Context(), 7, 3, "off", time.Minute, time.Minute, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.stop()
	sum, err := emu.summary(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Issues != 7 || sum.Seed != 3 || !strings.HasPrefix(emu.base, "http://127.0.0.1:") {
		t.Errorf("child emulator at %s serves %+v; want 7 issues, seed 3", emu.base, sum)
	}
	emu.stop()
	if st := emu.cmd.ProcessState; st == nil || st.ExitCode() != exitOK {
		t.Errorf("the child did not exit cleanly on interrupt: %v", st)
	}
	code, _, errText := runCLI(t, "emulator", "--rate-limit", "fast")
	if code != exitUsage || !strings.Contains(errText, "backlogsync-bench emulator: --rate-limit") ||
		!strings.Contains(errText, "'backlogsync-bench emulator -h'") {
		t.Errorf("bad flag: exit %d, %q", code, errText)
	}
}
