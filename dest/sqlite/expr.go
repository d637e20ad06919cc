package sqlite

import (
	bs "github.com/backlogsync/backlogsync"
)

// Param implements sqldb.ExprDialect: SQLite types values dynamically.
func (Dialect) Param(t bs.Type, ph string) string { return ph }

// TextOf implements sqldb.ExprDialect: JSON is stored as TEXT.
func (Dialect) TextOf(col string) string { return col }

// Func implements sqldb.ExprDialect. DATE and TIMESTAMP values are stored as
// "YYYY-MM-DD" and "YYYY-MM-DDTHH:MM:SSZ" text, so date parts are substrings.
func (Dialect) Func(fn bs.Fn, argType bs.Type, arg string) string {
	part := func(from, n string) string { return "CAST(substr(" + arg + ", " + from + ", " + n + ") AS INTEGER)" }
	switch fn {
	case bs.FnToLower:
		return "lower(" + arg + ")"
	case bs.FnToUpper:
		return "upper(" + arg + ")"
	case bs.FnTrim:
		return "trim(" + arg + ", ' ')"
	case bs.FnLength:
		return "length(" + arg + ")"
	case bs.FnYear:
		return part("1", "4")
	case bs.FnMonth:
		return part("6", "2")
	case bs.FnDay:
		return part("9", "2")
	case bs.FnHour:
		return part("12", "2")
	case bs.FnMinute:
		return part("15", "2")
	case bs.FnSecond:
		return part("18", "2")
	case bs.FnDate:
		return "substr(" + arg + ", 1, 10)"
	}
	return "NULL"
}

// Arith implements sqldb.ExprDialect. SQLite divides integers by truncation.
func (Dialect) Arith(op bs.ArithOp, t bs.Type, l, r string) string {
	if t == bs.TypeFloat {
		l = "CAST(" + l + " AS REAL)"
	}
	return l + " " + arithSym(op) + " " + r
}

func arithSym(op bs.ArithOp) string {
	return [...]string{bs.OpAdd: "+", bs.OpSub: "-", bs.OpMul: "*", bs.OpDiv: "/", bs.OpMod: "%"}[op]
}
