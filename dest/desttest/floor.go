package desttest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/cputime"
)

// The engine-floor benchmark's sizes: FloorRows rows loaded FloorPerTx a
// transaction (FloorPerStmt a statement where the load is INSERTs), then
// FloorBatches transactions of FloorUpdates updates each
// (BenchWriteIncremental's batches without their deletes and re-inserts).
const (
	FloorRows    = benchRows
	FloorPerStmt = 500 // rows a multi-row INSERT of a load
	FloorPerTx   = benchBatch
	FloorBatches = 30
	FloorUpdates = incUpdates
)

// FloorChanged holds the columns that BenchRow's versions change: the only
// ones an engine-floor update sets. Engines build their SET lists from it.
var FloorChanged = map[string]bool{"Summary": true, "StatusId": true, "StatusName": true, "Updated": true}

// FloorKey holds the key columns of a BenchTable, by which an engine-floor
// update finds its row.
var FloorKey = map[string]bool{"Account": true, "Id": true}

// FloorRun is one engine's part of one BenchEngineFloor run on a fresh
// table. Load and Update are called with the rows of one transaction, as
// BenchRow makes them, outside the timed sections: they encode the rows
// (and do any other preparation) then, and return the function that runs
// the transaction, which BenchEngineFloor times. Every function fails b on
// an error.
type FloorRun struct {
	// Load prepares the insert of FloorPerTx new rows into the empty
	// table, in one transaction.
	Load func(rows []bs.Row) func()
	// Update prepares the update, in one transaction, of FloorUpdates
	// stored rows to the given rows, setting the FloorChanged columns
	// (or more, if the form says so) by key.
	Update func(rows []bs.Row) func()
	// Count returns how many stored rows have a Summary LIKE pattern and
	// an Updated in 2021 or later.
	Count func(pattern string) (int, error)
	// ServerCPU, if not nil, returns the CPU time the database server
	// (a local process) has used so far; false where it cannot be read,
	// and then the server's metrics are not reported.
	ServerCPU func() (time.Duration, bool)
	// Close releases the run's statements and connections and drops the
	// table.
	Close func()
}

// FloorOpen opens a destination for one BenchEngineFloor run, migrates t
// in it, drops its secondary indexes unless indexes is true (checking that
// they are there only then), and returns the run of the given form (one of
// the forms passed to BenchEngineFloor).
type FloorOpen func(b *testing.B, t *bs.Table, indexes bool, form string) *FloorRun

// BenchEngineFloor measures a database engine itself — the destination's
// driver, session settings and migrated table, as in BenchWriteFull and
// BenchWriteIncremental, but none of backlogsync's write path — to show
// the least an incremental row can cost against a first-load row on that
// engine, whatever the write path does:
//
//   - load: FloorRows (100,000) rows of def (the catalog's Issues table)
//     into the empty table, FloorPerTx (1,000) a transaction, in the
//     engine's plain bulk form (the form's FloorRun.Load);
//   - update: FloorBatches (30) transactions of FloorUpdates (980) updates
//     of the rows BenchWriteIncremental updates, to version v (1…30) in
//     transaction v, setting only the FloorChanged columns by key (the
//     form's FloorRun.Update): no upsert, no lookup of which rows exist, no
//     comparison of unchanged columns, so less work than any upsert can
//     do.
//
// Each transaction's rows are made and encoded before its time is taken.
// After the updates, exactly FloorUpdates rows must hold the last version's
// Summary and a 2021 Updated.
//
// It reports both rates (load-rows/s, update-rows/s), update-x (the load's
// rate over the updates'), this process's CPU per 1,000 rows of each
// (load-cpu-ms/1k-rows, update-cpu-ms/1k-rows: the driver's and, for an
// embedded engine, the engine's) and, where the run reads the server's CPU
// (FloorRun.ServerCPU), the server's (load-server-cpu-ms/1k-rows,
// update-server-cpu-ms/1k-rows).
//
// Sub-benchmarks: "indexes", the table as backlogsync creates it (primary
// key, Updated and ParentIssueId indexes), or "pk-only", without the
// secondary indexes; then each of forms (the engine's load and update
// forms, named by open).
func BenchEngineFloor(b *testing.B, def *bs.Table, forms []string, open FloorOpen) {
	for _, indexes := range []string{"indexes", "pk-only"} {
		for _, form := range forms {
			b.Run(indexes+"/"+form, func(b *testing.B) {
				benchEngineFloor(b, def, open, indexes == "indexes", form)
			})
		}
	}
}

