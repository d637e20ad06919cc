package odata

import (
	"errors"
	"strings"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// pageRun is one page of a collection response, in JSON or Atom alike: what
// is decided before the first byte (projection, rows to read, $count,
// freshness) and, once read, where the page ended.
type pageRun struct {
	p         *projection
	limit     int   // rows on this page
	remaining int   // rows $top still allows; -1 without $top
	total     int64 // the $count, when asked for
	fresh     time.Time

	n    int    // rows read
	more bool   // another page follows
	last bs.Row // the last row read, whose sort key the next link carries
}

// startPage plans a page of set filtered by f. When $count fails it answers
// the error itself and returns false.
func (rq *request) startPage(set *entitySet, o *options, f bs.Expr) (*pageRun, bool) {
	pg := &pageRun{p: newProjection(set, o.sel, o.order, o.expand), limit: o.page, remaining: -1}
	if o.top >= 0 {
		pg.remaining = o.top
		pg.limit = min(pg.limit, o.top)
	}
	if o.count {
		var err error
		if pg.total, err = rq.ws.Dest.Count(rq.ctx, set.Table, f); err != nil {
			rq.h.fail(rq.w, rq.r, invalidFilter(err, o))
			return nil, false
		}
	}
	pg.fresh = rq.freshness(set)
	if o.applied != "" {
		rq.w.Header().Set("Preference-Applied", o.applied)
	}
	return pg, true
}

// read queries the page's rows (one more than the page holds, to know
// whether another follows) and passes each to emit; when $expand asks for
// related rows it buffers them instead and returns them, for the caller to
// read their relations with one query per navigation property.
func (pg *pageRun) read(rq *request, set *entitySet, o *options, f bs.Expr, emit func(bs.Row) error) ([]bs.Row, error) {
	if pg.limit <= 0 {
		return nil, nil
	}
	q := bs.Query{Columns: pg.p.fetch, Filter: f, OrderBy: o.order, Offset: o.skip, After: o.after, Limit: pg.limit}
	if pg.remaining < 0 || pg.limit < pg.remaining {
		q.Limit = pg.limit + 1
	}
	var page []bs.Row
	err := rq.ws.Dest.Query(rq.ctx, set.Table, q, func(r bs.Row) error {
		if pg.n == pg.limit {
			pg.more = true
			return errPageFull
		}
		pg.n++
		pg.last = r
		if len(o.expand) > 0 {
			page = append(page, r)
			return nil
		}
		return emit(r)
	})
	if errors.Is(err, errPageFull) {
		err = nil
	}
	return page, err
}

// nextLink returns the URL of the next page, "" when this page is the last.
func (pg *pageRun) nextLink(rq *request, o *options) string {
	if !pg.more {
		return ""
	}
	rem := -1
	if pg.remaining >= 0 {
		rem = pg.remaining - pg.n
	}
	key := make([]any, len(pg.p.sort))
	for i, j := range pg.p.sort {
		key[i] = pg.last[j]
	}
	return rq.base + "/" + strings.TrimPrefix(rq.resourcePath(), "/") + "?" + nextLinkQuery(o, rem, encodeToken(key))
}
