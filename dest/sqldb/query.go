package sqldb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/internal/destutil"
)

// Query implements backlogsync.Destination with one SELECT whose rows are
// decoded and passed to fn as they arrive.
func (x *DB) Query(ctx context.Context, name string, q bs.Query, fn func(bs.Row) error) error {
	def, err := x.describe(ctx, name)
	if err != nil {
		return err
	}
	stmt, args, proj, err := x.selectSQL(def, q)
	if err != nil {
		return err
	}
	rows, err := x.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return fmt.Errorf("query %s: %w", name, err)
	}
	defer rows.Close()
	vals := make([]any, len(proj))
	ptrs := make([]any, len(proj))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("query %s: %w", name, err)
		}
		r := make(bs.Row, len(proj))
		for i, c := range proj {
			if vals[i] == nil {
				continue
			}
			if r[i], err = x.d.Decode(c.Type, vals[i]); err != nil {
				return fmt.Errorf("query %s: column %s: %w", name, c.Name, err)
			}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query %s: %w", name, err)
	}
	return nil
}

// selectSQL builds the SELECT for q over the stored table def.
func (x *DB) selectSQL(def *bs.Table, q bs.Query) (string, []any, []bs.Column, error) {
	idx, err := destutil.Columns(def, q.Columns)
	if err != nil {
		return "", nil, nil, err
	}
	if q.Limit < 0 || q.Offset < 0 {
		return "", nil, nil, bs.Errorf(bs.EINVALID, "negative limit or offset")
	}
	// Keyset paging in ascending order from a position without NULLs is
	// a row-value comparison, which every database serves from the index;
	// the general expansion (an OR per sort column) makes them scan.
	rowAfter := q.After != nil && len(q.After) == len(q.OrderBy)+len(def.PrimaryKey) && !slices.Contains(q.After, nil) &&
		!slices.ContainsFunc(q.OrderBy, func(o bs.Order) bool { return o.Desc })
	qf := q.Filter
	var afterCols []bs.Column
	var afterVals []any
	if rowAfter {
		for _, o := range q.OrderBy {
			c, i := def.Column(o.Column)
			if i < 0 {
				return "", nil, nil, bs.Errorf(bs.EINVALID, "table %s has no column %q", def.Name, o.Column)
			}
			afterCols = append(afterCols, c)
		}
		for _, k := range def.PrimaryKey {
			c, _ := def.Column(k)
			afterCols = append(afterCols, c)
		}
		for i, c := range afterCols {
			v, err := destutil.Literal(c, q.After[i])
			if err != nil {
				return "", nil, nil, err
			}
			afterVals = append(afterVals, v)
		}
	} else if qf, err = destutil.QueryFilter(def, q); err != nil {
		return "", nil, nil, err
	}
	f, err := destutil.Resolve(def, qf)
	if err != nil {
		return "", nil, nil, err
	}
	var b strings.Builder
	proj := make([]bs.Column, len(idx))
	b.WriteString("SELECT ")
	for i, j := range idx {
		if i > 0 {
			b.WriteString(", ")
		}
		proj[i] = def.Columns[j]
		b.WriteString(x.q(proj[i].Name))
	}
	b.WriteString(" FROM " + x.d.TableRef(bs.ParseTableName(def.Name)))
	var args []any
	if qf != nil || rowAfter {
		b.WriteString(" WHERE ")
	}
	if qf != nil {
		if err := x.filterSQL(&b, &args, f); err != nil {
			return "", nil, nil, err
		}
	}
	if rowAfter {
		if qf != nil {
			b.WriteString(" AND ")
		}
		b.WriteString("(")
		for i, c := range afterCols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(x.q(c.Name))
		}
		b.WriteString(") > (")
		for i, c := range afterCols {
			if i > 0 {
				b.WriteString(", ")
			}
			args = append(args, x.d.Encode(c.Type, afterVals[i]))
			ph := x.d.Placeholder(len(args))
			if ed, ok := x.d.(ExprDialect); ok {
				ph = ed.Param(c.Type, ph)
			}
			b.WriteString(ph)
		}
		b.WriteString(")")
	}
	b.WriteString(" ORDER BY ")
	n := 0
	key := map[string]bool{}
	for _, k := range def.PrimaryKey {
		key[k] = true
	}
	term := func(col string, desc bool) {
		if n > 0 {
			b.WriteString(", ")
		}
		n++
		switch {
		case !key[col]:
			b.WriteString(x.d.OrderTerm(x.q(col), desc))
		case desc:
			b.WriteString(x.q(col) + " DESC")
		default:
			// Key columns are NOT NULL: a plain term, which PostgreSQL
			// serves from the primary key's index (NULLS FIRST is not
			// the index's order and forces a sort).
			b.WriteString(x.q(col))
		}
	}
	for _, o := range q.OrderBy {
		c, i := def.Column(o.Column)
		if i < 0 {
			return "", nil, nil, bs.Errorf(bs.EINVALID, "table %s has no column %q", def.Name, o.Column)
		}
		term(c.Name, o.Desc)
	}
	for _, k := range def.PrimaryKey {
		term(k, false)
	}
	switch {
	case q.Limit > 0:
		fmt.Fprintf(&b, " LIMIT %d OFFSET %d", q.Limit, q.Offset)
	case q.Offset > 0:
		fmt.Fprintf(&b, " LIMIT %d OFFSET %d", int64(1<<63-1), q.Offset)
	}
	return b.String(), args, proj, nil
}

func (x *DB) filterSQL(b *strings.Builder, args *[]any, e destutil.Resolved) error {
	arg := func(t bs.Type, v any) string {
		*args = append(*args, x.d.Encode(t, v))
		return x.d.Placeholder(len(*args))
	}
	switch e.Kind {
	case destutil.KCompare, destutil.KInTerms, destutil.KIsNullTerm:
		return x.compareSQL(b, args, e)
	case destutil.KCmp:
		col := x.q(e.Column.Name)
		switch e.Op {
		case bs.OpContains, bs.OpStartsWith, bs.OpEndsWith:
			b.WriteString(x.d.Match(e.Op, col, func() string { return arg(e.Column.Type, e.Value) }))
		default:
			b.WriteString(col + " " + e.Op.String() + " " + arg(e.Column.Type, e.Value))
		}
	case destutil.KIn:
		if len(e.Values) == 0 {
			b.WriteString("1 = 0")
			return nil
		}
		b.WriteString(x.q(e.Column.Name) + " IN (")
		for i, v := range e.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(arg(e.Column.Type, v))
		}
		b.WriteString(")")
	case destutil.KIsNull:
		b.WriteString(x.q(e.Column.Name) + " IS NULL")
	case destutil.KAnd, destutil.KOr:
		if len(e.Terms) == 0 {
			if e.Kind == destutil.KAnd {
				b.WriteString("1 = 1")
			} else {
				b.WriteString("1 = 0")
			}
			return nil
		}
		op := " AND "
		if e.Kind == destutil.KOr {
			op = " OR "
		}
		b.WriteString("(")
		for i, t := range e.Terms {
			if i > 0 {
				b.WriteString(op)
			}
			if err := x.filterSQL(b, args, t); err != nil {
				return err
			}
		}
		b.WriteString(")")
	case destutil.KNot:
		b.WriteString("NOT (")
		if err := x.filterSQL(b, args, e.Terms[0]); err != nil {
			return err
		}
		b.WriteString(")")
	}
	return nil
}
