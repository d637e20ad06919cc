package emulator

import (
	"fmt"
	"testing"
	"time"
)

func TestStars(t *testing.T) {
	f := newPFix(t)
	is := f.issue(f.blg, "first issue", f.member)
	c := f.comment(is, "hello", f.viewer)
	secret := f.issue(f.sec, "secret", f.admin)

	st, body := f.call("POST", "/api/v2/stars", f.padmin, pform("issueId", pitoa(is.ID)))
	if st != 204 || len(body) != 0 {
		t.Fatalf("POST /stars: %d %s", st, body)
	}
	stars := f.issueField(is, "stars").([]any)
	if len(stars) != 1 {
		t.Fatalf("issue stars %v", stars)
	}
	s0 := stars[0].(map[string]any)
	if s0["url"] != "https://demo.backlog.com/view/BLG-1" || s0["title"] != "[BLG-1] first issue | 課題の表示 - Backlog" ||
		s0["comment"] != nil || s0["presenter"].(map[string]any)["userId"] != "padmin" || s0["created"] != "2026-01-02T03:04:05Z" {
		t.Errorf("star %v", s0)
	}
	f.now = f.now.Add(48 * time.Hour)
	f.ok("POST", "/api/v2/stars", f.admin, pform("issueId", pitoa(is.ID)), 204, nil)
	f.ok("POST", "/api/v2/stars", f.member, pform("commentId", pitoa(c.ID)), 204, nil)
	if got := f.s.store.comments[c.ID].Stars[0]; got.URL != fmt.Sprintf("https://demo.backlog.com/view/BLG-1#comment-%d", c.ID) || got.Receiver != f.viewer.ID {
		t.Errorf("comment star %+v", got)
	}

	errs := []struct {
		u      *user
		body   string
		status int
	}{
		{f.padmin, pform("issueId", pitoa(is.ID)), 400}, // already starred
		{f.padmin, "", 400},
		{f.padmin, pform("issueId", pitoa(is.ID), "commentId", pitoa(c.ID)), 400},
		{f.padmin, pform("issueId", "x"), 400},
		{f.padmin, pform("issueId", "-1"), 400},
		{f.padmin, pform("issueId", "999"), 404},
		{f.padmin, pform("issueId", pitoa(secret.ID)), 404},
		{f.padmin, pform("commentId", "999"), 404},
		{f.padmin, pform("wikiId", "999"), 404},
		{f.padmin, pform("pullRequestId", "999"), 404},
		{f.padmin, pform("pullRequestCommentId", "999"), 404},
	}
	for _, e := range errs {
		code := CodeInvalidRequest
		if e.status == 404 {
			code = CodeNoResource
		}
		f.fail("POST", "/api/v2/stars", e.u, e.body, e.status, code)
	}

	// Received stars: member got two on the issue, the viewer one on the comment.
	member := "/api/v2/users/" + pitoa(f.member.ID) + "/stars"
	var list []map[string]any
	f.ok("GET", member, f.viewer, "", 200, &list)
	if len(list) != 2 || list[0]["presenter"].(map[string]any)["userId"] != "admin" {
		t.Fatalf("received stars %v", list)
	}
	all := pids(list)
	f.ok("GET", member+"?order=asc&count=1", f.viewer, "", 200, &list)
	if got := pids(list); !pjEqualIDs(got, all[1:]) {
		t.Errorf("asc count=1 %v", got)
	}
	f.ok("GET", member+"?maxId="+pitoa(all[0]), f.viewer, "", 200, &list)
	if got := pids(list); !pjEqualIDs(got, all[1:]) {
		t.Errorf("maxId %v", got)
	}
	f.ok("GET", member, f.outsider, "", 200, &list)
	if len(list) != 0 {
		t.Errorf("outsider sees stars of invisible issues: %v", list)
	}
	f.fail("GET", member+"?count=101", f.viewer, "", 400, CodeInvalidRequest)
	f.fail("GET", "/api/v2/users/999/stars", f.viewer, "", 404, CodeNoResource)

	counts := []struct {
		q    string
		want float64
	}{
		{"", 2}, {"?since=2026-01-02", 2}, {"?since=2026-01-03", 1}, {"?until=2026-01-02", 1}, {"?until=2026-01-01", 0},
		{"?since=2026-01-04&until=2026-01-04", 1},
	}
	for _, c := range counts {
		var n map[string]float64
		f.ok("GET", member+"/count"+c.q, f.viewer, "", 200, &n)
		if n["count"] != c.want {
			t.Errorf("count%s = %v, want %v", c.q, n["count"], c.want)
		}
	}
	f.fail("GET", member+"/count?since=2026-1-1", f.viewer, "", 400, CodeInvalidRequest)

	// Removing: only the presenter.
	f.fail("DELETE", "/api/v2/stars/"+pitoa(all[1]), f.admin, "", 403, CodeUnauthorizedOperation)
	f.fail("DELETE", "/api/v2/stars/"+pitoa(all[1]), f.outsider, "", 404, CodeNoResource)
	f.fail("DELETE", "/api/v2/stars/999", f.padmin, "", 404, CodeNoResource)
	f.ok("DELETE", "/api/v2/stars/"+pitoa(all[1]), f.padmin, "", 204, nil)
	if stars := f.issueField(is, "stars").([]any); len(stars) != 1 {
		t.Errorf("issue stars after delete %v", stars)
	}
	f.ok("GET", member, f.viewer, "", 200, &list)
	if len(list) != 1 {
		t.Errorf("received after delete %v", list)
	}
}

