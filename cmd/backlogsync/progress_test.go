package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/replicate"
)

func TestRateETA(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := backlog.Rate{Class: backlog.RateSearch, Limit: 150, Remaining: 20, Reset: now.Add(30 * time.Second)}
	cases := []struct {
		needed int64
		rate   backlog.Rate
		pacing backlog.Pacing
		want   time.Duration
	}{
		// Window pacing: the budget left covers the requests: no wait.
		{10, r, backlog.PaceWindow, 0},
		{20, r, backlog.PaceWindow, 0},
		// More than the budget left: the reset, then 150 at the start of each window.
		{21, r, backlog.PaceWindow, 30 * time.Second},
		{20 + 150, r, backlog.PaceWindow, 30 * time.Second},
		{20 + 151, r, backlog.PaceWindow, 30*time.Second + time.Minute},
		{20 + 300, r, backlog.PaceWindow, 30*time.Second + time.Minute},
		{60, backlog.Rate{Limit: 600, Remaining: 0, Reset: now.Add(10 * time.Second)}, backlog.PaceWindow, 10 * time.Second},
		{600, backlog.Rate{Limit: 600, Remaining: 0, Reset: now.Add(-time.Second)}, backlog.PaceWindow, 0},
		{1201, backlog.Rate{Limit: 600, Remaining: 0, Reset: now.Add(-time.Second)}, backlog.PaceWindow, 2 * time.Minute},
		// Even pacing: the budget left spread until the reset.
		{10, r, backlog.PaceEven, 15 * time.Second},
		{20, r, backlog.PaceEven, 30 * time.Second},
		// More than the budget left: the reset, then 150 a minute.
		{20 + 75, r, backlog.PaceEven, 30*time.Second + 30*time.Second},
		{20 + 300, r, backlog.PaceEven, 30*time.Second + 2*time.Minute},
		{60, backlog.Rate{Limit: 600, Remaining: 0, Reset: now.Add(10 * time.Second)}, backlog.PaceEven, 10*time.Second + 6*time.Second},
		// A reset already past counts as now.
		{600, backlog.Rate{Limit: 600, Remaining: 0, Reset: now.Add(-time.Second)}, backlog.PaceEven, time.Minute},
		{0, r, backlog.PaceEven, 0},
		{0, r, backlog.PaceWindow, 0},
	}
	for _, c := range cases {
		got, ok := rateETA(c.needed, c.rate, now, time.Minute, c.pacing)
		if !ok || got != c.want {
			t.Errorf("rateETA(%d, %+v, %s) = %v, %v; want %v", c.needed, c.rate, c.pacing, got, ok, c.want)
		}
	}
	if _, ok := rateETA(10, backlog.Rate{}, now, time.Minute, backlog.PaceWindow); ok {
		t.Errorf("rateETA without a rate limit gave an estimate")
	}
}

