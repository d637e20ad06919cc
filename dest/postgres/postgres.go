// Package postgres is the PostgreSQL destination, written through pgx
// (github.com/jackc/pgx/v5) behind its database/sql adapter so that the
// generic dest/sqldb implementation does the work.
//
// Types are native: BIGINT, DOUBLE PRECISION, BOOLEAN, TEXT (COLLATE "C", so
// that text sorts and compares by byte as Destination requires), DATE,
// TIMESTAMPTZ (UTC) and JSONB. A table in a schema (PROD.Issues) lives in
// that PostgreSQL schema, created on first use.
//
// JSON columns are JSONB, so that BI queries can use PostgreSQL's JSON
// operators (->, ->>, @>, ?, jsonb_path_query) with GIN indexes, sort and
// compare them, without re-parsing the text on every access. JSONB keeps
// every value but not the text as written: whitespace is normalised, object
// keys are ordered (shorter first), the last of duplicate keys wins and
// numbers are respelled (1e3 reads back as 1000, 1.0 stays 1.0); a string
// holding the escape \u0000 is refused. The conformance suite compares JSON
// columns by meaning for this reason. A column created as JSON by an
// earlier version keeps that type — Migrate does not rewrite a large table
// to change it — and is written and read as before; convert it, when
// wanted, with ALTER TABLE … ALTER COLUMN … TYPE jsonb USING col::jsonb.
//
// Batches of at least CopyThreshold upserts are loaded with COPY (binary)
// into a temporary staging table and merged with one INSERT … SELECT … ON
// CONFLICT DO UPDATE, in the transaction that also applies the batch's
// deletes and checkpoint; smaller ones use multi-row INSERT … ON CONFLICT
// statements (up to 500 rows, prepared once). Both leave a stored row whose
// values are all the same as it is (ON CONFLICT DO UPDATE … WHERE the row
// differs), rather than writing a new version of it.
package postgres

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/internal/destutil"
	"github.com/backlogsync/backlogsync/dest/sqldb"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// Open connects to the PostgreSQL database dsn — a postgres:// URL or a
// libpq key=value string, as config.Destination.DriverDSN returns — and
// returns it as a Destination, creating its internal tables when missing.
// Each connection runs with TimeZone UTC.
func Open(ctx context.Context, dsn string) (*sqldb.DB, error) {
	return OpenWith(ctx, dsn, Dialect{})
}

// OpenWith is Open with a tuned Dialect (e.g. another CopyThreshold).
func OpenWith(ctx context.Context, dsn string, dialect Dialect) (*sqldb.DB, error) {
	if dsn == "" {
		return nil, bs.Errorf(bs.EINVALID, "postgres: empty connection string")
	}
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		// pgconn's message shows the connection string with the password
		// masked; the cause alone says what is wrong.
		var pe *pgconn.ParseConfigError
		if errors.As(err, &pe) && pe.Unwrap() != nil {
			err = pe.Unwrap()
		}
		var ue *url.Error // quotes the whole URL
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, bs.Errorf(bs.EINVALID, "postgres: malformed connection string: %v", err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db.SetMaxIdleConns(8)
	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, connectError(cfg, err)
	}
	d, err := sqldb.New(ctx, db, dialect)
	if err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// connectTimeout bounds Open's first connection, so that a server that
// does not answer (a firewall dropping packets) fails Open instead of
// hanging it.
const connectTimeout = 30 * time.Second

// connectError explains a failed first connection to the server cfg
// describes: what went wrong and what to fix in the connection string. It
// names the host, port, database and user, never the password.
func connectError(cfg *pgconn.Config, err error) error {
	where := fmt.Sprintf("PostgreSQL at %s (database %q, user %q)", net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), cfg.Database, cfg.User)
	var pe *pgconn.PgError
	var hint string
	code := bs.EINVALID // the connection string must change
	switch {
	case errors.As(err, &pe) && (pe.Code == "28P01" || pe.Code == "28000"):
		hint = "authentication failed: check User and Password in the connection string (and the server's pg_hba.conf)"
	case errors.As(err, &pe) && pe.Code == "3D000":
		hint = fmt.Sprintf("database %q does not exist: create it (CREATE DATABASE %s) or fix Database in the connection string", cfg.Database, Dialect{}.QuoteIdent(cfg.Database))
	case errors.As(err, &pe) && pe.Code == "42501":
		hint = "the user may not connect to this database: GRANT CONNECT, or use another User"
	default:
		hint, code = destutil.ConnectHint(err, "PostgreSQL", connectTimeout), bs.EUNAVAILABLE
	}
	return &bs.Error{Code: code, Message: fmt.Sprintf("postgres: %s: %s", where, hint), Err: err}
}

