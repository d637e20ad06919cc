package mysql_test

import (
	"context"
	"database/sql"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/mysql"
	"github.com/backlogsync/backlogsync/internal/cputime"
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

// BenchmarkWriteFull: desttest.BenchWriteFull (100,000 rows, batches of
// 1,000). BENCH_MYSQL_COUNTERS=1 adds the server counters (benchCounters).
func BenchmarkWriteFull(b *testing.B) {
	desttest.BenchWriteFullCounting(b, &catalog.MustLookup("Issues").Table, openBench, benchCounters(b))
}

// BenchmarkWriteIncremental: desttest.BenchWriteIncremental.
// BENCH_MYSQL_COUNTERS=1 adds the server counters (benchCounters).
func BenchmarkWriteIncremental(b *testing.B) {
	desttest.BenchWriteIncrementalCounting(b, &catalog.MustLookup("Issues").Table, openBench, benchCounters(b))
}

// serverCounters are the SHOW GLOBAL STATUS counters the write benchmarks
// report per row with BENCH_MYSQL_COUNTERS=1: statements and round trips
// (Questions counts every statement, Com_stmt_execute the prepared ones),
// rows the handlers touched, buffer-pool misses (Innodb_buffer_pool_reads:
// pages read from disk) and bytes written (Innodb_data_written, including
// the doublewrite buffer; Innodb_os_log_written, the redo log). They are
// the whole server's: on a shared server other clients' work counts too.
// With BENCH_MYSQL_SERVER_PID set to a local server's process id,
// server-cpu-ms/row is that process's CPU time (every thread: connections,
// page cleaners, purge) per row.
var serverCounters = []string{
	"Questions", "Com_stmt_execute", "Com_select", "Com_insert", "Com_delete", "Com_commit",
	"Handler_read_key", "Handler_read_rnd_next", "Handler_write", "Handler_update", "Handler_delete",
	"Innodb_buffer_pool_read_requests", "Innodb_buffer_pool_reads", "Innodb_buffer_pool_write_requests",
	"Innodb_data_written", "Innodb_os_log_written", "Innodb_data_fsyncs", "Innodb_pages_written",
}

// processCPUms returns the CPU time (user and system, all threads) of the
// local process pid so far, in milliseconds (cputime.Process).
func processCPUms(b *testing.B, pid string) float64 {
	n, err := strconv.Atoi(pid)
	if err != nil {
		b.Fatalf("BENCH_MYSQL_SERVER_PID=%q: want the server's process id, e.g. $(pidof mariadbd)", pid)
	}
	d, err := cputime.Process(n)
	if err != nil {
		b.Fatalf("BENCH_MYSQL_SERVER_PID=%s: %v (the server must run on this machine)", pid, err)
	}
	return float64(d) / float64(time.Millisecond)
}

// benchCounters returns, with BENCH_MYSQL_COUNTERS=1, a reader of the
// serverCounters of the test server; else nil.
func benchCounters(b *testing.B) desttest.BenchCounters {
	dsn := os.Getenv(dsnVar)
	if os.Getenv("BENCH_MYSQL_COUNTERS") != "1" || dsn == "" {
		return nil
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	pid := os.Getenv("BENCH_MYSQL_SERVER_PID")
	q := "SHOW GLOBAL STATUS WHERE Variable_name IN ('" + strings.Join(serverCounters, "', '") + "')"
	return func(b *testing.B) map[string]float64 {
		rows, err := db.Query(q)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		out := map[string]float64{}
		for rows.Next() {
			var name, value string
			if err := rows.Scan(&name, &value); err != nil {
				b.Fatal(err)
			}
			if out[name], err = strconv.ParseFloat(value, 64); err != nil {
				b.Fatalf("%s = %q: %v", name, value, err)
			}
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		if len(out) != len(serverCounters) {
			b.Fatalf("SHOW GLOBAL STATUS returned %d of the %d counters", len(out), len(serverCounters))
		}
		if pid != "" {
			out["server-cpu-ms"] = processCPUms(b, pid)
		}
		return out
	}
}
