// Package sqldb implements backlogsync.Destination over database/sql for any
// SQL database described by a Dialect. A destination package (dest/sqlite,
// and later dest/postgres and dest/mysql) is a Dialect, a driver import and
// an Open function; everything else — migrations, batched upserts with the
// checkpoint in the same transaction, the runs table, queries — lives here.
package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/internal/destutil"
)

// Conn is what *sql.DB and *sql.Tx have in common.
type Conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Dialect is what differs between SQL databases. Identifiers passed to
// Dialect methods are unquoted unless a parameter says otherwise.
type Dialect interface {
	// Name is the destination type, e.g. "sqlite".
	Name() string
	// QuoteIdent quotes one identifier.
	QuoteIdent(s string) string
	// Placeholder returns the n-th (1-based) bind parameter: "?" or "$n".
	Placeholder(n int) string
	// MaxParams is the most bind parameters one statement may carry.
	MaxParams() int
	// TableRef returns the quoted, possibly schema-qualified reference to
	// the table named n.
	TableRef(n bs.TableName) string
	// ColumnType returns the declared SQL type for t; key is true for a
	// primary-key column (MySQL cannot index unbounded TEXT).
	ColumnType(t bs.Type, key bool) string
	// SameStorage reports whether the dialect stores a and b identically
	// (e.g. JSON as TEXT), so that changing one to the other needs nothing.
	SameStorage(a, b bs.Type) bool
	// UpsertSQL returns a statement inserting rows rows of the quoted
	// columns into the table ref, updating the non-key columns of rows whose
	// quoted key already exists. Placeholders number from 1, row by row.
	UpsertSQL(ref string, columns, key []string, rows int) string
	// CreateIndexSQL returns a statement creating, if it does not exist, an
	// index on column col of the table named n.
	CreateIndexSQL(n bs.TableName, col string) string
	// EnsureSchema creates schema when the dialect keeps one ("" is the
	// default schema and needs nothing).
	EnsureSchema(ctx context.Context, c Conn, schema string) error
	// ListTables lists the tables in every schema, without the
	// destination's own _backlogsync_ tables.
	ListTables(ctx context.Context, c Conn) ([]bs.TableName, error)
	// Describe returns the columns (names, types as stored, nullability)
	// and primary key of the table named n, or nil when it does not exist.
	Describe(ctx context.Context, c Conn, n bs.TableName) (*bs.Table, error)
	// WidenColumns changes the types of the existing table have to those of
	// want (same columns, same order; only widenings per
	// backlogsync.CanWiden), converting the stored values. It runs inside
	// the migration's transaction.
	WidenColumns(ctx context.Context, tx *sql.Tx, n bs.TableName, have, want *bs.Table) error
	// Encode converts a normalised Go value of type t (see
	// backlogsync.Row) to a driver argument.
	Encode(t bs.Type, v any) any
	// Decode converts a value scanned into *any from a column of type t
	// back to its Go type.
	Decode(t bs.Type, v any) (any, error)
	// OrderTerm returns the ORDER BY term for the quoted column with NULLs
	// first ascending and last descending, text in byte order.
	OrderTerm(col string, desc bool) string
	// Match returns the case-sensitive condition for OpContains,
	// OpStartsWith or OpEndsWith on the quoted column col. Each call of arg
	// binds the literal once more and returns its placeholder.
	Match(op bs.Op, col string, arg func() string) string
}

// DB is a Destination over a *sql.DB.
type DB struct {
	db *sql.DB
	d  Dialect

	mu     sync.Mutex
	tables map[string]*bs.Table // described tables, by name; dropped on Migrate/Drop
	stmts  map[string]*sql.Stmt // prepared upserts, by SQL text

	startMu sync.Mutex // serialises StartRun's MAX(id)+1 within this process
}

// maxCachedStmts bounds the prepared-statement cache; statements beyond
// it are prepared per transaction.
const maxCachedStmts = 256

// stmt returns the statement for query bound to tx. Parsing a 500-row INSERT
// costs milliseconds, so full-size upserts are prepared once on the database
// and reused by every batch (SQLite re-prepares them itself when a table's
// schema changes). Cached statements are closed only by Close.
//
// Preparing on the database needs a second connection while tx holds one;
// when the pool is capped (SetMaxOpenConns, e.g. 1 for SQLite's :memory:)
// that could wait forever, so there the statement is prepared on tx.
func (x *DB) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	x.mu.Lock()
	st := x.stmts[query]
	full := len(x.stmts) >= maxCachedStmts
	x.mu.Unlock()
	if st == nil {
		if full || x.db.Stats().MaxOpenConnections != 0 {
			return tx.PrepareContext(ctx, query)
		}
		var err error
		if st, err = x.db.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		x.mu.Lock()
		if old := x.stmts[query]; old != nil {
			st.Close()
			st = old
		} else {
			x.stmts[query] = st
		}
		x.mu.Unlock()
	}
	return tx.StmtContext(ctx, st), nil
}

