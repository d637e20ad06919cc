package catalog

import (
	"fmt"
	"net/url"
)

// populate adds, through the emulator's write API, what a generated space
// lacks so that every table has rows: a webhook, a custom field limited to
// one issue type, related issues, stars on every kind of object, linked
// shared files, attachments on a wiki page and a pull request, document
// tags, a pull-request comment with a notification, recently viewed
// objects and a space announcement (Japanese text included).
func populate(tr *truth) {
	tr.t.Helper()
	projects := tr.projects()
	p := projects[0]
	pid := str(p["id"])
	issueTypes := tr.list("/projects/"+pid+"/issueTypes", nil)
	tr.send("POST", "/projects/"+pid+"/webhooks", url.Values{"name": {"通知フック"}, "hookUrl": {"https://hooks.example.com/backlog"},
		"allEvent": {"false"}, "activityTypeIds[]": {"1", "2", "3"}, "description": {"課題の変更を送る"}})
	tr.send("POST", "/projects/"+pid+"/webhooks", url.Values{"name": {"all"}, "hookUrl": {"https://hooks.example.com/all"}, "allEvent": {"true"}})
	tr.send("POST", "/projects/"+pid+"/customFields", url.Values{"typeId": {"1"}, "name": {"バグ専用"},
		"applicableIssueTypes[]": {str(issueTypes[0]["id"]), str(issueTypes[1]["id"])}})

	var inProject []obj
	for _, is := range tr.issues() {
		if str(is["projectId"]) == pid {
			inProject = append(inProject, is)
		}
	}
	a, b, c := inProject[0], inProject[1], inProject[2]
	tr.send("POST", "/issues/"+str(a["id"])+"/relatedIssues", url.Values{"targetIssueId": {str(b["id"])}})
	tr.send("POST", "/issues/"+str(a["id"])+"/relatedIssues", url.Values{"targetIssueId": {str(c["id"])}})
	tr.send("POST", "/stars", url.Values{"issueId": {str(a["id"])}})

	// Shared files: link the first two files of the project.
	var files []string
	for _, f := range tr.list("/projects/"+pid+"/files/metadata/", nil) {
		if f["type"] == "file" {
			files = append(files, str(f["id"]))
		}
	}
	for _, d := range tr.list("/projects/"+pid+"/files/metadata/", nil) {
		if d["type"] == "directory" && len(files) < 2 {
			for _, f := range tr.list("/projects/"+pid+"/files/metadata/"+url.PathEscape(str(d["name"])), nil) {
				if f["type"] == "file" {
					files = append(files, str(f["id"]))
				}
			}
		}
	}
	if len(files) > 2 {
		files = files[:2]
	}
	tr.send("POST", "/issues/"+str(b["id"])+"/sharedFiles", url.Values{"fileId[]": files})

	// A comment with a star and a notification.
	mine := tr.send("POST", "/issues/"+str(c["id"])+"/comments", url.Values{"content": {"テストコメント"}}).(obj)
	users := tr.list("/projects/"+pid+"/users", nil)
	tr.send("POST", "/stars", url.Values{"commentId": {str(mine["id"])}})

	// Wiki page: star, attachment, shared file; recently viewed.
	var wiki obj
	for _, w := range tr.wikis() {
		if str(w["projectId"]) == pid {
			wiki = w
			break
		}
	}
	wid := str(wiki["id"])
	tr.send("POST", "/stars", url.Values{"wikiId": {wid}})
	att := tr.upload("設計メモ.txt", "内容")
	tr.send("POST", "/wikis/"+wid+"/attachments", url.Values{"attachmentId[]": {att}})
	tr.send("POST", "/wikis/"+wid+"/sharedFiles", url.Values{"fileId[]": files[:1]})
	tr.send("POST", "/users/myself/recentlyViewedIssues", url.Values{"issueIdOrKey": {str(a["issueKey"])}})
	tr.send("POST", "/users/myself/recentlyViewedIssues", url.Values{"issueIdOrKey": {str(b["issueKey"])}})
	tr.send("POST", "/users/myself/recentlyViewedWikis", url.Values{"wikiId": {wid}})

	// Pull request with an attachment, a star, a comment with a star and a
	// notification.
	repos := tr.list("/projects/"+pid+"/git/repositories", nil)
	repo := fmt.Sprintf("/projects/%s/git/repositories/%s/pullRequests", pid, str(repos[0]["id"]))
	att = tr.upload("diff.patch", "--- a\n+++ b\n")
	pr := tr.send("POST", repo, url.Values{"summary": {"添付つきプルリクエスト"}, "description": {"説明"}, "base": {"main"},
		"branch": {"feature/添付"}, "attachmentId[]": {att}, "issueId": {str(a["id"])}}).(obj)
	tr.send("POST", "/stars", url.Values{"pullRequestId": {str(pr["id"])}})
	prc := tr.send("POST", repo+"/"+str(pr["number"])+"/comments", url.Values{"content": {"レビューしました"},
		"notifiedUserId[]": {str(users[len(users)-1]["id"])}}).(obj)
	tr.send("POST", "/stars", url.Values{"pullRequestCommentId": {str(prc["id"])}})
	tr.send("POST", "/issues/"+str(c["id"])+"/comments/"+str(mine["id"])+"/notifications",
		url.Values{"notifiedUserId[]": {str(users[len(users)-1]["id"])}})

	// Document tags.
	docs := tr.documents()
	tr.send("POST", "/documents/"+str(docs[0]["id"])+"/tags", url.Values{"tagNames[]": {"仕様", "draft"}})

	// A team with members that joins the project.
	team := tr.send("POST", "/teams", url.Values{"name": {"レビュー班"}, "members[]": {str(users[0]["id"]), str(users[len(users)-1]["id"])}}).(obj)
	tr.send("POST", "/projects/"+pid+"/teams", url.Values{"teamId": {str(team["id"])}})

	tr.send("PUT", "/space/notification", url.Values{"content": {"メンテナンスのお知らせ"}})
}
