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
	"fmt"
	"strings"
	"time"

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
	// Mode is the statement's UpdateMode. Under ModeAppend, Table ends with
	// the SnapshotColumn, which is the last column of its key too; Project
	// and KeyOf do not fill it (the engine adds the run's time).
	Mode jobsql.UpdateMode
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
	if err := c.mode(r); err != nil {
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