// Dialect is PostgreSQL's sqldb.Dialect.
type Dialect struct {
	// CopyThreshold, when positive, replaces the package's CopyThreshold
	// (for tests and measurements).
	CopyThreshold int
}

var _ sqldb.Dialect = Dialect{}

// Name implements sqldb.Dialect.
func (Dialect) Name() string { return "postgres" }

// QuoteIdent implements sqldb.Dialect.
func (Dialect) QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Placeholder implements sqldb.Dialect.
func (Dialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// MaxParams implements sqldb.Dialect (the wire protocol's 16-bit count).
func (Dialect) MaxParams() int { return 65535 }

// TableRef implements sqldb.Dialect.
func (d Dialect) TableRef(n bs.TableName) string {
	if n.Schema == "" {
		return d.QuoteIdent(n.Name)
	}
	return d.QuoteIdent(n.Schema) + "." + d.QuoteIdent(n.Name)
}

// ColumnType implements sqldb.Dialect.
func (Dialect) ColumnType(t bs.Type, key bool) string {
	switch t {
	case bs.TypeInt:
		return "BIGINT"
	case bs.TypeFloat:
		return "DOUBLE PRECISION"
	case bs.TypeBool:
		return "BOOLEAN"
	case bs.TypeDate:
		return "DATE"
	case bs.TypeTimestamp:
		return "TIMESTAMPTZ"
	case bs.TypeJSON:
		return "JSONB"
	}
	return `TEXT COLLATE "C"`
}

// SameStorage implements sqldb.Dialect: every type is distinct.
func (Dialect) SameStorage(a, b bs.Type) bool { return a == b }

// columnType maps information_schema's data_type back.
func columnType(dataType string) bs.Type {
	switch dataType {
	case "bigint", "integer", "smallint":
		return bs.TypeInt
	case "double precision", "real", "numeric":
		return bs.TypeFloat
	case "boolean":
		return bs.TypeBool
	case "date":
		return bs.TypeDate
	case "timestamp with time zone", "timestamp without time zone":
		return bs.TypeTimestamp
	case "json", "jsonb":
		return bs.TypeJSON
	}
	return bs.TypeText
}

// UpsertSQL implements sqldb.Dialect: TypedUpsertSQL for columns none of
// which is JSON (Write uses TypedUpsertSQL for tables' rows).
func (d Dialect) UpsertSQL(ref string, columns, key []string, rows int) string {
	return d.TypedUpsertSQL(ref, columns, nil, key, rows)
}

var _ sqldb.TypedUpsert = Dialect{}

// TypedUpsertSQL implements sqldb.TypedUpsert with INSERT INTO ref AS t …
// ON CONFLICT DO UPDATE … WHERE (see changedSQL): an existing row whose
// values are all the same is left as it is, instead of being written as a
// new row version (with new entries in every index, since the indexed
// cursor column is set) and leaving a dead one behind. Incremental runs
// fetch unchanged rows again, their window being widened.
func (d Dialect) TypedUpsertSQL(ref string, columns []string, types []bs.Type, key []string, rows int) string {
	q := upsert.UpsertSQL(ref+" AS "+target, columns, key, rows)
	if w := changedSQL(columns, types, key); w != "" {
		q += " WHERE " + w
	}
	return q
}

// target is the alias of an upsert's table, which changedSQL refers to
// (the table reference may be schema-qualified).
const target = "t"

// changedSQL returns the condition that the stored row (aliased target)
// differs from EXCLUDED in one of the quoted columns that are not in the
// quoted key, or "" when there are none; types, when not nil, holds the
// columns' types. IS DISTINCT FROM compares NULLs too. JSON columns compare
// as text: a column created as JSON by an earlier version has no equality
// operator (JSONB's text is canonical, so equal values read the same; a
// number respelled, 1.0 as 1.00, is written again). They come last, so
// that a row differing elsewhere is not converted.
func changedSQL(columns []string, types []bs.Type, key []string) string {
	var plain, asText []string
	for i, c := range columns {
		if slices.Contains(key, c) {
			continue
		}
		if types != nil && types[i] == bs.TypeJSON {
			asText = append(asText, target+"."+c+"::text IS DISTINCT FROM EXCLUDED."+c+"::text")
		} else {
			plain = append(plain, target+"."+c+" IS DISTINCT FROM EXCLUDED."+c)
		}
	}
	return strings.Join(append(plain, asText...), " OR ")
}

// upsert spells PostgreSQL's upsert: ON CONFLICT with $n placeholders (and
// EXCLUDED in capitals, as PostgreSQL's documentation writes it).
var upsert = func() destutil.Upsert {
	u := destutil.OnConflict(func(n int) string { return "$" + strconv.Itoa(n) })
	u.Set = func(c string) string { return c + " = EXCLUDED." + c }
	return u
}()

// indexName returns a name of at most 63 bytes for the index on col of the
// table n (PostgreSQL truncates longer names, which could collide).
func indexName(n bs.TableName, col string) string {
	s := n.Name + "_" + col + "_idx"
	if len(s) <= 63 {
		return s
	}
	h := sha1.Sum([]byte(n.String() + "\x00" + col))
	return s[:40] + "_" + hex.EncodeToString(h[:8]) + "_idx"
}

// CreateIndexSQL implements sqldb.Dialect.
func (d Dialect) CreateIndexSQL(n bs.TableName, col string) string {
	return fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", d.QuoteIdent(indexName(n, col)), d.TableRef(n), d.QuoteIdent(col))
}

// EnsureSchema implements sqldb.Dialect with CREATE SCHEMA IF NOT EXISTS.
func (d Dialect) EnsureSchema(ctx context.Context, c sqldb.Conn, schema string) error {
	if schema == "" {
		return nil
	}
	var exists bool
	if err := c.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err := c.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+d.QuoteIdent(schema))
	return err
}

