package destutil

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	bs "github.com/backlogsync/backlogsync"
)

// Expression kinds beyond the column comparisons of Resolved.
const (
	// KCompare is Args[0] Op Args[1] on resolved terms.
	KCompare Kind = iota + 100
	// KInTerms is Args[0] IN (Values…), values typed as Args[0].Type.
	KInTerms
	// KIsNullTerm is Args[0] IS NULL.
	KIsNullTerm
)

// TermKind is the kind of an RTerm.
type TermKind int

// Term kinds.
const (
	TCol TermKind = iota + 1
	TLit
	TFunc
	TArith
)

// RTerm is a checked backlogsync.Term: columns resolved, literals
// normalised to Type's Go type, the result Type computed. A JSON column's
// Type is TypeJSON; it behaves as TEXT.
type RTerm struct {
	Kind   TermKind
	Type   bs.Type
	Col    int       // TCol
	Column bs.Column // TCol
	Value  any       // TLit
	Fn     bs.Fn     // TFunc
	Op     bs.ArithOp
	Args   []RTerm // TFunc arguments, TArith L and R
}

type class int

const (
	cNum class = iota + 1
	cText
	cBool
	cTime
)

func classOf(t bs.Type) class {
	switch t {
	case bs.TypeInt, bs.TypeFloat:
		return cNum
	case bs.TypeText, bs.TypeJSON:
		return cText
	case bs.TypeBool:
		return cBool
	}
	return cTime
}

// ResolveTerm checks a term against t. want, when not zero, is the type a
// literal is read as (the other side of a comparison).
func ResolveTerm(t *bs.Table, x bs.Term, want bs.Type) (RTerm, error) {
	switch x := x.(type) {
	case bs.Col:
		c, i := t.Column(x.Name)
		if i < 0 {
			return RTerm{}, bs.Errorf(bs.EINVALID, "table %s has no column %q", t.Name, x.Name)
		}
		return RTerm{Kind: TCol, Type: c.Type, Col: i, Column: c}, nil
	case bs.Lit:
		return resolveLit(x, want)
	case bs.Func:
		return resolveFunc(t, x)
	case bs.Arith:
		l, err := ResolveTerm(t, x.L, 0)
		if err != nil {
			return RTerm{}, err
		}
		r, err := ResolveTerm(t, x.R, l.Type)
		if err != nil {
			return RTerm{}, err
		}
		if l.Kind == TLit && r.Kind != TLit {
			if l, err = ResolveTerm(t, x.L, r.Type); err != nil {
				return RTerm{}, err
			}
		}
		if classOf(l.Type) != cNum || classOf(r.Type) != cNum {
			return RTerm{}, bs.Errorf(bs.EINVALID, "%s needs numbers, not %s and %s", x.Op, l.Type, r.Type)
		}
		ty := bs.TypeInt
		if l.Type == bs.TypeFloat || r.Type == bs.TypeFloat {
			ty = bs.TypeFloat
		}
		switch x.Op {
		case bs.OpAdd, bs.OpSub, bs.OpMul, bs.OpDiv:
		case bs.OpMod:
			if ty != bs.TypeInt {
				return RTerm{}, bs.Errorf(bs.EINVALID, "mod needs integers, not %s and %s", l.Type, r.Type)
			}
		default:
			return RTerm{}, bs.Errorf(bs.EINVALID, "unknown arithmetic operator %d", int(x.Op))
		}
		return RTerm{Kind: TArith, Type: ty, Op: x.Op, Args: []RTerm{l, r}}, nil
	case nil:
		return RTerm{}, bs.Errorf(bs.EINVALID, "missing operand")
	}
	return RTerm{}, bs.Errorf(bs.EINVALID, "unknown term %T", x)
}

