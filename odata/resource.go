package odata

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// resource answers Set, Set/$count, Set(key), Set(key)/Nav and
// Set(key)/Nav/$count.
func (rq *request) resource(path string) {
	segs := strings.Split(strings.TrimSuffix(path, "/"), "/")
	name, keyText, hasKey := strings.Cut(segs[0], "(")
	set := rq.m.set(name)
	if set == nil {
		msg := fmt.Sprintf("workspace %s has no entity set %q", rq.ws.Name, name)
		var names []string
		for _, s := range rq.m.Sets {
			names = append(names, s.Name)
		}
		if len(names) > 0 {
			msg += " (it has " + strings.Join(names, ", ") + ")"
		}
		writeError(rq.w, http.StatusNotFound, "NotFound", msg, "")
		return
	}
	if !hasKey {
		switch {
		case len(segs) == 1:
			rq.collection(set, nil)
		case len(segs) == 2 && segs[1] == "$count":
			rq.count(set, nil)
		default:
			writeError(rq.w, http.StatusNotFound, "NotFound", "unknown path segment "+strconv.Quote(segs[1])+" after "+name, "")
		}
		return
	}
	if !strings.HasSuffix(keyText, ")") {
		writeError(rq.w, http.StatusBadRequest, "BadRequest", "key predicate of "+name+" lacks its closing parenthesis", "")
		return
	}
	key, err := parseKey(set, strings.TrimSuffix(keyText, ")"))
	if err != nil {
		rq.h.fail(rq.w, rq.r, err)
		return
	}
	if len(segs) == 1 {
		rq.entity(set, key)
		return
	}
	n := set.nav(segs[1])
	if n == nil || len(segs) > 3 || (len(segs) == 3 && (segs[2] != "$count" || !n.Many)) {
		writeError(rq.w, http.StatusNotFound, "NotFound", fmt.Sprintf("%s has no navigation property %q%s", set.Name, segs[1], set.suggest(segs[1])), "")
		return
	}
	// Find the source row, then address the target rows it relates to.
	var row bs.Row
	err = rq.ws.Dest.Query(rq.ctx, set.Table, bs.Query{Columns: n.Local, Filter: key, Limit: 1}, func(r bs.Row) error {
		row = r
		return nil
	})
	if err != nil {
		rq.h.fail(rq.w, rq.r, err)
		return
	}
	if row == nil {
		writeError(rq.w, http.StatusNotFound, "NotFound", "no "+set.Name+" entity with key "+keyText[:len(keyText)-1], "")
		return
	}
	var match bs.And
	for i, c := range n.Remote {
		if row[i] == nil {
			if n.Many {
				match = append(match, bs.Or{})
				continue
			}
			rq.w.Header().Set("OData-Version", "4.0")
			rq.w.WriteHeader(http.StatusNoContent) // a null single-valued navigation
			return
		}
		match = append(match, bs.Cmp{Column: c, Op: bs.OpEq, Value: row[i]})
	}
	switch {
	case len(segs) == 3:
		rq.count(n.Target, match)
	case n.Many:
		rq.collection(n.Target, match)
	default:
		rq.entity(n.Target, match)
	}
}

