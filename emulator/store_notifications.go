package emulator

import (
	"time"
)

// Notifications: the per-user inbox every area writes into.

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
