package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	bs "github.com/backlogsync/backlogsync"
)

// SetLater is an optional Dialect method set for databases that rewrite an
// updated row's entry in the index of every column its upsert sets, even
// when the value is unchanged (SQLite). Write then leaves the indexed
// columns that rarely change — a table's Indexes other than its cursor
// column, such as ParentIssueId — out of the upsert's SET list, and sets
// them in a second statement only on the rows where they differ, so that a
// batch of scattered updates does not rewrite those indexes' pages. A probe
// query, which replaces the count of existing keys, finds those rows.
type SetLater interface {
	// ProbeSQL returns a query that, for rows rows each binding a row
	// number, the row's quoted key columns, then its values of the quoted
	// columns cols, returns the row number and whether one of cols differs
	// (a boolean) of each row whose key is stored.
	ProbeSQL(ref string, key, cols []string, rows int) string
	// UpsertExceptSQL is UpsertSQL, except that an existing row keeps its
	// values of the quoted columns keep (new rows get every column).
	UpsertExceptSQL(ref string, columns, key, keep []string, rows int) string
	// SetChangedSQL returns a statement that, for rows rows each binding
	// the row's quoted key columns, then its values of the quoted columns
	// cols, sets cols of the stored row with that key where one of them
	// differs. Placeholders number from 1, row by row.
	SetChangedSQL(ref string, key, cols []string, rows int) string
}

// setLaterColumns returns the positions in a batch row of the columns
// Write sets separately (see SetLater): the batch table's indexed columns
// but its cursor column and key columns.
func (w *writer) setLaterColumns() []int {
	if _, ok := w.x.d.(SetLater); !ok {
		return nil
	}
	var pos []int
	for i, c := range w.src.Columns {
		indexed := slices.ContainsFunc(w.src.Indexes, func(s string) bool { return strings.EqualFold(s, c.Name) })
		if !indexed || strings.EqualFold(c.Name, w.src.CursorColumn) || inKey(w.def, w.cols[i].Name) {
			continue
		}
		pos = append(pos, i)
	}
	return pos
}

// TypedUpsert is an optional Dialect method for databases whose upsert
// statement depends on the stored types of the columns it writes
// (PostgreSQL compares JSON columns as text, since a JSON column created
// by an earlier version has no equality operator). Write uses it instead
// of UpsertSQL for a table's rows; dialects that are SetLater do not need it.
type TypedUpsert interface {
	// TypedUpsertSQL is UpsertSQL for quoted columns of the stored types
	// types (types[i] is columns[i]'s).
	TypedUpsertSQL(ref string, columns []string, types []bs.Type, key []string, rows int) string
}

// upsertSQL returns the upsert statement for n rows.
func (w *writer) upsertSQL(n int) string {
	if len(w.laterPos) == 0 {
		if tu, ok := w.x.d.(TypedUpsert); ok {
			return tu.TypedUpsertSQL(w.ref, w.qcols, w.types, w.qkey, n)
		}
		return w.x.d.UpsertSQL(w.ref, w.qcols, w.qkey, n)
	}
	return w.x.d.(SetLater).UpsertExceptSQL(w.ref, w.qcols, w.qkey, w.qlater, n)
}

// laterArgs appends to out, for each of the rows (indexes into args, whose
// rows are each len(w.cols) long), the row's key values and its values of
// the columns set later, preceded by its index when withIndex is true.
func (w *writer) laterArgs(out, args []any, rows []int, withIndex bool) []any {
	width := len(w.cols)
	for _, r := range rows {
		row := args[r*width : (r+1)*width]
		if withIndex {
			out = append(out, int64(r))
		}
		for _, p := range w.keyPos {
			out = append(out, row[p])
		}
		for _, p := range w.laterPos {
			out = append(out, row[p])
		}
	}
	return out
}

// probe runs ProbeSQL for the n rows of args (each of its own key). It
// returns how many of them are stored, and the rows whose columns set
// later differ from the stored ones.
func (w *writer) probe(ctx context.Context, tx *sql.Tx, args []any, n int) (int64, []int, error) {
	existing, changed, err := w.probeRows(ctx, tx, args, n)
	if err != nil {
		return 0, nil, fmt.Errorf("write %s: probe existing keys: %w", w.def.Name, err)
	}
	return existing, changed, nil
}

// probeRows is probe without the error's context.
func (w *writer) probeRows(ctx context.Context, tx *sql.Tx, args []any, n int) (int64, []int, error) {
	sl := w.x.d.(SetLater)
	per := max(1, min(maxRowsPerStatement, w.x.d.MaxParams()/(1+len(w.keyPos)+len(w.laterPos))))
	var existing int64
	var changed []int
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	for start := 0; start < n; {
		step := stmtRows(per, n-start)
		part := all[start : start+step]
		start += step
		st, err := w.x.stmt(ctx, tx, sl.ProbeSQL(w.ref, w.qkey, w.qlater, step))
		if err != nil {
			return 0, nil, fmt.Errorf("prepare: %w", err)
		}
		rows, err := st.QueryContext(ctx, w.laterArgs(make([]any, 0, step*(1+len(w.keyPos)+len(w.laterPos))), args, part, true)...)
		if err != nil {
			return 0, nil, err
		}
		for rows.Next() {
			var r int64
			var differs bool
			if err := rows.Scan(&r, &differs); err != nil {
				rows.Close()
				return 0, nil, err
			}
			existing++
			if differs {
				changed = append(changed, int(r))
			}
		}
		if err := rows.Close(); err != nil {
			return 0, nil, err
		}
		if err := rows.Err(); err != nil {
			return 0, nil, err
		}
	}
	return existing, changed, nil
}

// setLater runs SetChangedSQL for the rows changed (indexes into args),
// after their upsert. It returns how many rows it updated.
func (w *writer) setLater(ctx context.Context, tx *sql.Tx, args []any, changed []int) (int64, error) {
	if len(changed) == 0 {
		return 0, nil
	}
	var total int64
	sl := w.x.d.(SetLater)
	per := max(1, min(maxRowsPerStatement, w.x.d.MaxParams()/(len(w.keyPos)+len(w.laterPos))))
	for start := 0; start < len(changed); {
		step := stmtRows(per, len(changed)-start)
		part := changed[start : start+step]
		start += step
		st, err := w.x.stmt(ctx, tx, sl.SetChangedSQL(w.ref, w.qkey, w.qlater, step))
		if err != nil {
			return 0, fmt.Errorf("write %s: prepare: %w", w.def.Name, err)
		}
		r, err := st.ExecContext(ctx, w.laterArgs(nil, args, part, false)...)
		if err != nil {
			return 0, fmt.Errorf("write %s: set indexed columns: %w", w.def.Name, err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("write %s: set indexed columns: rows affected: %w", w.def.Name, err)
		}
		total += n
	}
	return total, nil
}
