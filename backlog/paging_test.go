package backlog

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
)

type item struct{ ID int64 }

// fakeOffsetList serves ids[offset:offset+count] and records the requests.
type fakeOffsetList struct {
	ids   []int64
	calls []ListOptions
	err   error // returned on call number failAt (1-based)
	fail  int
}

func (f *fakeOffsetList) fetch(_ context.Context, o ListOptions) ([]*item, error) {
	f.calls = append(f.calls, o)
	if f.fail == len(f.calls) {
		return nil, f.err
	}
	var out []*item
	for i := o.Offset; i < len(f.ids) && i < o.Offset+o.Count; i++ {
		out = append(out, &item{f.ids[i]})
	}
	return out, nil
}

func collect[T any](t *testing.T, seq func(func(*T, error) bool)) ([]*T, error) {
	t.Helper()
	var out []*T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

func seqIDs(n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return ids
}

func idsOf(items []*item) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func TestOffsetPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		n         int
		opts      ListOptions
		wantCalls []ListOptions
	}{
		{"empty", 0, ListOptions{Count: 10}, []ListOptions{{0, 10}}},
		{"short first page", 3, ListOptions{Count: 10}, []ListOptions{{0, 10}}},
		{"exact multiple needs an empty page", 20, ListOptions{Count: 10}, []ListOptions{{0, 10}, {10, 10}, {20, 10}}},
		{"ragged", 25, ListOptions{Count: 10}, []ListOptions{{0, 10}, {10, 10}, {20, 10}}},
		{"default count is the maximum", 150, ListOptions{}, []ListOptions{{0, 100}, {100, 100}}},
		{"start offset", 23, ListOptions{Offset: 5, Count: 10}, []ListOptions{{5, 10}, {15, 10}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeOffsetList{ids: seqIDs(tt.n)}
			got, err := collect(t, offsetPages(t.Context(), tt.opts, 100, func(i *item) int64 { return i.ID }, f.fetch))
			if err != nil {
				t.Fatal(err)
			}
			if want := seqIDs(tt.n)[min(tt.opts.Offset, tt.n):]; !slices.Equal(idsOf(got), want) && len(want) > 0 {
				t.Errorf("ids = %v, want %v", idsOf(got), want)
			}
			if !reflect.DeepEqual(f.calls, tt.wantCalls) {
				t.Errorf("calls = %v, want %v", f.calls, tt.wantCalls)
			}
		})
	}
}

func TestOffsetPages_shiftingListDeduplicated(t *testing.T) {
	t.Parallel()
	// An item inserted at the front between pages shifts item 10 onto page 2.
	f := &fakeOffsetList{ids: seqIDs(15)}
	fetch := func(ctx context.Context, o ListOptions) ([]*item, error) {
		if len(f.calls) == 1 {
			f.ids = append([]int64{99}, f.ids...)
		}
		return f.fetch(ctx, o)
	}
	got, err := collect(t, offsetPages(t.Context(), ListOptions{Count: 10}, 100, func(i *item) int64 { return i.ID }, fetch))
	if err != nil {
		t.Fatal(err)
	}
	if want := seqIDs(15); !slices.Equal(idsOf(got), want) {
		t.Errorf("ids = %v, want %v", idsOf(got), want)
	}
}