// New returns a destination over db, creating its checkpoint and runs tables
// when they are missing. Close closes db.
func New(ctx context.Context, db *sql.DB, d Dialect) (*DB, error) {
	x := &DB{db: db, d: d, tables: map[string]*bs.Table{}, stmts: map[string]*sql.Stmt{}}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: begin: %w", d.Name(), err)
	}
	defer tx.Rollback()
	for _, t := range internalTables {
		n := bs.ParseTableName(t.Name)
		have, err := d.Describe(ctx, tx, n)
		if err != nil {
			return nil, fmt.Errorf("%s: describe %s: %w", d.Name(), t.Name, err)
		}
		if have == nil {
			if err := x.create(ctx, tx, n, t); err != nil {
				return nil, err
			}
			continue
		}
		// Columns added by later versions (run_tables.values_altered).
		for _, c := range t.Columns {
			if _, i := have.Column(c.Name); i >= 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", d.TableRef(n), x.q(c.Name), d.ColumnType(c.Type, false))); err != nil {
				return nil, fmt.Errorf("%s: %s: add column %s: %w", d.Name(), t.Name, c.Name, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("%s: create internal tables: %w", d.Name(), err)
	}
	return x, nil
}

// SQL returns the underlying database, e.g. for tests.
func (x *DB) SQL() *sql.DB { return x.db }

// Close implements backlogsync.Destination.
func (x *DB) Close() error {
	x.mu.Lock()
	for k, st := range x.stmts {
		st.Close()
		delete(x.stmts, k)
	}
	x.mu.Unlock()
	return x.db.Close()
}

func (x *DB) q(s string) string { return x.d.QuoteIdent(s) }

// placeholders returns "(p_from, …, p_from+n-1)" without the parentheses.
func (x *DB) placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x.d.Placeholder(from + i))
	}
	return b.String()
}

// CreateTableSQL returns the CREATE TABLE statement for t at the table ref:
// key columns NOT NULL, every other column nullable (so that later
// migrations may add and abandon columns freely).
func CreateTableSQL(d Dialect, ref string, t *bs.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (", ref)
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.QuoteIdent(c.Name) + " " + d.ColumnType(c.Type, inKey(t, c.Name)))
		if inKey(t, c.Name) {
			b.WriteString(" NOT NULL")
		}
	}
	b.WriteString(", PRIMARY KEY (")
	for i, k := range t.PrimaryKey {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.QuoteIdent(k))
	}
	b.WriteString("))")
	return b.String()
}

func inKey(t *bs.Table, col string) bool {
	for _, k := range t.PrimaryKey {
		if strings.EqualFold(k, col) {
			return true
		}
	}
	return false
}

// create creates t (and its cursor index) named n.
func (x *DB) create(ctx context.Context, c Conn, n bs.TableName, t *bs.Table) error {
	if err := x.d.EnsureSchema(ctx, c, n.Schema); err != nil {
		return fmt.Errorf("create schema %s: %w", n.Schema, err)
	}
	if _, err := c.ExecContext(ctx, CreateTableSQL(x.d, x.d.TableRef(n), t)); err != nil {
		return fmt.Errorf("create table %s: %w", t.Name, err)
	}
	return x.cursorIndex(ctx, c, n, t)
}

// cursorIndex creates, if missing, an index on the table's cursor column
// and on each of its Indexes (a column that is alone the primary key has
// the key's index already).
func (x *DB) cursorIndex(ctx context.Context, c Conn, n bs.TableName, t *bs.Table) error {
	cols := t.Indexes
	if t.CursorColumn != "" {
		cols = append([]string{t.CursorColumn}, cols...)
	}
	done := map[string]bool{}
	for _, name := range cols {
		col, i := t.Column(name)
		if i < 0 || done[strings.ToLower(col.Name)] {
			continue
		}
		done[strings.ToLower(col.Name)] = true
		if len(t.PrimaryKey) == 1 && strings.EqualFold(t.PrimaryKey[0], col.Name) {
			continue // the key's index serves
		}
		if _, err := c.ExecContext(ctx, x.d.CreateIndexSQL(n, col.Name)); err != nil {
			return fmt.Errorf("index %s(%s): %w", t.Name, col.Name, err)
		}
	}
	return nil
}

