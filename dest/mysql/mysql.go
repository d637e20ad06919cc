// Package mysql is the MySQL/MariaDB destination, written through
// github.com/go-sql-driver/mysql and the generic dest/sqldb implementation.
// It is tested on MariaDB 10.11 and uses only syntax MySQL 8 accepts as well
// (VALUES(col) in ON DUPLICATE KEY UPDATE, row-constructor IN lists).
//
// Types: BIGINT, DOUBLE, BOOLEAN (TINYINT(1)), LONGTEXT (VARCHAR(191) for
// key columns, which InnoDB must index in full), DATE, DATETIME (UTC, second
// precision) and JSON as LONGTEXT (reported as TEXT). Text is utf8mb4 with a
// binary, no-pad collation (utf8mb4_nopad_bin on MariaDB, utf8mb4_0900_bin
// on MySQL 8), so that text compares and sorts by byte and trailing spaces
// count. A table in a schema (PROD.Issues) is a table in the database of
// that name, created on first use.
//
// DOUBLE cannot hold infinities: +Inf and -Inf are stored as the largest
// finite doubles (±1.7976931348623157e308) and read back as infinities, so
// a stored ±math.MaxFloat64 reads back infinite too.
//
// MySQL commits DDL implicitly, so Migrate is not atomic here: a migration
// that fails part-way leaves the steps before the failure applied.
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/internal/destutil"
	"github.com/backlogsync/backlogsync/dest/sqldb"
	driver "github.com/go-sql-driver/mysql"
)

