package schedule_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/schedule"
	"github.com/backlogsync/backlogsync/schedule/schedtest"
)

// TestSchedulerSkipRecordDoesNotStopOthers: recording a skipped start can
// be slow (serve writes it to the job's destination, which may be the very
// database that hangs and keeps the job's run from ending); meanwhile the
// other jobs still start on time.
func TestSchedulerSkipRecordDoesNotStopOthers(t *testing.T) {
	clk := schedtest.NewClock(t, t0)
	hang := make(chan struct{})    // the skip's record waits for it
	slow := make(chan struct{})    // job slow's run waits for it
	calls := make(chan string, 10) // job other's runs
	records := make(chan schedule.Run, 10)
	s, err := schedule.New([]schedule.Job{{Name: "slow", Spec: every15(t)}, {Name: "other", Spec: every15(t)}}, schedule.Options{
		Clock: clk, Logger: slog.New(slog.DiscardHandler), Rand: func(int64) int64 { return 0 },
		Record: func(r schedule.Run) {
			if r.Status == schedule.StatusSkipped {
				<-hang
			}
			records <- r
		},
		Run: func(ctx context.Context, job string, attempt int) (any, error) {
			if job == "slow" {
				select {
				case <-slow:
				case <-ctx.Done():
				}
				return nil, nil
			}
			calls <- job + " " + clk.Now().Format("15:04")
			return nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		close(slow)
		cancel()
		<-done
	}()
	defer close(hang)
	<-s.Ready()
	// want waits for other's run what and then for its record (so that
	// the scheduler is idle again).
	want := func(what string) {
		t.Helper()
		select {
		case c := <-calls:
			if c != what {
				t.Fatalf("run %q, want %q", c, what)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out waiting for run %q", what)
		}
		select {
		case r := <-records:
			if r.Job != "other" || r.Status != schedule.StatusSucceeded {
				t.Fatalf("record %+v, want other's run succeeded", r)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out waiting for the record of run %q", what)
		}
	}
	clk.WaitTimers(1)
	clk.Advance(14 * time.Minute) // 10:15: both start; slow keeps running
	want("other 10:15")
	clk.WaitTimers(1)
	clk.Advance(15 * time.Minute) // 10:30: slow is skipped, its record hangs
	want("other 10:30")
	clk.WaitTimers(1) // the scheduler waits for its next start, not for the record
	clk.Advance(15 * time.Minute)
	want("other 10:45")
}
