package mysql_test

import (
	"context"
	"github.com/backlogsync/backlogsync/internal/dbtest"
	"testing"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/mysql"
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