// ListTables implements sqldb.Dialect: the tables of every schema but the
// system ones; those of the current schema (public) without a schema name.
func (Dialect) ListTables(ctx context.Context, c sqldb.Conn) ([]bs.TableName, error) {
	rows, err := c.QueryContext(ctx, `SELECT CASE WHEN table_schema = current_schema() THEN '' ELSE table_schema END, table_name
		FROM information_schema.tables
		WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
		AND table_schema NOT LIKE 'pg\_%' AND table_name NOT LIKE '\_backlogsync\_%'`)
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
			continue // not a name Destination can express
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Describe implements sqldb.Dialect from pg_catalog (information_schema is
// slow on large catalogs).
func (Dialect) Describe(ctx context.Context, c sqldb.Conn, n bs.TableName) (*bs.Table, error) {
	schema := any(nil)
	if n.Schema != "" {
		schema = n.Schema
	}
	rows, err := c.QueryContext(ctx, `SELECT a.attname, format_type(a.atttypid, NULL), a.attnotnull,
			COALESCE((SELECT k.n FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(att, n) WHERE k.att = a.attnum), 0)::int
		FROM pg_attribute a
		JOIN pg_class t ON t.oid = a.attrelid
		JOIN pg_namespace s ON s.oid = t.relnamespace
		LEFT JOIN pg_index i ON i.indrelid = t.oid AND i.indisprimary
		WHERE t.relname = $1 AND s.nspname = COALESCE($2::text, current_schema()) AND t.relkind IN ('r', 'p')
			AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY a.attnum`, n.Name, schema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := &bs.Table{Name: n.String()}
	keys := map[int]string{}
	for rows.Next() {
		var name, typ string
		var notNull bool
		var pk int
		if err := rows.Scan(&name, &typ, &notNull, &pk); err != nil {
			return nil, err
		}
		t.Columns = append(t.Columns, bs.Column{Name: name, Type: columnType(typ), Nullable: !notNull})
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

// WidenColumns implements sqldb.Dialect with one ALTER TABLE … ALTER COLUMN
// … TYPE … USING that converts the values in place.
func (d Dialect) WidenColumns(ctx context.Context, tx *sql.Tx, n bs.TableName, have, want *bs.Table) error {
	var alters []string
	for i, c := range want.Columns {
		from := have.Columns[i].Type
		if from == c.Type {
			continue
		}
		q := d.QuoteIdent(c.Name)
		alters = append(alters, fmt.Sprintf("ALTER COLUMN %s TYPE %s USING %s", q, d.ColumnType(c.Type, false), convert(q, from, c.Type)))
	}
	if len(alters) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, "ALTER TABLE "+d.TableRef(n)+" "+strings.Join(alters, ", "))
	return err
}

// convert returns the SQL converting column q to a wider type.
func convert(q string, from, to bs.Type) string {
	switch {
	case to == bs.TypeInt: // from BOOLEAN
		return q + "::int::bigint"
	case to == bs.TypeFloat && from == bs.TypeBool:
		return q + "::int::double precision"
	case to == bs.TypeFloat:
		return q + "::double precision"
	case to == bs.TypeTimestamp: // from DATE
		return "(" + q + "::timestamp AT TIME ZONE 'UTC')"
	case to == bs.TypeText && from == bs.TypeDate:
		return "to_char(" + q + ", 'YYYY-MM-DD')"
	case to == bs.TypeText && from == bs.TypeTimestamp:
		return "to_char(" + q + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
	}
	return q + "::text" // booleans read true/false, floats shortest round-trip text
}

// Encode implements sqldb.Dialect: pgx takes every normalised value as is;
// dates are passed as their calendar date, timestamps in UTC.
func (Dialect) Encode(t bs.Type, v any) any {
	if x, ok := v.(time.Time); ok {
		if t == bs.TypeDate {
			return x.Format(destutil.DateLayout)
		}
		return x.UTC()
	}
	return v
}

// Decode implements sqldb.Dialect.
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
		case int32:
			return int64(x), nil
		case int16:
			return int64(x), nil
		}
	case bs.TypeFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		case string:
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f, nil
			}
		}
	case bs.TypeBool:
		if x, ok := v.(bool); ok {
			return x, nil
		}
	case bs.TypeText, bs.TypeJSON:
		if x, ok := v.(string); ok {
			return x, nil
		}
	case bs.TypeDate, bs.TypeTimestamp:
		if x, ok := v.(time.Time); ok {
			if t == bs.TypeDate {
				// a DATE arrives as midnight UTC of its calendar date
				return time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC), nil
			}
			return destutil.NormTime(t, x), nil
		}
	}
	return bad()
}

