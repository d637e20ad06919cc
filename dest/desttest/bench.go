package desttest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/cputime"
)

// Write benchmarks shared by every destination: each destination's
// bench_test.go supplies how to open a fresh destination with a migrated
// table, so the numbers of SQLite, PostgreSQL and MySQL are comparable.
//
//	go test -run '^$' -bench . -benchtime 1x ./dest/sqlite/ ./dest/postgres/ ./dest/mysql/

// BenchTable returns a copy of def (the catalog's Issues table: its
// columns, key and cursor column, passed in by the destination's benchmark
// so that this package does not depend on the catalog) named name.
func BenchTable(def *bs.Table, name string) *bs.Table {
	t := *def
	t.Columns = append([]bs.Column(nil), def.Columns...)
	t.PrimaryKey = append([]string(nil), def.PrimaryKey...)
	return t.Renamed(bs.TableName{Name: name})
}

// benchIDBase offsets the benchmark's issue ids, as Backlog's are (nine
// digits and up).
const benchIDBase = 1_000_000_000

var description = strings.Repeat("再現手順: ログイン後に課題一覧を開くと 500 が返る。Steps to reproduce: open the issue list after logging in. ", 5)

// BenchRow returns the row of issue n (1-based) of a BenchTable at the
// given version (the version changes the summary, the status and the
// Updated time: version 0's is its Created, a later one's is later than
// any earlier version's of every row), with values as Backlog sends them: Japanese text, a
// description of about 700 bytes, some NULL dates and users, fractional
// hours. Columns are filled by name, so a catalog change adds NULLs or
// type defaults rather than breaking the benchmark.
func BenchRow(t *bs.Table, n int64, version int) bs.Row {
	id := benchIDBase + n
	project := n%20 + 1
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)
	updated := created
	if version > 0 {
		// A later version is what an incremental run writes: rows whose
		// Updated passed the cursor, so later than every stored row's
		// (the load's span ends in March 2020), each version's within its
		// own hour, in no relation to the key order.
		updated = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(version)*time.Hour + time.Duration(n%3600)*time.Second)
	}
	statuses := []string{"未対応", "処理中", "処理済み", "完了"}
	status := (n + int64(version)) % 4
	r := make(bs.Row, len(t.Columns))
	for i, c := range t.Columns {
		var v any
		switch c.Name {
		case "Account":
			v = "acme"
		case "Id":
			v = id
		case "ProjectId":
			v = project
		case "IssueKey":
			v = fmt.Sprintf("PROJ%d-%d", project, n)
		case "KeyId":
			v = n
		case "IssueTypeId":
			v = n%4 + 1
		case "IssueTypeName":
			v = "バグ"
		case "Summary":
			v = fmt.Sprintf("課題 %d の件名 v%d 🎉", n, version)
		case "Description":
			v = description
		case "ResolutionId", "ResolutionName", "DueDate", "ParentIssueId":
			if n%10 == 0 {
				switch c.Type {
				case bs.TypeInt:
					v = id - 1
				case bs.TypeText:
					v = "対応済み"
				case bs.TypeDate:
					v = time.Date(2024, 3, int(n%28)+1, 0, 0, 0, 0, time.UTC)
				}
			}
		case "PriorityId":
			v = int64(3)
		case "PriorityName":
			v = "中"
		case "StatusId":
			v = status + 1
		case "StatusName":
			v = statuses[status]
		case "AssigneeId", "AssigneeName":
			if n%7 != 0 {
				if c.Type == bs.TypeInt {
					v = n%50 + 1
				} else {
					v = "山田 太郎"
				}
			}
		case "StartDate":
			v = time.Date(2024, 1, int(n%28)+1, 0, 0, 0, 0, time.UTC)
		case "EstimatedHours":
			v = float64(n%16) / 4
		case "ActualHours":
			v = float64(n%9) * 0.25
		case "CreatedUserId", "UpdatedUserId":
			v = n%30 + 1
		case "CreatedUserName", "UpdatedUserName":
			v = "佐藤 花子"
		case "Created":
			v = created
		case "Updated":
			v = updated
		default:
			if !c.Nullable {
				v = zeroValue(c.Type)
			}
		}
		r[i] = v
	}
	return r
}

