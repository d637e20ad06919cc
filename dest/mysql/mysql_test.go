package mysql_test

import (
	"context"
	"github.com/backlogsync/backlogsync/internal/dbtest"
	"testing"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/mysql"
	driver "github.com/go-sql-driver/mysql"
)

// testDSN returns the test server's DSN (skipped, or failed under CI=true,
// without one).
func testDSN(t *testing.T) string { return dbtest.ServerDSN(t, dsnVar) }

const dsnVar = dbtest.MySQLVar

func TestConformance(t *testing.T) {
	dsn := testDSN(t)
	desttest.Run(t, func(t *testing.T) bs.Destination {
		d, err := mysql.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}, desttest.Opt{}) // invalid UTF-8, once refused by the strict sql_mode, is altered (Storable)
}

// TestCountsWithClientFoundRows: a DSN asking for clientFoundRows=true,
// under which MySQL counts a row set to the values it has as affected,
// still counts only the rows that changed (Open turns it off).
func TestCountsWithClientFoundRows(t *testing.T) {
	ctx := context.Background()
	cfg, err := driver.ParseDSN(dbtest.MySQL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClientFoundRows = true
	d, err := mysql.Open(ctx, cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tb := &bs.Table{Name: "Counts", PrimaryKey: []string{"Id"}, Columns: []bs.Column{
		{Name: "Id", Type: bs.TypeInt}, {Name: "Summary", Type: bs.TypeText, Nullable: true}}}
	if err := d.Migrate(ctx, tb); err != nil {
		t.Fatal(err)
	}
	// Ten rows: statements of five, each with more than one unchanged
	// row (their affected rows would add up to a changed row's 2).
	var rows []bs.Row
	for id := range int64(10) {
		rows = append(rows, bs.Row{id, "v1"})
	}
	if res, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: rows}); err != nil || res != (bs.WriteResult{Inserted: 10}) {
		t.Fatalf("first write: %+v, %v; want 10 inserted", res, err)
	}
	rows[1] = bs.Row{int64(1), "v2"}
	if res, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: rows}); err != nil || res != (bs.WriteResult{Updated: 1}) {
		t.Errorf("second write: %+v, %v; want 1 updated (9 rows unchanged)", res, err)
	}
}
