package sqldb_test

import (
	"testing"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/sqldb"
	"github.com/backlogsync/backlogsync/dest/sqlite"
)

// The generic code is exercised by dest/sqlite's conformance run; this
// checks the DDL it generates.
func TestCreateTableSQL(t *testing.T) {
	tb := &bs.Table{Name: "C", PrimaryKey: []string{"ProjectId", "Id"}, Columns: []bs.Column{
		{Name: "ProjectId", Type: bs.TypeInt}, {Name: "Id", Type: bs.TypeInt}, {Name: "Body", Type: bs.TypeText}}}
	got := sqldb.CreateTableSQL(sqlite.Dialect{}, `"C"`, tb)
	want := `CREATE TABLE "C" ("ProjectId" INTEGER NOT NULL, "Id" INTEGER NOT NULL, "Body" TEXT, PRIMARY KEY ("ProjectId", "Id"))`
	if got != want {
		t.Errorf("CreateTableSQL:\n got %s\nwant %s", got, want)
	}
}
