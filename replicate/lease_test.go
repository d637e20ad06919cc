package replicate

import (
	"context"
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

	// Held by another run: refused at once, nothing recorded.
	release, err := l.Lease(ctx, "test/demo", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.eng.Run(ctx, stmts)
	if backlogsync.ErrorCode(err) != backlogsync.EBUSY || !strings.Contains(err.Error(), "--wait") || res.RunID != 0 {
		t.Fatalf("run while the lease is held: %+v, %v; want EBUSY mentioning --wait", res, err)
	}
	// With Wait, it runs once the holder is done.
	go func() { time.Sleep(300 * time.Millisecond); release() }()
	e.eng.Wait = 5 * time.Second
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatalf("run waiting for the lease: %v", err)
	}
	// A holder that died (no renewal, no release): its lease expires.
	dead, cancel := context.WithCancel(ctx)
	if _, err := l.Lease(dead, "test/demo", 700*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	cancel()
	t0 := time.Now()
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatalf("run after a dead holder: %v", err)
	}
	if time.Since(t0) < 300*time.Millisecond {
		t.Errorf("the run did not wait for the dead holder's lease to expire")
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
