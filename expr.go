package backlogsync

import "time"

// Term is a value expression inside a Compare or InTerms: Col, Lit, Func or
// Arith. Terms let a filter compute on columns (Price mul 2, tolower(Name),
// year(Created)) where Cmp, In and IsNull only compare a column with a
// literal. Every destination translates terms to its own SQL (with bound
// parameters for literals) or evaluates them itself.
//
// A term has a type: a column's type (JSON counts as TEXT), a literal's
// Type, or the result type of its function or operator. A term whose value
// is unknown (a NULL column, a NULL argument, a division by zero) makes the
// comparison that contains it unknown.
type Term interface{ isTerm() }

// Col is the value of a column.
type Col struct{ Name string }

// Lit is a literal. Type says how Value is read: int64 (or int) for TypeInt,
// float64 for TypeFloat, bool, string for TypeText, time.Time for TypeDate
// (its calendar date) and TypeTimestamp (UTC, truncated to the second). A
// nil Value is NULL: compared with OpEq or OpNe it tests for NULL (IS NULL /
// IS NOT NULL); other uses of NULL are EINVALID. An integer literal compared
// with a DOUBLE term is read as a DOUBLE and a DATE literal compared with a
// TIMESTAMP term as midnight UTC.
type Lit struct {
	Value any
	Type  Type
}

// Fn names a Func.
type Fn string

// Functions of a Func term, named as in OData. Text functions work on
// characters (Unicode code points); FnToLower and FnToUpper are guaranteed
// for ASCII letters only (SQLite folds no others); FnTrim removes leading and
// trailing spaces (U+0020). Date parts are taken in UTC.
const (
	FnToLower Fn = "tolower" // TEXT → TEXT
	FnToUpper Fn = "toupper" // TEXT → TEXT
	FnTrim    Fn = "trim"    // TEXT → TEXT
	FnLength  Fn = "length"  // TEXT → BIGINT, in characters
	FnYear    Fn = "year"    // DATE or TIMESTAMP → BIGINT
	FnMonth   Fn = "month"   // DATE or TIMESTAMP → BIGINT, 1–12
	FnDay     Fn = "day"     // DATE or TIMESTAMP → BIGINT, 1–31
	FnHour    Fn = "hour"    // TIMESTAMP → BIGINT, 0–23
	FnMinute  Fn = "minute"  // TIMESTAMP → BIGINT
	FnSecond  Fn = "second"  // TIMESTAMP → BIGINT
	FnDate    Fn = "date"    // TIMESTAMP → DATE (or DATE → DATE)
)

// Func applies a function to its arguments (one for every Fn above).
type Func struct {
	Fn   Fn
	Args []Term
}

// ArithOp is the operator of an Arith.
type ArithOp int

// Arithmetic operators. On two BIGINT operands the result is BIGINT and
// OpDiv and OpMod truncate toward zero (as Go does); with a DOUBLE operand
// the result is DOUBLE and OpMod is EINVALID. Division or modulo by zero is
// unknown (NULL), never an error.
const (
	OpAdd ArithOp = iota + 1
	OpSub
	OpMul
	OpDiv
	OpMod
)

// String returns the operator's OData spelling.
func (o ArithOp) String() string {
	switch o {
	case OpAdd:
		return "add"
	case OpSub:
		return "sub"
	case OpMul:
		return "mul"
	case OpDiv:
		return "div"
	case OpMod:
		return "mod"
	}
	return "ArithOp(?)"
}

// Arith is `L Op R` on numeric terms.
type Arith struct {
	Op   ArithOp
	L, R Term
}

// Compare is `L Op R` on terms of comparable types (numbers with numbers,
// text with text, booleans, dates with dates or timestamps). OpContains,
// OpStartsWith and OpEndsWith need TEXT terms. It is the general form of Cmp.
type Compare struct {
	L  Term
	Op Op
	R  Term
}

// InTerms is `X IN (Values…)` where every value is a Lit of X's type; an
// empty list selects nothing.
type InTerms struct {
	X      Term
	Values []Lit
}

func (Col) isTerm()   {}
func (Lit) isTerm()   {}
func (Func) isTerm()  {}
func (Arith) isTerm() {}

func (Compare) isExpr() {}
func (InTerms) isExpr() {}

// TimeLit returns a TIMESTAMP literal.
func TimeLit(t time.Time) Lit { return Lit{Value: t, Type: TypeTimestamp} }
