package desttest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// Write benchmarks shared by every destination: each destination's
// bench_test.go supplies how to open a fresh destination with a migrated
// table, so the numbers of SQLite, PostgreSQL and MySQL are comparable.

// BenchTable returns a table shaped like the catalog's Issues table (40
// columns), named name.
func BenchTable(name string) *bs.Table {
	t := &bs.Table{Name: name, PrimaryKey: []string{"Id"}, CursorColumn: "Updated"}
	add := func(name string, ty bs.Type) {
		t.Columns = append(t.Columns, bs.Column{Name: name, Type: ty, Nullable: name != "Id"})
	}
	add("Id", bs.TypeInt)
	add("ProjectId", bs.TypeInt)
	add("IssueKey", bs.TypeText)
	add("KeyId", bs.TypeInt)
	add("IssueTypeId", bs.TypeInt)
	add("IssueTypeName", bs.TypeText)
	add("IssueTypeColor", bs.TypeText)
	add("Summary", bs.TypeText)
	add("Description", bs.TypeText)
	add("ResolutionId", bs.TypeInt)
	add("ResolutionName", bs.TypeText)
	add("PriorityId", bs.TypeInt)
	add("PriorityName", bs.TypeText)
	add("StatusId", bs.TypeInt)
	add("StatusName", bs.TypeText)
	add("StatusColor", bs.TypeText)
	add("AssigneeId", bs.TypeInt)
	add("AssigneeName", bs.TypeText)
	add("AssigneeUserId", bs.TypeText)
	add("CategoryIds", bs.TypeJSON)
	add("CategoryNames", bs.TypeText)
	add("VersionNames", bs.TypeText)
	add("MilestoneNames", bs.TypeText)
	add("StartDate", bs.TypeDate)
	add("DueDate", bs.TypeDate)
	add("EstimatedHours", bs.TypeFloat)
	add("ActualHours", bs.TypeFloat)
	add("ParentIssueId", bs.TypeInt)
	add("CreatedUserId", bs.TypeInt)
	add("CreatedUserName", bs.TypeText)
	add("Created", bs.TypeTimestamp)
	add("UpdatedUserId", bs.TypeInt)
	add("UpdatedUserName", bs.TypeText)
	add("Updated", bs.TypeTimestamp)
	add("AttachmentCount", bs.TypeInt)
	add("SharedFileCount", bs.TypeInt)
	add("StarCount", bs.TypeInt)
	add("IsParent", bs.TypeBool)
	add("CustomFields", bs.TypeJSON)
	add("Account", bs.TypeText)
	return t
}

var description = strings.Repeat("再現手順: ログイン後に課題一覧を開く。Steps to reproduce the problem. ", 4)

// BenchRow returns row id of a BenchTable at the given version (the
// version changes the summary and the Updated time).
func BenchRow(id int64, version int) bs.Row {
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Minute)
	updated := created.Add(time.Duration(version) * time.Hour)
	var parent any
	if id%10 == 0 {
		parent = id - 1
	}
	return bs.Row{
		id, id%20 + 1, fmt.Sprintf("PROJ%d-%d", id%20+1, id), id, int64(id%4 + 1), "バグ", "#990000",
		fmt.Sprintf("課題 %d の件名 v%d", id, version), description, nil, nil, int64(3), "中", int64(id%4 + 1), "処理中", "#ea2c00",
		id%50 + 1, "山田 太郎", "yamada", `[1,2]`, "UI, API", "v1.0", "Sprint 3",
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), nil, 1.5, 2.25, parent, int64(7), "佐藤 花子", created,
		int64(8), "鈴木 一郎", updated, int64(id % 3), int64(0), int64(id % 5), id%10 == 9,
		`[{"id":1,"name":"Severity","value":"High"}]`, "acme",
	}
}

// BenchOpen opens a destination for a benchmark, with t already migrated,
// and registers its cleanup on b.
type BenchOpen func(b *testing.B, t *bs.Table) bs.Destination

const benchRows, benchBatch = 100_000, 1_000

// BenchWriteFull loads 100,000 issue rows (40 columns) in batches of 1,000,
// each with a checkpoint, into a fresh table; it reports rows/s and the
// process's peak RSS.
func BenchWriteFull(b *testing.B, open BenchOpen) {
	ctx := context.Background()
	rows := make([]bs.Row, benchBatch)
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		tb := BenchTable(fmt.Sprintf("Bench_Issues_%d", time.Now().UnixNano()))
		d := open(b, tb)
		b.StartTimer()
		start := time.Now()
		for first := int64(1); first <= benchRows; first += benchBatch {
			for i := range rows {
				rows[i] = BenchRow(first+int64(i), 0)
			}
			cp := &bs.Checkpoint{Scope: "bench", Key: tb.Name, Value: fmt.Sprint(first)}
			if _, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: rows, Checkpoint: cp}); err != nil {
				b.Fatal(err)
			}
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(benchRows*b.N)/elapsed.Seconds(), "rows/s")
	if rss := maxRSSMiB(); rss > 0 {
		b.ReportMetric(rss, "peak-RSS-MiB")
	}
}

// BenchWriteIncremental upserts one batch of 1,000 rows (spread over the key
// range, all existing) into a 100,000-row table; it reports rows/s and the
// process's peak RSS.
func BenchWriteIncremental(b *testing.B, open BenchOpen) {
	ctx := context.Background()
	tb := BenchTable(fmt.Sprintf("Bench_Issues_%d", time.Now().UnixNano()))
	d := open(b, tb)
	rows := make([]bs.Row, benchBatch)
	for first := int64(1); first <= benchRows; first += benchBatch {
		for i := range rows {
			rows[i] = BenchRow(first+int64(i), 0)
		}
		if _, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: rows}); err != nil {
			b.Fatal(err)
		}
	}
	version := 0
	var elapsed time.Duration
	for b.Loop() {
		version++
		for i := range rows {
			rows[i] = BenchRow(int64((i*97+version*13)%benchRows+1), version)
		}
		start := time.Now()
		res, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: rows, Checkpoint: &bs.Checkpoint{Scope: "bench", Key: tb.Name, Value: fmt.Sprint(version)}})
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if res.Updated != benchBatch {
			b.Fatalf("updated %d; want %d", res.Updated, benchBatch)
		}
	}
	b.ReportMetric(float64(benchBatch*b.N)/elapsed.Seconds(), "rows/s")
	if rss := maxRSSMiB(); rss > 0 {
		b.ReportMetric(rss, "peak-RSS-MiB")
	}
}
