package replicate

// This file compiles one REPLICATE statement into what the engine needs to
// run it: the destination schema, the row projection, the filter (as API
// pushdown and as a row predicate), the start value, the load window and
// the incremental cursor. compile is pure; prepare brings the destination
// table in line with the statement's DropTable / TruncateTable /
// AlterSchema options.
//
// Decisions (documented here once; the tests pin them):
//
//   - Account. The destination always has the catalog's Account column, as
//     its first column (added when a SELECT list leaves it out), and it is
//     always part of the primary key: a PRIMARY KEY (…) without it gets it
//     prepended. Several accounts can share a destination table, and the
//     engine scopes delete-stale and CHECKCACHE to one account's rows, so a
//     key without Account would let one space's rows overwrite another's.
//   - Keys. Without PRIMARY KEY the destination key is the catalog's, and
//     every key column must be in the SELECT list. A PRIMARY KEY may name
//     any destination columns that are never NULL in the source; when it
//     does not cover the catalog key, rows whose keys are equal overwrite
//     each other, and compiled.Warnings says so.
//   - WHERE sees the source table's columns (not the SELECT aliases).
//     Comparisons follow SQL's three-valued logic (NULL compares unknown and
//     an unknown row does not match); = and < on text compare bytes; LIKE is
//     case-insensitive (% any run, _ one character), as in CData Sync.
//     Functions are refused in a REPLICATE WHERE: the result would move with
//     the clock, and rows that stop matching are only noticed when re-read.
//   - ReplicateStartDate is Created >= date and is refused for tables
//     without a Created column; its integer form (ReplicateStartID) is
//     Id >= n and is refused for tables without a BIGINT Id. Both are part
//     of Match as well as Pushdown, so an old row updated later is not
//     inserted by an incremental run either.
//   - ReplicateInterval / ReplicateIntervalUnit size the created-date
//     windows of tables that can be read by created date (Issues). Backlog
//     filters by created date only, so windows shorter than a day are
//     refused for those tables; for other tables the options have no effect
//     (compiled.Warnings says so).

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
	"github.com/backlogsync/backlogsync/jobsql"
)

// compiled is one REPLICATE statement ready to run.
type compiled struct {
	Stmt *jobsql.Replicate
	// Source is the catalog table read.
	Source *catalog.Table
	// Table is the destination table: prefix and schema applied, columns of
	// the catalog or of the SELECT list with forced types, Account first,
	// the key (Account always in it).
	Table *backlogsync.Table
	// AccountColumn is the destination name of the Account column
	// (always Table.Columns[0]).
	AccountColumn string
	// Project turns a catalog row (catalog column order) into a destination
	// row (Table's column order and types). Nil when the rows are the same.
	Project func(backlogsync.Row) backlogsync.Row
	// KeyOf returns the destination key of a catalog row (for deletes).
	KeyOf func(backlogsync.Row) []any
	// Pushdown are predicates implied by the statement's filter (WHERE,
	// ReplicateStartDate, ReplicateStartID), safe to pass to catalog.Fetch:
	// every row that Match accepts satisfies them. They do not express
	// the whole filter when WHERE has OR, NOT, <>, LIKE, IS NULL or column
	// comparisons: the engine must still apply Match to fetched rows.
	Pushdown []catalog.Predicate
	// Match evaluates the whole filter on a catalog row. Nil when the
	// statement has no filter (every row matches).
	Match func(backlogsync.Row) bool
	// StartDate is ReplicateStartDate (Created >= StartDate), zero when unset.
	StartDate time.Time
	// StartID is the integer ReplicateStartDate (Id >= StartID), 0 when unset.
	StartID int64
	// Step moves a created-date window's start to its end, from
	// ReplicateInterval/ReplicateIntervalUnit; nil when the statement sets
	// neither (the engine's default applies) or the table is not read in
	// windows. Window is the same step as a duration when the unit has a
	// fixed length (minutes to weeks), 0 for months and years.
	Step   func(time.Time) time.Time
	Window time.Duration
	// Cursor is the catalog column incremental runs advance on
	// (IncrementalCheckColumns or the catalog's Change.Cursor); "" for
	// tables re-read in full or with their parent.
	Cursor string
	// Settings are the statement's effective options.
	Settings                                           jobsql.Settings
	AlterSchema, DropTable, TruncateTable, SkipDeleted bool
	// Batch is the number of rows per Write (BatchSize or DefaultBatchSize).
	Batch int
	// Warnings are things the user should know but that do not stop the
	// run (a key that does not cover the source key, an option without
	// effect on this table).
	Warnings []string

	// from[i] is the catalog column of destination column i.
	from []int
}

// compile checks r against the catalog and turns it into a compiled
// statement. It does no I/O. Errors are EINVALID and start with the
// statement's or the offending token's line:col.
func compile(r *jobsql.Replicate) (*compiled, error) {
	src, ok := catalog.Lookup(r.Source.Name)
	if !ok || r.Source.Schema != "" {
		msg := fmt.Sprintf("unknown table %q", r.Source.String())
		if s := catalog.Suggest(r.Source.Name); s != "" {
			msg += fmt.Sprintf(": did you mean %q?", s)
		}
		return nil, posErr(r.Source.Pos, "%s (run 'backlogsync tables' for the list)", msg)
	}
	set := r.Settings
	c := &compiled{Stmt: r, Source: src, Settings: set, AlterSchema: set.AlterSchema, DropTable: set.DropTable,
		TruncateTable: set.TruncateTable, SkipDeleted: set.SkipDeleted, Batch: set.BatchSize}
	if c.Batch <= 0 {
		c.Batch = DefaultBatchSize
	}
	name := backlogsync.TableName{Schema: r.Dest.Schema, Name: set.TableNamePrefix + r.Dest.Name}
	if name.Schema == "" {
		name.Schema = set.CacheSchema
	}
	cols, from, err := selectList(r, src)
	if err != nil {
		return nil, err
	}
	c.from = from
	c.AccountColumn = cols[0].Name
	t := &backlogsync.Table{Name: name.String(), Description: src.Description, Columns: cols, Parent: src.Parent}
	if err := forceTypes(r, src, t); err != nil {
		return nil, err
	}
	if err := c.primaryKey(r, t); err != nil {
		return nil, err
	}
	if src.CursorColumn != "" {
		t.CursorColumn = c.destNameIn(t, src.CursorColumn)
	}
	for _, ix := range src.Indexes {
		if n := c.destNameIn(t, ix); n != "" {
			t.Indexes = append(t.Indexes, n)
		}
	}
	if err := backlogsync.ValidateTable(t); err != nil {
		return nil, posErr(r.Dest.Pos, "%s", backlogsync.ErrorMessage(err))
	}
	c.Table = t
	c.buildProject()
	if err := c.filter(r); err != nil {
		return nil, err
	}
	if err := c.cursor(r); err != nil {
		return nil, err
	}
	if err := c.window(r); err != nil {
		return nil, err
	}
	return c, nil
}

