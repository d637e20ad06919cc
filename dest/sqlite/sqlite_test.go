package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/sqldb"
	"github.com/backlogsync/backlogsync/dest/sqlite"
)

func TestConformance(t *testing.T) {
	desttest.Run(t, func(t *testing.T) bs.Destination {
		d, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}, desttest.Opt{})
}

func open(t *testing.T, path string) *sqldb.DB {
	t.Helper()
	d, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var ctx = context.Background()

func TestPragmas(t *testing.T) {
	d := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer d.Close()
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "1", "foreign_keys": "0", "busy_timeout": "10000",
		"cache_size": "-16384", "wal_autocheckpoint": "10000"} {
		var got string
		if err := d.SQL().QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}
}

// TestStorage checks what SQLite tools and BI drivers see: declared types,
// the stored representation of each type, the internal tables and the
// cursor index.
func TestStorage(t *testing.T) {
	d := open(t, filepath.Join(t.TempDir(), "s.db"))
	defer d.Close()
	tb := &bs.Table{Name: "PROD.Issues", PrimaryKey: []string{"Id"}, CursorColumn: "Updated", Columns: []bs.Column{
		{Name: "Id", Type: bs.TypeInt}, {Name: "Hours", Type: bs.TypeFloat, Nullable: true}, {Name: "Flag", Type: bs.TypeBool, Nullable: true},
		{Name: "Due", Type: bs.TypeDate, Nullable: true}, {Name: "Updated", Type: bs.TypeTimestamp, Nullable: true},
		{Name: "Custom", Type: bs.TypeJSON, Nullable: true}, {Name: "Summary", Type: bs.TypeText, Nullable: true}}}
	if err := d.Migrate(ctx, tb); err != nil {
		t.Fatal(err)
	}
	jst := time.FixedZone("JST", 9*3600)
	if _, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: []bs.Row{{int64(1), 1.5, true,
		time.Date(2024, 3, 1, 0, 0, 0, 0, jst), time.Date(2024, 3, 1, 9, 30, 15, 5, jst), "1.0", "007"}}}); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := d.SQL().QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE name = 'PROD.Issues'`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	want := `CREATE TABLE "PROD.Issues" ("Id" INTEGER NOT NULL, "Hours" REAL, "Flag" BOOLEAN, "Due" DATE, "Updated" TIMESTAMP, "Custom" TEXT, "Summary" TEXT, PRIMARY KEY ("Id"))`
	if schema != want {
		t.Errorf("schema:\n got %s\nwant %s", schema, want)
	}
	var raw string
	q := `SELECT typeof(Hours)||Hours||'|'||typeof(Flag)||Flag||'|'||typeof(Due)||Due||'|'||typeof(Updated)||Updated||'|'||typeof(Custom)||Custom||'|'||typeof(Summary)||Summary FROM "PROD.Issues"`
	if err := d.SQL().QueryRowContext(ctx, q).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if want := "real1.5|integer1|text2024-03-01|text2024-03-01T00:30:15Z|text1.0|text007"; raw != want {
		t.Errorf("stored values %s; want %s", raw, want)
	}
	var names []string
	rows, err := d.SQL().QueryContext(ctx, `SELECT type||' '||name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	wantNames := "index PROD.Issues_Updated_idx,index _backlogsync_runs_job_idx,table PROD.Issues,table _backlogsync_checkpoints,table _backlogsync_leases,table _backlogsync_run_tables,table _backlogsync_run_warnings,table _backlogsync_runs"
	if got := strings.Join(names, ","); got != wantNames {
		t.Errorf("schema objects:\n got %s\nwant %s", got, wantNames)
	}
}

