package desttest

import (
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// snapshotTests are what the update modes (replicate: UpdateMode=Append and
// Replace) need: a TIMESTAMP column in the primary key, so that snapshots
// of one source row at different times are distinct rows and a snapshot
// written twice is not duplicated; and a single Write of a whole table's
// rows and deletes, larger than any statement chunk, applied all or
// nothing together with its checkpoint.
func (s *suite) snapshotTests(t *testing.T) {
	history := func(name string) *bs.Table {
		return &bs.Table{Name: s.name(name), PrimaryKey: []string{"Account", "Id", "SnapshotTime"}, Columns: []bs.Column{
			{Name: "Account", Type: bs.TypeText}, {Name: "Id", Type: bs.TypeInt},
			{Name: "Status", Type: bs.TypeText, Nullable: true}, {Name: "SnapshotTime", Type: bs.TypeTimestamp}}}
	}
	t1, t2 := utc(2026, 3, 1, 9, 0, 0), utc(2026, 3, 2, 9, 0, 0)
	snap := func(at time.Time, statuses ...string) []bs.Row {
		var out []bs.Row
		for i, st := range statuses {
			out = append(out, bs.Row{"a", int64(i + 1), st, at})
		}
		return out
	}

	s.test(t, "TimestampInKey", func(t *testing.T, d bs.Destination) {
		tb := history("History")
		migrate(t, d, tb)
		if res := write(t, d, bs.Batch{Table: tb, Upserts: snap(t1, "Open", "Open", "Closed")}); res.Inserted != 3 {
			t.Errorf("first snapshot %+v; want 3 inserted", res)
		}
		if res := write(t, d, bs.Batch{Table: tb, Upserts: snap(t2, "Closed", "Open")}); res.Inserted != 2 || res.Updated != 0 {
			t.Errorf("second snapshot %+v; want 2 inserted", res)
		}
		// The first snapshot written again (a rerun of the same second):
		// the same rows, neither inserted nor updated.
		if res := write(t, d, bs.Batch{Table: tb, Upserts: snap(t1, "Open", "Open", "Closed")}); res.Inserted != 0 || res.Updated != 0 {
			t.Errorf("rewritten snapshot %+v; want nothing inserted or updated", res)
		}
		// One of them closed since: one row updated.
		if res := write(t, d, bs.Batch{Table: tb, Upserts: snap(t1, "Open", "Closed", "Closed")}); res.Inserted != 0 || res.Updated != 1 {
			t.Errorf("snapshot with one row changed %+v; want 1 updated", res)
		}
		if res := write(t, d, bs.Batch{Table: tb, Upserts: snap(t1, "Open", "Open", "Closed")}); res.Updated != 1 {
			t.Errorf("snapshot changed back %+v; want 1 updated", res)
		}
		want := append(snap(t1, "Open", "Open", "Closed"), snap(t2, "Closed", "Open")...)
		checkRows(t, "two snapshots", query(t, d, tb.Name, bs.Query{OrderBy: []bs.Order{{Column: "SnapshotTime"}}}), want)
		checkRows(t, "the second snapshot", query(t, d, tb.Name, bs.Query{Filter: bs.Cmp{Column: "SnapshotTime", Op: bs.OpEq, Value: t2}}),
			snap(t2, "Closed", "Open"))
		if n, err := d.Count(ctx, tb.Name, bs.Cmp{Column: "SnapshotTime", Op: bs.OpGt, Value: t1}); err != nil || n != 2 {
			t.Errorf("Count after t1 = %d, %v; want 2", n, err)
		}
	})

	s.test(t, "WholeTableInOneWrite", func(t *testing.T, d bs.Destination) {
		tb := history("Replaced")
		migrate(t, d, tb)
		const n = 2500
		var old, next []bs.Row
		var dels [][]any
		for i := range int64(n) {
			old = append(old, bs.Row{"a", i + 1, "old", t1})
			next = append(next, bs.Row{"a", n + i + 1, "new", t2})
			dels = append(dels, []any{"a", i + 1, t1})
		}
		other := bs.Row{"b", int64(1), "other account", t1}
		write(t, d, bs.Batch{Table: tb, Upserts: append(old, other)})
		cp := &bs.Checkpoint{Scope: s.name("job/a/Replaced"), Key: "snapshot", Value: t2.Format(time.RFC3339)}
		// The last row is wrong: nothing of the batch may land.
		bad := append(append([]bs.Row(nil), next[:n-1]...), bs.Row{"a", int64(2 * n), "new", "not a time"})
		if _, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: bad, Deletes: dels, Checkpoint: cp}); err == nil {
			t.Fatal("a batch with a wrongly typed value was written")
		}
		if got := query(t, d, tb.Name, bs.Query{}); len(got) != n+1 {
			t.Errorf("after the failed write the table has %d rows; want the %d before", len(got), n+1)
		}
		if _, ok, err := d.Checkpoint(ctx, cp.Scope, cp.Key); ok || err != nil {
			t.Errorf("the failed write stored its checkpoint (%v)", err)
		}
		res := write(t, d, bs.Batch{Table: tb, Upserts: next, Deletes: dels, Checkpoint: cp})
		if res != (bs.WriteResult{Inserted: n, Deleted: n}) {
			t.Errorf("replace counts %+v; want %d inserted and deleted", res, n)
		}
		checkRows(t, "replaced", query(t, d, tb.Name, bs.Query{}), append(next, other))
		if v, ok, err := d.Checkpoint(ctx, cp.Scope, cp.Key); !ok || err != nil || v != cp.Value {
			t.Errorf("checkpoint %q %v %v; want %q", v, ok, err, cp.Value)
		}
	})
}
