package backlog

import (
	"context"
	"iter"
	"net/url"
)

// GitService reads Git repositories and pull requests.
type GitService service

// ListRepositories returns a project's Git repositories.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-git-repositories/
func (s *GitService) ListRepositories(ctx context.Context, projectIDOrKey string) ([]*Repository, *Response, error) {
	return get[[]*Repository](ctx, s.client, "projects/"+seg(projectIDOrKey)+"/git/repositories", nil)
}

// GetRepository returns a Git repository by id or name.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-git-repository/
func (s *GitService) GetRepository(ctx context.Context, projectIDOrKey, repoIDOrName string) (*Repository, *Response, error) {
	return get[*Repository](ctx, s.client, repoPath(projectIDOrKey, repoIDOrName), nil)
}

func repoPath(projectIDOrKey, repoIDOrName string) string {
	return "projects/" + seg(projectIDOrKey) + "/git/repositories/" + seg(repoIDOrName)
}

// PullRequestListOptions filter the pull-request list and count.
type PullRequestListOptions struct {
	StatusIDs      []int64
	AssigneeIDs    []int64
	IssueIDs       []int64
	CreatedUserIDs []int64
	ListOptions
}

func (o *PullRequestListOptions) values(paging bool) url.Values {
	if o == nil {
		return nil
	}
	q := query{}
	q.ids("statusId", o.StatusIDs)
	q.ids("assigneeId", o.AssigneeIDs)
	q.ids("issueId", o.IssueIDs)
	q.ids("createdUserId", o.CreatedUserIDs)
	if paging {
		o.ListOptions.encode(url.Values(q))
	}
	return url.Values(q)
}

// ListPullRequests returns a page of a repository's pull requests.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-pull-request-list/
func (s *GitService) ListPullRequests(ctx context.Context, projectIDOrKey, repoIDOrName string, opts *PullRequestListOptions) ([]*PullRequest, *Response, error) {
	return get[[]*PullRequest](ctx, s.client, repoPath(projectIDOrKey, repoIDOrName)+"/pullRequests", opts.values(true))
}

// PullRequestsIter iterates over a repository's pull requests in pages of
// opts.Count (default 100).
func (s *GitService) PullRequestsIter(ctx context.Context, projectIDOrKey, repoIDOrName string, opts *PullRequestListOptions) iter.Seq2[*PullRequest, error] {
	var o PullRequestListOptions
	if opts != nil {
		o = *opts
	}
	return offsetPages(ctx, o.ListOptions, maxCount, func(pr *PullRequest) int64 { return pr.ID },
		func(ctx context.Context, lo ListOptions) ([]*PullRequest, error) {
			page := o
			page.ListOptions = lo
			v, _, err := s.ListPullRequests(ctx, projectIDOrKey, repoIDOrName, &page)
			return v, err
		})
}

// CountPullRequests returns the number of a repository's pull requests.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-number-of-pull-requests/
func (s *GitService) CountPullRequests(ctx context.Context, projectIDOrKey, repoIDOrName string, opts *PullRequestListOptions) (int, *Response, error) {
	return getCount(ctx, s.client, repoPath(projectIDOrKey, repoIDOrName)+"/pullRequests/count", opts.values(false))
}

// GetPullRequest returns a pull request by its per-repository number.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-pull-request/
func (s *GitService) GetPullRequest(ctx context.Context, projectIDOrKey, repoIDOrName string, number int64) (*PullRequest, *Response, error) {
	return get[*PullRequest](ctx, s.client, repoPath(projectIDOrKey, repoIDOrName)+"/pullRequests/"+id(number), nil)
}

// ListPullRequestComments returns a page of a pull request's comments.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-pull-request-comment/
func (s *GitService) ListPullRequestComments(ctx context.Context, projectIDOrKey, repoIDOrName string, number int64, opts *CursorOptions) ([]*PullRequestComment, *Response, error) {
	return get[[]*PullRequestComment](ctx, s.client, repoPath(projectIDOrKey, repoIDOrName)+"/pullRequests/"+id(number)+"/comments", cursorValues(opts))
}