func zeroValue(t bs.Type) any {
	switch t {
	case bs.TypeInt:
		return int64(0)
	case bs.TypeFloat:
		return 0.0
	case bs.TypeBool:
		return false
	case bs.TypeDate, bs.TypeTimestamp:
		return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	case bs.TypeJSON:
		return `{}`
	}
	return ""
}

// benchKey returns the primary key of issue n of a BenchTable.
func benchKey(t *bs.Table, n int64) []any {
	r := BenchRow(t, n, 0)
	key := make([]any, len(t.PrimaryKey))
	for i, k := range t.PrimaryKey {
		_, j := t.Column(k)
		key[i] = r[j]
	}
	return key
}

// BenchOpen opens a destination for a benchmark, with t already migrated,
// and registers its cleanup on b.
type BenchOpen func(b *testing.B, t *bs.Table) bs.Destination

// BenchCounters reads a database server's cumulative counters (MySQL's
// SHOW GLOBAL STATUS, say) by name. The benchmarks that take one read it
// before and after their timed part and report each counter's growth per
// row (name+"/row"), so that a benchmark shows where a server spends its
// time — pages read, rows touched, statements — not only how long it took.
type BenchCounters func(b *testing.B) map[string]float64

// reportCounters reports the growth of each counter from before to after,
// per row.
func reportCounters(b *testing.B, before, after map[string]float64, rows int) {
	if rows == 0 {
		return
	}
	for name, v := range after {
		b.ReportMetric((v-before[name])/float64(rows), name+"/row")
	}
}

const benchRows, benchBatch = 100_000, 1_000

// load writes issues 1…benchRows into t in batches of benchBatch, each with
// a checkpoint.
func load(b *testing.B, d bs.Destination, t *bs.Table) {
	ctx := context.Background()
	rows := make([]bs.Row, benchBatch)
	for first := int64(1); first <= benchRows; first += benchBatch {
		for i := range rows {
			rows[i] = BenchRow(t, first+int64(i), 0)
		}
		cp := &bs.Checkpoint{Scope: "bench", Key: t.Name, Value: fmt.Sprint(first)}
		res, err := d.Write(ctx, bs.Batch{Table: t, Upserts: rows, Checkpoint: cp})
		if err != nil {
			b.Fatal(err)
		}
		if res.Inserted != benchBatch {
			b.Fatalf("batch at %d inserted %d rows; want %d", first, res.Inserted, benchBatch)
		}
	}
}

// BenchWriteFull loads 100,000 rows of def (the catalog's Issues table) in
// batches of 1,000, each with a checkpoint, into a fresh table; it reports
// rows/s and the process's peak RSS.
func BenchWriteFull(b *testing.B, def *bs.Table, open BenchOpen) {
	BenchWriteFullCounting(b, def, open, nil)
}

// BenchWriteFullCounting is BenchWriteFull reporting, besides, the growth
// of the server's counters per row (see BenchCounters; nil reports none).
func BenchWriteFullCounting(b *testing.B, def *bs.Table, open BenchOpen, counters BenchCounters) {
	var elapsed, cpu time.Duration
	grown := map[string]float64{}
	for b.Loop() {
		b.StopTimer()
		tb := BenchTable(def, fmt.Sprintf("Bench_Issues_%d", time.Now().UnixNano()))
		d := open(b, tb)
		var before map[string]float64
		if counters != nil {
			before = counters(b)
		}
		b.StartTimer()
		start, cpu0 := time.Now(), cputime.Self()
		load(b, d, tb)
		elapsed += time.Since(start)
		cpu += cputime.Self() - cpu0
		if counters != nil {
			b.StopTimer()
			for name, v := range counters(b) {
				grown[name] += v - before[name]
			}
			b.StartTimer()
		}
	}
	reportCounters(b, nil, grown, benchRows*b.N)
	b.ReportMetric(float64(benchRows*b.N)/elapsed.Seconds(), "rows/s")
	reportCPU(b, cpu, benchRows*b.N)
	if rss := maxRSSMiB(); rss > 0 {
		b.ReportMetric(rss, "peak-RSS-MiB")
	}
}

