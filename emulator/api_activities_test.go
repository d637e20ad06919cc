package emulator

import (
	"fmt"
	"testing"
)

func TestActivityFeeds(t *testing.T) {
	f := newPFix(t)
	// BLG already has 3 activities (members joined). Add 37 more in BLG,
	// alternating creators, and 5 in SEC interleaved.
	var blg, sec, byMember []int64
	f.locked(func(st *store) {
		for _, a := range st.activities {
			blg = append(blg, a.ID)
		}
		for i := range 37 {
			actor := f.admin
			if i%2 == 0 {
				actor = f.member
			}
			a := st.addActivity(f.blg.ID, ActIssueCreated, actor, f.now, map[string]any{"id": i, "key_id": i, "summary": "s", "description": ""})
			blg = append(blg, a.ID)
			if actor == f.member {
				byMember = append(byMember, a.ID)
			}
			if i%8 == 0 {
				sec = append(sec, st.addActivity(f.sec.ID, ActIssueCreated, f.member, f.now, map[string]any{"id": i}).ID)
			}
		}
	})
	if len(blg) != 40 || len(sec) != 5 {
		t.Fatalf("setup: %d %d", len(blg), len(sec))
	}
	rev := func(l []int64) []int64 {
		out := make([]int64, len(l))
		for i, v := range l {
			out[len(l)-1-i] = v
		}
		return out
	}
	desc := rev(blg)
	cases := []struct {
		u     *user
		path  string
		want  []int64
		label string
	}{
		{f.member, "/api/v2/space/activities", desc[:20], "default page"},
		{f.member, fmt.Sprintf("/api/v2/space/activities?maxId=%d", desc[19]), desc[20:40], "second page"},
		{f.member, fmt.Sprintf("/api/v2/space/activities?maxId=%d", desc[39]), []int64{}, "exhausted (exact multiple)"},
		{f.member, "/api/v2/space/activities?order=asc&count=3", blg[:3], "asc"},
		{f.member, fmt.Sprintf("/api/v2/space/activities?order=asc&count=100&minId=%d", blg[36]), blg[37:], "minId exclusive"},
		{f.member, fmt.Sprintf("/api/v2/space/activities?minId=%d&maxId=%d", blg[0], blg[2]), []int64{blg[1]}, "both bounds"},
		{f.member, fmt.Sprintf("/api/v2/space/activities?minId=%d&maxId=%d", blg[1], blg[2]), []int64{}, "empty window"},
		{f.member, "/api/v2/space/activities?count=100&activityTypeId[]=15", rev(blg[:3]), "type filter"},
		{f.member, "/api/v2/space/activities?count=100&activityTypeId[]=15&activityTypeId[]=99", nil, "bad type"},
		{f.outsider, "/api/v2/space/activities", []int64{}, "no projects"},
		{f.admin, "/api/v2/space/activities?count=100&activityTypeId=1&order=asc", mergeIDs(blg[3:], sec), "admin sees all"},
		{f.member, "/api/v2/projects/BLG/activities?count=100", desc, "project"},
		{f.admin, "/api/v2/projects/SEC/activities", rev(sec), "other project"},
		{f.outsider, fmt.Sprintf("/api/v2/users/%d/activities?count=100", f.member.ID), []int64{}, "user, invisible"},
		{f.viewer, fmt.Sprintf("/api/v2/users/%d/activities?count=100", f.member.ID), rev(byMember), "user, BLG only"},
		{f.admin, fmt.Sprintf("/api/v2/users/%d/activities?count=100&order=asc", f.member.ID), mergeIDs(byMember, sec), "user, all"},
	}
	for _, c := range cases {
		if c.want == nil {
			f.fail("GET", c.path, c.u, "", 400, CodeInvalidRequest)
			continue
		}
		var list []map[string]any
		f.ok("GET", c.path, c.u, "", 200, &list)
		if got := pids(list); !pjEqualIDs(got, c.want) {
			t.Errorf("%s: GET %s as %s = %v, want %v", c.label, c.path, c.u.UserID, got, c.want)
		}
		for _, a := range list {
			if n, ok := a["notifications"].([]any); !ok || len(n) != 0 {
				t.Errorf("%s: list notifications %v", c.label, a["notifications"])
			}
			if a["project"] == nil || a["createdUser"] == nil || a["created"] != "2026-01-02T03:04:05Z" {
				t.Errorf("%s: activity %v", c.label, a)
			}
		}
	}
	for _, q := range []string{"count=0", "count=101", "order=up", "minId=-1", "maxId=x", "activityTypeId[]=0", "activityTypeId[]=50", "activityTypeId[]=a"} {
		f.fail("GET", "/api/v2/space/activities?"+q, f.member, "", 400, CodeInvalidRequest)
		f.fail("GET", "/api/v2/projects/BLG/activities?"+q, f.member, "", 400, CodeInvalidRequest)
	}
	f.fail("GET", "/api/v2/users/999/activities", f.member, "", 404, CodeNoResource)

	// Inclusive bounds when configured.
	f.s.opts.InclusiveIDBounds = true
	var list []map[string]any
	f.ok("GET", fmt.Sprintf("/api/v2/projects/BLG/activities?order=asc&minId=%d&maxId=%d", blg[0], blg[2]), f.member, "", 200, &list)
	if got := pids(list); !pjEqualIDs(got, blg[:3]) {
		t.Errorf("inclusive bounds %v", got)
	}
	f.s.opts.InclusiveIDBounds = false

	// One activity.
	var one map[string]any
	f.ok("GET", "/api/v2/activities/"+pitoa(blg[5]), f.viewer, "", 200, &one)
	if int64(one["id"].(float64)) != blg[5] || one["type"].(float64) != ActIssueCreated || one["content"].(map[string]any)["key_id"].(float64) != 2 {
		t.Errorf("activity %v", one)
	}
	f.fail("GET", "/api/v2/activities/"+pitoa(sec[0]), f.viewer, "", 404, CodeNoResource)
	f.ok("GET", "/api/v2/activities/"+pitoa(sec[0]), f.admin, "", 200, nil)
	f.fail("GET", "/api/v2/activities/1", f.admin, "", 404, CodeNoResource)
	f.fail("GET", "/api/v2/activities/x", f.admin, "", 404, CodeNoResource)
}

// mergeIDs merges two ascending id lists.
func mergeIDs(a, b []int64) []int64 {
	out := make([]int64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if j == len(b) || i < len(a) && a[i] < b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return out
}

// benchActivities builds a space with n activities in BLG.
func benchActivities(b *testing.B, n int) *pfix {
	f := newPFix(b)
	f.locked(func(st *store) {
		for i := range n {
			actor := f.admin
			if i%100 == 0 {
				actor = f.member
			}
			st.addActivity(f.blg.ID, ActIssueCreated, actor, f.now, map[string]any{"id": i, "key_id": i, "summary": "summary", "description": ""})
		}
	})
	return f
}

func BenchmarkSpaceActivitiesPage(b *testing.B) {
	f := benchActivities(b, 100_000)
	b.ResetTimer()
	for b.Loop() {
		if st, _ := f.call("GET", "/api/v2/space/activities?count=100", f.member, ""); st != 200 {
			b.Fatal(st)
		}
	}
}

func BenchmarkUserActivitiesPage(b *testing.B) {
	f := benchActivities(b, 100_000)
	b.ResetTimer()
	for b.Loop() {
		if st, _ := f.call("GET", "/api/v2/users/"+pitoa(f.member.ID)+"/activities?count=100", f.viewer, ""); st != 200 {
			b.Fatal(st)
		}
	}
}
