package schedule_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/schedule"
)

// TestSchedulerRunPanicIsAFailedRun: a run function that panics fails that
// attempt instead of ending the process (serve's every job and its web
// admin): the run is recorded failed with the panic, and the job runs at
// its next due time.
func TestSchedulerRunPanicIsAFailedRun(t *testing.T) {
	h := newHarness(t, []schedule.Job{{Name: "a", Spec: every15(t)}}, nil)
	h.result = func(job string, attempt int) error {
		if attempt == 1 {
			panic("injected panic")
		}
		return nil
	}
	h.clk.WaitTimers(1)
	h.clk.Advance(14 * time.Minute)
	h.call()
	r := h.record()
	if r.Status != schedule.StatusFailed || r.Err == nil || !strings.Contains(r.Err.Error(), "injected panic") ||
		!strings.Contains(r.Err.Error(), "report") {
		t.Fatalf("run that panicked: %+v; want failed with the panic and what to do", r)
	}
	if st := h.s.Status(); st[0].Running {
		t.Errorf("status %+v after the panic, want not running", st[0])
	}
	h.clk.WaitTimers(1)
	h.clk.Advance(15 * time.Minute)
	h.call()
	if r := h.record(); r.Status != schedule.StatusFailed { // attempt 1 again: it panics again
		t.Errorf("next run: %+v", r)
	}
}

// TestClaimFinishedAfterPanic: with instances sharing claims, the run that
// panics finishes its slot's claim as failed at once, so no other
// instance runs the slot again after the claim expires, and the next slot
// runs.
func TestClaimFinishedAfterPanic(t *testing.T) {
	var panicked atomic.Bool
	c := newCluster(t, func(ctx context.Context, node *instance) error {
		if panicked.CompareAndSwap(false, true) {
			panic("injected panic")
		}
		return nil
	})
	slot1 := time.Date(2026, 12, 5, 10, 15, 0, 0, time.UTC)
	slot2 := slot1.Add(15 * time.Minute)
	c.until("the next slot run", func() bool { return c.claims.row("j", slot2).finished })
	if r := c.claims.row("j", slot1); !r.finished || r.status != schedule.StatusFailed || r.takeovers != 0 {
		t.Errorf("claim of the slot whose run panicked: %+v; want finished failed, never taken over", r)
	}
	if r := c.claims.row("j", slot2); r.status != schedule.StatusSucceeded {
		t.Errorf("claim of the next slot: %+v; want succeeded", r)
	}
}
