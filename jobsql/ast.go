// Package jobsql parses CData Sync's statement language: the REPLICATE and
// CHECKCACHE statements of a job file (`backlogsync -f jobs.sql`).
//
//	REPLICATE [schema.]Dest [(col type, …, PRIMARY KEY(a, b))] [WITH Opt=val, …]
//	          [SELECT cols FROM Table [WHERE cond] | Table]
//	CHECKCACHE Table [AGAINST {Table | (SELECT …)}] [WITH REPAIR]
//	           [SKIP {MODIFIED | DELETED}] [START when] [END when] [WHERE cond]
//
// Keywords and option names are case-insensitive; identifiers keep their
// case and may be quoted with [brackets], "double quotes" or `backticks`.
// Statements are separated by ';' (the last one may omit it); "-- …" and
// "/* … */" are comments.
//
// Parse returns an AST whose String methods print canonical SQL that parses
// back to the same AST. WHERE clauses are Expr trees meant to be pushed
// down to API parameters (see Conjuncts and Walk) or evaluated.
package jobsql

import (
	"strings"

	"github.com/backlogsync/backlogsync"
)

// Statement is one parsed statement: *Replicate or *CheckCache.
type Statement interface {
	// Position returns where the statement's first keyword is.
	Position() Pos
	// String returns the statement as canonical SQL, without a trailing ';'.
	String() string
	stmt()
}

// TableName is a possibly schema-qualified table name, e.g. PROD.Issues.
type TableName struct {
	Pos    Pos
	Schema string // "" when unqualified
	Name   string
}

// String returns the name as SQL, quoting parts that need it.
func (t TableName) String() string {
	if t.Schema != "" {
		return quoteIdent(t.Schema) + "." + quoteIdent(t.Name)
	}
	return quoteIdent(t.Name)
}

// Replicate is `REPLICATE Dest [(columns)] [WITH options] [SELECT … | Source]`.
// It keeps Dest in step with the source table.
type Replicate struct {
	Pos Pos
	// Dest is the destination table. Its Schema selects a destination
	// schema (REPLICATE PROD.Issues …).
	Dest TableName
	// Columns forces the types of some destination columns; the other
	// columns are inferred from the source. Empty when no list was given.
	Columns []ColumnDef
	// PrimaryKey is the destination key: the table-level PRIMARY KEY (a, b)
	// or the one column marked PRIMARY KEY inline. Nil means the source
	// table's key.
	PrimaryKey []string
	// Options are the WITH options as written (canonical names), in order.
	Options []Option
	// Settings is the effective configuration: Options applied over the
	// defaults.
	Settings Settings
	// Select is the SELECT query, or nil when the statement names only a
	// source table (REPLICATE Dest Source) or nothing (REPLICATE Issues).
	Select *Select
	// Source is the source table: Select.From when there is a SELECT,
	// otherwise the named source, otherwise Dest.Name without its schema.
	Source TableName
}

// Position implements Statement.
func (r *Replicate) Position() Pos { return r.Pos }
func (r *Replicate) stmt()         {}

// String implements Statement.
func (r *Replicate) String() string {
	var b strings.Builder
	b.WriteString("REPLICATE ")
	b.WriteString(r.Dest.String())
	if len(r.Columns) > 0 || len(r.PrimaryKey) > 0 {
		b.WriteString(" (")
		for i, c := range r.Columns {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c.String())
		}
		if len(r.PrimaryKey) > 0 {
			if len(r.Columns) > 0 {
				b.WriteString(", ")
			}
			b.WriteString("PRIMARY KEY (")
			writeIdents(&b, r.PrimaryKey)
			b.WriteString(")")
		}
		b.WriteString(")")
	}
	if len(r.Options) > 0 {
		b.WriteString(" WITH ")
		for i, o := range r.Options {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(o.String())
		}
	}
	switch {
	case r.Select != nil:
		b.WriteString(" ")
		b.WriteString(r.Select.String())
	case r.Source.Schema != "" || r.Source.Name != r.Dest.Name:
		b.WriteString(" ")
		b.WriteString(r.Source.String())
	}
	return b.String()
}

// ColumnDef is one column of REPLICATE's column list: `Name TYPE [NOT NULL]`.
type ColumnDef struct {
	Pos  Pos
	Name string
	// TypeName is the type as written, upper-cased, e.g. "VARCHAR(255)".
	TypeName string
	// Type is TypeName mapped to backlogsync's closed set of types.
	Type    backlogsync.Type
	NotNull bool
}

// String returns the definition as SQL.
func (c ColumnDef) String() string {
	s := quoteIdent(c.Name) + " " + c.TypeName
	if c.NotNull {
		s += " NOT NULL"
	}
	return s
}

// Option is one `Name[=Value]` of a WITH clause.
type Option struct {
	Pos Pos
	// Name is the canonical spelling (TruncateTable for truncatetable or
	// TruncateTableData).
	Name string
	// Value is the normalized value: "True"/"False" for booleans (a bare
	// name means True), decimal integers, yyyy-MM-dd[THH:mm:ss] dates,
	// lower-case interval units, comma-separated column lists.
	Value string
}

// String returns the option as SQL.
func (o Option) String() string {
	if spec := optionsByName[strings.ToLower(o.Name)]; spec != nil {
		switch {
		case spec.kind == kindBool || spec.kind == kindInt || spec.kind == kindUnit,
			spec.kind == kindStart && strings.Trim(o.Value, "0123456789") == "":
			return o.Name + "=" + o.Value
		}
	}
	return o.Name + "=" + quoteString(o.Value)
}

