package emulator

import (
	"fmt"
	"slices"
	"testing"
)

// pageByReversal is how pageOf used to serve a page: reverse a copy of the
// whole list, then slice it. It is the reference the tests compare with and
// the baseline of BenchmarkPageOf.
func pageByReversal[T any](p listPage, items []T) []T {
	if !p.asc {
		items = slices.Clone(items)
		slices.Reverse(items)
	}
	if out := slicePage(items, p.offset, p.count); len(out) > 0 {
		return out
	}
	return []T{}
}

// TestPageOfMatchesReversal: every order, offset and count around the list's
// ends gives the page the reverse-then-slice reference gives, never nil,
// without changing the list.
func TestPageOfMatchesReversal(t *testing.T) {
	for n := range 7 {
		items := make([]int, n)
		for i := range items {
			items[i] = i + 1
		}
		for _, asc := range []bool{false, true} {
			for offset := range n + 3 {
				for count := range n + 3 {
					p := listPage{asc: asc, offset: offset, count: count}
					got, want := pageOf(p, items), pageByReversal(p, items)
					if got == nil || !slices.Equal(got, want) {
						t.Errorf("n=%d %+v: %v, want %v", n, p, got, want)
					}
					for i, v := range items {
						if v != i+1 {
							t.Fatalf("n=%d %+v changed the list: %v", n, p, items)
						}
					}
				}
			}
		}
	}
}

// TestPageOfDescBoundaries spells out the descending pages at the ends of a
// five-item list (held oldest first).
func TestPageOfDescBoundaries(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	cases := []struct {
		offset, count int
		want          []string
	}{
		{0, 1, []string{"e"}},
		{0, 5, []string{"e", "d", "c", "b", "a"}},
		{0, 100, []string{"e", "d", "c", "b", "a"}},
		{3, 2, []string{"b", "a"}},
		{3, 5, []string{"b", "a"}},
		{4, 1, []string{"a"}},
		{4, 3, []string{"a"}},
		{5, 1, []string{}},
		{9, 1, []string{}},
	}
	for _, c := range cases {
		got := pageOf(listPage{offset: c.offset, count: c.count}, items)
		if got == nil || !slices.Equal(got, c.want) {
			t.Errorf("desc offset=%d count=%d: %q, want %q", c.offset, c.count, got, c.want)
		}
	}
	// The page is a copy: changing it leaves the list alone.
	page := pageOf(listPage{count: 2}, items)
	page[0] = "x"
	if items[4] != "e" {
		t.Errorf("the descending page shares the list's array: %q", items)
	}
}

// BenchmarkPageOf serves the first descending page of 20 from lists of
// growing length, by indices (pageOf) and by reversing the list
// (pageByReversal).
func BenchmarkPageOf(b *testing.B) {
	for _, n := range []int{100, 10_000, 100_000} {
		items := make([]*int, n)
		for i := range items {
			items[i] = new(int)
		}
		p := listPage{offset: 0, count: 20}
		b.Run(fmt.Sprintf("indices/n=%d", n), func(b *testing.B) {
			for range b.N {
				_ = pageOf(p, items)
			}
		})
		b.Run(fmt.Sprintf("reversal/n=%d", n), func(b *testing.B) {
			for range b.N {
				_ = pageByReversal(p, items)
			}
		})
	}
}
