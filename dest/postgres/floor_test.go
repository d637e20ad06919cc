package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
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

// BenchmarkEngineFloor is desttest.BenchEngineFloor for PostgreSQL (the
// same driver, server and migrated table as BenchmarkWriteFull and
// BenchmarkWriteIncremental). The load, 1,000 rows a transaction, is one
// binary COPY ("copy"; outside a transaction block it is one transaction)
// or plain multi-row INSERTs of 500 rows ("insert"). The updates set the 4
// changed columns by key with a prepared "UPDATE … SET … WHERE <key>" per
// row ("row", a round trip each), two "UPDATE … FROM (VALUES …) AS v" of
// 490 rows with casts ("values"), or one "UPDATE … FROM unnest($1::…[],
// …)" of the 980 rows, one array a column ("unnest").
//
// Server CPU, with a local server, is the connection's backend process's
// (every statement runs on one connection; not the WAL writer's,
// checkpointer's or autovacuum's). Sub-benchmarks: "indexes" or "pk-only",
// then the load, then the update form.
//
//	go test -run '^$' -bench EngineFloor -benchtime 1x ./dest/postgres
func BenchmarkEngineFloor(b *testing.B) {
	var forms []string
	for _, load := range []string{"copy", "insert"} {
		for _, form := range []string{"row", "values", "unnest"} {
			forms = append(forms, load+"/"+form)
		}
	}
	desttest.BenchEngineFloor(b, &catalog.MustLookup("Issues").Table, forms, openFloor)
}

// openFloor opens the test database for one BenchmarkEngineFloor run on
// tb, with form "<load>/<update form>".
func openFloor(b *testing.B, tb *bs.Table, indexes bool, form string) *desttest.FloorRun {
	load, form, _ := strings.Cut(form, "/")
	ctx := context.Background()
	// One connection for everything, so that its backend is the server
	// process measured.
	d, conn := desttest.FloorConn(b, postgres.Open, dsnVar, tb)
	var pid int
	if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		b.Fatal(err)
	}
	enc := postgres.Dialect{}
	table := enc.QuoteIdent(tb.Name)
	if !indexes {
		for _, n := range desttest.FloorNames(b, conn, `SELECT ic.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace AND NOT i.indisprimary`, tb.Name) {
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
	names := make([]string, len(tb.Columns))
	for i, c := range tb.Columns {
		names[i] = c.Name
	}
	var insert *sql.Stmt
	if load == "insert" {
		var err error
		if insert, err = conn.PrepareContext(ctx, desttest.FloorInsert(enc, tb)); err != nil {
			b.Fatal(err)
		}
	}

	// The changed columns, then the key, as desttest.FloorArgs orders
	// them; v's columns are c1…c6.
	var set, rowSet, casts []string
	for _, only := range []map[string]bool{desttest.FloorChanged, desttest.FloorKey} {
		for _, c := range tb.Columns {
			if only[c.Name] {
				casts = append(casts, strings.TrimSuffix(enc.ColumnType(c.Type, false), ` COLLATE "C"`))
				if len(casts) <= len(desttest.FloorChanged) {
					set = append(set, fmt.Sprintf("%s = v.c%d", enc.QuoteIdent(c.Name), len(casts)))
					rowSet = append(rowSet, enc.QuoteIdent(c.Name)+" = "+enc.Placeholder(len(casts)))
				}
			}
		}
	}
	const where = ` AS v(c1, c2, c3, c4, c5, c6) WHERE t."Account" = v.c5 AND t."Id" = v.c6`
	prefix := "UPDATE " + table + " AS t SET " + strings.Join(set, ", ") + " FROM "
	var upd string
	perUpd := 1
	switch form {
	case "row":
		upd = "UPDATE " + table + " SET " + strings.Join(rowSet, ", ") + ` WHERE "Account" = $5 AND "Id" = $6`
	case "values":
		perUpd = desttest.FloorUpdates / 2
		var values []string
		for r := range perUpd {
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
		perUpd = desttest.FloorUpdates
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
	return &desttest.FloorRun{
		Load: func(rows []bs.Row) func() {
			if load == "insert" {
				return desttest.FloorTx(b, conn, insert, desttest.FloorArgs(enc, tb, rows, desttest.FloorPerStmt), -1)
			}
			copyRows := make([][]any, len(rows)) // normalised values, as the bulk path COPYs them
			for j, r := range rows {
				v := make([]any, len(r))
				for i, x := range r {
					if t, ok := x.(time.Time); ok {
						x = t.UTC()
					}
					v[i] = x
				}
				copyRows[j] = v
			}
			return func() {
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
			}
		},
		Update: func(rows []bs.Row) func() {
			if form == "unnest" {
				args := columnArrays(desttest.FloorArgs(enc, tb, rows, 1, desttest.FloorChanged, desttest.FloorKey))
				return desttest.FloorTx(b, conn, update, [][]any{args}, int64(perUpd))
			}
			args := desttest.FloorArgs(enc, tb, rows, perUpd, desttest.FloorChanged, desttest.FloorKey)
			return desttest.FloorTx(b, conn, update, args, int64(perUpd))
		},
		Count: func(pattern string) (n int, err error) {
			err = conn.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE "Summary" LIKE $1 AND "Updated" > '2021-01-01'`, pattern).Scan(&n)
			return n, err
		},
		ServerCPU: func() (time.Duration, bool) {
			cpu, err := cputime.Process(pid)
			return cpu, err == nil
		},
		Close: func() { desttest.FloorClose(b, d, conn, tb, update, insert) },
	}
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
