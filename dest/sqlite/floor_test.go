package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/sqlite"
	"github.com/backlogsync/backlogsync/internal/cputime"
)

// BenchmarkEngineFloor measures SQLite itself — the same driver, pragmas
// and table as BenchmarkWriteFull and BenchmarkWriteIncremental, but none of
// backlogsync's write path — to show the least an incremental row can cost
// against a first-load row on this engine, whatever the write path does:
//
//   - load: 100,000 rows in plain multi-row INSERTs (500 rows a statement,
//     1,000 a transaction) into the empty table;
//   - update: 30 transactions of 980 updates of the rows
//     BenchmarkWriteIncremental updates, as prepared "UPDATE … SET <only
//     the columns that changed> WHERE <key>" of one row each ("row") or
//     as two "UPDATE … SET … FROM (VALUES …)" of 490 rows ("values"): no
//     upsert, no lookup of which rows exist, no comparison of unchanged
//     columns, so less work than any upsert can do.
//
// It reports both rates, this process's CPU per 1,000 rows of each, and
// update-x, the load's rate over the updates'. Sub-benchmarks: "indexes",
// the table as backlogsync creates it (primary key, Updated and
// ParentIssueId indexes), or "pk-only", without the secondary indexes;
// then "row" or "values".
//
//	go test -run '^$' -bench EngineFloor -benchtime 1x ./dest/sqlite
func BenchmarkEngineFloor(b *testing.B) {
	for _, indexes := range []bool{true, false} {
		name := "pk-only"
		if indexes {
			name = "indexes"
		}
		b.Run(name+"/row", func(b *testing.B) { benchEngineFloor(b, indexes, false) })
		b.Run(name+"/values", func(b *testing.B) { benchEngineFloor(b, indexes, true) })
	}
}

func benchEngineFloor(b *testing.B, indexes, values bool) {
	const rows, perStmt, perTx, batches, updates = 100_000, 500, 1_000, 30, 980
	ctx := context.Background()
	def := &catalog.MustLookup("Issues").Table
	var loadTime, updTime, loadCPU, updCPU time.Duration
	loaded, updated := 0, 0
	for b.Loop() {
		b.StopTimer()
		tb := desttest.BenchTable(def, "Floor")
		d, err := sqlite.Open(ctx, "file:"+filepath.Join(b.TempDir(), "floor.db"))
		if err != nil {
			b.Fatal(err)
		}
		if err := d.Migrate(ctx, tb); err != nil {
			b.Fatal(err)
		}
		db := d.SQL()
		if !indexes {
			for _, c := range tb.Indexes {
				if _, err := db.ExecContext(ctx, fmt.Sprintf(`DROP INDEX "Floor_%s_idx"`, c)); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := db.ExecContext(ctx, `DROP INDEX "Floor_`+tb.CursorColumn+`_idx"`); err != nil && !strings.Contains(err.Error(), "no such index") {
				b.Fatal(err)
			}
		}
		var left int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Floor' AND sql IS NOT NULL`).Scan(&left); err != nil {
			b.Fatal(err)
		}
		if indexes != (left > 0) {
			b.Fatalf("%d secondary indexes on the table; want them only in the \"indexes\" run", left)
		}
		enc := sqlite.Dialect{}
		cols := make([]string, len(tb.Columns))
		for i, c := range tb.Columns {
			cols[i] = `"` + c.Name + `"`
		}
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		insert, err := db.PrepareContext(ctx, "INSERT INTO \"Floor\" ("+strings.Join(cols, ", ")+") VALUES "+strings.TrimSuffix(strings.Repeat(row+", ", perStmt), ", "))
		if err != nil {
			b.Fatal(err)
		}
		encode := func(args []any, r bs.Row, only map[string]bool) []any {
			for i, c := range tb.Columns {
				if only == nil || only[c.Name] {
					args = append(args, enc.Encode(c.Type, r[i]))
				}
			}
			return args
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
			start, cpu0 := time.Now(), cputime.Self()
			tx, err := db.BeginTx(ctx, nil)
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
			loadTime += time.Since(start)
			loadCPU += cputime.Self() - cpu0
		}
		loaded += rows

		// The columns BenchRow's versions change, then the key.
		changed := map[string]bool{"Summary": true, "StatusId": true, "StatusName": true, "Updated": true}
		var set []string
		for _, c := range tb.Columns {
			if changed[c.Name] {
				set = append(set, fmt.Sprintf(`"%s" = ?`, c.Name))
			}
		}
		upd := `UPDATE "Floor" SET ` + strings.Join(set, ", ") + ` WHERE "Account" = ? AND "Id" = ?`
		if values {
			var sets []string // the changed columns, as encode orders them
			for _, c := range tb.Columns {
				if changed[c.Name] {
					sets = append(sets, fmt.Sprintf(`"%s" = v.column%d`, c.Name, len(sets)+1))
				}
			}
			row := "(?, ?, ?, ?, ?, ?)"
			upd = `UPDATE "Floor" SET ` + strings.Join(sets, ", ") + ` FROM (VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", updates/2), ", ") + `) AS v WHERE "Floor"."Account" = v.column5 AND "Floor"."Id" = v.column6`
		}
		update, err := db.PrepareContext(ctx, upd)
		if err != nil {
			b.Fatal(err)
		}
		keyOnly := map[string]bool{"Account": true, "Id": true}
		for v := int64(1); v <= batches; v++ {
			var each [][]any
			for i := range int64(updates) {
				k := (i*9973 + v*7919) % 99_000
				n := k/99*100 + k%99 + 1 // BenchWriteIncremental's choice
				r := desttest.BenchRow(tb, n, int(v))
				each = append(each, encode(encode(nil, r, changed), r, keyOnly))
			}
			start, cpu0 := time.Now(), cputime.Self()
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			st := tx.StmtContext(ctx, update)
			want := int64(1)
			if values {
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
			updTime += time.Since(start)
			updCPU += cputime.Self() - cpu0
		}
		updated += batches * updates
		b.StopTimer()
		var last int
		if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM "Floor" WHERE "Summary" LIKE '%% v%d %%' AND "Updated" > '2021'`, batches)).Scan(&last); err != nil || last != updates {
			b.Fatalf("%d rows hold the last batch's Summary and Updated (%v); want %d", last, err, updates)
		}
		update.Close()
		insert.Close()
		d.Close()
		b.StartTimer()
	}
	loadRate, updRate := float64(loaded)/loadTime.Seconds(), float64(updated)/updTime.Seconds()
	b.ReportMetric(loadRate, "load-rows/s")
	b.ReportMetric(updRate, "update-rows/s")
	b.ReportMetric(loadRate/updRate, "update-x")
	b.ReportMetric(loadCPU.Seconds()*1e6/float64(loaded), "load-cpu-ms/1k-rows")
	b.ReportMetric(updCPU.Seconds()*1e6/float64(updated), "update-cpu-ms/1k-rows")
}
