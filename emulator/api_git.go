package emulator

import (
	"strconv"
)

// Git repository and pull-request endpoints (endpoints.md §10 and the PR
// writes of §14).
//
// A project whose useGit flag is off answers every Git endpoint with 404,
// code 6, "No repository." (Backlog's answer is not documented; see api_wikis.go
// for the reasoning).

// routesGit registers the routes of this area.
func (s *Server) routesGit() {
	const repo = "/api/v2/projects/{projectIdOrKey}/git/repositories/{repoIdOrName}"
	const pr = repo + "/pullRequests/{number}"
	s.handle("GET /api/v2/projects/{projectIdOrKey}/git/repositories", s.getRepositories)
	s.handle("GET "+repo, s.getRepository)
	s.handle("GET "+repo+"/pullRequests", s.getPullRequests)
	s.handle("GET "+repo+"/pullRequests/count", s.getPullRequestCount)
	s.handle("POST "+repo+"/pullRequests", s.postPullRequest)
	s.handle("GET "+pr, s.getPullRequest)
	s.handle("PATCH "+pr, s.patchPullRequest)
	s.handle("GET "+pr+"/comments", s.getPullRequestComments)
	s.handle("GET "+pr+"/comments/count", s.getPullRequestCommentCount)
	s.handle("POST "+pr+"/comments", s.postPullRequestComment)
	s.handle("PATCH "+pr+"/comments/{commentId}", s.patchPullRequestComment)
}

// ------------------------------------------------------------ lookups

// gitProject resolves the projectIdOrKey path segment of the Git routes.
func (c *call) gitProject() (*project, error) {
	p, err := c.visibleProject()
	if err != nil {
		return nil, err
	}
	if !p.UseGit {
		return nil, notFound("repository")
	}
	return p, nil
}

// visibleRepository resolves projectIdOrKey and repoIdOrName (id or name).
func (c *call) visibleRepository() (*repository, error) {
	p, err := c.gitProject()
	if err != nil {
		return nil, err
	}
	v := c.path("repoIdOrName")
	id, perr := strconv.ParseInt(v, 10, 64)
	for _, r := range p.Repositories {
		if perr == nil && r.ID == id || perr != nil && r.Name == v {
			return r, nil
		}
	}
	return nil, notFound("repository")
}

// visiblePullRequest resolves the PR :number of a visible repository.
func (c *call) visiblePullRequest() (*pullRequest, error) {
	r, err := c.visibleRepository()
	if err != nil {
		return nil, err
	}
	n, perr := strconv.ParseInt(c.path("number"), 10, 64)
	if perr != nil {
		return nil, notFound("pull request")
	}
	for _, pr := range r.PullRequests {
		if pr.Number == n {
			return pr, nil
		}
	}
	return nil, notFound("pull request")
}

// ------------------------------------------------------------ handlers

// getRepositories serves GET /projects/:p/git/repositories.
func (s *Server) getRepositories(c *call) error {
	return reading(c, c.gitProject, func(st *store, p *project) any {
		return renderAll(p.Repositories, st.renderRepository)
	})
}

// getRepository serves GET /projects/:p/git/repositories/:repoIdOrName.
func (s *Server) getRepository(c *call) error {
	return reading(c, c.visibleRepository, func(st *store, r *repository) any {
		return st.renderRepository(r)
	})
}

// prFilter is the statusId[]/assigneeId[]/issueId[]/createdUserId[] filter
// of the pull-request list and count.
type prFilter struct{ status, assignee, issue, created map[int64]bool }

func parsePRFilter(c *call) (prFilter, error) {
	var f prFilter
	set := func(k string) (map[int64]bool, error) {
		ids, e := c.q.ints(k)
		if e != nil {
			return nil, e
		}
		if len(ids) == 0 {
			return nil, nil
		}
		m := map[int64]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m, nil
	}
	var err error
	if f.status, err = set("statusId"); err != nil {
		return f, err
	}
	if f.assignee, err = set("assigneeId"); err != nil {
		return f, err
	}
	if f.issue, err = set("issueId"); err != nil {
		return f, err
	}
	if f.created, err = set("createdUserId"); err != nil {
		return f, err
	}
	return f, nil
}

func (f prFilter) match(pr *pullRequest) bool {
	if f.status != nil && !f.status[int64(pr.StatusID)] {
		return false
	}
	if f.assignee != nil && (pr.AssigneeID == nil || !f.assignee[*pr.AssigneeID]) {
		return false
	}
	if f.issue != nil && (pr.IssueID == nil || !f.issue[*pr.IssueID]) {
		return false
	}
	if f.created != nil && !f.created[pr.CreatedUser] {
		return false
	}
	return true
}

// getPullRequests serves GET .../pullRequests (get-pull-request-list):
// newest number first, offset + count 1–100 (default 20).
func (s *Server) getPullRequests(c *call) error {
	f, err := parsePRFilter(c)
	if err != nil {
		return err
	}
	offset, count, e := c.offsetPage(20, 100)
	if e != nil {
		return e
	}
	return reading(c, c.visibleRepository, func(st *store, r *repository) any {
		out := []*jsonPullRequest{}
		skipped := 0
		for i := len(r.PullRequests) - 1; i >= 0 && len(out) < count; i-- {
			pr := r.PullRequests[i]
			if !f.match(pr) {
				continue
			}
			if skipped < offset {
				skipped++
				continue
			}
			out = append(out, st.renderPullRequest(pr, false))
		}
		return out
	})
}

