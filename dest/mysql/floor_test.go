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
	"github.com/backlogsync/backlogsync/internal/cputime"
)

// BenchmarkEngineFloor measures MariaDB/MySQL itself — the same driver,
// session settings and migrated table as BenchmarkWriteFull and
// BenchmarkWriteIncremental, but none of backlogsync's write path — to show
// the least an incremental row can cost against a first-load row on this
// engine, whatever the write path does (dest/sqlite's BenchmarkEngineFloor
// is the same for SQLite):
//
//   - load: 100,000 rows into the empty table as plain multi-row INSERTs
//     (500 rows a statement, 1,000 a transaction);
//   - update: 30 transactions of 980 updates of the rows
//     BenchmarkWriteIncremental updates, setting only the 4 columns that
//     changed by key: a prepared "UPDATE … SET … WHERE <key>" per row
//     ("row", a round trip each), or two "UPDATE t JOIN (<490 rows>) v ON
//     <key> SET …" whose derived table is "SELECT ? AS c1, … UNION ALL
//     SELECT ?, …" ("union") or "WITH v(c1, …) AS (VALUES (?, …), …)
//     SELECT * FROM v", the first row's placeholders cast ("values"): no
//     upsert, no lookup of which rows exist, no comparison of unchanged
//     columns. "union-all" is "union" setting every non-key column, as a
//     write path that does not know which columns changed must (its upsert
//     does): a write path could only reach the 4-column forms by reading
//     the stored rows first.
//
// It reports both rates, update-x (the load's rate over the updates'), and
// this process's CPU per 1,000 rows of each; with BENCH_MYSQL_SERVER_PID
// set to a local server's process id, also the server's (every thread of
// it, and any other client's work). Sub-benchmarks: "indexes", the table
// as backlogsync creates it (primary key, Updated and ParentIssueId
// indexes), or "pk-only", without the secondary indexes; then the form.
//
//	BENCH_MYSQL_SERVER_PID=$(pidof mariadbd) go test -run '^$' -bench EngineFloor -benchtime 1x ./dest/mysql
func BenchmarkEngineFloor(b *testing.B) {
	for _, indexes := range []string{"indexes", "pk-only"} {
		for _, form := range []string{"row", "union", "values", "union-all"} {
			b.Run(indexes+"/"+form, func(b *testing.B) {
				benchEngineFloor(b, indexes == "indexes", form)
			})
		}
	}
}

// floorMeter sums the wall and CPU time of timed sections: this process's
// and, with a server pid, the server's.
type floorMeter struct {
	b                  *testing.B
	pid                string
	wall, self, server time.Duration
	start              time.Time
	self0, server0     time.Duration
}

func (m *floorMeter) serverCPU() time.Duration {
	if m.pid == "" {
		return 0
	}
	return time.Duration(processCPUms(m.b, m.pid) * float64(time.Millisecond))
}

func (m *floorMeter) begin() {
	m.start, m.self0, m.server0 = time.Now(), cputime.Self(), m.serverCPU()
}

func (m *floorMeter) end() {
	m.wall += time.Since(m.start)
	m.self += cputime.Self() - m.self0
	m.server += m.serverCPU() - m.server0
}