// TestReopen checks that rows, checkpoints and runs survive closing the
// file, and that opening an existing file does not recreate anything.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	d := open(t, path)
	tb := &bs.Table{Name: "Users", PrimaryKey: []string{"Id"}, Columns: []bs.Column{{Name: "Id", Type: bs.TypeInt}, {Name: "Name", Type: bs.TypeText}}}
	if err := d.Migrate(ctx, tb); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: []bs.Row{{int64(1), "山田"}}, Checkpoint: &bs.Checkpoint{Scope: "s", Key: "Users", Value: "v"}}); err != nil {
		t.Fatal(err)
	}
	id, err := d.StartRun(ctx, bs.Run{Job: "j", Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	d = open(t, path)
	defer d.Close()
	var got []bs.Row
	if err := d.Query(ctx, "Users", bs.Query{}, func(r bs.Row) error { got = append(got, r); return nil }); err != nil || len(got) != 1 || got[0][1] != "山田" {
		t.Errorf("rows after reopen: %v, %v", got, err)
	}
	if v, ok, _ := d.Checkpoint(ctx, "s", "Users"); v != "v" || !ok {
		t.Errorf("checkpoint after reopen: %q %v", v, ok)
	}
	if runs, _ := d.Runs(ctx, "j", 0); len(runs) != 1 || runs[0].ID != id {
		t.Errorf("runs after reopen: %+v", runs)
	}
	if id2, _ := d.StartRun(ctx, bs.Run{Job: "j"}); id2 != id+1 {
		t.Errorf("next run id %d; want %d", id2, id+1)
	}
}

// TestConcurrentWriters writes from several goroutines through two handles
// on one file: transactions begin IMMEDIATE and wait on busy_timeout, so none
// fails with SQLITE_BUSY.
func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	a, b := open(t, path), open(t, path)
	defer a.Close()
	defer b.Close()
	tb := &bs.Table{Name: "T", PrimaryKey: []string{"Id"}, Columns: []bs.Column{{Name: "Id", Type: bs.TypeInt}, {Name: "N", Type: bs.TypeInt}}}
	if err := a.Migrate(ctx, tb); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		d := a
		if g%2 == 1 {
			d = b
		}
		wg.Go(func() {
			for i := range 25 {
				id := int64(g*1000 + i)
				if _, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: []bs.Row{{id, int64(i)}},
					Checkpoint: &bs.Checkpoint{Scope: "g", Key: fmt.Sprint(g), Value: fmt.Sprint(i)}}); err != nil {
					errs <- err
					return
				}
				if err := d.Query(ctx, "T", bs.Query{Filter: bs.Cmp{Column: "Id", Op: bs.OpEq, Value: id}}, func(bs.Row) error { return nil }); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n := 0
	a.Query(ctx, "T", bs.Query{}, func(bs.Row) error { n++; return nil })
	if n != 200 {
		t.Errorf("%d rows; want 200", n)
	}
}

func TestMemory(t *testing.T) {
	d := open(t, ":memory:")
	defer d.Close()
	tb := &bs.Table{Name: "T", PrimaryKey: []string{"Id"}, Columns: []bs.Column{{Name: "Id", Type: bs.TypeInt}}}
	if err := d.Migrate(ctx, tb); err != nil {
		t.Fatal(err)
	}
	if res, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: []bs.Row{{int64(1)}, {int64(2)}}}); err != nil || res.Inserted != 2 {
		t.Fatalf("write: %+v %v", res, err)
	}
	ts, err := d.Tables(ctx)
	if err != nil || len(ts) != 1 || ts[0].Name != "T" {
		t.Errorf("Tables = %v, %v", ts, err)
	}
}

// TestMemoryLargeBatch writes full-size statements on the single connection
// of a :memory: database (the statement cache must not wait for a second
// connection).
func TestMemoryLargeBatch(t *testing.T) {
	d := open(t, ":memory:")
	defer d.Close()
	tb := &bs.Table{Name: "T", PrimaryKey: []string{"Id"}, Columns: []bs.Column{{Name: "Id", Type: bs.TypeInt}}}
	if err := d.Migrate(ctx, tb); err != nil {
		t.Fatal(err)
	}
	var rows []bs.Row
	for i := range int64(1200) {
		rows = append(rows, bs.Row{i})
	}
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for range 2 {
		if _, err := d.Write(c, bs.Batch{Table: tb, Upserts: rows}); err != nil {
			t.Fatal(err)
		}
	}
}

// ReadOnly tells a write refused by a read-only database from other errors,
// through the wrapping the destination adds.
func TestReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ro.db")
	d := open(t, path)
	if _, err := d.Lease(ctx, "job/acct", time.Minute); err != nil {
		t.Fatal(err)
	}
	d.Close()
	ro, err := sqlite.Open(ctx, "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = ro.Lease(ctx, "other/acct", time.Minute)
	if err == nil || !sqlite.ReadOnly(err) {
		t.Errorf("lease on a read-only database: %v; ReadOnly = false", err)
	}
	if sqlite.ReadOnly(fmt.Errorf("wrapped: %w", bs.Errorf(bs.EINVALID, "attempt to write a readonly database"))) {
		t.Errorf("ReadOnly is true for an error that only reads like one")
	}
	if sqlite.ReadOnly(nil) {
		t.Errorf("ReadOnly(nil) = true")
	}
}
