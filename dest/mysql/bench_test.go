package mysql_test

import (
	"context"
	"os"
	"testing"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/mysql"
)

// openBench opens the test database and migrates t in it; the table is
// dropped when b ends.
func openBench(b *testing.B, t *bs.Table) bs.Destination {
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		b.Skipf("%s is not set", dsnVar)
	}
	ctx := context.Background()
	d, err := mysql.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Migrate(ctx, t); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		d.Drop(ctx, t.Name)
		d.Close()
	})
	return d
}

// BenchmarkWriteFull: desttest.BenchWriteFull (100,000 rows, batches of 1,000).
func BenchmarkWriteFull(b *testing.B) {
	desttest.BenchWriteFull(b, &catalog.MustLookup("Issues").Table, openBench)
}

// BenchmarkWriteIncremental: desttest.BenchWriteIncremental.
func BenchmarkWriteIncremental(b *testing.B) {
	desttest.BenchWriteIncremental(b, &catalog.MustLookup("Issues").Table, openBench)
}
