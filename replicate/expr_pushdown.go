package replicate

import (
	"strconv"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/jobsql"
)

// pushdown returns the catalog predicates implied by the top-level
// conjuncts of e that have the form column op literal, column IN (…),
// column BETWEEN a AND b or a bare BOOLEAN column. cols are the catalog
// columns (the resolver's layout).
func (ec *exprCompiler) pushdown(e jobsql.Expr, cols []backlogsync.Column) []catalog.Predicate {
	var out []catalog.Predicate
	ops := map[jobsql.Op]catalog.Op{jobsql.OpEq: catalog.OpEq, jobsql.OpLt: catalog.OpLT, jobsql.OpLe: catalog.OpLE,
		jobsql.OpGt: catalog.OpGT, jobsql.OpGe: catalog.OpGE}
	colConst := func(le, re jobsql.Expr, op jobsql.Op) (backlogsync.Column, jobsql.Op, any, bool) {
		l, err1 := ec.operand(le)
		r, err2 := ec.operand(re)
		if err1 != nil || err2 != nil || (l.col >= 0) == (r.col >= 0) {
			return backlogsync.Column{}, 0, nil, false
		}
		if l.col < 0 {
			l, r, op = r, l, flip(op)
		}
		v, err := typed(r, l.def)
		if err != nil || !pushable(l.def, v) {
			return backlogsync.Column{}, 0, nil, false
		}
		return cols[l.col], op, v, true
	}
	for _, cj := range jobsql.Conjuncts(e) {
		switch x := cj.(type) {
		case *jobsql.Binary:
			if _, ok := ops[x.Op]; ok {
				if col, op, v, ok := colConst(x.L, x.R, x.Op); ok {
					out = append(out, catalog.Cmp(col.Name, ops[op], v))
				}
			}
		case *jobsql.Between:
			if x.Not {
				continue
			}
			col1, op1, v1, ok1 := colConst(x.X, x.Lo, jobsql.OpGe)
			col2, op2, v2, ok2 := colConst(x.X, x.Hi, jobsql.OpLe)
			if ok1 {
				out = append(out, catalog.Cmp(col1.Name, ops[op1], v1))
			}
			if ok2 {
				out = append(out, catalog.Cmp(col2.Name, ops[op2], v2))
			}
		case *jobsql.In:
			if x.Not {
				continue
			}
			l, err := ec.operand(x.X)
			if err != nil || l.col < 0 {
				continue
			}
			vals := make([]any, 0, len(x.List))
			for _, it := range x.List {
				o, err := ec.operand(it)
				if err != nil || o.col >= 0 {
					vals = nil
					break
				}
				v, err := typed(o, l.def)
				if err != nil || !pushable(l.def, v) {
					vals = nil
					break
				}
				vals = append(vals, v)
			}
			if vals != nil {
				out = append(out, catalog.In(cols[l.col].Name, vals...))
			}
		case *jobsql.ColumnRef:
			if o, err := ec.operand(x); err == nil && o.def.Type == backlogsync.TypeBool {
				out = append(out, catalog.Eq(cols[o.col].Name, true))
			}
		}
	}
	return out
}

// pushable reports whether catalog.Fetch compares v with column c exactly
// as Match does: a fractional number on a BIGINT column and a time of day
// on a DATE column are left to Match (the catalog would round them).
func pushable(c backlogsync.Column, v any) bool {
	switch x := v.(type) {
	case float64:
		return c.Type == backlogsync.TypeFloat
	case time.Time:
		if c.Type == backlogsync.TypeDate {
			return x.Equal(x.Truncate(24 * time.Hour))
		}
	}
	return true
}

