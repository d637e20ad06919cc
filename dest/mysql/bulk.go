package mysql

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/sqldb"
)

// BulkThreshold is the number of upserts from which a batch is written as
// a few large text statements (see BulkUpsert) instead of prepared
// multi-row INSERTs of fixed sizes.
const BulkThreshold = 100

// maxStmtBytes caps the SQL text of one bulk statement, below the smallest
// max_allowed_packet in use (4 MiB, MySQL 5.7's default; MariaDB's is
// 16 MiB, MySQL 8's 64 MiB). A row whose values alone exceed half of it is
// written by itself through a prepared statement, whose long values the
// driver sends in pieces.
const maxStmtBytes = 2 << 20

var _ sqldb.BulkWriter = (*Dialect)(nil)

// BulkMinRows implements sqldb.BulkWriter.
func (d *Dialect) BulkMinRows() int {
	if d.BulkThreshold > 0 {
		return d.BulkThreshold
	}
	return BulkThreshold
}

// BulkUpsert implements sqldb.BulkWriter. It sorts the rows by key (InnoDB
// clusters a table by its key, so the statements walk its pages in order),
// counts the keys that exist with one SELECT, and writes the rows with
// INSERT … ON DUPLICATE KEY UPDATE statements of up to maxStmtBytes. The
// statements carry their values as SQL literals (see appendLiteral), so each
// is one round trip, where a prepared statement of a size not seen before
// costs a prepare too, and a batch of 990 rows needs 2 statements instead
// of the 11 that prepared sizes of 500, 100, 25, 5 and 1 rows make.
func (d *Dialect) BulkUpsert(ctx context.Context, _ *sql.Conn, tx *sql.Tx, n bs.TableName, cols []bs.Column, key []string, rows [][]any) (int64, error) {
	qcols := make([]string, len(cols))
	for i, c := range cols {
		qcols[i] = d.QuoteIdent(c.Name)
	}
	keyPos := make([]int, len(key))
	qkey := make([]string, len(key))
	for i, k := range key {
		keyPos[i] = slices.IndexFunc(cols, func(c bs.Column) bool { return c.Name == k })
		if keyPos[i] < 0 {
			return 0, fmt.Errorf("key column %s is not among the columns", k)
		}
		qkey[i] = d.QuoteIdent(k)
	}
	enc := make([][]any, len(rows))
	for i, r := range rows {
		e := make([]any, len(r))
		for j, v := range r {
			if v != nil {
				v = d.Encode(cols[j].Type, v)
			}
			e[j] = v
		}
		enc[i] = e
	}
	slices.SortFunc(enc, func(a, b []any) int {
		for _, p := range keyPos {
			if c := compareValues(a[p], b[p]); c != 0 {
				return c
			}
		}
		return 0
	})
	ref := d.TableRef(n)
	existing, err := countKeys(ctx, tx, ref, qkey, keyPos, enc)
	if err != nil {
		return 0, fmt.Errorf("count existing keys: %w", err)
	}
	prefix := "INSERT INTO " + ref + " (" + strings.Join(qcols, ", ") + ") VALUES "
	suffix := strings.TrimPrefix(d.UpsertSQL(ref, qcols, qkey, 0), prefix)
	buf := make([]byte, 0, 64<<10)
	var row []byte
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		buf = append(buf, suffix...)
		_, err := tx.ExecContext(ctx, string(buf))
		buf = buf[:0]
		return err
	}
	for _, r := range enc {
		row = append(row[:0], '(')
		for j, v := range r {
			if j > 0 {
				row = append(row, ", "...)
			}
			if row, err = appendLiteral(row, v); err != nil {
				return 0, fmt.Errorf("column %s: %w", cols[j].Name, err)
			}
		}
		row = append(row, ')')
		if len(row) > maxStmtBytes/2 {
			// Too long for a text statement: prepared, alone.
			if _, err := tx.ExecContext(ctx, d.UpsertSQL(ref, qcols, qkey, 1), r...); err != nil {
				return 0, err
			}
			continue
		}
		if len(buf)+len(row)+len(suffix) > maxStmtBytes {
			if err := flush(); err != nil {
				return 0, err
			}
		}
		if len(buf) == 0 {
			buf = append(buf, prefix...)
		} else {
			buf = append(buf, ", "...)
		}
		buf = append(buf, row...)
	}
	if err := flush(); err != nil {
		return 0, err
	}
	return int64(len(enc)) - existing, nil
}