// selectList returns the destination columns and, for each, the index of
// its catalog column. Account comes first.
func selectList(r *jobsql.Replicate, src *catalog.Table) ([]backlogsync.Column, []int, error) {
	var cols []backlogsync.Column
	var from []int
	seen := map[string]jobsql.Pos{}
	add := func(pos jobsql.Pos, name string, i int) error {
		k := strings.ToLower(name)
		if p, dup := seen[k]; dup {
			return posErr(pos, "column %s appears twice in the select list (first at %s): give one an alias (… AS Other%s)", name, p, name)
		}
		seen[k] = pos
		col := src.Columns[i]
		col.Name = name
		cols = append(cols, col)
		from = append(from, i)
		return nil
	}
	if r.Select == nil {
		for i, col := range src.Columns {
			_ = add(r.Pos, col.Name, i)
		}
		return cols, from, nil
	}
	for _, it := range r.Select.Columns {
		if it.Star {
			for i, col := range src.Columns {
				if err := add(it.Pos, col.Name, i); err != nil {
					return nil, nil, err
				}
			}
			continue
		}
		ref, ok := it.Expr.(*jobsql.ColumnRef)
		if !ok {
			return nil, nil, posErr(it.Pos, "%s: only column names (optionally AS alias) are supported in a REPLICATE select list; computed columns are not: select the source column and compute in the destination (a view)", it.Expr)
		}
		i, err := sourceColumn(src, r.Select.From, ref)
		if err != nil {
			return nil, nil, err
		}
		name := it.Alias
		if name == "" {
			name = src.Columns[i].Name
		}
		if err := add(it.Pos, name, i); err != nil {
			return nil, nil, err
		}
	}
	// Account first: move the first column read from Account to the front,
	// or add it.
	at := -1
	for j, f := range from {
		if f == 0 {
			at = j
			break
		}
	}
	if at < 0 {
		if _, dup := seen["account"]; dup {
			return nil, nil, posErr(seen["account"], "the destination needs the source's Account column, and another column is named Account: rename it (… AS Other)")
		}
		cols = append([]backlogsync.Column{src.Columns[0]}, cols...)
		from = append([]int{0}, from...)
	} else if at > 0 {
		ac, af := cols[at], from[at]
		copy(cols[1:at+1], cols[:at])
		copy(from[1:at+1], from[:at])
		cols[0], from[0] = ac, af
	}
	return cols, from, nil
}

// sourceColumn resolves a column reference against the source table; a
// qualifier must name the FROM table.
func sourceColumn(src *catalog.Table, fromName jobsql.TableName, ref *jobsql.ColumnRef) (int, error) {
	if ref.Table != "" && !strings.EqualFold(ref.Table, fromName.Name) && !strings.EqualFold(ref.Table, src.Name) {
		return -1, posErr(ref.Pos, "%s: %s is not the FROM table (%s): write %s or %s.%s", ref, ref.Table, fromName.Name, ref.Name, fromName.Name, ref.Name)
	}
	_, i := src.Column(ref.Name)
	if i < 0 {
		return -1, posErr(ref.Pos, "table %s has no column %s%s (run 'backlogsync tables %s' for its columns)", src.Name, ref.Name, suggestCol(src.Columns, ref.Name), src.Name)
	}
	return i, nil
}

// suggestCol returns `: did you mean "X"?` for the nearest column, or "".
func suggestCol(cols []backlogsync.Column, name string) string {
	return fuzzy.DidYouMean(name, (&backlogsync.Table{Columns: cols}).ColumnNames())
}

// forceTypes applies REPLICATE's column list: each named column must be a
// destination column and its type the source's or a widening of it.
func forceTypes(r *jobsql.Replicate, src *catalog.Table, t *backlogsync.Table) error {
	for _, def := range r.Columns {
		col, i := t.Column(def.Name)
		if i < 0 {
			return posErr(def.Pos, "column %s in the column list is not a destination column%s: the list only forces the types of columns of %s or of the SELECT list; remove it or add it to the SELECT list",
				def.Name, suggestCol(t.Columns, def.Name), src.Name)
		}
		if def.Type != col.Type && !backlogsync.CanWiden(col.Type, def.Type) {
			return posErr(def.Pos, "column %s is %s in %s and %s would narrow it (types may only widen: BOOLEAN → BIGINT → DOUBLE → TEXT, DATE → TIMESTAMP → TEXT, JSON → TEXT): write %s %s or a wider type",
				def.Name, col.Type, src.Name, def.TypeName, def.Name, col.Type)
		}
		if def.NotNull && col.Nullable {
			return posErr(def.Pos, "column %s can be NULL in %s, so NOT NULL would make rows fail: remove NOT NULL", def.Name, src.Name)
		}
		t.Columns[i].Type = def.Type
	}
	return nil
}

