package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/sqldb"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CopyThreshold is the number of upserts from which a batch is loaded with
// COPY into a staging table and one merging INSERT … SELECT … ON CONFLICT,
// instead of multi-row INSERT … ON CONFLICT statements. It was chosen by
// measurement (BenchmarkUpsertPath in this package, Issues rows): at 50 and
// 100 rows the two paths took the same time, at 200 rows and more COPY was
// 2–3 times faster (the staging table's creation is the fixed cost).
const CopyThreshold = 100

// stageName is the staging table of a bulk upsert: a temporary table that
// exists only inside the batch's transaction (ON COMMIT DROP, and dropped
// after the merge so that the next batch of a WriteAll can create its own),
// so it needs no unique name and vanishes on rollback.
const stageName = "_backlogsync_stage"

var _ sqldb.BulkWriter = Dialect{}

// BulkMinRows implements sqldb.BulkWriter.
func (d Dialect) BulkMinRows() int {
	if d.CopyThreshold > 0 {
		return d.CopyThreshold
	}
	return CopyThreshold
}

// BulkUpsert implements sqldb.BulkWriter: it creates a temporary staging
// table with the target columns' exact types (CREATE TEMP TABLE … AS SELECT
// … WITH NO DATA, so a column created as JSON by an older version stays
// JSON), COPYs the rows into it in binary, and merges them with
//
//	INSERT INTO target AS t (…) SELECT … FROM stage ON CONFLICT (key)
//	DO UPDATE … WHERE <t differs from EXCLUDED> RETURNING (xmax = 0)
//
// counting the rows that were inserted and those that were updated: a row
// version written by an INSERT has no xmax, one written by ON CONFLICT's
// UPDATE carries the locking transaction's id. Rows whose stored values are
// all the same are not written (see TypedUpsertSQL) nor returned; they
// count in neither.
func (d Dialect) BulkUpsert(ctx context.Context, conn *sql.Conn, tx *sql.Tx, n bs.TableName, cols []bs.Column, key []string, rows [][]any) (inserted, updated int64, err error) {
	qcols := make([]string, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		qcols[i] = d.QuoteIdent(c.Name)
		names[i] = c.Name
	}
	list := strings.Join(qcols, ", ")
	stage := d.QuoteIdent(stageName)
	if _, err := tx.ExecContext(ctx, "CREATE TEMP TABLE "+stage+" ON COMMIT DROP AS SELECT "+list+" FROM "+d.TableRef(n)+" WITH NO DATA"); err != nil {
		return 0, 0, fmt.Errorf("create staging table: %w", err)
	}
	src := &copyRows{rows: rows, cols: cols}
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not pgx's", dc)
		}
		copied, err := sc.Conn().CopyFrom(ctx, pgx.Identifier{stageName}, names, src)
		if err == nil && copied != int64(len(rows)) {
			err = fmt.Errorf("copied %d rows of %d", copied, len(rows))
		}
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("copy into staging table: %w", err)
	}
	var b strings.Builder
	b.WriteString("WITH merged AS (INSERT INTO " + d.TableRef(n) + " AS " + target + " (" + list + ") SELECT " + list + " FROM " + stage)
	b.WriteString(" ON CONFLICT (")
	qkey := make([]string, len(key))
	for i, k := range key {
		qkey[i] = d.QuoteIdent(k)
	}
	b.WriteString(strings.Join(qkey, ", "))
	b.WriteString(") DO ")
	set := 0
	for i, c := range cols {
		if isKey(c.Name, key) {
			continue
		}
		if set == 0 {
			b.WriteString("UPDATE SET ")
		} else {
			b.WriteString(", ")
		}
		set++
		b.WriteString(qcols[i] + " = EXCLUDED." + qcols[i])
	}
	if set == 0 {
		b.WriteString("NOTHING") // only inserted rows are returned
	} else {
		types := make([]bs.Type, len(cols))
		for i, c := range cols {
			types[i] = c.Type
		}
		// Unchanged rows are left as they are, and not returned.
		b.WriteString(" WHERE " + changedSQL(qcols, types, qkey))
	}
	b.WriteString(" RETURNING (xmax = 0) AS inserted) SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged")
	if err := tx.QueryRowContext(ctx, b.String()).Scan(&inserted, &updated); err != nil {
		return 0, 0, fmt.Errorf("merge staging table: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DROP TABLE "+stage); err != nil {
		return 0, 0, fmt.Errorf("drop staging table: %w", err)
	}
	return inserted, updated, nil
}

func isKey(col string, key []string) bool {
	for _, k := range key {
		if k == col {
			return true
		}
	}
	return false
}

// copyRows is a pgx.CopyFromSource over normalised row values; DATE values
// go as midnight UTC of their calendar date, TIMESTAMP values in UTC.
type copyRows struct {
	rows [][]any
	cols []bs.Column
	i    int
	buf  []any
}

func (c *copyRows) Next() bool {
	c.i++
	return c.i <= len(c.rows)
}

func (c *copyRows) Values() ([]any, error) {
	r := c.rows[c.i-1]
	if c.buf == nil {
		c.buf = make([]any, len(r))
	}
	for j, v := range r {
		if t, ok := v.(time.Time); ok {
			v = t.UTC()
		}
		c.buf[j] = v
	}
	return c.buf, nil
}

func (c *copyRows) Err() error { return nil }
