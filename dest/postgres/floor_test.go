package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/postgres"
	"github.com/backlogsync/backlogsync/internal/cputime"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// BenchmarkEngineFloor measures PostgreSQL itself — the same driver, server
// and migrated table as BenchmarkWriteFull and BenchmarkWriteIncremental,
// but none of backlogsync's write path — to show the least an incremental
// row can cost against a first-load row on this engine, whatever the write
// path does (dest/sqlite's BenchmarkEngineFloor is the same for SQLite):
//
//   - load: 100,000 rows into the empty table, 1,000 a transaction, as one
//     binary COPY ("copy") or as plain multi-row INSERTs of 500 rows
//     ("insert");
//   - update: 30 transactions of 980 updates of the rows
//     BenchmarkWriteIncremental updates, setting only the 4 columns that
//     changed by key: a prepared "UPDATE … SET … WHERE <key>" per row
//     ("row", a round trip each), two "UPDATE … FROM (VALUES …) AS v" of
//     490 rows with casts ("values"), or one "UPDATE … FROM unnest($1::…[],
//     …)" of the 980 rows, one array a column ("unnest"): no upsert, no
//     lookup of which rows exist, no comparison of unchanged columns.
//
// It reports both rates, update-x (the load's rate over the updates'), and
// CPU per 1,000 rows of each: this process's, and with a local server the
// connection's backend process's (server-cpu; not the WAL writer's,
// checkpointer's or autovacuum's). Sub-benchmarks: "indexes", the table as
// backlogsync creates it (primary key, Updated and ParentIssueId indexes),
// or "pk-only", without the secondary indexes; then the load; then the
// update form.
//
//	go test -run '^$' -bench EngineFloor -benchtime 1x ./dest/postgres
func BenchmarkEngineFloor(b *testing.B) {
	for _, indexes := range []string{"indexes", "pk-only"} {
		for _, load := range []string{"copy", "insert"} {
			for _, form := range []string{"row", "values", "unnest"} {
				b.Run(indexes+"/"+load+"/"+form, func(b *testing.B) {
					benchEngineFloor(b, indexes == "indexes", load, form)
				})
			}
		}
	}
}

// floorMeter sums the wall and CPU time of timed sections: this process's
// and, where pid is a local process, pid's.
type floorMeter struct {
	pid                int
	wall, self, server time.Duration
	start              time.Time
	self0, server0     time.Duration
	serverMissing      bool
}

func (m *floorMeter) serverCPU() time.Duration {
	d, err := cputime.Process(m.pid)
	if err != nil {
		m.serverMissing = true
	}
	return d
}

func (m *floorMeter) begin() {
	m.start, m.self0, m.server0 = time.Now(), cputime.Self(), m.serverCPU()
}

func (m *floorMeter) end() {
	m.wall += time.Since(m.start)
	m.self += cputime.Self() - m.self0
	m.server += m.serverCPU() - m.server0
}

