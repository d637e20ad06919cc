// Package destutil holds what every destination implementation shares:
// checking and normalising row values and filter literals against a table,
// resolving column names, and comparing values the way the Destination
// contract orders them.
package destutil

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"syscall"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// Cell is Value followed by the storable-text policy
// (backlogsync.StorableText): it returns the value to store and whether
// the policy altered it. An error names the table, the row's key (the
// values of key, positions in r) and the column.
func Cell(table string, c bs.Column, v any, r bs.Row, key []int) (any, bool, error) {
	v, err := Value(table, c, v)
	if err != nil {
		var e *bs.Error
		if errors.As(err, &e) {
			return nil, false, bs.Errorf(e.Code, "%s (row %s)", e.Message, KeyText(r, key))
		}
		return nil, false, err
	}
	s, ok := v.(string)
	if !ok {
		return v, false, nil
	}
	switch c.Type {
	case bs.TypeText:
		s, altered := bs.StorableText(s)
		return s, altered, nil
	case bs.TypeJSON:
		s, altered := bs.StorableJSON(s)
		return s, altered, nil
	}
	return v, false, nil
}

// KeyText describes a row by its key values (positions key in r), for
// error messages: "key 7" or "key (3, 41)".
func KeyText(r bs.Row, key []int) string {
	vals := make([]string, 0, len(key))
	for _, p := range key {
		if p >= 0 && p < len(r) {
			vals = append(vals, fmt.Sprint(r[p]))
		}
	}
	if len(vals) == 1 {
		return "key " + vals[0]
	}
	return "key (" + strings.Join(vals, ", ") + ")"
}

// Value checks that v may be stored in column c and returns it normalised:
// TIMESTAMP in UTC truncated to the second, DATE at midnight UTC of its own
// calendar date. NaN is refused; so are years outside 1–9999.
func Value(table string, c bs.Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() (any, error) {
		return nil, bs.Errorf(bs.EINVALID, "table %s: column %s (%s) cannot hold %T %v", table, c.Name, c.Type, v, v)
	}
	switch c.Type {
	case bs.TypeInt:
		if _, ok := v.(int64); !ok {
			return bad()
		}
	case bs.TypeFloat:
		f, ok := v.(float64)
		if !ok || math.IsNaN(f) {
			return bad()
		}
	case bs.TypeBool:
		if _, ok := v.(bool); !ok {
			return bad()
		}
	case bs.TypeText, bs.TypeJSON:
		if _, ok := v.(string); !ok {
			return bad()
		}
	case bs.TypeDate, bs.TypeTimestamp:
		t, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		t = NormTime(c.Type, t)
		if y := t.Year(); y < 1 || y > 9999 {
			return bad()
		}
		return t, nil
	default:
		return bad()
	}
	return v, nil
}

// NormTime returns t as the destination stores it: a DATE as midnight UTC of
// t's calendar date in its own location, a TIMESTAMP in UTC truncated to the
// second.
func NormTime(ty bs.Type, t time.Time) time.Time {
	if ty == bs.TypeDate {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return t.UTC().Truncate(time.Second)
}

// Literal converts a filter literal for column c to the column's Go type.
func Literal(c bs.Column, v any) (any, error) {
	bad := func() (any, error) {
		if v == nil {
			return nil, bs.Errorf(bs.EINVALID, "column %s: NULL literal; test for NULL with IS NULL", c.Name)
		}
		return nil, bs.Errorf(bs.EINVALID, "column %s (%s) cannot be compared with %T %v", c.Name, c.Type, v, v)
	}
	switch c.Type {
	case bs.TypeInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int:
			return int64(x), nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				return int64(x), nil
			}
		}
	case bs.TypeFloat:
		switch x := v.(type) {
		case int64:
			return float64(x), nil
		case int:
			return float64(x), nil
		case float64:
			if !math.IsNaN(x) {
				return x, nil
			}
		}
	case bs.TypeBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case bs.TypeText, bs.TypeJSON:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case bs.TypeDate, bs.TypeTimestamp:
		if t, ok := v.(time.Time); ok {
			t = NormTime(c.Type, t)
			if y := t.Year(); y >= 1 && y <= 9999 {
				return t, nil
			}
		}
	}
	return bad()
}