// floorMeter sums the wall and CPU time of timed sections: this process's
// and, with server, the server's.
type floorMeter struct {
	server             func() (time.Duration, bool)
	wall, self, served time.Duration
	missing            bool // the server's CPU was not read every time
}

func (m *floorMeter) serverCPU() time.Duration {
	if m.server == nil {
		m.missing = true
		return 0
	}
	d, ok := m.server()
	if !ok {
		m.missing = true
	}
	return d
}

// time runs run and adds its times.
func (m *floorMeter) time(run func()) {
	start, self0, server0 := time.Now(), cputime.Self(), m.serverCPU()
	run()
	m.wall += time.Since(start)
	m.self += cputime.Self() - self0
	m.served += m.serverCPU() - server0
}

func benchEngineFloor(b *testing.B, def *bs.Table, open FloorOpen, indexes bool, form string) {
	var loadM, updM floorMeter
	loaded, updated := 0, 0
	for b.Loop() {
		b.StopTimer()
		tb := BenchTable(def, fmt.Sprintf("Floor_%d", time.Now().UnixNano()))
		run := open(b, tb, indexes, form)
		loadM.server, updM.server = run.ServerCPU, run.ServerCPU
		b.StartTimer()
		for first := int64(1); first <= FloorRows; first += FloorPerTx {
			rows := make([]bs.Row, 0, FloorPerTx)
			for n := first; n < first+FloorPerTx; n++ {
				rows = append(rows, BenchRow(tb, n, 0))
			}
			loadM.time(run.Load(rows))
		}
		loaded += FloorRows
		for v := int64(1); v <= FloorBatches; v++ {
			rows := make([]bs.Row, 0, FloorUpdates)
			for i := range int64(FloorUpdates) {
				rows = append(rows, BenchRow(tb, incUpdated((i*9973+v*7919)%99_000), int(v)))
			}
			updM.time(run.Update(rows))
		}
		updated += FloorBatches * FloorUpdates
		b.StopTimer()
		last, err := run.Count(fmt.Sprintf("%% v%d %%", FloorBatches))
		if err != nil || last != FloorUpdates {
			b.Fatalf("%d rows hold the last batch's Summary and Updated (%v); want %d", last, err, FloorUpdates)
		}
		run.Close()
		b.StartTimer()
	}
	loadRate, updRate := float64(loaded)/loadM.wall.Seconds(), float64(updated)/updM.wall.Seconds()
	b.ReportMetric(loadRate, "load-rows/s")
	b.ReportMetric(updRate, "update-rows/s")
	b.ReportMetric(loadRate/updRate, "update-x")
	b.ReportMetric(loadM.self.Seconds()*1e6/float64(loaded), "load-cpu-ms/1k-rows")
	b.ReportMetric(updM.self.Seconds()*1e6/float64(updated), "update-cpu-ms/1k-rows")
	if !loadM.missing && !updM.missing {
		b.ReportMetric(loadM.served.Seconds()*1e6/float64(loaded), "load-server-cpu-ms/1k-rows")
		b.ReportMetric(updM.served.Seconds()*1e6/float64(updated), "update-server-cpu-ms/1k-rows")
	}
}

// FloorEncoder encodes a value of a column type as the destination's
// driver takes it (each dialect's Encode).
type FloorEncoder interface {
	Encode(t bs.Type, v any) any
}

