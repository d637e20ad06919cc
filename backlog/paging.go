package backlog

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// Order is a sort direction.
type Order string

// Sort directions; Backlog's default is descending.
const (
	OrderAsc  Order = "asc"
	OrderDesc Order = "desc"
)

// ListOptions are the offset+count paging parameters. Zero values are not
// sent (the server then uses offset 0 and its default count, 20). Iterators
// use the largest page the endpoint allows when Count is 0.
type ListOptions struct {
	Offset int // number of items to skip
	Count  int // items per page: 1–100 (1–1000 for shared files)
}

func (o ListOptions) encode(q url.Values) {
	if o.Offset > 0 {
		q.Set("offset", strconv.Itoa(o.Offset))
	}
	if o.Count > 0 {
		q.Set("count", strconv.Itoa(o.Count))
	}
}

// CursorOptions are the id-cursor paging parameters of activities, comments,
// wiki history, notifications and received stars. Zero values are not sent.
// Whether MinID and MaxID are inclusive is undocumented; the iterators work
// either way.
type CursorOptions struct {
	MinID int64 // only items with id above (or at) MinID
	MaxID int64 // only items with id below (or at) MaxID
	Count int   // items per page, 1–100 (server default 20)
	Order Order // "asc" or "desc" (server default desc)
}

func (o CursorOptions) encode(q url.Values) {
	if o.MinID > 0 {
		q.Set("minId", strconv.FormatInt(o.MinID, 10))
	}
	if o.MaxID > 0 {
		q.Set("maxId", strconv.FormatInt(o.MaxID, 10))
	}
	if o.Count > 0 {
		q.Set("count", strconv.Itoa(o.Count))
	}
	if o.Order != "" {
		q.Set("order", string(o.Order))
	}
}

// Page-size limits.
const (
	maxCount         = 100
	maxSharedFileCnt = 1000
)

// offsetPages iterates an offset+count list: it requests pages of
// opts.Count (maxPage when 0) items from opts.Offset on and stops after a
// short or empty page. Items already yielded (by id) are skipped, which
// guards against lists shifting while they are read. A failure is yielded
// once, as the last element.
func offsetPages[T any](ctx context.Context, opts ListOptions, maxPage int, id func(*T) int64,
	fetch func(ctx context.Context, opts ListOptions) ([]*T, error)) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		if opts.Count <= 0 {
			opts.Count = maxPage
		}
		seen := map[int64]struct{}{}
		for {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			page, err := fetch(ctx, opts)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, v := range page {
				if id != nil {
					k := id(v)
					if _, dup := seen[k]; dup {
						continue
					}
					seen[k] = struct{}{}
				}
				if !yield(v, nil) {
					return
				}
			}
			if len(page) < opts.Count {
				return
			}
			opts.Offset += len(page)
		}
	}
}

// cursorPages iterates an id-cursor list in opts.Order (default desc). After
// each page it moves the cursor to the page's last id (the smallest for
// desc, the largest for asc) and passes that id itself, which is correct
// whether the server treats bounds as inclusive or exclusive; items at or
// beyond the boundary on later pages are dropped, so nothing is yielded
// twice. It stops on a short page, or on a page with nothing new (a server
// that ignores the cursor cannot make it loop). The other bound of opts is
// kept. A failure is yielded once, as the last element.
func cursorPages[T any](ctx context.Context, opts CursorOptions, id func(*T) int64,
	fetch func(ctx context.Context, opts CursorOptions) ([]*T, error)) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		if opts.Count <= 0 {
			opts.Count = maxCount
		}
		asc := opts.Order == OrderAsc
		if opts.Order == "" {
			opts.Order = OrderDesc
		}
		var boundary int64
		first := true
		for {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			page, err := fetch(ctx, opts)
			if err != nil {
				yield(nil, err)
				return
			}
			fresh := 0
			next := boundary
			for _, v := range page {
				k := id(v)
				if !first && (asc && k <= boundary || !asc && k >= boundary) {
					continue // already yielded (inclusive bound) or out of range
				}
				fresh++
				if first && fresh == 1 || asc && k > next || !asc && k < next {
					next = k
				}
				if !yield(v, nil) {
					return
				}
			}
			if len(page) < opts.Count || fresh == 0 {
				return
			}
			first = false
			boundary = next
			if asc {
				opts.MinID = boundary
			} else {
				opts.MaxID = boundary
			}
		}
	}
}

// query is a helper for building url.Values.
type query url.Values

func (q query) str(name, v string) {
	if v != "" {
		url.Values(q).Set(name, v)
	}
}

func (q query) int(name string, v int) {
	if v != 0 {
		url.Values(q).Set(name, strconv.Itoa(v))
	}
}

func (q query) int64(name string, v int64) {
	if v != 0 {
		url.Values(q).Set(name, strconv.FormatInt(v, 10))
	}
}

func (q query) ids(name string, ids []int64) {
	for _, id := range ids {
		url.Values(q).Add(name+"[]", strconv.FormatInt(id, 10))
	}
}

func (q query) strs(name string, vs []string) {
	for _, v := range vs {
		url.Values(q).Add(name+"[]", v)
	}
}

func (q query) boolp(name string, v *bool) {
	if v != nil {
		url.Values(q).Set(name, strconv.FormatBool(*v))
	}
}

func (q query) date(name string, d Date) {
	if !d.IsZero() {
		url.Values(q).Set(name, d.String())
	}
}

// Bool returns a pointer to v, for optional boolean options.
func Bool(v bool) *bool { return &v }
