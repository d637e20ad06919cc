package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/dest"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/internal/truth"
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

// killDest is one destination the kill test runs on: SQLite (a file of
// its own), or a test server (its DSN variable) in a schema of its own.
type killDest struct {
	typ, env string
	parse    func(string) (server, error)
}

// TestReplicateKilledAndRestarted is issue 13's kill proof on SQLite,
// PostgreSQL and MariaDB, with the real binary: while the emulator injects
// 10% faults (500, 503, connection resets, truncated bodies) and churns
// (creates, edits, comments, closes, deletes of issues, wiki pages, pull
// requests, shared files), the binary is SIGKILLed at ≥ 10 random moments
// of a first load and ≥ 10 of incremental runs, each kill followed by a
// rerun; after each phase a rerun completes and every replicated table
// equals the emulator's state row by row and column by column
// (truth.Diff), and the killed runs are left as "running" in the runs
// table. Sized for CI: about a minute per destination, the destinations in
// parallel.
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
	for i, kd := range []killDest{
		{typ: "sqlite"},
		{"postgres", "BACKLOGSYNC_TEST_POSTGRES_DSN", parsePostgresURL},
		{"mysql", "BACKLOGSYNC_TEST_MYSQL_DSN", parseMySQLDSN},
	} {
		t.Run(kd.typ, func(t *testing.T) {
			t.Parallel()
			killScenario(t, bin, kd, int64(77+i))
		})
	}
}

// killTables are the tables killStatements replicate.
var killTables = func() []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(killStatements), "\n") {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(l, "REPLICATE "), ";"))
	}
	return out
}()

// killFaults are about 10% of failed requests of every retryable kind,
// after a little latency on every request that stretches a run so that the
// kills land inside it.
func killFaults(seed int64) []emulator.FaultRule {
	api := "/api/v2/*"
	return []emulator.FaultRule{
		{Path: api, Kind: emulator.FaultLatency, Delay: 2 * time.Millisecond},
		{Path: api, Kind: emulator.FaultStatus, Status: 500, Probability: 0.03, Seed: seed},
		{Path: api, Kind: emulator.FaultStatus, Status: 503, Probability: 0.02, Seed: seed + 1},
		{Path: api, Kind: emulator.FaultReset, Probability: 0.02, Seed: seed + 2},
		{Path: api, Kind: emulator.FaultTruncate, Probability: 0.03, Seed: seed + 3},
	}
}

// killMix is the default churn with deletions of issues more frequent.
var killMix = func() emulator.ChurnMix {
	mix := emulator.ChurnMix{}
	for k, w := range emulator.DefaultChurnMix {
		mix[k] = w
	}
	mix[emulator.ChurnDeleteIssue] = 6
	return mix
}()

// minKills is how many kills each phase makes at least.
const minKills = 10

