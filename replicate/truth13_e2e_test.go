package replicate_test

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/emulator"
)

// TestE2ETruthIssue13 is the truth test of issue 13 on every destination
// (SQLite, memory, PostgreSQL, MariaDB): after each scenario every
// replicated table equals the emulator's state row by row and column by
// column (checkTruth): a first load, churn while a run is under way (then
// a rerun), text with NUL, two runs started at once on one destination
// (one waits for the other's lease), and a source rollback (the space as
// generated, which then changes differently). Faults and kills have their
// own scenarios (TestE2EFaults, TestE2ECrashResume, cmd's
// TestReplicateKilledAndRestarted).
func TestE2ETruthIssue13(t *testing.T) {
	t.Parallel()
	forEachDest(t, func(t *testing.T, open func(*testing.T) bs.Destination) {
		size := emulator.Size{Projects: 2, Users: 8, Teams: 2, Issues: 80, Comments: 200, Wikis: 8,
			Documents: 2, Repositories: 2, PullRequests: 8, SharedFiles: 8}
		if raceEnabled {
			size.Issues, size.Comments = 30, 60
		}
		s := newScenario(t, size, 113, open, false)
		tables := append(append([]string(nil), e2eTables...), "WikiPageHistory", "SpaceUpdates", "IssueParticipants")
		stmts := statements(t, tables)
		ctx := context.Background()
		s.mustRun(stmts, "first load")
		checkTruth(t, s.srv, s.dest, s.account, tables)

		// Churn during a run, then a rerun.
		stop := s.srv.StartChurn(ctx, emulator.ChurnOptions{Rate: 200, Seed: 5, Mix: churnMix})
		s.mustRun(stmts, "run under churn")
		stop()
		s.mustRun(stmts, "rerun after churn")
		checkTruth(t, s.srv, s.dest, s.account, tables)

		// NUL in a comment.
		issues, _, err := truthClient(t, s.srv).Issues.List(ctx, nil)
		if err != nil || len(issues) == 0 {
			t.Fatalf("issues: %v", err)
		}
		apiForm(t, s, "POST", fmt.Sprintf("issues/%d/comments", issues[0].ID), url.Values{"content": {"nul\x00here"}})

		// Two runs at once after churn: one waits for the other's lease.
		churn(t, s, 20, 8)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		s.wait = time.Minute
		for i := range errs {
			wg.Go(func() { _, errs[i] = s.runWith(ctx, &countingTransport{}, s.dest, stmts) })
		}
		wg.Wait()
		s.wait = 0
		for i, err := range errs {
			if err != nil {
				t.Fatalf("concurrent run %d: %v", i, err)
			}
		}
		checkTruth(t, s.srv, s.dest, s.account, tables)

		// Source rollback: the backup (the space as generated) changes
		// differently; one run resyncs.
		backup, err := emulator.New(emulator.Options{Seed: 113, Size: size, RateWindow: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		s.srv, s.hc = backup, backup.Client
		backup.ChurnWith(15, emulator.ChurnOptions{Seed: 9, Mix: churnMix})
		s.mustRun(stmts, "run after the rollback")
		checkTruth(t, s.srv, s.dest, s.account, tables)
	})
}
