package replicate

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/backlogsync/backlogsync"
)

// TestSnapshotTablesShareCalls: the run's Replace and Append tables share
// one session, so tables filled from the same calls read them once, and a
// Replace table is still read whole (nothing trusted unchanged).
func TestSnapshotTablesShareCalls(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testSize, 64)
	stmts := parse(t, "REPLICATE Projects WITH UpdateMode=Replace; REPLICATE ProjectCategories WITH UpdateMode=Replace; REPLICATE ProjectStatuses WITH UpdateMode=Replace;")
	for run := range 2 {
		e.srv.ClearRequests()
		if _, err := e.eng.Run(ctx, stmts); err != nil {
			t.Fatal(err)
		}
		lists := 0
		for _, rq := range e.srv.Requests() {
			if rq.Path == "/api/v2/projects" {
				lists++
			}
		}
		if lists != 1 {
			t.Errorf("run %d: the project list was read %d times; want once", run+1, lists)
		}
		e.checkEqualTables(t, "Projects", "ProjectCategories", "ProjectStatuses")
	}
}

// queryCounter counts the queries of one table.
type queryCounter struct {
	backlogsync.Destination
	table string
	n     atomic.Int64
}

func (d *queryCounter) Query(ctx context.Context, table string, q backlogsync.Query, fn func(backlogsync.Row) error) error {
	if table == d.table {
		d.n.Add(1)
	}
	return d.Destination.Query(ctx, table, q, fn)
}

// TestStoredRowsOneScan: a full refresh and a Replace run read the stored
// rows of their table once (keys, object ids and fingerprints together).
func TestStoredRowsOneScan(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testSize, 65)
	for _, tc := range []struct{ src, table string }{
		{"REPLICATE Users;", "Users"},
		{"REPLICATE Teams WITH UpdateMode=Replace;", "Teams"},
	} {
		src, table := tc.src, tc.table
		stmts := parse(t, src)
		if _, err := e.eng.Run(ctx, stmts); err != nil {
			t.Fatal(err)
		}
		qc := &queryCounter{Destination: e.eng.Dest, table: table}
		dest := e.eng.Dest
		e.eng.Dest = qc
		_, err := e.eng.Run(ctx, stmts)
		e.eng.Dest = dest
		if err != nil {
			t.Fatal(err)
		}
		if n := qc.n.Load(); n != 1 {
			t.Errorf("%s: %d queries of %s in a second run; want 1", src, n, table)
		}
		e.checkEqualTables(t, table)
	}
}
