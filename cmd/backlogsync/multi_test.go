package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/internal/dbtest"
	"github.com/backlogsync/backlogsync/internal/truth"
	"github.com/backlogsync/backlogsync/store"
)

// multiStatements are the statements of the several-instances test.
const multiStatements = `REPLICATE Issues;
REPLICATE IssueComments;
REPLICATE WikiPages;
REPLICATE Users;
`

// The several-instances test's schedule: a start every multiEvery (the
// test-only BACKLOGSYNC_TEST_SCHEDULE_EVERY; real schedules are a minute
// apart at least) and claims of multiClaimTTL.
const (
	multiEvery    = 6 * time.Second
	multiClaimTTL = 3 * time.Second
)

// serveProc is one "backlogsync serve" process of the test.
type serveProc struct {
	name   string
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{}
}

// TestServeSeveralInstances is issue 15's several-instances proof with the
// real binary: three serve processes on loopback share one PostgreSQL
// state database and one PostgreSQL destination, their job scheduled every
// few seconds while the emulator churns. Each scheduled start runs on
// exactly one of them (one claim per slot, no slot missed, every row of
// the runs table belongs to one claim); the instance running a slot is
// SIGKILLed mid-run, another takes the slot over and completes it; and at
// the end the replica equals the emulator row by row (truth.Diff).
func TestServeSeveralInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics")
	}
	stateDSN := dbtest.Postgres(t) // fails under CI=true without the server
	bin := buildBinary(t)
	srv, err := emulator.New(emulator.Options{Seed: 15, Size: emulator.Size{Projects: 1, Users: 6, Teams: 1,
		Issues: 60, Comments: 120, Wikis: 8}})
	if err != nil {
		t.Fatal(err)
	}
	base := srv.Start()
	t.Cleanup(srv.Close)
	// Latency stretches each run to about a second, so that a kill lands
	// inside one.
	if _, err := srv.AddFault(emulator.FaultRule{Path: "/api/v2/*", Kind: emulator.FaultLatency, Delay: 40 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kc := writeKillDestConfig(t, dir, killDest{"postgres", dbtest.PostgresVar, parsePostgresURL}, base, srv.AdminAPIKey())
	cfgText, err := os.ReadFile(kc.cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := replaceStatements(string(cfgText), multiStatements) + "    schedule: \"* * * * *\"\n" +
		fmt.Sprintf("server:\n  state: %q\n", stateDSN)
	if err := os.WriteFile(kc.cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	churn := srv.StartChurn(ctx, emulator.ChurnOptions{Rate: 4, Seed: 15, Mix: killMix})
	churning := true
	defer func() {
		if churning {
			churn()
		}
	}()

	procs := map[string]*serveProc{}
	for _, name := range []string{"node1", "node2", "node3"} {
		procs[name] = startServeProc(t, bin, dir, kc.cfg, name)
	}
	st, err := store.Open(ctx, store.Postgres, stateDSN, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Now()
	claims := func() []store.Claim {
		cs, err := st.Claims(ctx, kc.job, 0)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	waitFor := func(what string, d time.Duration, cond func([]store.Claim) bool) []store.Claim {
		t.Helper()
		deadline := time.Now().Add(d)
		for time.Now().Before(deadline) {
			if cs := claims(); cond(cs) {
				return cs
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s: not within %s; claims %+v\n%s", what, d, claims(), procOutput(procs))
		return nil
	}
	finishedAfter := func(after time.Time) func([]store.Claim) bool {
		return func(cs []store.Claim) bool {
			for _, c := range cs {
				if c.Slot.After(after) && !c.Finished.IsZero() && c.Status == "succeeded" {
					return true
				}
			}
			return false
		}
	}
	// The first load.
	cs := waitFor("a first scheduled run", 60*time.Second, finishedAfter(time.Time{}))
	first := cs[len(cs)-1].Slot

	// A later slot's run, caught after it wrote its "running" row: kill
	// its instance.
	d := kc.open(t)
	var victim store.Claim
	waitFor("a run to kill", 30*time.Second, func(cs []store.Claim) bool {
		for _, c := range cs {
			if !c.Slot.After(first) || !c.Finished.IsZero() {
				continue
			}
			runs, err := d.Runs(ctx, kc.job, 1)
			if err == nil && len(runs) == 1 && runs[0].Status == backlogsync.RunRunning && !runs[0].Started.Before(c.Slot.Truncate(time.Second)) {
				victim = c
				return true
			}
		}
		return false
	})
	p := procs[victim.Instance]
	if p == nil {
		t.Fatalf("the claim names instance %q, not one of the test's", victim.Instance)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	killedAt := time.Now()
	t.Logf("killed %s during the run of slot %s (%s after the first slot)", victim.Instance, victim.Slot.Format("15:04:05"), victim.Slot.Sub(first))

	// Another instance takes the slot over once its claim expires.
	cs = waitFor("the killed run taken over", 60*time.Second, func(cs []store.Claim) bool {
		for _, c := range cs {
			if c.Slot.Equal(victim.Slot) && !c.Finished.IsZero() {
				return true
			}
		}
		return false
	})
	for _, c := range cs {
		if c.Slot.Equal(victim.Slot) {
			if c.Instance == victim.Instance || c.TakeOvers != 1 || c.Trigger != "takeover" || c.Status != "succeeded" {
				t.Errorf("the killed slot's claim: %+v; want taken over once by another instance and succeeded", c)
			}
			t.Logf("slot %s taken over by %s %s after the kill", c.Slot.Format("15:04:05"), c.Instance, c.Finished.Sub(killedAt).Round(time.Millisecond))
		}
	}
	// A normal slot after it, then churn stops and one more slot catches
	// the replica up.
	waitFor("a run after the takeover", 30*time.Second, finishedAfter(victim.Slot))
	churn()
	churning = false
	stopped := time.Now()
	waitFor("a run after the churn stopped", 30*time.Second, finishedAfter(stopped))
	for name, p := range procs {
		if name == victim.Instance {
			continue
		}
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(30 * time.Second):
			p.cmd.Process.Kill()
			t.Errorf("%s did not stop on SIGTERM", name)
		}
	}
	t.Logf("%s from the first start to the last", time.Since(t0).Round(time.Second))

	// Each slot once: consecutive slots, one claim each, every claim
	// finished by one of the instances, every row of the runs table
	// (but the killed one) named by exactly one claim.
	cs = claims()
	slices.SortFunc(cs, func(a, b store.Claim) int { return a.Slot.Compare(b.Slot) })
	owner := map[int64]time.Time{}
	byInstance := map[string]int{}
	for i, c := range cs {
		if i > 0 && c.Slot.Sub(cs[i-1].Slot) != multiEvery {
			t.Errorf("slots %s and %s are not consecutive: a start was missed or doubled", cs[i-1].Slot.Format("15:04:05.000"), c.Slot.Format("15:04:05.000"))
		}
		if c.Finished.IsZero() || procs[c.Instance] == nil {
			t.Errorf("claim %+v: unfinished or of an unknown instance", c)
		}
		if c.Status != "succeeded" && c.Status != "skipped" {
			t.Errorf("claim %+v: status %s", c, c.Status)
		}
		byInstance[c.Instance]++
		for _, id := range c.RunIDs {
			if prev, dup := owner[id]; dup {
				t.Errorf("run %d belongs to slots %s and %s", id, prev, c.Slot)
			}
			owner[id] = c.Slot
		}
	}
	runs, err := d.Runs(ctx, kc.job, 0)
	if err != nil {
		t.Fatal(err)
	}
	orphans := 0
	for _, r := range runs {
		if _, ok := owner[r.ID]; ok {
			continue
		}
		if r.Status == backlogsync.RunRunning && !r.Started.Before(victim.Slot.Truncate(time.Second)) && r.Started.Before(victim.Slot.Add(multiEvery)) {
			orphans++ // the killed run
			continue
		}
		t.Errorf("run %+v belongs to no claim", r)
	}
	if orphans != 1 {
		t.Errorf("%d runs left running by the kill; want 1", orphans)
	}
	if len(runs) != len(owner)+orphans {
		t.Errorf("%d runs for %d claimed runs and %d killed", len(runs), len(owner), orphans)
	}
	t.Logf("%d slots, runs by instance %v, %d rows in the runs table", len(cs), byInstance, len(runs))
	// Which instances win the other slots is up to the race for each
	// claim (one instance may win them all); the takeover of the killed
	// instance's slot by another is checked above.
	srv.ClearFaults()
	checkMultiTruth(t, kc, srv)
	if !strings.Contains(procOutput(procs), "running a scheduled run again") {
		t.Errorf("no instance logged the takeover:\n%s", procOutput(procs))
	}
}

// multiTables are the tables multiStatements replicate.
var multiTables = []string{"Issues", "IssueComments", "WikiPages", "Users"}

// checkMultiTruth compares the replica with the emulator.
func checkMultiTruth(t *testing.T, kc *killConfig, srv *emulator.Server) {
	t.Helper()
	var d backlogsync.Destination = schemaView{kc.open(t), kc.schema}
	counts, problems, err := truth.Diff(context.Background(), srv, d, "k", multiTables)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("after the instances stopped: %s", p)
	}
	for _, name := range multiTables {
		if counts[name] == 0 {
			t.Errorf("the space has no %s rows: the test proves nothing for that table", name)
		}
	}
	t.Logf("every table equals the emulator: %v", counts)
}

// replaceStatements swaps the statements block of a kill config for stmts.
func replaceStatements(text, stmts string) string {
	i := strings.Index(text, "    statements: |\n")
	var b strings.Builder
	b.WriteString(text[:i] + "    statements: |\n")
	for _, l := range strings.Split(strings.TrimSpace(stmts), "\n") {
		b.WriteString("      " + l + "\n")
	}
	return b.String()
}

// startServeProc starts "backlogsync serve" named name on a free loopback
// port and waits for its banner.
func startServeProc(t *testing.T, bin, home, cfg, name string) *serveProc {
	t.Helper()
	cmd := exec.Command(bin, "serve", "-c", cfg, "--addr", "127.0.0.1:0", "--instance", name)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CONFIG_HOME=" + home, "TMPDIR=" + os.TempDir(),
		envTestEvery + "=" + multiEvery.String(), envTestClaimTTL + "=" + multiClaimTTL.String()}
	cmd.Dir = filepath.Dir(cfg)
	p := &serveProc{name: name, cmd: cmd, out: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.out.String(), "Serving ") {
		select {
		case <-p.exited:
			t.Fatalf("%s exited:\n%s", name, p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start:\n%s", name, p.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return p
}

// procOutput is every process's output, for failure messages.
func procOutput(procs map[string]*serveProc) string {
	var b strings.Builder
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range procs {
			if !yield(n) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "--- %s ---\n%s\n", name, procs[name].out.String())
	}
	return b.String()
}
