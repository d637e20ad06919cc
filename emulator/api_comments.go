package emulator

import (
	"strconv"
)

// routesComments registers the issue-comment routes (endpoints.md §5, §14).
func (s *Server) routesComments() {
	s.handle("GET /api/v2/issues/{issueIdOrKey}/comments", s.getComments)
	s.handle("POST /api/v2/issues/{issueIdOrKey}/comments", s.postComment)
	s.handle("GET /api/v2/issues/{issueIdOrKey}/comments/count", s.countComments)
	s.handle("GET /api/v2/issues/{issueIdOrKey}/comments/{commentId}", s.getComment)
	s.handle("PATCH /api/v2/issues/{issueIdOrKey}/comments/{commentId}", s.patchComment)
	s.handle("DELETE /api/v2/issues/{issueIdOrKey}/comments/{commentId}", s.deleteCommentHandler)
	s.handle("GET /api/v2/issues/{issueIdOrKey}/comments/{commentId}/notifications", s.getCommentNotifications)
	s.handle("POST /api/v2/issues/{issueIdOrKey}/comments/{commentId}/notifications", s.postCommentNotifications)
}

// getComments serves GET /issues/:id/comments (id cursor, default desc).
func (s *Server) getComments(c *call) error {
	cur, e := c.idCursor()
	if e != nil {
		return e
	}
	return reading(c, c.pathIssue, func(st *store, is *issue) []*jsonComment {
		page := pageByID(is.Comments, func(x *comment) int64 { return x.ID }, cur, nil)
		return renderAll(page, st.renderComment)
	})
}

// countComments serves GET /issues/:id/comments/count.
func (s *Server) countComments(c *call) error {
	return reading(c, c.pathIssue, func(_ *store, is *issue) map[string]int { return counted(len(is.Comments)) })
}

// getComment serves GET /issues/:id/comments/:commentId.
func (s *Server) getComment(c *call) error {
	return reading(c, c.pathComment, func(st *store, x issueComment) *jsonComment { return st.renderComment(x.cm) })
}

// postComment serves POST /issues/:id/comments (add-comment): 201 with a
// Location header pointing at the comment anchor.
func (s *Server) postComment(c *call) error {
	content, notified, uploads, e := c.q.commentParams()
	if e != nil {
		return e
	}
	return creating(c, c.pathIssue, func(st *store, is *issue) (string, any, error) {
		cm, err := st.addComment(c.u, s.now(), is, content, notified, uploads)
		if err != nil {
			return "", nil, err
		}
		return s.opts.WebURL + "/view/" + st.issueKey(is) + "#comment-" + strconv.FormatInt(cm.ID, 10), st.renderComment(cm), nil
	})
}

// patchComment serves PATCH /issues/:id/comments/:commentId (content).
func (s *Server) patchComment(c *call) error {
	content, e := c.q.required("content")
	if e != nil {
		return e
	}
	return writing(c, c.pathComment, func(st *store, x issueComment) (any, error) {
		if err := st.updateComment(c.u, s.now(), x.is, x.cm, content); err != nil {
			return nil, err
		}
		return st.renderComment(x.cm), nil
	})
}

// deleteCommentHandler serves DELETE /issues/:id/comments/:commentId.
func (s *Server) deleteCommentHandler(c *call) error {
	return writing(c, c.pathComment, func(st *store, x issueComment) (any, error) {
		out := st.renderComment(x.cm)
		if err := st.deleteComment(c.u, x.is, x.cm); err != nil {
			return nil, err
		}
		return out, nil
	})
}

// getCommentNotifications serves GET /issues/:id/comments/:commentId/notifications.
func (s *Server) getCommentNotifications(c *call) error {
	return reading(c, c.pathComment, func(st *store, x issueComment) []*jsonCommentNotification {
		return st.renderCommentNotifications(x.cm.Notifications)
	})
}

// postCommentNotifications serves POST …/comments/:commentId/notifications
// (notifiedUserId[]): answers the comment.
func (s *Server) postCommentNotifications(c *call) error {
	if _, e := c.q.required("notifiedUserId"); e != nil {
		return e
	}
	users, e := c.q.ints("notifiedUserId")
	if e != nil {
		return e
	}
	return writing(c, c.pathComment, func(st *store, x issueComment) (any, error) {
		if err := st.addCommentNotification(c.u, s.now(), x.is, x.cm, users); err != nil {
			return nil, err
		}
		return st.renderComment(x.cm), nil
	})
}

// issueComment is a comment with its issue.
type issueComment struct {
	is *issue
	cm *comment
}

// pathComment resolves the path's issue and comment for the caller (the
// store's lock is held).
func (c *call) pathComment() (issueComment, error) {
	is, cm, err := c.s.store.visibleComment(c.u, c.path("issueIdOrKey"), c.path("commentId"))
	return issueComment{is, cm}, err
}

// commentParams reads the parameters of add-comment and
// add-pull-request-comment: content (required), notifiedUserId[] and
// attachmentId[].
func (p params) commentParams() (content string, notified, uploads []int64, e *apiError) {
	if content, e = p.required("content"); e != nil {
		return "", nil, nil, e
	}
	if notified, e = p.ints("notifiedUserId"); e != nil {
		return "", nil, nil, e
	}
	if uploads, e = p.ints("attachmentId"); e != nil {
		return "", nil, nil, e
	}
	return content, notified, uploads, nil
}
