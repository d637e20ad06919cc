// Package sqlite is the embedded default destination: a SQLite file written
// through modernc.org/sqlite, a pure-Go driver, so the backlogsync binary
// needs no C toolchain and stays static.
//
// Types are declared so that SQLite tools and BI drivers read them well:
// BIGINT → INTEGER, DOUBLE → REAL, TEXT and JSON → TEXT, BOOLEAN → BOOLEAN
// holding 0/1, DATE → DATE holding 'YYYY-MM-DD' text and TIMESTAMP →
// TIMESTAMP holding 'YYYY-MM-DDTHH:MM:SSZ' text (UTC). Those texts sort
// chronologically and are what SQLite's date functions read. A table in a
// schema (PROD.Issues) is a table whose name contains the dot:
// SELECT * FROM "PROD.Issues".
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/internal/destutil"
	"github.com/backlogsync/backlogsync/dest/sqldb"
	"modernc.org/sqlite" // also registers the "sqlite" database/sql driver
)

// sqliteReadOnly is SQLITE_READONLY, the primary result code of a write
// refused because the database is read-only.
const sqliteReadOnly = 8

// ReadOnly reports whether err is SQLite refusing a write because the
// database is read-only: a file (or its directory, where the journal goes)
// that this user may not write, or one opened with mode=ro.
func ReadOnly(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqliteReadOnly
}

// Open opens (creating if needed) the SQLite database dsn — a file name or a
// file: URI with parameters, as config.Destination.DriverDSN returns — and
// returns it as a Destination. Unless the DSN sets them, each connection
// uses WAL journaling, busy_timeout 10 s, synchronous=NORMAL, foreign
// keys off, a 16 MiB page cache and a WAL checkpointed at 10,000 pages
// (see defaultPragmas), and transactions begin IMMEDIATE (a writer takes the write lock
// up front instead of failing to upgrade a read lock).
//
// ":memory:" gives a private in-memory database on a single connection;
// there a Query callback must not call the destination.
func Open(ctx context.Context, dsn string) (*sqldb.DB, error) {
	driverDSN, memory, err := driverDSN(dsn)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", driverDSN)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", dsn, err)
	}
	if memory {
		db.SetMaxOpenConns(1)
	}
	db.SetMaxIdleConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		// A local file that cannot be opened: its path (or its directory's
		// permissions) must change.
		return nil, &bs.Error{Code: bs.EINVALID, Message: fmt.Sprintf("sqlite: open %s", dsn),
			Err: fmt.Errorf("%w (check that the directory exists and is writable)", err)}
	}
	d, err := sqldb.New(ctx, db, Dialect{})
	if err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// defaultPragmas are applied to every connection unless the DSN sets them.
var defaultPragmas = []struct{ name, value string }{
	{"busy_timeout", "10000"},
	{"journal_mode", "WAL"},
	{"synchronous", "NORMAL"},
	{"foreign_keys", "0"},
	// A 16 MiB page cache (the default is 2 MiB, grown only as pages are
	// read) holds the key index and a batch's changed pages: a batch of
	// scattered updates no longer spills changed pages into the WAL before
	// its commit, and reads them from the file less often.
	{"cache_size", "-16384"},
	// Checkpoint when the WAL reaches 10,000 pages (~40 MB) instead of
	// 1,000: a batch of scattered updates changes a few thousand pages, so
	// the default checkpointed after nearly every batch, copying the pages
	// back into the file and syncing it each time.
	{"wal_autocheckpoint", "10000"},
}

