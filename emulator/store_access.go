package emulator

import (
	"strconv"
)

// Who may see and change what: the visibility and permission queries that
// every area's handlers and mutations share.

// visibleComment resolves the path's issue and comment for u.
func (st *store) visibleComment(u *user, issueIDOrKey, commentID string) (*issue, *comment, error) {
	is, _, err := st.visibleIssue(u, issueIDOrKey)
	if err != nil {
		return nil, nil, err
	}
	id, perr := strconv.ParseInt(commentID, 10, 64)
	c := st.comments[id]
	if perr != nil || c == nil || c.IssueID != is.ID {
		return nil, nil, notFound("comment")
	}
	return is, c, nil
}

// visibleIssue resolves the path's issueIdOrKey for u (404 "No issue." when
// missing or in an invisible project). The caller holds the lock.
func (st *store) visibleIssue(u *user, idOrKey string) (*issue, *project, error) {
	is := st.issueByIDOrKey(idOrKey)
	if is == nil {
		return nil, nil, notFound("issue")
	}
	p := st.projects[is.ProjectID]
	if p == nil || !st.canSee(u, p) {
		return nil, nil, notFound("issue")
	}
	return is, p, nil
}

// contentProject resolves a projectIdOrKey the caller may see, or answers
// 404 "No project.".
func (st *store) contentProject(u *user, idOrKey string) (*project, error) {
	p := st.projectByIDOrKey(idOrKey)
	if p == nil || !st.canSee(u, p) {
		return nil, notFound("project")
	}
	return p, nil
}

// writableProject checks that u may write content in p (member, or space
// administrator, with a writing role).
func (st *store) writableProject(u *user, p *project) error {
	if !canWriteContent(u) {
		return forbidden()
	}
	if u.RoleType != RoleAdmin && !p.isMember(u.ID) {
		return notFound("project")
	}
	return nil
}

// canWriteIssues reports whether actor may add issues/comments in p.
func (s *store) checkWrite(actor *user, p *project) error {
	if p == nil || !s.canSee(actor, p) {
		return notFound("project")
	}
	if actor.RoleType == RoleViewer {
		return forbidden()
	}
	return nil
}

// checkEdit reports whether actor may edit is: viewers never; reporters
// (role 3, "restricted to adding issues") only issues they created.
func (s *store) checkEdit(actor *user, is *issue) error {
	p := s.projects[is.ProjectID]
	if p == nil || !s.canSee(actor, p) {
		return notFound("issue")
	}
	if actor.RoleType == RoleViewer || actor.RoleType == RoleReporter && is.CreatedUser != actor.ID {
		return forbidden()
	}
	return nil
}

// canAdminProject reports whether u is a space or project administrator of p.
func canAdminProject(u *user, p *project) bool {
	return u.RoleType == RoleAdmin || p.isAdmin(u.ID)
}

// canManage reports whether u administers p (space or project administrator).
func canManage(u *user, p *project) bool {
	return u.RoleType == RoleAdmin || p.isAdmin(u.ID)
}
