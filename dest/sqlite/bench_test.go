package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/sqlite"
)

// openBench opens a fresh database file and migrates t in it. Extra DSN
// parameters come from $BENCH_SQLITE_PARAMS, e.g.
// BENCH_SQLITE_PARAMS='_pragma=cache_size(-32768)' to try a larger page cache.
func openBench(b *testing.B, t *bs.Table) bs.Destination {
	ctx := context.Background()
	d, err := sqlite.Open(ctx, "file:"+filepath.Join(b.TempDir(), "bench.db")+"?"+os.Getenv("BENCH_SQLITE_PARAMS"))
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Migrate(ctx, t); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
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
