package catalog

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
)

// Op is a comparison operator of a Predicate.
type Op string

// Operators. IN takes any number of values; the others take one.
const (
	OpEq Op = "="
	OpIn Op = "IN"
	OpGE Op = ">="
	OpGT Op = ">"
	OpLE Op = "<="
	OpLT Op = "<"
)

// Predicate compares one column with constant values. Values have the Go
// type of the column (int64, float64, bool, string, time.Time); ints and
// date strings are converted when they are unambiguous (NewQuery does it).
type Predicate struct {
	Column string
	Op     Op
	Values []any
}

// Query narrows a Fetch. Every predicate must hold for every emitted row
// (they are ANDed and evaluated locally on every row); the ones the API can
// answer are also pushed into its parameters so fewer calls are made.
type Query struct {
	// Account is the value of the Account column (the space's name in the
	// configuration). Empty means the host name of the client's base URL.
	Account string
	// Where are the predicates, ANDed.
	Where []Predicate
}

// Eq returns the predicate column = v.
func Eq(column string, v any) Predicate { return Predicate{column, OpEq, []any{v}} }

// In returns the predicate column IN (vs…).
func In(column string, vs ...any) Predicate { return Predicate{column, OpIn, vs} }

// Cmp returns the predicate column op v for one of >=, >, <=, <.
func Cmp(column string, op Op, v any) Predicate { return Predicate{column, op, []any{v}} }

// check validates q against t: known columns, known operators, value
// counts and types. It normalises values in place (int → int64, date
// strings → time.Time).
func (q *Query) check(t *Table) error {
	for i := range q.Where {
		p := &q.Where[i]
		c, idx := t.Column(p.Column)
		if idx < 0 {
			return backlogsync.Errorf(backlogsync.EINVALID, "table %s has no column %q%s", t.Name, p.Column, suggestColumn(t, p.Column))
		}
		p.Column = c.Name
		switch p.Op {
		case OpEq, OpGE, OpGT, OpLE, OpLT:
			if len(p.Values) != 1 {
				return backlogsync.Errorf(backlogsync.EINVALID, "%s %s takes one value, got %d", p.Column, p.Op, len(p.Values))
			}
		case OpIn:
		default:
			return backlogsync.Errorf(backlogsync.EINVALID, "unknown operator %q on %s (use =, IN, >=, >, <=, <)", p.Op, p.Column)
		}
		for j, v := range p.Values {
			nv, err := normalize(c, v)
			if err != nil {
				return err
			}
			p.Values[j] = nv
		}
	}
	return nil
}

// suggestColumn returns ` (did you mean "X"?)` for the nearest column.
func suggestColumn(t *Table, name string) string {
	return fuzzy.DidYouMean(name, t.ColumnNames())
}

// normalize converts a predicate value to the Go type of column c.
func normalize(c backlogsync.Column, v any) (any, error) {
	bad := func() error {
		return backlogsync.Errorf(backlogsync.EINVALID, "column %s is %s: cannot compare it with %T %v", c.Name, c.Type, v, v)
	}
	switch c.Type {
	case backlogsync.TypeInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int:
			return int64(x), nil
		case int32:
			return int64(x), nil
		}
	case backlogsync.TypeFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case int:
			return float64(x), nil
		}
	case backlogsync.TypeBool:
		if x, ok := v.(bool); ok {
			return x, nil
		}
	case backlogsync.TypeText, backlogsync.TypeJSON:
		if x, ok := v.(string); ok {
			return x, nil
		}
	case backlogsync.TypeDate, backlogsync.TypeTimestamp:
		switch x := v.(type) {
		case time.Time:
			x = x.UTC()
			if c.Type == backlogsync.TypeDate {
				x = time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC)
			}
			return x, nil
		case string:
			for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02"} {
				if t, err := time.Parse(layout, x); err == nil {
					return normalize(c, t)
				}
			}
			return nil, backlogsync.Errorf(backlogsync.EINVALID, "column %s: %q is not a date (want yyyy-MM-dd or an RFC 3339 time)", c.Name, x)
		}
	}
	return nil, bad()
}

// match reports whether row r of table t satisfies every predicate.
func (q *Query) match(t *Table, r backlogsync.Row) bool {
	for _, p := range q.Where {
		_, i := t.Column(p.Column)
		if !p.holds(r[i]) {
			return false
		}
	}
	return true
}

// holds reports whether value v satisfies p (NULL satisfies nothing).
func (p *Predicate) holds(v any) bool {
	if v == nil {
		return false
	}
	switch p.Op {
	case OpEq, OpIn:
		for _, w := range p.Values {
			if c, ok := backlogsync.CompareValues(v, w); ok && c == 0 {
				return true
			}
		}
		return false
	}
	c, ok := backlogsync.CompareValues(v, p.Values[0])
	if !ok {
		return false
	}
	switch p.Op {
	case OpGE:
		return c >= 0
	case OpGT:
		return c > 0
	case OpLE:
		return c <= 0
	case OpLT:
		return c < 0
	}
	return false
}

