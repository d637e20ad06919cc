package emulator

import (
	"strings"
	"time"
)

// Issue comment mutations: add, edit, delete, and notifications added to a
// comment later.

// updateComment changes a comment's content (its author only). Backlog
// records no activity for comment edits.
func (st *store) updateComment(actor *user, at time.Time, is *issue, c *comment, content string) error {
	if c.CreatedUser != actor.ID {
		return forbidden()
	}
	if strings.TrimSpace(content) == "" {
		return badRequest("Missing required parameter: content.")
	}
	c.Content = &content
	c.Updated = at
	st.issueChanged(is)
	return nil
}

// deleteComment removes a comment (its author only). Backlog records no
// activity for comment deletions (behaviour.md §7).
func (st *store) deleteComment(actor *user, is *issue, c *comment) error {
	if c.CreatedUser != actor.ID {
		return forbidden()
	}
	out := is.Comments[:0:0]
	for _, x := range is.Comments {
		if x.ID != c.ID {
			out = append(out, x)
		}
	}
	is.Comments = out
	delete(st.comments, c.ID)
	for _, sr := range c.Stars {
		delete(st.stars, sr.ID)
	}
	st.issueChanged(is)
	return nil
}

// addCommentNotification notifies users about an existing comment (its
// author only; activity 17).
func (st *store) addCommentNotification(actor *user, at time.Time, is *issue, c *comment, users []int64) error {
	if c.CreatedUser != actor.ID {
		return forbidden()
	}
	p := st.projects[is.ProjectID]
	if len(users) == 0 {
		return badRequest("Missing required parameter: notifiedUserId[].")
	}
	if err := st.checkNotified(p, users); err != nil {
		return err
	}
	var fresh []int64
	for _, uid := range users {
		dup := false
		for _, n := range c.Notifications {
			dup = dup || n.UserID == uid
		}
		if !dup {
			fresh = append(fresh, uid)
		}
	}
	added := st.notifyUsers(fresh, reasonCommented, actor, at,
		notificationRef{ProjectID: is.ProjectID, IssueID: is.ID, CommentID: c.ID})
	c.Notifications = append(c.Notifications, added...)
	st.issueChanged(is)
	st.addActivity(is.ProjectID, ActCommentNotificationAdd, actor, at, st.commentContent(is, c, nil), added...)
	return nil
}

// appendComment adds c to its issue and the comment index.
func (s *store) appendComment(is *issue, c *comment) {
	is.Comments = append(is.Comments, c)
	s.comments[c.ID] = c
}

// addComment adds a comment to an issue, bumps the issue's updated time and
// records activity 3 (changes list the attached files, if any). notified
// users get reason-2 notifications.
func (s *store) addComment(actor *user, at time.Time, is *issue, content string, notified, uploads []int64) (*comment, error) {
	p := s.projects[is.ProjectID]
	if p == nil || !s.canSee(actor, p) {
		return nil, notFound("issue")
	}
	if actor.RoleType == RoleViewer {
		return nil, forbidden()
	}
	if strings.TrimSpace(content) == "" {
		return nil, badRequest("Missing required parameter: content.")
	}
	if err := s.checkNotified(p, notified); err != nil {
		return nil, err
	}
	if err := s.checkUploads(actor, at, uploads); err != nil {
		return nil, err
	}
	added := s.consumeUploads(actor, at, uploads)
	is.Attachments = append(is.Attachments, added...)
	c := &comment{ID: s.nextID("comment"), ProjectID: is.ProjectID, IssueID: is.ID, Content: &content,
		ChangeLog: attachmentChanges(added), CreatedUser: actor.ID, Created: at, Updated: at, Stars: []*star{}}
	s.appendComment(is, c)
	is.Updated, is.UpdatedUser = at, actor.ID
	s.issueChanged(is)
	c.Notifications = s.notifyUsers(notified, reasonCommented, actor, at,
		notificationRef{ProjectID: is.ProjectID, IssueID: is.ID, CommentID: c.ID})
	s.addActivity(is.ProjectID, ActIssueCommented, actor, at, s.commentContent(is, c, added), c.Notifications...)
	return c, nil
}

// noticeIssueCreated records that actor, the author of comment c on is,
// told users about the issue's creation with it: c's change log gains the
// entry Backlog's DOC examples show, field "notification" with
// notificationInfo {type: "issue.create"} (which action of Backlog's web UI
// writes it is not documented), and the users are notified (reason 3, issue
// added; shown on the comment, activity 17 as for notifications added to a
// comment).
func (s *store) noticeIssueCreated(actor *user, at time.Time, is *issue, c *comment, users []int64) error {
	if c.CreatedUser != actor.ID || c.IssueID != is.ID {
		return forbidden()
	}
	if len(users) == 0 {
		return badRequest("Missing required parameter: notifiedUserId[].")
	}
	if err := s.checkNotified(s.projects[is.ProjectID], users); err != nil {
		return err
	}
	c.ChangeLog = append(c.ChangeLog, changeLogEntry{Field: "notification",
		NotificationInfo: &notificationInfo{Type: "issue.create"}})
	added := s.notifyUsers(users, reasonAdded, actor, at,
		notificationRef{ProjectID: is.ProjectID, IssueID: is.ID, CommentID: c.ID})
	c.Notifications = append(c.Notifications, added...)
	s.issueChanged(is)
	s.addActivity(is.ProjectID, ActCommentNotificationAdd, actor, at, s.commentContent(is, c, nil), added...)
	return nil
}