func resolveLit(x bs.Lit, want bs.Type) (RTerm, error) {
	if x.Value == nil {
		return RTerm{}, bs.Errorf(bs.EINVALID, "null can only be compared with eq or ne")
	}
	ty := x.Type
	switch {
	case ty == bs.TypeInt && want == bs.TypeFloat:
		ty = bs.TypeFloat
	case ty == bs.TypeDate && want == bs.TypeTimestamp:
		ty = bs.TypeTimestamp
	case ty == bs.TypeText && want == bs.TypeJSON:
		ty = bs.TypeJSON
	}
	v, err := Literal(bs.Column{Name: "literal", Type: ty}, x.Value)
	if err != nil {
		return RTerm{}, err
	}
	if x.Type == bs.TypeFloat {
		if _, ok := x.Value.(float64); !ok {
			return RTerm{}, bs.Errorf(bs.EINVALID, "literal %v is not a DOUBLE", x.Value)
		}
	}
	return RTerm{Kind: TLit, Type: ty, Value: v}, nil
}

func resolveFunc(t *bs.Table, x bs.Func) (RTerm, error) {
	if len(x.Args) != 1 {
		return RTerm{}, bs.Errorf(bs.EINVALID, "%s takes one argument, got %d", x.Fn, len(x.Args))
	}
	a, err := ResolveTerm(t, x.Args[0], 0)
	if err != nil {
		return RTerm{}, err
	}
	need := func(ok bool, what string) error {
		if !ok {
			return bs.Errorf(bs.EINVALID, "%s needs %s, not %s", x.Fn, what, a.Type)
		}
		return nil
	}
	var ty bs.Type
	switch x.Fn {
	case bs.FnToLower, bs.FnToUpper, bs.FnTrim:
		err, ty = need(classOf(a.Type) == cText, "text"), bs.TypeText
	case bs.FnLength:
		err, ty = need(classOf(a.Type) == cText, "text"), bs.TypeInt
	case bs.FnYear, bs.FnMonth, bs.FnDay:
		err, ty = need(classOf(a.Type) == cTime, "a date or timestamp"), bs.TypeInt
	case bs.FnHour, bs.FnMinute, bs.FnSecond:
		err, ty = need(a.Type == bs.TypeTimestamp, "a timestamp"), bs.TypeInt
	case bs.FnDate:
		err, ty = need(classOf(a.Type) == cTime, "a date or timestamp"), bs.TypeDate
	default:
		return RTerm{}, bs.Errorf(bs.EINVALID, "unknown function %q", x.Fn)
	}
	if err != nil {
		return RTerm{}, err
	}
	return RTerm{Kind: TFunc, Type: ty, Fn: x.Fn, Args: []RTerm{a}}, nil
}

// resolveCompare checks a Compare; `x eq null` becomes KIsNullTerm.
func resolveCompare(t *bs.Table, x bs.Compare) (Resolved, error) {
	isNull := func(v bs.Term) bool { l, ok := v.(bs.Lit); return ok && l.Value == nil }
	if isNull(x.L) || isNull(x.R) {
		other := x.L
		if isNull(x.L) {
			other = x.R
		}
		if x.Op != bs.OpEq && x.Op != bs.OpNe {
			return Resolved{}, bs.Errorf(bs.EINVALID, "null can only be compared with eq or ne")
		}
		if isNull(other) {
			return Resolved{}, bs.Errorf(bs.EINVALID, "comparing null with null")
		}
		o, err := ResolveTerm(t, other, 0)
		if err != nil {
			return Resolved{}, err
		}
		r := Resolved{Kind: KIsNullTerm, Args: []RTerm{o}}
		if x.Op == bs.OpNe {
			return Resolved{Kind: KNot, Terms: []Resolved{r}}, nil
		}
		return r, nil
	}
	l, r, err := resolvePair(t, x.L, x.R)
	if err != nil {
		return Resolved{}, err
	}
	switch x.Op {
	case bs.OpEq, bs.OpNe, bs.OpLt, bs.OpLe, bs.OpGt, bs.OpGe:
		if classOf(l.Type) != classOf(r.Type) || (classOf(l.Type) == cTime && l.Type != r.Type) {
			return Resolved{}, bs.Errorf(bs.EINVALID, "cannot compare %s with %s: compare a column with a value of its type (a number without quotes, text in quotes)", describeTerm(l), describeTerm(r))
		}
	case bs.OpContains, bs.OpStartsWith, bs.OpEndsWith:
		if classOf(l.Type) != cText || classOf(r.Type) != cText {
			return Resolved{}, bs.Errorf(bs.EINVALID, "%s applies to text, not %s and %s", x.Op, l.Type, r.Type)
		}
	default:
		return Resolved{}, bs.Errorf(bs.EINVALID, "unknown operator %d", int(x.Op))
	}
	return Resolved{Kind: KCompare, Op: x.Op, Args: []RTerm{l, r}}, nil
}

