package odata

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// errPageFull stops a Query once a page and the row that proves there is a
// next one have been read.
var errPageFull = errors.New("page full")

// maxExpanded bounds the rows a collection-valued $expand may add to one
// page, so that the buffered page stays small.
const maxExpanded = 10000

// projection is what a response writes from each fetched row.
type projection struct {
	fetch  []string // columns asked of the destination
	out    []int    // indexes into fetch of the written columns …
	names  [][]byte // … and their `"Name":` prefixes
	cols   []string // … and their names
	types  []bs.Type
	sort   []int // indexes into fetch of the keyset columns
	navCol map[*nav][]int
}

func index(fetch *[]string, name string) int {
	for i, f := range *fetch {
		if f == name {
			return i
		}
	}
	*fetch = append(*fetch, name)
	return len(*fetch) - 1
}

func newProjection(set *entitySet, sel []string, order []bs.Order, expand []*nav) *projection {
	p := &projection{navCol: map[*nav][]int{}}
	if sel == nil {
		for _, c := range set.Def.Columns {
			sel = append(sel, c.Name)
		}
	}
	for _, name := range sel {
		c, _ := set.column(name)
		p.out = append(p.out, index(&p.fetch, name))
		p.names = append(p.names, append(appendString(nil, name), ':'))
		p.cols = append(p.cols, name)
		p.types = append(p.types, c.Type)
	}
	for _, c := range sortColumns(set, order) {
		p.sort = append(p.sort, index(&p.fetch, c.Name))
	}
	for _, n := range expand {
		for _, l := range n.Local {
			p.navCol[n] = append(p.navCol[n], index(&p.fetch, l))
		}
	}
	return p
}

func (p *projection) appendRow(b []byte, r bs.Row, ieee bool) []byte {
	b = append(b, '{')
	for i, j := range p.out {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p.names[i]...)
		b = appendValue(b, p.types[i], r[j], ieee)
	}
	return b
}

// contextURL is the @odata.context of a collection of set.
func (rq *request) contextURL(set *entitySet, sel []string) string {
	u := rq.base + "/$metadata#" + set.Name
	if sel != nil {
		u += "(" + strings.Join(sel, ",") + ")"
	}
	return u
}

func (rq *request) collection(set *entitySet, extra bs.Expr) {
	o, err := rq.parseOptions(set, false)
	if err != nil {
		rq.h.fail(rq.w, rq.r, err)
		return
	}
	ok, ieee, atom := rq.negotiateData(o)
	if o.format != "" {
		ok, ieee = true, strings.Contains(o.format, "ieee754compatible=true")
	}
	if !ok {
		rq.notAcceptable()
		return
	}
	f, err := rq.filterOf(set, o, extra)
	if err != nil {
		rq.h.fail(rq.w, rq.r, err)
		return
	}
	if atom {
		rq.atomCollection(set, o, f)
		return
	}
	pg, ok := rq.startPage(set, o, f)
	if !ok {
		return
	}
	p := pg.p
	out := newOutput(rq.w, rq.r, jsonType(ieee))
	b := make([]byte, 0, 4096)
	b = append(b, `{"@odata.context":`...)
	b = appendString(b, rq.contextURL(set, o.sel))
	if !pg.fresh.IsZero() {
		b = append(b, `,"@backlogsync.lastReplicated":`...)
		b = appendString(b, pg.fresh.UTC().Format(time.RFC3339))
	}
	if o.count {
		b = append(b, `,"@odata.count":`...)
		b = strconv.AppendInt(b, pg.total, 10)
	}
	b = append(b, `,"value":[`...)
	out.Write(b)

	page, err := pg.read(rq, set, o, f, func(r bs.Row) error {
		b = b[:0]
		if pg.n > 1 {
			b = append(b, ',')
		}
		b = p.appendRow(b, r, ieee)
		b = append(b, '}')
		_, err := out.Write(b)
		return err
	})
	if err == nil && len(page) > 0 {
		err = rq.writeExpanded(out, set, p, o.expand, page, ieee)
	}
	if err != nil {
		rq.abandon(out, invalidFilter(err, o))
		return
	}
	b = append(b[:0], ']')
	if next := pg.nextLink(rq, o); next != "" {
		b = append(b, `,"@odata.nextLink":`...)
		b = appendString(b, next)
	}
	b = append(b, "}\n"...)
	out.Write(b)
	if err := out.Close(); err != nil {
		rq.h.o.Logger.Debug("odata: writing the response failed", "path", rq.r.URL.Path, "err", err)
	}
}

