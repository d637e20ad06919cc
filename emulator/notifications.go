package emulator

import (
	"encoding/json"
	"strconv"
	"time"
)

// Notifications: GET /notifications, /notifications/count, POST
// /notifications/markAsRead and /notifications/:id/markAsRead. Each user
// sees only the notifications they received.

// notificationRef names what a notification is about; zero ids are null.
type notificationRef struct {
	ProjectID, IssueID, CommentID, PullRequestID, PullRequestCommentID int64
}

// notify appends a notification for recipient (GET /notifications shows
// only the caller's own). reason: 1 assigned, 2 commented, 3 issue added,
// 4 issue updated, 5 file added, 6 project user added, 9 other, 10 assigned
// to PR, 11 PR commented, 12 PR added, 13 PR updated. Notifying the sender
// themself, or a missing or deleted user, is a no-op and returns nil.
func (s *store) notify(recipient int64, reason int, sender *user, at time.Time, ref notificationRef) *notification {
	if sender != nil && recipient == sender.ID || s.liveUser(recipient) == nil {
		return nil
	}
	n := &notification{ID: s.nextID("notification"), UserID: recipient, Reason: reason,
		ProjectID: ref.ProjectID, IssueID: ref.IssueID, CommentID: ref.CommentID,
		PullRequestID: ref.PullRequestID, PullRequestComment: ref.PullRequestCommentID, Created: at}
	if sender != nil {
		n.SenderID = sender.ID
	}
	s.notifications = append(s.notifications, n)
	if s.notifByUser == nil {
		s.notifByUser = map[int64][]*notification{}
	}
	s.notifByUser[recipient] = append(s.notifByUser[recipient], n)
	return n
}

type jsonNotifRepository struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

type jsonNotification struct {
	ID                  int64                `json:"id"`
	AlreadyRead         bool                 `json:"alreadyRead"`
	Reason              int                  `json:"reason"`
	ResourceAlreadyRead bool                 `json:"resourceAlreadyRead"`
	Project             *jsonProject         `json:"project"`
	Issue               json.RawMessage      `json:"issue"`
	Comment             *jsonComment         `json:"comment"`
	Repository          *jsonNotifRepository `json:"repository"`
	PullRequest         *jsonPullRequest     `json:"pullRequest"`
	PullRequestComment  *jsonPRComment       `json:"pullRequestComment"`
	Sender              *jsonUser            `json:"sender"`
	Created             ts                   `json:"created"`
}

// renderNotification renders a notification; objects deleted since render
// as null.
func (s *store) renderNotification(n *notification) *jsonNotification {
	j := &jsonNotification{ID: n.ID, AlreadyRead: n.AlreadyRead, Reason: n.Reason,
		ResourceAlreadyRead: n.ResourceAlreadyRead, Issue: json.RawMessage("null"),
		Sender: s.renderUser(n.SenderID), Created: ts(n.Created)}
	if p := s.projects[n.ProjectID]; p != nil {
		j.Project = renderProject(p)
	}
	if is := s.issues[n.IssueID]; is != nil && n.IssueID != 0 {
		j.Issue = s.issueJSON(is)
	}
	if c := s.comments[n.CommentID]; c != nil && n.CommentID != 0 {
		j.Comment = s.renderComment(c)
	}
	if pr := s.pullReqs[n.PullRequestID]; pr != nil && n.PullRequestID != 0 {
		if r := s.repos[pr.RepositoryID]; r != nil {
			j.Repository = &jsonNotifRepository{r.ID, r.Name, r.Description}
		}
		j.PullRequest = s.renderPullRequest(pr, false)
	}
	if c := s.prComments[n.PullRequestComment]; c != nil && n.PullRequestComment != 0 {
		j.PullRequestComment = s.renderPullRequestComment(c)
	}
	return j
}

// routesNotifications registers the notification routes.
func (s *Server) routesNotifications() {
	s.handle("GET /api/v2/notifications", s.getNotifications)
	s.handle("GET /api/v2/notifications/count", s.countNotifications)
	s.handle("POST /api/v2/notifications/markAsRead", s.resetNotifications)
	s.handle("POST /api/v2/notifications/{notificationId}/markAsRead", s.readNotification)
}

// getNotifications serves GET /notifications (id cursor, senderId filter).
func (s *Server) getNotifications(c *call) error {
	cur, e := c.idCursor()
	if e != nil {
		return e
	}
	sender, e := c.q.optInt64("senderId")
	if e != nil {
		return e
	}
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	var keep func(*notification) bool
	if sender != nil {
		keep = func(n *notification) bool { return n.SenderID == *sender }
	}
	page := pageByID(st.notifByUser[c.u.ID], func(n *notification) int64 { return n.ID }, cur, keep)
	return c.ok(renderAll(page, st.renderNotification))
}

// countNotifications serves GET /notifications/count.
func (s *Server) countNotifications(c *call) error {
	read, e := c.q.optBool("alreadyRead")
	if e != nil {
		return e
	}
	resRead, e := c.q.optBool("resourceAlreadyRead")
	if e != nil {
		return e
	}
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	n := 0
	for _, x := range st.notifByUser[c.u.ID] {
		if (read == nil || x.AlreadyRead == *read) && (resRead == nil || x.ResourceAlreadyRead == *resRead) {
			n++
		}
	}
	return c.ok(map[string]int{"count": n})
}

// resetNotifications serves POST /notifications/markAsRead: every unread
// notification of the caller becomes read; the answer counts them.
func (s *Server) resetNotifications(c *call) error {
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for _, x := range st.notifByUser[c.u.ID] {
		if !x.AlreadyRead {
			x.AlreadyRead = true
			n++
		}
	}
	return c.ok(map[string]int{"count": n})
}

// readNotification serves POST /notifications/:id/markAsRead (204).
func (s *Server) readNotification(c *call) error {
	id, err := strconv.ParseInt(c.path("notificationId"), 10, 64)
	if err != nil {
		return notFound("notification")
	}
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, x := range st.notifByUser[c.u.ID] {
		if x.ID == id {
			x.AlreadyRead = true
			return c.noContent()
		}
	}
	return notFound("notification")
}