// CheckCache is `CHECKCACHE Table [AGAINST …] [WITH REPAIR] [SKIP …] [START …]
// [END …] [WHERE …]`: compare a replicated table with its source and,
// WITH REPAIR, fix the differences.
type CheckCache struct {
	Pos Pos
	// Table is the replicated (destination) table to check.
	Table TableName
	// Against is the source table; by default Table.Name without schema.
	Against TableName
	// AgainstSelect is the source query of AGAINST (SELECT …), or nil.
	AgainstSelect *Select
	// Repair inserts missing rows, updates changed ones and deletes rows
	// gone from the source.
	Repair bool
	// Skip limits the check: SkipModified checks deletions only,
	// SkipDeleted checks modifications only.
	Skip Skip
	// Start and End limit the check to a date window: each is a *StringLit
	// holding a date or a *FuncCall such as DATEADD(DAY, -3,
	// CURRENT_DATE()). Nil when absent.
	Start, End Expr
	// Where filters the rows checked, or nil.
	Where Expr
}

// Skip is the SKIP clause of CHECKCACHE.
type Skip int

// SKIP values.
const (
	SkipNone     Skip = iota // check both changes and deletions
	SkipModified             // SKIP MODIFIED: check deletions only
	SkipDeleted              // SKIP DELETED: check changes only
)

// String returns MODIFIED, DELETED or "".
func (s Skip) String() string {
	switch s {
	case SkipModified:
		return "MODIFIED"
	case SkipDeleted:
		return "DELETED"
	}
	return ""
}

// Position implements Statement.
func (c *CheckCache) Position() Pos { return c.Pos }
func (c *CheckCache) stmt()         {}

// String implements Statement.
func (c *CheckCache) String() string {
	var b strings.Builder
	b.WriteString("CHECKCACHE ")
	b.WriteString(c.Table.String())
	switch {
	case c.AgainstSelect != nil:
		b.WriteString(" AGAINST (")
		b.WriteString(c.AgainstSelect.String())
		b.WriteString(")")
	case c.Against.Schema != "" || c.Against.Name != c.Table.Name:
		b.WriteString(" AGAINST ")
		b.WriteString(c.Against.String())
	}
	if c.Repair {
		b.WriteString(" WITH REPAIR")
	}
	if c.Skip != SkipNone {
		b.WriteString(" SKIP ")
		b.WriteString(c.Skip.String())
	}
	if c.Start != nil {
		b.WriteString(" START ")
		b.WriteString(c.Start.String())
	}
	if c.End != nil {
		b.WriteString(" END ")
		b.WriteString(c.End.String())
	}
	if c.Where != nil {
		b.WriteString(" WHERE ")
		b.WriteString(c.Where.String())
	}
	return b.String()
}

// Select is `SELECT items FROM Table [WHERE cond]`.
type Select struct {
	Pos     Pos
	Columns []SelectItem // at least one
	From    TableName
	Where   Expr // nil when absent
}

// String returns the query as SQL.
func (s *Select) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range s.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.String())
	}
	b.WriteString(" FROM ")
	b.WriteString(s.From.String())
	if s.Where != nil {
		b.WriteString(" WHERE ")
		b.WriteString(s.Where.String())
	}
	return b.String()
}

// Star reports whether the select list is exactly `*`.
func (s *Select) Star() bool { return len(s.Columns) == 1 && s.Columns[0].Star }

// SelectItem is `*` or `expr [AS alias]` in a select list.
type SelectItem struct {
	Pos   Pos
	Star  bool // `*`; Expr and Alias are then empty
	Expr  Expr
	Alias string // "" when absent
}

// String returns the item as SQL.
func (it SelectItem) String() string {
	if it.Star {
		return "*"
	}
	if it.Alias != "" {
		return it.Expr.String() + " AS " + quoteIdent(it.Alias)
	}
	return it.Expr.String()
}

// Name returns the column name the item produces: the alias, else the
// column's name, else "" (an unnamed expression or `*`).
func (it SelectItem) Name() string {
	if it.Alias != "" {
		return it.Alias
	}
	if c, ok := it.Expr.(*ColumnRef); ok {
		return c.Name
	}
	return ""
}

// reserved are the words that cannot be bare identifiers.
var reserved = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "WITH": true, "AND": true, "OR": true, "NOT": true,
	"IN": true, "BETWEEN": true, "IS": true, "NULL": true, "LIKE": true, "AS": true, "TRUE": true, "FALSE": true,
	"REPLICATE": true, "CHECKCACHE": true,
}

// isReserved reports whether an unquoted word is a reserved keyword.
func isReserved(word string) bool {
	return len(word) <= len("CHECKCACHE") && reserved[upperASCII(word)]
}

// upperASCII upper-cases ASCII letters only, so that keyword matching never
// depends on Unicode case folding.
func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'a' <= b[j] && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// quoteIdent returns name bare when it lexes as a non-reserved identifier,
// otherwise in brackets with ] doubled.
func quoteIdent(name string) string {
	bare := name != "" && !isReserved(name)
	for i, r := range name {
		if !bare {
			break
		}
		bare = i == 0 && isIdentStart(r) || i > 0 && isIdentPart(r)
	}
	if bare {
		return name
	}
	return "[" + strings.ReplaceAll(name, "]", "]]") + "]"
}

// quoteString returns s as a SQL string literal with ' doubled.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func writeIdents(b *strings.Builder, names []string) {
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(n))
	}
}
