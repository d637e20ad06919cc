package emulator

import (
	"sort"
)

// offsetPage parses offset and count (1..maxCount, default def) for the
// offset+count pagination style.
func (c *call) offsetPage(def, maxCount int64) (offset, count int, err *apiError) {
	o, e := c.q.int64("offset", 0)
	if e != nil {
		return 0, 0, e
	}
	if o < 0 {
		return 0, 0, badRequest("Invalid offset: %d must not be negative.", o)
	}
	n, e := c.q.rangeInt("count", def, 1, maxCount)
	if e != nil {
		return 0, 0, e
	}
	return int(o), int(n), nil
}

// slicePage returns items[offset:offset+count], clamped.
func slicePage[T any](items []T, offset, count int) []T {
	if offset >= len(items) {
		return items[:0:0]
	}
	end := offset + count
	if end > len(items) {
		end = len(items)
	}
	return items[offset:end]
}

// listPage is the order + offset + count pagination style of lists that
// are not paged by id.
type listPage struct {
	asc           bool
	offset, count int
}

// listPage parses order (default desc), then offset and count (1..maxCount,
// default def).
func (c *call) listPage(def, maxCount int64) (listPage, *apiError) {
	asc, e := c.q.order()
	if e != nil {
		return listPage{}, e
	}
	offset, count, e := c.offsetPage(def, maxCount)
	if e != nil {
		return listPage{}, e
	}
	return listPage{asc, offset, count}, nil
}

// pageOf is the page p asks for of items held oldest first: newest first
// unless p.asc; never nil. items is not changed. A descending page is
// built from its own indices (items[n-1-offset] down), so it costs the
// page's length, not the list's.
func pageOf[T any](p listPage, items []T) []T {
	if p.asc {
		if out := slicePage(items, p.offset, p.count); len(out) > 0 {
			return out
		}
		return []T{}
	}
	n := len(items)
	if p.offset >= n || p.count <= 0 {
		return []T{}
	}
	out := make([]T, min(p.count, n-p.offset))
	for k := range out {
		out[k] = items[n-1-p.offset-k]
	}
	return out
}

// idCursor is the minId/maxId/count/order pagination style.
type idCursor struct {
	minID, maxID int64 // 0 = unset
	count        int
	asc          bool
	inclusive    bool
}

// idCursor parses minId, maxId, count (1–100, default 20) and order.
func (c *call) idCursor() (idCursor, *apiError) {
	var cur idCursor
	var e *apiError
	if cur.minID, e = c.q.int64("minId", 0); e != nil {
		return cur, e
	}
	if cur.maxID, e = c.q.int64("maxId", 0); e != nil {
		return cur, e
	}
	if cur.minID < 0 || cur.maxID < 0 {
		return cur, badRequest("Invalid minId/maxId: ids must not be negative.")
	}
	n, e := c.q.rangeInt("count", 20, 1, 100)
	if e != nil {
		return cur, e
	}
	cur.count = int(n)
	if cur.asc, e = c.q.order(); e != nil {
		return cur, e
	}
	cur.inclusive = c.s.opts.InclusiveIDBounds
	return cur, nil
}

// in reports whether id lies within the cursor's bounds.
func (cur idCursor) in(id int64) bool {
	if cur.minID != 0 {
		if cur.inclusive && id < cur.minID || !cur.inclusive && id <= cur.minID {
			return false
		}
	}
	if cur.maxID != 0 {
		if cur.inclusive && id > cur.maxID || !cur.inclusive && id >= cur.maxID {
			return false
		}
	}
	return true
}

// pageByID selects up to cur.count items of an id-ascending slice that lie
// within the bounds and pass keep, walking in the requested order. It uses
// binary search for the bounds, so long feeds page in O(log n + count) when
// keep rarely refuses.
func pageByID[T any](items []T, id func(T) int64, cur idCursor, keep func(T) bool) []T {
	lo := 0
	if cur.minID != 0 {
		lo = sort.Search(len(items), func(i int) bool { return id(items[i]) >= cur.minID })
	}
	hi := len(items)
	if cur.maxID != 0 {
		hi = sort.Search(len(items), func(i int) bool { return id(items[i]) >= cur.maxID })
		if cur.inclusive {
			for hi < len(items) && id(items[hi]) == cur.maxID {
				hi++
			}
		}
	}
	out := make([]T, 0, min(cur.count, max(hi-lo, 0)))
	if cur.asc {
		for i := lo; i < hi && len(out) < cur.count; i++ {
			if cur.in(id(items[i])) && (keep == nil || keep(items[i])) {
				out = append(out, items[i])
			}
		}
	} else {
		for i := hi - 1; i >= lo && len(out) < cur.count; i-- {
			if cur.in(id(items[i])) && (keep == nil || keep(items[i])) {
				out = append(out, items[i])
			}
		}
	}
	return out
}
