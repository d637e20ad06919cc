package emulator

import (
	"testing"
	"time"
)

func TestRecentlyViewed(t *testing.T) {
	f := newPFix(t)
	var keys []string
	for i := range 5 {
		is := f.issue(f.blg, "issue", f.member)
		keys = append(keys, "BLG-"+pitoa(is.KeyID))
		_ = i
	}
	secret := f.issue(f.sec, "s", f.admin)
	for _, k := range keys {
		f.now = f.now.Add(time.Minute)
		var is map[string]any
		f.ok("POST", "/api/v2/users/myself/recentlyViewedIssues", f.member, pform("issueIdOrKey", k), 200, &is)
		if is["issueKey"] != k {
			t.Errorf("POST answered %v", is["issueKey"])
		}
	}
	f.now = f.now.Add(time.Minute)
	f.ok("POST", "/api/v2/users/myself/recentlyViewedIssues", f.member, pform("issueIdOrKey", keys[1]), 200, nil) // moves to front
	f.fail("POST", "/api/v2/users/myself/recentlyViewedIssues", f.member, pform("issueIdOrKey", pitoa(secret.ID)), 404, CodeNoResource)
	f.fail("POST", "/api/v2/users/myself/recentlyViewedIssues", f.member, "", 400, CodeInvalidRequest)
	f.fail("POST", "/api/v2/users/myself/recentlyViewedIssues", f.member, pform("issueIdOrKey", "BLG-99"), 404, CodeNoResource)

	issueKeys := func(list []map[string]any) []string {
		var out []string
		for _, e := range list {
			out = append(out, e["issue"].(map[string]any)["issueKey"].(string))
		}
		return out
	}
	cases := []struct {
		q    string
		want string
	}{
		{"", "[BLG-2 BLG-5 BLG-4 BLG-3 BLG-1]"},
		{"?order=asc", "[BLG-1 BLG-3 BLG-4 BLG-5 BLG-2]"},
		{"?count=2", "[BLG-2 BLG-5]"},
		{"?count=2&offset=4", "[BLG-1]"},
		{"?count=5&offset=5", "[]"},
	}
	for _, c := range cases {
		var list []map[string]any
		f.ok("GET", "/api/v2/users/myself/recentlyViewedIssues"+c.q, f.member, "", 200, &list)
		if got := pjFmt(issueKeys(list)); got != c.want {
			t.Errorf("recent issues%s = %s, want %s", c.q, got, c.want)
		}
		if len(list) > 0 && list[0]["updated"] == nil {
			t.Errorf("no updated: %v", list[0])
		}
	}
	for _, q := range []string{"?count=0", "?count=101", "?order=x", "?offset=-1"} {
		f.fail("GET", "/api/v2/users/myself/recentlyViewedIssues"+q, f.member, "", 400, CodeInvalidRequest)
		f.fail("GET", "/api/v2/users/myself/recentlyViewedProjects"+q, f.member, "", 400, CodeInvalidRequest)
		f.fail("GET", "/api/v2/users/myself/recentlyViewedWikis"+q, f.member, "", 400, CodeInvalidRequest)
	}
	var projects []map[string]any
	f.ok("GET", "/api/v2/users/myself/recentlyViewedProjects", f.member, "", 200, &projects)
	if len(projects) != 1 || projects[0]["project"].(map[string]any)["projectKey"] != "BLG" || projects[0]["updated"] != "2026-01-02T03:10:05Z" {
		t.Errorf("recent projects %v", projects)
	}
	var other []map[string]any
	f.ok("GET", "/api/v2/users/myself/recentlyViewedIssues", f.viewer, "", 200, &other)
	if len(other) != 0 {
		t.Errorf("viewer's list %v", other)
	}
	// Entries the user can no longer see disappear.
	f.ok("DELETE", "/api/v2/projects/BLG/users", f.admin, pform("userId", pitoa(f.member.ID)), 200, nil)
	f.ok("GET", "/api/v2/users/myself/recentlyViewedIssues", f.member, "", 200, &other)
	f.ok("GET", "/api/v2/users/myself/recentlyViewedProjects", f.member, "", 200, &projects)
	if len(other) != 0 || len(projects) != 0 {
		t.Errorf("invisible entries kept: %v %v", other, projects)
	}

	// Wikis.
	var w *wiki
	f.locked(func(st *store) {
		tag := &wikiTag{ID: st.nextID("wikitag"), Name: "議事録"}
		f.blg.WikiTags = append(f.blg.WikiTags, tag)
		w = &wiki{ID: st.nextID("wiki"), ProjectID: f.blg.ID, Name: "Home", Content: "body", Tags: []int64{tag.ID},
			CreatedUser: f.admin.ID, Created: f.now, UpdatedUser: f.admin.ID, Updated: f.now}
		st.wikis[w.ID] = w
		st.wikiList = append(st.wikiList, w)
	})
	var page map[string]any
	f.ok("POST", "/api/v2/users/myself/recentlyViewedWikis", f.viewer, pform("wikiId", pitoa(w.ID)), 200, &page)
	if page["name"] != "Home" || page["content"] != "body" || len(page["tags"].([]any)) != 1 || page["stars"] == nil {
		t.Errorf("wiki %v", page)
	}
	f.fail("POST", "/api/v2/users/myself/recentlyViewedWikis", f.outsider, pform("wikiId", pitoa(w.ID)), 404, CodeNoResource)
	f.fail("POST", "/api/v2/users/myself/recentlyViewedWikis", f.viewer, pform("wikiId", "x"), 400, CodeInvalidRequest)
	var wikis []map[string]any
	f.ok("GET", "/api/v2/users/myself/recentlyViewedWikis", f.viewer, "", 200, &wikis)
	if len(wikis) != 1 {
		t.Fatalf("recent wikis %v", wikis)
	}
	if p := wikis[0]["page"].(map[string]any); p["name"] != "Home" || p["tags"].([]any)[0].(map[string]any)["name"] != "議事録" {
		t.Errorf("recent wiki %v", p)
	} else if _, has := p["content"]; has {
		t.Error("list item carries content")
	}
}