func benchEngineFloor(b *testing.B, indexes bool, form string) {
	const rows, perStmt, perTx, batches, updates = 100_000, 500, 1_000, 30, 980
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		b.Skipf("%s is not set", dsnVar)
	}
	ctx := context.Background()
	def := &catalog.MustLookup("Issues").Table
	pid := os.Getenv("BENCH_MYSQL_SERVER_PID")
	loadM, updM := floorMeter{b: b, pid: pid}, floorMeter{b: b, pid: pid}
	loaded, updated := 0, 0
	for b.Loop() {
		b.StopTimer()
		tb := desttest.BenchTable(def, fmt.Sprintf("Floor_%d", time.Now().UnixNano()))
		d, err := mysql.Open(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		if err := d.Migrate(ctx, tb); err != nil {
			b.Fatal(err)
		}
		conn, err := d.SQL().Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var enc mysql.Dialect
		table := enc.QuoteIdent(tb.Name)
		if !indexes {
			var names []string
			rs, err := conn.QueryContext(ctx, `SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY'`, tb.Name)
			if err != nil {
				b.Fatal(err)
			}
			for rs.Next() {
				var n string
				if err := rs.Scan(&n); err != nil {
					b.Fatal(err)
				}
				names = append(names, n)
			}
			if err := rs.Err(); err != nil {
				b.Fatal(err)
			}
			for _, n := range names {
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
		cols := make([]string, len(tb.Columns))
		for i, c := range tb.Columns {
			cols[i] = enc.QuoteIdent(c.Name)
		}
		encode := func(args []any, r bs.Row, only map[string]bool) []any {
			for i, c := range tb.Columns {
				if only == nil || only[c.Name] {
					args = append(args, enc.Encode(c.Type, r[i]))
				}
			}
			return args
		}
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		insert, err := conn.PrepareContext(ctx, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") VALUES "+strings.TrimSuffix(strings.Repeat(row+", ", perStmt), ", "))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		// Each transaction's arguments are made before its time is taken.
		for first := int64(1); first <= rows; first += perTx {
			var stmts [][]any
			for s := first; s < first+perTx; s += perStmt {
				args := make([]any, 0, perStmt*len(cols))
				for n := s; n < s+perStmt; n++ {
					args = encode(args, desttest.BenchRow(tb, n, 0), nil)
				}
				stmts = append(stmts, args)
			}
			loadM.begin()
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for _, args := range stmts {
				if _, err := tx.StmtContext(ctx, insert).ExecContext(ctx, args...); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			loadM.end()
		}
		loaded += rows

		// The columns BenchRow's versions change, then the key, as encode
		// orders them; v's columns are c1…c6.
		changed := map[string]bool{"Summary": true, "StatusId": true, "StatusName": true, "Updated": true}
		all := form == "union-all"
		if all {
			form = "union"
		}
		if all {
			changed = map[string]bool{}
			for _, c := range tb.Columns {
				if c.Name != "Account" && c.Name != "Id" {
					changed[c.Name] = true
				}
			}
		}
		keyOnly := map[string]bool{"Account": true, "Id": true}
		var set, rowSet, casts []string
		for _, only := range []map[string]bool{changed, keyOnly} {
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
		switch form {
		case "row":
			upd = "UPDATE " + table + " SET " + strings.Join(rowSet, ", ") + " WHERE `Account` = ? AND `Id` = ?"
		case "union", "values":
			var derived string
			if form == "union" {
				var first, other []string
				for i := range casts {
					first = append(first, fmt.Sprintf("? AS c%d", i+1))
					other = append(other, "?")
				}
				rs := []string{"SELECT " + strings.Join(first, ", ")}
				for range updates/2 - 1 {
					rs = append(rs, "SELECT "+strings.Join(other, ", "))
				}
				derived = strings.Join(rs, " UNION ALL ")
			} else {
				// A VALUES table takes its column types from its first
				// row, so placeholders there are cast to wide ones.
				derived = "WITH v(c1, c2, c3, c4, c5, c6) AS (VALUES (" + strings.Join(casts, ", ") + ")" + strings.Repeat(", (?, ?, ?, ?, ?, ?)", updates/2-1) + ") SELECT * FROM v"
			}
			upd = "UPDATE " + table + " AS t JOIN (" + derived + ") AS v ON t.`Account` = v.c" + fmt.Sprint(len(casts)-1) + " AND t.`Id` = v.c" + fmt.Sprint(len(casts)) + " SET " + strings.Join(set, ", ")
		}
		update, err := conn.PrepareContext(ctx, upd)
		if err != nil {
			b.Fatal(err)
		}
		for v := int64(1); v <= batches; v++ {
			var each [][]any
			for i := range int64(updates) {
				k := (i*9973 + v*7919) % 99_000
				n := k/99*100 + k%99 + 1 // BenchWriteIncremental's choice
				r := desttest.BenchRow(tb, n, int(v))
				each = append(each, encode(encode(nil, r, changed), r, keyOnly))
			}
			want := int64(1)
			if form != "row" {
				want = updates / 2
				var a1, a2 []any
				for i, a := range each {
					if i < updates/2 {
						a1 = append(a1, a...)
					} else {
						a2 = append(a2, a...)
					}
				}
				each = [][]any{a1, a2}
			}
			updM.begin()
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			st := tx.StmtContext(ctx, update)
			for _, args := range each {
				res, err := st.ExecContext(ctx, args...)
				if err != nil {
					b.Fatal(err)
				}
				if c, _ := res.RowsAffected(); c != want {
					b.Fatalf("an update changed %d rows; want %d", c, want)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			updM.end()
		}
		updated += batches * updates
		b.StopTimer()
		var last int
		if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE `Summary` LIKE ? AND `Updated` > '2021-01-01'", fmt.Sprintf("%% v%d %%", batches)).Scan(&last); err != nil || last != updates {
			b.Fatalf("%d rows hold the last batch's Summary and Updated (%v); want %d", last, err, updates)
		}
		update.Close()
		insert.Close()
		conn.Close()
		if err := d.Drop(ctx, tb.Name); err != nil {
			b.Fatal(err)
		}
		d.Close()
		b.StartTimer()
	}
	loadRate, updRate := float64(loaded)/loadM.wall.Seconds(), float64(updated)/updM.wall.Seconds()
	b.ReportMetric(loadRate, "load-rows/s")
	b.ReportMetric(updRate, "update-rows/s")
	b.ReportMetric(loadRate/updRate, "update-x")
	b.ReportMetric(loadM.self.Seconds()*1e6/float64(loaded), "load-cpu-ms/1k-rows")
	b.ReportMetric(updM.self.Seconds()*1e6/float64(updated), "update-cpu-ms/1k-rows")
	if pid != "" {
		b.ReportMetric(loadM.server.Seconds()*1e6/float64(loaded), "load-server-cpu-ms/1k-rows")
		b.ReportMetric(updM.server.Seconds()*1e6/float64(updated), "update-server-cpu-ms/1k-rows")
	}
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
