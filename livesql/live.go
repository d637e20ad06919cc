package livesql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/internal/fuzzy"

	// The SQLite engine of live SQL: pure Go, so the binary stays static.
	_ "modernc.org/sqlite"
)

// LiveQuery is a live-SQL statement (backlogsync query) checked against the
// catalog and planned: Run fetches the tables it reads through the API into
// an in-memory SQLite database, with the predicates the API can answer
// pushed into its parameters, and runs the original statement there, so
// joins, aggregates, functions, ORDER BY and LIMIT all work and the result is
// exact.
//
// In SQLite, BIGINT columns hold integers, DOUBLE reals, BOOLEAN 0 or 1,
// TEXT and JSON text, DATE 'yyyy-MM-dd' text and TIMESTAMP
// 'yyyy-MM-ddTHH:mm:ssZ' text (UTC), so dates and times compare correctly
// with ISO literals such as '2025-01-01'.
type LiveQuery struct {
	// SQL is the statement as given.
	SQL string
	// Plans are the tables read, in fetch order, with their pushdown.
	Plans []*TablePlan
	// MaxRows stops Run with an EINVALID error when the result would hold
	// more rows (0: no cap). Run's context bounds its time: a statement
	// that never ends (a recursive CTE without a bound) stops when the
	// context does, with an EINVALID error that says so.
	MaxRows int

	p  *parsedSQL
	db *sql.DB
}

// Result is the answer of a live-SQL statement.
type Result struct {
	Columns []ResultColumn
	// Rows hold nil (NULL), int64, float64, bool (BOOLEAN columns), string
	// (TEXT, JSON, and dates and timestamps as ISO-8601 text) or []byte.
	Rows [][]any
}

// ResultColumn is one column of a Result.
type ResultColumn struct {
	Name string
	// Type is the catalog type when the column is a table column, 0 for
	// an expression.
	Type backlogsync.Type
}

// sqliteTypes are the declared types of the catalog types in SQLite: their
// names give the affinity that keeps values as written (TEXT for dates,
// timestamps and JSON) and tell Result columns apart.
var sqliteTypes = map[backlogsync.Type]string{
	backlogsync.TypeInt:       "BIGINT",
	backlogsync.TypeFloat:     "DOUBLE",
	backlogsync.TypeBool:      "BOOLEAN",
	backlogsync.TypeText:      "TEXT",
	backlogsync.TypeDate:      "DATE TEXT",
	backlogsync.TypeTimestamp: "TIMESTAMP TEXT",
	backlogsync.TypeJSON:      "JSON TEXT",
}

// PrepareLive parses and checks a live-SQL statement: one query over
// catalog tables. It sends no request. Errors in the statement are
// *SQLError with the line and column and, for unknown names, the nearest
// known one.
func PrepareLive(ctx context.Context, text string) (*LiveQuery, error) {
	p, err := parseSQL(text)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one connection: an in-memory database is per connection
	lq := &LiveQuery{SQL: text, p: p, db: db, Plans: p.plan()}
	for _, tp := range lq.Plans {
		if _, err := db.ExecContext(ctx, createTable(tp.Table)); err != nil {
			db.Close()
			return nil, fmt.Errorf("livesql: create %s in SQLite: %w", tp.Table.Name, err)
		}
		for _, n := range tp.Names {
			if !strings.EqualFold(n, tp.Table.Name) {
				if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM %s", quoteIdent(n), quoteIdent(tp.Table.Name))); err != nil {
					db.Close()
					return nil, fmt.Errorf("livesql: create view %s in SQLite: %w", n, err)
				}
			}
		}
	}
	stmt, err := db.PrepareContext(ctx, text)
	if err != nil {
		err = lq.mapError(ctx, err)
		db.Close()
		return nil, err
	}
	stmt.Close()
	return lq, nil
}

// Close releases the SQLite database.
func (lq *LiveQuery) Close() error { return lq.db.Close() }