// resolvePair resolves two operands, reading a literal as the other's type.
func resolvePair(t *bs.Table, a, b bs.Term) (RTerm, RTerm, error) {
	_, aLit := a.(bs.Lit)
	if aLit {
		r, err := ResolveTerm(t, b, 0)
		if err != nil {
			return RTerm{}, RTerm{}, err
		}
		l, err := ResolveTerm(t, a, r.Type)
		return l, r, err
	}
	l, err := ResolveTerm(t, a, 0)
	if err != nil {
		return RTerm{}, RTerm{}, err
	}
	r, err := ResolveTerm(t, b, l.Type)
	return l, r, err
}

func resolveInTerms(t *bs.Table, x bs.InTerms) (Resolved, error) {
	a, err := ResolveTerm(t, x.X, 0)
	if err != nil {
		return Resolved{}, err
	}
	vs := make([]any, len(x.Values))
	for i, v := range x.Values {
		l, err := resolveLit(v, a.Type)
		if err != nil {
			return Resolved{}, err
		}
		if classOf(l.Type) != classOf(a.Type) || (classOf(a.Type) == cTime && l.Type != a.Type) {
			return Resolved{}, bs.Errorf(bs.EINVALID, "in: cannot compare %s with %s", a.Type, l.Type)
		}
		if a.Type == bs.TypeInt && l.Type == bs.TypeFloat {
			return Resolved{}, bs.Errorf(bs.EINVALID, "in: %v is not an integer", v.Value)
		}
		vs[i] = l.Value
	}
	return Resolved{Kind: KInTerms, Args: []RTerm{a}, Values: vs}, nil
}

// Keyset returns the filter selecting the rows after the sort key after (see
// backlogsync.Query.After) in the order of order then t's primary key, NULL
// first ascending and last descending.
func Keyset(t *bs.Table, order []bs.Order, after []any) (bs.Expr, error) {
	type key struct {
		col  bs.Column
		desc bool
	}
	var keys []key
	for _, o := range order {
		c, i := t.Column(o.Column)
		if i < 0 {
			return nil, bs.Errorf(bs.EINVALID, "table %s has no column %q", t.Name, o.Column)
		}
		keys = append(keys, key{c, o.Desc})
	}
	for _, k := range t.PrimaryKey {
		c, _ := t.Column(k)
		keys = append(keys, key{c, false})
	}
	if len(after) != len(keys) {
		return nil, bs.Errorf(bs.EINVALID, "table %s: the page key has %d values, want %d", t.Name, len(after), len(keys))
	}
	var or bs.Or
	var prefix bs.And
	for i, k := range keys {
		v := after[i]
		if v != nil {
			var err error
			if v, err = Literal(k.col, v); err != nil {
				return nil, err
			}
		}
		name := k.col.Name
		var gt, eq bs.Expr
		switch {
		case v == nil && !k.desc:
			gt, eq = bs.Not{X: bs.IsNull{Column: name}}, bs.IsNull{Column: name}
		case v == nil && k.desc:
			gt, eq = nil, bs.IsNull{Column: name}
		case !k.desc:
			gt, eq = bs.Cmp{Column: name, Op: bs.OpGt, Value: v}, bs.Cmp{Column: name, Op: bs.OpEq, Value: v}
		default:
			gt = bs.Or{bs.Cmp{Column: name, Op: bs.OpLt, Value: v}, bs.IsNull{Column: name}}
			eq = bs.Cmp{Column: name, Op: bs.OpEq, Value: v}
		}
		if gt != nil {
			or = append(or, append(append(bs.And{}, prefix...), gt))
		}
		prefix = append(prefix, eq)
	}
	return or, nil
}

