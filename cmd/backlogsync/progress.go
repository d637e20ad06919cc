package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/replicate"
)

// Progress modes of --progress.
const (
	progressAuto   = "auto"   // draw when stderr is a terminal
	progressAlways = "always" // draw even when it is not
	progressNever  = "never"  // never draw
)

// progressOn decides from --progress whether to draw on stderr.
func progressOn(mode string, stderr io.Writer) (bool, error) {
	switch mode {
	case progressAuto:
		return isTerminal(stderr), nil
	case progressAlways:
		return true, nil
	case progressNever:
		return false, nil
	}
	return false, usagef("--progress %q: use auto (draw when stderr is a terminal), always or never", mode)
}

// progressInterval is the shortest time between two redraws (at most five
// a second).
const progressInterval = 200 * time.Millisecond

// progressView draws one line per running table (rows, expected rows,
// requests, rate budget left, ETA) and a summary line on a terminal,
// redrawing the block in place at most once per progressInterval. Log
// lines written through it (it is an io.Writer) appear above the block.
// It is safe for concurrent use: the engines of several accounts report to
// one view.
type progressView struct {
	mu     sync.Mutex
	w      io.Writer
	now    func() time.Time
	window time.Duration  // rate-limit window length (Backlog: one minute)
	pacing backlog.Pacing // how the governor spends a window's budget
	// pacings are the accounts' own pacings (rate_limit.pacing, --pacing),
	// where they differ from pacing.
	pacings  map[string]backlog.Pacing
	width    int  // lines are cut to this many bytes
	accounts bool // several accounts: show the account on each line
	tables   []*tableProgress
	index    map[string]*tableProgress
	total    int             // tables announced with expect
	expected map[string]bool // accounts announced with expect
	drawn    int             // lines of the block now on screen
	last     time.Time       // time of the last draw
	draws    int             // number of draws, for tests
}

// tableProgress is what the view knows about one table of one account.
type tableProgress struct {
	account, table string
	p              replicate.Progress
	startRequests  int64     // the run's request count when the table started
	seen           time.Time // when the latest report arrived
}

// newProgressView returns a view drawing on w with clock now.
func newProgressView(w io.Writer, now func() time.Time) *progressView {
	width := 100
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 40 {
		width = n - 1
	}
	return &progressView{w: w, now: now, window: backlog.DefaultRateWindow, pacing: backlog.DefaultGovernor().Config().Pacing, width: width,
		index: map[string]*tableProgress{}, expected: map[string]bool{}}
}

// setPacing says how the governor paces account's requests (its client's
// Pacing), for the ETA of its tables.
func (v *progressView) setPacing(account string, p backlog.Pacing) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.pacings == nil {
		v.pacings = map[string]backlog.Pacing{}
	}
	v.pacings[account] = p
}

// expect announces that an account will replicate n tables, for the
// summary line's "k/n tables".
func (v *progressView) expect(account string, n int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.total += n
	v.expected[account] = true
	if len(v.expected) > 1 {
		v.accounts = true
	}
}

// accountSet returns the accounts of the tables seen.
func (v *progressView) accountSet() map[string]bool {
	s := map[string]bool{}
	for _, t := range v.tables {
		s[t.account] = true
	}
	return s
}

// reporter returns an Engine.Progress function for one account.
func (v *progressView) reporter(account string) func(replicate.Progress) {
	return func(p replicate.Progress) { v.update(account, p) }
}

// update records a report and redraws when the last draw is old enough.
func (v *progressView) update(account string, p replicate.Progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	k := account + "\x00" + p.Table
	t := v.index[k]
	if t == nil {
		t = &tableProgress{account: account, table: p.Table, startRequests: p.Requests}
		v.index[k] = t
		v.tables = append(v.tables, t)
		if len(v.accountSet()) > 1 {
			v.accounts = true
		}
	}
	if p.Phase == replicate.PhaseStart {
		t.startRequests = p.Requests
	}
	t.p = p
	t.seen = v.now()
	if now := v.now(); v.draws == 0 || now.Sub(v.last) >= progressInterval {
		v.redraw(now)
	}
}

// Write writes log output above the block and redraws the block under it.
func (v *progressView) Write(b []byte) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.erase()
	n, err := v.w.Write(b)
	v.draw()
	return n, err
}

// finish draws the final state and leaves it on screen; later output and
// a later job's tables start below it.
func (v *progressView) finish() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.tables) == 0 && v.drawn == 0 {
		return
	}
	v.redraw(v.now())
	v.drawn = 0
	v.tables, v.index, v.total, v.accounts = nil, map[string]*tableProgress{}, 0, false
	v.expected = map[string]bool{}
}

// redraw replaces the block on screen.
func (v *progressView) redraw(now time.Time) {
	v.erase()
	v.draw()
	v.last = now
	v.draws++
}

// erase moves the cursor to the start of the block and clears to the end
// of the screen.
func (v *progressView) erase() {
	if v.drawn > 0 {
		fmt.Fprintf(v.w, "\x1b[%dA\r\x1b[J", v.drawn)
		v.drawn = 0
	}
}

// draw writes the block: a line per running table, then the summary.
func (v *progressView) draw() {
	lines := v.lines(v.now())
	var b strings.Builder
	for _, l := range lines {
		if len(l) > v.width {
			l = l[:v.width]
		}
		b.WriteString(l)
		b.WriteString("\x1b[K\n")
	}
	io.WriteString(v.w, b.String())
	v.drawn = len(lines)
}