// describe returns the stored definition of the named table, from the cache
// or the database; ENOTFOUND when it does not exist.
func (x *DB) describe(ctx context.Context, name string) (*bs.Table, error) {
	x.mu.Lock()
	t := x.tables[name]
	x.mu.Unlock()
	if t != nil {
		return t, nil
	}
	t, err := x.d.Describe(ctx, x.db, bs.ParseTableName(name))
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", name, err)
	}
	if t == nil || strings.HasPrefix(strings.ToLower(name), bs.ReservedPrefix) {
		return nil, bs.Errorf(bs.ENOTFOUND, "table %s does not exist", name)
	}
	t.Name = name
	x.mu.Lock()
	x.tables[name] = t
	x.mu.Unlock()
	return t, nil
}

// forget drops the cached definition of the named table.
func (x *DB) forget(name string) {
	ref := x.d.TableRef(bs.ParseTableName(name))
	x.mu.Lock()
	delete(x.tables, name)
	// Prepared statements on the table may carry its old column types.
	for q, st := range x.stmts {
		if strings.Contains(q, ref) {
			st.Close()
			delete(x.stmts, q)
		}
	}
	x.mu.Unlock()
}

// Migrate implements backlogsync.Destination.
func (x *DB) Migrate(ctx context.Context, want *bs.Table) error {
	if err := bs.ValidateTable(want); err != nil {
		return err
	}
	n := bs.ParseTableName(want.Name)
	defer x.forget(want.Name)
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate %s: begin: %w", want.Name, err)
	}
	defer tx.Rollback()
	have, err := x.d.Describe(ctx, tx, n)
	if err != nil {
		return fmt.Errorf("migrate %s: describe: %w", want.Name, err)
	}
	if have == nil {
		if err := x.create(ctx, tx, n, want); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		return commit(tx, "migrate "+want.Name)
	}
	have.Name = want.Name
	add, widen, err := destutil.PlanMigration(have, want, x.d.SameStorage)
	if err != nil {
		return err
	}
	ref := x.d.TableRef(n)
	for _, c := range add {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", ref, x.q(c.Name), x.d.ColumnType(c.Type, false))); err != nil {
			return fmt.Errorf("migrate %s: add column %s: %w", want.Name, c.Name, err)
		}
		have.Columns = append(have.Columns, bs.Column{Name: c.Name, Type: c.Type, Nullable: true})
	}
	if len(widen) > 0 {
		wider := *have
		wider.CursorColumn = want.CursorColumn
		wider.Columns = append([]bs.Column(nil), have.Columns...)
		for i, ty := range widen {
			wider.Columns[i].Type = ty
		}
		if err := x.d.WidenColumns(ctx, tx, n, have, &wider); err != nil {
			return fmt.Errorf("migrate %s: widen columns: %w", want.Name, err)
		}
	}
	if err := x.cursorIndex(ctx, tx, n, want); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return commit(tx, "migrate "+want.Name)
}

func commit(tx *sql.Tx, what string) error {
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}

// Truncate implements backlogsync.Destination.
func (x *DB) Truncate(ctx context.Context, name string) error {
	if _, err := x.describe(ctx, name); err != nil {
		return err
	}
	if _, err := x.db.ExecContext(ctx, "DELETE FROM "+x.d.TableRef(bs.ParseTableName(name))); err != nil {
		return fmt.Errorf("truncate %s: %w", name, err)
	}
	return nil
}

// Drop implements backlogsync.Destination.
func (x *DB) Drop(ctx context.Context, name string) error {
	defer x.forget(name)
	if _, err := x.describe(ctx, name); err != nil {
		return err
	}
	if _, err := x.db.ExecContext(ctx, "DROP TABLE "+x.d.TableRef(bs.ParseTableName(name))); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	return nil
}

// Tables implements backlogsync.Destination.
func (x *DB) Tables(ctx context.Context) ([]*bs.Table, error) {
	names, err := x.d.ListTables(ctx, x.db)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var out []*bs.Table
	for _, n := range names {
		t, err := x.d.Describe(ctx, x.db, n)
		if err != nil {
			return nil, fmt.Errorf("describe %s: %w", n, err)
		}
		if t == nil {
			continue // dropped meanwhile
		}
		t.Name = n.String()
		out = append(out, t)
	}
	sortTables(out)
	return out, nil
}

func sortTables(ts []*bs.Table) {
	slices.SortFunc(ts, func(a, b *bs.Table) int { return strings.Compare(a.Name, b.Name) })
}

// Table returns the stored definition of the named table, or nil when it
// does not exist: one table's description, cheaper than Tables on
// databases that describe a table per query.
func (x *DB) Table(ctx context.Context, name string) (*bs.Table, error) {
	t, err := x.describe(ctx, name)
	if bs.ErrorCode(err) == bs.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c := *t
	c.Columns = slices.Clone(t.Columns)
	c.PrimaryKey = slices.Clone(t.PrimaryKey)
	return &c, nil
}