// Incremental batches: each is 1% of the 100,000-row table — 980 updates
// of issues scattered over the key range, 10 re-inserts of the issues the
// previous batch deleted and 10 scattered deletes — with a checkpoint.
const incUpdates, incDeletes = 980, 10

// incUpdated returns the k-th (0 ≤ k < 99,000) issue that incremental
// batches update: every issue but the multiples of 100, which are the ones
// they delete and re-insert.
func incUpdated(k int64) int64 { return k/99*100 + k%99 + 1 }

// BenchWriteIncremental loads 100,000 rows of def (the catalog's Issues table),
// then times incremental batches (see incUpdates); it reports rows/s
// (upserts and deletes) and the process's peak RSS.
func BenchWriteIncremental(b *testing.B, def *bs.Table, open BenchOpen) {
	BenchWriteIncrementalCounting(b, def, open, nil)
}

// BenchWriteIncrementalCounting is BenchWriteIncremental reporting, besides,
// the growth of the server's counters per row over the incremental batches
// (see BenchCounters; nil reports none).
func BenchWriteIncrementalCounting(b *testing.B, def *bs.Table, open BenchOpen, counters BenchCounters) {
	ctx := context.Background()
	tb := BenchTable(def, fmt.Sprintf("Bench_Issues_%d", time.Now().UnixNano()))
	d := open(b, tb)
	load(b, d, tb)
	var deleted []int64
	version, total := 0, 0
	var elapsed, cpu time.Duration
	var before map[string]float64
	if counters != nil {
		before = counters(b)
	}
	for b.Loop() {
		version++
		v := int64(version)
		rows := make([]bs.Row, 0, incUpdates+incDeletes)
		for i := range int64(incUpdates) {
			rows = append(rows, BenchRow(tb, incUpdated((i*9973+v*7919)%99_000), version))
		}
		for _, n := range deleted {
			rows = append(rows, BenchRow(tb, n, version))
		}
		reinserted := int64(len(deleted))
		deleted = deleted[:0]
		var keys [][]any
		for j := range int64(incDeletes) {
			n := ((v*incDeletes+j)*37%1000 + 1) * 100 // a multiple of 100, scattered
			deleted = append(deleted, n)
			keys = append(keys, benchKey(tb, n))
		}
		total += len(rows) + len(keys)
		start, cpu0 := time.Now(), cputime.Self()
		res, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: rows, Deletes: keys,
			Checkpoint: &bs.Checkpoint{Scope: "bench", Key: tb.Name, Value: fmt.Sprint(version)}})
		elapsed += time.Since(start)
		cpu += cputime.Self() - cpu0
		if err != nil {
			b.Fatal(err)
		}
		if want := (bs.WriteResult{Inserted: reinserted, Updated: incUpdates, Deleted: incDeletes}); res != want {
			b.Fatalf("batch %d: %+v; want %+v", version, res, want)
		}
	}
	if counters != nil {
		reportCounters(b, before, counters(b), total)
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "rows/s")
	reportCPU(b, cpu, total)
	if rss := maxRSSMiB(); rss > 0 {
		b.ReportMetric(rss, "peak-RSS-MiB")
	}
}

// reportCPU reports the CPU time of this process (all its threads: the
// driver's and, for SQLite, the database engine's) per 1,000 rows, a
// measure that other processes' load on the machine disturbs less than
// rows/s. A server database's own CPU is not included.
func reportCPU(b *testing.B, cpu time.Duration, rows int) {
	if cpu > 0 && rows > 0 {
		b.ReportMetric(cpu.Seconds()*1000/float64(rows)*1000, "cpu-ms/1k-rows")
	}
}