// resourcePath is the request path below the workspace, escaped as sent.
func (rq *request) resourcePath() string {
	p := strings.TrimPrefix(rq.r.URL.EscapedPath(), "/")
	_, rest, _ := strings.Cut(p, "/")
	return rest
}

// abandon answers err when nothing has reached the client yet, and aborts
// the connection otherwise.
func (rq *request) abandon(out *output, err error) {
	if !out.Flushed() {
		rq.w.Header().Del("Preference-Applied")
		rq.h.fail(rq.w, rq.r, err)
		return
	}
	if !errors.Is(err, context.Canceled) {
		rq.h.o.Logger.Error("odata: query failed after the response started; connection aborted", "path", rq.r.URL.Path, "err", err)
	}
	out.Abort()
}

// writeExpanded writes a buffered page with its expanded navigation
// properties, read with one query per navigation property.
func (rq *request) writeExpanded(out io.Writer, set *entitySet, p *projection, expand []*nav, page []bs.Row, ieee bool) error {
	related, targets, _, err := rq.expandPage(p, expand, page, false)
	if err != nil {
		return err
	}
	b := make([]byte, 0, 4096)
	for k, r := range page {
		b = b[:0]
		if k > 0 {
			b = append(b, ',')
		}
		b = p.appendRow(b, r, ieee)
		for i, n := range expand {
			if len(p.out) > 0 || i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, n.Name)
			b = append(b, ':')
			key, ok := tupleKey(r, p.navCol[n])
			rows := related[i][key]
			if n.Many {
				b = append(b, '[')
				for j, x := range rows {
					if j > 0 {
						b = append(b, ',')
					}
					b = targets[i].appendRow(b, x, ieee)
					b = append(b, '}')
				}
				b = append(b, ']')
				continue
			}
			if !ok || len(rows) == 0 {
				b = append(b, "null"...)
				continue
			}
			b = targets[i].appendRow(b, rows[0], ieee)
			b = append(b, '}')
		}
		b = append(b, '}')
		if _, err := out.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// expandPage reads, with one query per navigation property of expand, the
// rows it relates to the page's rows: by property, the rows keyed by
// tupleKey, the projection they were read with, and (withKeys, for Atom
// ids) the indexes of the target's key columns in it.
func (rq *request) expandPage(p *projection, expand []*nav, page []bs.Row, withKeys bool) ([]map[string][]bs.Row, []*projection, [][]int, error) {
	related := make([]map[string][]bs.Row, len(expand))
	targets := make([]*projection, len(expand))
	keys := make([][]int, len(expand))
	for i, n := range expand {
		targets[i] = newProjection(n.Target, nil, nil, nil)
		if withKeys {
			keys[i] = keyIndexes(n.Target, targets[i])
		}
		m, err := rq.related(n, p.navCol[n], page, targets[i])
		if err != nil {
			return nil, nil, nil, err
		}
		related[i] = m
	}
	return related, targets, keys, nil
}

// related reads the target rows of n for the page's rows, keyed by the
// tuple of n's local columns (at cols in each page row).
func (rq *request) related(n *nav, cols []int, page []bs.Row, tp *projection) (map[string][]bs.Row, error) {
	out := map[string][]bs.Row{}
	seen := map[string]bool{}
	var tuples [][]any
	for _, r := range page {
		key, ok := tupleKey(r, cols)
		if !ok || seen[key] {
			continue
		}
		seen[key] = true
		t := make([]any, len(cols))
		for i, c := range cols {
			t[i] = r[c]
		}
		tuples = append(tuples, t)
	}
	remoteIdx := make([]int, len(n.Remote))
	fetch := tp.fetch
	for i, c := range n.Remote {
		remoteIdx[i] = index(&fetch, c)
	}
	tp.fetch = fetch
	total := 0
	const chunk = 200
	for start := 0; start < len(tuples); start += chunk {
		var or bs.Or
		for _, t := range tuples[start:min(start+chunk, len(tuples))] {
			var and bs.And
			for i, c := range n.Remote {
				and = append(and, bs.Cmp{Column: c, Op: bs.OpEq, Value: t[i]})
			}
			or = append(or, and)
		}
		err := rq.ws.Dest.Query(rq.ctx, n.Target.Table, bs.Query{Columns: tp.fetch, Filter: or}, func(r bs.Row) error {
			total++
			if total > maxExpanded {
				return &optionError{Status: 400, Option: "$expand", Msg: "expanding " + n.Name + " yields more than " +
					strconv.Itoa(maxExpanded) + " rows for one page; query " + n.Target.Name + " with $filter instead, or ask for smaller pages (Prefer: odata.maxpagesize)"}
			}
			key, _ := tupleKey(r, remoteIdx)
			out[key] = append(out[key], r)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// tupleKey is a map key for the values of r at cols; ok is false when one
// is NULL (which matches nothing).
func tupleKey(r bs.Row, cols []int) (string, bool) {
	var b []byte
	for _, c := range cols {
		switch x := r[c].(type) {
		case nil:
			return "", false
		case time.Time:
			b = strconv.AppendInt(b, x.Unix(), 10)
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				b = strconv.AppendInt(b, int64(x), 10)
			} else {
				b = strconv.AppendFloat(b, x, 'g', -1, 64)
			}
		default:
			b = appendValue(b, 0, x, false)
		}
		b = append(b, 0)
	}
	return string(b), true
}

// entity answers one entity addressed by key.
func (rq *request) entity(set *entitySet, key bs.Expr) {
	o, err := rq.parseOptions(set, true)
	if err != nil {
		rq.h.fail(rq.w, rq.r, err)
		return
	}
	ok, ieee, atom := rq.negotiateData(o)
	if o.format != "" {
		ok, ieee = true, strings.Contains(o.format, "ieee754compatible=true")
	}
	if !ok {
		rq.notAcceptable()
		return
	}
	if atom {
		rq.atomEntity(set, o, key)
		return
	}
	p := newProjection(set, o.sel, nil, o.expand)
	var page []bs.Row
	err = rq.ws.Dest.Query(rq.ctx, set.Table, bs.Query{Columns: p.fetch, Filter: key, Limit: 1}, func(r bs.Row) error {
		page = append(page, r)
		return nil
	})
	if err != nil {
		rq.h.fail(rq.w, rq.r, err)
		return
	}
	if len(page) == 0 {
		writeError(rq.w, http.StatusNotFound, "NotFound", "no "+set.Name+" entity with that key", "")
		return
	}
	rq.freshness(set)
	ctxURL := rq.base + "/$metadata#" + set.Name
	if o.sel != nil {
		ctxURL += "(" + strings.Join(o.sel, ",") + ")"
	}
	b := append([]byte(`{"@odata.context":`), appendString(nil, ctxURL+"/$entity")...)
	if len(p.out) > 0 {
		// appendRow opens its own '{': keep the properties after it.
		b = append(b, ',')
		b = append(b, p.appendRow(nil, page[0], ieee)[1:]...)
	}
	if len(o.expand) > 0 {
		var eb bytes.Buffer
		if err := rq.writeExpanded(&eb, set, &projection{navCol: p.navCol}, o.expand, page, ieee); err != nil {
			rq.h.fail(rq.w, rq.r, err)
			return
		}
		b = append(b, ',')
		b = append(b, eb.Bytes()[1:eb.Len()-1]...) // the navigation properties without their braces
	}
	out := newOutput(rq.w, rq.r, jsonType(ieee))
	b = append(b, "}\n"...)
	out.Write(b)
	out.Close()
}

// lastReplicated is when table was last replicated successfully: the
// finish time of the newest run with status ok or partial that lists it.
func lastReplicated(ctx context.Context, d bs.Destination, table string) time.Time {
	runs, err := d.Runs(ctx, "", 200)
	if err != nil {
		return time.Time{}
	}
	for _, r := range runs {
		if (r.Status != bs.RunOK && r.Status != bs.RunPartial) || r.Finished.IsZero() {
			continue
		}
		for _, t := range r.Tables {
			if t.Table == table {
				return r.Finished
			}
		}
	}
	return time.Time{}
}