// primaryKey sets t.PrimaryKey from the statement's PRIMARY KEY or the
// catalog's key.
func (c *compiled) primaryKey(r *jobsql.Replicate, t *backlogsync.Table) error {
	src := c.Source
	if len(r.PrimaryKey) == 0 {
		var missing []string
		for _, k := range src.PrimaryKey {
			n := c.destNameIn(t, k)
			if n == "" {
				missing = append(missing, k)
				continue
			}
			t.PrimaryKey = append(t.PrimaryKey, n)
		}
		if len(missing) > 0 {
			pos := r.Pos
			if r.Select != nil {
				pos = r.Select.Pos
			}
			return posErr(pos, "the SELECT list leaves out the key column%s %s of %s: add %s to the SELECT list, or give the destination key in a column list: REPLICATE %s (PRIMARY KEY (%s)) …",
				plural(len(missing)), strings.Join(missing, ", "), src.Name, strings.Join(missing, ", "), r.Dest, strings.Join(t.PrimaryKey, ", "))
		}
		return nil
	}
	hasAccount := false
	for _, k := range r.PrimaryKey {
		col, i := t.Column(k)
		if i < 0 {
			return posErr(r.Pos, "PRIMARY KEY column %s is not a destination column%s: name columns of %s or of the SELECT list", k, suggestCol(t.Columns, k), src.Name)
		}
		if col.Nullable {
			return posErr(r.Pos, "PRIMARY KEY column %s can be NULL in %s: key columns must never be NULL; pick others (the source key is %s)", col.Name, src.Name, strings.Join(src.PrimaryKey, ", "))
		}
		if i == 0 {
			hasAccount = true
		}
		t.PrimaryKey = append(t.PrimaryKey, col.Name)
	}
	if !hasAccount {
		t.PrimaryKey = append([]string{t.Columns[0].Name}, t.PrimaryKey...)
	}
	var uncovered []string
	for _, k := range src.PrimaryKey {
		n := c.destNameIn(t, k)
		if n == "" || !containsFold(t.PrimaryKey, n) {
			uncovered = append(uncovered, k)
		}
	}
	if len(uncovered) > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: PRIMARY KEY (%s) does not include the source key column%s %s of %s: source rows with equal keys overwrite each other in %s",
			r.Pos, strings.Join(t.PrimaryKey, ", "), plural(len(uncovered)), strings.Join(uncovered, ", "), src.Name, t.Name))
	}
	return nil
}

// destNameIn returns the name in t of a catalog column ("" when the
// column is not in the destination).
func (c *compiled) destNameIn(t *backlogsync.Table, catalogCol string) string {
	_, i := c.Source.Column(catalogCol)
	for j, f := range c.from {
		if f == i {
			return t.Columns[j].Name
		}
	}
	return ""
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// buildProject sets Project and KeyOf.
func (c *compiled) buildProject() {
	src, t := c.Source, c.Table
	identity := len(c.from) == len(src.Columns)
	convert := make([]bool, len(c.from))
	anyConvert := false
	for j, f := range c.from {
		if f != j {
			identity = false
		}
		if t.Columns[j].Type != src.Columns[f].Type {
			convert[j], anyConvert = true, true
		}
	}
	if !identity || anyConvert {
		from := c.from
		c.Project = func(r backlogsync.Row) backlogsync.Row {
			out := make(backlogsync.Row, len(from))
			for j, f := range from {
				if convert[j] {
					out[j] = backlogsync.Widen(r[f], src.Columns[f].Type, t.Columns[j].Type)
				} else {
					out[j] = r[f]
				}
			}
			return out
		}
	}
	key := make([]int, len(t.PrimaryKey))
	for k, name := range t.PrimaryKey {
		_, j := t.Column(name)
		key[k] = j
	}
	c.KeyOf = func(r backlogsync.Row) []any {
		out := make([]any, len(key))
		for k, j := range key {
			f := c.from[j]
			out[k] = r[f]
			if convert[j] {
				out[k] = backlogsync.Widen(r[f], src.Columns[f].Type, t.Columns[j].Type)
			}
		}
		return out
	}
}

// filter compiles WHERE, ReplicateStartDate and ReplicateStartID into
// Pushdown and Match.
func (c *compiled) filter(r *jobsql.Replicate) error {
	src := c.Source
	var preds []pred
	set := r.Settings
	if !set.ReplicateStartDate.IsZero() {
		col, i := src.Column("Created")
		if i < 0 || (col.Type != backlogsync.TypeTimestamp && col.Type != backlogsync.TypeDate) {
			return posErr(optionPos(r, "ReplicateStartDate"), "ReplicateStartDate filters on the Created column and table %s has none: remove the option (tables with a Created column: %s)",
				src.Name, strings.Join(tablesWith("Created", backlogsync.TypeTimestamp), ", "))
		}
		c.StartDate = set.ReplicateStartDate
		p := catalog.Cmp(col.Name, catalog.OpGE, set.ReplicateStartDate)
		c.Pushdown = append(c.Pushdown, p)
		preds = append(preds, cmpConst(i, col.Type, jobsql.OpGe, set.ReplicateStartDate))
	}
	if set.ReplicateStartID > 0 {
		col, i := src.Column("Id")
		if i < 0 || col.Type != backlogsync.TypeInt {
			return posErr(optionPos(r, "ReplicateStartDate"), "ReplicateStartDate=%d starts at an id and table %s has no numeric Id column: use a date 'yyyy-MM-dd' or remove the option (tables with a numeric Id: %s)",
				set.ReplicateStartID, src.Name, strings.Join(tablesWith("Id", backlogsync.TypeInt), ", "))
		}
		c.StartID = set.ReplicateStartID
		c.Pushdown = append(c.Pushdown, catalog.Cmp(col.Name, catalog.OpGE, set.ReplicateStartID))
		preds = append(preds, cmpConst(i, col.Type, jobsql.OpGe, set.ReplicateStartID))
	}
	if r.Select != nil && r.Select.Where != nil {
		ec := &exprCompiler{resolve: func(ref *jobsql.ColumnRef) (int, backlogsync.Column, error) {
			i, err := sourceColumn(src, r.Select.From, ref)
			if err != nil {
				return -1, backlogsync.Column{}, err
			}
			return i, src.Columns[i], nil
		}, context: "a REPLICATE WHERE"}
		p, err := ec.cond(r.Select.Where)
		if err != nil {
			return err
		}
		preds = append(preds, p)
		c.Pushdown = append(c.Pushdown, ec.pushdown(r.Select.Where, src.Columns)...)
	}
	c.Match = matchAll(preds)
	return nil
}

// matchAll returns a Match that requires every predicate to be true, or nil
// for none.
func matchAll(preds []pred) func(backlogsync.Row) bool {
	switch len(preds) {
	case 0:
		return nil
	case 1:
		p := preds[0]
		return func(r backlogsync.Row) bool { return p(r) == triTrue }
	}
	return func(r backlogsync.Row) bool {
		for _, p := range preds {
			if p(r) != triTrue {
				return false
			}
		}
		return true
	}
}

// optionPos returns the position of the named WITH option, or the
// statement's.
func optionPos(r *jobsql.Replicate, name string) jobsql.Pos {
	for _, o := range r.Options {
		if strings.EqualFold(o.Name, name) {
			return o.Pos
		}
	}
	return r.Pos
}

func hasOption(r *jobsql.Replicate, name string) bool {
	for _, o := range r.Options {
		if strings.EqualFold(o.Name, name) {
			return true
		}
	}
	return false
}

// tablesWith lists the catalog tables with a column of that name and type.
func tablesWith(col string, typ backlogsync.Type) []string {
	var out []string
	for _, t := range catalog.Tables() {
		if c, i := t.Column(col); i >= 0 && c.Type == typ {
			out = append(out, t.Name)
		}
	}
	return out
}

// cursor resolves IncrementalCheckColumns against the catalog's change
// strategy.
func (c *compiled) cursor(r *jobsql.Replicate) error {
	src := c.Source
	c.Cursor = src.Change.Cursor
	want := r.Settings.IncrementalCheckColumns
	if len(want) == 0 {
		return nil
	}
	pos := optionPos(r, "IncrementalCheckColumns")
	if src.Change.Cursor == "" {
		return posErr(pos, "table %s has no incremental check column: it is re-read %s on each run; remove IncrementalCheckColumns",
			src.Name, map[bool]string{true: "with its parent (" + src.Parent + ")", false: "in full and diffed by key"}[src.Change.Kind == catalog.ChangeParent])
	}
	allowed := src.Change.Cursor
	for _, w := range want {
		name := w
		if _, i := src.Column(w); i < 0 {
			// An alias of the SELECT list names the same column.
			if _, j := c.Table.Column(w); j >= 0 {
				name = src.Columns[c.from[j]].Name
			}
		}
		if !strings.EqualFold(name, allowed) || len(want) > 1 {
			return posErr(pos, "IncrementalCheckColumns=%s: the Backlog API can serve table %s incrementally only by %s: write IncrementalCheckColumns='%s' or remove the option",
				strings.Join(want, ","), src.Name, allowed, allowed)
		}
	}
	return nil
}

// window sets Step and Window from ReplicateInterval/ReplicateIntervalUnit.
func (c *compiled) window(r *jobsql.Replicate) error {
	if !hasOption(r, "ReplicateInterval") && !hasOption(r, "ReplicateIntervalUnit") {
		return nil
	}
	set := r.Settings
	n, u := set.ReplicateInterval, set.ReplicateIntervalUnit
	if !windowed(c.Source) {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: ReplicateInterval has no effect on %s: only tables read in created-date windows (Issues) use it",
			optionPos(r, "ReplicateInterval"), c.Source.Name))
		return nil
	}
	switch u {
	case jobsql.UnitMinutes, jobsql.UnitHours:
		d := time.Duration(n) * time.Minute
		if u == jobsql.UnitHours {
			d = time.Duration(n) * time.Hour
		}
		if d < 24*time.Hour {
			pos := optionPos(r, "ReplicateIntervalUnit")
			if !hasOption(r, "ReplicateIntervalUnit") {
				pos = optionPos(r, "ReplicateInterval")
			}
			return posErr(pos, "ReplicateInterval=%d %s is shorter than a day, and Backlog filters %s by created date only: use ReplicateIntervalUnit=days (or weeks, months, years)",
				n, u, c.Source.Name)
		}
		c.Window = d
	case jobsql.UnitDays:
		c.Window = time.Duration(n) * 24 * time.Hour
	case jobsql.UnitWeeks:
		c.Window = time.Duration(n) * 7 * 24 * time.Hour
	}
	c.Step = func(t time.Time) time.Time { return u.Add(t, n) }
	return nil
}

