package postgres_test

import (
	"context"
	"fmt"
	"github.com/backlogsync/backlogsync/internal/dbtest"
	"strings"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/postgres"
	"github.com/backlogsync/backlogsync/dest/sqldb"
)

// testDSN returns the test server's DSN (skipped, or failed under CI=true,
// without one).
func testDSN(t *testing.T) string { return dbtest.ServerDSN(t, dsnVar) }

const dsnVar = dbtest.PostgresVar

func TestConformance(t *testing.T) {
	dsn := testDSN(t)
	desttest.Run(t, func(t *testing.T) bs.Destination {
		d, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}, desttest.Opt{
		BulkRows: postgres.CopyThreshold,
		Rejected: &desttest.Rejected{Type: bs.TypeJSON, Value: "{not json"}, // JSONB refuses it, inside COPY
	})
}

// open opens the test database with the given COPY threshold (0: the
// package's) and closes it when t ends.
func open(t *testing.T, threshold int) *sqldb.DB {
	t.Helper()
	dsn := testDSN(t)
	d, err := postgres.OpenWith(context.Background(), dsn, postgres.Dialect{CopyThreshold: threshold})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// New tables get JSONB, which PostgreSQL's JSON operators and GIN indexes
// work on; a table created with JSON columns (by an earlier version) keeps
// them and is written, through both paths, and read as before.
func TestJSONColumns(t *testing.T) {
	ctx := context.Background()
	for _, threshold := range []int{1000, 2} { // multi-row INSERT, then COPY
		d := open(t, threshold)
		name := fmt.Sprintf("JSONCols_%d_%d", time.Now().UnixNano(), threshold)
		tb := &bs.Table{Name: name, PrimaryKey: []string{"Id"}, Columns: []bs.Column{
			{Name: "Id", Type: bs.TypeInt}, {Name: "New", Type: bs.TypeJSON, Nullable: true}}}
		if err := d.Migrate(ctx, tb); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Drop(ctx, name) })
		// An earlier version's column, created as JSON.
		if _, err := d.SQL().ExecContext(ctx, `ALTER TABLE "`+name+`" ADD COLUMN "Old" JSON`); err != nil {
			t.Fatal(err)
		}
		types := map[string]string{}
		rows, err := d.SQL().QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1`, name)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c, ty string
			rows.Scan(&c, &ty)
			types[c] = ty
		}
		rows.Close()
		if types["New"] != "jsonb" || types["Old"] != "json" {
			t.Fatalf("column types %v; want New jsonb, Old json", types)
		}
		// Migrating with Old as a JSON column keeps its type (no rewrite).
		tb.Columns = append(tb.Columns, bs.Column{Name: "Old", Type: bs.TypeJSON, Nullable: true})
		if err := d.Migrate(ctx, tb); err != nil {
			t.Fatal(err)
		}
		old := `{"b": 1,  "a":[1,2]}` // JSON keeps the text as written
		in := []bs.Row{
			{int64(1), `{"k":"v","n":1}`, old},
			{int64(2), `{"k":"w"}`, `[]`},
			{int64(3), nil, nil},
		}
		if res, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: in}); err != nil || res.Inserted != 3 {
			t.Fatalf("write: %+v, %v", res, err)
		}
		// Written again unchanged: JSON has no equality operator, yet the
		// rows are compared and left as they are.
		before := xmins(t, d, name)
		if res, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: in}); err != nil || res != (bs.WriteResult{}) {
			t.Fatalf("threshold %d: identical rows written again: %+v, %v; want nothing inserted or updated", threshold, res, err)
		}
		if after := xmins(t, d, name); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("threshold %d: identical rows rewritten: row versions %v, then %v", threshold, before, after)
		}
		var got []bs.Row
		err = d.Query(ctx, name, bs.Query{OrderBy: []bs.Order{{Column: "New", Desc: true}}}, func(r bs.Row) error { got = append(got, r); return nil })
		if err != nil {
			t.Fatal(err)
		}
		// JSONB orders an object with more pairs after one with fewer;
		// NULL comes last descending.
		want := []bs.Row{{int64(1), `{"k": "v", "n": 1}`, old}, {int64(2), `{"k": "w"}`, `[]`}, {int64(3), nil, nil}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("threshold %d: rows\n got %q\nwant %q", threshold, got, want)
		}
		// JSONB's containment operator, which a GIN index serves.
		if _, err := d.SQL().ExecContext(ctx, `CREATE INDEX ON "`+name+`" USING GIN ("New")`); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.SQL().QueryRowContext(ctx, `SELECT count(*) FROM "`+name+`" WHERE "New" @> '{"k":"v"}'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("New @> {\"k\":\"v\"}: %d rows, %v; want 1", n, err)
		}
	}
}

// A batch over the COPY threshold that the server refuses mid-COPY (text
// that is not JSON in a JSONB column) fails with PostgreSQL's reason,
// leaves nothing, and the connection it ran on is usable afterwards.
func TestCopyFailure(t *testing.T) {
	ctx := context.Background()
	d := open(t, 10)
	d.SQL().SetMaxOpenConns(1) // the next write runs on the same connection
	name := fmt.Sprintf("CopyFail_%d", time.Now().UnixNano())
	tb := &bs.Table{Name: name, PrimaryKey: []string{"Id"}, Columns: []bs.Column{
		{Name: "Id", Type: bs.TypeInt}, {Name: "S", Type: bs.TypeJSON, Nullable: true}}}
	if err := d.Migrate(ctx, tb); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Drop(ctx, name) })
	var rows []bs.Row
	for i := range int64(100) {
		rows = append(rows, bs.Row{i + 1, `"ok \u0000"`})
	}
	rows[99][1] = "{bad"
	_, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: rows, Checkpoint: &bs.Checkpoint{Scope: name, Key: "k", Value: "v"}})
	if err == nil || !strings.Contains(err.Error(), "json") || !strings.Contains(err.Error(), name) {
		t.Fatalf("write error %v; want PostgreSQL's invalid input syntax for type json, naming the table", err)
	}
	if _, ok, _ := d.Checkpoint(ctx, name, "k"); ok {
		t.Errorf("checkpoint stored by a failed batch")
	}
	rows[99][1] = `"fixed"`
	res, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: rows})
	if err != nil || res.Inserted != 100 {
		t.Fatalf("write after a failed COPY: %+v, %v", res, err)
	}
}
