package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/postgres"
)

// openBench opens the test database and migrates t in it; the table is
// dropped when b ends. $BENCH_PG_COPY_THRESHOLD replaces CopyThreshold,
// e.g. BENCH_PG_COPY_THRESHOLD=1000000 to time the multi-row INSERT path.
func openBench(b *testing.B, t *bs.Table) bs.Destination {
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		b.Skipf("%s is not set", dsnVar)
	}
	ctx := context.Background()
	var dialect postgres.Dialect
	if s := os.Getenv("BENCH_PG_COPY_THRESHOLD"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("BENCH_PG_COPY_THRESHOLD=%q: want a positive number of rows", s)
		}
		dialect.CopyThreshold = n
	}
	d, err := postgres.OpenWith(ctx, dsn, dialect)
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

// BenchmarkUpsertPath times batches of Issues rows (scattered keys over a
// 10,000-row table, updates and inserts mixed) through the multi-row
// INSERT path and through COPY, per batch size: where COPY starts to win
// is CopyThreshold.
//
//	go test -run '^$' -bench UpsertPath -benchtime 2s ./dest/postgres/
func BenchmarkUpsertPath(b *testing.B) {
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		b.Skipf("%s is not set", dsnVar)
	}
	ctx := context.Background()
	for _, n := range []int{50, 100, 200, 300, 500, 1000} {
		for _, path := range []struct {
			name      string
			threshold int
		}{{"insert", 1 << 30}, {"copy", 1}} {
			b.Run(fmt.Sprintf("rows=%d/%s", n, path.name), func(b *testing.B) {
				d, err := postgres.OpenWith(ctx, dsn, postgres.Dialect{CopyThreshold: path.threshold})
				if err != nil {
					b.Fatal(err)
				}
				tb := desttest.BenchTable(&catalog.MustLookup("Issues").Table, fmt.Sprintf("Bench_Path_%d", time.Now().UnixNano()))
				if err := d.Migrate(ctx, tb); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() {
					d.Drop(ctx, tb.Name)
					d.Close()
				})
				var rows []bs.Row
				for i := range int64(10_000) {
					rows = append(rows, desttest.BenchRow(tb, i+1, 0))
				}
				if _, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: rows}); err != nil {
					b.Fatal(err)
				}
				iter := int64(0)
				batch := make([]bs.Row, n)
				written := 0
				for b.Loop() {
					b.StopTimer()
					iter++
					for i := range batch {
						batch[i] = desttest.BenchRow(tb, (int64(i)*7919+iter*104729)%20_000+1, int(iter))
					}
					b.StartTimer()
					if _, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: batch}); err != nil {
						b.Fatal(err)
					}
					written += n
				}
				b.ReportMetric(float64(written)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