func TestStarTargets(t *testing.T) {
	f := newPFix(t)
	f.locked(func(st *store) {
		w := &wiki{ID: st.nextID("wiki"), ProjectID: f.blg.ID, Name: "Home/Page", CreatedUser: f.member.ID}
		st.wikis[w.ID] = w
		st.wikiList = append(st.wikiList, w)
		r := &repository{ID: st.nextID("repo"), ProjectID: f.blg.ID, Name: "app"}
		pr := &pullRequest{ID: st.nextID("pr"), ProjectID: f.blg.ID, RepositoryID: r.ID, Number: 7, Summary: "fix", CreatedUser: f.viewer.ID}
		pc := &pullRequestComment{ID: st.nextID("prcomment"), PullRequestID: pr.ID, CreatedUser: f.padmin.ID}
		pr.Comments = append(pr.Comments, pc)
		r.PullRequests = append(r.PullRequests, pr)
		f.blg.Repositories = append(f.blg.Repositories, r)
		st.repos[r.ID], st.pullReqs[pr.ID], st.prComments[pc.ID] = r, pr, pc

		for _, c := range []struct {
			t        starTarget
			url      string
			receiver int64
			stars    *[]*star
		}{
			{starTarget{WikiID: w.ID}, "https://demo.backlog.com/wiki/BLG/Home%2FPage", f.member.ID, &w.Stars},
			{starTarget{PullRequestID: pr.ID}, "https://demo.backlog.com/git/BLG/app/pullRequests/7", f.viewer.ID, &pr.Stars},
			{starTarget{PullRequestCommentID: pc.ID}, fmt.Sprintf("https://demo.backlog.com/git/BLG/app/pullRequests/7#comment-%d", pc.ID), f.padmin.ID, &pc.Stars},
		} {
			s, err := st.addStar(f.admin, f.now, c.t, pptr("nice"))
			if err != nil {
				t.Fatal(err)
			}
			if s.URL != c.url || s.Receiver != c.receiver || len(*c.stars) != 1 || *s.Comment != "nice" || s.Title == "" {
				t.Errorf("star on %+v: %+v", c.t, s)
			}
			if _, err := st.addStar(f.outsider, f.now, c.t, nil); err == nil || err.(*apiError).Code != CodeNoResource {
				t.Errorf("outsider starred %+v: %v", c.t, err)
			}
		}
	})
}
