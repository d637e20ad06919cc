package desttest

import (
	"context"
	"fmt"
	"math"
	"testing"

	bs "github.com/backlogsync/backlogsync"
)

func issueRow(id int64, summary string) bs.Row {
	return bs.Row{id, fmt.Sprintf("P-%d", id), summary, utc(2024, 1, 1, 0, 0, 0).Add(timeHours(id))}
}

func (s *suite) writeTests(t *testing.T) {
	s.test(t, "Upsert", func(t *testing.T, d bs.Destination) {
		tb := issues(s.name("Issues"))
		migrate(t, d, tb)
		res := write(t, d, bs.Batch{Table: tb, Upserts: []bs.Row{issueRow(1, "a"), issueRow(2, "b")}})
		if res != (bs.WriteResult{Inserted: 2}) {
			t.Errorf("first write counts %+v; want 2 inserted", res)
		}
		res = write(t, d, bs.Batch{Table: tb, Upserts: []bs.Row{issueRow(2, "b2"), issueRow(3, "c")}})
		if res != (bs.WriteResult{Inserted: 1, Updated: 1}) {
			t.Errorf("second write counts %+v; want 1 inserted, 1 updated", res)
		}
		checkRows(t, "after upserts", query(t, d, tb.Name, bs.Query{}),
			[]bs.Row{issueRow(1, "a"), issueRow(2, "b2"), issueRow(3, "c")})
	})

	s.test(t, "DuplicateKeyInBatch", func(t *testing.T, d bs.Destination) {
		tb := issues(s.name("Issues"))
		migrate(t, d, tb)
		res := write(t, d, bs.Batch{Table: tb, Upserts: []bs.Row{issueRow(1, "a"), issueRow(1, "b"), issueRow(2, "x"), issueRow(1, "last")}})
		if res != (bs.WriteResult{Inserted: 2}) {
			t.Errorf("counts %+v; want 2 inserted", res)
		}
		checkRows(t, "later upsert wins", query(t, d, tb.Name, bs.Query{}), []bs.Row{issueRow(1, "last"), issueRow(2, "x")})
	})

	s.test(t, "LargeBatch", func(t *testing.T, d bs.Destination) {
		tb := issues(s.name("Issues"))
		migrate(t, d, tb)
		var rows, want []bs.Row
		for i := range int64(2500) {
			rows = append(rows, issueRow(i+1, "v1"))
		}
		write(t, d, bs.Batch{Table: tb, Upserts: rows[:1000]})
		for i := range rows {
			rows[i] = issueRow(int64(i+1), "v2")
			want = append(want, rows[i])
		}
		res := write(t, d, bs.Batch{Table: tb, Upserts: rows})
		if res != (bs.WriteResult{Inserted: 1500, Updated: 1000}) {
			t.Errorf("counts %+v; want 1500 inserted, 1000 updated", res)
		}
		checkRows(t, "2500 rows", query(t, d, tb.Name, bs.Query{}), want)
	})

	s.test(t, "CompositeKey", func(t *testing.T, d bs.Destination) {
		tb := &bs.Table{Name: s.name("Comments"), PrimaryKey: []string{"ProjectId", "Id"}, Columns: []bs.Column{
			{Name: "ProjectId", Type: bs.TypeInt}, {Name: "Id", Type: bs.TypeInt}, {Name: "Content", Type: bs.TypeText, Nullable: true}}}
		migrate(t, d, tb)
		res := write(t, d, bs.Batch{Table: tb, Upserts: []bs.Row{
			{int64(1), int64(2), "1/2"}, {int64(2), int64(1), "2/1"}, {int64(1), int64(1), "1/1"}}})
		if res.Inserted != 3 {
			t.Errorf("counts %+v; want 3 inserted", res)
		}
		res = write(t, d, bs.Batch{Table: tb, Upserts: []bs.Row{{int64(2), int64(1), "2/1 v2"}, {int64(2), int64(2), "2/2"}},
			Deletes: [][]any{{int64(1), int64(2)}, {int64(9), int64(9)}}})
		if res != (bs.WriteResult{Inserted: 1, Updated: 1, Deleted: 1}) {
			t.Errorf("counts %+v; want 1 inserted, 1 updated, 1 deleted", res)
		}
		checkRows(t, "composite keys", query(t, d, tb.Name, bs.Query{}), []bs.Row{
			{int64(1), int64(1), "1/1"}, {int64(2), int64(1), "2/1 v2"}, {int64(2), int64(2), "2/2"}})
	})

	s.test(t, "Delete", func(t *testing.T, d bs.Destination) {
		tb := issues(s.name("Issues"))
		migrate(t, d, tb)
		write(t, d, bs.Batch{Table: tb, Upserts: []bs.Row{issueRow(1, "a"), issueRow(2, "b"), issueRow(3, "c")}})
		res := write(t, d, bs.Batch{Table: tb, Deletes: [][]any{{int64(2)}, {int64(99)}}})
		if res != (bs.WriteResult{Deleted: 1}) {
			t.Errorf("counts %+v; want 1 deleted (99 does not exist)", res)
		}
		// Upserts apply before deletes: a key in both ends deleted.
		res = write(t, d, bs.Batch{Table: tb, Upserts: []bs.Row{issueRow(4, "d"), issueRow(3, "c2")}, Deletes: [][]any{{int64(4)}}})
		if res != (bs.WriteResult{Inserted: 1, Updated: 1, Deleted: 1}) {
			t.Errorf("counts %+v; want 1 inserted, 1 updated, 1 deleted", res)
		}
		checkRows(t, "after deletes", query(t, d, tb.Name, bs.Query{}), []bs.Row{issueRow(1, "a"), issueRow(3, "c2")})
		var many [][]any
		for i := range int64(1200) {
			many = append(many, []any{i})
		}
		if res := write(t, d, bs.Batch{Table: tb, Deletes: many}); res.Deleted != 2 {
			t.Errorf("deleting 1200 keys counted %d; want 2", res.Deleted)
		}
	})

	s.test(t, "CheckpointAtomic", func(t *testing.T, d bs.Destination) {
		tb := issues(s.name("Issues"))
		scope := s.name("scope")
		migrate(t, d, tb)
		var initial []bs.Row
		for i := range int64(10) {
			initial = append(initial, issueRow(i+1, "before"))
		}
		write(t, d, bs.Batch{Table: tb, Upserts: initial, Checkpoint: &bs.Checkpoint{Scope: scope, Key: "Issues", Value: "c1"}})
		check := func(what string) {
			t.Helper()
			checkRows(t, what+": rows", query(t, d, tb.Name, bs.Query{}), initial)
			if v, ok, err := d.Checkpoint(ctx, scope, "Issues"); err != nil || !ok || v != "c1" {
				t.Errorf("%s: checkpoint = %q, %v, %v; want c1", what, v, ok, err)
			}
			if _, ok, _ := d.Checkpoint(ctx, scope, "Other"); ok {
				t.Errorf("%s: checkpoint Other stored", what)
			}
		}
		// A failing row deep into a large batch, after updates, inserts and
		// with deletes and a checkpoint pending.
		bad := func(at int, badRow bs.Row) bs.Batch {
			var rows []bs.Row
			for i := range int64(2000) {
				rows = append(rows, issueRow(i+1, "after"))
			}
			rows[at] = badRow
			return bs.Batch{Table: tb, Upserts: rows, Deletes: [][]any{{int64(1)}},
				Checkpoint: &bs.Checkpoint{Scope: scope, Key: "Issues", Value: "c2"}}
		}
		for what, b := range map[string]bs.Batch{
			"wrong type late":  bad(1900, bs.Row{int64(1901), int64(5), "x", utc(2024, 1, 1, 0, 0, 0)}),
			"NULL key late":    bad(1999, bs.Row{nil, "P", "x", utc(2024, 1, 1, 0, 0, 0)}),
			"short row late":   bad(1500, bs.Row{int64(1501)}),
			"wrong type first": bad(0, bs.Row{int64(1), "P-1", 3.5, utc(2024, 1, 1, 0, 0, 0)}),
		} {
			if _, err := d.Write(ctx, b); err == nil {
				t.Errorf("%s: batch accepted", what)
			} else {
				wantCode(t, what, err, bs.EINVALID)
			}
			check(what)
		}
		b := bad(0, issueRow(1, "after"))
		b.Deletes = append(b.Deletes, []any{"not an id"})
		if _, err := d.Write(ctx, b); err == nil {
			t.Errorf("bad delete key accepted")
		}
		check("bad delete key")
		b.Checkpoint = &bs.Checkpoint{Scope: scope, Key: "Other", Value: "x"}
		b.Deletes = nil
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := d.Write(cctx, b); err == nil {
			t.Errorf("write with a cancelled context succeeded")
		}
		check("cancelled context")
		// And a good batch moves both.
		good := bad(0, issueRow(1, "after"))
		write(t, d, good)
		if v, _, _ := d.Checkpoint(ctx, scope, "Issues"); v != "c2" {
			t.Errorf("checkpoint after good batch = %q; want c2", v)
		}
		if rows := query(t, d, tb.Name, bs.Query{}); len(rows) != 1999 {
			t.Errorf("after good batch %d rows; want 1999", len(rows))
		}
	})

	// Counts are of rows that changed: a row written again with the values
	// it has counts in neither Inserted nor Updated, on every write path
	// (statements of a few rows, the bulk path) and whichever column
	// differs, an indexed one alone included (SQLite sets ParentIssueId
	// apart from the upsert, see sqldb.SetLater).
	for _, size := range []struct {
		name string
		rows int
	}{{"Small", 12}, {"Bulk", s.bulkRows()}} {
		s.test(t, "CountsChangedRows"+size.name, func(t *testing.T, d bs.Destination) {
			tb := &bs.Table{Name: s.name("Issues"), PrimaryKey: []string{"Account", "Id"}, CursorColumn: "Updated",
				Indexes: []string{"ParentIssueId"}, Columns: []bs.Column{
					{Name: "Account", Type: bs.TypeText}, {Name: "Id", Type: bs.TypeInt},
					{Name: "ParentIssueId", Type: bs.TypeInt, Nullable: true},
					{Name: "Summary", Type: bs.TypeText, Nullable: true},
					{Name: "Updated", Type: bs.TypeTimestamp}}}
			migrate(t, d, tb)
			row := func(id int64, parent any, summary string) bs.Row {
				return bs.Row{"acme", id, parent, summary, utc(2024, 1, 1, 0, 0, 0).Add(timeHours(id))}
			}
			n := int64(size.rows)
			var first, second []bs.Row
			changed := int64(0)
			for id := int64(1); id <= n; id++ {
				var parent any
				if id%3 == 0 {
					parent = id - 1
				}
				first = append(first, row(id, parent, "v1"))
				switch id % 4 {
				case 1: // another Summary
					second = append(second, row(id, parent, "v2"))
					changed++
				case 2: // another ParentIssueId only: NULL → value, value → other
					p := id + 1000
					if parent != nil && id%8 == 6 {
						p = 7
					}
					second = append(second, row(id, p, "v1"))
					changed++
				default: // the same values
					second = append(second, row(id, parent, "v1"))
				}
			}
			second = append(second, row(n+1, nil, "new"), row(n+2, int64(1), "new"))
			if res := write(t, d, bs.Batch{Table: tb, Upserts: first}); res != (bs.WriteResult{Inserted: n}) {
				t.Fatalf("first write counts %+v; want %d inserted", res, n)
			}
			if res := write(t, d, bs.Batch{Table: tb, Upserts: second}); res != (bs.WriteResult{Inserted: 2, Updated: changed}) {
				t.Errorf("second write counts %+v; want 2 inserted, %d updated (the rows that changed)", res, changed)
			}
			checkRows(t, "after the second write", query(t, d, tb.Name, bs.Query{}), second)
			if res := write(t, d, bs.Batch{Table: tb, Upserts: second}); res != (bs.WriteResult{}) {
				t.Errorf("the same rows again count %+v; want nothing inserted or updated", res)
			}
			checkRows(t, "after the same rows again", query(t, d, tb.Name, bs.Query{}), second)
		})
	}

	// A table whose only column outside its key is indexed: SQLite's
	// upsert sets nothing on an existing row (every such column is set
	// apart, see sqldb.SetLater), so its count must come from the
	// statement that sets them.
	s.test(t, "CountsChangedRowsIndexedOnly", func(t *testing.T, d bs.Destination) {
		tb := &bs.Table{Name: s.name("Links"), PrimaryKey: []string{"Id"}, Indexes: []string{"ParentIssueId"},
			Columns: []bs.Column{{Name: "Id", Type: bs.TypeInt}, {Name: "ParentIssueId", Type: bs.TypeInt, Nullable: true}}}
		migrate(t, d, tb)
		first := []bs.Row{{int64(1), int64(10)}, {int64(2), nil}, {int64(3), int64(30)}, {int64(4), int64(40)}}
		if res := write(t, d, bs.Batch{Table: tb, Upserts: first}); res != (bs.WriteResult{Inserted: 4}) {
			t.Fatalf("first write counts %+v; want 4 inserted", res)
		}
		// 1 unchanged, 2 NULL → value, 3 value → NULL, 4 value → other, 5 new.
		second := []bs.Row{{int64(1), int64(10)}, {int64(2), int64(20)}, {int64(3), nil}, {int64(4), int64(41)}, {int64(5), nil}}
		if res := write(t, d, bs.Batch{Table: tb, Upserts: second}); res != (bs.WriteResult{Inserted: 1, Updated: 3}) {
			t.Errorf("second write counts %+v; want 1 inserted, 3 updated (the rows that changed)", res)
		}
		checkRows(t, "after the second write", query(t, d, tb.Name, bs.Query{}), second)
		if res := write(t, d, bs.Batch{Table: tb, Upserts: second}); res != (bs.WriteResult{}) {
			t.Errorf("the same rows again count %+v; want nothing inserted or updated", res)
		}
	})

	// A batch large enough for the destination's bulk path, with keys
	// repeated within it (the last wins), existing and new keys, deletes
	// of keys it upserts and a checkpoint.
	s.test(t, "BulkUpsert", func(t *testing.T, d bs.Destination) {
		tb := issues(s.name("Issues"))
		scope := s.name("scope")
		migrate(t, d, tb)
		n := int64(s.bulkRows())
		var first []bs.Row
		for i := range n / 2 {
			first = append(first, issueRow(i+1, "v1"))
		}
		write(t, d, bs.Batch{Table: tb, Upserts: first})
		var rows []bs.Row
		for i := range n {
			rows = append(rows, issueRow(i+1, "early"))
		}
		for i := range n {
			rows = append(rows, issueRow(i+1, "v2"))
		}
		res := write(t, d, bs.Batch{Table: tb, Upserts: rows, Deletes: [][]any{{int64(1)}, {n}, {n + 1}},
			Checkpoint: &bs.Checkpoint{Scope: scope, Key: "Issues", Value: "bulk"}})
		if want := (bs.WriteResult{Inserted: n - n/2, Updated: n / 2, Deleted: 2}); res != want {
			t.Errorf("counts %+v; want %+v", res, want)
		}
		var want []bs.Row
		for i := int64(2); i < n; i++ {
			want = append(want, issueRow(i, "v2"))
		}
		checkRows(t, "after bulk upsert", query(t, d, tb.Name, bs.Query{}), want)
		if v, _, _ := d.Checkpoint(ctx, scope, "Issues"); v != "bulk" {
			t.Errorf("checkpoint %q; want bulk", v)
		}
	})

	// A bulk batch failing at its last row, in the destination's own checks
	// and, with Opt.Rejected, inside the database, leaves nothing behind.
	s.test(t, "BulkAtomic", func(t *testing.T, d bs.Destination) {
		tb := everyType(s.name("Types"))
		scope := s.name("scope")
		migrate(t, d, tb)
		row := func(id int64, v string) bs.Row {
			return bs.Row{id, id, 0.5, true, v, date(2024, 1, 2), utc(2024, 1, 2, 3, 4, 5), `{"v":"` + v + `"}`}
		}
		var initial []bs.Row
		for i := range int64(10) {
			initial = append(initial, row(i+1, "before"))
		}
		write(t, d, bs.Batch{Table: tb, Upserts: initial, Checkpoint: &bs.Checkpoint{Scope: scope, Key: "k", Value: "c1"}})
		n := int64(s.bulkRows()) + 100
		bad := func(col int, v any) bs.Batch {
			var rows []bs.Row
			for i := range n {
				rows = append(rows, row(i+1, "after"))
			}
			rows[n-1][col] = v
			return bs.Batch{Table: tb, Upserts: rows, Deletes: [][]any{{int64(2)}},
				Checkpoint: &bs.Checkpoint{Scope: scope, Key: "k", Value: "c2"}}
		}
		cases := map[string]bs.Batch{"wrong type in the last row": bad(4, int64(5))}
		if r := s.opt.Rejected; r != nil {
			for i, c := range tb.Columns {
				if c.Type == r.Type && i > 0 {
					cases[fmt.Sprintf("%q the database refuses in the last row", r.Value)] = bad(i, r.Value)
					break
				}
			}
		}
		for what, b := range cases {
			if _, err := d.Write(ctx, b); err == nil {
				t.Errorf("%s: batch accepted", what)
			}
			checkRows(t, what+": rows", query(t, d, tb.Name, bs.Query{}), wantJSON(tb, initial))
			if v, _, err := d.Checkpoint(ctx, scope, "k"); v != "c1" || err != nil {
				t.Errorf("%s: checkpoint %q, %v; want c1", what, v, err)
			}
		}
		// The destination is still usable and the same batch, fixed, applies.
		b := bad(4, "fixed")
		if res := write(t, d, b); res != (bs.WriteResult{Inserted: n - 10, Updated: 10, Deleted: 1}) {
			t.Errorf("fixed batch counts %+v", res)
		}
	})

	s.test(t, "CheckpointOnly", func(t *testing.T, d bs.Destination) {
		scope := s.name("scope")
		res, err := d.Write(ctx, bs.Batch{Checkpoint: &bs.Checkpoint{Scope: scope, Key: "activities", Value: "minId=42"}})
		if err != nil || res != (bs.WriteResult{}) {
			t.Fatalf("checkpoint-only batch: %+v, %v", res, err)
		}
		if v, ok, err := d.Checkpoint(ctx, scope, "activities"); v != "minId=42" || !ok || err != nil {
			t.Errorf("checkpoint = %q, %v, %v", v, ok, err)
		}
		_, err = d.Write(ctx, bs.Batch{Upserts: []bs.Row{{int64(1)}}})
		wantCode(t, "rows without a table", err, bs.EINVALID)
	})

	s.test(t, "Errors", func(t *testing.T, d bs.Destination) {
		tb := issues(s.name("Issues"))
		_, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: []bs.Row{issueRow(1, "a")}})
		wantCode(t, "write before migrate", err, bs.ENOTFOUND, tb.Name)
		migrate(t, d, tb)
		wider := *tb
		wider.Columns = append(wider.Columns[:len(wider.Columns):len(wider.Columns)], bs.Column{Name: "Nope", Type: bs.TypeText})
		_, err = d.Write(ctx, bs.Batch{Table: &wider, Upserts: []bs.Row{append(issueRow(1, "a"), "x")}})
		wantCode(t, "column the destination lacks", err, bs.EINVALID, "Nope")
		noKey := &bs.Table{Name: tb.Name, PrimaryKey: tb.PrimaryKey, Columns: tb.Columns[1:]}
		_, err = d.Write(ctx, bs.Batch{Table: noKey, Upserts: []bs.Row{{"P-1", "a", utc(2024, 1, 1, 0, 0, 0)}}})
		wantCode(t, "batch without the key column", err, bs.EINVALID, "Id")
		narrower := *tb
		narrower.Columns = append([]bs.Column(nil), tb.Columns...)
		narrower.Columns[2].Type = bs.TypeInt
		_, err = d.Write(ctx, bs.Batch{Table: &narrower, Upserts: []bs.Row{{int64(1), "P-1", int64(5), utc(2024, 1, 1, 0, 0, 0)}}})
		if err != nil {
			// BIGINT widens to TEXT, so this is allowed and stored as text.
			t.Errorf("BIGINT into a TEXT column: %v", err)
		} else {
			checkRows(t, "BIGINT written into TEXT", query(t, d, tb.Name, bs.Query{Columns: []string{"Summary"}}), []bs.Row{{"5"}})
		}
		narrower.Columns[2].Type = bs.TypeText
		narrower.Columns[0].Type = bs.TypeText
		_, err = d.Write(ctx, bs.Batch{Table: &narrower, Upserts: []bs.Row{{"1", "P-1", "x", utc(2024, 1, 1, 0, 0, 0)}}})
		wantCode(t, "TEXT into a BIGINT column", err, bs.EINVALID, "Id")
		_, err = d.Write(ctx, bs.Batch{Table: tb, Upserts: []bs.Row{{int64(1), "P-1", "x", utc(2024, 1, 1, 0, 0, 0).Format("2006")}}})
		wantCode(t, "string in a TIMESTAMP column", err, bs.EINVALID, "Updated")
		_, err = d.Write(ctx, bs.Batch{Table: tb, Upserts: []bs.Row{{int64(1), "P-1", "x", utc(10000, 1, 1, 0, 0, 0)}}})
		wantCode(t, "year 10000", err, bs.EINVALID, "Updated")
		hours := &bs.Table{Name: s.name("Hours"), PrimaryKey: []string{"Id"}, Columns: []bs.Column{{Name: "Id", Type: bs.TypeInt}, {Name: "H", Type: bs.TypeFloat, Nullable: true}}}
		migrate(t, d, hours)
		_, err = d.Write(ctx, bs.Batch{Table: hours, Upserts: []bs.Row{{int64(1), math.NaN()}}})
		wantCode(t, "NaN", err, bs.EINVALID, "H")
		write(t, d, bs.Batch{Table: hours, Upserts: []bs.Row{{int64(1), math.Inf(1)}, {int64(2), math.Inf(-1)}, {int64(3), -0.0}}})
		checkRows(t, "infinities", query(t, d, hours.Name, bs.Query{}), []bs.Row{{int64(1), math.Inf(1)}, {int64(2), math.Inf(-1)}, {int64(3), 0.0}})
	})
}