// ints returns the int64 values that column must equal (from = and IN
// predicates, intersected), and whether there is such a restriction. An
// empty non-nil result means no row can match.
func (q *Query) ints(column string) ([]int64, bool) {
	var set []int64
	restricted := false
	for _, p := range q.Where {
		if p.Column != column || (p.Op != OpEq && p.Op != OpIn) {
			continue
		}
		var vals []int64
		for _, v := range p.Values {
			if n, ok := v.(int64); ok && !containsInt(vals, n) {
				vals = append(vals, n)
			}
		}
		if !restricted {
			set, restricted = vals, true
			continue
		}
		var both []int64
		for _, n := range set {
			if containsInt(vals, n) {
				both = append(both, n)
			}
		}
		set = both
	}
	if restricted && set == nil {
		set = []int64{}
	}
	return set, restricted
}

// strs is ints for TEXT columns.
func (q *Query) strs(column string) ([]string, bool) {
	var set []string
	restricted := false
	for _, p := range q.Where {
		if p.Column != column || (p.Op != OpEq && p.Op != OpIn) {
			continue
		}
		var vals []string
		for _, v := range p.Values {
			if s, ok := v.(string); ok {
				vals = append(vals, s)
			}
		}
		if !restricted {
			set, restricted = vals, true
			continue
		}
		var both []string
		for _, s := range set {
			for _, w := range vals {
				if s == w {
					both = append(both, s)
				}
			}
		}
		set = both
	}
	if restricted && set == nil {
		set = []string{}
	}
	return set, restricted
}

// bound returns the tightest lower and upper bounds on a column from >=, >,
// <=, < and = predicates (zero time when unbounded). Strictness is dropped:
// the bounds are inclusive and the predicates are re-checked locally.
func (q *Query) timeBounds(column string) (lo, hi time.Time) {
	for _, p := range q.Where {
		if p.Column != column {
			continue
		}
		t, ok := p.Values[0].(time.Time)
		if !ok {
			continue
		}
		switch p.Op {
		case OpGE, OpGT, OpEq:
			if lo.IsZero() || t.After(lo) {
				lo = t
			}
		}
		switch p.Op {
		case OpLE, OpLT, OpEq:
			if hi.IsZero() || t.Before(hi) {
				hi = t
			}
		}
	}
	return lo, hi
}

// intBounds is timeBounds for BIGINT columns: the smallest value allowed and
// the largest (0 when unbounded; ids are positive).
func (q *Query) intBounds(column string) (lo, hi int64) {
	for _, p := range q.Where {
		if p.Column != column {
			continue
		}
		n, ok := p.Values[0].(int64)
		if !ok {
			continue
		}
		switch p.Op {
		case OpGE, OpEq:
			lo = max(lo, n)
		case OpGT:
			lo = max(lo, n+1)
		}
		switch p.Op {
		case OpLE, OpEq:
			if hi == 0 || n < hi {
				hi = n
			}
		case OpLT:
			if hi == 0 || n-1 < hi {
				hi = n - 1
			}
		}
	}
	return lo, hi
}

// translate returns the predicates of q on the columns in m, renamed to the
// parent's columns, for pushing a child table's query through its parent.
func (q *Query) translate(m map[string]string) Query {
	out := Query{Account: q.Account}
	for _, p := range q.Where {
		if pc, ok := m[p.Column]; ok {
			p.Column = pc
			out.Where = append(out.Where, p)
		}
	}
	return out
}

func containsInt(list []int64, n int64) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

// boolEq returns the value a BOOLEAN column must equal, if q says so.
func (q *Query) boolEq(column string) (bool, bool) {
	for _, p := range q.Where {
		if p.Column == column && p.Op == OpEq {
			if b, ok := p.Values[0].(bool); ok {
				return b, true
			}
		}
	}
	return false, false
}

// matchExcept is match ignoring the predicates on the named columns (for
// checking a partly filled row before spending a call on the rest).
func (q *Query) matchExcept(t *Table, r backlogsync.Row, skip ...string) bool {
	for _, p := range q.Where {
		if slices.Contains(skip, p.Column) {
			continue
		}
		_, i := t.Column(p.Column)
		if !p.holds(r[i]) {
			return false
		}
	}
	return true
}

// String renders a predicate in SQL: ProjectId = 12, StatusId IN (1, 2).
func (p Predicate) String() string {
	vals := make([]string, len(p.Values))
	for i, v := range p.Values {
		switch x := v.(type) {
		case string:
			vals[i] = "'" + strings.ReplaceAll(x, "'", "''") + "'"
		case time.Time:
			vals[i] = "'" + x.UTC().Format(time.RFC3339) + "'"
		default:
			vals[i] = fmt.Sprint(x)
		}
	}
	if p.Op == OpIn {
		return fmt.Sprintf("%s IN (%s)", p.Column, strings.Join(vals, ", "))
	}
	return fmt.Sprintf("%s %s %s", p.Column, p.Op, strings.Join(vals, ", "))
}
