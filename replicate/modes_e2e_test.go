package replicate_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/internal/truth"
	"github.com/backlogsync/backlogsync/replicate"
)

// modeStatements replicates tables of every kind under UpdateMode=Replace
// (the Issues family, a full-refresh table, a version table, an
// append-only feed) and Issues under UpdateMode=Append.
const modeStatements = `
REPLICATE Issues WITH UpdateMode=Replace;
REPLICATE IssueComments WITH UpdateMode=Replace;
REPLICATE Users WITH UpdateMode=Replace;
REPLICATE WikiPages WITH UpdateMode=Replace;
REPLICATE SpaceUpdates WITH UpdateMode=Replace;
REPLICATE IssueHistory WITH UpdateMode=Append SELECT * FROM Issues;`

var replaced = []string{"Issues", "IssueComments", "Users", "WikiPages", "SpaceUpdates"}

// TestE2EUpdateModes: with churn between two runs, every Replace table
// equals the emulator after each run, and the Append table holds two
// snapshots, each equal to the space's issues at its run, stamped with its
// run's time. A run that fails part-way (the second page of issues
// refused) leaves the Replace tables as they were and adds no snapshot;
// the next run completes both.
func TestE2EUpdateModes(t *testing.T) {
	forEachDest(t, func(t *testing.T, open func(t *testing.T) bs.Destination) {
		s := newScenario(t, emulator.Size{Projects: 2, Users: 6, Teams: 1, Issues: 130, Comments: 200, Wikis: 6,
			Repositories: 1, PullRequests: 4, SharedFiles: 4}, 21, open, false)
		clock := time.Now().UTC().Truncate(time.Second)
		s.now = func() time.Time { return clock }
		stmts := parse(t, modeStatements)
		t1 := clock
		res, _ := s.mustRun(stmts, "first run")
		checkTruth(t, s.srv, s.dest, s.account, replaced)
		snap1 := checkSnapshot(t, s, "IssueHistory", t1)
		if got := tableResult(res, "IssueHistory"); got.Inserted != int64(len(snap1)) || len(snap1) < 130 {
			t.Errorf("first snapshot: %+v for %d rows", got, len(snap1))
		}

		churn(t, s, 40, 7)
		clock = clock.Add(time.Hour)
		t2 := clock
		s.mustRun(stmts, "second run")
		checkTruth(t, s.srv, s.dest, s.account, replaced)
		snap2 := checkSnapshot(t, s, "IssueHistory", t2)
		if slices.Equal(snap1, snap2) {
			t.Error("the churn changed no issue: the snapshots cannot be told apart")
		}
		if again := snapshotRows(t, s, "IssueHistory", t1); !slices.Equal(again, snap1) {
			t.Errorf("the first snapshot changed after the second run: %d rows, were %d", len(again), len(snap1))
		}
		if n, err := s.dest.Count(context.Background(), "IssueHistory", nil); err != nil || n != int64(len(snap1)+len(snap2)) {
			t.Errorf("IssueHistory holds %d rows (%v), want %d + %d", n, err, len(snap1), len(snap2))
		}

		// A failing run: the second page of issues is refused.
		churn(t, s, 20, 8)
		before := map[string][]string{}
		for _, name := range replaced {
			before[name] = destRows(t, s, name, nil)
		}
		addFaults(t, s, []emulator.FaultRule{{Path: "/api/v2/issues", Kind: emulator.FaultStatus, Status: 400, After: 1}})
		clock = clock.Add(time.Hour)
		t3 := clock
		if _, err, _ := s.run(context.Background(), stmts); err == nil {
			t.Fatal("the run with the second page of issues refused succeeded")
		}
		clearFaults(t, s)
		for _, name := range replaced {
			if got := destRows(t, s, name, nil); !slices.Equal(got, before[name]) {
				t.Errorf("%s changed in the failed run: %d rows, were %d", name, len(got), len(before[name]))
			}
		}
		if got := snapshotRows(t, s, "IssueHistory", t3); len(got) != 0 {
			t.Errorf("the failed run left %d rows of its snapshot", len(got))
		}
		clock = clock.Add(time.Hour)
		s.mustRun(stmts, "run after the failure")
		checkTruth(t, s.srv, s.dest, s.account, replaced)
		checkSnapshot(t, s, "IssueHistory", clock)
	})
}

// tableResult is the run's counts for one table.
func tableResult(res replicate.AccountResult, table string) bs.RunTable {
	for _, rt := range res.Tables {
		if rt.Table == table {
			return rt
		}
	}
	return bs.RunTable{}
}

// checkSnapshot compares the rows of the Append table whose SnapshotTime
// is at with the space's issues now (the reference decoding of
// internal/truth), and returns them canonical and sorted.
func checkSnapshot(t *testing.T, s *scenario, table string, at time.Time) []string {
	t.Helper()
	ct, _ := catalog.Lookup("Issues")
	c := truthClient(t, s.srv)
	var want []string
	if err := catalog.Fetch(context.Background(), c, "Issues", catalog.Query{Account: s.account}, func(r bs.Row) error {
		want = append(want, strings.Join(truth.CanonRow(ct, r), "\x1f"))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	got := snapshotRows(t, s, table, at)
	if !slices.Equal(got, want) {
		missing, extra := 0, 0
		for _, w := range want {
			if _, ok := slices.BinarySearch(got, w); !ok {
				missing++
			}
		}
		for _, g := range got {
			if _, ok := slices.BinarySearch(want, g); !ok {
				extra++
			}
		}
		t.Errorf("snapshot %s of %s: %d rows, the space has %d issues; %d missing or different, %d extra",
			at.Format(time.RFC3339), table, len(got), len(want), missing, extra)
	}
	return got
}

// snapshotRows returns the rows of one snapshot, without SnapshotTime,
// canonical and sorted.
func snapshotRows(t *testing.T, s *scenario, table string, at time.Time) []string {
	t.Helper()
	return destRows(t, s, table, bs.Cmp{Column: replicate.SnapshotColumn, Op: bs.OpEq, Value: at})
}

// destRows returns the Issues-shaped or catalog-shaped rows of table
// (catalog columns only) that filter selects, canonical and sorted.
func destRows(t *testing.T, s *scenario, table string, filter bs.Expr) []string {
	t.Helper()
	src := table
	if table == "IssueHistory" {
		src = "Issues"
	}
	ct, _ := catalog.Lookup(src)
	var out []string
	err := s.dest.Query(context.Background(), table, bs.Query{Columns: ct.ColumnNames(), Filter: filter}, func(r bs.Row) error {
		out = append(out, strings.Join(truth.CanonRow(ct, r), "\x1f"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
