package replicate

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
)

// TestConcurrentRunsAreLeased is issue 13 item 4 on the engine: a run
// finding the job and account's lease held fails at once with EBUSY (or
// waits with Wait), a dead holder's lease expires, and two runs started
// together both succeed one after the other, the replica exact.
func TestConcurrentRunsAreLeased(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testSize, 23)
	stmts := parse(t, familyStatements+" REPLICATE WikiPages; REPLICATE Projects;")
	l := e.dest.(backlogsync.Leaser)

	// Held by another run: refused at once, nothing replicated, the
	// refusal recorded as a skipped run.
	release, err := l.Lease(ctx, "test/demo", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.eng.Run(ctx, stmts)
	if backlogsync.ErrorCode(err) != backlogsync.EBUSY || !strings.Contains(err.Error(), "--wait") ||
		res.RunID == 0 || res.Status != backlogsync.RunSkipped || len(res.Tables) != 0 {
		t.Fatalf("run while the lease is held: %+v, %v; want EBUSY mentioning --wait, recorded as skipped", res, err)
	}
	runs, err := e.dest.Runs(ctx, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != res.RunID || runs[0].Status != backlogsync.RunSkipped ||
		!strings.Contains(runs[0].Error, "--wait") || runs[0].Finished.IsZero() {
		t.Fatalf("runs table after the refused run: %+v; want one skipped run naming --wait", runs)
	}
	if ts, err := e.dest.Tables(ctx); err != nil || len(ts) != 0 {
		t.Fatalf("the refused run created %d tables (%v)", len(ts), err)
	}
	// With Wait, it runs once the holder is done.
	go func() { time.Sleep(300 * time.Millisecond); release() }()
	e.eng.Wait = 5 * time.Second
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatalf("run waiting for the lease: %v", err)
	}
	// A holder that died (no renewal, no release): its lease expires.
	// Its expiry is at least ttl after t0, taken before the lease, so the
	// run cannot start sooner however long this goroutine is descheduled
	// after taking the lease. (The lease row's clock is SQLite's
	// julianday('now') in whole milliseconds, a double: allow a few
	// milliseconds of rounding.)
	const deadTTL = 700 * time.Millisecond
	dead, cancel := context.WithCancel(ctx)
	t0 := time.Now()
	if _, err := l.Lease(dead, "test/demo", deadTTL); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatalf("run after a dead holder: %v", err)
	}
	if waited := time.Since(t0); waited < deadTTL-5*time.Millisecond {
		t.Errorf("the run started %s after the dead holder took a lease of %s: it did not wait for the lease to expire", waited, deadTTL)
	}
	// Two runs at once, after churn: one waits for the other.
	e.srv.Churn(60, 4)
	e.eng.Wait = 5 * time.Minute // the other run's whole length (slow under -race)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		eng := *e.eng
		wg.Go(func() { _, errs[i] = eng.Run(ctx, stmts) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent run %d: %v", i, err)
		}
	}
	e.checkEqualTables(t, "Issues", "IssueComments", "IssueCommentChangeLog", "IssueCategories", "IssueCustomFieldValues", "IssueParticipants", "WikiPages", "Projects")
}

// TestRunCancelledBeforeTheLeaseIsRecorded: a run cancelled while it
// waits for another run's lease, or before it starts at all, writes
// nothing yet leaves its row in the runs table (status cancelled, the
// reason in Error) and its id in the result, rather than vanishing.
func TestRunCancelledBeforeTheLeaseIsRecorded(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testSize, 24)
	stmts := parse(t, "REPLICATE Projects;")
	release, err := e.dest.(backlogsync.Leaser).Lease(ctx, "test/demo", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer release()

	waiting, cancel := context.WithCancel(ctx)
	time.AfterFunc(300*time.Millisecond, cancel)
	e.eng.Wait = time.Hour
	res, err := e.eng.Run(waiting, stmts)
	if !errors.Is(err, context.Canceled) || res.RunID == 0 || res.Status != backlogsync.RunCancelled {
		t.Fatalf("run cancelled while waiting for the lease: %+v, %v; want a recorded cancelled run", res, err)
	}
	gone, cancel2 := context.WithCancel(ctx)
	cancel2()
	res2, err := e.eng.Run(gone, stmts)
	if err == nil || res2.RunID == 0 || res2.Status != backlogsync.RunCancelled {
		t.Fatalf("run with a cancelled context: %+v, %v; want a recorded cancelled run", res2, err)
	}
	runs, err := e.dest.Runs(ctx, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("runs table: %+v; want the two cancelled runs", runs)
	}
	for _, r := range runs {
		if (r.ID != res.RunID && r.ID != res2.RunID) || r.Status != backlogsync.RunCancelled || r.Account != "demo" ||
			!strings.Contains(r.Error, "did not start") || r.Finished.IsZero() {
			t.Errorf("recorded run %+v; want cancelled, account demo, Error saying it did not start", r)
		}
	}
	if ts, err := e.dest.Tables(ctx); err != nil || len(ts) != 0 {
		t.Errorf("the cancelled runs created %d tables (%v)", len(ts), err)
	}
}