// lines renders the block at time now.
func (v *progressView) lines(now time.Time) []string {
	var out []string
	var done, failed int
	var rows int64
	for _, t := range v.tables {
		rows += t.p.Rows
		switch t.p.Phase {
		case replicate.PhaseDone:
			done++
			continue
		case replicate.PhaseFailed:
			failed++
			continue
		}
		out = append(out, v.line(t, now))
	}
	if len(v.tables) == 0 {
		return out
	}
	total := max(v.total, len(v.tables))
	s := fmt.Sprintf("%d/%d tables done", done, total)
	if failed > 0 {
		s += fmt.Sprintf(", %d failed", failed)
	}
	s += ", " + count(rows) + " rows"
	var req int64
	for _, r := range v.lastRequests() {
		req += r
	}
	s += ", " + count(req) + " requests"
	out = append(out, s)
	return out
}

// lastRequests returns each account's run request count so far (the
// count only grows during a run).
func (v *progressView) lastRequests() map[string]int64 {
	m := map[string]int64{}
	for _, t := range v.tables {
		m[t.account] = max(m[t.account], t.p.Requests)
	}
	return m
}

// line renders one running table.
func (v *progressView) line(t *tableProgress, now time.Time) string {
	var b strings.Builder
	if v.accounts {
		fmt.Fprintf(&b, "%-12s ", cutName(t.account, 12))
	}
	fmt.Fprintf(&b, "%-24s ", cutName(t.table, 24))
	rows := count(t.p.Rows)
	if t.p.Expected >= 0 {
		rows += "/" + count(t.p.Expected)
	}
	fmt.Fprintf(&b, "%15s rows %7s req", rows, count(t.requests()))
	if r := t.p.Rate; r.Limit > 0 {
		fmt.Fprintf(&b, "  budget %d/%d", r.Remaining, r.Limit)
		if r.Class != "" {
			b.WriteString(" " + string(r.Class))
		}
	}
	if eta, ok := v.eta(t, now); ok {
		b.WriteString("  ETA " + formatETA(eta))
	}
	return b.String()
}

// requests is the number of requests made since the table started.
func (t *tableProgress) requests() int64 {
	return max(0, t.p.Requests-t.startRequests)
}

// eta estimates the time a table still needs, when its expected row count
// is known. It is the larger of two estimates:
//
//   - from the rows: the time taken so far for the rows written, scaled to
//     the rows left;
//   - from the rate limit: the requests still needed (rows left at the
//     table's requests per row so far) at the rate the governor allows,
//     which (PaceWindow, the default) sends the budget left at once and then
//     Limit requests at the start of each window, or (PaceEven) spreads the
//     budget left until the window resets and then Limit requests per window.
//
// The elapsed time is the engine's as of the report, plus the time since
// the report arrived.
func (v *progressView) eta(t *tableProgress, now time.Time) (time.Duration, bool) {
	p := t.p
	if p.Expected < 0 || p.Rows <= 0 {
		return 0, false
	}
	left := p.Expected - p.Rows
	if left <= 0 {
		return 0, true
	}
	elapsed := p.Elapsed + max(0, now.Sub(t.seen))
	byRows := time.Duration(float64(elapsed) * float64(left) / float64(p.Rows))
	eta := byRows
	if r := p.Rate; r.Limit > 0 && !r.Reset.IsZero() {
		needed := (left*t.requests() + p.Rows - 1) / p.Rows // ceil
		pacing, ok := v.pacings[t.account]
		if !ok {
			pacing = v.pacing
		}
		if byRate, ok := rateETA(needed, r, now, v.window, pacing); ok {
			eta = max(eta, byRate)
		}
	}
	return eta, true
}

// rateETA is the time needed to make needed more requests under rate r at
// time now, as the governor paces them. PaceWindow: what the Remaining
// budget covers costs no wait (the work sets the pace), then each further
// Limit requests start at a reset: the wait until r.Reset, plus a window
// for every full Limit after the first (the fixed-window floor, see
// backlog.WindowFloor). PaceEven: the Remaining budget spread until
// r.Reset, then Limit requests per window.
func rateETA(needed int64, r backlog.Rate, now time.Time, window time.Duration, pacing backlog.Pacing) (time.Duration, bool) {
	if r.Limit <= 0 || r.Reset.IsZero() || window <= 0 {
		return 0, false
	}
	if needed <= 0 {
		return 0, true
	}
	untilReset := max(0, r.Reset.Sub(now))
	remaining := int64(max(0, r.Remaining))
	more := needed - remaining
	if pacing == backlog.PaceEven {
		if more <= 0 {
			return time.Duration(float64(untilReset) * float64(needed) / float64(remaining)), true
		}
		return untilReset + time.Duration(float64(window)*float64(more)/float64(r.Limit)), true
	}
	if more <= 0 {
		return 0, true
	}
	return untilReset + backlog.WindowFloor(int(more), r.Limit, 1, window), true
}

// formatETA renders d as 45s, 3m12s or 2h05m.
func formatETA(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// count renders n with thousands separators.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// cutName shortens s to n bytes with an ellipsis mark.
func cutName(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "~"
}

// event shows a replicate.Run event: an account's start announces its
// tables, a progress report updates its table's line.
func (v *progressView) event(ev replicate.Event) {
	switch ev.Kind {
	case replicate.EventAccountStart:
		v.expect(ev.Account, ev.Tables)
	case replicate.EventProgress:
		v.update(ev.Account, ev.Progress)
	}
}
