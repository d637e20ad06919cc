package catalog

import (
	"github.com/backlogsync/backlogsync/backlog"
)

// pullRequestCommentDefs: pull-request comments and their change logs,
// notifications and stars.
func pullRequestCommentDefs() []def {
	calls := []Call{projectsCall, reposCall, prsCall,
		get("/projects/:projectIdOrKey/git/repositories/:repoIdOrName/pullRequests/:number/comments", "per pull request, pages of 100 by id (asc)")}
	change := Change{Kind: ChangeParent, Signals: []backlog.ActivityType{backlog.ActivityPullRequestUpdated, backlog.ActivityPullRequestCommented},
		Note: "re-read the comments of the pull requests the signals name (minId = last comment id)"}
	pushdown := func(idCol string) []Pushdown {
		return append(repoPushdown(),
			push("PullRequestId", "only those pull requests' comment calls are made", "", eqIn...),
			push(idCol, "minId / maxId (per pull request)", "bounds passed one beyond and re-checked", rangeOps...))
	}
	commentKey := map[string]string{"ProjectId": "ProjectId", "RepositoryId": "RepositoryId", "PullRequestId": "PullRequestId", "CommentId": "Id"}
	child := func(name, desc string, columns []column, key []string, fill func(f *fetcher, c *backlog.PullRequestComment, emit func(*row) error) error) def {
		return def{name: name, desc: desc, origin: "CData view", parent: "PullRequestComments", parentKeys: commentKey,
			columns: cols(cInt("CommentId", "pull-request comment id"), cInt("PullRequestId", "pull request id"),
				cInt("ProjectId", "project id"), cInt("RepositoryId", "repository id"), columns),
			key: append([]string{"CommentId"}, key...), calls: calls, pushdown: pushdown("CommentId"), change: change,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				lo, hi := q.intBounds("CommentId")
				return f.pullRequestComments(q, cursorOpts(lo, hi), func(pr *backlog.PullRequest, c *backlog.PullRequestComment) error {
					return fill(f, c, func(r *row) error {
						return emit(r.set("CommentId", c.ID).set("PullRequestId", pr.ID).set("ProjectId", pr.ProjectID).set("RepositoryId", pr.RepositoryID))
					})
				})
			}}
	}
	return []def{
		{
			name: "PullRequestComments", desc: "The comments of each pull request (updates are comments with a change log).",
			origin: "CData table", parent: "PullRequests", parentKeys: prKey,
			columns: cols(cInt("Id", "comment id"), cInt("PullRequestId", "pull request id"), cInt("ProjectId", "project id"),
				cInt("RepositoryId", "repository id"), cInt("PullRequestNumber", "pull request number"),
				cText("Content", "comment text"), cCreated("comment"), cTime("Updated", "when the comment was last edited (UTC)")),
			key: []string{"Id"}, calls: calls, pushdown: pushdown("Id"), change: change,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				lo, hi := q.intBounds("Id")
				return f.pullRequestComments(q, cursorOpts(lo, hi), func(pr *backlog.PullRequest, c *backlog.PullRequestComment) error {
					return emit(f.row().set("Id", c.ID).set("PullRequestId", pr.ID).set("ProjectId", pr.ProjectID).
						set("RepositoryId", pr.RepositoryID).set("PullRequestNumber", pr.Number).set("Content", c.Content).
						user("CreatedUser", c.CreatedUser).set("Created", c.Created).set("Updated", c.Updated))
				})
			},
		},
		child("PullRequestCommentChangeLog", "The field changes recorded on each pull-request comment.",
			changeLogColumns(), []string{"Seq"},
			func(f *fetcher, c *backlog.PullRequestComment, emit func(*row) error) error {
				for i, ch := range c.ChangeLog {
					if err := emit(f.row().setChange(i+1, ch)); err != nil {
						return err
					}
				}
				return nil
			}),
		child("PullRequestCommentNotifications", "The users notified of each pull-request comment.",
			commentNotificationColumns(), []string{"Id"},
			func(f *fetcher, c *backlog.PullRequestComment, emit func(*row) error) error {
				for _, n := range c.Notifications {
					if err := emit(f.row().setCommentNotification(n)); err != nil {
						return err
					}
				}
				return nil
			}),
		child("PullRequestCommentStars", "The stars given to each pull-request comment.",
			starColumns(), []string{"Id"},
			func(f *fetcher, c *backlog.PullRequestComment, emit func(*row) error) error {
				for _, s := range c.Stars {
					if err := emit(f.row().setStar(s)); err != nil {
						return err
					}
				}
				return nil
			}),
	}
}

// pullRequestComments calls fn for every comment of every pull request q
// (in the comment tables' columns) allows.
func (f *fetcher) pullRequestComments(q *Query, opts *backlog.CursorOptions, fn func(*backlog.PullRequest, *backlog.PullRequestComment) error) error {
	pq := q.translate(map[string]string{"ProjectId": "ProjectId", "RepositoryId": "RepositoryId", "PullRequestId": "Id"})
	return f.pullRequests(&pq, func(pr *backlog.PullRequest) error {
		if f.unchanged(KindPullRequest, itoa(pr.ID), pr.Updated) {
			return nil
		}
		list, err := memo(f, key("pullRequestComments", pr.ID, *opts), func() ([]*backlog.PullRequestComment, error) {
			return collect(f.c.Git.PullRequestCommentsIter(f.ctx, itoa(pr.ProjectID), itoa(pr.RepositoryID), pr.Number, opts))
		})
		if notFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, c := range list {
			if err := fn(pr, c); err != nil {
				return err
			}
		}
		return nil
	})
}
