package mysql

import (
	bs "github.com/backlogsync/backlogsync"
)

// Param implements sqldb.ExprDialect; dates are cast so that comparisons
// are temporal, not textual.
func (*Dialect) Param(t bs.Type, ph string) string {
	switch t {
	case bs.TypeDate:
		return "CAST(" + ph + " AS DATE)"
	case bs.TypeTimestamp:
		return "CAST(" + ph + " AS DATETIME)"
	}
	return ph
}

// TextOf implements sqldb.ExprDialect: JSON is stored as LONGTEXT.
func (*Dialect) TextOf(col string) string { return col }

// Func implements sqldb.ExprDialect. DATETIME values are stored in UTC.
func (*Dialect) Func(fn bs.Fn, argType bs.Type, arg string) string {
	switch fn {
	case bs.FnToLower:
		return "LOWER(" + arg + ")"
	case bs.FnToUpper:
		return "UPPER(" + arg + ")"
	case bs.FnTrim:
		return "TRIM(" + arg + ")"
	case bs.FnLength:
		return "CHAR_LENGTH(" + arg + ")"
	case bs.FnYear:
		return "YEAR(" + arg + ")"
	case bs.FnMonth:
		return "MONTH(" + arg + ")"
	case bs.FnDay:
		return "DAYOFMONTH(" + arg + ")"
	case bs.FnHour:
		return "HOUR(" + arg + ")"
	case bs.FnMinute:
		return "MINUTE(" + arg + ")"
	case bs.FnSecond:
		return "SECOND(" + arg + ")"
	case bs.FnDate:
		return "DATE(" + arg + ")"
	}
	return "NULL"
}

// Arith implements sqldb.ExprDialect; integer division is DIV (/ would
// give a DECIMAL).
func (*Dialect) Arith(op bs.ArithOp, t bs.Type, l, r string) string {
	if op == bs.OpDiv && t == bs.TypeInt {
		return l + " DIV " + r
	}
	return l + " " + [...]string{bs.OpAdd: "+", bs.OpSub: "-", bs.OpMul: "*", bs.OpDiv: "/", bs.OpMod: "%"}[op] + " " + r
}