// Open connects to the MySQL or MariaDB database dsn — go-sql-driver's
// user:pass@tcp(host:port)/db?…, as config.Destination.DriverDSN returns —
// and returns it as a Destination, creating its internal tables when
// missing. The DSN's database is the default schema; it must exist. Open
// sets parseTime, loc=UTC, the utf8mb4 character set, time_zone '+00:00'
// and a strict sql_mode on every connection.
func Open(ctx context.Context, dsn string) (*sqldb.DB, error) {
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		return nil, bs.Errorf(bs.EINVALID, "mysql: %v", err)
	}
	if cfg.DBName == "" {
		return nil, bs.Errorf(bs.EINVALID, "mysql: the connection string names no database (…/db)")
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	// Rows affected count an unchanged row as 0, which ChangedRows
	// relies on (with CLIENT_FOUND_ROWS they would count it as 1).
	cfg.ClientFoundRows = false
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	if cfg.Collation == "" || !strings.HasPrefix(cfg.Collation, "utf8mb4") {
		cfg.Collation = "utf8mb4_general_ci" // the utf8mb4 character set on the wire
	}
	if _, ok := cfg.Params["time_zone"]; !ok {
		cfg.Params["time_zone"] = "'+00:00'"
	}
	if _, ok := cfg.Params["sql_mode"]; !ok {
		cfg.Params["sql_mode"] = "'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO'"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = connectTimeout // dial timeout
	}
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, bs.Errorf(bs.EINVALID, "mysql: %v", err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	var version string
	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := db.QueryRowContext(pctx, "SELECT VERSION()").Scan(&version); err != nil {
		db.Close()
		return nil, connectError(cfg, err)
	}
	d := &Dialect{MariaDB: strings.Contains(strings.ToLower(version), "mariadb"), db: db}
	x, err := sqldb.New(ctx, db, d)
	if err != nil {
		db.Close()
		return nil, err
	}
	return x, nil
}

// connectTimeout bounds Open's first connection, so that a server that
// does not answer fails Open instead of hanging it.
const connectTimeout = 30 * time.Second

// connectError explains a failed first connection to the server cfg
// describes: what went wrong and what to fix in the connection string. It
// names the address, database and user, never the password.
func connectError(cfg *driver.Config, err error) error {
	where := fmt.Sprintf("MySQL/MariaDB at %s (database %q, user %q)", cfg.Addr, cfg.DBName, cfg.User)
	var me *driver.MySQLError
	var hint string
	code := bs.EINVALID // the connection string must change
	switch {
	case errors.As(err, &me) && me.Number == 1045:
		hint = "authentication failed: check User and Password in the connection string (and the user's allowed host)"
	case errors.As(err, &me) && me.Number == 1049:
		hint = fmt.Sprintf("database %q does not exist: create it (CREATE DATABASE %s CHARACTER SET utf8mb4) or fix Database in the connection string", cfg.DBName, (&Dialect{}).QuoteIdent(cfg.DBName))
	case errors.As(err, &me) && me.Number == 1044:
		hint = fmt.Sprintf("the user may not use database %q: GRANT ALL ON %s.* to it, or use another User", cfg.DBName, (&Dialect{}).QuoteIdent(cfg.DBName))
	default:
		hint, code = destutil.ConnectHint(err, "MySQL", connectTimeout), bs.EUNAVAILABLE
	}
	return &bs.Error{Code: code, Message: fmt.Sprintf("mysql: %s: %s", where, hint), Err: err}
}

// Dialect is the MySQL/MariaDB sqldb.Dialect.
type Dialect struct {
	// MariaDB selects MariaDB's spelling where the two differ (the
	// no-pad binary collation's name).
	MariaDB bool
	db      *sql.DB // for CreateIndexSQL's look-ups
}

var _ sqldb.Dialect = (*Dialect)(nil)

// Name implements sqldb.Dialect.
func (*Dialect) Name() string { return "mysql" }

// QuoteIdent implements sqldb.Dialect.
func (*Dialect) QuoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// Placeholder implements sqldb.Dialect.
func (*Dialect) Placeholder(int) string { return "?" }

// MaxParams implements sqldb.Dialect (the protocol's 16-bit count).
func (*Dialect) MaxParams() int { return 65535 }

// TableRef implements sqldb.Dialect: a schema is a database.
func (d *Dialect) TableRef(n bs.TableName) string {
	if n.Schema == "" {
		return d.QuoteIdent(n.Name)
	}
	return d.QuoteIdent(n.Schema) + "." + d.QuoteIdent(n.Name)
}

// Collation is the binary no-pad utf8mb4 collation of every text column.
func (d *Dialect) Collation() string {
	if d.MariaDB {
		return "utf8mb4_nopad_bin"
	}
	return "utf8mb4_0900_bin"
}

// ColumnType implements sqldb.Dialect.
func (d *Dialect) ColumnType(t bs.Type, key bool) string {
	switch t {
	case bs.TypeInt:
		return "BIGINT"
	case bs.TypeFloat:
		return "DOUBLE"
	case bs.TypeBool:
		return "BOOLEAN"
	case bs.TypeDate:
		return "DATE"
	case bs.TypeTimestamp:
		return "DATETIME"
	}
	if key {
		return "VARCHAR(191) CHARACTER SET utf8mb4 COLLATE " + d.Collation()
	}
	return "LONGTEXT CHARACTER SET utf8mb4 COLLATE " + d.Collation()
}

// SameStorage implements sqldb.Dialect: JSON is stored as LONGTEXT.
func (*Dialect) SameStorage(a, b bs.Type) bool {
	return (a == bs.TypeText || a == bs.TypeJSON) && (b == bs.TypeText || b == bs.TypeJSON)
}

// columnType maps information_schema's DATA_TYPE and COLUMN_TYPE back.
func columnType(dataType, colType string) bs.Type {
	switch strings.ToLower(dataType) {
	case "bigint", "int", "mediumint", "smallint":
		return bs.TypeInt
	case "tinyint":
		if strings.HasPrefix(strings.ToLower(colType), "tinyint(1)") {
			return bs.TypeBool
		}
		return bs.TypeInt
	case "double", "float", "decimal":
		return bs.TypeFloat
	case "date":
		return bs.TypeDate
	case "datetime", "timestamp":
		return bs.TypeTimestamp
	}
	return bs.TypeText
}

// ChangedRows implements sqldb.ChangedRows: INSERT … ON DUPLICATE KEY
// UPDATE counts 1 affected row per inserted row, 2 per changed existing
// row and 0 per existing row set to the values it has (Open turns
// CLIENT_FOUND_ROWS off, which would count those as 1).
func (*Dialect) ChangedRows(inserted, affected int64) int64 { return (affected - inserted) / 2 }

// UpsertSQL implements sqldb.Dialect with INSERT … ON DUPLICATE KEY UPDATE
// col = VALUES(col), which MariaDB and MySQL 8 both accept.
func (*Dialect) UpsertSQL(ref string, columns, key []string, rows int) string {
	return upsert.UpsertSQL(ref, columns, key, rows)
}

// upsert spells MySQL's upsert; with nothing to update it assigns the first
// key column to itself.
var upsert = destutil.Upsert{
	Placeholder: destutil.QuestionMark,
	Conflict:    func([]string) string { return " ON DUPLICATE KEY UPDATE " },
	Set:         func(c string) string { return c + " = VALUES(" + c + ")" },
	NoUpdate:    func(key []string) string { return key[0] + " = " + key[0] },
}

// KeyListSQL implements sqldb.KeyLister: MySQL 8 does not take
// "IN (VALUES (…))" without ROW, which MariaDB does not take.
func (d *Dialect) KeyListSQL(qkey []string, n int) string { return sqldb.RowList(d, qkey, n) }

func indexName(col string) string {
	s := col + "_idx"
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// CreateIndexSQL implements sqldb.Dialect. MySQL 8 has no CREATE INDEX IF
// NOT EXISTS and a text column needs a prefix length, so the index and the
// column's type are looked up first (MySQL commits DDL implicitly, so the
// table just created is visible); an existing index gives a no-op.
func (d *Dialect) CreateIndexSQL(n bs.TableName, col string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	schema := any(nil)
	if n.Schema != "" {
		schema = n.Schema
	}
	var dataType string
	var indexed int
	err := d.db.QueryRowContext(ctx, `SELECT c.DATA_TYPE, (SELECT COUNT(*) FROM information_schema.STATISTICS s
			WHERE s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = c.TABLE_NAME AND s.INDEX_NAME = ?)
		FROM information_schema.COLUMNS c
		WHERE c.TABLE_SCHEMA = COALESCE(?, DATABASE()) AND c.TABLE_NAME = ? AND c.COLUMN_NAME = ?`,
		indexName(col), schema, n.Name, col).Scan(&dataType, &indexed)
	if err == nil && indexed > 0 {
		return "DO 0"
	}
	target := d.QuoteIdent(col)
	if t := strings.ToLower(dataType); strings.HasSuffix(t, "text") || strings.HasSuffix(t, "blob") {
		target += "(191)"
	}
	return fmt.Sprintf("CREATE INDEX %s ON %s (%s)", d.QuoteIdent(indexName(col)), d.TableRef(n), target)
}

// EnsureSchema implements sqldb.Dialect: a schema is a database.
func (d *Dialect) EnsureSchema(ctx context.Context, c sqldb.Conn, schema string) error {
	if schema == "" {
		return nil
	}
	_, err := c.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+d.QuoteIdent(schema)+" CHARACTER SET utf8mb4 COLLATE "+d.Collation())
	return err
}

// ListTables implements sqldb.Dialect: the tables of the default database
// without a schema, and those of every other database the user sees
// (except the system ones) with the database as schema.
func (*Dialect) ListTables(ctx context.Context, c sqldb.Conn) ([]bs.TableName, error) {
	rows, err := c.QueryContext(ctx, `SELECT CASE WHEN TABLE_SCHEMA = DATABASE() THEN '' ELSE TABLE_SCHEMA END, TABLE_NAME
		FROM information_schema.TABLES
		WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
		AND TABLE_NAME NOT LIKE '\_backlogsync\_%'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bs.TableName
	for rows.Next() {
		var n bs.TableName
		if err := rows.Scan(&n.Schema, &n.Name); err != nil {
			return nil, err
		}
		if strings.Contains(n.Name, ".") || strings.Contains(n.Schema, ".") {
			continue
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Describe implements sqldb.Dialect from information_schema. Names compare
// as bytes (information_schema's collation is case-insensitive).
func (*Dialect) Describe(ctx context.Context, c sqldb.Conn, n bs.TableName) (*bs.Table, error) {
	schema := any(nil)
	if n.Schema != "" {
		schema = n.Schema
	}
	rows, err := c.QueryContext(ctx, `SELECT c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.IS_NULLABLE, COALESCE(k.SEQ_IN_INDEX, 0)
		FROM information_schema.COLUMNS c
		LEFT JOIN information_schema.STATISTICS k ON k.TABLE_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME
			AND k.COLUMN_NAME = c.COLUMN_NAME AND k.INDEX_NAME = 'PRIMARY'
		WHERE c.TABLE_SCHEMA = COALESCE(?, DATABASE()) AND c.TABLE_NAME = ?
			AND CAST(c.TABLE_NAME AS BINARY) = CAST(? AS BINARY)
		ORDER BY c.ORDINAL_POSITION`, schema, n.Name, n.Name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := &bs.Table{Name: n.String()}
	keys := map[int]string{}
	for rows.Next() {
		var name, dataType, colType, nullable string
		var pk int
		if err := rows.Scan(&name, &dataType, &colType, &nullable, &pk); err != nil {
			return nil, err
		}
		t.Columns = append(t.Columns, bs.Column{Name: name, Type: columnType(dataType, colType), Nullable: nullable == "YES"})
		if pk > 0 {
			keys[pk] = name
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(t.Columns) == 0 {
		return nil, nil
	}
	for i := 1; i <= len(keys); i++ {
		t.PrimaryKey = append(t.PrimaryKey, keys[i])
	}
	return t, nil
}

// WidenColumns implements sqldb.Dialect: one ALTER TABLE … MODIFY COLUMN
// for the changed columns (MySQL converts the values), then an UPDATE
// respelling booleans and timestamps that became text.
func (d *Dialect) WidenColumns(ctx context.Context, tx *sql.Tx, n bs.TableName, have, want *bs.Table) error {
	var mods, fixes []string
	for i, c := range want.Columns {
		from := have.Columns[i].Type
		if from == c.Type || d.SameStorage(from, c.Type) {
			continue
		}
		q := d.QuoteIdent(c.Name)
		key := slices.Contains(have.PrimaryKey, c.Name)
		mod := "MODIFY COLUMN " + q + " " + d.ColumnType(c.Type, key)
		if key {
			mod += " NOT NULL"
		}
		mods = append(mods, mod)
		if c.Type == bs.TypeText {
			switch from {
			case bs.TypeBool:
				fixes = append(fixes, q+" = CASE "+q+" WHEN '0' THEN 'false' WHEN '1' THEN 'true' ELSE "+q+" END")
			case bs.TypeTimestamp:
				fixes = append(fixes, q+" = CONCAT(REPLACE("+q+", ' ', 'T'), 'Z')")
			case bs.TypeFloat:
				// MySQL spells the infinity sentinels as numbers.
				fixes = append(fixes, q+" = CASE "+q+" WHEN '"+strconv.FormatFloat(math.MaxFloat64, 'g', -1, 64)+"' THEN '+Inf' WHEN '"+
					strconv.FormatFloat(-math.MaxFloat64, 'g', -1, 64)+"' THEN '-Inf' ELSE "+q+" END")
			}
		}
	}
	if len(mods) == 0 {
		return nil
	}
	ref := d.TableRef(n)
	if _, err := tx.ExecContext(ctx, "ALTER TABLE "+ref+" "+strings.Join(mods, ", ")); err != nil {
		return err
	}
	if len(fixes) > 0 {
		if _, err := tx.ExecContext(ctx, "UPDATE "+ref+" SET "+strings.Join(fixes, ", ")); err != nil {
			return err
		}
	}
	return nil
}

// Encode implements sqldb.Dialect.
func (*Dialect) Encode(t bs.Type, v any) any {
	switch x := v.(type) {
	case time.Time:
		if t == bs.TypeDate {
			return x.Format(destutil.DateLayout)
		}
		return x.UTC()
	case float64:
		switch {
		case math.IsInf(x, 1):
			return math.MaxFloat64
		case math.IsInf(x, -1):
			return -math.MaxFloat64
		}
	}
	return v
}

// Decode implements sqldb.Dialect. Queries without arguments use the text
// protocol, where every value arrives as bytes.
func (*Dialect) Decode(t bs.Type, v any) (any, error) {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	bad := func() (any, error) { return nil, fmt.Errorf("cannot read %T %v as %s", v, v, t) }
	switch t {
	case bs.TypeInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n, nil
			}
		}
	case bs.TypeFloat:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		case int64:
			f = float64(x)
		case string:
			var err error
			if f, err = strconv.ParseFloat(x, 64); err != nil {
				return bad()
			}
		default:
			return bad()
		}
		switch f {
		case math.MaxFloat64:
			return math.Inf(1), nil
		case -math.MaxFloat64:
			return math.Inf(-1), nil
		}
		return f, nil
	case bs.TypeBool:
		switch x := v.(type) {
		case int64:
			return x != 0, nil
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n != 0, nil
			}
		}
	case bs.TypeText, bs.TypeJSON:
		if x, ok := v.(string); ok {
			return x, nil
		}
	case bs.TypeDate, bs.TypeTimestamp:
		switch x := v.(type) {
		case time.Time:
			return destutil.NormTime(t, x), nil
		case string:
			for _, layout := range []string{"2006-01-02 15:04:05", destutil.DateLayout} {
				if tm, err := time.Parse(layout, x); err == nil {
					return destutil.NormTime(t, tm), nil
				}
			}
		}
	}
	return bad()
}

// OrderTerm implements sqldb.Dialect: MySQL sorts NULLs first ascending
// and last descending, and text columns have a binary collation.
func (*Dialect) OrderTerm(col string, desc bool) string {
	if desc {
		return col + " DESC"
	}
	return col
}

// Match implements sqldb.Dialect with INSTR, LEFT and RIGHT under the
// column's binary collation (case-sensitive, counting characters).
func (*Dialect) Match(op bs.Op, col string, arg func() string) string {
	switch op {
	case bs.OpStartsWith:
		return "LEFT(" + col + ", CHAR_LENGTH(" + arg() + ")) = " + arg()
	case bs.OpEndsWith:
		return "RIGHT(" + col + ", CHAR_LENGTH(" + arg() + ")) = " + arg()
	}
	return "INSTR(" + col + ", " + arg() + ") > 0"
}

// NowMillisSQL implements sqldb.Clock.
func (*Dialect) NowMillisSQL() string {
	return "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)"
}