// Columns resolves names (case-insensitive) to column indexes of t; empty
// names means every column.
func Columns(t *bs.Table, names []string) ([]int, error) {
	if len(names) == 0 {
		idx := make([]int, len(t.Columns))
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	idx := make([]int, len(names))
	for i, n := range names {
		_, j := t.Column(n)
		if j < 0 {
			return nil, bs.Errorf(bs.EINVALID, "table %s has no column %q", t.Name, n)
		}
		idx[i] = j
	}
	return idx, nil
}

// Resolved is a checked filter: every column is resolved to its index in the
// table and every literal is normalised to the column's Go type. It mirrors
// backlogsync.Expr.
type Resolved struct {
	Kind   Kind
	Col    int        // Cmp, In, IsNull
	Column bs.Column  // Cmp, In, IsNull
	Op     bs.Op      // Cmp
	Value  any        // Cmp
	Values []any      // In
	Terms  []Resolved // And, Or, Not (one term)
	Args   []RTerm    // KCompare (two), KInTerms and KIsNullTerm (one)
}

// Kind is the kind of a Resolved expression.
type Kind int

// Expression kinds.
const (
	KCmp Kind = iota + 1
	KIn
	KIsNull
	KAnd
	KOr
	KNot
)

// Resolve checks e against t. A nil e resolves to an empty And (true).
func Resolve(t *bs.Table, e bs.Expr) (Resolved, error) {
	col := func(name string) (int, bs.Column, error) {
		c, i := t.Column(name)
		if i < 0 {
			return 0, c, bs.Errorf(bs.EINVALID, "table %s has no column %q", t.Name, name)
		}
		return i, c, nil
	}
	switch x := e.(type) {
	case nil:
		return Resolved{Kind: KAnd}, nil
	case bs.Cmp:
		i, c, err := col(x.Column)
		if err != nil {
			return Resolved{}, err
		}
		switch x.Op {
		case bs.OpEq, bs.OpNe, bs.OpLt, bs.OpLe, bs.OpGt, bs.OpGe:
		case bs.OpContains, bs.OpStartsWith, bs.OpEndsWith:
			if c.Type != bs.TypeText && c.Type != bs.TypeJSON {
				return Resolved{}, bs.Errorf(bs.EINVALID, "%s applies to text columns; %s is %s", x.Op, c.Name, c.Type)
			}
		default:
			return Resolved{}, bs.Errorf(bs.EINVALID, "column %s: unknown operator %d", c.Name, int(x.Op))
		}
		v, err := Literal(c, x.Value)
		if err != nil {
			return Resolved{}, err
		}
		return Resolved{Kind: KCmp, Col: i, Column: c, Op: x.Op, Value: v}, nil
	case bs.In:
		i, c, err := col(x.Column)
		if err != nil {
			return Resolved{}, err
		}
		vs := make([]any, len(x.Values))
		for j, v := range x.Values {
			if vs[j], err = Literal(c, v); err != nil {
				return Resolved{}, err
			}
		}
		return Resolved{Kind: KIn, Col: i, Column: c, Values: vs}, nil
	case bs.IsNull:
		i, c, err := col(x.Column)
		if err != nil {
			return Resolved{}, err
		}
		return Resolved{Kind: KIsNull, Col: i, Column: c}, nil
	case bs.And, bs.Or:
		var terms []bs.Expr
		k := KAnd
		if a, ok := x.(bs.And); ok {
			terms = a
		} else {
			terms, k = x.(bs.Or), KOr
		}
		r := Resolved{Kind: k, Terms: make([]Resolved, len(terms))}
		for j, term := range terms {
			var err error
			if r.Terms[j], err = Resolve(t, term); err != nil {
				return Resolved{}, err
			}
		}
		return r, nil
	case bs.Compare:
		return resolveCompare(t, x)
	case bs.InTerms:
		return resolveInTerms(t, x)
	case bs.Not:
		if x.X == nil {
			return Resolved{}, bs.Errorf(bs.EINVALID, "NOT without an operand")
		}
		in, err := Resolve(t, x.X)
		if err != nil {
			return Resolved{}, err
		}
		return Resolved{Kind: KNot, Terms: []Resolved{in}}, nil
	}
	return Resolved{}, bs.Errorf(bs.EINVALID, "unknown filter expression %T", e)
}

// Compare orders two non-nil values of the same column type: -1, 0 or +1.
// Text compares by byte, false < true, times chronologically.
func Compare(a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmp3(x, b.(int64))
	case float64:
		return cmp3(x, b.(float64))
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case time.Time:
		return x.Compare(b.(time.Time))
	}
	panic(fmt.Sprintf("destutil.Compare: %T", a))
}

func cmp3[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// CompareNullsFirst is Compare with NULL before every value.
func CompareNullsFirst(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return Compare(a, b)
}

// Layouts of DATE and TIMESTAMP values stored as text.
const (
	DateLayout      = "2006-01-02"
	TimestampLayout = "2006-01-02T15:04:05Z"
)

// PlanMigration compares an existing table with the wanted one. It returns
// the columns to add (in want's order), the columns whose type widens (as
// indexes into have.Columns with their new types), or an EINVALID error for a
// different primary key or a narrowing change. sameType reports types the
// destination stores identically (e.g. JSON as TEXT); they need no change.
func PlanMigration(have, want *bs.Table, sameType func(a, b bs.Type) bool) (add []bs.Column, widen map[int]bs.Type, err error) {
	if !sameNames(have.PrimaryKey, want.PrimaryKey) {
		return nil, nil, bs.Errorf(bs.EINVALID, "table %s: primary key (%s) differs from the existing table's (%s); drop the table (WITH DropTable=true) to change it",
			want.Name, strings.Join(want.PrimaryKey, ", "), strings.Join(have.PrimaryKey, ", "))
	}
	widen = map[int]bs.Type{}
	for _, c := range want.Columns {
		hc, i := have.Column(c.Name)
		switch {
		case i < 0:
			add = append(add, c)
		case hc.Type == c.Type || sameType(hc.Type, c.Type):
		case bs.CanWiden(hc.Type, c.Type):
			widen[i] = c.Type
		default:
			return nil, nil, bs.Errorf(bs.EINVALID, "table %s: column %s is %s and cannot become %s (a narrowing or incompatible change); keep %s or drop the table",
				want.Name, c.Name, hc.Type, c.Type, hc.Type)
		}
	}
	return add, widen, nil
}

func sameNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

// ConnectHint says what to fix for a connection failure that is not the
// server's own answer: a refused port, a timeout, an unknown host. server
// names the product ("PostgreSQL") in the advice. It returns "cannot
// connect" for anything else.
func ConnectHint(err error, server string, timeout time.Duration) string {
	var ne net.Error
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing accepts connections there: check Server and Port in the connection string, and that " + server + " is running and listening on TCP"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("no answer within %v: check Server and Port in the connection string, and that no firewall drops the connection", timeout)
	case errors.As(err, &dns):
		return fmt.Sprintf("unknown host %q: check Server in the connection string", dns.Name)
	}
	return "cannot connect"
}