// OrderTerm implements sqldb.Dialect; TEXT columns are declared COLLATE "C",
// so they already sort by byte.
func (Dialect) OrderTerm(col string, desc bool) string {
	if desc {
		return col + " DESC NULLS LAST"
	}
	return col + " ASC NULLS FIRST"
}

// Match implements sqldb.Dialect with strpos, left and right, which are
// case-sensitive and count characters; JSON columns match their text.
func (Dialect) Match(op bs.Op, col string, arg func() string) string {
	col += "::text"
	switch op {
	case bs.OpStartsWith:
		a := arg()
		return "left(" + col + ", length(" + a + "::text)) = " + a + "::text"
	case bs.OpEndsWith:
		a := arg()
		return "right(" + col + ", length(" + a + "::text)) = " + a + "::text"
	}
	return "strpos(" + col + ", " + arg() + "::text) > 0"
}

// IsUniqueViolation reports whether err is PostgreSQL's unique_violation.
func IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// KeyListSQL implements sqldb.KeyLister with a list of row constructors,
// whose parameters take the key columns' types.
func (d Dialect) KeyListSQL(qkey []string, n int) string {
	return sqldb.RowList(d, qkey, n)
}

// NowMillisSQL implements sqldb.Clock (clock_timestamp: the time of the
// statement, not of the transaction's start).
func (Dialect) NowMillisSQL() string {
	return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
}
