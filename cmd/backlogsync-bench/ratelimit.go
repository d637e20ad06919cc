package main

// The ratelimit scenario: a first load and an incremental run at paid
// limits, with and without latency on every emulator answer, each compared
// with the fixed-window floor of the requests it made.

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/emulator"
)

// rateResult is the ratelimit scenario's report.
type rateResult struct {
	Issues int    `json:"issues"`
	Window string `json:"window"`
	// Limits are the per-window budgets used: the paid limits scaled to the
	// window (paid × window / 1 min), so requests per second are Backlog's.
	Limits map[string]int `json:"limits"`
	Runs   []rateRun      `json:"runs"`
}

// rateRun is one measured run of the ratelimit scenario.
type rateRun struct {
	Kind    string     `json:"kind"`    // "first load" or "incremental"
	Latency string     `json:"latency"` // "none" or e.g. "150ms±50ms"
	Run     runMetrics `json:"run"`     // at the limits
	// FreeSeconds and FreeRequests are the same run with the limits off
	// (same latency, same starting replica).
	FreeSeconds  float64 `json:"freeSeconds"`
	FreeRequests int64   `json:"freeRequests"`
	// WindowFloorSeconds is the pure fixed-window floor: (ceil(n/limit)-1)
	// windows for the binding class; FloorSeconds adds the time the last
	// window's requests take at the run's own unthrottled pace (see
	// rateFloor), FloorHow says how it was computed.
	WindowFloorSeconds float64        `json:"windowFloorSeconds"`
	FloorSeconds       float64        `json:"floorSeconds"`
	FloorHow           string         `json:"floorHow"`
	Ratio              float64        `json:"ratio"` // wall / FloorSeconds
	ByClass            map[string]int `json:"requestsByClass"`
}

// latencySpec is the latency the emulator adds to every API answer:
// Fixed ± Jitter.
type latencySpec struct{ fixed, jitter time.Duration }

func (l latencySpec) String() string {
	if l.fixed <= 0 {
		return "none"
	}
	if l.jitter <= 0 {
		return l.fixed.String()
	}
	return l.fixed.String() + "±" + l.jitter.String()
}

// jitterSteps is how many coin-flip latency rules make the jitter: each adds
// 2·jitter/jitterSteps with probability ½, so the added latency is binomial
// over [fixed−jitter, fixed+jitter] with mean fixed.
const jitterSteps = 4

// faultRules are the emulator's fault rules for l (none for no latency):
// the emulator's latency rule is fixed, so the jitter is made of several
// rules that each fire with probability ½ (seeded, so runs repeat).
func (l latencySpec) faultRules() []emulator.FaultRule {
	if l.fixed <= 0 {
		return nil
	}
	base := l.fixed - l.jitter
	rules := []emulator.FaultRule{}
	if base > 0 {
		rules = append(rules, emulator.FaultRule{Path: "/api/v2/**", Kind: emulator.FaultLatency, Delay: base})
	}
	if l.jitter > 0 {
		step := 2 * l.jitter / jitterSteps
		for i := range jitterSteps {
			rules = append(rules, emulator.FaultRule{Path: "/api/v2/**", Kind: emulator.FaultLatency, Delay: step,
				Probability: 0.5, Seed: int64(i + 1)})
		}
	}
	return rules
}

// scaledPaidLimits are Backlog's paid limits per minute scaled to window, so
// a short window keeps the paid requests per second (a 6 s window allows
// 60 reads, 15 searches).
func scaledPaidLimits(window time.Duration) map[backlog.RateClass]int {
	scale := window.Seconds() / time.Minute.Seconds()
	p := emulator.PaidLimits
	out := map[backlog.RateClass]int{}
	for class, n := range map[backlog.RateClass]int{backlog.RateRead: p.Read, backlog.RateUpdate: p.Update,
		backlog.RateSearch: p.Search, backlog.RateIcon: p.Icon} {
		out[class] = max(1, int(math.Round(float64(n)*scale)))
	}
	return out
}

// setup forgets the emulator's rate counts, fault rules and request log
// (so the run starts in fresh windows), sets limits (nil: off) and adds the
// latency rules.
func (e *childEmulator) setup(ctx context.Context, limits map[backlog.RateClass]int, lat latencySpec) error {
	var ok map[string]any
	if err := e.admin(ctx, http.MethodPost, "/_emulator/reset", map[string]any{}, &ok); err != nil {
		return err
	}
	l := map[string]int{"read": 0, "update": 0, "search": 0, "icon": 0}
	for class, n := range limits {
		l[string(class)] = n
	}
	if err := e.admin(ctx, http.MethodPut, "/_emulator/ratelimit", map[string]any{"limits": l}, &ok); err != nil {
		return err
	}
	if rules := lat.faultRules(); len(rules) > 0 {
		var added any
		if err := e.admin(ctx, http.MethodPost, "/_emulator/faults", rules, &added); err != nil {
			return err
		}
	}
	return nil
}

