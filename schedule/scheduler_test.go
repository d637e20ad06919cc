package schedule_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/schedule"
	"github.com/backlogsync/backlogsync/schedule/schedtest"
)

var t0 = time.Date(2026, 12, 5, 10, 1, 0, 0, time.UTC)

// harness runs a schedule.Scheduler on a fake clock; the run function is scripted.
type harness struct {
	t       *testing.T
	clk     *schedtest.Clock
	s       *schedule.Scheduler
	records chan schedule.Run
	calls   chan call
	cancel  context.CancelFunc
	done    chan error

	mu     sync.Mutex
	result func(job string, attempt int) error // nil: succeed
	block  chan struct{}                       // non-nil: runs wait for it
	rands  []int64                             // the n passed to Rand
}

type call struct {
	job     string
	attempt int
	at      time.Time
}

func every15(t *testing.T) schedule.Spec {
	s, err := schedule.ParseSpec(config.Schedule{Interval: config.Minutes, Every: 15 * time.Minute}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newHarness(t *testing.T, jobs []schedule.Job, randFn func(n int64) int64) *harness {
	h := &harness{t: t, clk: schedtest.NewClock(t, t0), records: make(chan schedule.Run, 100), calls: make(chan call, 100), done: make(chan error, 1)}
	if randFn == nil {
		randFn = func(n int64) int64 { return 0 }
	}
	s, err := schedule.New(jobs, schedule.Options{
		Clock:  h.clk,
		Logger: slog.New(slog.DiscardHandler),
		Record: func(r schedule.Run) { h.records <- r },
		Rand: func(n int64) int64 {
			h.mu.Lock()
			h.rands = append(h.rands, n)
			h.mu.Unlock()
			return randFn(n)
		},
		Run: func(ctx context.Context, job string, attempt int) (any, error) {
			h.calls <- call{job, attempt, h.clk.Now()}
			h.mu.Lock()
			block, result := h.block, h.result
			h.mu.Unlock()
			if block != nil {
				select {
				case <-block:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			if result != nil {
				if err := result(job, attempt); err != nil {
					return nil, err
				}
			}
			return "outcome of " + job, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- s.Run(ctx) }()
	t.Cleanup(h.stop)
	select {
	case <-s.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("the scheduler did not start")
	}
	return h
}

func (h *harness) stop() {
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
		h.t.Error("Run did not return after cancel")
	}
}

func (h *harness) record() schedule.Run {
	h.t.Helper()
	select {
	case r := <-h.records:
		return r
	case <-time.After(10 * time.Second):
		h.t.Fatal("timed out waiting for a run record")
	}
	return schedule.Run{}
}

func (h *harness) call() call {
	h.t.Helper()
	select {
	case c := <-h.calls:
		return c
	case <-time.After(10 * time.Second):
		h.t.Fatal("timed out waiting for a run to start")
	}
	return call{}
}

// noMore asserts that nothing was started or recorded (the scheduler is
// idle: callers wait for its timer first).
func (h *harness) noMore() {
	h.t.Helper()
	select {
	case c := <-h.calls:
		h.t.Errorf("unexpected run %+v", c)
	case r := <-h.records:
		h.t.Errorf("unexpected record %+v", r)
	default:
	}
}

func TestSchedulerFiresOnTheGrid(t *testing.T) {
	h := newHarness(t, []schedule.Job{{Name: "a", Spec: every15(t)}}, nil)
	h.clk.WaitTimers(1)
	if st := h.s.Status(); st[0].Next != t0.Add(14*time.Minute) {
		t.Fatalf("next = %s, want 10:15", st[0].Next)
	}
	h.clk.Advance(14 * time.Minute)
	c := h.call()
	r := h.record()
	if c.job != "a" || !c.at.Equal(t0.Add(14*time.Minute)) {
		t.Errorf("run %+v, want job a at 10:15", c)
	}
	if r.Status != schedule.StatusSucceeded || r.Trigger != schedule.TriggerSchedule || !r.Due.Equal(c.at) || r.Attempts != 1 || r.Outcome != "outcome of a" {
		t.Errorf("record %+v", r)
	}
	h.clk.WaitTimers(1)
	h.clk.Advance(15 * time.Minute)
	if c := h.call(); !c.at.Equal(t0.Add(29 * time.Minute)) {
		t.Errorf("second run at %s, want 10:30", c.at)
	}
	h.record()
}

func TestSchedulerSkipsOverlap(t *testing.T) {
	h := newHarness(t, []schedule.Job{{Name: "a", Spec: every15(t)}}, nil)
	h.block = make(chan struct{})
	h.clk.WaitTimers(1)
	h.clk.Advance(14 * time.Minute) // 10:15: starts and blocks
	h.call()
	h.clk.WaitTimers(1)
	h.clk.Advance(15 * time.Minute) // 10:30: still running
	r := h.record()
	if r.Status != schedule.StatusSkipped || !r.Due.Equal(t0.Add(29*time.Minute)) || r.Attempts != 0 || r.Err == nil {
		t.Errorf("overlapping run: %+v, want skipped at 10:30 with a reason", r)
	}
	h.clk.WaitTimers(1)
	close(h.block)
	if r := h.record(); r.Status != schedule.StatusSucceeded || !r.Due.Equal(t0.Add(14*time.Minute)) {
		t.Errorf("first run: %+v", r)
	}
	// Not queued: nothing starts when the first run ends.
	h.clk.WaitTimers(1)
	h.noMore()
	if st := h.s.Status(); st[0].Running || !st[0].Next.Equal(t0.Add(44*time.Minute)) {
		t.Errorf("status %+v, want idle until 10:45", st[0])
	}
}

func TestSchedulerCatchUp(t *testing.T) {
	daily, _ := schedule.ParseSpec(config.Schedule{Interval: config.Daily, Start: "09:00"}, time.UTC)
	twoDaysAgo := t0.Add(-50 * time.Hour) // missed two 09:00 runs
	jobs := []schedule.Job{
		{Name: "catch", Spec: daily, CatchUp: true, LastRun: twoDaysAgo},
		{Name: "nocatch", Spec: daily, CatchUp: false, LastRun: twoDaysAgo},
		{Name: "never-ran", Spec: daily, CatchUp: true},
		{Name: "fresh", Spec: daily, CatchUp: true, LastRun: t0.Add(-30 * time.Minute)}, // ran at 09:31 after the 09:00 due
	}
	h := newHarness(t, jobs, nil)
	c := h.call()
	r := h.record()
	if c.job != "catch" || !c.at.Equal(t0) || r.Trigger != schedule.TriggerCatchUp {
		t.Errorf("catch-up run %+v / %+v, want job catch at once", c, r)
	}
	h.clk.WaitTimers(1)
	h.noMore() // one catch-up only, none for the others
	for _, st := range h.s.Status() {
		if want := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC); !st.Next.Equal(want) || st.Running {
			t.Errorf("%s: next %s, want tomorrow 09:00", st.Name, st.Next)
		}
	}
}

func TestSchedulerJitter(t *testing.T) {
	spec := every15(t)
	h := newHarness(t, []schedule.Job{{Name: "a", Spec: spec, Jitter: 90 * time.Second}, {Name: "b", Spec: spec, Jitter: time.Hour}},
		func(n int64) int64 { return n - 1 })
	h.clk.WaitTimers(1)
	st := h.s.Status()
	wantA := t0.Add(14*time.Minute + 90*time.Second - 1)
	wantB := t0.Add(14*time.Minute + 450*time.Second - 1) // capped at half the 15-minute gap
	if !st[0].Next.Equal(wantA) || !st[1].Next.Equal(wantB) {
		t.Fatalf("next starts %s, %s; want %s, %s", st[0].Next, st[1].Next, wantA, wantB)
	}
	h.clk.Advance(14 * time.Minute) // the due time: jitter holds both back
	h.clk.WaitTimers(1)
	h.noMore()
	h.clk.Advance(90 * time.Second)
	if c := h.call(); c.job != "a" || !c.at.Equal(t0.Add(14*time.Minute+90*time.Second)) {
		t.Errorf("run %+v, want a after its jitter", c)
	}
	if r := h.record(); !r.Due.Equal(t0.Add(14 * time.Minute)) {
		t.Errorf("the record's Due is %s, want the due time 10:15 without jitter", r.Due)
	}
	h.clk.Advance(6 * time.Minute)
	if c := h.call(); c.job != "b" {
		t.Errorf("run %+v, want b", c)
	}
	h.record()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.rands) < 2 || h.rands[0] != int64(90*time.Second) || h.rands[1] != int64(450*time.Second) {
		t.Errorf("rand bounds %v", h.rands)
	}
}

func TestSchedulerRunNow(t *testing.T) {
	h := newHarness(t, []schedule.Job{{Name: "manual"}, {Name: "a", Spec: every15(t)}}, nil)
	h.clk.WaitTimers(1)
	h.block = make(chan struct{})
	if err := h.s.RunNow("manual"); err != nil {
		t.Fatal(err)
	}
	if c := h.call(); c.job != "manual" || !c.at.Equal(t0) {
		t.Errorf("run %+v", c)
	}
	err := h.s.RunNow("manual")
	if !errors.Is(err, schedule.ErrRunning) || backlogsync.ErrorCode(err) != backlogsync.ECONFLICT {
		t.Errorf("RunNow while running = %v, want schedule.ErrRunning (conflict)", err)
	}
	if err := h.s.RunNow("nope"); backlogsync.ErrorCode(err) != backlogsync.ENOTFOUND {
		t.Errorf("RunNow of an unknown job = %v, want not_found", err)
	}
	close(h.block)
	if r := h.record(); r.Trigger != schedule.TriggerManual || r.Status != schedule.StatusSucceeded || !r.Due.IsZero() {
		t.Errorf("record %+v", r)
	}
	if st := h.s.Status(); !st[0].Next.IsZero() {
		t.Errorf("a job without a schedule has next %s", st[0].Next)
	}
}

func TestSchedulerRetry(t *testing.T) {
	boom := errors.New("backlog is down")
	h := newHarness(t, []schedule.Job{
		{Name: "flaky", Spec: every15(t), Retry: config.Retry{Count: 3, Backoff: time.Minute}},
	}, nil)
	h.result = func(job string, attempt int) error {
		if attempt < 3 {
			return boom
		}
		return nil
	}
	h.clk.WaitTimers(1)
	h.clk.Advance(14 * time.Minute)
	if c := h.call(); c.attempt != 1 {
		t.Fatalf("%+v", c)
	}
	h.clk.WaitTimers(2) // the next due and the back-off
	h.clk.Advance(59 * time.Second)
	h.noMore()
	h.clk.Advance(time.Second)
	if c := h.call(); c.attempt != 2 || !c.at.Equal(t0.Add(15*time.Minute)) {
		t.Fatalf("second attempt %+v, want after 1m", c)
	}
	h.clk.WaitTimers(2)
	h.clk.Advance(2 * time.Minute) // the back-off doubles
	if c := h.call(); c.attempt != 3 || !c.at.Equal(t0.Add(17*time.Minute)) {
		t.Fatalf("third attempt %+v, want 2m later", c)
	}
	r := h.record()
	if r.Status != schedule.StatusSucceeded || r.Attempts != 3 || !r.Started.Equal(t0.Add(14*time.Minute)) || !r.Finished.Equal(t0.Add(17*time.Minute)) {
		t.Errorf("record %+v", r)
	}
}

func TestSchedulerRetryGivesUp(t *testing.T) {
	h := newHarness(t, []schedule.Job{
		{Name: "broken", Retry: config.Retry{Count: 1, Backoff: time.Minute}},
		{Name: "badconfig", Retry: config.Retry{Count: 5}},
	}, nil)
	h.result = func(job string, attempt int) error {
		if job == "badconfig" {
			return backlogsync.Errorf(backlogsync.EINVALID, "unknown table Foo")
		}
		return errors.New("still down")
	}
	if err := h.s.RunNow("broken"); err != nil {
		t.Fatal(err)
	}
	h.call()
	h.clk.WaitTimers(1)
	h.clk.Advance(time.Minute)
	h.call()
	if r := h.record(); r.Status != schedule.StatusFailed || r.Attempts != 2 || r.Err == nil || r.Err.Error() != "still down" {
		t.Errorf("record %+v, want failed after 2 attempts", r)
	}
	if err := h.s.RunNow("badconfig"); err != nil {
		t.Fatal(err)
	}
	h.call()
	if r := h.record(); r.Status != schedule.StatusFailed || r.Attempts != 1 {
		t.Errorf("an invalid-config failure is not retried: %+v", r)
	}
}

func TestSchedulerCancel(t *testing.T) {
	h := newHarness(t, []schedule.Job{{Name: "long", Retry: config.Retry{Count: 2}}}, nil)
	h.block = make(chan struct{})
	if err := h.s.RunNow("long"); err != nil {
		t.Fatal(err)
	}
	h.call()
	h.cancel()
	if r := h.record(); r.Status != schedule.StatusCanceled || r.Attempts != 1 {
		t.Errorf("record %+v, want canceled without retry", r)
	}
	if err := <-h.done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	if err := h.s.RunNow("long"); backlogsync.ErrorCode(err) != backlogsync.ECONFLICT {
		t.Errorf("RunNow after Run returned = %v, want a conflict", err)
	}
	h.done <- nil // for Cleanup
}

func TestNewRejects(t *testing.T) {
	if _, err := schedule.New(nil, schedule.Options{}); err == nil {
		t.Error("New without Options.Run should fail")
	}
	run := func(context.Context, string, int) (any, error) { return nil, nil }
	if _, err := schedule.New([]schedule.Job{{Name: "a"}, {Name: "a"}}, schedule.Options{Run: run}); err == nil {
		t.Error("duplicate job names should fail")
	}
}

func TestSchedulerPutAndRemove(t *testing.T) {
	h := newHarness(t, []schedule.Job{{Name: "manual"}}, nil)
	// Added at run time: planned at once, fires on its grid.
	h.s.Put(schedule.Job{Name: "b", Spec: every15(t)})
	h.clk.WaitTimers(1)
	if st := h.s.Status(); len(st) != 2 || st[1].Name != "b" || !st[1].Next.Equal(t0.Add(14*time.Minute)) {
		t.Fatalf("status after Put: %+v", st)
	}
	if err := h.s.RunNow("b"); err != nil {
		t.Fatalf("RunNow of a job put at run time: %v", err)
	}
	if c := h.call(); c.job != "b" {
		t.Fatalf("run %+v", c)
	}
	h.record()
	h.clk.Advance(14 * time.Minute)
	if c := h.call(); c.job != "b" || !c.at.Equal(t0.Add(14*time.Minute)) {
		t.Fatalf("scheduled run %+v", c)
	}
	h.record()
	// Replaced: the new schedule (none) applies; removed: gone.
	h.s.Put(schedule.Job{Name: "b"})
	if st := h.s.Status(); !st[1].Next.IsZero() {
		t.Fatalf("b without a schedule has next %s", st[1].Next)
	}
	h.s.Put(schedule.Job{Name: "b", Spec: every15(t)})
	if err := h.s.Remove("b"); err != nil {
		t.Fatal(err)
	}
	if err := h.s.Remove("b"); backlogsync.ErrorCode(err) != backlogsync.ENOTFOUND {
		t.Fatalf("second Remove: %v", err)
	}
	if err := h.s.RunNow("b"); backlogsync.ErrorCode(err) != backlogsync.ENOTFOUND {
		t.Fatalf("RunNow of a removed job: %v", err)
	}
	h.clk.Advance(time.Hour)
	if st := h.s.Status(); len(st) != 1 || st[0].Name != "manual" {
		t.Fatalf("status after Remove: %+v", st)
	}
	h.noMore()
}
