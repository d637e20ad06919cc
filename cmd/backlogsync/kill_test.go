package main

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/sqlite"
	"github.com/backlogsync/backlogsync/emulator"
)

// killStatements are the statements the killed process replicates.
const killStatements = `REPLICATE Issues;
REPLICATE IssueComments;
REPLICATE IssueCommentChangeLog;
REPLICATE IssueCategories;
REPLICATE IssueCustomFieldValues;
REPLICATE WikiPages;
REPLICATE PullRequests;
REPLICATE ProjectSharedFiles;
REPLICATE Users;
`

// TestReplicateKilledAndRestarted runs the real binary as a child process
// against an emulator on a loopback port, SIGKILLs it at random moments of
// a first load and of an incremental run after churn, restarts it until a
// run completes, and checks that the database equals the one a clean run
// writes, with the killed runs left as "running" in the runs table.
func TestReplicateKilledAndRestarted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics")
	}
	start := time.Now()
	bin := buildBinary(t)
	t.Logf("go build: %s", time.Since(start).Round(time.Millisecond))
	// The runs, kills included, are bounded by 60 s.
	deadline := time.Now().Add(60 * time.Second)

	srv, err := emulator.New(emulator.Options{Seed: 77, Size: emulator.Size{Projects: 3, Users: 10, Teams: 2,
		Issues: 600, Comments: 1500, Wikis: 12, Documents: 4, Repositories: 2, PullRequests: 16, SharedFiles: 16}})
	if err != nil {
		t.Fatal(err)
	}
	base := srv.Start()
	t.Cleanup(srv.Close)
	// A little latency per request stretches a run over a second or more,
	// so that the kills land inside it.
	if _, err := srv.AddFault(emulator.FaultRule{Path: "/api/v2/*", Kind: emulator.FaultLatency, Delay: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	killed := writeKillConfig(t, dir, "killed", base, srv.AdminAPIKey())
	clean := writeKillConfig(t, dir, "clean", base, srv.AdminAPIKey())

	r := rand.New(rand.NewPCG(77, 1))
	kills := 0
	phase := func(name string, attempts int, maxDelay time.Duration) {
		for i := range attempts {
			delay := 20*time.Millisecond + time.Duration(r.Int64N(int64(maxDelay)))
			done, out := runUntil(t, bin, dir, killed.cfg, delay)
			t.Logf("%s: attempt %d killed after %s: %v", name, i+1, delay, !done)
			if done {
				t.Logf("the run completed before the kill:\n%s", out)
			} else {
				kills++
			}
		}
		if code, out := runToEnd(t, bin, dir, killed.cfg, deadline); code != 0 {
			t.Fatalf("%s: the run after the kills exited %d:\n%s", name, code, out)
		}
	}
	phase("first load", 3, 1500*time.Millisecond)
	mix := emulator.ChurnMix{}
	for k, w := range emulator.DefaultChurnMix {
		mix[k] = w
	}
	mix[emulator.ChurnDeleteIssue], mix[emulator.ChurnDeleteWiki] = 6, 4
	rep := srv.ChurnWith(60, emulator.ChurnOptions{Seed: 78, Mix: mix})
	t.Logf("churn: %v", rep.Counts)
	phase("after churn", 2, 500*time.Millisecond)
	if kills == 0 {
		t.Fatal("no run was killed: the test proves nothing")
	}
	t.Logf("kills and restarts: %s", time.Since(deadline.Add(-60*time.Second)).Round(time.Millisecond))
	if code, out := runToEnd(t, bin, dir, clean.cfg, deadline); code != 0 {
		t.Fatalf("the clean run exited %d:\n%s", code, out)
	}
	sameDatabases(t, killed.db, clean.db)

	d, err := sqlite.Open(context.Background(), killed.db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	runs, err := d.Runs(context.Background(), "kill", 0)
	if err != nil {
		t.Fatal(err)
	}
	running, ok := 0, 0
	for _, run := range runs {
		switch run.Status {
		case backlogsync.RunRunning:
			running++
		case backlogsync.RunOK:
			ok++
		}
	}
	t.Logf("%d kills; runs table: %d runs, %d left running, %d ok", kills, len(runs), running, ok)
	if len(runs) == 0 || runs[0].Status != backlogsync.RunOK {
		t.Errorf("the newest run is not ok: %+v", runs)
	}
	if running == 0 {
		t.Errorf("no killed run is left as %q in the runs table", backlogsync.RunRunning)
	}
	if ok < 2 {
		t.Errorf("%d ok runs, want at least 2 (one per phase)", ok)
	}
}

// buildBinary builds this command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "backlogsync")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// killConfig is one configuration file and the database it writes.
type killConfig struct{ cfg, db string }

func writeKillConfig(t *testing.T, dir, name, base, key string) killConfig {
	t.Helper()
	db := filepath.Join(dir, name+".db")
	var stmts strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(killStatements), "\n") {
		stmts.WriteString("      " + l + "\n")
	}
	cfg := fmt.Sprintf(`accounts:
  - {name: k, url: %q, auth: {api_key: %s}}
destinations:
  - {name: db, type: sqlite, dsn: %q}
jobs:
  - name: kill
    destination: db
    accounts: [k]
    statements: |
%s`, base, key, db, stmts.String())
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return killConfig{cfg: path, db: db}
}

// childCmd is the replicate command of the binary with an isolated
// environment (no user configuration, no account variables).
func childCmd(bin, home, cfg string) *exec.Cmd {
	cmd := exec.Command(bin, "replicate", "-c", cfg, "-q")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CONFIG_HOME=" + home, "TMPDIR=" + os.TempDir()}
	return cmd
}

// startChild starts the binary with its output going to the returned buffer.
func startChild(t *testing.T, bin, home, cfg string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	cmd := childCmd(bin, home, cfg)
	buf := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = buf, buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, buf
}

// runUntil starts the binary and SIGKILLs it after delay; it reports
// whether the process had already exited by itself, with its output.
func runUntil(t *testing.T, bin, home, cfg string, delay time.Duration) (done bool, out string) {
	t.Helper()
	cmd, buf := startChild(t, bin, home, cfg)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the run failed before the kill: %v\n%s", err, buf.String())
		}
		return true, buf.String()
	case <-time.After(delay):
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	return false, buf.String()
}