// windowed reports whether t can be read in created-date windows: it
// pushes Created ranges down to the API.
func windowed(t *catalog.Table) bool {
	for _, p := range t.Pushdown {
		if p.Column == "Created" {
			for _, op := range p.Ops {
				if op == catalog.OpGE {
					return true
				}
			}
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Expressions.

// tri is a truth value of SQL's three-valued logic.
type tri int8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// pred evaluates a condition on a row.
type pred func(backlogsync.Row) tri

// exprCompiler compiles jobsql conditions against one row layout.
type exprCompiler struct {
	// resolve returns a column's index in the rows and its definition.
	resolve func(*jobsql.ColumnRef) (int, backlogsync.Column, error)
	// now evaluates date functions; nil refuses functions.
	now func() time.Time
	// context names the clause in messages ("a REPLICATE WHERE").
	context string
}

// operand is a compiled scalar: a column or a constant.
type operand struct {
	col   int // -1 for a constant
	def   backlogsync.Column
	value any         // the constant, typed by kind
	lit   jobsql.Expr // the literal, for typing against a column
}

func (ec *exprCompiler) operand(e jobsql.Expr) (operand, error) {
	switch x := e.(type) {
	case *jobsql.ColumnRef:
		i, def, err := ec.resolve(x)
		if err != nil {
			return operand{}, err
		}
		return operand{col: i, def: def}, nil
	case *jobsql.NumberLit:
		if n, ok := x.Int64(); ok {
			return operand{col: -1, value: n, lit: x}, nil
		}
		return operand{col: -1, value: x.Float64(), lit: x}, nil
	case *jobsql.StringLit:
		return operand{col: -1, value: x.Value, lit: x}, nil
	case *jobsql.BoolLit:
		return operand{col: -1, value: x.Value, lit: x}, nil
	case *jobsql.NullLit:
		return operand{}, posErr(x.Pos, "a comparison with NULL is never true: write column IS NULL or column IS NOT NULL")
	case *jobsql.FuncCall:
		if ec.now == nil {
			hint := "use a literal value such as '2024-01-01'"
			switch x.Name {
			case "REPLICATE_LASTMODTIME", "REPLICATE_NEXTINTERVAL":
				hint = "backlogsync keeps the incremental cursor and the load windows itself: remove the condition"
			}
			return operand{}, posErr(x.Pos, "function %s() is not supported in %s (its value would move with the clock): %s, or WITH ReplicateStartDate='yyyy-MM-dd'", x.Name, ec.context, hint)
		}
		t, err := evalTime(x, ec.now())
		if err != nil {
			return operand{}, err
		}
		return operand{col: -1, value: t, lit: x}, nil
	}
	return operand{}, posErr(e.Position(), "%s is a condition, not a value: compare a column with a value", e)
}

// typed converts a constant operand to the Go type of column def, or
// returns an error naming the expected literal.
func typed(o operand, def backlogsync.Column) (any, error) {
	pos := o.lit.Position()
	bad := func(want string) (any, error) {
		return nil, posErr(pos, "column %s is %s: compare it with %s, not %s", def.Name, def.Type, want, o.lit)
	}
	switch def.Type {
	case backlogsync.TypeInt, backlogsync.TypeFloat:
		switch v := o.value.(type) {
		case int64:
			if def.Type == backlogsync.TypeFloat {
				return float64(v), nil
			}
			return v, nil
		case float64:
			return v, nil
		}
		return bad("a number")
	case backlogsync.TypeBool:
		switch v := o.value.(type) {
		case bool:
			return v, nil
		case int64:
			if v == 0 || v == 1 {
				return v == 1, nil
			}
		}
		return bad("TRUE or FALSE")
	case backlogsync.TypeText, backlogsync.TypeJSON:
		if s, ok := o.value.(string); ok {
			return s, nil
		}
		return bad(fmt.Sprintf("a string ('%v')", o.lit))
	case backlogsync.TypeDate, backlogsync.TypeTimestamp:
		switch v := o.value.(type) {
		case time.Time:
			return v, nil
		case string:
			if t, ok := o.lit.(*jobsql.StringLit).Time(); ok {
				return t, nil
			}
		}
		return bad("a date 'yyyy-MM-dd' or 'yyyy-MM-dd HH:mm:ss' (UTC)")
	}
	return bad("a value of its type")
}

// typeFamily groups types that compare with each other.
func typeFamily(t backlogsync.Type) int {
	switch t {
	case backlogsync.TypeInt, backlogsync.TypeFloat:
		return 1
	case backlogsync.TypeText, backlogsync.TypeJSON:
		return 2
	case backlogsync.TypeDate, backlogsync.TypeTimestamp:
		return 3
	}
	return 4
}

func flip(op jobsql.Op) jobsql.Op {
	switch op {
	case jobsql.OpLt:
		return jobsql.OpGt
	case jobsql.OpLe:
		return jobsql.OpGe
	case jobsql.OpGt:
		return jobsql.OpLt
	case jobsql.OpGe:
		return jobsql.OpLe
	}
	return op
}

// cmpConst compares column i with constant v.
func cmpConst(i int, _ backlogsync.Type, op jobsql.Op, v any) pred {
	return func(r backlogsync.Row) tri {
		if r[i] == nil {
			return triUnknown
		}
		c, ok := backlogsync.CompareValues(r[i], v)
		return cmpResult(op, c, ok)
	}
}

func cmpResult(op jobsql.Op, c int, ok bool) tri {
	if !ok {
		return triUnknown
	}
	switch op {
	case jobsql.OpEq:
		return triOf(c == 0)
	case jobsql.OpNe:
		return triOf(c != 0)
	case jobsql.OpLt:
		return triOf(c < 0)
	case jobsql.OpLe:
		return triOf(c <= 0)
	case jobsql.OpGt:
		return triOf(c > 0)
	case jobsql.OpGe:
		return triOf(c >= 0)
	}
	return triUnknown
}

// comparison compiles l op r.
func (ec *exprCompiler) comparison(pos jobsql.Pos, op jobsql.Op, le, re jobsql.Expr) (pred, error) {
	l, err := ec.operand(le)
	if err != nil {
		return nil, err
	}
	r, err := ec.operand(re)
	if err != nil {
		return nil, err
	}
	switch {
	case l.col >= 0 && r.col >= 0:
		if typeFamily(l.def.Type) != typeFamily(r.def.Type) {
			return nil, posErr(pos, "cannot compare %s (%s) with %s (%s)", l.def.Name, l.def.Type, r.def.Name, r.def.Type)
		}
		li, ri := l.col, r.col
		return func(row backlogsync.Row) tri {
			if row[li] == nil || row[ri] == nil {
				return triUnknown
			}
			c, ok := backlogsync.CompareValues(row[li], row[ri])
			return cmpResult(op, c, ok)
		}, nil
	case l.col < 0 && r.col < 0:
		c, ok := backlogsync.CompareValues(l.value, r.value)
		if !ok {
			return nil, posErr(pos, "cannot compare %s with %s", le, re)
		}
		t := cmpResult(op, c, true)
		return func(backlogsync.Row) tri { return t }, nil
	case l.col < 0:
		l, r, op = r, l, flip(op)
	}
	v, err := typed(r, l.def)
	if err != nil {
		return nil, err
	}
	return cmpConst(l.col, l.def.Type, op, v), nil
}

// cond compiles a condition.
func (ec *exprCompiler) cond(e jobsql.Expr) (pred, error) {
	switch x := e.(type) {
	case *jobsql.Binary:
		if x.Op.IsComparison() {
			return ec.comparison(x.Pos, x.Op, x.L, x.R)
		}
		l, err := ec.cond(x.L)
		if err != nil {
			return nil, err
		}
		r, err := ec.cond(x.R)
		if err != nil {
			return nil, err
		}
		if x.Op == jobsql.OpAnd {
			return func(row backlogsync.Row) tri {
				a := l(row)
				if a == triFalse {
					return triFalse
				}
				b := r(row)
				switch {
				case b == triFalse:
					return triFalse
				case a == triTrue && b == triTrue:
					return triTrue
				}
				return triUnknown
			}, nil
		}
		return func(row backlogsync.Row) tri {
			a := l(row)
			if a == triTrue {
				return triTrue
			}
			b := r(row)
			switch {
			case b == triTrue:
				return triTrue
			case a == triFalse && b == triFalse:
				return triFalse
			}
			return triUnknown
		}, nil
	case *jobsql.Not:
		p, err := ec.cond(x.X)
		if err != nil {
			return nil, err
		}
		return func(row backlogsync.Row) tri { return not3(p(row)) }, nil
	case *jobsql.In:
		l, err := ec.operand(x.X)
		if err != nil {
			return nil, err
		}
		if l.col < 0 {
			return nil, posErr(x.X.Position(), "IN needs a column on its left, found %s", x.X)
		}
		vals := make([]any, len(x.List))
		for k, it := range x.List {
			o, err := ec.operand(it)
			if err != nil {
				return nil, err
			}
			if o.col >= 0 {
				return nil, posErr(it.Position(), "IN lists values, found column %s: compare columns with =", o.def.Name)
			}
			if vals[k], err = typed(o, l.def); err != nil {
				return nil, err
			}
		}
		i, neg := l.col, x.Not
		return func(row backlogsync.Row) tri {
			if row[i] == nil {
				return triUnknown
			}
			for _, v := range vals {
				if c, ok := backlogsync.CompareValues(row[i], v); ok && c == 0 {
					return triOf(!neg)
				}
			}
			return triOf(neg)
		}, nil
	case *jobsql.Between:
		lo, err := ec.comparison(x.Pos, jobsql.OpGe, x.X, x.Lo)
		if err != nil {
			return nil, err
		}
		hi, err := ec.comparison(x.Pos, jobsql.OpLe, x.X, x.Hi)
		if err != nil {
			return nil, err
		}
		neg := x.Not
		return func(row backlogsync.Row) tri {
			a, b := lo(row), hi(row)
			var t tri
			switch {
			case a == triFalse || b == triFalse:
				t = triFalse
			case a == triTrue && b == triTrue:
				t = triTrue
			default:
				t = triUnknown
			}
			if neg {
				return not3(t)
			}
			return t
		}, nil
	case *jobsql.IsNull:
		o, err := ec.operand(x.X)
		if err != nil {
			return nil, err
		}
		if o.col < 0 {
			return nil, posErr(x.X.Position(), "IS NULL needs a column, found %s", x.X)
		}
		i, neg := o.col, x.Not
		return func(row backlogsync.Row) tri { return triOf((row[i] == nil) != neg) }, nil
	case *jobsql.Like:
		o, err := ec.operand(x.X)
		if err != nil {
			return nil, err
		}
		if o.col < 0 || typeFamily(o.def.Type) != 2 {
			return nil, posErr(x.X.Position(), "LIKE needs a TEXT column on its left, found %s", x.X)
		}
		pat, ok := x.Pattern.(*jobsql.StringLit)
		if !ok {
			return nil, posErr(x.Pattern.Position(), "LIKE takes a string pattern such as '%%bug%%', found %s", x.Pattern)
		}
		p := strings.ToLower(pat.Value)
		i, neg := o.col, x.Not
		return func(row backlogsync.Row) tri {
			s, ok := row[i].(string)
			if !ok {
				return triUnknown
			}
			return triOf(like(strings.ToLower(s), p) != neg)
		}, nil
	case *jobsql.ColumnRef:
		o, err := ec.operand(x)
		if err != nil {
			return nil, err
		}
		if o.def.Type != backlogsync.TypeBool {
			return nil, posErr(x.Pos, "column %s is %s, not a condition: compare it with a value (%s = …)", o.def.Name, o.def.Type, o.def.Name)
		}
		i := o.col
		return func(row backlogsync.Row) tri {
			b, ok := row[i].(bool)
			if !ok {
				return triUnknown
			}
			return triOf(b)
		}, nil
	case *jobsql.BoolLit:
		t := triOf(x.Value)
		return func(backlogsync.Row) tri { return t }, nil
	}
	return nil, posErr(e.Position(), "%s is not a condition: compare a column with a value (col = 1, col IN (…), col LIKE '…', col IS NULL)", e)
}

func not3(t tri) tri {
	switch t {
	case triTrue:
		return triFalse
	case triFalse:
		return triTrue
	}
	return triUnknown
}

// like reports whether s matches pattern p (% any run, _ one character),
// both already folded.
func like(s, p string) bool {
	// Iterative matcher with one backtrack point (the last %).
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			pr, pw := utf8.DecodeRuneInString(p[pi:])
			switch {
			case pr == '%':
				starP, starS = pi, si
				pi += pw
				continue
			case pr == '_':
				_, sw := utf8.DecodeRuneInString(s[si:])
				si += sw
				pi += pw
				continue
			default:
				sr, sw := utf8.DecodeRuneInString(s[si:])
				if sr == pr {
					si += sw
					pi += pw
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, sw := utf8.DecodeRuneInString(s[starS:])
		starS += sw
		si = starS
		pi = starP + 1
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

// pushdown returns the catalog predicates implied by the top-level
// conjuncts of e that have the form column op literal, column IN (…),
// column BETWEEN a AND b or a bare BOOLEAN column. cols are the catalog
// columns (the resolver's layout).
func (ec *exprCompiler) pushdown(e jobsql.Expr, cols []backlogsync.Column) []catalog.Predicate {
	var out []catalog.Predicate
	ops := map[jobsql.Op]catalog.Op{jobsql.OpEq: catalog.OpEq, jobsql.OpLt: catalog.OpLT, jobsql.OpLe: catalog.OpLE,
		jobsql.OpGt: catalog.OpGT, jobsql.OpGe: catalog.OpGE}
	colConst := func(le, re jobsql.Expr, op jobsql.Op) (backlogsync.Column, jobsql.Op, any, bool) {
		l, err1 := ec.operand(le)
		r, err2 := ec.operand(re)
		if err1 != nil || err2 != nil || (l.col >= 0) == (r.col >= 0) {
			return backlogsync.Column{}, 0, nil, false
		}
		if l.col < 0 {
			l, r, op = r, l, flip(op)
		}
		v, err := typed(r, l.def)
		if err != nil || !pushable(l.def, v) {
			return backlogsync.Column{}, 0, nil, false
		}
		return cols[l.col], op, v, true
	}
	for _, cj := range jobsql.Conjuncts(e) {
		switch x := cj.(type) {
		case *jobsql.Binary:
			if _, ok := ops[x.Op]; ok {
				if col, op, v, ok := colConst(x.L, x.R, x.Op); ok {
					out = append(out, catalog.Cmp(col.Name, ops[op], v))
				}
			}
		case *jobsql.Between:
			if x.Not {
				continue
			}
			col1, op1, v1, ok1 := colConst(x.X, x.Lo, jobsql.OpGe)
			col2, op2, v2, ok2 := colConst(x.X, x.Hi, jobsql.OpLe)
			if ok1 {
				out = append(out, catalog.Cmp(col1.Name, ops[op1], v1))
			}
			if ok2 {
				out = append(out, catalog.Cmp(col2.Name, ops[op2], v2))
			}
		case *jobsql.In:
			if x.Not {
				continue
			}
			l, err := ec.operand(x.X)
			if err != nil || l.col < 0 {
				continue
			}
			vals := make([]any, 0, len(x.List))
			for _, it := range x.List {
				o, err := ec.operand(it)
				if err != nil || o.col >= 0 {
					vals = nil
					break
				}
				v, err := typed(o, l.def)
				if err != nil || !pushable(l.def, v) {
					vals = nil
					break
				}
				vals = append(vals, v)
			}
			if vals != nil {
				out = append(out, catalog.In(cols[l.col].Name, vals...))
			}
		case *jobsql.ColumnRef:
			if o, err := ec.operand(x); err == nil && o.def.Type == backlogsync.TypeBool {
				out = append(out, catalog.Eq(cols[o.col].Name, true))
			}
		}
	}
	return out
}

// pushable reports whether catalog.Fetch compares v with column c exactly
// as Match does: a fractional number on a BIGINT column and a time of day
// on a DATE column are left to Match (the catalog would round them).
func pushable(c backlogsync.Column, v any) bool {
	switch x := v.(type) {
	case float64:
		return c.Type == backlogsync.TypeFloat
	case time.Time:
		if c.Type == backlogsync.TypeDate {
			return x.Equal(x.Truncate(24 * time.Hour))
		}
	}
	return true
}

// evalTime evaluates a date expression of CHECKCACHE START/END or a
// CHECKCACHE WHERE: a date string or one of CURRENT_DATE(), TODAY(),
// YESTERDAY(), CURRENT_TIMESTAMP(), NOW(), GETDATE(), GETUTCDATE(),
// THIS_WEEK(), LAST_WEEK(), THIS_MONTH(), LAST_MONTH(), THIS_YEAR(),
// LAST_YEAR() (the first instant of the period, weeks from Monday) and
// DATEADD(unit, n, date). Everything is UTC.
func evalTime(e jobsql.Expr, now time.Time) (time.Time, error) {
	now = now.UTC().Truncate(time.Second)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch x := e.(type) {
	case *jobsql.StringLit:
		if t, ok := x.Time(); ok {
			return t, nil
		}
		return time.Time{}, posErr(x.Pos, "%s is not a date: write 'yyyy-MM-dd' or 'yyyy-MM-dd HH:mm:ss' (UTC)", x)
	case *jobsql.FuncCall:
		noArgs := func(t time.Time) (time.Time, error) {
			if len(x.Args) > 0 {
				return time.Time{}, posErr(x.Pos, "%s takes no arguments: write %s()", x.Name, x.Name)
			}
			return t, nil
		}
		weekStart := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
		monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		yearStart := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		switch x.Name {
		case "CURRENT_DATE", "TODAY", "CURDATE":
			return noArgs(today)
		case "YESTERDAY":
			return noArgs(today.AddDate(0, 0, -1))
		case "CURRENT_TIMESTAMP", "NOW", "GETDATE", "GETUTCDATE", "SYSDATETIME":
			return noArgs(now)
		case "THIS_WEEK":
			return noArgs(weekStart)
		case "LAST_WEEK":
			return noArgs(weekStart.AddDate(0, 0, -7))
		case "THIS_MONTH":
			return noArgs(monthStart)
		case "LAST_MONTH":
			return noArgs(monthStart.AddDate(0, -1, 0))
		case "THIS_YEAR":
			return noArgs(yearStart)
		case "LAST_YEAR":
			return noArgs(yearStart.AddDate(-1, 0, 0))
		case "DATEADD":
			if len(x.Args) != 3 {
				return time.Time{}, posErr(x.Pos, "DATEADD takes three arguments: DATEADD(DAY, -3, CURRENT_DATE())")
			}
			var unit string
			switch u := x.Args[0].(type) {
			case *jobsql.ColumnRef:
				unit = strings.ToUpper(u.Name)
			case *jobsql.StringLit:
				unit = strings.ToUpper(u.Value)
			}
			nl, ok := x.Args[1].(*jobsql.NumberLit)
			var n int64
			if ok {
				n, ok = nl.Int64()
			}
			if !ok || n < -100000 || n > 100000 {
				return time.Time{}, posErr(x.Args[1].Position(), "the second argument of DATEADD is a whole number, found %s", x.Args[1])
			}
			base, err := evalTime(x.Args[2], now)
			if err != nil {
				return time.Time{}, err
			}
			k := int(n)
			switch unit {
			case "YEAR", "YEARS", "YY", "YYYY":
				return base.AddDate(k, 0, 0), nil
			case "MONTH", "MONTHS", "MM", "M":
				return base.AddDate(0, k, 0), nil
			case "WEEK", "WEEKS", "WK", "WW":
				return base.AddDate(0, 0, 7*k), nil
			case "DAY", "DAYS", "DD", "D":
				return base.AddDate(0, 0, k), nil
			case "HOUR", "HOURS", "HH":
				return base.Add(time.Duration(k) * time.Hour), nil
			case "MINUTE", "MINUTES", "MI", "N":
				return base.Add(time.Duration(k) * time.Minute), nil
			case "SECOND", "SECONDS", "SS", "S":
				return base.Add(time.Duration(k) * time.Second), nil
			}
			return time.Time{}, posErr(x.Args[0].Position(), "DATEADD unit %s: use YEAR, MONTH, WEEK, DAY, HOUR, MINUTE or SECOND", x.Args[0])
		}
		return time.Time{}, posErr(x.Pos, "unknown date function %s(): use CURRENT_DATE(), CURRENT_TIMESTAMP(), YESTERDAY(), THIS_WEEK(), LAST_WEEK(), THIS_MONTH(), LAST_MONTH(), THIS_YEAR(), LAST_YEAR() or DATEADD(unit, n, date)", x.Name)
	}
	return time.Time{}, posErr(e.Position(), "%s is not a date: write 'yyyy-MM-dd' or a function such as DATEADD(DAY, -3, CURRENT_DATE())", e)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// ---------------------------------------------------------------------------
// Destination preparation.

// prepare brings the destination table in line with c before rows are
// written:
//
//   - DropTable: the table is dropped (if it exists) and created.
//   - AlterSchema=true (the default): Migrate creates the table or adds
//     the missing columns and widens types.
//   - AlterSchema=false: a missing table is created; an existing one is
//     never altered: it must have every column with the same type or one
//     the statement's type widens to (JSON stored as TEXT counts as the
//     same), and the same primary key, else an EINVALID error names the
//     column and the fix.
//   - TruncateTable: every row is deleted, after the above.
//
// reset reports that the table was dropped, truncated or newly created:
// the engine must then reset the table's checkpoints (stored cursors
// describe rows that are gone). Errors start with the statement's line:col.
func prepare(ctx context.Context, d backlogsync.Destination, c *compiled, s jobsql.Settings) (reset bool, err error) {
	pos := c.Stmt.Pos
	name := c.Table.Name
	if s.DropTable {
		if err := d.Drop(ctx, name); err != nil && backlogsync.ErrorCode(err) != backlogsync.ENOTFOUND {
			return false, fmt.Errorf("%s: dropping %s (DropTable): %w", pos, name, err)
		}
		reset = true
	}
	existing, err := findTable(ctx, d, name)
	if err != nil {
		return false, fmt.Errorf("%s: reading the destination's tables: %w", pos, err)
	}
	switch {
	case existing == nil:
		reset = true
		if err := d.Migrate(ctx, c.Table); err != nil {
			return false, posWrap(pos, "creating "+name, err)
		}
	case s.AlterSchema:
		if err := d.Migrate(ctx, c.Table); err != nil {
			return false, posWrap(pos, "migrating "+name+" (AlterSchema)", err)
		}
	default:
		if err := compatible(existing, c.Table); err != nil {
			return false, posErr(pos, "%s", err)
		}
	}
	if s.TruncateTable && !s.DropTable {
		if err := d.Truncate(ctx, name); err != nil {
			return false, fmt.Errorf("%s: truncating %s (TruncateTable): %w", pos, name, err)
		}
		reset = true
	}
	return reset, nil
}

// posWrap prefixes an error with a position, keeping an EINVALID code for
// the destination's own EINVALID errors (a narrowing, a key change).
func posWrap(pos jobsql.Pos, what string, err error) error {
	if backlogsync.ErrorCode(err) == backlogsync.EINVALID {
		return posErr(pos, "%s: %s", what, backlogsync.ErrorMessage(err))
	}
	return fmt.Errorf("%s: %s: %w", pos, what, err)
}

// tableDescriber is implemented by destinations that can describe one
// table without listing them all (Tables describes every table, which is
// slow on a server with many).
type tableDescriber interface {
	// Table returns the named table as Tables would (names matched as
	// the destination's lookups match them), or nil when it does not exist.
	Table(ctx context.Context, name string) (*backlogsync.Table, error)
}

// findTable returns the destination's table of that name (exact, else
// case-insensitive), or nil.
func findTable(ctx context.Context, d backlogsync.Destination, name string) (*backlogsync.Table, error) {
	if td, ok := d.(tableDescriber); ok {
		return td.Table(ctx, name)
	}
	tabs, err := d.Tables(ctx)
	if err != nil {
		return nil, err
	}
	var fold *backlogsync.Table
	for _, t := range tabs {
		if t.Name == name {
			return t, nil
		}
		if fold == nil && strings.EqualFold(t.Name, name) {
			fold = t
		}
	}
	return fold, nil
}

// compatible reports why rows of want cannot be written into the existing
// table have without altering it.
func compatible(have, want *backlogsync.Table) error {
	fix := "set AlterSchema=true to let backlogsync alter it, or DropTable=true to recreate it"
	if len(have.PrimaryKey) != len(want.PrimaryKey) || !sameFold(have.PrimaryKey, want.PrimaryKey) {
		return fmt.Errorf("table %s has primary key (%s) and the statement needs (%s); AlterSchema=False never alters a table: drop it (DropTable=true) or change the statement's key",
			have.Name, strings.Join(have.PrimaryKey, ", "), strings.Join(want.PrimaryKey, ", "))
	}
	for _, c := range want.Columns {
		hc, i := have.Column(c.Name)
		if i < 0 {
			return fmt.Errorf("table %s has no column %s (%s) and AlterSchema=False forbids adding it: %s, or leave %s out of the SELECT list",
				have.Name, c.Name, c.Type, fix, c.Name)
		}
		if !storable(c.Type, hc.Type) {
			return fmt.Errorf("column %s of table %s is %s and the statement writes %s, which does not fit without altering it (AlterSchema=False): %s, or force the column's type in the REPLICATE column list (%s %s)",
				c.Name, have.Name, hc.Type, c.Type, fix, c.Name, hc.Type)
		}
	}
	return nil
}

// storable reports whether values of type want can be written into a
// column stored as have.
func storable(want, have backlogsync.Type) bool {
	return want == have || backlogsync.CanWiden(want, have) || want == backlogsync.TypeJSON && have == backlogsync.TypeText
}

func sameFold(a, b []string) bool {
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}