// parseKey reads a key predicate: (1) for a one-column key, or
// (Account='acme',Id=1) naming each key column.
func parseKey(set *entitySet, text string) (bs.And, error) {
	// Split at commas outside string literals.
	var parts []string
	var offs []int
	start, quoted := 0, false
	for i := 0; i <= len(text); i++ {
		if i < len(text) && text[i] == '\'' {
			quoted = !quoted
			continue
		}
		if i == len(text) || (!quoted && text[i] == ',') {
			parts = append(parts, text[start:i])
			offs = append(offs, start)
			start = i + 1
		}
	}
	vals := map[string]bs.Lit{}
	for i, part := range parts {
		prop, val, named := "", part, false
		if eq := strings.IndexByte(part, '='); eq >= 0 && !strings.HasPrefix(strings.TrimSpace(part), "'") {
			prop, val, named = strings.TrimSpace(part[:eq]), part[eq+1:], true
			offs[i] += eq + 1
		}
		p, err := newParser("key", val)
		if err != nil {
			return nil, err
		}
		n, err := p.parsePrimary()
		if err == nil && p.tok.kind != tEOF {
			err = p.errf(p.tok.pos, 400, "unexpected %q in the key", p.tok.text)
		}
		if err != nil {
			var oe *optionError
			if errors.As(err, &oe) && oe.Pos > 0 {
				oe.Pos += offs[i]
			}
			return nil, err
		}
		if n.kind != nLit || n.lit.Value == nil {
			return nil, &optionError{Status: 400, Option: "key", Pos: offs[i] + 1, Msg: "a key value must be a literal"}
		}
		if !named {
			if len(set.Def.PrimaryKey) != 1 || len(parts) != 1 {
				return nil, &optionError{Status: 400, Option: "key", Msg: fmt.Sprintf("%s has a key of %d properties (%s): name each, e.g. (%s=…)", set.Name,
					len(set.Def.PrimaryKey), strings.Join(set.Def.PrimaryKey, ", "), set.Def.PrimaryKey[0])}
			}
			prop = set.Def.PrimaryKey[0]
		}
		if _, dup := vals[prop]; dup {
			return nil, &optionError{Status: 400, Option: "key", Msg: prop + " given twice"}
		}
		vals[prop] = n.lit
	}
	var out bs.And
	for _, k := range set.Def.PrimaryKey {
		v, ok := vals[k]
		if !ok {
			return nil, &optionError{Status: 400, Option: "key", Msg: fmt.Sprintf("key property %s is missing (the key is %s)", k, strings.Join(set.Def.PrimaryKey, ", "))}
		}
		delete(vals, k)
		out = append(out, bs.Compare{L: bs.Col{Name: k}, Op: bs.OpEq, R: v})
	}
	for k := range vals {
		return nil, &optionError{Status: 400, Option: "key", Msg: fmt.Sprintf("%s is not a key property of %s (the key is %s)", k, set.Name, strings.Join(set.Def.PrimaryKey, ", "))}
	}
	return out, nil
}

func (rq *request) filterOf(set *entitySet, o *options, extra bs.Expr) (bs.Expr, error) {
	var f bs.Expr
	if o.filter != nil {
		tr := &translator{opt: "$filter", set: set}
		var err error
		if f, err = tr.expr(o.filter); err != nil {
			return nil, err
		}
	}
	switch {
	case extra == nil:
		return f, nil
	case f == nil:
		return extra, nil
	}
	return bs.And{extra, f}, nil
}

// invalidFilter turns the destination's EINVALID for a filter into a 400
// naming $filter.
func invalidFilter(err error, o *options) error {
	var be *bs.Error
	if o.filter != nil && errors.As(err, &be) && be.Code == bs.EINVALID {
		return &optionError{Status: 400, Option: "$filter", Msg: be.Error()}
	}
	return err
}

func (rq *request) count(set *entitySet, extra bs.Expr) {
	o, err := rq.parseOptions(set, false)
	if err != nil {
		rq.h.fail(rq.w, rq.r, err)
		return
	}
	f, err := rq.filterOf(set, o, extra)
	if err != nil {
		rq.h.fail(rq.w, rq.r, err)
		return
	}
	n, err := rq.ws.Dest.Count(rq.ctx, set.Table, f)
	if err != nil {
		rq.h.fail(rq.w, rq.r, invalidFilter(err, o))
		return
	}
	rq.freshness(set)
	rq.writeSmall("text/plain;charset=utf-8", []byte(strconv.FormatInt(n, 10)))
}

// freshness sets Backlogsync-Last-Replicated and returns the time (zero
// when unknown).
func (rq *request) freshness(set *entitySet) time.Time {
	t := rq.h.lastReplicated(rq.ctx, rq.ws.Dest, set.Table)
	if !t.IsZero() {
		rq.w.Header().Set("Backlogsync-Last-Replicated", t.UTC().Format(time.RFC3339))
	}
	return t
}