// QueryFilter returns q's filter combined with its keyset condition.
func QueryFilter(t *bs.Table, q bs.Query) (bs.Expr, error) {
	if q.After == nil {
		return q.Filter, nil
	}
	k, err := Keyset(t, q.OrderBy, q.After)
	if err != nil {
		return nil, err
	}
	if q.Filter == nil {
		return k, nil
	}
	return bs.And{q.Filter, k}, nil
}

// EvalTerm computes a resolved term on row r; nil is NULL (unknown).
func EvalTerm(x RTerm, r bs.Row) any {
	switch x.Kind {
	case TCol:
		return r[x.Col]
	case TLit:
		return x.Value
	case TFunc:
		a := EvalTerm(x.Args[0], r)
		if a == nil {
			return nil
		}
		switch x.Fn {
		case bs.FnToLower:
			return asciiMap(a.(string), 'A', 'Z', 'a'-'A')
		case bs.FnToUpper:
			return asciiMap(a.(string), 'a', 'z', 'A'-'a')
		case bs.FnTrim:
			return strings.Trim(a.(string), " ")
		case bs.FnLength:
			return int64(utf8.RuneCountInString(a.(string)))
		}
		tm := a.(time.Time).UTC()
		switch x.Fn {
		case bs.FnYear:
			return int64(tm.Year())
		case bs.FnMonth:
			return int64(tm.Month())
		case bs.FnDay:
			return int64(tm.Day())
		case bs.FnHour:
			return int64(tm.Hour())
		case bs.FnMinute:
			return int64(tm.Minute())
		case bs.FnSecond:
			return int64(tm.Second())
		case bs.FnDate:
			return NormTime(bs.TypeDate, tm)
		}
	case TArith:
		l, rr := EvalTerm(x.Args[0], r), EvalTerm(x.Args[1], r)
		if l == nil || rr == nil {
			return nil
		}
		if x.Type == bs.TypeInt {
			a, b := l.(int64), rr.(int64)
			switch x.Op {
			case bs.OpAdd:
				return a + b
			case bs.OpSub:
				return a - b
			case bs.OpMul:
				return a * b
			case bs.OpDiv:
				if b == 0 {
					return nil
				}
				return a / b
			case bs.OpMod:
				if b == 0 {
					return nil
				}
				return a % b
			}
		}
		a, b := toFloat(l), toFloat(rr)
		switch x.Op {
		case bs.OpAdd:
			return a + b
		case bs.OpSub:
			return a - b
		case bs.OpMul:
			return a * b
		case bs.OpDiv:
			if b == 0 {
				return nil
			}
			return a / b
		}
	}
	return nil
}

// CompareTerms orders two non-nil term values of one class (numbers of
// either type together).
func CompareTerms(a, b any) int {
	_, af := a.(float64)
	_, bf := b.(float64)
	if af != bf {
		return Compare(toFloat(a), toFloat(b))
	}
	return Compare(a, b)
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

func asciiMap(s string, lo, hi byte, delta int) string {
	b := []byte(s)
	for i, c := range b {
		if c >= lo && c <= hi {
			b[i] = byte(int(c) + delta)
		}
	}
	return string(b)
}

// describeTerm names a term for a message: a column by its name and type,
// a literal by its value and type, anything else by its type.
func describeTerm(t RTerm) string {
	switch t.Kind {
	case TCol:
		return fmt.Sprintf("%s (%s)", t.Column.Name, t.Type)
	case TLit:
		if s, ok := t.Value.(string); ok {
			return fmt.Sprintf("%q (%s)", s, t.Type)
		}
		return fmt.Sprintf("%v (%s)", t.Value, t.Type)
	}
	return t.Type.String()
}