// createTable is the CREATE TABLE statement of t in SQLite.
func createTable(t *catalog.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (", quoteIdent(t.Name))
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", quoteIdent(c.Name), sqliteTypes[c.Type])
	}
	b.WriteString(")")
	return b.String()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Run fetches the tables through client (Account column = account, or the
// client's host when empty) and runs the statement. The tables are fetched
// in plan order; a semi-join's keys are read from the rows already loaded.
func (lq *LiveQuery) Run(ctx context.Context, client *backlog.Client, account string) (*Result, error) {
	for _, tp := range lq.Plans {
		q := catalog.Query{Account: account, Where: slices.Clone(tp.Where)}
		for _, s := range tp.SemiJoins {
			vals, err := lq.distinct(ctx, s.From, s.FromColumn)
			if err != nil {
				return nil, err
			}
			if len(vals) <= maxSemiJoin {
				q.Where = append(q.Where, catalog.In(s.Column, vals...))
			}
		}
		if err := lq.load(ctx, client, tp.Table, q); err != nil {
			return nil, err
		}
	}
	return lq.query(ctx)
}

// distinct returns the distinct non-NULL values of a loaded column.
func (lq *LiveQuery) distinct(ctx context.Context, t *catalog.Table, column string) ([]any, error) {
	rows, err := lq.db.QueryContext(ctx, fmt.Sprintf("SELECT DISTINCT %s FROM %s WHERE %[1]s IS NOT NULL ORDER BY 1",
		quoteIdent(column), quoteIdent(t.Name)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// load fetches a table and inserts its rows.
func (lq *LiveQuery) load(ctx context.Context, client *backlog.Client, t *catalog.Table, q catalog.Query) error {
	tx, err := lq.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ")
	ins, err := tx.PrepareContext(ctx, fmt.Sprintf("INSERT INTO %s VALUES (%s)", quoteIdent(t.Name), marks))
	if err != nil {
		return err
	}
	defer ins.Close()
	args := make([]any, len(t.Columns))
	err = catalog.Fetch(ctx, client, t.Name, q, func(r backlogsync.Row) error {
		for i, v := range r {
			args[i] = sqliteValue(t.Columns[i].Type, v)
		}
		_, err := ins.ExecContext(ctx, args...)
		return err
	})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// sqliteValue converts a row value to what SQLite stores.
func sqliteValue(ty backlogsync.Type, v any) any {
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case time.Time:
		if ty == backlogsync.TypeDate {
			return x.UTC().Format("2006-01-02")
		}
		return x.UTC().Format("2006-01-02T15:04:05Z")
	}
	return v
}

// query runs the statement over the loaded tables.
func (lq *LiveQuery) query(ctx context.Context) (*Result, error) {
	rows, err := lq.db.QueryContext(ctx, lq.SQL)
	if err != nil {
		return nil, lq.mapError(ctx, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: make([]ResultColumn, len(types))}
	for i, ct := range types {
		res.Columns[i].Name = ct.Name()
		for ty, decl := range sqliteTypes {
			if strings.EqualFold(ct.DatabaseTypeName(), decl) {
				res.Columns[i].Type = ty
			}
		}
	}
	for rows.Next() {
		if lq.MaxRows > 0 && len(res.Rows) >= lq.MaxRows {
			return nil, backlogsync.Errorf(backlogsync.EINVALID,
				"the query returns more than %d rows: stopped; add a LIMIT or a WHERE clause, or raise the row cap (backlogsync query --max-rows)", lq.MaxRows)
		}
		vals := make([]any, len(types))
		ptrs := make([]any, len(types))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			if n, ok := v.(int64); ok && res.Columns[i].Type == backlogsync.TypeBool && (n == 0 || n == 1) {
				vals[i] = n == 1
			}
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, lq.mapError(ctx, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, lq.mapError(ctx, err)
	}
	return res, nil
}

// SQLite's error messages that name the offending spot.
var (
	reNoColumn  = regexp.MustCompile(`no such column: ([^\s]+)`)
	reNoTable   = regexp.MustCompile(`no such table: ([^\s]+)`)
	reNear      = regexp.MustCompile(`near "((?:[^"]|"")*)": syntax error`)
	reAmbiguous = regexp.MustCompile(`ambiguous column name: ([^\s]+)`)
	reFunction  = regexp.MustCompile(`no such function: ([^\s]+)`)
	reSQLiteTag = regexp.MustCompile(`^SQL logic error: | \(\d+\)$`)
)

// mapError turns an SQLite error about the statement into an *SQLError
// with the position of the offending name or token and, for unknown
// names, the nearest known one.
func (lq *LiveQuery) mapError(ctx context.Context, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &backlogsync.Error{Code: backlogsync.EINVALID, Err: ctx.Err(),
			Message: "the query ran out of time in SQLite and was stopped (a recursive CTE without a bound never ends); add a bound or a LIMIT, or raise the time limit (backlogsync query --max-time)"}
	case ctx.Err() != nil:
		return ctx.Err()
	}
	p := lq.p
	msg := reSQLiteTag.ReplaceAllString(err.Error(), "")
	at := func(i int, format string, args ...any) error {
		return p.errAt(i, format, args...)
	}
	if m := reNoColumn.FindStringSubmatch(msg); m != nil {
		qual, name := "", m[1]
		if k := strings.LastIndexByte(name, '.'); k >= 0 {
			qual, name = name[:k], name[k+1:]
			if j := strings.LastIndexByte(qual, '.'); j >= 0 {
				qual = qual[j+1:]
			}
		}
		return at(p.findName(qual, name), "%s", lq.unknownColumn(qual, name))
	}
	if m := reNoTable.FindStringSubmatch(msg); m != nil {
		name := m[1]
		if k := strings.LastIndexByte(name, '.'); k >= 0 {
			name = name[k+1:]
		}
		s := "no table " + name
		if sug := catalog.Suggest(name); sug != "" {
			s += "; did you mean " + sug + "?"
		}
		return at(p.findName("", name), "%s", s)
	}
	if m := reAmbiguous.FindStringSubmatch(msg); m != nil {
		return at(p.findName("", m[1]), "column %s is in several tables of the query: qualify it (e.g. %s.%s)", m[1], lq.firstAlias(), m[1])
	}
	if m := reFunction.FindStringSubmatch(msg); m != nil {
		return at(p.findName("", m[1]), "no SQL function %s", m[1])
	}
	if m := reNear.FindStringSubmatch(msg); m != nil {
		near := strings.ReplaceAll(m[1], `""`, `"`)
		return at(lq.syntaxErrorAt(ctx, near, msg), "syntax error near %s", near)
	}
	if strings.Contains(msg, "incomplete input") {
		return at(len(p.toks)-1, "syntax error: the statement ends too early")
	}
	return &SQLError{Msg: msg, src: p.src}
}

// findName returns the index of the first token naming name (after qual
// and a dot when qual is given) that is not an alias being defined, or the
// first token.
func (p *parsedSQL) findName(qual, name string) int {
	for i, t := range p.toks {
		if !t.isName() || !strings.EqualFold(t.text, name) || i > 0 && p.toks[i-1].is("AS") {
			continue
		}
		if qual == "" {
			if i > 0 && p.toks[i-1].punct(".") {
				continue
			}
			return i
		}
		if i >= 2 && p.toks[i-1].punct(".") && strings.EqualFold(p.toks[i-2].text, qual) {
			return i - 2
		}
	}
	return 0
}

// unknownColumn words the error of an unknown column: the table it was
// looked for in and the nearest column there.
func (lq *LiveQuery) unknownColumn(qual, name string) string {
	var tables []*catalog.Table
	for _, r := range lq.p.refs {
		if r.table == nil || slices.Contains(tables, r.table) {
			continue
		}
		if qual != "" && !strings.EqualFold(qual, r.alias) && !(r.alias == "" && strings.EqualFold(qual, r.name)) {
			continue
		}
		tables = append(tables, r.table)
	}
	full := name
	if qual != "" {
		full = qual + "." + name
	}
	if len(tables) == 0 {
		return "no column " + full
	}
	best, bestT, bestD := "", tables[0], len(name)/2+2
	for _, t := range tables {
		for _, c := range t.Columns {
			if d := fuzzy.Distance(strings.ToLower(name), strings.ToLower(c.Name)); d < bestD {
				best, bestT, bestD = c.Name, t, d
			}
		}
	}
	if best == "" {
		names := make([]string, len(tables))
		for i, t := range tables {
			names[i] = t.Name
		}
		return fmt.Sprintf("no column %s in %s (run 'backlogsync tables %s' for its columns)", full, strings.Join(names, " or "), names[0])
	}
	return fmt.Sprintf("no column %s in %s; did you mean %s?", full, bestT.Name, best)
}

// firstAlias is a name to qualify columns with, for messages.
func (lq *LiveQuery) firstAlias() string {
	for _, r := range lq.p.refs {
		if r.alias != "" {
			return r.alias
		}
		return r.name
	}
	return "t"
}

// syntaxErrorAt finds which token SQLite's "near X: syntax error" means:
// the first token spelled X such that the statement cut right after it
// already fails the same way.
func (lq *LiveQuery) syntaxErrorAt(ctx context.Context, near, msg string) int {
	p := lq.p
	first := -1
	for i, t := range p.toks {
		if t.kind == sqlEOF || p.src[t.pos.Offset:t.end] != near {
			continue
		}
		if first < 0 {
			first = i
		}
		stmt, err := lq.db.PrepareContext(ctx, p.src[:t.end])
		if err == nil {
			stmt.Close()
			continue
		}
		if reSQLiteTag.ReplaceAllString(err.Error(), "") == msg {
			return i
		}
	}
	if first < 0 {
		return len(p.toks) - 1
	}
	return first
}

// IsSQLError reports whether err is an error in the statement (as opposed
// to the API or the network).
func IsSQLError(err error) bool {
	var e *SQLError
	return errors.As(err, &e)
}