func benchEngineFloor(b *testing.B, indexes bool, load, form string) {
	const rows, perStmt, perTx, batches, updates = 100_000, 500, 1_000, 30, 980
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		b.Skipf("%s is not set", dsnVar)
	}
	ctx := context.Background()
	def := &catalog.MustLookup("Issues").Table
	var loadM, updM floorMeter
	loaded, updated := 0, 0
	for b.Loop() {
		b.StopTimer()
		tb := desttest.BenchTable(def, fmt.Sprintf("Floor_%d", time.Now().UnixNano()))
		d, err := postgres.Open(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		if err := d.Migrate(ctx, tb); err != nil {
			b.Fatal(err)
		}
		// One connection for everything, so that its backend is the
		// server process measured.
		conn, err := d.SQL().Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var pid int
		if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			b.Fatal(err)
		}
		loadM.pid, updM.pid = pid, pid
		enc := postgres.Dialect{}
		table := enc.QuoteIdent(tb.Name)
		if !indexes {
			var names []string
			rs, err := conn.QueryContext(ctx, `SELECT ic.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace AND NOT i.indisprimary`, tb.Name)
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
				if _, err := conn.ExecContext(ctx, "DROP INDEX "+enc.QuoteIdent(n)); err != nil {
					b.Fatal(err)
				}
			}
		}
		var left, all int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE NOT i.indisprimary), count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace`, tb.Name).Scan(&left, &all); err != nil {
			b.Fatal(err)
		}
		if indexes != (left > 0) || all != left+1 {
			b.Fatalf("%d secondary indexes of %d on the table; want them only in the \"indexes\" run, and a primary key", left, all)
		}
		cols := make([]string, len(tb.Columns))
		names := make([]string, len(tb.Columns))
		for i, c := range tb.Columns {
			cols[i], names[i] = enc.QuoteIdent(c.Name), c.Name
		}
		encode := func(args []any, r bs.Row, only map[string]bool) []any {
			for i, c := range tb.Columns {
				if only == nil || only[c.Name] {
					args = append(args, enc.Encode(c.Type, r[i]))
				}
			}
			return args
		}
		var insert *sql.Stmt
		if load == "insert" {
			var values []string
			for r := range perStmt {
				ph := make([]string, len(cols))
				for i := range cols {
					ph[i] = enc.Placeholder(r*len(cols) + i + 1)
				}
				values = append(values, "("+strings.Join(ph, ", ")+")")
			}
			if insert, err = conn.PrepareContext(ctx, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") VALUES "+strings.Join(values, ", ")); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()

		// Each transaction's arguments are made before its time is taken.
		for first := int64(1); first <= rows; first += perTx {
			var stmts [][]any
			var copyRows [][]any // normalised values, as the bulk path COPYs them
			for s := first; s < first+perTx; s += perStmt {
				args := make([]any, 0, perStmt*len(cols))
				for n := s; n < s+perStmt; n++ {
					r := desttest.BenchRow(tb, n, 0)
					if load == "copy" {
						v := make([]any, len(r))
						for i, x := range r {
							if t, ok := x.(time.Time); ok {
								x = t.UTC()
							}
							v[i] = x
						}
						copyRows = append(copyRows, v)
					} else {
						args = encode(args, r, nil)
					}
				}
				stmts = append(stmts, args)
			}
			loadM.begin()
			if load == "copy" {
				// COPY outside a transaction block is one transaction.
				err := conn.Raw(func(dc any) error {
					n, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{tb.Name}, names, pgx.CopyFromRows(copyRows))
					if err == nil && n != int64(len(copyRows)) {
						err = fmt.Errorf("copied %d rows of %d", n, len(copyRows))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			} else {
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
			}
			loadM.end()
		}
		loaded += rows

		// The columns BenchRow's versions change, then the key, as encode
		// orders them; v's columns are c1…c6.
		changed := map[string]bool{"Summary": true, "StatusId": true, "StatusName": true, "Updated": true}
		keyOnly := map[string]bool{"Account": true, "Id": true}
		var set, rowSet, casts []string
		for _, only := range []map[string]bool{changed, keyOnly} {
			for _, c := range tb.Columns {
				if only[c.Name] {
					casts = append(casts, strings.TrimSuffix(enc.ColumnType(c.Type, false), ` COLLATE "C"`))
					if len(casts) <= len(changed) {
						set = append(set, fmt.Sprintf("%s = v.c%d", enc.QuoteIdent(c.Name), len(casts)))
						rowSet = append(rowSet, enc.QuoteIdent(c.Name)+" = "+enc.Placeholder(len(casts)))
					}
				}
			}
		}
		const where = ` AS v(c1, c2, c3, c4, c5, c6) WHERE t."Account" = v.c5 AND t."Id" = v.c6`
		prefix := "UPDATE " + table + " AS t SET " + strings.Join(set, ", ") + " FROM "
		var upd string
		switch form {
		case "row":
			upd = "UPDATE " + table + " SET " + strings.Join(rowSet, ", ") + ` WHERE "Account" = $5 AND "Id" = $6`
		case "values":
			var values []string
			for r := range updates / 2 {
				ph := make([]string, len(casts))
				for i := range casts {
					ph[i] = enc.Placeholder(r*len(casts) + i + 1)
					if r == 0 {
						ph[i] += "::" + casts[i]
					}
				}
				values = append(values, "("+strings.Join(ph, ", ")+")")
			}
			upd = prefix + "(VALUES " + strings.Join(values, ", ") + ")" + where
		case "unnest":
			ph := make([]string, len(casts))
			for i := range casts {
				ph[i] = enc.Placeholder(i+1) + "::" + casts[i] + "[]"
			}
			upd = prefix + "unnest(" + strings.Join(ph, ", ") + ")" + where
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
			switch form {
			case "values":
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
			case "unnest":
				want = updates
				each = [][]any{columnArrays(each)}
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
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE "Summary" LIKE $1 AND "Updated" > '2021-01-01'`, fmt.Sprintf("%% v%d %%", batches)).Scan(&last); err != nil || last != updates {
			b.Fatalf("%d rows hold the last batch's Summary and Updated (%v); want %d", last, err, updates)
		}
		update.Close()
		if insert != nil {
			insert.Close()
		}
		conn.Close()
		if err := d.Drop(ctx, tb.Name); err != nil {
			b.Fatal(err)
		}
		d.Close()
		b.StartTimer()
	}
	reportFloor(b, loaded, updated, &loadM, &updM)
}

// columnArrays turns rows of arguments into one typed slice a column, the
// arguments of "unnest($1::…[], …)".
func columnArrays(rows [][]any) []any {
	out := make([]any, len(rows[0]))
	for j := range out {
		switch rows[0][j].(type) {
		case string:
			a := make([]string, len(rows))
			for i, r := range rows {
				a[i] = r[j].(string)
			}
			out[j] = a
		case int64:
			a := make([]int64, len(rows))
			for i, r := range rows {
				a[i] = r[j].(int64)
			}
			out[j] = a
		case time.Time:
			a := make([]time.Time, len(rows))
			for i, r := range rows {
				a[i] = r[j].(time.Time)
			}
			out[j] = a
		default:
			panic(fmt.Sprintf("columnArrays: a %T column", rows[0][j]))
		}
	}
	return out
}

// reportFloor reports the engine-floor metrics of loaded rows timed by
// load and updated rows timed by upd.
func reportFloor(b *testing.B, loaded, updated int, load, upd *floorMeter) {
	loadRate, updRate := float64(loaded)/load.wall.Seconds(), float64(updated)/upd.wall.Seconds()
	b.ReportMetric(loadRate, "load-rows/s")
	b.ReportMetric(updRate, "update-rows/s")
	b.ReportMetric(loadRate/updRate, "update-x")
	b.ReportMetric(load.self.Seconds()*1e6/float64(loaded), "load-cpu-ms/1k-rows")
	b.ReportMetric(upd.self.Seconds()*1e6/float64(updated), "update-cpu-ms/1k-rows")
	if !load.serverMissing && !upd.serverMissing {
		b.ReportMetric(load.server.Seconds()*1e6/float64(loaded), "load-server-cpu-ms/1k-rows")
		b.ReportMetric(upd.server.Seconds()*1e6/float64(updated), "update-server-cpu-ms/1k-rows")
	}
}
