package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/postgres"
	"github.com/backlogsync/backlogsync/dest/sqldb"
)

// xmins returns the xmin (the transaction that wrote the current row
// version) of every row of the table name, by Id.
func xmins(t *testing.T, d *sqldb.DB, name string) map[int64]string {
	t.Helper()
	rows, err := d.SQL().QueryContext(context.Background(), `SELECT "Id", xmin::text FROM "`+name+`"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var x string
		if err := rows.Scan(&id, &x); err != nil {
			t.Fatal(err)
		}
		out[id] = x
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Writing rows again unchanged, as an incremental run's overlap window
// does, leaves the stored rows as they are (no new row version, so no
// index entries nor dead tuples), through the multi-row INSERT path and
// through COPY, legacy JSON column included, and counts them in neither
// Inserted nor Updated; a row with one changed column is written and
// counted as updated.
func TestUnchangedRowsNotRewritten(t *testing.T) {
	ctx := context.Background()
	d := open(t, 0)
	for _, n := range []int{postgres.CopyThreshold / 2, 1000} { // multi-row INSERT, then COPY
		name := fmt.Sprintf("Unchanged_%d_%d", time.Now().UnixNano(), n)
		tb := &bs.Table{Name: name, PrimaryKey: []string{"Id"}, CursorColumn: "Updated", Columns: []bs.Column{
			{Name: "Id", Type: bs.TypeInt}, {Name: "Updated", Type: bs.TypeTimestamp, Nullable: true},
			{Name: "Summary", Type: bs.TypeText, Nullable: true}, {Name: "Score", Type: bs.TypeFloat, Nullable: true},
			{Name: "Data", Type: bs.TypeJSON, Nullable: true}}}
		if err := d.Migrate(ctx, tb); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Drop(ctx, name) })
		if _, err := d.SQL().ExecContext(ctx, `ALTER TABLE "`+name+`" ADD COLUMN "Old" JSON`); err != nil {
			t.Fatal(err)
		}
		tb.Columns = append(tb.Columns, bs.Column{Name: "Old", Type: bs.TypeJSON, Nullable: true})
		if err := d.Migrate(ctx, tb); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
		rows := make([]bs.Row, n)
		for i := range rows {
			id := int64(i + 1)
			rows[i] = bs.Row{id, at.Add(time.Duration(i) * time.Minute), fmt.Sprintf("issue %d", id), float64(id) / 4,
				fmt.Sprintf(`{"n": %d, "tags": ["a"]}`, id), fmt.Sprintf(`{"b": 1,  "a": %d}`, id)}
			if i%7 == 0 { // NULLs compare too
				rows[i][2], rows[i][3], rows[i][4], rows[i][5] = nil, nil, nil, nil
			}
		}
		if res, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: rows}); err != nil || res.Inserted != int64(n) {
			t.Fatalf("%d rows: first write: %+v, %v", n, res, err)
		}
		before := xmins(t, d, name)
		res, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: rows})
		if err != nil || res != (bs.WriteResult{}) {
			t.Fatalf("%d rows: unchanged write: %+v, %v; want nothing inserted or updated", n, res, err)
		}
		after := xmins(t, d, name)
		rewritten := 0
		for id, x := range before {
			if after[id] != x {
				rewritten++
			}
		}
		if rewritten != 0 || len(after) != n {
			t.Errorf("%d rows: %d unchanged rows rewritten (%d rows stored)", n, rewritten, len(after))
		}
		// One column changed in each of a few rows, each a different
		// column (the legacy JSON one respelled); one row new.
		rows[1][1] = at.Add(time.Hour * 1000)
		rows[2][2] = "renamed"
		rows[3][3] = 0.5
		rows[4][4] = `{"n": 5}`
		rows[8][5] = `{"b": 1, "a": 9}`
		rows = append(rows, bs.Row{int64(n + 1), at, "new", nil, nil, nil})
		res, err = d.Write(ctx, bs.Batch{Table: tb, Upserts: rows})
		if err != nil || res.Inserted != 1 || res.Updated != 5 {
			t.Fatalf("%d rows: changed write: %+v, %v; want 1 inserted, 5 updated (the rows changed)", n, res, err)
		}
		var written []int64
		for id, x := range xmins(t, d, name) {
			if x != after[id] {
				written = append(written, id)
			}
		}
		slices.Sort(written)
		if fmt.Sprint(written) != "[2 3 4 5 9 "+fmt.Sprint(n+1)+"]" {
			t.Errorf("%d rows: rows %v written; want the changed ones 2, 3, 4, 5, 9 and the new %d", n, written, n+1)
		}
		var got []bs.Row
		if err := d.Query(ctx, name, bs.Query{OrderBy: []bs.Order{{Column: "Id"}}, Limit: 9},
			func(r bs.Row) error { got = append(got, r); return nil }); err != nil || len(got) != 9 {
			t.Fatalf("%d rows: read back %d rows, %v", n, len(got), err)
		}
		got = []bs.Row{got[2], got[4], got[8]}
		want := fmt.Sprint([]bs.Row{
			{int64(3), rows[2][1], "renamed", 0.75, `{"n": 3, "tags": ["a"]}`, `{"b": 1,  "a": 3}`},
			{int64(5), rows[4][1], "issue 5", 1.25, `{"n": 5}`, `{"b": 1,  "a": 5}`},
			{int64(9), rows[8][1], "issue 9", 2.25, `{"n": 9, "tags": ["a"]}`, `{"b": 1, "a": 9}`},
		})
		if fmt.Sprint(got) != want {
			t.Errorf("%d rows: rows read back\n got %v\nwant %v", n, got, want)
		}
	}
}

// The upsert updates only a row that differs, JSON columns compared as
// text and last; with every column in the key there is nothing to compare.
func TestTypedUpsertSQL(t *testing.T) {
	d := postgres.Dialect{}
	got := d.TypedUpsertSQL(`"s"."T"`, []string{`"A"`, `"J"`, `"B"`}, []bs.Type{bs.TypeInt, bs.TypeJSON, bs.TypeText}, []string{`"A"`}, 1)
	want := `INSERT INTO "s"."T" AS t ("A", "J", "B") VALUES ($1, $2, $3) ON CONFLICT ("A") DO UPDATE SET "J" = EXCLUDED."J", "B" = EXCLUDED."B"` +
		` WHERE t."B" IS DISTINCT FROM EXCLUDED."B" OR t."J"::text IS DISTINCT FROM EXCLUDED."J"::text`
	if got != want {
		t.Errorf("TypedUpsertSQL:\n got %s\nwant %s", got, want)
	}
	got = d.UpsertSQL(`"T"`, []string{`"A"`, `"B"`}, []string{`"A"`, `"B"`}, 1)
	if want := `INSERT INTO "T" AS t ("A", "B") VALUES ($1, $2) ON CONFLICT ("A", "B") DO NOTHING`; got != want {
		t.Errorf("UpsertSQL, every column a key:\n got %s\nwant %s", got, want)
	}
}
