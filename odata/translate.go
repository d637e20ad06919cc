package odata

import (
	bs "github.com/backlogsync/backlogsync"
)

// translator turns a parsed $filter into a backlogsync.Expr over one entity
// set's columns. Type errors the destination finds come back as EINVALID and
// become 400 answers naming $filter.
type translator struct {
	opt string
	set *entitySet
}

func (tr *translator) errf(n *node, status int, format string, args ...any) *optionError {
	e := (&lexer{opt: tr.opt}).errf(n.pos, status, format, args...)
	return e
}

var cmpOps = map[string]bs.Op{"eq": bs.OpEq, "ne": bs.OpNe, "lt": bs.OpLt, "le": bs.OpLe, "gt": bs.OpGt, "ge": bs.OpGe}

var arithOps = map[string]bs.ArithOp{"add": bs.OpAdd, "sub": bs.OpSub, "mul": bs.OpMul, "div": bs.OpDiv, "mod": bs.OpMod}

var matchFns = map[string]bs.Op{"contains": bs.OpContains, "startswith": bs.OpStartsWith, "endswith": bs.OpEndsWith}

var valueFns = map[string]bs.Fn{
	"tolower": bs.FnToLower, "toupper": bs.FnToUpper, "trim": bs.FnTrim, "length": bs.FnLength,
	"year": bs.FnYear, "month": bs.FnMonth, "day": bs.FnDay, "hour": bs.FnHour, "minute": bs.FnMinute,
	"second": bs.FnSecond, "date": bs.FnDate,
}

// unsupportedFns are OData functions the server knows and does not fold.
var unsupportedFns = map[string]bool{
	"concat": true, "indexof": true, "substring": true, "matchesPattern": true, "time": true,
	"totaloffsetminutes": true, "now": true, "mindatetime": true, "maxdatetime": true,
	"fractionalseconds": true, "totalseconds": true, "round": true, "floor": true, "ceiling": true,
	"cast": true, "isof": true, "any": true, "all": true, "geo.distance": true, "geo.intersects": true,
	"geo.length": true, "substringof": true,
}

// isBool reports whether n is boolean-valued by its shape.
func isBool(n *node) bool {
	switch n.kind {
	case nBin:
		_, arith := arithOps[n.name]
		return !arith
	case nUnary:
		return n.name == "not"
	case nCall:
		_, ok := matchFns[n.name]
		return ok
	}
	return false
}

func (tr *translator) expr(n *node) (bs.Expr, error) {
	switch n.kind {
	case nBin:
		switch n.name {
		case "and", "or":
			l, err := tr.expr(n.args[0])
			if err != nil {
				return nil, err
			}
			r, err := tr.expr(n.args[1])
			if err != nil {
				return nil, err
			}
			if n.name == "and" {
				return bs.And{l, r}, nil
			}
			return bs.Or{l, r}, nil
		case "in":
			x, err := tr.term(n.args[0])
			if err != nil {
				return nil, err
			}
			in := bs.InTerms{X: x}
			for _, v := range n.args[1].args {
				if v.lit.Value == nil {
					return nil, tr.errf(v, 400, "null in an in list; test with eq null")
				}
				in.Values = append(in.Values, v.lit)
			}
			return in, nil
		}
		if op, ok := cmpOps[n.name]; ok {
			// contains(…) eq true and similar boolean comparisons.
			for i, side := range n.args {
				other := n.args[1-i]
				if isBool(side) && other.kind == nLit {
					b, ok := other.lit.Value.(bool)
					if !ok || (op != bs.OpEq && op != bs.OpNe) {
						return nil, tr.errf(n, 400, "a boolean expression can only be compared with true or false using eq or ne")
					}
					e, err := tr.expr(side)
					if err != nil {
						return nil, err
					}
					if b == (op == bs.OpEq) {
						return e, nil
					}
					return bs.Not{X: e}, nil
				}
			}
			l, r, err := tr.terms(n)
			if err != nil {
				return nil, err
			}
			return bs.Compare{L: l, Op: op, R: r}, nil
		}
		return nil, tr.errf(n, 400, "%s gives a number, not a condition", n.name)
	case nUnary:
		if n.name == "not" {
			x, err := tr.expr(n.args[0])
			if err != nil {
				return nil, err
			}
			return bs.Not{X: x}, nil
		}
	case nCall:
		if op, ok := matchFns[n.name]; ok {
			if len(n.args) != 2 {
				return nil, tr.errf(n, 400, "%s takes two arguments, got %d", n.name, len(n.args))
			}
			l, r, err := tr.terms(n)
			if err != nil {
				return nil, err
			}
			return bs.Compare{L: l, Op: op, R: r}, nil
		}
	case nIdent:
		// A boolean property on its own: Active means Active eq true.
		c, ok := tr.set.column(n.name)
		if ok && c.Type == bs.TypeBool {
			return bs.Compare{L: bs.Col{Name: c.Name}, Op: bs.OpEq, R: bs.Lit{Value: true, Type: bs.TypeBool}}, nil
		}
	case nLit:
		if b, ok := n.lit.Value.(bool); ok {
			if b {
				return bs.And{}, nil
			}
			return bs.Or{}, nil
		}
	}
	if _, err := tr.term(n); err != nil {
		return nil, err
	}
	return nil, tr.errf(n, 400, "expected a condition (a comparison, and/or/not, in, contains, …)")
}

func (tr *translator) term(n *node) (bs.Term, error) {
	switch n.kind {
	case nIdent:
		c, ok := tr.set.column(n.name)
		if !ok {
			return nil, tr.errf(n, 400, "%s has no property %q%s", tr.set.Name, n.name, tr.set.suggest(n.name))
		}
		return bs.Col{Name: c.Name}, nil
	case nLit:
		return n.lit, nil
	case nUnary:
		if n.name == "-" {
			x, err := tr.term(n.args[0])
			if err != nil {
				return nil, err
			}
			return bs.Arith{Op: bs.OpSub, L: bs.Lit{Value: int64(0), Type: bs.TypeInt}, R: x}, nil
		}
	case nBin:
		if op, ok := arithOps[n.name]; ok {
			l, r, err := tr.terms(n)
			if err != nil {
				return nil, err
			}
			return bs.Arith{Op: op, L: l, R: r}, nil
		}
	case nCall:
		if fn, ok := valueFns[n.name]; ok {
			if len(n.args) != 1 {
				return nil, tr.errf(n, 400, "%s takes one argument, got %d", n.name, len(n.args))
			}
			a, err := tr.term(n.args[0])
			if err != nil {
				return nil, err
			}
			return bs.Func{Fn: fn, Args: []bs.Term{a}}, nil
		}
		if unsupportedFns[n.name] {
			return nil, tr.errf(n, 501, "function %s is not supported", n.name)
		}
		if _, ok := matchFns[n.name]; !ok {
			return nil, tr.errf(n, 400, "unknown function %q", n.name)
		}
	}
	return nil, tr.errf(n, 400, "expected a value (a property, a literal or a function)")
}

// terms translates the two operands of a binary operator or a two-argument
// function, the left one first (its error wins).
func (tr *translator) terms(n *node) (l, r bs.Term, err error) {
	if l, err = tr.term(n.args[0]); err != nil {
		return nil, nil, err
	}
	if r, err = tr.term(n.args[1]); err != nil {
		return nil, nil, err
	}
	return l, r, nil
}
