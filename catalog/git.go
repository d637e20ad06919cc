package catalog

import (
	"github.com/backlogsync/backlogsync/backlog"
)

var (
	prSignals = []backlog.ActivityType{backlog.ActivityPullRequestAdded, backlog.ActivityPullRequestUpdated,
		backlog.ActivityPullRequestCommented, backlog.ActivityPullRequestMerged}
	reposCall = get("/projects/:projectIdOrKey/git/repositories", "per project")
	prsCall   = get("/projects/:projectIdOrKey/git/repositories/:repoIdOrName/pullRequests", "per repository, pages of 100")
	repoKey   = map[string]string{"ProjectId": "ProjectId", "RepositoryId": "Id"}
	prKey     = map[string]string{"ProjectId": "ProjectId", "RepositoryId": "RepositoryId", "PullRequestId": "Id"}
)

// prPushdown are the predicates GET …/pullRequests answers.
var prParams = []struct {
	column, param string
	set           func(o *backlog.PullRequestListOptions, ids []int64)
}{
	{"StatusId", "statusId[]", func(o *backlog.PullRequestListOptions, v []int64) { o.StatusIDs = v }},
	{"AssigneeId", "assigneeId[]", func(o *backlog.PullRequestListOptions, v []int64) { o.AssigneeIDs = v }},
	{"IssueId", "issueId[]", func(o *backlog.PullRequestListOptions, v []int64) { o.IssueIDs = v }},
	{"CreatedUserId", "createdUserId[]", func(o *backlog.PullRequestListOptions, v []int64) { o.CreatedUserIDs = v }},
}

func repoPushdown() []Pushdown {
	return []Pushdown{pushProject, push("RepositoryId", "only those repositories' calls are made", "", eqIn...)}
}

// gitDefs: repositories and pull requests.
func gitDefs() []def {
	prPush := repoPushdown()
	for _, p := range prParams {
		prPush = append(prPush, push(p.column, p.param, "", eqIn...))
	}
	prChange := Change{Kind: ChangeFull, Signals: prSignals,
		Note: "no updatedSince for pull requests: re-read the repositories the signals name and diff by key"}
	prChild := func(name, desc, origin string, columns []column, key []string, fill func(f *fetcher, pr *backlog.PullRequest, emit func(*row) error) error) def {
		return def{name: name, desc: desc, origin: origin, parent: "PullRequests", parentKeys: prKey,
			columns:  cols(cInt("PullRequestId", "pull request id"), cInt("ProjectId", "project id"), cInt("RepositoryId", "repository id"), columns),
			key:      append([]string{"PullRequestId"}, key...),
			calls:    []Call{projectsCall, reposCall, get(prsCall.Path, "per repository, pages of 100 (embedded in each pull request)")},
			pushdown: repoPushdown(), change: prChange,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				pq := q.translate(prKey)
				return f.pullRequests(&pq, func(pr *backlog.PullRequest) error {
					return fill(f, pr, func(r *row) error {
						return emit(r.set("PullRequestId", pr.ID).set("ProjectId", pr.ProjectID).set("RepositoryId", pr.RepositoryID))
					})
				})
			}}
	}
	return []def{
		{
			name: "Repositories", desc: "The Git repositories of every project.",
			origin: "CData view", parent: "Projects", parentKeys: projectKey,
			columns: cols(cInt("ProjectId", "project id"), cInt("Id", "repository id"), cText("Name", "repository name"),
				cText("Description", "description"), nText("HookUrl", "push webhook URL; NULL when none"),
				cText("HttpUrl", "clone URL over HTTPS"), cText("SshUrl", "clone URL over SSH"),
				cInt("DisplayOrder", "display order"), nTime("PushedAt", "last push (UTC); NULL if never pushed"),
				cCreated("repository"), cUpdated("repository")),
			key: []string{"Id"}, calls: []Call{projectsCall, reposCall}, pushdown: []Pushdown{pushProject},
			change: Change{Kind: ChangeFull, Signals: []backlog.ActivityType{backlog.ActivityGitPushed, backlog.ActivityGitRepositoryCreated},
				Note: "one short list per project: re-read and diff by key"},
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				pq := q.translate(map[string]string{"ProjectId": "ProjectId", "Id": "RepositoryId"})
				return f.repositories(&pq, func(pid int64, rp *backlog.Repository) error {
					return emit(f.row().set("ProjectId", pid).set("Id", rp.ID).set("Name", rp.Name).set("Description", rp.Description).
						set("HookUrl", rp.HookURL).set("HttpUrl", rp.HTTPURL).set("SshUrl", rp.SSHURL).
						set("DisplayOrder", rp.DisplayOrder).set("PushedAt", rp.PushedAt).
						user("CreatedUser", rp.CreatedUser).set("Created", rp.Created).
						user("UpdatedUser", rp.UpdatedUser).set("Updated", rp.Updated))
				})
			},
		},
		{
			name: "PullRequests", desc: "The pull requests of every repository.",
			origin: "CData table", parent: "Repositories", parentKeys: repoKey,
			columns: cols(cInt("ProjectId", "project id"), cInt("RepositoryId", "repository id"), cInt("Id", "pull request id"),
				cInt("Number", "number within the repository"), cText("Summary", "summary (title)"), cText("Description", "description"),
				cText("Base", "base branch"), cText("Branch", "branch to merge"),
				nInt("StatusId", "status: 1 open, 2 closed, 3 merged"), nText("StatusName", "status name"),
				cUser("Assignee", "assignee; NULL when unassigned"),
				nInt("IssueId", "related issue id; NULL when none"),
				nText("BaseCommit", "base commit hash"), nText("BranchCommit", "branch commit hash"),
				nText("MergeCommit", "merge commit hash; NULL unless merged"),
				nTime("CloseAt", "when it was closed (UTC)"), nTime("MergeAt", "when it was merged (UTC)"),
				cCreated("pull request"), cUpdated("pull request")),
			key: []string{"Id"}, calls: []Call{projectsCall, reposCall, prsCall}, pushdown: prPush, change: prChange,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.pullRequests(q, func(pr *backlog.PullRequest) error {
					r := f.row().set("ProjectId", pr.ProjectID).set("RepositoryId", pr.RepositoryID).set("Id", pr.ID).
						set("Number", pr.Number).set("Summary", pr.Summary).set("Description", pr.Description).
						set("Base", pr.Base).set("Branch", pr.Branch).user("Assignee", pr.Assignee).
						set("BaseCommit", pr.BaseCommit).set("BranchCommit", pr.BranchCommit).set("MergeCommit", pr.MergeCommit).
						set("CloseAt", pr.CloseAt).set("MergeAt", pr.MergeAt).
						user("CreatedUser", pr.CreatedUser).set("Created", pr.Created).
						user("UpdatedUser", pr.UpdatedUser).set("Updated", pr.Updated)
					if s := pr.Status; s != nil {
						r.set("StatusId", s.ID).set("StatusName", s.Name)
					}
					if is := pr.Issue; is != nil {
						r.set("IssueId", is.ID)
					}
					return emit(r)
				})
			},
		},
		prChild("PullRequestAttachments", "The files attached to each pull request (metadata).", "CData table",
			attachmentColumns(), []string{"Id"},
			func(f *fetcher, pr *backlog.PullRequest, emit func(*row) error) error {
				for _, a := range pr.Attachments {
					if err := emit(f.row().setAttachment(a)); err != nil {
						return err
					}
				}
				return nil
			}),
		prChild("PullRequestStars", "The stars given to each pull request.", "",
			starColumns(), []string{"Id"},
			func(f *fetcher, pr *backlog.PullRequest, emit func(*row) error) error {
				for _, s := range pr.Stars {
					if err := emit(f.row().setStar(s)); err != nil {
						return err
					}
				}
				return nil
			}),
	}
}