// driverDSN adds the default pragmas and _txlock=immediate to dsn.
func driverDSN(dsn string) (string, bool, error) {
	if dsn == "" {
		return "", false, bs.Errorf(bs.EINVALID, "sqlite: empty database file name")
	}
	path, query := dsn, ""
	if strings.HasPrefix(dsn, "file:") {
		path, query, _ = strings.Cut(dsn[len("file:"):], "?")
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return "", false, bs.Errorf(bs.EINVALID, "sqlite: malformed parameters in %q", dsn)
	}
	memory := path == ":memory:" || vals.Get("mode") == "memory"
	set := map[string]bool{}
	for _, p := range vals["_pragma"] {
		name, _, _ := strings.Cut(p, "(")
		name, _, _ = strings.Cut(name, "=")
		set[strings.ToLower(strings.TrimSpace(name))] = true
	}
	for _, p := range defaultPragmas {
		if set[p.name] || vals.Has("_"+p.name) || (memory && p.name == "journal_mode") {
			continue
		}
		vals.Add("_pragma", p.name+"("+p.value+")")
	}
	if !vals.Has("_txlock") {
		vals.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + vals.Encode(), memory, nil
}

// Dialect is SQLite's sqldb.Dialect.
type Dialect struct{}

var _ sqldb.Dialect = Dialect{}

// Name implements sqldb.Dialect.
func (Dialect) Name() string { return "sqlite" }

// QuoteIdent implements sqldb.Dialect.
func (Dialect) QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Placeholder implements sqldb.Dialect.
func (Dialect) Placeholder(int) string { return "?" }

// MaxParams implements sqldb.Dialect (SQLITE_MAX_VARIABLE_NUMBER since 3.32).
func (Dialect) MaxParams() int { return 32766 }

// TableRef implements sqldb.Dialect: the schema becomes part of the name.
func (d Dialect) TableRef(n bs.TableName) string { return d.QuoteIdent(n.String()) }

// ColumnType implements sqldb.Dialect.
func (Dialect) ColumnType(t bs.Type, key bool) string {
	switch t {
	case bs.TypeInt:
		return "INTEGER"
	case bs.TypeFloat:
		return "REAL"
	case bs.TypeBool:
		return "BOOLEAN"
	case bs.TypeDate:
		return "DATE"
	case bs.TypeTimestamp:
		return "TIMESTAMP"
	}
	// JSON too: a JSON declared type would get NUMERIC affinity, which
	// turns the JSON text "1.0" into the number 1.
	return "TEXT"
}

// SameStorage implements sqldb.Dialect: JSON is stored as TEXT.
func (Dialect) SameStorage(a, b bs.Type) bool {
	return (a == bs.TypeText || a == bs.TypeJSON) && (b == bs.TypeText || b == bs.TypeJSON)
}

// columnType maps a declared type back.
func columnType(decl string) bs.Type {
	switch strings.ToUpper(decl) {
	case "INTEGER":
		return bs.TypeInt
	case "REAL":
		return bs.TypeFloat
	case "BOOLEAN":
		return bs.TypeBool
	case "DATE":
		return bs.TypeDate
	case "TIMESTAMP":
		return bs.TypeTimestamp
	case "TEXT":
		return bs.TypeText
	}
	if t, err := bs.ParseType(decl); err == nil && t != bs.TypeJSON {
		return t
	}
	return bs.TypeText
}

// UpsertSQL implements sqldb.Dialect with INSERT OR FAIL … ON CONFLICT DO
// UPDATE … WHERE. OR FAIL instead of the default ABORT spares SQLite the
// statement journal: a statement that may abort half-way copies every page
// it changes into a journal first, so that it can be undone alone, which
// for a batch of scattered updates cost as much as writing them (every
// Write runs in a transaction that is rolled back as a whole on any error,
// so undoing one statement alone is never needed). The WHERE updates only
// a row whose values differ (IS NOT, which compares NULLs too): SQLite
// rewrites an updated row's page and its index entries even when no value
// changed, and incremental runs fetch unchanged rows again (their window is
// widened).
func (d Dialect) UpsertSQL(ref string, columns, key []string, rows int) string {
	return d.UpsertExceptSQL(ref, columns, key, nil, rows)
}

// UpsertExceptSQL implements sqldb.SetLater: UpsertSQL whose update leaves
// the columns keep of an existing row unchanged. Its WHERE compares them
// too, so that the statement's count of changed rows includes a row where
// only they differ (its other columns are then written unchanged, and
// SetChangedSQL sets them); when every non-key column is kept, the
// statement does nothing on a conflict.
func (Dialect) UpsertExceptSQL(ref string, columns, key, keep []string, rows int) string {
	u := destutil.OnConflict(destutil.QuestionMark)
	u.Conflict = func([]string) string { return " ON CONFLICT (" + strings.Join(key, ", ") + ") DO " }
	// Columns named in UpsertSQL's key are left out of the SET list.
	q := u.UpsertSQL(ref, columns, append(slices.Clip(key), keep...), rows)
	// DO NOTHING when every non-key column is kept: nothing to compare.
	// Otherwise there is a column outside key and keep, so the WHERE has
	// at least one term.
	if !strings.HasSuffix(q, " DO NOTHING") {
		var changed []string
		for _, c := range columns {
			if !slices.Contains(key, c) {
				changed = append(changed, c+" IS NOT excluded."+c)
			}
		}
		q += " WHERE " + strings.Join(changed, " OR ")
	}
	return "INSERT OR FAIL" + strings.TrimPrefix(q, "INSERT")
}

// ProbeSQL implements sqldb.SetLater with a join of the stored rows to
// VALUES (row number, key…, cols…), which SQLite runs as one key lookup per
// row.
func (Dialect) ProbeSQL(ref string, key, cols []string, rows int) string {
	var b strings.Builder
	b.WriteString("SELECT v.column1, ")
	n := 1 + len(key)
	writeDiffers(&b, ref, cols, n+1)
	b.WriteString(" FROM (VALUES ")
	writeRows(&b, n+len(cols), rows)
	b.WriteString(") AS v JOIN " + ref + " ON ")
	for i, k := range key {
		if i > 0 {
			b.WriteString(" AND ")
		}
		fmt.Fprintf(&b, "%s.%s = v.column%d", ref, k, i+2)
	}
	return b.String()
}

// writeDiffers writes the condition that one of the stored columns cols
// of ref differs from the VALUES row v's, whose first column compared is
// v.column<first> (IS NOT compares NULLs too).
func writeDiffers(b *strings.Builder, ref string, cols []string, first int) {
	for i, c := range cols {
		if i > 0 {
			b.WriteString(" OR ")
		}
		fmt.Fprintf(b, "%s.%s IS NOT v.column%d", ref, c, first+i)
	}
}

// writeRows writes rows parenthesised lists of width placeholders.
func writeRows(b *strings.Builder, width, rows int) {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
}

// SetChangedSQL implements sqldb.SetLater with UPDATE … FROM (VALUES …):
// each of rows rows binds its key values, then its values of cols; only
// rows where one of cols differs are updated, so that only their index
// entries are rewritten.
func (Dialect) SetChangedSQL(ref string, key, cols []string, rows int) string {
	var b strings.Builder
	b.WriteString("UPDATE " + ref + " SET ")
	n := len(key)
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = v.column%d", c, n+i+1)
	}
	b.WriteString(" FROM (VALUES ")
	writeRows(&b, n+len(cols), rows)
	b.WriteString(") AS v WHERE ")
	for i, k := range key {
		fmt.Fprintf(&b, "%s.%s = v.column%d AND ", ref, k, i+1)
	}
	b.WriteString("(")
	writeDiffers(&b, ref, cols, n+1)
	b.WriteString(")")
	return b.String()
}

