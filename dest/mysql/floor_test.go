package mysql_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/mysql"
)

// BenchmarkEngineFloor is desttest.BenchEngineFloor for MariaDB/MySQL (the
// same driver, session settings and migrated table as BenchmarkWriteFull
// and BenchmarkWriteIncremental). The load is plain multi-row INSERTs (500
// rows a statement). The updates set the 4 changed columns by key with a
// prepared "UPDATE … SET … WHERE <key>" per row ("row", a round trip each),
// or two "UPDATE t JOIN (<490 rows>) v ON <key> SET …" whose derived table
// is "SELECT ? AS c1, … UNION ALL SELECT ?, …" ("union") or "WITH v(c1, …)
// AS (VALUES (?, …), …) SELECT * FROM v", the first row's placeholders
// cast ("values"). "union-all" is "union" setting every non-key column,
// as a write path that does not know which columns changed must (its
// upsert does): a write path could only reach the 4-column forms by
// reading the stored rows first.
//
// With BENCH_MYSQL_SERVER_PID set to a local server's process id, it also
// reports the server's CPU (every thread of it, and any other client's
// work). Sub-benchmarks: "indexes" or "pk-only", then the form.
//
//	BENCH_MYSQL_SERVER_PID=$(pidof mariadbd) go test -run '^$' -bench EngineFloor -benchtime 1x ./dest/mysql
func BenchmarkEngineFloor(b *testing.B) {
	forms := []string{"row", "union", "values", "union-all"}
	desttest.BenchEngineFloor(b, &catalog.MustLookup("Issues").Table, forms, openFloor)
}

// openFloor opens the test database for one BenchmarkEngineFloor run on
// tb, with the update form form.
func openFloor(b *testing.B, tb *bs.Table, indexes bool, form string) *desttest.FloorRun {
	ctx := context.Background()
	d, conn := desttest.FloorConn(b, mysql.Open, dsnVar, tb)
	enc := &mysql.Dialect{}
	table := enc.QuoteIdent(tb.Name)
	if !indexes {
		for _, n := range desttest.FloorNames(b, conn, `SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY'`, tb.Name) {
			if _, err := conn.ExecContext(ctx, "DROP INDEX "+enc.QuoteIdent(n)+" ON "+table); err != nil {
				b.Fatal(err)
			}
		}
	}
	var left, primary int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(DISTINCT CASE WHEN INDEX_NAME <> 'PRIMARY' THEN INDEX_NAME END), COUNT(DISTINCT CASE WHEN INDEX_NAME = 'PRIMARY' THEN INDEX_NAME END) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, tb.Name).Scan(&left, &primary); err != nil {
		b.Fatal(err)
	}
	if indexes != (left > 0) || primary != 1 {
		b.Fatalf("%d secondary indexes on the table, %d primary keys; want them only in the \"indexes\" run, and a primary key", left, primary)
	}
	insert, err := conn.PrepareContext(ctx, desttest.FloorInsert(enc, tb))
	if err != nil {
		b.Fatal(err)
	}

	// The columns set, then the key, as desttest.FloorArgs orders them;
	// v's columns are c1…c6 (more for "union-all").
	changed := desttest.FloorChanged
	if form == "union-all" {
		form = "union"
		changed = map[string]bool{}
		for _, c := range tb.Columns {
			if !desttest.FloorKey[c.Name] {
				changed[c.Name] = true
			}
		}
	}
	var set, rowSet, casts []string
	for _, only := range []map[string]bool{changed, desttest.FloorKey} {
		for _, c := range tb.Columns {
			if !only[c.Name] {
				continue
			}
			casts = append(casts, floorCast(c.Type))
			if len(casts) <= len(changed) {
				set = append(set, fmt.Sprintf("t.%s = v.c%d", enc.QuoteIdent(c.Name), len(casts)))
				rowSet = append(rowSet, enc.QuoteIdent(c.Name)+" = ?")
			}
		}
	}
	var upd string
	perUpd := 1
	switch form {
	case "row":
		upd = "UPDATE " + table + " SET " + strings.Join(rowSet, ", ") + " WHERE `Account` = ? AND `Id` = ?"
	case "union", "values":
		perUpd = desttest.FloorUpdates / 2
		var derived string
		if form == "union" {
			var first, other []string
			for i := range casts {
				first = append(first, fmt.Sprintf("? AS c%d", i+1))
				other = append(other, "?")
			}
			rs := []string{"SELECT " + strings.Join(first, ", ")}
			for range perUpd - 1 {
				rs = append(rs, "SELECT "+strings.Join(other, ", "))
			}
			derived = strings.Join(rs, " UNION ALL ")
		} else {
			// A VALUES table takes its column types from its first row,
			// so placeholders there are cast to wide ones.
			derived = "WITH v(c1, c2, c3, c4, c5, c6) AS (VALUES (" + strings.Join(casts, ", ") + ")" + strings.Repeat(", (?, ?, ?, ?, ?, ?)", perUpd-1) + ") SELECT * FROM v"
		}
		upd = "UPDATE " + table + " AS t JOIN (" + derived + ") AS v ON t.`Account` = v.c" + fmt.Sprint(len(casts)-1) + " AND t.`Id` = v.c" + fmt.Sprint(len(casts)) + " SET " + strings.Join(set, ", ")
	}
	update, err := conn.PrepareContext(ctx, upd)
	if err != nil {
		b.Fatal(err)
	}
	run := &desttest.FloorRun{
		Load: func(rows []bs.Row) func() {
			return desttest.FloorTx(b, conn, insert, desttest.FloorArgs(enc, tb, rows, desttest.FloorPerStmt), -1)
		},
		Update: func(rows []bs.Row) func() {
			args := desttest.FloorArgs(enc, tb, rows, perUpd, changed, desttest.FloorKey)
			return desttest.FloorTx(b, conn, update, args, int64(perUpd))
		},
		Count: func(pattern string) (n int, err error) {
			err = conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE `Summary` LIKE ? AND `Updated` > '2021-01-01'", pattern).Scan(&n)
			return n, err
		},
		Close: func() { desttest.FloorClose(b, d, conn, tb, update, insert) },
	}
	if pid := os.Getenv("BENCH_MYSQL_SERVER_PID"); pid != "" {
		run.ServerCPU = func() (time.Duration, bool) {
			return time.Duration(processCPUms(b, pid) * float64(time.Millisecond)), true
		}
	}
	return run
}

// floorCast is a placeholder cast to a type wide enough for the column
// values of t a VALUES table's column must hold: MariaDB sizes that column
// by its first row (a prepared BIGINT or CHAR cast included, hence DECIMAL
// and a length).
func floorCast(t bs.Type) string {
	switch t {
	case bs.TypeInt:
		return "CAST(? AS DECIMAL(20, 0))"
	case bs.TypeTimestamp:
		return "CAST(? AS DATETIME(6))"
	case bs.TypeText:
		return "CAST(? AS CHAR(255))"
	}
	return "?" // not in the "values" form's columns; "union" does not cast
}
