package emulator

import (
	"fmt"
	"reflect"
	"testing"
)

func TestCommentList(t *testing.T) {
	f := newFixture(t)
	is := f.issue(f.alice, f.p1, "chatty", nil)
	var ids []int64
	for i := range 45 {
		ids = append(ids, f.comment(f.bob, is, fmt.Sprintf("c%d", i)).ID)
	}
	path := "/api/v2/issues/P1-1/comments"
	rev := func(s []int64) []int64 {
		out := make([]int64, len(s))
		for i, v := range s {
			out[len(s)-1-i] = v
		}
		return out
	}
	cases := []struct {
		query string
		want  []int64
	}{
		{"", rev(ids)[:20]},
		{"?order=asc", ids[:20]},
		{"?order=asc&count=100", ids},
		{"?order=asc&count=15&minId=" + itoa(ids[14]), ids[15:30]},
		{"?order=asc&count=15&minId=" + itoa(ids[44]), []int64{}},
		{"?order=desc&count=5&maxId=" + itoa(ids[10]), rev(ids[5:10])},
		{"?order=desc&maxId=" + itoa(ids[0]), []int64{}},
		{"?order=asc&minId=" + itoa(ids[9]) + "&maxId=" + itoa(ids[13]), ids[10:13]},
		{"?count=1", []int64{ids[44]}},
		{"?order=asc&count=45", ids},
	}
	for _, c := range cases {
		var list []map[string]any
		f.get(path+c.query, f.vic, &list)
		if got := idsOf(list); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.query, got, c.want)
		}
	}
	// Walking with maxId from the newest covers everything exactly once.
	var seen []int64
	maxID := int64(0)
	for {
		q := "?count=20"
		if maxID != 0 {
			q += "&maxId=" + itoa(maxID)
		}
		var list []map[string]any
		f.get(path+q, f.alice, &list)
		got := idsOf(list)
		seen = append(seen, got...)
		if len(got) < 20 {
			break
		}
		maxID = got[len(got)-1]
	}
	if !reflect.DeepEqual(seen, rev(ids)) {
		t.Errorf("walk: %d comments", len(seen))
	}
	var cnt map[string]int
	f.get(path+"/count", f.alice, &cnt)
	if cnt["count"] != 45 {
		t.Errorf("count %v", cnt)
	}
	var one map[string]any
	f.get(fmt.Sprintf("%s/%d", path, ids[3]), f.alice, &one)
	if one["content"] != "c3" || one["changeLog"] == nil {
		t.Errorf("one comment %v", one)
	}
	for _, k := range []string{"id", "projectId", "issueId", "content", "changeLog", "createdUser", "created", "updated", "stars", "notifications"} {
		if _, ok := one[k]; !ok {
			t.Errorf("comment lacks %s", k)
		}
	}
	other := f.issue(f.alice, f.p1, "other", nil)
	for _, q := range []string{"?count=0", "?count=101", "?order=x", "?minId=x", "?maxId=-1"} {
		f.wantError("GET", path+q, f.alice, nil, 400, CodeInvalidRequest)
	}
	f.wantError("GET", path, f.out, nil, 404, CodeNoResource)
	f.wantError("GET", path+"/count", f.out, nil, 404, CodeNoResource)
	f.wantError("GET", fmt.Sprintf("/api/v2/issues/%d/comments/%d", other.ID, ids[0]), f.alice, nil, 404, CodeNoResource)
	f.wantError("GET", path+"/x", f.alice, nil, 404, CodeNoResource)
	f.wantError("GET", path+"/1/notifications", f.alice, nil, 404, CodeNoResource)
	f.wantError("GET", "/api/v2/issues/P1-77/comments", f.alice, nil, 404, CodeNoResource)
}

func TestCommentListInclusiveBounds(t *testing.T) {
	f := newFixture(t)
	f.s.opts.InclusiveIDBounds = true
	is := f.issue(f.alice, f.p1, "x", nil)
	var ids []int64
	for i := range 5 {
		ids = append(ids, f.comment(f.bob, is, fmt.Sprint(i)).ID)
	}
	var list []map[string]any
	f.get("/api/v2/issues/P1-1/comments?order=asc&minId="+itoa(ids[1])+"&maxId="+itoa(ids[3]), f.alice, &list)
	if got := idsOf(list); !reflect.DeepEqual(got, ids[1:4]) {
		t.Errorf("inclusive: %v", got)
	}
}
