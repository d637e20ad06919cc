package emulator

import (
	"testing"
	"time"
)

func TestWatchings(t *testing.T) {
	f := newPFix(t)
	var issues []*issue
	for i, s := range []string{"a", "b", "c"} {
		is := f.issue(f.blg, s, f.member)
		f.locked(func(st *store) { is.Updated = f.now.Add(time.Duration(3-i) * time.Hour) }) // a newest
		issues = append(issues, is)
	}
	secret := f.issue(f.sec, "secret", f.admin)
	var ws []int64
	for i, is := range issues {
		f.now = f.now.Add(time.Minute)
		var w map[string]any
		f.ok("POST", "/api/v2/watchings", f.member, pform("issueIdOrKey", "BLG-"+pitoa(is.KeyID), "note", "n"+pitoa(int64(i))), 200, &w)
		if i == 0 && (w["type"] != "issue" || w["note"] != "n0" || w["resourceAlreadyRead"] != true ||
			w["issue"].(map[string]any)["issueKey"] != "BLG-1" || w["lastContentUpdated"] != "2026-01-02T06:04:05Z") {
			t.Errorf("watching %v", w)
		}
		ws = append(ws, int64(w["id"].(float64)))
	}
	f.fail("POST", "/api/v2/watchings", f.member, pform("issueIdOrKey", "BLG-1"), 400, CodeInvalidRequest)
	f.fail("POST", "/api/v2/watchings", f.member, "", 400, CodeInvalidRequest)
	f.fail("POST", "/api/v2/watchings", f.member, pform("issueIdOrKey", "BLG-99"), 404, CodeNoResource)
	f.fail("POST", "/api/v2/watchings", f.member, pform("issueIdOrKey", pitoa(secret.ID)), 404, CodeNoResource)
	f.ok("POST", "/api/v2/watchings", f.admin, pform("issueIdOrKey", pitoa(secret.ID)), 200, nil)

	// The issue changes after it was read: b becomes unread.
	f.locked(func(st *store) { issues[1].Updated = pfixNow.Add(10 * time.Hour); st.issueChanged(issues[1]) })

	list := "/api/v2/users/" + pitoa(f.member.ID) + "/watchings"
	cases := []struct {
		q    string
		want []int64
	}{
		{"", []int64{ws[1], ws[0], ws[2]}}, // issueUpdated desc
		{"?order=asc", []int64{ws[2], ws[0], ws[1]}},
		{"?sort=created", []int64{ws[2], ws[1], ws[0]}},
		{"?sort=updated&order=asc", ws},
		{"?sort=created&count=2", []int64{ws[2], ws[1]}},
		{"?sort=created&count=2&offset=2", []int64{ws[0]}},
		{"?sort=created&count=3&offset=3", []int64{}},
		{"?resourceAlreadyRead=false", []int64{ws[1]}},
		{"?resourceAlreadyRead=true&sort=created", []int64{ws[2], ws[0]}},
		{"?issueId[]=" + pitoa(issues[0].ID) + "&issueId[]=" + pitoa(issues[2].ID), []int64{ws[0], ws[2]}},
	}
	for _, c := range cases {
		var got []map[string]any
		f.ok("GET", list+c.q, f.viewer, "", 200, &got)
		if g := pids(got); !pjEqualIDs(g, c.want) {
			t.Errorf("GET watchings%s = %v, want %v", c.q, g, c.want)
		}
	}
	for _, q := range []string{"?sort=name", "?order=x", "?count=0", "?count=101", "?offset=-1", "?resourceAlreadyRead=1", "?issueId[]=x"} {
		f.fail("GET", list+q, f.viewer, "", 400, CodeInvalidRequest)
	}
	f.fail("GET", "/api/v2/users/999/watchings", f.viewer, "", 404, CodeNoResource)
	var got []map[string]any
	f.ok("GET", "/api/v2/users/"+pitoa(f.admin.ID)+"/watchings", f.viewer, "", 200, &got)
	if len(got) != 0 {
		t.Errorf("viewer sees a watching of an invisible issue: %v", got)
	}
	counts := []struct {
		q    string
		want float64
	}{{"", 3}, {"?resourceAlreadyRead=false", 1}, {"?alreadyRead=true", 2}}
	for _, c := range counts {
		var n map[string]float64
		f.ok("GET", list+"/count"+c.q, f.member, "", 200, &n)
		if n["count"] != c.want {
			t.Errorf("count%s = %v, want %v", c.q, n["count"], c.want)
		}
	}

	one := "/api/v2/watchings/" + pitoa(ws[1])
	var w map[string]any
	f.ok("GET", one, f.viewer, "", 200, &w)
	if w["resourceAlreadyRead"] != false {
		t.Errorf("watching %v", w)
	}
	f.fail("GET", one, f.outsider, "", 404, CodeNoResource)
	f.fail("GET", "/api/v2/watchings/999", f.member, "", 404, CodeNoResource)
	f.fail("POST", one+"/markAsRead", f.viewer, "", 403, CodeUnauthorizedOperation)
	f.ok("POST", one+"/markAsRead", f.member, "", 204, nil)
	f.ok("GET", one, f.member, "", 200, &w)
	if w["resourceAlreadyRead"] != true {
		t.Errorf("after markAsRead %v", w)
	}
	f.fail("PATCH", one, f.viewer, pform("note", "x"), 403, CodeUnauthorizedOperation)
	f.now = f.now.Add(time.Hour)
	f.ok("PATCH", one, f.member, pform("note", "changed"), 200, &w)
	if w["note"] != "changed" || w["updated"] == w["created"] {
		t.Errorf("patched %v", w)
	}
	f.fail("DELETE", one, f.viewer, "", 403, CodeUnauthorizedOperation)
	f.ok("DELETE", one, f.member, "", 200, &w)
	f.fail("GET", one, f.member, "", 404, CodeNoResource)
}
