package sqldb

import (
	"fmt"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

func TestSortByKey(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := []bs.Row{
		{"b", int64(2), "first b2"},
		{"a", int64(10), "a10"},
		{"b", int64(1), "b1"},
		{"a", int64(9), "a9"},
		{"b", int64(2), "second b2"}, // the same key: stays after the first
		{"a", nil, "a nil"},
	}
	sortByKey(rows, []int{0, 1})
	want := "[[a <nil> a nil] [a 9 a9] [a 10 a10] [b 1 b1] [b 2 first b2] [b 2 second b2]]"
	if fmt.Sprint(rows) != want {
		t.Errorf("sortByKey = %v; want %v", rows, want)
	}
	// Rows already in key order stay as they are.
	sortByKey(rows, []int{0, 1})
	if fmt.Sprint(rows) != want {
		t.Errorf("sortByKey of sorted rows = %v; want %v", rows, want)
	}
	for _, tc := range []struct {
		a, b any
		want int
	}{
		{nil, int64(1), -1}, {int64(2), 1.5, 1}, {1.5, int64(2), -1}, {2.0, 2.0, 0},
		{t0, t0.Add(time.Second), -1}, {int64(5), "5", -1}, {"b", "a", 1}, {"x", true, -1},
	} {
		if got := compareValues(tc.a, tc.b); got != tc.want {
			t.Errorf("compareValues(%v, %v) = %d; want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