// rateLimit runs (b): for no latency and for --latency ± --jitter, a first
// load of Issues and IssueComments into a fresh file, churn, and an
// incremental run, each at the scaled paid limits and, for the floor, once
// more with the limits off.
func (cfg *benchConfig) rateLimit(ctx context.Context, rep *benchReport, out, stderr io.Writer) error {
	emu, err := startChildEmulator(ctx, cfg.rateIssues, cfg.seed, "paid", cfg.window, cfg.generateTimeout, stderr)
	if err != nil {
		return err
	}
	defer emu.stop()
	dir, err := os.MkdirTemp("", "backlogsync-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	limits := scaledPaidLimits(cfg.window)
	r := &rateResult{Issues: cfg.rateIssues, Window: cfg.window.String(), Limits: map[string]int{}}
	for class, n := range limits {
		r.Limits[string(class)] = n
	}
	fmt.Fprintf(out, "ratelimit   paid limits scaled to a %v window (paid × %v / 1m, the same requests per second): %v per window; %d issues\n",
		cfg.window, cfg.window, r.Limits, cfg.rateIssues)
	fmt.Fprintf(out, "ratelimit   floor = max(T_free, (ceil(n_c/limit_c)-1) × window + T_free × r_c/n_c) for the binding class c (the largest window floor),\n"+
		"            where T_free is the same run with the limits off (same latency), r_c the binding class's requests in its last window\n")
	lats := []latencySpec{{}}
	if cfg.latency > 0 {
		lats = append(lats, latencySpec{cfg.latency, cfg.jitter})
	}
	for i, lat := range lats {
		db := filepath.Join(dir, fmt.Sprintf("limited-%d.db", i))
		free := filepath.Join(dir, fmt.Sprintf("free-%d.db", i))
		sum, err := emu.summary(ctx)
		if err != nil {
			return err
		}
		// First load.
		load, err := cfg.ratePair(ctx, emu, limits, lat, db, free)
		if err != nil {
			return err
		}
		load.Kind = "first load"
		if load.Run.Minimum, err = loadMinimum(ctx, db, int64(sum.Issues)); err != nil {
			return err
		}
		load.Run.Verified = load.Run.Issues == int64(sum.Issues) && load.Run.Comments == int64(sum.Comments)
		load.Run.finish()
		printRate(out, load)
		r.Runs = append(r.Runs, load)
		// Churn, then the incremental run from the same replica twice: a
		// copy with the limits off (the floor), the file at the limits.
		ch, err := emu.churn(ctx, max(50, cfg.rateIssues/100), cfg.seed+int64(i))
		if err != nil {
			return err
		}
		after, err := emu.summary(ctx)
		if err != nil {
			return err
		}
		if err := copySQLite(db, free); err != nil {
			return err
		}
		inc, err := cfg.ratePair(ctx, emu, limits, lat, db, free)
		if err != nil {
			return err
		}
		inc.Kind = "incremental"
		var note string
		if inc.Run.Minimum, note, err = incrementalMinimum(ctx, db, ch); err != nil {
			return err
		}
		total, err := tableCounts(ctx, db)
		if err != nil {
			return err
		}
		inc.Run.Verified = total.issues == int64(after.Issues) && total.comments == int64(after.Comments)
		inc.Run.Note = note
		inc.Run.finish()
		printRate(out, inc)
		r.Runs = append(r.Runs, inc)
	}
	rep.RateLimit = r
	return nil
}

// ratePair runs the statements into free with the limits off and then into
// db at limits, both with latency lat, and computes the floor.
func (cfg *benchConfig) ratePair(ctx context.Context, emu *childEmulator, limits map[backlog.RateClass]int, lat latencySpec, db, free string) (rateRun, error) {
	rr := rateRun{Latency: lat.String(), ByClass: map[string]int{}}
	if err := emu.setup(ctx, nil, lat); err != nil {
		return rr, err
	}
	fm, err := benchRun(ctx, emu, free, benchComments)
	if err != nil {
		return rr, err
	}
	rr.FreeSeconds, rr.FreeRequests = fm.Seconds, fm.Requests
	if err := emu.setup(ctx, limits, lat); err != nil {
		return rr, err
	}
	m, err := benchRun(ctx, emu, db, benchComments)
	if err != nil {
		return rr, err
	}
	for class, n := range m.byClass {
		rr.ByClass[string(class)] = int(n)
	}
	rr.WindowFloorSeconds, rr.FloorSeconds, rr.FloorHow = rateFloor(m.byClass, limits, emu.window, fm.Seconds)
	if rr.FloorSeconds > 0 {
		rr.Ratio = m.Seconds / rr.FloorSeconds
	}
	rr.Run = m
	return rr, nil
}

// rateFloor is the shortest wall time for the requests byClass under
// fixed windows of the given limits, for a client that makes them at the
// pace it reaches with the limits off (tFree for all of them): the binding
// class c (largest window floor) needs ceil(n_c/limit_c) windows, the last
// one opened (ceil(n_c/limit_c)-1) windows after the first request, and its
// r_c requests then take at least tFree × r_c/n_c; and no run is faster than
// tFree. windowFloor is the pure fixed-window part (backlog.WindowFloor).
func rateFloor(byClass map[backlog.RateClass]int64, limits map[backlog.RateClass]int, window time.Duration, tFree float64) (windowFloor, floor float64, how string) {
	var bind backlog.RateClass
	use := -1.0 // the binding class's share of its budget: n/limit
	for class, n := range byClass {
		if limits[class] <= 0 {
			continue
		}
		wf := backlog.WindowFloor(int(n), limits[class], 1, window).Seconds()
		if u := float64(n) / float64(limits[class]); wf > windowFloor || (wf == windowFloor && u > use) {
			bind, windowFloor, use = class, wf, u
		}
	}
	n, limit := byClass[bind], limits[bind]
	if n == 0 || limit == 0 {
		return 0, tFree, fmt.Sprintf("T_free %.2fs (no limited requests)", tFree)
	}
	windows := (n + int64(limit) - 1) / int64(limit)
	last := n - (windows-1)*int64(limit)
	tail := tFree * float64(last) / float64(n)
	floor = math.Max(tFree, windowFloor+tail)
	how = fmt.Sprintf("max(T_free %.2fs, (ceil(%d %s/%d)-1) × %v = %.1fs + T_free × %d/%d = %.2fs) = %.2fs",
		tFree, n, bind, limit, window, windowFloor, last, n, tail, floor)
	return windowFloor, floor, how
}

func printRate(out io.Writer, rr rateRun) {
	m := rr.Run
	fmt.Fprintf(out, "ratelimit   %-11s latency %-11s requests %d / minimum %d = %.3f (target <= 1.02); 429 answers: %d (target 0); by class %v; replica complete: %v\n",
		rr.Kind, rr.Latency, m.Requests, m.Minimum, m.Ratio, m.RateLimited, rr.ByClass, m.Verified)
	fmt.Fprintf(out, "ratelimit   %-11s latency %-11s wall %.2fs / floor %.2fs = %.3f (target <= 1.05); pure window floor %.1fs; limits off: %.2fs, %d requests\n",
		rr.Kind, rr.Latency, m.Seconds, rr.FloorSeconds, rr.Ratio, rr.WindowFloorSeconds, rr.FreeSeconds, rr.FreeRequests)
	fmt.Fprintf(out, "ratelimit   %-11s latency %-11s floor = %s\n", rr.Kind, rr.Latency, rr.FloorHow)
	if m.Note != "" {
		fmt.Fprintf(out, "ratelimit   %-11s latency %-11s %s\n", rr.Kind, rr.Latency, m.Note)
	}
}

// copySQLite copies the SQLite file src (closed) with its -wal and -shm
// files, if any, to dst.
func copySQLite(src, dst string) error {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(dst + suffix)
		data, err := os.ReadFile(src + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(dst+suffix, data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// loadMinimum is the fewest requests a first load of Issues and
// IssueComments can make under the comment rule (docs/replication.md:
// every issue that existed when the load began has its comments read, one
// call even when it has none): ceil(issues/100) list pages plus, per issue,
// max(1, ceil(comments_i/100)) comment pages.
func loadMinimum(ctx context.Context, dbPath string, issues int64) (int64, error) {
	perIssue, err := commentsPerIssue(ctx, dbPath, nil)
	if err != nil {
		return 0, err
	}
	m := ceilDiv(issues, benchPageSize) + issues - int64(len(perIssue))
	for _, n := range perIssue {
		m += ceilDiv(n, benchPageSize)
	}
	return m, nil
}

// incrementalMinimum is the fewest requests an incremental run can make
// after the churn ch under the comment rule: max(1, ceil(events/100))
// activity-feed pages (the feed is always read), max(1, ceil(changed/100))
// issue list pages (changed: created, updated or commented, not deleted),
// and max(1, ceil(new_i/100)) comment pages per changed issue except those
// the feed names with nothing but their creation.
func incrementalMinimum(ctx context.Context, dbPath string, ch emulator.ChurnResponse) (int64, string, error) {
	newPerIssue, err := commentsPerIssue(ctx, dbPath, ch.Comments)
	if err != nil {
		return 0, "", err
	}
	deleted, created, touched := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	for _, id := range ch.IssuesDeleted {
		deleted[id] = true
	}
	for _, id := range ch.IssuesCreated {
		created[id] = true
	}
	for _, id := range ch.IssuesUpdated {
		touched[id] = true
	}
	for id := range newPerIssue {
		touched[id] = true
	}
	changed := map[int64]bool{}
	for id := range created {
		changed[id] = true
	}
	for id := range touched {
		changed[id] = true
	}
	m := max(1, ceilDiv(int64(ch.Events), benchPageSize))
	calls := int64(0)
	for id := range changed {
		if deleted[id] {
			delete(changed, id)
			continue
		}
		if touched[id] {
			calls += max(1, ceilDiv(newPerIssue[id], benchPageSize))
		}
	}
	m += max(1, ceilDiv(int64(len(changed)), benchPageSize)) + calls
	note := fmt.Sprintf("after %d churn events: %d issues changed (%d created), %d deleted, %d new comments on %d issues; %d comment calls needed",
		ch.Events, len(changed), len(created), len(deleted), len(ch.Comments), len(newPerIssue), calls)
	return m, note, nil
}