// runToEnd runs the binary to completion (killing it at deadline) and
// returns its exit code and output.
func runToEnd(t *testing.T, bin, home, cfg string, deadline time.Time) (int, string) {
	t.Helper()
	cmd, buf := startChild(t, bin, home, cfg)
	timer := time.AfterFunc(time.Until(deadline), func() { cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Wait()
	if time.Now().After(deadline) {
		t.Fatalf("the test ran past its 60 s bound:\n%s", buf.String())
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), buf.String()
		}
		t.Fatal(err)
	}
	return 0, buf.String()
}

// sameDatabases compares every table of two SQLite databases by primary
// key, value by value, and reports the first differing keys per table.
func sameDatabases(t *testing.T, gotPath, wantPath string) {
	t.Helper()
	ctx := context.Background()
	open := func(p string) backlogsync.Destination {
		d, err := sqlite.Open(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	got, want := open(gotPath), open(wantPath)
	tables := func(d backlogsync.Destination) []*backlogsync.Table {
		ts, err := d.Tables(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	gt, wt := tables(got), tables(want)
	name := func(tb *backlogsync.Table) string { return tb.Name }
	if gn, wn := mapSlice(gt, name), mapSlice(wt, name); !slices.Equal(gn, wn) {
		t.Fatalf("tables differ: %v, want %v", gn, wn)
	}
	for _, tb := range wt {
		var key []int
		for _, k := range tb.PrimaryKey {
			_, i := tb.Column(k)
			key = append(key, i)
		}
		rows := func(d backlogsync.Destination) (map[string][]string, int) {
			m, n := map[string][]string{}, 0
			if err := d.Query(ctx, tb.Name, backlogsync.Query{}, func(r backlogsync.Row) error {
				vals := mapSlice(r, fmtValue)
				m[strings.Join(mapSlice(key, func(i int) string { return vals[i] }), ", ")] = vals
				n++
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return m, n
		}
		g, gn := rows(got)
		w, wn := rows(want)
		if wn == 0 {
			t.Errorf("%s is empty after the clean run", tb.Name)
		}
		var diffs []string
		for _, k := range slices.Sorted(maps.Keys(w)) {
			switch gv, ok := g[k]; {
			case !ok:
				diffs = append(diffs, "missing ("+k+")")
			case !slices.Equal(gv, w[k]):
				var cols []string
				for i, c := range tb.Columns {
					if gv[i] != w[k][i] {
						cols = append(cols, fmt.Sprintf("%s %s, clean run %s", c.Name, gv[i], w[k][i]))
					}
				}
				diffs = append(diffs, "("+k+"): "+strings.Join(cols, "; "))
			}
		}
		for _, k := range slices.Sorted(maps.Keys(g)) {
			if _, ok := w[k]; !ok {
				diffs = append(diffs, "extra ("+k+")")
			}
		}
		if len(diffs) == 0 && gn == wn {
			continue
		}
		t.Errorf("%s: %d rows, the clean run's %d; %d keys differ:\n  %s", tb.Name, gn, wn, len(diffs),
			strings.Join(diffs[:min(len(diffs), 5)], "\n  "))
	}
}

func mapSlice[T any](in []T, f func(T) string) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func fmtValue(v any) string {
	if tm, ok := v.(time.Time); ok {
		v = tm.UTC().Format(time.RFC3339)
	}
	s := fmt.Sprintf("%T:%v", v, v)
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return s
}