// repositories calls fn for every repository q allows (q in the columns
// ProjectId and RepositoryId).
func (f *fetcher) repositories(q *Query, fn func(pid int64, r *backlog.Repository) error) error {
	ids, restricted := q.ints("RepositoryId")
	if restricted && len(ids) == 0 {
		return nil
	}
	return f.projectIDs(q.translate(projectKey), func(pid int64) error {
		list, err := memo(f, key("repositories", pid), func() ([]*backlog.Repository, error) {
			l, _, err := f.c.Git.ListRepositories(f.ctx, itoa(pid))
			return l, err
		})
		if err != nil {
			return err
		}
		for _, rp := range list {
			if restricted && !containsInt(ids, rp.ID) {
				continue
			}
			if err := fn(pid, rp); err != nil {
				return err
			}
		}
		return nil
	})
}

// pullRequests calls fn for every pull request q (in PullRequests' columns)
// allows, pushing the list filters.
func (f *fetcher) pullRequests(q *Query, fn func(pr *backlog.PullRequest) error) error {
	opts := &backlog.PullRequestListOptions{}
	for _, p := range prParams {
		if ids, ok := q.ints(p.column); ok {
			if len(ids) == 0 {
				return nil
			}
			p.set(opts, ids)
		}
	}
	ids, restricted := q.ints("Id")
	if restricted && len(ids) == 0 {
		return nil
	}
	return f.repositories(q, func(pid int64, rp *backlog.Repository) error {
		list, err := memo(f, key("pullRequests", pid, rp.ID, *opts), func() ([]*backlog.PullRequest, error) {
			return collect(f.c.Git.PullRequestsIter(f.ctx, itoa(pid), itoa(rp.ID), opts))
		})
		if notFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, pr := range list {
			if restricted && !containsInt(ids, pr.ID) {
				continue
			}
			if pr.ProjectID == 0 {
				pr.ProjectID = pid
			}
			if pr.RepositoryID == 0 {
				pr.RepositoryID = rp.ID
			}
			if err := fn(pr); err != nil {
				return err
			}
		}
		return nil
	})
}
