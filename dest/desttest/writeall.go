package desttest

import (
	"testing"

	bs "github.com/backlogsync/backlogsync"
)

// writeAllTests checks MultiWriter: several batches, over several tables
// and the same table twice, with checkpoints, applied together or not at
// all. Every destination of this module implements it.
func (s *suite) writeAllTests(t *testing.T) {
	s.test(t, "Together", func(t *testing.T, d bs.Destination) {
		mw, a, b, scope := s.twoTables(t, d)
		write(t, d, bs.Batch{Table: a, Upserts: []bs.Row{issueRow(1, "old")}})
		// Large batches, so that a destination with a bulk path takes it
		// twice in one transaction.
		var many []bs.Row
		for i := range int64(300) {
			many = append(many, issueRow(i+1, "many"))
		}
		res, err := mw.WriteAll(ctx, []bs.Batch{
			{Table: a, Upserts: many[:250], Checkpoint: &bs.Checkpoint{Scope: scope, Key: "A", Value: "a1"}},
			{Table: b, Upserts: many, Deletes: [][]any{{int64(300)}}, Checkpoint: &bs.Checkpoint{Scope: scope, Key: "B", Value: "b1"}},
			{Table: a, Upserts: []bs.Row{issueRow(2, "again"), issueRow(251, "new")}, Deletes: [][]any{{int64(3)}}},
			{Checkpoint: &bs.Checkpoint{Scope: scope, Key: "C", Value: "c1"}},
		})
		if err != nil {
			t.Fatalf("WriteAll: %v", err)
		}
		want := []bs.WriteResult{{Inserted: 249, Updated: 1}, {Inserted: 300, Deleted: 1}, {Inserted: 1, Updated: 1, Deleted: 1}, {}}
		if len(res) != len(want) {
			t.Fatalf("WriteAll returned %d results for 4 batches", len(res))
		}
		for i := range want {
			if res[i] != want[i] {
				t.Errorf("batch %d: %+v; want %+v", i+1, res[i], want[i])
			}
		}
		if n := len(query(t, d, a.Name, bs.Query{})); n != 250 {
			t.Errorf("table A has %d rows; want 250", n)
		}
		if n := len(query(t, d, b.Name, bs.Query{})); n != 299 {
			t.Errorf("table B has %d rows; want 299", n)
		}
		rows := query(t, d, a.Name, bs.Query{Filter: bs.In{Column: "Id", Values: []any{int64(2)}}})
		if len(rows) != 1 || rows[0][2] != "again" {
			t.Errorf("row 2 of A = %v; want the later batch's", fmtRows(rows))
		}
		for k, v := range map[string]string{"A": "a1", "B": "b1", "C": "c1"} {
			if got, ok, err := d.Checkpoint(ctx, scope, k); err != nil || !ok || got != v {
				t.Errorf("checkpoint %s = %q, %v, %v; want %s", k, got, ok, err, v)
			}
		}
		if res, err := mw.WriteAll(ctx, nil); err != nil || len(res) != 0 {
			t.Errorf("WriteAll(nil) = %v, %v; want no results, no error", res, err)
		}
	})

	s.test(t, "AllOrNothing", func(t *testing.T, d bs.Destination) {
		mw, a, b, scope := s.twoTables(t, d)
		write(t, d, bs.Batch{Table: a, Upserts: []bs.Row{issueRow(1, "old")}, Checkpoint: &bs.Checkpoint{Scope: scope, Key: "A", Value: "a0"}})
		var many []bs.Row
		for i := range int64(300) {
			many = append(many, issueRow(i+1, "new"))
		}
		badRows := append([]bs.Row(nil), many...)
		badRows[280] = bs.Row{nil, "P", "x", utc(2024, 1, 1, 0, 0, 0)}
		for what, batches := range map[string][]bs.Batch{
			"bad row in the last batch": {
				{Table: a, Upserts: many, Deletes: [][]any{{int64(1)}}, Checkpoint: &bs.Checkpoint{Scope: scope, Key: "A", Value: "a1"}},
				{Table: b, Upserts: badRows, Checkpoint: &bs.Checkpoint{Scope: scope, Key: "B", Value: "b1"}},
			},
			"unknown table in the last batch": {
				{Table: a, Upserts: many, Checkpoint: &bs.Checkpoint{Scope: scope, Key: "A", Value: "a1"}},
				{Table: issues(s.name("Missing")), Upserts: many[:1]},
			},
		} {
			if _, err := mw.WriteAll(ctx, batches); err == nil {
				t.Errorf("%s: WriteAll succeeded", what)
			}
			checkRows(t, what+": table A", query(t, d, a.Name, bs.Query{}), []bs.Row{issueRow(1, "old")})
			if n := len(query(t, d, b.Name, bs.Query{})); n != 0 {
				t.Errorf("%s: table B has %d rows; want none", what, n)
			}
			if v, _, _ := d.Checkpoint(ctx, scope, "A"); v != "a0" {
				t.Errorf("%s: checkpoint A = %q; want a0", what, v)
			}
			if _, ok, _ := d.Checkpoint(ctx, scope, "B"); ok {
				t.Errorf("%s: checkpoint B stored", what)
			}
		}
	})
}

// twoTables returns d as a MultiWriter, two migrated tables and a
// checkpoint scope of their own.
func (s *suite) twoTables(t *testing.T, d bs.Destination) (mw bs.MultiWriter, a, b *bs.Table, scope string) {
	t.Helper()
	mw, ok := d.(bs.MultiWriter)
	if !ok {
		t.Fatalf("%T does not implement backlogsync.MultiWriter", d)
	}
	a, b = issues(s.name("A")), issues(s.name("B"))
	migrate(t, d, a)
	migrate(t, d, b)
	return mw, a, b, s.name("scope")
}