// FloorArgs encodes rows of t as statement arguments, per rows a
// statement: each row's values of the columns in the first of cols, in
// table order, then those in the next, and so on (no cols: every column).
// So FloorArgs(enc, t, rows, 500) are the arguments of 500-row INSERTs,
// and FloorArgs(enc, t, rows, 1, FloorChanged, FloorKey) those of an
// "UPDATE … SET <changed> WHERE <key>" a row.
func FloorArgs(enc FloorEncoder, t *bs.Table, rows []bs.Row, per int, cols ...map[string]bool) [][]any {
	if len(cols) == 0 {
		cols = []map[string]bool{nil}
	}
	var out [][]any
	for s := 0; s < len(rows); s += per {
		var args []any
		for _, r := range rows[s:min(s+per, len(rows))] {
			for _, only := range cols {
				for i, c := range t.Columns {
					if only == nil || only[c.Name] {
						args = append(args, enc.Encode(c.Type, r[i]))
					}
				}
			}
		}
		out = append(out, args)
	}
	return out
}

// FloorBeginner begins a transaction (a *sql.DB or a *sql.Conn).
type FloorBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// FloorTx returns a function that runs stmt once with each of args in one
// transaction of db, failing b on an error or, with want ≥ 0, when an
// execution changes other than want rows.
func FloorTx(b *testing.B, db FloorBeginner, stmt *sql.Stmt, args [][]any, want int64) func() {
	return func() {
		ctx := context.Background()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		st := tx.StmtContext(ctx, stmt)
		for _, a := range args {
			res, err := st.ExecContext(ctx, a...)
			if err != nil {
				b.Fatal(err)
			}
			if want < 0 {
				continue
			}
			if c, _ := res.RowsAffected(); c != want {
				b.Fatalf("an update changed %d rows; want %d", c, want)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// FloorDB is a destination whose database BenchEngineFloor's engines
// reach through database/sql (dest/sqldb's DB).
type FloorDB interface {
	Migrate(ctx context.Context, t *bs.Table) error
	SQL() *sql.DB
	Drop(ctx context.Context, name string) error
	Close() error
}

// FloorConn opens the destination at the DSN in the environment variable
// dsnVar with open (skipping b if it is not set), migrates t in it and
// returns it with one connection to its database, for every statement of
// a run (so that one server process serves them), failing b on an error.
func FloorConn[D FloorDB](b *testing.B, open func(ctx context.Context, dsn string) (D, error), dsnVar string, t *bs.Table) (D, *sql.Conn) {
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		b.Skipf("%s is not set", dsnVar)
	}
	ctx := context.Background()
	d, err := open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Migrate(ctx, t); err != nil {
		b.Fatal(err)
	}
	conn, err := d.SQL().Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return d, conn
}

// FloorClose closes stmts (nil ones skipped) and conn, drops t from d and
// closes d, failing b on an error dropping t.
func FloorClose(b *testing.B, d FloorDB, conn *sql.Conn, t *bs.Table, stmts ...*sql.Stmt) {
	for _, st := range stmts {
		if st != nil {
			st.Close()
		}
	}
	conn.Close()
	if err := d.Drop(context.Background(), t.Name); err != nil {
		b.Fatal(err)
	}
	d.Close()
}

// FloorNames returns the first column of the rows that query returns on
// conn (the names of a table's indexes, say), failing b on an error.
func FloorNames(b *testing.B, conn *sql.Conn, query string, args ...any) []string {
	rs, err := conn.QueryContext(context.Background(), query, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rs.Close()
	var names []string
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
	return names
}

// FloorDialect quotes identifiers and writes placeholders as a
// destination's SQL does (each dialect).
type FloorDialect interface {
	QuoteIdent(s string) string
	Placeholder(n int) string
}

// FloorInsert returns the multi-row INSERT of FloorPerStmt rows of every
// column of t, in table order, in d's SQL: the statement of the engines'
// plain loads, its arguments FloorArgs(enc, t, rows, FloorPerStmt).
func FloorInsert(d FloorDialect, t *bs.Table) string {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = d.QuoteIdent(c.Name)
	}
	values := make([]string, FloorPerStmt)
	for r := range values {
		ph := make([]string, len(cols))
		for i := range cols {
			ph[i] = d.Placeholder(r*len(cols) + i + 1)
		}
		values[r] = "(" + strings.Join(ph, ", ") + ")"
	}
	return "INSERT INTO " + d.QuoteIdent(t.Name) + " (" + strings.Join(cols, ", ") + ") VALUES " + strings.Join(values, ", ")
}
