package backlog

import (
	"encoding/json"
	"time"
)

// Issue is a Backlog issue. Nullable members are pointers; calendar dates
// are Dates.
//
//fastjson:decode
//fastjson:ignore limitDate
type Issue struct {
	ID                int64               `json:"id"`
	ProjectID         int64               `json:"projectId"`
	IssueKey          string              `json:"issueKey"`
	KeyID             int64               `json:"keyId"`
	IssueType         *IssueType          `json:"issueType"`
	Summary           string              `json:"summary"`
	Description       string              `json:"description"`
	Resolution        *Resolution         `json:"resolution"`
	Priority          *Priority           `json:"priority"`
	Status            *Status             `json:"status"`
	Assignee          *User               `json:"assignee"`
	Category          []*Category         `json:"category"`
	Versions          []*Version          `json:"versions"`
	Milestone         []*Version          `json:"milestone"`
	StartDate         *Date               `json:"startDate"`
	DueDate           *Date               `json:"dueDate"`
	EstimatedHours    *float64            `json:"estimatedHours"`
	ActualHours       *float64            `json:"actualHours"`
	ParentIssueID     *int64              `json:"parentIssueId"`
	CreatedUser       *User               `json:"createdUser"`
	Created           time.Time           `json:"created"`
	UpdatedUser       *User               `json:"updatedUser"`
	Updated           time.Time           `json:"updated"`
	CustomFields      []*CustomFieldValue `json:"customFields"`
	Attachments       []*Attachment       `json:"attachments"`
	SharedFiles       []*SharedFile       `json:"sharedFiles"`
	ExternalFileLinks []json.RawMessage   `json:"externalFileLinks,omitempty"`
	Stars             []*Star             `json:"stars"`
	ChildIssueSummary *ChildIssueSummary  `json:"childIssueSummary,omitempty"` // only with expand[]=childIssueSummary
	Type              string              `json:"type,omitempty"`              // "RELATES" in related-issue responses

	Extra Extra `json:"-"` // members this struct does not know
}

var issueFields = func() fieldSet {
	fs := fieldsOf[Issue]()
	fs["limitdate"] = struct{}{} // removed in API 2.2.0; ignored on purpose
	return fs
}()

// UnmarshalJSON decodes an issue and keeps unknown members in Extra.
func (is *Issue) UnmarshalJSON(data []byte) error {
	if fastInto(data, is, fastIssue) {
		return nil
	}
	type plain Issue
	return decodeWithExtra(data, (*plain)(is), issueFields, &is.Extra)
}

// ChildIssueSummary counts an issue's direct children.
type ChildIssueSummary struct {
	Total  int `json:"total"`
	Closed int `json:"closed"`
}

// Comment is an issue comment. Field changes made by an issue update are
// recorded as a comment whose ChangeLog lists them.
//
//fastjson:decode
type Comment struct {
	ID            int64                  `json:"id"`
	ProjectID     int64                  `json:"projectId"`
	IssueID       int64                  `json:"issueId"`
	Content       *string                `json:"content"`
	ChangeLog     []*ChangeLogEntry      `json:"changeLog"` // null or [] when there are no changes
	CreatedUser   *User                  `json:"createdUser"`
	Created       time.Time              `json:"created"`
	Updated       time.Time              `json:"updated"`
	Stars         []*Star                `json:"stars"`
	Notifications []*CommentNotification `json:"notifications"`

	Extra Extra `json:"-"` // members this struct does not know
}

var commentFields = fieldsOf[Comment]()

// UnmarshalJSON decodes a comment and keeps unknown members in Extra.
func (c *Comment) UnmarshalJSON(data []byte) error {
	if fastInto(data, c, fastComment) {
		return nil
	}
	type plain Comment
	return decodeWithExtra(data, (*plain)(c), commentFields, &c.Extra)
}

// ChangeLogEntry is one field change recorded on a comment. Values are
// display names (e.g. a status name), not ids.
type ChangeLogEntry struct {
	Field            string            `json:"field"` // e.g. "status", "assigner", "limitDate", "component"
	NewValue         *string           `json:"newValue"`
	OriginalValue    *string           `json:"originalValue"`
	AttachmentInfo   *ChangeAttachment `json:"attachmentInfo"`
	AttributeInfo    *ChangeAttribute  `json:"attributeInfo"`
	NotificationInfo *ChangeNotice     `json:"notificationInfo"`
}

// ChangeAttachment identifies the attachment of an attachment change.
type ChangeAttachment struct {
	ID   int64  `json:"id"`
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
}

// ChangeAttribute identifies the custom field of a custom-field change.
type ChangeAttribute struct {
	ID     int64           `json:"id"`
	TypeID CustomFieldType `json:"typeId"`
}

// ChangeNotice is the notification info of a change, e.g. {"type":"issue.create"}.
type ChangeNotice struct {
	Type string `json:"type"`
}

// CommentNotification is a user notified about a comment.
type CommentNotification struct {
	ID                  int64 `json:"id"`
	AlreadyRead         bool  `json:"alreadyRead"`
	Reason              int   `json:"reason"`
	User                *User `json:"user"`
	ResourceAlreadyRead bool  `json:"resourceAlreadyRead"`
}

// Attachment is a file attached to an issue, wiki page, pull request or
// document. Inside an issue only ID, Name and Size are set.
type Attachment struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Size        int64      `json:"size"`
	CreatedUser *User      `json:"createdUser,omitempty"`
	Created     *time.Time `json:"created,omitempty"`
}

// SharedFile is a file or directory in a project's shared files.
type SharedFile struct {
	ID          int64      `json:"id"`
	ProjectID   int64      `json:"projectId"`
	Type        string     `json:"type"` // "file" or "directory"
	Dir         string     `json:"dir"`  // parent path with leading and trailing "/"
	Name        string     `json:"name"`
	Size        int64      `json:"size"`
	CreatedUser *User      `json:"createdUser"`
	Created     time.Time  `json:"created"`
	UpdatedUser *User      `json:"updatedUser"`
	Updated     *time.Time `json:"updated"`
}

// IsDir reports whether f is a directory.
func (f *SharedFile) IsDir() bool { return f.Type == "directory" }

// Path returns the full path of f, e.g. "/docs/a.txt" (directories end in "/").
func (f *SharedFile) Path() string {
	dir := f.Dir
	if dir == "" {
		dir = "/"
	}
	if dir[len(dir)-1] != '/' {
		dir += "/"
	}
	if f.IsDir() {
		return dir + f.Name + "/"
	}
	return dir + f.Name
}

// RecentlyViewedIssue is an entry of the caller's recently viewed issues.
type RecentlyViewedIssue struct {
	Issue   *Issue    `json:"issue"`
	Updated time.Time `json:"updated"`
}