func killScenario(t *testing.T, bin string, kd killDest, seed int64) {
	// The runs, kills included, are bounded by four minutes (two cores
	// shared with the other tests under -race).
	const bound = 4 * time.Minute
	t0 := time.Now()
	deadline := t0.Add(bound)
	srv, err := emulator.New(emulator.Options{Seed: seed, Size: emulator.Size{Projects: 2, Users: 8, Teams: 2,
		Issues: 100, Comments: 250, Wikis: 16, Documents: 2, Repositories: 2, PullRequests: 8, SharedFiles: 8}})
	if err != nil {
		t.Fatal(err)
	}
	base := srv.Start()
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	kc := writeKillDestConfig(t, dir, kd, base, srv.AdminAPIKey())
	addFaults := func(seed int64) {
		for _, r := range killFaults(seed) {
			if _, err := srv.AddFault(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	// requests counts the API requests the emulator received (the
	// latency rule matches every one).
	requests := func() int {
		n := 0
		for _, f := range srv.Faults() {
			if f.Kind == emulator.FaultLatency {
				n += f.Matched
			}
		}
		return n
	}
	r := rand.New(rand.NewPCG(uint64(seed), 1))
	kills := 0
	phase := func(name string, maxRequests int, churnRate float64, faultSeed int64) {
		addFaults(faultSeed)
		ctx, cancel := context.WithCancel(context.Background())
		stop := srv.StartChurn(ctx, emulator.ChurnOptions{Rate: churnRate, Seed: faultSeed, Mix: killMix})
		n, completed, at := 0, 0, []string(nil)
		for attempt := 1; n < minKills; attempt++ {
			if attempt > 4*minKills {
				t.Fatalf("%s: %d kills in %d attempts: the runs end before the kills", name, n, attempt-1)
			}
			k, jitter := 1+r.IntN(maxRequests), time.Duration(r.Int64N(int64(100*time.Millisecond)))
			done, out, made := runUntil(t, bin, dir, kc.cfg, requests, k, jitter)
			if done {
				completed++
				t.Logf("%s: attempt %d completed (%d requests) before its kill at request %d + %s:\n%s",
					name, attempt, made, k, jitter, out)
				continue
			}
			n++
			at = append(at, fmt.Sprintf("%d+%s/%d", k, jitter.Round(time.Millisecond), made))
		}
		stop()
		cancel()
		kills += n
		// The rerun after the last kill, still under faults.
		if code, out := rerunToEnd(t, bin, dir, kc.cfg, deadline); code != 0 {
			t.Fatalf("%s: the rerun after the kills exited %d:\n%s", name, code, out)
		}
		faults := srv.Faults()
		srv.ClearFaults()
		fired := 0
		for _, f := range faults {
			if f.Kind != emulator.FaultLatency {
				fired += f.Fired
			}
		}
		t.Logf("%s: %d kills (at request k + jitter / requests made: %s), %d runs completed before their kill, %d faults fired; %s elapsed",
			name, n, strings.Join(at, " "), completed, fired, time.Since(t0).Round(time.Millisecond))
		if fired == 0 {
			t.Errorf("%s: no fault fired", name)
		}
		kc.checkTruth(t, srv, name)
	}
	phase("first load", 60, 10, seed*10)
	phase("incremental", 20, 15, seed*10+5)

	runs := kc.runs(t)
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

// killConfig is the configuration file of one kill scenario and the
// coordinates of what it writes.
type killConfig struct {
	cfg    string // the configuration file
	job    string // the job's name, unique to the scenario
	schema string // the account's schema on a server ("" for SQLite)
	dest   *config.Destination
}

// writeKillDestConfig writes the configuration of a job replicating
// killStatements into kd: a SQLite file in dir, or a fresh schema (a MySQL
// database) of the test server, dropped when t ends.
func writeKillDestConfig(t *testing.T, dir string, kd killDest, base, key string) *killConfig {
	t.Helper()
	kc := &killConfig{job: "kill"}
	dsn, account := filepath.Join(dir, "kill.db"), "k"
	if kd.typ != "sqlite" {
		s := testServer(t, kd.env, kd.parse)
		kc.job = fmt.Sprintf("kill_%s_%d", kd.typ, time.Now().UnixNano())
		kc.schema = kc.job
		dsn = s.cdataConn()
		account = "{account: k, schema: " + kc.schema + "}"
		t.Cleanup(func() { dropSchema(t, kd.typ, os.Getenv(kd.env), kc.schema) })
	}
	var stmts strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(killStatements), "\n") {
		stmts.WriteString("      " + l + "\n")
	}
	text := fmt.Sprintf(`accounts:
  - {name: k, url: %q, auth: {api_key: %s}}
destinations:
  - {name: db, type: %s, dsn: %q}
jobs:
  - name: %s
    destination: db
    accounts: [%s]
    statements: |
%s`, base, key, kd.typ, dsn, kc.job, account, stmts.String())
	kc.cfg = filepath.Join(dir, "kill.yaml")
	if err := os.WriteFile(kc.cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(kc.cfg, config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kc.dest = &cfg.Destinations[0]
	return kc
}

// open opens the scenario's destination (closed when t ends).
func (kc *killConfig) open(t *testing.T) backlogsync.Destination {
	t.Helper()
	d, err := dest.OpenConfig(context.Background(), kc.dest)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// checkTruth fails t for every replicated table that differs from srv's
// state, row by row and column by column.
func (kc *killConfig) checkTruth(t *testing.T, srv *emulator.Server, what string) {
	t.Helper()
	var d backlogsync.Destination = schemaView{kc.open(t), kc.schema}
	counts, problems, err := truth.Diff(context.Background(), srv, d, "k", killTables)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", what, p)
	}
	for _, name := range killTables {
		if counts[name] == 0 {
			t.Errorf("%s: the space has no %s rows: the test proves nothing for that table", what, name)
		}
	}
	t.Logf("%s: every table equals the emulator: %v", what, counts)
}

// runs returns the job's runs, newest first.
func (kc *killConfig) runs(t *testing.T) []backlogsync.Run {
	t.Helper()
	runs, err := kc.open(t).Runs(context.Background(), kc.job, 0)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// schemaView reads the tables of a schema by their bare names.
type schemaView struct {
	backlogsync.Destination
	schema string
}

// Query implements backlogsync.Destination.
func (v schemaView) Query(ctx context.Context, table string, q backlogsync.Query, fn func(backlogsync.Row) error) error {
	if v.schema != "" {
		table = v.schema + "." + table
	}
	return v.Destination.Query(ctx, table, q, fn)
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

// runUntil starts the binary and SIGKILLs it at a random moment of its
// run: jitter after the run made its k-th API request (requests is the
// emulator's count), so that every kill lands inside a run, spread over
// its reads and writes, rather than in the process's start. It reports
// whether the process had exited by itself, its output and the requests
// the run had made when it was killed.
func runUntil(t *testing.T, bin, home, cfg string, requests func() int, k int, jitter time.Duration) (done bool, out string, made int) {
	t.Helper()
	before := requests()
	cmd, buf := startChild(t, bin, home, cfg)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	// completed is the answer for a run that exited by itself (err from
	// Wait): a success, or a request given up to the injected faults.
	completed := func(err error) (bool, string, int) {
		if err != nil && !gaveUpOnFaults(buf.String()) {
			t.Fatalf("the run failed before the kill: %v\n%s", err, buf.String())
		}
		if err != nil {
			t.Logf("the run gave a request up to injected faults (%v); counted as completed:\n%s", err, buf.String())
		}
		return true, buf.String(), requests() - before
	}
	var kill <-chan time.Time
	for {
		select {
		case err := <-exited:
			return completed(err)
		case <-tick.C:
			if kill == nil && requests()-before >= k {
				kill = time.After(jitter)
			}
			continue
		case <-kill:
		}
		break
	}
	if err := cmd.Process.Kill(); err != nil {
		if !errors.Is(err, os.ErrProcessDone) {
			t.Fatal(err)
		}
		// The run ended between the timer and the kill: Wait has
		// reaped it, so it counts as completed, not as a kill.
		return completed(<-exited)
	}
	<-exited
	return false, buf.String(), requests() - before
}

// gaveUpOnFaults reports whether a run's output says the client gave a
// request up after the retry policy's attempts (backlog.RetryError). Under
// killFaults about 9.6% of requests fail, so one request in about 120,000
// fails all five attempts: over the thousands of requests of a kill
// scenario, a run now and then fails so, as the retry policy intends.
func gaveUpOnFaults(out string) bool {
	return strings.Contains(out, fmt.Sprintf("gave up after %d attempts", backlog.DefaultMaxAttempts))
}

// rerunToEnd is runToEnd, run again (up to three times) while a run fails
// only because a request failed every attempt of the retry policy under
// the injected faults: the next run resumes, as a user's would.
func rerunToEnd(t *testing.T, bin, home, cfg string, deadline time.Time) (int, string) {
	t.Helper()
	for try := 1; ; try++ {
		code, out := runToEnd(t, bin, home, cfg, deadline)
		if code == 0 || try == 3 || !gaveUpOnFaults(out) {
			return code, out
		}
		t.Logf("rerun %d gave a request up to injected faults; running it again:\n%s", try, out)
	}
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
		t.Fatalf("the test ran past its bound:\n%s", buf.String())
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), buf.String()
		}
		t.Fatal(err)
	}
	return 0, buf.String()
}