// CreateIndexSQL implements sqldb.Dialect.
func (d Dialect) CreateIndexSQL(n bs.TableName, col string) string {
	return fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", d.QuoteIdent(n.String()+"_"+col+"_idx"), d.TableRef(n), d.QuoteIdent(col))
}

// EnsureSchema implements sqldb.Dialect: nothing to create.
func (Dialect) EnsureSchema(context.Context, sqldb.Conn, string) error { return nil }

// ListTables implements sqldb.Dialect.
func (Dialect) ListTables(ctx context.Context, c sqldb.Conn) ([]bs.TableName, error) {
	rows, err := c.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table'
		AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_backlogsync\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bs.TableName
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, bs.ParseTableName(s))
	}
	return out, rows.Err()
}

// Describe implements sqldb.Dialect with pragma_table_info.
func (Dialect) Describe(ctx context.Context, c sqldb.Conn, n bs.TableName) (*bs.Table, error) {
	rows, err := c.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, n.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := &bs.Table{Name: n.String()}
	var keys []struct {
		pos  int
		name string
	}
	for rows.Next() {
		var name, decl string
		var notNull bool
		var pk int
		if err := rows.Scan(&name, &decl, &notNull, &pk); err != nil {
			return nil, err
		}
		t.Columns = append(t.Columns, bs.Column{Name: name, Type: columnType(decl), Nullable: !notNull})
		if pk > 0 {
			keys = append(keys, struct {
				pos  int
				name string
			}{pk, name})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(t.Columns) == 0 {
		return nil, nil
	}
	t.PrimaryKey = make([]string, len(keys))
	for _, k := range keys {
		t.PrimaryKey[k.pos-1] = k.name
	}
	return t, nil
}

// WidenColumns implements sqldb.Dialect. SQLite cannot change a declared
// type in place (and the declared type decides how values are stored), so
// the table is rebuilt: created anew under a temporary name, filled with the
// converted rows, swapped in, and its cursor index recreated.
func (d Dialect) WidenColumns(ctx context.Context, tx *sql.Tx, n bs.TableName, have, want *bs.Table) error {
	tmp := bs.TableName{Name: bs.ReservedPrefix + "rebuild"}
	if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+d.TableRef(tmp)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqldb.CreateTableSQL(d, d.TableRef(tmp), want)); err != nil {
		return err
	}
	var cols, exprs []string
	for i, c := range want.Columns {
		q := d.QuoteIdent(c.Name)
		cols = append(cols, q)
		exprs = append(exprs, convert(q, have.Columns[i].Type, c.Type))
	}
	copyRows := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", d.TableRef(tmp), strings.Join(cols, ", "), strings.Join(exprs, ", "), d.TableRef(n))
	for _, s := range []string{
		copyRows,
		"DROP TABLE " + d.TableRef(n),
		"ALTER TABLE " + d.TableRef(tmp) + " RENAME TO " + d.TableRef(n),
	} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil // sqldb recreates the cursor index after widening
}

// convert returns the SQL converting column q from one stored type to a
// wider one (backlogsync.CanWiden).
func convert(q string, from, to bs.Type) string {
	switch {
	case from == to:
		return q
	case to == bs.TypeFloat:
		return "CAST(" + q + " AS REAL)"
	case to == bs.TypeTimestamp && from == bs.TypeDate:
		return q + " || 'T00:00:00Z'"
	case to == bs.TypeText && from == bs.TypeBool:
		return "CASE " + q + " WHEN 0 THEN 'false' WHEN 1 THEN 'true' END"
	case to == bs.TypeText:
		return "CAST(" + q + " AS TEXT)"
	}
	return q // BOOLEAN → INTEGER: already 0/1
}

// Encode implements sqldb.Dialect.
func (Dialect) Encode(t bs.Type, v any) any {
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case time.Time:
		if t == bs.TypeDate {
			return x.Format(destutil.DateLayout)
		}
		return x.UTC().Format(destutil.TimestampLayout)
	}
	return v
}

