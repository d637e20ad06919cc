package postgres

import (
	bs "github.com/backlogsync/backlogsync"
)

// Param implements sqldb.ExprDialect with a cast, since PostgreSQL infers a
// parameter's type from its context and the context of a term may not
// decide it (1 add 2, Score gt 1 with an integer literal).
func (Dialect) Param(t bs.Type, ph string) string {
	switch t {
	case bs.TypeInt:
		return "CAST(" + ph + " AS BIGINT)"
	case bs.TypeFloat:
		return "CAST(" + ph + " AS DOUBLE PRECISION)"
	case bs.TypeBool:
		return "CAST(" + ph + " AS BOOLEAN)"
	case bs.TypeDate:
		return "CAST(" + ph + " AS DATE)"
	case bs.TypeTimestamp:
		return "CAST(" + ph + " AS TIMESTAMPTZ)"
	}
	return "CAST(" + ph + ` AS TEXT) COLLATE "C"`
}

// TextOf implements sqldb.ExprDialect: JSONB as its text.
func (Dialect) TextOf(col string) string { return "(" + col + `::text COLLATE "C")` }

// Func implements sqldb.ExprDialect; date parts of TIMESTAMPTZ are taken in
// UTC whatever the session's time zone.
func (Dialect) Func(fn bs.Fn, argType bs.Type, arg string) string {
	utc := arg
	if argType == bs.TypeTimestamp {
		utc = "(" + arg + " AT TIME ZONE 'UTC')"
	}
	part := func(p string) string { return "CAST(floor(EXTRACT(" + p + " FROM " + utc + ")) AS BIGINT)" }
	switch fn {
	case bs.FnToLower:
		return "lower(" + arg + ")"
	case bs.FnToUpper:
		return "upper(" + arg + ")"
	case bs.FnTrim:
		return "trim(both ' ' from " + arg + ")"
	case bs.FnLength:
		return "CAST(length(" + arg + ") AS BIGINT)"
	case bs.FnYear:
		return part("YEAR")
	case bs.FnMonth:
		return part("MONTH")
	case bs.FnDay:
		return part("DAY")
	case bs.FnHour:
		return part("HOUR")
	case bs.FnMinute:
		return part("MINUTE")
	case bs.FnSecond:
		return part("SECOND")
	case bs.FnDate:
		return "CAST(" + utc + " AS DATE)"
	}
	return "NULL"
}

// Arith implements sqldb.ExprDialect; BIGINT division truncates.
func (Dialect) Arith(op bs.ArithOp, t bs.Type, l, r string) string {
	if t == bs.TypeFloat {
		l = "CAST(" + l + " AS DOUBLE PRECISION)"
	}
	return l + " " + [...]string{bs.OpAdd: "+", bs.OpSub: "-", bs.OpMul: "*", bs.OpDiv: "/", bs.OpMod: "%"}[op] + " " + r
}
