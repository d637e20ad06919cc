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

// afterLastActivity is at, or the time of the last activity when that is
// later: events applied after seeding (churn, moves) take the server's
// clock, which may be behind the seeded history, and the activity feed must
// not run backwards.
func (s *store) afterLastActivity(at time.Time) time.Time {
	if n := len(s.activities); n > 0 && s.activities[n-1].Created.After(at) {
		return s.activities[n-1].Created
	}
	return at
}

// Activity content mini-objects (snake_case, entities.md "Activity").
type actAttachment struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
}

type actComment struct {
	ID      int64   `json:"id"`
	Content *string `json:"content"`
}

type actChange struct {
	Field    string  `json:"field"`
	NewValue *string `json:"new_value"`
	OldValue *string `json:"old_value"`
	Type     string  `json:"type"`
}

// actIssueContent is the content of activities 1, 2, 3 and 17 (Comment and
// Changes are left out of type 1).
type actIssueContent struct {
	ID                int64           `json:"id"`
	KeyID             int64           `json:"key_id"`
	Summary           string          `json:"summary"`
	Description       string          `json:"description"`
	Comment           *actComment     `json:"comment,omitempty"`
	Changes           []actChange     `json:"changes,omitempty"`
	Attachments       []actAttachment `json:"attachments"`
	SharedFiles       []actFileRef    `json:"shared_files"`
	ExternalFileLinks []any           `json:"external_file_links"`
}

// actUpdateContent is actIssueContent with comment and changes always present.
type actUpdateContent struct {
	ID                int64           `json:"id"`
	KeyID             int64           `json:"key_id"`
	Summary           string          `json:"summary"`
	Description       string          `json:"description"`
	Comment           actComment      `json:"comment"`
	Changes           []actChange     `json:"changes"`
	Attachments       []actAttachment `json:"attachments"`
	SharedFiles       []actFileRef    `json:"shared_files"`
	ExternalFileLinks []any           `json:"external_file_links"`
}

func actAttachments(list []*attachment) []actAttachment {
	out := make([]actAttachment, 0, len(list))
	for _, a := range list {
		out = append(out, actAttachment{a.ID, a.Name, a.Size})
	}
	return out
}

// commentContent builds the content of activities 2, 3 and 17.
func (s *store) commentContent(is *issue, c *comment, added []*attachment) actUpdateContent {
	changes := make([]actChange, 0, len(c.ChangeLog))
	for _, e := range c.ChangeLog {
		typ := "standard"
		if e.AttributeInfo != nil {
			typ = "customField"
		}
		changes = append(changes, actChange{Field: e.Field, NewValue: e.NewValue, OldValue: e.OriginalValue, Type: typ})
	}
	return actUpdateContent{ID: is.ID, KeyID: is.KeyID, Summary: is.Summary, Description: is.Description,
		Comment: actComment{ID: c.ID, Content: c.Content}, Changes: changes,
		Attachments: actAttachments(added), SharedFiles: s.actSharedFiles(is.SharedFileIDs), ExternalFileLinks: []any{}}
}
