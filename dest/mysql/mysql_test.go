package mysql_test

import (
	"context"
	"os"
	"testing"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/mysql"
)

const dsnVar = "BACKLOGSYNC_TEST_MYSQL_DSN"

// testDSN returns the test server's DSN, skipping the test when it is not
// set — or failing it under CI=true, where a missing server is an error.
func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; under CI=true the MySQL/MariaDB tests must run (start a server with scripts/dbserver)", dsnVar)
		}
		t.Skipf("%s is not set (eval \"$(scripts/dbserver)\" starts a server)", dsnVar)
	}
	return dsn
}

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
