package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func (f *ctFixture) repo(t testing.TB, p *project, name string) *repository {
	t.Helper()
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	r, err := f.st.createRepository(f.member, f.tick(), p, name, "desc of "+name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// issue puts a bare issue of p into the store.
func (f *ctFixture) issue(p *project, summary string) *issue {
	st := f.st
	st.mu.Lock()
	defer st.mu.Unlock()
	p.NextKeyID++
	is := &issue{ID: st.nextID("issue"), ProjectID: p.ID, KeyID: p.NextKeyID, Summary: summary, Description: "d",
		PriorityID: 3, StatusID: StatusOpen, CreatedUser: f.member.ID, Created: f.now, UpdatedUser: f.member.ID, Updated: f.now}
	st.issues[is.ID] = is
	st.issueList = append(st.issueList, is)
	st.issueKeys[[2]int64{p.ID, is.KeyID}] = is
	return is
}

func (f *ctFixture) pr(t testing.TB, r *repository, by *user, in *pullRequestInput) *pullRequest {
	t.Helper()
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	if in.Summary == nil {
		in.Summary = ctStrp("PR")
	}
	if in.Description == nil {
		in.Description = ctStrp("")
	}
	if in.Base == nil {
		in.Base, in.Branch = ctStrp("main"), ctStrp("feature")
	}
	pr, err := f.st.createPullRequest(by, f.tick(), r, in)
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

func TestRepositories(t *testing.T) {
	f := newCT(t, Options{WebURL: "https://demo.backlog.jp"})
	r := f.repo(t, f.p, "app")
	f.repo(t, f.p, "web")
	if a := f.acts(ActGitRepositoryCreated); len(a) != 2 || keysOf(a[0]) != "repository" ||
		keysOf(a[0]["repository"].(map[string]any)) != "description,id,name" {
		t.Errorf("activity 13 %v", a)
	}
	var list []map[string]any
	if st := f.call(t, "GET", "/api/v2/projects/CNT/git/repositories", "kv", "", &list); st != 200 || names(list) != "app,web" {
		t.Fatalf("list: %d %v", st, list)
	}
	got := list[0]
	if keysOf(got) != "created,createdUser,description,displayOrder,hookUrl,httpUrl,id,name,projectId,pushedAt,sshUrl,updated,updatedUser" {
		t.Errorf("keys %s", keysOf(got))
	}
	if got["httpUrl"] != "https://demo.backlog.jp/git/CNT/app.git" || got["sshUrl"] != "demo@demo.git.backlog.jp:/CNT/app.git" ||
		got["pushedAt"] != nil || got["hookUrl"] != nil {
		t.Errorf("repository %v", got)
	}
	for _, idOrName := range []string{"app", strconv.FormatInt(r.ID, 10)} {
		var one map[string]any
		if st := f.call(t, "GET", "/api/v2/projects/CNT/git/repositories/"+idOrName, "km", "", &one); st != 200 || one["name"] != "app" {
			t.Errorf("GET %s: %d %v", idOrName, st, one)
		}
	}
	// Push.
	f.st.mu.Lock()
	if err := f.st.gitPush(f.member, f.tick(), r, "main", []gitRevision{{Comment: "first"}, {Rev: "abc", Comment: "second"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.gitPush(f.member, f.tick(), r, "refs/heads/dev", nil); err != nil {
		t.Fatal(err)
	}
	if err := f.st.gitPush(f.member, f.now, r, "", nil); err == nil {
		t.Error("push without ref accepted")
	}
	if _, err := f.st.createRepository(f.member, f.now, f.p, "APP", ""); err == nil {
		t.Error("duplicate repository name accepted")
	}
	for _, bad := range []string{"", "a b", "123", "..", "ü"} {
		if _, err := f.st.createRepository(f.member, f.now, f.p, bad, ""); err == nil {
			t.Errorf("repository name %q accepted", bad)
		}
	}
	f.st.mu.Unlock()
	a12 := f.acts(ActGitPushed)
	if len(a12) != 2 || a12[0]["change_type"] != "create" || a12[1]["change_type"] != "update" ||
		a12[0]["ref"] != "refs/heads/main" || a12[0]["revision_count"] != 2.0 || a12[0]["revision_type"] != "commit" {
		t.Fatalf("activity 12 %v", a12)
	}
	revs := toMaps(a12[0]["revisions"])
	if len(revs[0]["rev"].(string)) != 40 || revs[1]["rev"] != "abc" || revs[1]["comment"] != "second" {
		t.Errorf("revisions %v", revs)
	}
	var one map[string]any
	if f.call(t, "GET", "/api/v2/projects/CNT/git/repositories/app", "km", "", &one); one["pushedAt"] != "2026-03-01T09:04:00Z" {
		t.Errorf("pushedAt %v", one["pushedAt"])
	}

	// Default web URL: sshUrl on backlog.com.
	g := newCT(t, Options{})
	g.repo(t, g.p, "x")
	g.call(t, "GET", "/api/v2/projects/CNT/git/repositories/x", "km", "", &one)
	if one["httpUrl"] != "https://demo.backlog.com/git/CNT/x.git" || one["sshUrl"] != "demo@demo.git.backlog.com:/CNT/x.git" {
		t.Errorf("default URLs %v", one)
	}
}

func TestPullRequestLifecycle(t *testing.T) {
	f := newCT(t, Options{})
	r := f.repo(t, f.p, "app")
	is := f.issue(f.p, "linked issue")
	base := "/api/v2/projects/CNT/git/repositories/app/pullRequests"
	var pr map[string]any
	body := form("summary", "Fix", "description", "please merge", "base", "main", "branch", "fix",
		"issueId", strconv.FormatInt(is.ID, 10), "assigneeId", strconv.FormatInt(f.padmin.ID, 10),
		"notifiedUserId[]", strconv.FormatInt(f.viewer.ID, 10))
	if st := f.call(t, "POST", base, "km", body, &pr); st != 200 {
		t.Fatalf("POST: %d", st)
	}
	if keysOf(pr) != "assignee,attachments,base,baseCommit,branch,branchCommit,closeAt,created,createdUser,description,id,issue,mergeAt,mergeCommit,number,projectId,repositoryId,stars,status,summary,updated,updatedUser" {
		t.Errorf("keys %s", keysOf(pr))
	}
	if pr["number"] != 1.0 || pr["status"].(map[string]any)["name"] != "Open" || pr["repositoryId"] != float64(r.ID) ||
		pr["issue"].(map[string]any)["issueKey"] != "CNT-1" || pr["mergeCommit"] != nil || pr["closeAt"] != nil {
		t.Errorf("PR %v", pr)
	}
	a18 := f.acts(ActPullRequestAdded)
	if len(a18) != 1 || a18[0]["comment"] != nil || len(a18[0]["changes"].([]any)) != 0 ||
		a18[0]["issue"].(map[string]any)["key_id"] != 1.0 || a18[0]["repository"].(map[string]any)["name"] != "app" ||
		keysOf(a18[0]) != "changes,comment,description,id,issue,number,repository,summary" {
		t.Errorf("activity 18 %v", a18)
	}
	// The list shows the issue as {id} only.
	var list []map[string]any
	f.call(t, "GET", base, "km", "", &list)
	if len(list) != 1 || keysOf(list[0]["issue"].(map[string]any)) != "id" {
		t.Errorf("list issue %v", list[0]["issue"])
	}

	// Update: summary and assignee change; a change comment is recorded.
	f.tick()
	var up map[string]any
	if st := f.call(t, "PATCH", base+"/1", "kp", form("summary", "Fix it", "assigneeId", "", "comment", "retitled"), &up); st != 200 {
		t.Fatalf("PATCH: %d", st)
	}
	if up["summary"] != "Fix it" || up["assignee"] != nil || up["updatedUser"].(map[string]any)["userId"] != "padmin" {
		t.Errorf("after PATCH %v", up)
	}
	var comments []map[string]any
	f.call(t, "GET", base+"/1/comments", "km", "", &comments)
	if len(comments) != 1 || comments[0]["content"] != "retitled" {
		t.Fatalf("change comment %v", comments)
	}
	cl := toMaps(comments[0]["changeLog"])
	if len(cl) != 2 || cl[0]["field"] != "summary" || cl[0]["originalValue"] != "Fix" || cl[0]["newValue"] != "Fix it" ||
		cl[1]["field"] != "assignee" || cl[1]["originalValue"] != "Padmin" || cl[1]["newValue"] != nil {
		t.Errorf("changeLog %v", cl)
	}
	a19 := f.acts(ActPullRequestUpdated)
	if len(a19) != 1 || a19[0]["comment"].(map[string]any)["content"] != "retitled" || len(a19[0]["changes"].([]any)) != 2 {
		t.Errorf("activity 19 %v", a19)
	}
	// Linking another issue records a dependentIssue change.
	is2 := f.issue(f.p, "second")
	f.call(t, "PATCH", base+"/1", "km", form("issueId", strconv.FormatInt(is2.ID, 10)), &up)
	f.call(t, "GET", base+"/1/comments?count=1", "km", "", &comments)
	if cl := toMaps(comments[0]["changeLog"]); len(cl) != 1 || cl[0]["field"] != "dependentIssue" ||
		cl[0]["originalValue"] != "CNT-1" || cl[0]["newValue"] != "CNT-2" {
		t.Errorf("dependentIssue change %v", cl)
	}
	if up["issue"].(map[string]any)["issueKey"] != "CNT-2" {
		t.Errorf("issue after PATCH %v", up["issue"])
	}
	// Nothing changed and no comment: no new comment.
	f.call(t, "PATCH", base+"/1", "km", form("summary", "Fix it"), nil)
	if f.call(t, "GET", base+"/1/comments/count", "km", "", &up); up["count"] != 2.0 {
		t.Errorf("comment count %v", up)
	}

	// Merge (internal; the API cannot merge).
	f.st.mu.Lock()
	merged := PRMerged
	prObj := r.PullRequests[0]
	if err := f.st.updatePullRequest(f.padmin, f.tick(), prObj, &pullRequestInput{StatusID: &merged}); err != nil {
		t.Fatal(err)
	}
	bad := 9
	if err := f.st.updatePullRequest(f.padmin, f.now, prObj, &pullRequestInput{StatusID: &bad}); err == nil {
		t.Error("status 9 accepted")
	}
	f.st.mu.Unlock()
	f.call(t, "GET", base+"/1", "km", "", &pr)
	if pr["status"].(map[string]any)["id"] != 3.0 || pr["status"].(map[string]any)["name"] != "Merged" ||
		pr["mergeAt"] == nil || pr["closeAt"] == nil || len(pr["mergeCommit"].(string)) != 40 {
		t.Errorf("merged PR %v", pr)
	}
	if a21 := f.acts(ActPullRequestMerged); len(a21) != 1 || toMaps(a21[0]["changes"])[0]["new_value"] != "3" ||
		toMaps(a21[0]["changes"])[0]["old_value"] != "1" {
		t.Errorf("activity 21 %v", a21)
	}

	// Comment and edit it.
	var c map[string]any
	if st := f.call(t, "POST", base+"/1/comments", "kp", form("content", "LGTM", "notifiedUserId[]", strconv.FormatInt(f.member.ID, 10)), &c); st != 200 {
		t.Fatalf("comment: %d", st)
	}
	if keysOf(c) != "changeLog,content,created,createdUser,id,notifications,stars,updated" || len(c["changeLog"].([]any)) != 0 {
		t.Errorf("comment %v", c)
	}
	if n := toMaps(c["notifications"]); len(n) != 1 || n[0]["reason"] != 11.0 || n[0]["user"].(map[string]any)["userId"] != "member" {
		t.Errorf("comment notifications %v", c["notifications"])
	}
	if a20 := f.acts(ActPullRequestCommented); len(a20) != 1 || a20[0]["comment"].(map[string]any)["content"] != "LGTM" {
		t.Errorf("activity 20 %v", a20)
	}
	cid := strconv.FormatInt(int64(c["id"].(float64)), 10)
	f.wantErr(t, "PATCH", base+"/1/comments/"+cid, "km", form("content", "hijack"), 403, CodeUnauthorizedOperation, "")
	if st := f.call(t, "PATCH", base+"/1/comments/"+cid, "kp", form("content", "LGTM!"), &c); st != 200 || c["content"] != "LGTM!" {
		t.Errorf("edit comment: %d %v", st, c)
	}
}

func TestPullRequestPagingAndFilters(t *testing.T) {
	f := newCT(t, Options{})
	r := f.repo(t, f.p, "app")
	is := f.issue(f.p, "i")
	for i := 1; i <= 5; i++ {
		in := &pullRequestInput{Summary: ctStrp(fmt.Sprintf("P%d", i))}
		if i%2 == 0 {
			in.AssigneeID = opt[int64]{Set: true, Value: &f.padmin.ID}
			in.IssueID = opt[int64]{Set: true, Value: &is.ID}
		}
		by := f.member
		if i == 5 {
			by = f.padmin
		}
		f.pr(t, r, by, in)
	}
	closed := PRClosed
	f.st.mu.Lock()
	if err := f.st.updatePullRequest(f.member, f.tick(), r.PullRequests[0], &pullRequestInput{StatusID: &closed}); err != nil {
		t.Fatal(err)
	}
	f.st.mu.Unlock()
	base := "/api/v2/projects/CNT/git/repositories/app/pullRequests"
	summaries := func(list []map[string]any) string {
		var out []string
		for _, m := range list {
			out = append(out, fmt.Sprint(m["summary"]))
		}
		return strings.Join(out, ",")
	}
	cases := []struct{ query, want string }{
		{"", "P5,P4,P3,P2,P1"},
		{"?count=2", "P5,P4"},
		{"?count=2&offset=2", "P3,P2"},
		{"?count=2&offset=4", "P1"},
		{"?count=5&offset=5", ""},
		{"?statusId[]=2", "P1"},
		{"?statusId[]=1&count=2", "P5,P4"},
		{"?statusId[]=1&statusId[]=2&offset=3", "P2,P1"},
		{fmt.Sprintf("?assigneeId[]=%d", f.padmin.ID), "P4,P2"},
		{fmt.Sprintf("?issueId[]=%d&offset=1", is.ID), "P2"},
		{fmt.Sprintf("?createdUserId[]=%d", f.padmin.ID), "P5"},
		{"?assigneeId[]=1", ""},
	}
	for _, c := range cases {
		var list []map[string]any
		if st := f.call(t, "GET", base+c.query, "km", "", &list); st != 200 || summaries(list) != c.want {
			t.Errorf("%s: %d %q, want %q", c.query, st, summaries(list), c.want)
		}
		// The count ignores offset/count and applies the same filters.
		if !strings.Contains(c.query, "count=") && !strings.Contains(c.query, "offset=") {
			var n map[string]int
			f.call(t, "GET", base+"/count"+c.query, "km", "", &n)
			if want := len(strings.Split(c.want, ",")); c.want != "" && n["count"] != want || c.want == "" && n["count"] != 0 {
				t.Errorf("count%s = %d", c.query, n["count"])
			}
		}
	}
	for _, q := range []string{"?count=0", "?count=101", "?offset=-1", "?statusId[]=x", "?assigneeId[]=1.5"} {
		f.wantErr(t, "GET", base+q, "km", "", 400, CodeInvalidRequest, "")
	}
	f.wantErr(t, "GET", base+"/count?issueId[]=x", "km", "", 400, CodeInvalidRequest, "")
}

func TestPullRequestCommentCursor(t *testing.T) {
	f := newCT(t, Options{})
	r := f.repo(t, f.p, "app")
	pr := f.pr(t, r, f.member, &pullRequestInput{})
	var ids []int64
	f.st.mu.Lock()
	for i := 1; i <= 4; i++ {
		c, err := f.st.addPullRequestComment(f.member, f.tick(), pr, fmt.Sprintf("c%d", i), nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	f.st.mu.Unlock()
	base := "/api/v2/projects/CNT/git/repositories/app/pullRequests/1/comments"
	cases := []struct{ query, want string }{
		{"", "c4,c3,c2,c1"},
		{"?count=2", "c4,c3"},
		{"?order=asc&count=2", "c1,c2"},
		{fmt.Sprintf("?order=asc&count=2&minId=%d", ids[1]), "c3,c4"},
		{fmt.Sprintf("?order=asc&count=2&minId=%d", ids[3]), ""},
		{fmt.Sprintf("?maxId=%d", ids[2]), "c2,c1"},
		{fmt.Sprintf("?minId=%d&maxId=%d", ids[0], ids[3]), "c3,c2"},
	}
	for _, c := range cases {
		var list []map[string]any
		f.call(t, "GET", base+c.query, "km", "", &list)
		var got []string
		for _, m := range list {
			got = append(got, m["content"].(string))
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%s: %v, want %s", c.query, got, c.want)
		}
	}
	for _, q := range []string{"?count=0", "?count=101", "?order=x", "?minId=x"} {
		f.wantErr(t, "GET", base+q, "km", "", 400, CodeInvalidRequest, "")
	}
	var n map[string]int
	if f.call(t, "GET", base+"/count", "km", "", &n); n["count"] != 4 {
		t.Errorf("count %v", n)
	}
}

func TestPullRequestAttachments(t *testing.T) {
	f := newCT(t, Options{})
	f.repo(t, f.p, "app")
	base := "/api/v2/projects/CNT/git/repositories/app/pullRequests"
	up := f.upload(f.member, "diff.patch", 12)
	var pr map[string]any
	if st := f.call(t, "POST", base, "km", form("summary", "S", "description", "", "base", "main", "branch", "b",
		"attachmentId[]", strconv.FormatInt(up, 10)), &pr); st != 200 || len(pr["attachments"].([]any)) != 1 {
		t.Fatalf("POST with attachment: %d %v", st, pr)
	}
	// A comment with an upload attaches it to the pull request.
	up2 := f.upload(f.member, "log.txt", 3)
	if st := f.call(t, "POST", base+"/1/comments", "km", form("content", "see log", "attachmentId[]", strconv.FormatInt(up2, 10)), nil); st != 200 {
		t.Fatalf("comment with attachment: %d", st)
	}
	var atts []map[string]any
	if f.call(t, "GET", base+"/1/attachments", "km", "", &atts); names(atts) != "diff.patch,log.txt" {
		t.Errorf("attachments %v", atts)
	}
	st, _, data := do(t, f.s, "GET", fmt.Sprintf("%s/1/attachments/%d", base, up), "kv", "")
	if st != 200 || len(data) != 12 {
		t.Errorf("download %d %d", st, len(data))
	}
	att := fmt.Sprintf("%s/1/attachments/%d", base, up)
	f.wantErr(t, "DELETE", att, "kv", "", 403, CodeUnauthorizedOperation, "")
	var gone map[string]any
	if st := f.call(t, "DELETE", att, "km", "", &gone); st != 200 || gone["name"] != "diff.patch" {
		t.Errorf("delete attachment: %d %v", st, gone)
	}
	f.wantErr(t, "GET", att, "km", "", 404, CodeNoResource, "No attachment.")
	f.wantErr(t, "DELETE", att, "km", "", 404, CodeNoResource, "No attachment.")
}

func TestGitErrors(t *testing.T) {
	f := newCT(t, Options{})
	f.repo(t, f.p, "app")
	f.repo(t, f.off, "hidden")
	f.pr(t, f.p.Repositories[0], f.member, &pullRequestInput{})
	other := f.issue(f.off, "elsewhere")
	base := "/api/v2/projects/CNT/git/repositories/app/pullRequests"
	ok := form("summary", "S", "description", "D", "base", "main", "branch", "b")
	cases := []struct {
		method, path, key, body string
		status, code            int
		msg                     string
	}{
		{"GET", "/api/v2/projects/NOPE/git/repositories", "km", "", 404, CodeNoResource, "No project."},
		{"GET", "/api/v2/projects/CNT/git/repositories", "ko", "", 404, CodeNoResource, "No project."},
		{"GET", "/api/v2/projects/OFF/git/repositories", "km", "", 404, CodeNoResource, "No repository."},
		{"GET", "/api/v2/projects/OFF/git/repositories/hidden", "km", "", 404, CodeNoResource, "No repository."},
		{"GET", "/api/v2/projects/CNT/git/repositories/nope", "km", "", 404, CodeNoResource, "No repository."},
		{"GET", "/api/v2/projects/CNT/git/repositories/" + strconv.FormatInt(f.off.Repositories[0].ID, 10), "km", "", 404, CodeNoResource, "No repository."},
		{"GET", base + "/2", "km", "", 404, CodeNoResource, "No pull request."},
		{"GET", base + "/x", "km", "", 404, CodeNoResource, "No pull request."},
		{"GET", base + "/1/comments/count", "ko", "", 404, CodeNoResource, "No project."},
		{"GET", base + "/1/attachments/5", "km", "", 404, CodeNoResource, "No attachment."},
		{"POST", base, "km", form("description", "D", "base", "main", "branch", "b"), 400, CodeInvalidRequest, "summary"},
		{"POST", base, "km", form("summary", "S", "base", "main", "branch", "b"), 400, CodeInvalidRequest, "description"},
		{"POST", base, "km", form("summary", "S", "description", "D", "branch", "b"), 400, CodeInvalidRequest, "base"},
		{"POST", base, "km", form("summary", "S", "description", "D", "base", "main"), 400, CodeInvalidRequest, "branch"},
		{"POST", base, "km", form("summary", "S", "description", "D", "base", "main", "branch", "main"), 400, CodeInvalidRequest, "differ"},
		{"POST", base, "km", ok + "&issueId=" + strconv.FormatInt(other.ID, 10), 400, CodeInvalidRequest, "issueId"},
		{"POST", base, "km", ok + "&issueId=abc", 400, CodeInvalidRequest, "issueId"},
		{"POST", base, "km", ok + "&assigneeId=" + strconv.FormatInt(f.outside.ID, 10), 400, CodeInvalidRequest, "assigneeId"},
		{"POST", base, "km", ok + "&notifiedUserId[]=1", 400, CodeInvalidRequest, "notifiedUserId"},
		{"POST", base, "km", ok + "&attachmentId[]=77", 400, CodeInvalidRequest, "attachmentId"},
		{"POST", base, "kv", ok, 403, CodeUnauthorizedOperation, ""},
		{"POST", base, "ko", ok, 404, CodeNoResource, "No project."},
		{"PATCH", base + "/1", "km", form("summary", ""), 400, CodeInvalidRequest, "summary"},
		{"PATCH", base + "/1", "km", form("assigneeId", "x"), 400, CodeInvalidRequest, "assigneeId"},
		{"PATCH", base + "/1", "kv", form("summary", "x"), 403, CodeUnauthorizedOperation, ""},
		{"PATCH", base + "/9", "km", form("summary", "x"), 404, CodeNoResource, "No pull request."},
		{"POST", base + "/1/comments", "km", "", 400, CodeInvalidRequest, "content"},
		{"POST", base + "/1/comments", "km", form("content", "x", "attachmentId[]", "55"), 400, CodeInvalidRequest, "attachmentId"},
		{"POST", base + "/1/comments", "kv", form("content", "x"), 403, CodeUnauthorizedOperation, ""},
		{"PATCH", base + "/1/comments/1", "km", form("content", "x"), 404, CodeNoResource, "No comment."},
		{"PATCH", base + "/1/comments/abc", "km", form("content", "x"), 404, CodeNoResource, "No comment."},
		{"PATCH", base + "/1/comments/1", "km", "", 400, CodeInvalidRequest, "content"},
		{"DELETE", base + "/1", "km", "", 405, CodeInvalidRequest, ""},
	}
	for _, c := range cases {
		f.wantErr(t, c.method, c.path, c.key, c.body, c.status, c.code, c.msg)
	}
}

func BenchmarkPullRequestList(b *testing.B) {
	f := newCT(b, Options{})
	r := f.repo(b, f.p, "app")
	is := f.issue(f.p, "i")
	for i := 0; i < 1000; i++ {
		f.pr(b, r, f.member, &pullRequestInput{IssueID: opt[int64]{Set: true, Value: &is.ID}})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if st, _, _ := do(b, f.s, "GET", "/api/v2/projects/CNT/git/repositories/app/pullRequests?count=100&offset=500", "km", ""); st != 200 {
			b.Fatal(st)
		}
	}
}

func BenchmarkDocumentList(b *testing.B) {
	f := newCT(b, Options{})
	for i := 0; i < 1000; i++ {
		f.doc(b, f.member, f.p, fmt.Sprintf("D%d", i), "# h\nbody", "", true)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if st, _, _ := do(b, f.s, "GET", "/api/v2/documents?offset=0&count=100", "km", ""); st != 200 {
			b.Fatal(st)
		}
	}
}
