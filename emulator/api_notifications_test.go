package emulator

import (
	"testing"
)

func TestNotifications(t *testing.T) {
	f := newPFix(t)
	is := f.issue(f.blg, "notify me", f.admin)
	c := f.comment(is, "hi", f.admin)
	var mine []int64
	f.locked(func(st *store) {
		// The fixture already notified member once (reason 6, sender admin).
		for _, n := range st.notifByUser[f.member.ID] {
			mine = append(mine, n.ID)
		}
		if st.notify(f.admin.ID, 1, f.admin, f.now, notificationRef{ProjectID: f.blg.ID}) != nil {
			t.Error("self-notification recorded")
		}
		for i := range 24 {
			sender := f.admin
			if i%3 == 0 {
				sender = f.padmin
			}
			n := st.notify(f.member.ID, 2, sender, f.now, notificationRef{ProjectID: f.blg.ID, IssueID: is.ID, CommentID: c.ID})
			mine = append(mine, n.ID)
		}
		st.notify(f.viewer.ID, 1, f.admin, f.now, notificationRef{ProjectID: f.blg.ID, IssueID: is.ID})
	})
	if len(mine) != 25 {
		t.Fatalf("setup %d", len(mine))
	}
	var list []map[string]any
	f.ok("GET", "/api/v2/notifications", f.member, "", 200, &list)
	if got := pids(list); len(got) != 20 || got[0] != mine[24] || got[19] != mine[5] {
		t.Errorf("default page %v", got)
	}
	n := list[0]
	if n["alreadyRead"] != false || n["reason"].(float64) != 2 || n["resourceAlreadyRead"] != false ||
		n["issue"].(map[string]any)["issueKey"] != "BLG-1" || n["comment"].(map[string]any)["content"] != "hi" ||
		n["pullRequest"] != nil || n["pullRequestComment"] != nil || n["repository"] != nil || n["sender"] == nil {
		t.Errorf("notification %v", n)
	}
	for _, k := range []string{"id", "alreadyRead", "reason", "resourceAlreadyRead", "project", "issue", "comment", "pullRequest", "pullRequestComment", "sender", "created"} {
		if _, ok := n[k]; !ok {
			t.Errorf("notification lacks %s", k)
		}
	}
	f.ok("GET", "/api/v2/notifications?maxId="+pitoa(mine[5]), f.member, "", 200, &list)
	if got := pids(list); len(got) != 5 || got[4] != mine[0] {
		t.Errorf("second page %v", got)
	}
	f.ok("GET", "/api/v2/notifications?maxId="+pitoa(mine[0]), f.member, "", 200, &list)
	if len(list) != 0 {
		t.Errorf("past the end %v", list)
	}
	f.ok("GET", "/api/v2/notifications?order=asc&count=100&senderId="+pitoa(f.padmin.ID), f.member, "", 200, &list)
	if len(list) != 8 || int64(list[0]["id"].(float64)) != mine[1] {
		t.Errorf("senderId filter %v", pids(list))
	}
	f.ok("GET", "/api/v2/notifications", f.viewer, "", 200, &list)
	if len(list) != 2 { // reason 6 from the fixture and the one above
		t.Errorf("viewer's notifications %v", pids(list))
	}
	for _, q := range []string{"count=0", "count=101", "order=x", "senderId=x", "minId=x"} {
		f.fail("GET", "/api/v2/notifications?"+q, f.member, "", 400, CodeInvalidRequest)
	}

	count := func(u *user, q string) float64 {
		var m map[string]float64
		f.ok("GET", "/api/v2/notifications/count"+q, u, "", 200, &m)
		return m["count"]
	}
	if count(f.member, "") != 25 || count(f.member, "?alreadyRead=false") != 25 || count(f.member, "?resourceAlreadyRead=true") != 0 {
		t.Errorf("counts")
	}
	f.fail("GET", "/api/v2/notifications/count?alreadyRead=no", f.member, "", 400, CodeInvalidRequest)
	f.ok("POST", "/api/v2/notifications/"+pitoa(mine[3])+"/markAsRead", f.member, "", 204, nil)
	f.fail("POST", "/api/v2/notifications/"+pitoa(mine[3])+"/markAsRead", f.viewer, "", 404, CodeNoResource)
	f.fail("POST", "/api/v2/notifications/x/markAsRead", f.member, "", 404, CodeNoResource)
	if count(f.member, "?alreadyRead=true") != 1 {
		t.Error("markAsRead did not mark")
	}
	// Pull-request notifications carry the PR, its repository and comment.
	f.locked(func(st *store) {
		r := &repository{ID: st.nextID("repo"), ProjectID: f.blg.ID, Name: "app", Description: "d"}
		pr := &pullRequest{ID: st.nextID("pr"), ProjectID: f.blg.ID, RepositoryID: r.ID, Number: 3, StatusID: 1,
			IssueID: &is.ID, CreatedUser: f.admin.ID, UpdatedUser: f.admin.ID}
		pc := &pullRequestComment{ID: st.nextID("prcomment"), PullRequestID: pr.ID, Content: "lgtm", CreatedUser: f.admin.ID}
		st.repos[r.ID], st.pullReqs[pr.ID], st.prComments[pc.ID] = r, pr, pc
		st.notify(f.member.ID, 11, f.admin, f.now, notificationRef{ProjectID: f.blg.ID, PullRequestID: pr.ID, PullRequestCommentID: pc.ID})
	})
	f.ok("GET", "/api/v2/notifications?count=1", f.member, "", 200, &list)
	pr, _ := list[0]["pullRequest"].(map[string]any)
	pc, _ := list[0]["pullRequestComment"].(map[string]any)
	repo, _ := list[0]["repository"].(map[string]any)
	if pr == nil || pr["number"].(float64) != 3 || pr["status"].(map[string]any)["name"] != "Open" ||
		pr["issue"].(map[string]any)["id"].(float64) != float64(is.ID) || pr["mergeAt"] != nil ||
		pc == nil || pc["content"] != "lgtm" || len(pc["changeLog"].([]any)) != 0 || repo == nil || repo["name"] != "app" ||
		list[0]["issue"] != nil || list[0]["comment"] != nil {
		t.Errorf("PR notification %v", list[0])
	}

	var reset map[string]float64
	f.ok("POST", "/api/v2/notifications/markAsRead", f.member, "", 200, &reset)
	if reset["count"] != 25 || count(f.member, "?alreadyRead=false") != 0 || count(f.viewer, "?alreadyRead=false") != 2 {
		t.Errorf("reset %v", reset)
	}
}
