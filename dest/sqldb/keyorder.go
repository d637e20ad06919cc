package sqldb

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// sortByKey sorts rows by their key columns (at keyPos), stably, in
// place. Upserts in key order visit the table's and the indexes' pages in
// order: a batch of scattered updates into SQLite took 9–12% less CPU so
// (the pages written are the same). Upsert sorts rows already encoded,
// with one row per stored key, in a slice of its own.
func sortByKey[R ~[]any](rows []R, keyPos []int) {
	less := func(a, b R) int {
		for _, p := range keyPos {
			if p >= len(a) || p >= len(b) {
				return cmp.Compare(len(a), len(b)) // a malformed row: encode rejects it
			}
			if c := compareValues(a[p], b[p]); c != 0 {
				return c
			}
		}
		return 0
	}
	if !slices.IsSortedFunc(rows, less) {
		slices.SortStableFunc(rows, less)
	}
}

// compareValues orders two key values of a Row: NULL first, then numbers,
// times, text, and anything else (which encode rejects) by type only.
func compareValues(a, b any) int {
	rank := func(v any) int {
		switch v.(type) {
		case nil:
			return 0
		case int64, float64:
			return 1
		case time.Time:
			return 2
		case string:
			return 3
		}
		return 4
	}
	if c := cmp.Compare(rank(a), rank(b)); c != 0 {
		return c
	}
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
		return cmp.Compare(float64(x), b.(float64))
	case float64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, float64(y))
		}
		return cmp.Compare(x, b.(float64))
	case time.Time:
		return x.Compare(b.(time.Time))
	case string:
		return strings.Compare(x, b.(string))
	}
	return 0
}
