package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/dest/desttest"
	"github.com/backlogsync/backlogsync/dest/sqlite"
)

// BenchmarkEngineFloor is desttest.BenchEngineFloor for SQLite (the same
// driver, pragmas and table as BenchmarkWriteFull and
// BenchmarkWriteIncremental): the load is plain multi-row INSERTs (500
// rows a statement); the updates are prepared "UPDATE … SET <only the
// columns that changed> WHERE <key>" of one row each ("row") or two
// "UPDATE … SET … FROM (VALUES …)" of 490 rows ("values"). This process's
// CPU includes the engine's; there is no server.
//
//	go test -run '^$' -bench EngineFloor -benchtime 1x ./dest/sqlite
func BenchmarkEngineFloor(b *testing.B) {
	desttest.BenchEngineFloor(b, &catalog.MustLookup("Issues").Table, []string{"row", "values"}, openFloor)
}

// openFloor opens a fresh database file for one BenchmarkEngineFloor run
// on tb, with the update form form ("row" or "values").
func openFloor(b *testing.B, tb *bs.Table, indexes bool, form string) *desttest.FloorRun {
	ctx := context.Background()
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
			if _, err := db.ExecContext(ctx, fmt.Sprintf(`DROP INDEX "%s_%s_idx"`, tb.Name, c)); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := db.ExecContext(ctx, `DROP INDEX "`+tb.Name+`_`+tb.CursorColumn+`_idx"`); err != nil && !strings.Contains(err.Error(), "no such index") {
			b.Fatal(err)
		}
	}
	var left int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, tb.Name).Scan(&left); err != nil {
		b.Fatal(err)
	}
	if indexes != (left > 0) {
		b.Fatalf("%d secondary indexes on the table; want them only in the \"indexes\" run", left)
	}
	enc := sqlite.Dialect{}
	table := enc.QuoteIdent(tb.Name)
	insert, err := db.PrepareContext(ctx, desttest.FloorInsert(enc, tb))
	if err != nil {
		b.Fatal(err)
	}

	// The changed columns, then the key, as desttest.FloorArgs orders them.
	var set, sets []string
	for _, c := range tb.Columns {
		if desttest.FloorChanged[c.Name] {
			set = append(set, enc.QuoteIdent(c.Name)+" = ?")
			sets = append(sets, fmt.Sprintf(`%s = v.column%d`, enc.QuoteIdent(c.Name), len(sets)+1))
		}
	}
	upd := `UPDATE ` + table + ` SET ` + strings.Join(set, ", ") + ` WHERE "Account" = ? AND "Id" = ?`
	perUpd := 1
	if form == "values" {
		perUpd = desttest.FloorUpdates / 2
		row := "(?, ?, ?, ?, ?, ?)"
		upd = `UPDATE ` + table + ` SET ` + strings.Join(sets, ", ") + ` FROM (VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", perUpd), ", ") + `) AS v WHERE ` + table + `."Account" = v.column5 AND ` + table + `."Id" = v.column6`
	}
	update, err := db.PrepareContext(ctx, upd)
	if err != nil {
		b.Fatal(err)
	}
	return &desttest.FloorRun{
		Load: func(rows []bs.Row) func() {
			return desttest.FloorTx(b, db, insert, desttest.FloorArgs(enc, tb, rows, desttest.FloorPerStmt), -1)
		},
		Update: func(rows []bs.Row) func() {
			args := desttest.FloorArgs(enc, tb, rows, perUpd, desttest.FloorChanged, desttest.FloorKey)
			return desttest.FloorTx(b, db, update, args, int64(perUpd))
		},
		Count: func(pattern string) (n int, err error) {
			err = db.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE "Summary" LIKE ? AND "Updated" > '2021'`, pattern).Scan(&n)
			return n, err
		},
		Close: func() {
			update.Close()
			insert.Close()
			d.Close()
		},
	}
}