func TestProgressViewETAAndBudget(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	var out bytes.Buffer
	v := newProgressView(&out, clock.Now)
	v.width = 200
	rep := v.reporter("acme")
	rep(replicate.Progress{Table: "Issues", Phase: replicate.PhaseStart, Expected: -1, Requests: 7})

	// 1,000 of 5,000 rows in 10 s with 10 requests: by the rows 40 s are
	// left; 40 more requests are needed with 0 of 20 left and the reset
	// 30 s away: 20 at the reset, 20 a window later: 30 s + 60 s = 1m30s,
	// the larger (the governor's default window pacing).
	clock.Advance(time.Second)
	rate := backlog.Rate{Class: backlog.RateSearch, Limit: 20, Remaining: 0, Reset: clock.Now().Add(30 * time.Second)}
	rep(replicate.Progress{Table: "Issues", Phase: replicate.PhaseLoad, Rows: 1000, Expected: 5000, Requests: 17,
		Rate: rate, Elapsed: 10 * time.Second})
	line := v.line(v.tables[0], clock.Now())
	for _, want := range []string{"Issues", "1,000/5,000 rows", "10 req", "budget 0/20 search", "ETA 1m30s"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
	// The account's own pacing (rate_limit.pacing: even) spreads the 20
	// after the reset over the window: 30 s + 2 windows = 2m30s; another
	// account keeps the default.
	v.setPacing("acme", backlog.PaceEven)
	v.setPacing("other", backlog.PaceWindow)
	if eta, ok := v.eta(v.tables[0], clock.Now()); !ok || eta != 150*time.Second {
		t.Errorf("ETA with even pacing = %v, %v; want 2m30s", eta, ok)
	}
	v.setPacing("acme", backlog.PaceWindow)
	// With budget to spare the rows' estimate wins: 40 s.
	rate.Remaining = 20
	rep(replicate.Progress{Table: "Issues", Phase: replicate.PhaseLoad, Rows: 1000, Expected: 5000, Requests: 17,
		Rate: rate, Elapsed: 10 * time.Second})
	if eta, ok := v.eta(v.tables[0], clock.Now()); !ok || eta != 40*time.Second {
		t.Errorf("ETA with budget to spare = %v, %v; want 40s", eta, ok)
	}
	// Unknown expected rows: no ETA.
	rep(replicate.Progress{Table: "Users", Phase: replicate.PhaseLoad, Rows: 10, Expected: -1, Requests: 20})
	if l := v.line(v.tables[1], clock.Now()); strings.Contains(l, "ETA") || !strings.Contains(l, "10 rows") {
		t.Errorf("line without expected rows: %q", l)
	}
}

func TestProgressViewRedrawsInPlaceAtMostFiveTimesASecond(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	var out bytes.Buffer
	v := newProgressView(&out, clock.Now)
	v.expect("acme", 2)
	rep := v.reporter("acme")
	rep(replicate.Progress{Table: "Issues", Phase: replicate.PhaseStart, Expected: -1})
	for i := range 100 {
		clock.Advance(10 * time.Millisecond) // 100 reports in one second
		rep(replicate.Progress{Table: "Issues", Phase: replicate.PhaseLoad, Rows: int64(i * 10), Expected: 1000})
	}
	if v.draws > 6 {
		t.Errorf("%d draws for one second of reports; want at most 6", v.draws)
	}
	if v.draws < 5 {
		t.Errorf("%d draws for one second of reports; want about 5", v.draws)
	}
	// Each redraw after the first moves up over the block and clears it.
	if got := strings.Count(out.String(), "\x1b[2A\r\x1b[J"); got != v.draws-1 {
		t.Errorf("%d in-place redraws for %d draws:\n%q", got, v.draws, out.String())
	}
	// A log line goes above the block, which is drawn again below it.
	out.Reset()
	v.Write([]byte("level=INFO msg=hello\n"))
	s := out.String()
	if !strings.HasPrefix(s, "\x1b[2A\r\x1b[Jlevel=INFO msg=hello\n") || !strings.Contains(s, "0/2 tables done") {
		t.Errorf("log line through the view: %q", s)
	}
	// Finishing leaves the final state and forgets the tables.
	rep(replicate.Progress{Table: "Issues", Phase: replicate.PhaseDone, Rows: 1000, Expected: 1000})
	out.Reset()
	v.finish()
	if s := out.String(); !strings.Contains(s, "1/2 tables done, 1,000 rows") || strings.Contains(s, "Issues ") {
		t.Errorf("final draw: %q", s)
	}
	out.Reset()
	v.Write([]byte("after\n"))
	if out.String() != "after\n" {
		t.Errorf("output after finish: %q", out.String())
	}
}

func TestProgressFlag(t *testing.T) {
	var buf bytes.Buffer
	for mode, want := range map[string]bool{"auto": false, "always": true, "never": false} {
		if got, err := progressOn(mode, &buf); err != nil || got != want {
			t.Errorf("progressOn(%q, buffer) = %v, %v; want %v", mode, got, err, want)
		}
	}
	if _, err := progressOn("sometimes", &buf); err == nil || !strings.Contains(err.Error(), "auto") {
		t.Errorf("bad mode: %v", err)
	}
	if code, _, errOut := runCLI(t, "replicate", "-c", "x.yaml", "--progress", "sometimes"); code != exitUsage || !strings.Contains(errOut, "--progress") {
		t.Errorf("bad --progress: exit %d, %s", code, errOut)
	}
}

// TestReplicateJSONLogs runs a replication with --log-format json and a
// bad key on a second account: stderr is JSON lines with the expected
// keys, and neither output holds an API key.
func TestReplicateJSONLogs(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	badKey := "NotTheRightKeyButSecretAnyway0123456789abcdefghijklmnopqrstuv"
	path, _ := writeTwoAccountConfig(t, t.TempDir(), "c.yaml",
		yamlAccount{"a", base, srv.AdminAPIKey(), "A_"}, yamlAccount{"b", base, badKey, "B_"},
		"REPLICATE Users; REPLICATE Issues;", "", "")
	code, out, errOut := runCLI(t, "replicate", "-c", path, "--log-format", "json", "--progress", "never")
	if code != exitAuth {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitAuth, out, errOut)
	}
	for _, key := range []string{srv.AdminAPIKey(), badKey} {
		if strings.Contains(out, key) || strings.Contains(errOut, key) {
			t.Errorf("an API key appears in the output")
		}
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	finished := map[string]bool{}
	authError := false
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("stderr line is not JSON: %q", l)
			continue
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("log record lacks %q: %s", k, l)
			}
		}
		switch rec["msg"] {
		case "run finished":
			for _, k := range []string{"job", "account", "run", "status", "moved", "requests"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("run finished record lacks %q: %s", k, l)
				}
			}
			finished[rec["account"].(string)] = true
		}
		if rec["level"] == "ERROR" && rec["exit"] == float64(exitAuth) && strings.Contains(rec["msg"].(string), "account b") {
			authError = true
		}
	}
	if !finished["a"] || !finished["b"] {
		t.Errorf("run finished records for accounts %v; want a and b", finished)
	}
	if !authError {
		t.Errorf("no JSON error record with exit 4 for account b:\n%s", errOut)
	}
}