// evalTime evaluates a date expression of CHECKCACHE START/END or a
// CHECKCACHE WHERE: a date string or one of CURRENT_DATE(), TODAY(),
// YESTERDAY(), CURRENT_TIMESTAMP(), NOW(), GETDATE(), GETUTCDATE(),
// THIS_WEEK(), LAST_WEEK(), THIS_MONTH(), LAST_MONTH(), THIS_YEAR(),
// LAST_YEAR() (the first instant of the period, weeks from Monday) and
// DATEADD(unit, n, date). Everything is UTC.
func evalTime(e jobsql.Expr, now time.Time) (time.Time, error) {
	now = now.UTC().Truncate(time.Second)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch x := e.(type) {
	case *jobsql.StringLit:
		if t, ok := x.Time(); ok {
			return t, nil
		}
		return time.Time{}, posErr(x.Pos, "%s is not a date: write 'yyyy-MM-dd' or 'yyyy-MM-dd HH:mm:ss' (UTC)", x)
	case *jobsql.FuncCall:
		noArgs := func(t time.Time) (time.Time, error) {
			if len(x.Args) > 0 {
				return time.Time{}, posErr(x.Pos, "%s takes no arguments: write %s()", x.Name, x.Name)
			}
			return t, nil
		}
		weekStart := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
		monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		yearStart := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		switch x.Name {
		case "CURRENT_DATE", "TODAY", "CURDATE":
			return noArgs(today)
		case "YESTERDAY":
			return noArgs(today.AddDate(0, 0, -1))
		case "CURRENT_TIMESTAMP", "NOW", "GETDATE", "GETUTCDATE", "SYSDATETIME":
			return noArgs(now)
		case "THIS_WEEK":
			return noArgs(weekStart)
		case "LAST_WEEK":
			return noArgs(weekStart.AddDate(0, 0, -7))
		case "THIS_MONTH":
			return noArgs(monthStart)
		case "LAST_MONTH":
			return noArgs(monthStart.AddDate(0, -1, 0))
		case "THIS_YEAR":
			return noArgs(yearStart)
		case "LAST_YEAR":
			return noArgs(yearStart.AddDate(-1, 0, 0))
		case "DATEADD":
			if len(x.Args) != 3 {
				return time.Time{}, posErr(x.Pos, "DATEADD takes three arguments: DATEADD(DAY, -3, CURRENT_DATE())")
			}
			var unit string
			switch u := x.Args[0].(type) {
			case *jobsql.ColumnRef:
				unit = strings.ToUpper(u.Name)
			case *jobsql.StringLit:
				unit = strings.ToUpper(u.Value)
			}
			nl, ok := x.Args[1].(*jobsql.NumberLit)
			var n int64
			if ok {
				n, ok = nl.Int64()
			}
			if !ok || n < -100000 || n > 100000 {
				return time.Time{}, posErr(x.Args[1].Position(), "the second argument of DATEADD is a whole number, found %s", x.Args[1])
			}
			base, err := evalTime(x.Args[2], now)
			if err != nil {
				return time.Time{}, err
			}
			k := int(n)
			switch unit {
			case "YEAR", "YEARS", "YY", "YYYY":
				return base.AddDate(k, 0, 0), nil
			case "MONTH", "MONTHS", "MM", "M":
				return base.AddDate(0, k, 0), nil
			case "WEEK", "WEEKS", "WK", "WW":
				return base.AddDate(0, 0, 7*k), nil
			case "DAY", "DAYS", "DD", "D":
				return base.AddDate(0, 0, k), nil
			case "HOUR", "HOURS", "HH":
				return base.Add(time.Duration(k) * time.Hour), nil
			case "MINUTE", "MINUTES", "MI", "N":
				return base.Add(time.Duration(k) * time.Minute), nil
			case "SECOND", "SECONDS", "SS", "S":
				return base.Add(time.Duration(k) * time.Second), nil
			}
			return time.Time{}, posErr(x.Args[0].Position(), "DATEADD unit %s: use YEAR, MONTH, WEEK, DAY, HOUR, MINUTE or SECOND", x.Args[0])
		}
		return time.Time{}, posErr(x.Pos, "unknown date function %s(): use CURRENT_DATE(), CURRENT_TIMESTAMP(), YESTERDAY(), THIS_WEEK(), LAST_WEEK(), THIS_MONTH(), LAST_MONTH(), THIS_YEAR(), LAST_YEAR() or DATEADD(unit, n, date)", x.Name)
	}
	return time.Time{}, posErr(e.Position(), "%s is not a date: write 'yyyy-MM-dd' or a function such as DATEADD(DAY, -3, CURRENT_DATE())", e)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
