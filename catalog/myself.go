package catalog

import (
	"encoding/json"

	"github.com/backlogsync/backlogsync/backlog"
)

// myselfDefs: the caller's own lists (notifications and recently viewed
// objects). They depend on whose API key the account uses.
func myselfDefs() []def {
	viewed := Change{Kind: ChangeFull, Note: "the caller's short list (at most 100 entries): re-read and diff by key"}
	return []def{
		{
			name: "Notifications", desc: "The notifications of the user whose key the account uses.",
			origin: "CData view",
			columns: cols(cInt("Id", "notification id"),
				cBool("AlreadyRead", "the notification was read"),
				cInt("Reason", "why it was sent (1 assigned, 2 commented, 3 issue added, 4 issue updated, 5 file added, 6 project user added, 9 other, 10–13 pull request)"),
				cBool("ResourceAlreadyRead", "the object was read"),
				nInt("ProjectId", "project id"), nInt("IssueId", "issue id, for issue notifications"),
				nInt("CommentId", "issue comment id"), nInt("RepositoryId", "repository id, for pull-request notifications"),
				nInt("PullRequestId", "pull request id"), nInt("PullRequestCommentId", "pull-request comment id"),
				nText("DocumentId", "document id, for document notifications"),
				cUser("Sender", "user whose action caused the notification"),
				cTime("Created", "when it was sent (UTC)")),
			key:      []string{"Id"},
			calls:    []Call{get("/notifications", "pages of 100 by id (asc)")},
			pushdown: []Pushdown{push("Id", "minId / maxId", "bounds passed one beyond and re-checked", rangeOps...), push("SenderId", "senderId", "", OpEq)},
			change:   Change{Kind: ChangeFull, Note: "new notifications have higher ids, but AlreadyRead changes in place: re-read and diff"},
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				lo, hi := q.intBounds("Id")
				opts := &backlog.NotificationListOptions{CursorOptions: *cursorOpts(lo, hi)}
				if ids, ok := q.ints("SenderId"); ok {
					switch len(ids) {
					case 0:
						return nil
					case 1:
						opts.SenderID = ids[0]
					}
				}
				return each(f.c.Notifications.ListIter(f.ctx, opts), func(n *backlog.Notification) error {
					r := f.row().set("Id", n.ID).set("AlreadyRead", n.AlreadyRead).set("Reason", n.Reason).
						set("ResourceAlreadyRead", n.ResourceAlreadyRead).user("Sender", n.Sender).set("Created", n.Created)
					if n.Project != nil {
						r.set("ProjectId", n.Project.ID)
					}
					if n.Issue != nil {
						r.set("IssueId", n.Issue.ID)
					}
					if n.Comment != nil {
						r.set("CommentId", n.Comment.ID)
					}
					if n.Repository != nil {
						r.set("RepositoryId", n.Repository.ID)
					}
					if n.PullRequest != nil {
						r.set("PullRequestId", n.PullRequest.ID)
					}
					if n.PullRequestComment != nil {
						r.set("PullRequestCommentId", n.PullRequestComment.ID)
					}
					var doc struct {
						ID *string `json:"id"`
					}
					if len(n.Document) > 0 && json.Unmarshal(n.Document, &doc) == nil {
						r.set("DocumentId", doc.ID)
					}
					return emit(r)
				})
			},
		},
		{
			name: "UserRecentlyViewedIssues", desc: "The issues the user whose key the account uses viewed recently.",
			origin: "CData view",
			columns: cols(cInt("IssueId", "issue id"), cText("IssueKey", "issue key"), cInt("ProjectId", "project id"),
				cText("Summary", "issue summary"), cTime("Viewed", "when the user last viewed it (UTC)")),
			key:    []string{"IssueId"},
			calls:  []Call{get("/users/myself/recentlyViewedIssues", "pages of 100")},
			change: viewed,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return each(f.c.Users.RecentlyViewedIssuesIter(f.ctx, nil), func(v *backlog.RecentlyViewedIssue) error {
					if v.Issue == nil {
						return nil
					}
					return emit(f.row().set("IssueId", v.Issue.ID).set("IssueKey", v.Issue.IssueKey).
						set("ProjectId", v.Issue.ProjectID).set("Summary", v.Issue.Summary).set("Viewed", v.Updated))
				})
			},
		},
		{
			name: "UserRecentlyViewedProjects", desc: "The projects the user whose key the account uses viewed recently.",
			origin: "CData view",
			columns: cols(cInt("ProjectId", "project id"), cText("ProjectKey", "project key"), cText("Name", "project name"),
				cTime("Viewed", "when the user last viewed it (UTC)")),
			key:    []string{"ProjectId"},
			calls:  []Call{get("/users/myself/recentlyViewedProjects", "pages of 100")},
			change: viewed,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return each(f.c.Users.RecentlyViewedProjectsIter(f.ctx, nil), func(v *backlog.RecentlyViewedProject) error {
					if v.Project == nil {
						return nil
					}
					return emit(f.row().set("ProjectId", v.Project.ID).set("ProjectKey", v.Project.ProjectKey).
						set("Name", v.Project.Name).set("Viewed", v.Updated))
				})
			},
		},
		{
			name: "UserRecentlyViewedWikiPages", desc: "The wiki pages the user whose key the account uses viewed recently.",
			origin: "CData view",
			columns: cols(cInt("WikiId", "wiki page id"), cInt("ProjectId", "project id"), cText("Name", "page name"),
				cTime("Viewed", "when the user last viewed it (UTC)")),
			key:    []string{"WikiId"},
			calls:  []Call{get("/users/myself/recentlyViewedWikis", "pages of 100")},
			change: viewed,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return each(f.c.Users.RecentlyViewedWikisIter(f.ctx, nil), func(v *backlog.RecentlyViewedWiki) error {
					if v.Page == nil {
						return nil
					}
					return emit(f.row().set("WikiId", v.Page.ID).set("ProjectId", v.Page.ProjectID).
						set("Name", v.Page.Name).set("Viewed", v.Updated))
				})
			},
		},
	}
}