// countKeys returns how many of the rows' keys exist in the table ref, with
// SELECT COUNT(*) … WHERE key IN (literals) statements of up to
// maxStmtBytes.
func countKeys(ctx context.Context, tx *sql.Tx, ref string, qkey []string, keyPos []int, rows [][]any) (int64, error) {
	prefix := "SELECT COUNT(*) FROM " + ref + " WHERE "
	if len(qkey) == 1 {
		prefix += qkey[0] + " IN ("
	} else {
		prefix += "(" + strings.Join(qkey, ", ") + ") IN ("
	}
	var total int64
	buf := make([]byte, 0, 16<<10)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		var n int64
		err := tx.QueryRowContext(ctx, string(append(buf, ')'))).Scan(&n)
		total += n
		buf = buf[:0]
		return err
	}
	var lit []byte
	var err error
	for _, r := range rows {
		lit = lit[:0]
		if len(keyPos) > 1 {
			lit = append(lit, '(')
		}
		for i, p := range keyPos {
			if i > 0 {
				lit = append(lit, ", "...)
			}
			if lit, err = appendLiteral(lit, r[p]); err != nil {
				return 0, err
			}
		}
		if len(keyPos) > 1 {
			lit = append(lit, ')')
		}
		if len(buf)+len(lit) > maxStmtBytes {
			if err := flush(); err != nil {
				return 0, err
			}
		}
		if len(buf) == 0 {
			buf = append(buf, prefix...)
		} else {
			buf = append(buf, ", "...)
		}
		buf = append(buf, lit...)
	}
	return total, flush()
}

// appendLiteral appends v, a driver argument as Dialect.Encode returns
// it, as an SQL literal that reads the same under every sql_mode: a
// string holding a backslash (an escape character unless
// NO_BACKSLASH_ESCAPES) or a NUL byte is written in hexadecimal
// (_utf8mb4 X'…'), any other in quotes with quotes doubled; a float in
// exponent notation (a DOUBLE literal; "0.1" would be DECIMAL) with the
// shortest digits that read back the same value.
func appendLiteral(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "NULL"...), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		return strconv.AppendFloat(b, x, 'e', -1, 64), nil
	case bool:
		if x {
			return append(b, "TRUE"...), nil
		}
		return append(b, "FALSE"...), nil
	case time.Time:
		b = append(b, '\'')
		b = x.UTC().AppendFormat(b, "2006-01-02 15:04:05.999999")
		return append(b, '\''), nil
	case string:
		if strings.ContainsAny(x, "\\\x00") {
			b = append(b, "_utf8mb4 X'"...)
			b = hex.AppendEncode(b, []byte(x))
			return append(b, '\''), nil
		}
		b = append(b, '\'')
		for i := 0; i < len(x); i++ {
			if x[i] == '\'' {
				b = append(b, '\'')
			}
			b = append(b, x[i])
		}
		return append(b, '\''), nil
	}
	return nil, fmt.Errorf("cannot write %T as an SQL literal", v)
}

// compareValues orders two key values of the same column; values of
// different Go types (which one column never holds) order by type name.
func compareValues(a, b any) int {
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmp.Compare(strconv.FormatBool(x), strconv.FormatBool(y))
		}
	}
	return strings.Compare(fmt.Sprintf("%T", a), fmt.Sprintf("%T", b))
}
