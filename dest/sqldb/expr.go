package sqldb

import (
	"context"
	"fmt"
	"strings"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/internal/destutil"
)

// ExprDialect is what a Dialect adds to translate filter terms
// (backlogsync.Term): typed parameters, functions and arithmetic. Every
// argument is SQL already, parenthesised where it is not a single token.
type ExprDialect interface {
	// Param returns the placeholder ph as a value of type t (a cast where
	// the database cannot infer it).
	Param(t bs.Type, ph string) string
	// TextOf returns the quoted JSON column col as text.
	TextOf(col string) string
	// Func returns fn applied to arg, whose type is argType.
	Func(fn bs.Fn, argType bs.Type, arg string) string
	// Arith returns l op r with result type t; the caller has already
	// turned a zero divisor into NULL.
	Arith(op bs.ArithOp, t bs.Type, l, r string) string
}

// Count implements backlogsync.Destination with SELECT COUNT(*).
func (x *DB) Count(ctx context.Context, name string, filter bs.Expr) (int64, error) {
	def, err := x.describe(ctx, name)
	if err != nil {
		return 0, err
	}
	f, err := destutil.Resolve(def, filter)
	if err != nil {
		return 0, err
	}
	var b strings.Builder
	var args []any
	b.WriteString("SELECT COUNT(*) FROM " + x.d.TableRef(bs.ParseTableName(def.Name)))
	if filter != nil {
		b.WriteString(" WHERE ")
		if err := x.filterSQL(&b, &args, f); err != nil {
			return 0, err
		}
	}
	var n int64
	if err := x.db.QueryRowContext(ctx, b.String(), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", name, err)
	}
	return n, nil
}

func (x *DB) exprDialect() (ExprDialect, error) {
	ed, ok := x.d.(ExprDialect)
	if !ok {
		return nil, bs.Errorf(bs.EINVALID, "%s: filters with functions or arithmetic are not supported", x.d.Name())
	}
	return ed, nil
}

// termSQL writes the SQL of a resolved term.
func (x *DB) termSQL(args *[]any, t destutil.RTerm) (string, error) {
	ed, err := x.exprDialect()
	if err != nil {
		return "", err
	}
	switch t.Kind {
	case destutil.TCol:
		c := x.q(t.Column.Name)
		if t.Type == bs.TypeJSON {
			c = ed.TextOf(c)
		}
		return c, nil
	case destutil.TLit:
		*args = append(*args, x.d.Encode(t.Type, t.Value))
		return ed.Param(t.Type, x.d.Placeholder(len(*args))), nil
	case destutil.TFunc:
		a, err := x.termSQL(args, t.Args[0])
		if err != nil {
			return "", err
		}
		return ed.Func(t.Fn, t.Args[0].Type, a), nil
	case destutil.TArith:
		l, err := x.termSQL(args, t.Args[0])
		if err != nil {
			return "", err
		}
		r, err := x.termSQL(args, t.Args[1])
		if err != nil {
			return "", err
		}
		if t.Op == bs.OpDiv || t.Op == bs.OpMod {
			r = "NULLIF(" + r + ", 0)"
		}
		return "(" + ed.Arith(t.Op, t.Type, l, r) + ")", nil
	}
	return "", bs.Errorf(bs.EINVALID, "unknown term kind %d", int(t.Kind))
}

// compareSQL writes a KCompare, KInTerms or KIsNullTerm condition.
func (x *DB) compareSQL(b *strings.Builder, args *[]any, e destutil.Resolved) error {
	l, err := x.termSQL(args, e.Args[0])
	if err != nil {
		return err
	}
	switch e.Kind {
	case destutil.KIsNullTerm:
		b.WriteString(l + " IS NULL")
		return nil
	case destutil.KInTerms:
		if len(e.Values) == 0 {
			b.WriteString("1 = 0")
			return nil
		}
		ed, _ := x.exprDialect()
		b.WriteString(l + " IN (")
		for i, v := range e.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			*args = append(*args, x.d.Encode(e.Args[0].Type, v))
			b.WriteString(ed.Param(e.Args[0].Type, x.d.Placeholder(len(*args))))
		}
		b.WriteString(")")
		return nil
	}
	switch e.Op {
	case bs.OpContains, bs.OpStartsWith, bs.OpEndsWith:
		// Match may repeat its column and binds the argument at each use:
		// a column term with parameters of its own would be misnumbered.
		if hasLit(e.Args[0]) {
			return bs.Errorf(bs.EINVALID, "the first operand of %s must not contain literals", e.Op)
		}
		var rerr error
		b.WriteString(x.d.Match(e.Op, "("+l+")", func() string {
			r, err := x.termSQL(args, e.Args[1])
			if err != nil {
				rerr = err
			}
			return "(" + r + ")"
		}))
		return rerr
	}
	r, err := x.termSQL(args, e.Args[1])
	if err != nil {
		return err
	}
	b.WriteString(l + " " + e.Op.String() + " " + r)
	return nil
}

func hasLit(t destutil.RTerm) bool {
	if t.Kind == destutil.TLit {
		return true
	}
	for _, a := range t.Args {
		if hasLit(a) {
			return true
		}
	}
	return false
}
