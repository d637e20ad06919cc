package backlogsync

import (
	"fmt"
	"strings"
	"time"
)

// Type is the SQL type of a column. The set is closed and small so that
// every destination (SQLite, PostgreSQL, MySQL) and the OData server can map
// each type one to one.
type Type int

// Column types.
const (
	TypeInt       Type = iota + 1 // 64-bit integer (BIGINT); Go int64
	TypeFloat                     // double precision; Go float64
	TypeBool                      // boolean; Go bool
	TypeText                      // UTF-8 text of any length; Go string
	TypeDate                      // calendar date; Go time.Time at 00:00 UTC
	TypeTimestamp                 // instant in UTC, second precision; Go time.Time
	TypeJSON                      // JSON text, only where structure is open; Go string
)

// String returns the SQL spelling used in catalog docs and REPLICATE column
// lists.
func (t Type) String() string {
	switch t {
	case TypeInt:
		return "BIGINT"
	case TypeFloat:
		return "DOUBLE"
	case TypeBool:
		return "BOOLEAN"
	case TypeText:
		return "TEXT"
	case TypeDate:
		return "DATE"
	case TypeTimestamp:
		return "TIMESTAMP"
	case TypeJSON:
		return "JSON"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// ParseType parses a SQL type name as written in REPLICATE column lists
// (case-insensitive; common synonyms accepted).
func ParseType(s string) (Type, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "BIGINT", "INT", "INTEGER", "INT64", "LONG":
		return TypeInt, nil
	case "DOUBLE", "FLOAT", "REAL", "DOUBLE PRECISION", "DECIMAL", "NUMERIC":
		return TypeFloat, nil
	case "BOOLEAN", "BOOL", "BIT":
		return TypeBool, nil
	case "TEXT", "VARCHAR", "STRING", "NVARCHAR", "CHAR", "CLOB":
		return TypeText, nil
	case "DATE":
		return TypeDate, nil
	case "TIMESTAMP", "DATETIME", "TIMESTAMPTZ":
		return TypeTimestamp, nil
	case "JSON", "JSONB":
		return TypeJSON, nil
	}
	return 0, Errorf(EINVALID, "unknown column type %q: use BIGINT, DOUBLE, BOOLEAN, TEXT, DATE, TIMESTAMP or JSON", s)
}

// Column is a column of a table.
type Column struct {
	Name        string // PascalCase, e.g. "StatusName"
	Type        Type
	Nullable    bool
	Description string
}

// Table describes a table as data: its columns, key and lineage. The
// catalog defines one per Backlog resource; destinations create them; the
// OData server publishes them.
type Table struct {
	Name        string // PascalCase, e.g. "IssueComments"
	Description string
	Columns     []Column
	PrimaryKey  []string // column names
	// Parent names the table whose rows own this table's rows (e.g.
	// IssueComments → Issues), or "" for top-level tables.
	Parent string
	// CursorColumn is the column incremental replication advances on (e.g.
	// "Updated"), or "" when the table is refreshed by a full diff.
	CursorColumn string
	// Indexes are columns replication looks rows up by (a parent's id such
	// as IssueId): destinations index each of them, like CursorColumn.
	Indexes []string
}

// ColumnNames returns the names of the columns, in order.
func (t *Table) ColumnNames() []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// Column returns the named column (case-insensitive) and its index, or -1.
func (t *Table) Column(name string) (Column, int) {
	for i, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return c, i
		}
	}
	return Column{}, -1
}

// Row is one row of a table: values in column order. A value is nil (NULL)
// or the Go type of its column's Type: int64, float64, bool, string (TEXT and
// JSON) or time.Time (DATE at 00:00 UTC, TIMESTAMP in UTC).
type Row []any

// CompareValues orders two non-nil row values: numbers numerically (int64
// and float64 together), text by bytes, false before true, times by
// instant. ok is false for values of unrelated types.
func CompareValues(a, b any) (c int, ok bool) {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp3(x < y, x > y), true
		case float64:
			return cmp3(float64(x) < y, float64(x) > y), true
		}
	case float64:
		switch y := b.(type) {
		case float64:
			return cmp3(x < y, x > y), true
		case int64:
			return cmp3(x < float64(y), x > float64(y)), true
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), true
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmp3(!x && y, x && !y), true
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y), true
		}
	}
	return 0, false
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

// CheckRow reports the first value of r that does not match t's columns.
func (t *Table) CheckRow(r Row) error {
	if len(r) != len(t.Columns) {
		return Errorf(EINTERNAL, "table %s: row has %d values for %d columns", t.Name, len(r), len(t.Columns))
	}
	for i, v := range r {
		c := t.Columns[i]
		if v == nil {
			if !c.Nullable {
				return Errorf(EINTERNAL, "table %s: column %s is NULL but not nullable", t.Name, c.Name)
			}
			continue
		}
		ok := false
		switch c.Type {
		case TypeInt:
			_, ok = v.(int64)
		case TypeFloat:
			_, ok = v.(float64)
		case TypeBool:
			_, ok = v.(bool)
		case TypeText, TypeJSON:
			_, ok = v.(string)
		case TypeDate, TypeTimestamp:
			_, ok = v.(time.Time)
		}
		if !ok {
			return Errorf(EINTERNAL, "table %s: column %s (%s) holds %T", t.Name, c.Name, c.Type, v)
		}
	}
	return nil
}
