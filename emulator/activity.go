package emulator

import (
	"encoding/json"
	"time"
)

// Activity type codes (entities.md "Activity type codes").
const (
	ActIssueCreated            = 1
	ActIssueUpdated            = 2
	ActIssueCommented          = 3
	ActIssueDeleted            = 4
	ActWikiCreated             = 5
	ActWikiUpdated             = 6
	ActWikiDeleted             = 7
	ActFileAdded               = 8
	ActFileUpdated             = 9
	ActFileDeleted             = 10
	ActSvnCommitted            = 11
	ActGitPushed               = 12
	ActGitRepositoryCreated    = 13
	ActIssueMultiUpdated       = 14
	ActProjectUserAdded        = 15
	ActProjectUserRemoved      = 16
	ActCommentNotificationAdd  = 17
	ActPullRequestAdded        = 18
	ActPullRequestUpdated      = 19
	ActPullRequestCommented    = 20
	ActPullRequestMerged       = 21
	ActMilestoneCreated        = 22
	ActMilestoneUpdated        = 23
	ActMilestoneDeleted        = 24
	ActProjectTeamAdded        = 25
	ActProjectTeamRemoved      = 26
	ActStatusDeleted           = 34
	ActIssuesDatesUpdated      = 35
	ActDocumentCreated         = 36
	ActDocumentDeleted         = 37
	ActDocumentTitleUpdated    = 38
	ActDocumentUpdated         = 39
	ActDocumentCommentCreated  = 40
	ActDocumentCommentUpdated  = 41
	ActDocumentCommentDeleted  = 42
	ActDocumentReplyCreated    = 43
	ActDocumentReplyUpdated    = 44
	ActDocumentReplyDeleted    = 45
	ActDocumentAttachmentAdded = 46
	ActIssuesBulkCreated       = 47
	ActDocumentsBulkCreated    = 48
)

// addActivity appends an activity to the feed. content is marshalled once,
// now: activity content is a snapshot in snake_case (e.g. key_id), as on the
// real service. notified users get comment-notification entries that only
// GET /activities/:id shows.
func (s *store) addActivity(projectID int64, typ int, actor *user, at time.Time, content any, notified ...*commentNotification) *activity {
	data, err := json.Marshal(content)
	if err != nil {
		panic(err)
	}
	a := &activity{ID: s.nextID("activity"), ProjectID: projectID, Type: typ, Content: data,
		Notifications: notified, CreatedUser: actor.ID, Created: at}
	s.activities = append(s.activities, a)
	return a
}

type jsonActivity struct {
	ID            int64                      `json:"id"`
	Project       *jsonProject               `json:"project"`
	Type          int                        `json:"type"`
	Content       json.RawMessage            `json:"content"`
	Notifications []*jsonCommentNotification `json:"notifications"`
	CreatedUser   *jsonUser                  `json:"createdUser"`
	Created       ts                         `json:"created"`
}

// renderActivity renders an activity; withNotifications fills the
// notifications array (GET /activities/:id only; lists always show []).
func (s *store) renderActivity(a *activity, withNotifications bool) *jsonActivity {
	j := &jsonActivity{ID: a.ID, Type: a.Type, Content: a.Content,
		Notifications: []*jsonCommentNotification{}, CreatedUser: s.renderUser(a.CreatedUser), Created: ts(a.Created)}
	if p := s.projects[a.ProjectID]; p != nil {
		j.Project = renderProject(p)
	}
	if withNotifications {
		j.Notifications = s.renderCommentNotifications(a.Notifications)
	}
	return j
}