func TestOffsetPages_errorAndBreak(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	f := &fakeOffsetList{ids: seqIDs(30), err: boom, fail: 2}
	got, err := collect(t, offsetPages(t.Context(), ListOptions{Count: 10}, 100, nil, f.fetch))
	if !errors.Is(err, boom) || len(got) != 10 {
		t.Errorf("got %d items, err %v", len(got), err)
	}
	f = &fakeOffsetList{ids: seqIDs(30)}
	n := 0
	for range offsetPages(t.Context(), ListOptions{Count: 10}, 100, nil, f.fetch) {
		n++
		if n == 12 {
			break
		}
	}
	if len(f.calls) != 2 {
		t.Errorf("early break made %d calls, want 2", len(f.calls))
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := collect(t, offsetPages(ctx, ListOptions{}, 100, nil, f.fetch)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// fakeCursorList serves ids (ascending) with minId/maxId semantics.
type fakeCursorList struct {
	ids       []int64
	inclusive bool
	ignore    bool // ignore the cursor entirely
	calls     []CursorOptions
}

func (f *fakeCursorList) fetch(_ context.Context, o CursorOptions) ([]*item, error) {
	f.calls = append(f.calls, o)
	if len(f.calls) > 1000 {
		return nil, errors.New("runaway")
	}
	var in []int64
	for _, id := range f.ids {
		if !f.ignore {
			if o.MinID > 0 && (f.inclusive && id < o.MinID || !f.inclusive && id <= o.MinID) {
				continue
			}
			if o.MaxID > 0 && (f.inclusive && id > o.MaxID || !f.inclusive && id >= o.MaxID) {
				continue
			}
		}
		in = append(in, id)
	}
	if o.Order != OrderAsc {
		slices.Reverse(in)
	}
	var out []*item
	for i := 0; i < len(in) && i < o.Count; i++ {
		out = append(out, &item{in[i]})
	}
	return out, nil
}

func TestCursorPages(t *testing.T) {
	t.Parallel()
	for _, inclusive := range []bool{false, true} {
		for _, order := range []Order{"", OrderDesc, OrderAsc} {
			for _, n := range []int{0, 1, 9, 10, 11, 30, 31} {
				name := fmt.Sprintf("inclusive=%v/order=%q/n=%d", inclusive, order, n)
				t.Run(name, func(t *testing.T) {
					// Sparse ids, including adjacent ones (id-1 exists).
					var ids []int64
					for i := 1; i <= n; i++ {
						ids = append(ids, int64(i*3-(i%2)))
					}
					f := &fakeCursorList{ids: ids, inclusive: inclusive}
					got, err := collect(t, cursorPages(t.Context(), CursorOptions{Count: 10, Order: order}, func(i *item) int64 { return i.ID }, f.fetch))
					if err != nil {
						t.Fatal(err)
					}
					want := slices.Clone(ids)
					if order != OrderAsc {
						slices.Reverse(want)
					}
					if !slices.Equal(idsOf(got), want) {
						t.Errorf("ids = %v, want %v", idsOf(got), want)
					}
					if len(f.calls) > n/9+2 {
						t.Errorf("%d calls for %d items", len(f.calls), n)
					}
					for i, c := range f.calls {
						if c.Order == "" {
							t.Errorf("call %d sent no order", i)
						}
					}
				})
			}
		}
	}
}

func TestCursorPages_boundsAndCursorValues(t *testing.T) {
	t.Parallel()
	f := &fakeCursorList{ids: seqIDs(50)}
	got, err := collect(t, cursorPages(t.Context(), CursorOptions{MinID: 10, Count: 10, Order: OrderAsc}, func(i *item) int64 { return i.ID }, f.fetch))
	if err != nil {
		t.Fatal(err)
	}
	if want := seqIDs(50)[10:]; !slices.Equal(idsOf(got), want) {
		t.Errorf("asc from 10: %v", idsOf(got))
	}
	// The cursor passes the last id seen, not id±1.
	if f.calls[1].MinID != 20 || f.calls[2].MinID != 30 {
		t.Errorf("cursor values: %+v", f.calls)
	}
	// Desc keeps the caller's MinID as the lower bound.
	f = &fakeCursorList{ids: seqIDs(50)}
	got, _ = collect(t, cursorPages(t.Context(), CursorOptions{MinID: 35, Count: 10}, func(i *item) int64 { return i.ID }, f.fetch))
	if len(got) != 15 || got[0].ID != 50 || got[14].ID != 36 || f.calls[1].MinID != 35 || f.calls[1].MaxID != 41 {
		t.Errorf("desc with MinID: %v %+v", idsOf(got), f.calls)
	}
}

func TestCursorPages_serverIgnoresCursor(t *testing.T) {
	t.Parallel()
	f := &fakeCursorList{ids: seqIDs(50), ignore: true}
	got, err := collect(t, cursorPages(t.Context(), CursorOptions{Count: 10}, func(i *item) int64 { return i.ID }, f.fetch))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 || len(f.calls) != 2 {
		t.Errorf("got %d items in %d calls; want 10 in 2", len(got), len(f.calls))
	}
}

// The comment iterator end to end: inclusive server, duplicates dropped,
// exact request parameters.
func TestCommentsIter_http(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var mu sync.Mutex
	var queries []string
	f := &fakeCursorList{ids: seqIDs(25), inclusive: true}
	mux.HandleFunc("GET /api/v2/issues/BLG-1/comments", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		q := r.URL.Query()
		o := CursorOptions{Order: Order(q.Get("order"))}
		o.Count, _ = strconv.Atoi(q.Get("count"))
		o.MinID, _ = strconv.ParseInt(q.Get("minId"), 10, 64)
		o.MaxID, _ = strconv.ParseInt(q.Get("maxId"), 10, 64)
		page, _ := f.fetch(r.Context(), o)
		w.Write([]byte("["))
		for i, it := range page {
			if i > 0 {
				w.Write([]byte(","))
			}
			fmt.Fprintf(w, `{"id":%d,"content":"c%d","changeLog":null,"stars":[],"notifications":[]}`, it.ID, it.ID)
		}
		w.Write([]byte("]"))
	})
	got, err := collect(t, c.Issues.CommentsIter(t.Context(), "BLG-1", &CursorOptions{Count: 10}))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, cm := range got {
		ids = append(ids, cm.ID)
	}
	want := seqIDs(25)
	slices.Reverse(want)
	if !slices.Equal(ids, want) {
		t.Errorf("ids = %v", ids)
	}
	wantQ := []string{"count=10&order=desc", "count=10&maxId=16&order=desc", "count=10&maxId=7&order=desc"}
	if !slices.Equal(queries, wantQ) {
		t.Errorf("queries = %q, want %q", queries, wantQ)
	}
}

func TestFilesWalk(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var mu sync.Mutex
	var paths []string
	// /: a.txt, docs/ ; /docs/: 1000 files + sub/ (two pages) ; /docs/sub/: b.txt
	mux.HandleFunc("GET /api/v2/projects/BLG/files/metadata/{path...}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.EscapedPath()+"?"+r.URL.RawQuery)
		mu.Unlock()
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		switch r.PathValue("path") {
		case "":
			writeJSON(w, 200, `[{"id":1,"type":"file","dir":"/","name":"a.txt"},{"id":2,"type":"directory","dir":"/","name":"ドキュメント"}]`)
		case "ドキュメント":
			if off == 0 {
				s := "["
				for i := 0; i < 1000; i++ {
					if i > 0 {
						s += ","
					}
					s += fmt.Sprintf(`{"id":%d,"type":"file","dir":"/ドキュメント/","name":"f%d"}`, 100+i, i)
				}
				writeJSON(w, 200, s+"]")
				return
			}
			writeJSON(w, 200, `[{"id":3,"type":"directory","dir":"/ドキュメント/","name":"sub dir"}]`)
		case "ドキュメント/sub dir":
			writeJSON(w, 200, `[{"id":4,"type":"file","dir":"/ドキュメント/sub dir/","name":"b.txt"}]`)
		default:
			t.Errorf("unexpected path %q", r.PathValue("path"))
			writeJSON(w, 404, `{"errors":[{"message":"No file.","code":6}]}`)
		}
	})
	got, err := collect(t, c.Files.Walk(t.Context(), "BLG", ""))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1004 || got[len(got)-1].Path() != "/ドキュメント/sub dir/b.txt" {
		t.Errorf("got %d entries, last %+v", len(got), got[len(got)-1])
	}
	wantPaths := []string{
		"/api/v2/projects/BLG/files/metadata/?count=1000",
		"/api/v2/projects/BLG/files/metadata/%E3%83%89%E3%82%AD%E3%83%A5%E3%83%A1%E3%83%B3%E3%83%88?count=1000",
		"/api/v2/projects/BLG/files/metadata/%E3%83%89%E3%82%AD%E3%83%A5%E3%83%A1%E3%83%B3%E3%83%88?count=1000&offset=1000",
		"/api/v2/projects/BLG/files/metadata/%E3%83%89%E3%82%AD%E3%83%A5%E3%83%A1%E3%83%B3%E3%83%88/sub%20dir?count=1000",
	}
	if !slices.Equal(paths, wantPaths) {
		t.Errorf("paths =\n%q\nwant\n%q", paths, wantPaths)
	}
}