// Decode implements sqldb.Dialect. The driver returns DATE and TIMESTAMP
// text already parsed to time.Time.
func (Dialect) Decode(t bs.Type, v any) (any, error) {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	bad := func() (any, error) { return nil, fmt.Errorf("cannot read %T %v as %s", v, v, t) }
	switch t {
	case bs.TypeInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			return int64(x), nil
		case string:
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return bad()
			}
			return n, nil
		}
	case bs.TypeFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case string:
			f, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return bad()
			}
			return f, nil
		}
	case bs.TypeBool:
		switch x := v.(type) {
		case int64:
			return x != 0, nil
		case float64:
			return x != 0, nil
		case string:
			b, err := strconv.ParseBool(x)
			if err != nil {
				return bad()
			}
			return b, nil
		}
	case bs.TypeText, bs.TypeJSON:
		switch x := v.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		case time.Time:
			return x.UTC().Format(destutil.TimestampLayout), nil
		}
	case bs.TypeDate, bs.TypeTimestamp:
		switch x := v.(type) {
		case time.Time:
			return destutil.NormTime(t, x), nil
		case string:
			for _, layout := range []string{destutil.TimestampLayout, destutil.DateLayout, time.RFC3339Nano, "2006-01-02 15:04:05"} {
				if tm, err := time.Parse(layout, x); err == nil {
					return destutil.NormTime(t, tm), nil
				}
			}
		}
	}
	return bad()
}

// OrderTerm implements sqldb.Dialect: SQLite already sorts NULLs first
// ascending, and TEXT compares with BINARY (byte) collation.
func (Dialect) OrderTerm(col string, desc bool) string {
	if desc {
		return col + " DESC"
	}
	return col
}

// Match implements sqldb.Dialect with instr and substr, which are
// case-sensitive (LIKE is not) and count characters.
func (Dialect) Match(op bs.Op, col string, arg func() string) string {
	switch op {
	case bs.OpStartsWith:
		return "substr(" + col + ", 1, length(" + arg() + ")) = " + arg()
	case bs.OpEndsWith:
		return "substr(" + col + ", length(" + col + ") - length(" + arg() + ") + 1) = " + arg()
	}
	return "instr(" + col + ", " + arg() + ") > 0"
}

// NowMillisSQL implements sqldb.Clock.
func (Dialect) NowMillisSQL() string {
	return "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
}