// getPullRequestCount serves GET .../pullRequests/count.
func (s *Server) getPullRequestCount(c *call) error {
	f, err := parsePRFilter(c)
	if err != nil {
		return err
	}
	return reading(c, c.visibleRepository, func(st *store, r *repository) any {
		n := 0
		for _, pr := range r.PullRequests {
			if f.match(pr) {
				n++
			}
		}
		return counted(n)
	})
}

// getPullRequest serves GET .../pullRequests/:number.
func (s *Server) getPullRequest(c *call) error {
	return reading(c, c.visiblePullRequest, func(st *store, pr *pullRequest) any {
		return st.renderPullRequest(pr, true)
	})
}

// getPullRequestComments serves GET .../pullRequests/:number/comments (id cursor).
func (s *Server) getPullRequestComments(c *call) error {
	cur, e := c.idCursor()
	if e != nil {
		return e
	}
	return reading(c, c.visiblePullRequest, func(st *store, pr *pullRequest) any {
		page := pageByID(pr.Comments, func(x *pullRequestComment) int64 { return x.ID }, cur, nil)
		return renderAll(page, st.renderPullRequestComment)
	})
}

// getPullRequestCommentCount serves GET .../pullRequests/:number/comments/count.
func (s *Server) getPullRequestCommentCount(c *call) error {
	return reading(c, c.visiblePullRequest, func(st *store, pr *pullRequest) any {
		return counted(len(pr.Comments))
	})
}

// pullRequestParams reads the parameters add- and update-pull-request
// share: issueId and assigneeId (an empty value clears) and
// notifiedUserId[].
func pullRequestParams(q params, in *pullRequestInput) *apiError {
	var e *apiError
	if in.IssueID, e = clearable(q, "issueId", params.optInt64); e != nil {
		return e
	}
	if in.AssigneeID, e = clearable(q, "assigneeId", params.optInt64); e != nil {
		return e
	}
	in.NotifiedUserIDs, e = q.ints("notifiedUserId")
	return e
}

// postPullRequest serves POST .../pullRequests (add-pull-request).
func (s *Server) postPullRequest(c *call) error {
	in := &pullRequestInput{}
	for _, k := range []string{"summary", "base", "branch"} {
		if _, e := c.q.required(k); e != nil {
			return e
		}
	}
	if !c.q.has("description") {
		return badRequest("Missing required parameter: description.")
	}
	in.Summary, in.Description = c.q.optStr("summary"), c.q.optStr("description")
	in.Base, in.Branch = c.q.optStr("base"), c.q.optStr("branch")
	if err := pullRequestParams(c.q, in); err != nil {
		return err
	}
	var e *apiError
	if in.AttachmentIDs, e = c.q.ints("attachmentId"); e != nil {
		return e
	}
	return inProject(c, c.visibleRepository, (*repository).projectID, func(st *store, r *repository) (any, error) {
		pr, err := st.createPullRequest(c.u, s.now(), r, in)
		if err != nil {
			return nil, err
		}
		return st.renderPullRequest(pr, true), nil
	})
}

// patchPullRequest serves PATCH .../pullRequests/:number (update-pull-request).
func (s *Server) patchPullRequest(c *call) error {
	in := &pullRequestInput{Summary: c.q.optStr("summary"), Description: c.q.optStr("description"),
		Comment: c.q.optStr("comment")}
	if err := pullRequestParams(c.q, in); err != nil {
		return err
	}
	return inProject(c, c.visiblePullRequest, (*pullRequest).projectID, func(st *store, pr *pullRequest) (any, error) {
		if err := st.updatePullRequest(c.u, s.now(), pr, in); err != nil {
			return nil, err
		}
		return st.renderPullRequest(pr, true), nil
	})
}

// postPullRequestComment serves POST .../pullRequests/:number/comments
// (add-pull-request-comment); attachmentId[] uploads are attached to the PR.
func (s *Server) postPullRequestComment(c *call) error {
	content, notified, uploads, e := c.q.commentParams()
	if e != nil {
		return e
	}
	return inProject(c, c.visiblePullRequest, (*pullRequest).projectID, func(st *store, pr *pullRequest) (any, error) {
		for _, id := range uploads {
			if up := st.uploads[id]; up == nil || up.Owner != c.u.ID {
				return nil, badRequest("Invalid attachmentId: %d is not a pending upload of this user.", id)
			}
		}
		cm, err := st.addPullRequestComment(c.u, s.now(), pr, content, notified)
		if err != nil {
			return nil, err
		}
		if len(uploads) > 0 {
			if _, err := st.addPullRequestAttachments(c.u, s.now(), pr, uploads); err != nil {
				return nil, err
			}
		}
		return st.renderPullRequestComment(cm), nil
	})
}

// patchPullRequestComment serves PATCH .../comments/:commentId
// (update-pull-request-comment-information): only the comment's author.
func (s *Server) patchPullRequestComment(c *call) error {
	content, e := c.q.required("content")
	if e != nil {
		return e
	}
	return writing(c, c.visiblePullRequest, func(st *store, pr *pullRequest) (any, error) {
		id, err := pathID(c.path("commentId"), "comment")
		if err != nil {
			return nil, err
		}
		cm := st.prComments[id]
		if cm == nil || cm.PullRequestID != pr.ID {
			return nil, notFound("comment")
		}
		if cm.CreatedUser != c.u.ID {
			return nil, forbidden()
		}
		if err := st.updatePullRequestComment(c.u, s.now(), cm, content); err != nil {
			return nil, err
		}
		return st.renderPullRequestComment(cm), nil
	})
}
