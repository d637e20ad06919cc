package sqlite_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// writeTable is an Issues-like table: a composite key, a cursor column and
// an indexed ParentIssueId.
func writeTable() *bs.Table {
	return &bs.Table{Name: "Issues", PrimaryKey: []string{"Account", "Id"}, CursorColumn: "Updated",
		Indexes: []string{"ParentIssueId"}, Columns: []bs.Column{
			{Name: "Account", Type: bs.TypeText}, {Name: "Id", Type: bs.TypeInt},
			{Name: "ParentIssueId", Type: bs.TypeInt, Nullable: true},
			{Name: "Summary", Type: bs.TypeText, Nullable: true},
			{Name: "Updated", Type: bs.TypeTimestamp, Nullable: true}}}
}

func writeRow(id int64, parent any, summary string, hour int) bs.Row {
	return bs.Row{"acme", id, parent, summary, time.Date(2024, 1, 1, hour, 0, 0, 0, time.UTC)}
}

// TestWriteUpdatesOnlyChanges checks that an upsert leaves unchanged rows
// alone and sets an indexed column other than the cursor only on the rows
// where it changed (SQLite rewrites the index entry of every column a row's
// update sets), while every value still ends up as written. Triggers count
// the row updates and the updates that set ParentIssueId.
func TestWriteUpdatesOnlyChanges(t *testing.T) {
	d := open(t, filepath.Join(t.TempDir(), "w.db"))
	defer d.Close()
	tb := writeTable()
	if err := d.Migrate(ctx, tb); err != nil {
		t.Fatal(err)
	}
	db := d.SQL()
	for _, s := range []string{
		`CREATE TABLE counts (what TEXT PRIMARY KEY, n INTEGER)`,
		`INSERT INTO counts VALUES ('rows', 0), ('parent', 0)`,
		`CREATE TRIGGER rows_updated AFTER UPDATE ON "Issues" BEGIN UPDATE counts SET n = n + 1 WHERE what = 'rows'; END`,
		`CREATE TRIGGER parent_set AFTER UPDATE OF "ParentIssueId" ON "Issues" BEGIN UPDATE counts SET n = n + 1 WHERE what = 'parent'; END`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatal(s, err)
		}
	}
	counts := func() (rows, parent int) {
		t.Helper()
		if err := db.QueryRowContext(ctx, `SELECT (SELECT n FROM counts WHERE what = 'rows'), (SELECT n FROM counts WHERE what = 'parent')`).Scan(&rows, &parent); err != nil {
			t.Fatal(err)
		}
		_, err := db.ExecContext(ctx, `UPDATE counts SET n = 0`)
		if err != nil {
			t.Fatal(err)
		}
		return rows, parent
	}
	// 700 rows: two upsert statements (500 and 100) and a short one.
	const n = 700
	parent := func(id int64) any {
		if id%3 == 0 {
			return id - 1
		}
		return nil
	}
	var first []bs.Row
	for id := int64(1); id <= n; id++ {
		first = append(first, writeRow(id, parent(id), "v0", 0))
	}
	res, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: first})
	if err != nil || res != (bs.WriteResult{Inserted: n}) {
		t.Fatalf("first write: %+v, %v", res, err)
	}
	counts()

	// The same rows again: nothing is updated.
	res, err = d.Write(ctx, bs.Batch{Table: tb, Upserts: first})
	if err != nil || res != (bs.WriteResult{}) {
		t.Fatalf("unchanged write: %+v, %v; want nothing inserted or updated", res, err)
	}
	if rows, par := counts(); rows != 0 || par != 0 {
		t.Errorf("unchanged write updated %d rows, set ParentIssueId %d times; want 0, 0", rows, par)
	}

	// Row i: a new Summary and Updated when i%2 == 0; ParentIssueId
	// changed (NULL → value, value → NULL, value → other) when i%50 == 1;
	// 5 new rows; and key 10 twice (early and late in the batch), the
	// later row winning.
	want := map[int64]bs.Row{}
	for _, r := range first {
		want[r[1].(int64)] = r
	}
	var second []bs.Row
	wantRows, wantParent, parentOnly := 0, 0, 0
	for id := int64(1); id <= n; id++ {
		r := writeRow(id, parent(id), "v0", 0)
		changed := false
		if id%2 == 0 {
			r = writeRow(id, r[2], "v1", 1)
			changed = true
		}
		if id%50 == 1 {
			switch id % 3 {
			case 0:
				r[2] = nil
			case 1:
				r[2] = int64(7)
			case 2:
				r[2] = id + 1000
			}
			if !changed {
				parentOnly++
			}
			changed = true
			wantParent++
		}
		if changed {
			wantRows++
		}
		second = append(second, r)
		want[id] = r
	}
	for id := int64(n + 1); id <= n+5; id++ {
		r := writeRow(id, int64(3), "new", 2)
		second = append(second, r)
		want[id] = r
	}
	// Key 10 again, late: its ParentIssueId (NULL before) and Summary change.
	late := writeRow(10, int64(9), "late", 3)
	second = append(second, late)
	want[10] = late
	wantParent++
	res, err = d.Write(ctx, bs.Batch{Table: tb, Upserts: second})
	if err != nil || res != (bs.WriteResult{Inserted: 5, Updated: int64(wantRows)}) {
		t.Fatalf("second write: %+v, %v; want 5 inserted, %d updated", res, err, wantRows)
	}
	rows, par := counts()
	// Key 10's late row is the only one written (one row per stored key
	// across the batch's statements, not per statement): its upsert and
	// its ParentIssueId, set later, are the one update more than a row
	// per change, and its late ParentIssueId is set once. A row whose
	// only change is its ParentIssueId is updated twice: by the upsert,
	// whose WHERE compares ParentIssueId too so that the row counts as
	// changed (its SET leaves ParentIssueId alone), then by the statement
	// that sets ParentIssueId.
	if want := wantRows + 1 + parentOnly; rows != want || par != wantParent {
		t.Errorf("second write updated %d rows, set ParentIssueId %d times; want %d, %d", rows, par, want, wantParent)
	}
	got := map[int64]string{}
	q, err := db.QueryContext(ctx, `SELECT Id, ParentIssueId, Summary, Updated FROM "Issues"`)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for q.Next() {
		var id int64
		var p, s, u any
		if err := q.Scan(&id, &p, &s, &u); err != nil {
			t.Fatal(err)
		}
		got[id] = fmt.Sprint(p, s, u)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows stored; want %d", len(got), len(want))
	}
	for id, r := range want {
		if w := fmt.Sprint(r[2], r[3], r[4]); got[id] != w {
			t.Errorf("row %d = %s; want %s", id, got[id], w)
		}
	}
}
