package emulator

import (
	"sync/atomic"
	"time"
)

// The emulator keeps its state as plain Go structs that reference each other
// by id. JSON is produced at response time (render.go), so that a renamed user
// or status shows up everywhere it is embedded, as on the real service.
// Every struct here is guarded by store.mu.

// Role types of users (current Backlog plans; entities.md "User").
const (
	RoleAdmin    = 1 // Administrator
	RoleNormal   = 2 // member/guest without restriction
	RoleReporter = 3 // member/guest restricted to adding issues
	RoleViewer   = 4 // member/guest restricted to viewing issues
)

// Custom-field type ids (entities.md "CustomField definition").
const (
	CFText         = 1
	CFTextArea     = 2
	CFNumeric      = 3
	CFDate         = 4
	CFSingleList   = 5
	CFMultipleList = 6
	CFCheckBox     = 7
	CFRadio        = 8
)

// Built-in status ids, shared by every project.
const (
	StatusOpen       = 1
	StatusInProgress = 2
	StatusResolved   = 3
	StatusClosed     = 4
)

// user is a space user.
type user struct {
	ID            int64
	UserID        string // login id
	Name          string
	RoleType      int
	Lang          string // "" renders as null
	MailAddress   string
	NulabID       string // "" renders nulabAccount as null
	LastLoginTime time.Time
	APIKeys       []string
	Deleted       bool // removed from the space; still rendered where embedded

	json atomic.Pointer[renderCache] // rendered User JSON, keyed by epoch
}

// team is a space team.
type team struct {
	ID           int64
	Name         string
	Members      []int64
	DisplayOrder *int64
	CreatedUser  int64
	Created      time.Time
	UpdatedUser  int64
	Updated      time.Time
}

// project is a Backlog project with its metadata lists.
type project struct {
	ID                                int64
	Key                               string
	Name                              string
	ChartEnabled                      bool
	UseResolvedForChart               bool
	SubtaskingEnabled                 bool
	GrandchildIssueEnabled            bool
	ProjectLeaderCanEditProjectLeader bool
	UseWiki                           bool
	UseDocument                       bool
	UseFileSharing                    bool
	UseWikiTreeView                   bool
	UseOriginalImageSizeAtWiki        bool
	UseSubversion                     bool
	UseGit                            bool
	UseDevAttributes                  bool
	TextFormattingRule                string
	Archived                          bool
	DisplayOrder                      int64

	Users   []int64 // members, in join order
	Admins  []int64 // project administrators (subset of Users)
	Teams   []int64
	ViaTeam []int64 // members who joined only through a team (subset of Users)

	IssueTypes   []*issueType
	Categories   []*category
	Versions     []*version
	Statuses     []*status // custom statuses only; built-ins are added at render
	StatusOrder  []int64   // display order of all statuses (built-in + custom)
	CustomFields []*customField
	Webhooks     []*webhook
	Repositories []*repository
	SharedFiles  []*sharedFile
	WikiTags     []*wikiTag

	NextKeyID int64 // next issue keyId
}

// issueType is a project's issue type.
type issueType struct {
	ID                  int64
	ProjectID           int64
	Name                string
	Color               string
	DisplayOrder        int64
	TemplateSummary     *string
	TemplateDescription *string
}

// category is a project's category.
type category struct {
	ID           int64
	ProjectID    int64
	Name         string
	DisplayOrder int64
}

// version is a project's version or milestone (one type in Backlog).
type version struct {
	ID             int64
	ProjectID      int64
	Name           string
	Description    string
	StartDate      *time.Time // calendar date at 00:00 UTC
	ReleaseDueDate *time.Time
	Archived       bool
	DisplayOrder   int64
}

// status is a project's custom status; built-in statuses 1–4 are synthesised.
type status struct {
	ID           int64
	ProjectID    int64
	Name         string
	Color        string
	DisplayOrder int64
}

// customField is a project's custom-field definition.
type customField struct {
	ID                   int64
	ProjectID            int64
	TypeID               int
	Name                 string
	Description          string
	Required             bool
	ApplicableIssueTypes []int64
	DisplayOrder         int64
	// Numeric (3) and date (4) bounds; dates are stored as midnight UTC.
	Min, Max     *float64
	MinDate      *time.Time
	MaxDate      *time.Time
	InitialValue *float64
	Unit         *string
	// Date initial value: InitialValueType 1 = today, 2 = today+shift, 3 = fixed date.
	InitialValueType int
	InitialShift     *int
	InitialDate      *time.Time
	// Lists (5–8).
	Items        []*listItem
	AllowAddItem bool
	AllowInput   bool
}

// listItem is an item of a list-type custom field.
type listItem struct {
	ID           int64
	Name         string
	DisplayOrder int64
}

// cfValue is the value of one custom field on one issue.
type cfValue struct {
	FieldID int64
	Text    *string    // types 1, 2
	Number  *float64   // type 3
	Date    *time.Time // type 4
	Items   []int64    // types 5–8 (5 and 8 hold at most one)
	Other   *string    // types 7, 8 ("other" free text)
}

// attachment is a file attached to an issue, wiki page, pull request or document.
type attachment struct {
	ID          int64
	Name        string
	Size        int64
	CreatedUser int64
	Created     time.Time
}

// star is a star given to an issue, comment, wiki page, PR or PR comment.
type star struct {
	ID        int64
	Comment   *string
	URL       string
	Title     string
	Presenter int64
	Receiver  int64 // the user who received it (author of the starred thing)
	Created   time.Time
	// Exactly one target is set.
	IssueID, CommentID, WikiID, PullRequestID, PullRequestCommentID int64
}

// issue is a Backlog issue.
type issue struct {
	ID             int64
	ProjectID      int64
	KeyID          int64
	IssueTypeID    int64
	Summary        string
	Description    string
	ResolutionID   *int64
	PriorityID     int64
	StatusID       int64
	AssigneeID     *int64
	CategoryIDs    []int64
	VersionIDs     []int64
	MilestoneIDs   []int64
	StartDate      *time.Time
	DueDate        *time.Time
	EstimatedHours *float64
	ActualHours    *float64
	ParentIssueID  *int64
	CreatedUser    int64
	Created        time.Time
	UpdatedUser    int64
	Updated        time.Time
	CustomFields   []*cfValue
	Attachments    []*attachment
	SharedFileIDs  []int64
	Stars          []*star
	Comments       []*comment // ascending id
	Related        []int64    // related issue ids (RELATES)

	// json caches the rendered Issue JSON; it is keyed by the store's render
	// epoch so that any change to embedded objects invalidates it.
	json atomic.Pointer[renderCache]
}

// renderCache is a rendered JSON document valid for one render epoch.
type renderCache struct {
	epoch uint64
	data  []byte
}

// changeLogEntry is one field change recorded on a comment.
type changeLogEntry struct {
	Field            string
	NewValue         *string
	OriginalValue    *string
	AttachmentInfo   *attachmentInfo
	AttributeInfo    *attributeInfo
	NotificationInfo *notificationInfo
}

type attachmentInfo struct {
	ID   int64
	Name string
}

type attributeInfo struct {
	ID     int64
	TypeID int
}

type notificationInfo struct {
	Type string
}

// comment is an issue comment; field changes are recorded in ChangeLog.
type comment struct {
	ID            int64
	ProjectID     int64
	IssueID       int64
	Content       *string
	ChangeLog     []changeLogEntry
	CreatedUser   int64
	Created       time.Time
	Updated       time.Time
	Stars         []*star
	Notifications []*commentNotification
}

// commentNotification is a notification attached to a comment.
type commentNotification struct {
	ID                  int64
	AlreadyRead         bool
	Reason              int
	UserID              int64
	ResourceAlreadyRead bool
}

// wikiTag is a project's wiki tag.
type wikiTag struct {
	ID   int64
	Name string
}

// wiki is a wiki page with its history (oldest first).
type wiki struct {
	ID            int64
	ProjectID     int64
	Name          string
	Content       string
	Tags          []int64
	CreatedUser   int64
	Created       time.Time
	UpdatedUser   int64
	Updated       time.Time
	Attachments   []*attachment
	SharedFileIDs []int64
	Stars         []*star
	History       []*wikiHistory // ascending version
}

// wikiHistory is one version of a wiki page.
type wikiHistory struct {
	Version     int64
	Name        string
	Content     string
	CreatedUser int64
	Created     time.Time
}

// sharedFile is a file or directory in a project's file sharing area.
type sharedFile struct {
	ID          int64
	ProjectID   int64
	Type        string // "file" or "directory"
	Dir         string // parent path with leading and trailing "/"
	Name        string
	Size        int64
	CreatedUser int64
	Created     time.Time
	UpdatedUser int64 // 0 renders as null
	Updated     time.Time
}

// document is a Backlog document (hex-string id).
type document struct {
	ID          string
	ProjectID   int64
	Title       string
	Plain       string
	JSON        string
	StatusID    int
	Emoji       *string
	ParentID    string // "" at the root of the tree
	Seq         int64  // position among its siblings (ascending)
	Tags        []*wikiTag
	Attachments []*attachment
	CreatedUser int64
	Created     time.Time
	UpdatedUser int64
	Updated     time.Time
	Trashed     bool
	Comments    []*documentComment
}

// documentComment is a comment on a document with its replies.
type documentComment struct {
	ID          string
	DocumentID  string
	CommentID   string // set on replies: the parent comment
	StatusID    int
	Content     string
	Plain       string
	CreatedUser int64
	Created     time.Time
	UpdatedUser int64
	Updated     time.Time
	Replies     []*documentComment
}

// repository is a project's Git repository.
type repository struct {
	ID           int64
	ProjectID    int64
	Name         string
	Description  string
	HookURL      *string
	DisplayOrder int64
	PushedAt     *time.Time
	CreatedUser  int64
	Created      time.Time
	UpdatedUser  int64
	Updated      time.Time
	PullRequests []*pullRequest // ascending number
}

// pullRequest is a pull request of a repository.
type pullRequest struct {
	ID           int64
	ProjectID    int64
	RepositoryID int64
	Number       int64
	Summary      string
	Description  string
	Base         string
	Branch       string
	StatusID     int
	AssigneeID   *int64
	IssueID      *int64
	BaseCommit   *string
	BranchCommit *string
	MergeCommit  *string
	CloseAt      *time.Time
	MergeAt      *time.Time
	CreatedUser  int64
	Created      time.Time
	UpdatedUser  int64
	Updated      time.Time
	Attachments  []*attachment
	Stars        []*star
	Comments     []*pullRequestComment
}

// pullRequestComment is a comment on a pull request.
type pullRequestComment struct {
	ID            int64
	PullRequestID int64
	Content       string
	ChangeLog     []changeLogEntry
	CreatedUser   int64
	Created       time.Time
	Updated       time.Time
	Stars         []*star
	Notifications []*commentNotification
}

// webhook is a project webhook.
type webhook struct {
	ID              int64
	ProjectID       int64
	Name            string
	Description     string
	HookURL         string
	AllEvent        bool
	ActivityTypeIDs []int64
	CreatedUser     int64
	Created         time.Time
	UpdatedUser     int64
	Updated         time.Time
}

// watching is a user's watch on an issue.
type watching struct {
	ID                  int64
	UserID              int64
	IssueID             int64
	Note                string
	ResourceAlreadyRead bool
	LastContentUpdated  time.Time
	Created             time.Time
	Updated             time.Time
}

// notification is an entry of a user's notification list.
type notification struct {
	ID                  int64
	UserID              int64 // recipient
	AlreadyRead         bool
	Reason              int
	ResourceAlreadyRead bool
	ProjectID           int64
	IssueID             int64 // 0 = null
	CommentID           int64
	PullRequestID       int64
	PullRequestComment  int64
	SenderID            int64
	Created             time.Time
}

// activity is an entry of the space's activity feed. Content is a snapshot
// taken when the activity happened, as on the real service.
type activity struct {
	ID            int64
	ProjectID     int64
	Type          int
	Content       []byte // JSON object
	Notifications []*commentNotification
	CreatedUser   int64
	Created       time.Time
}

// upload is a temporary file posted to /space/attachment, consumed when
// attached to an issue, wiki, pull request or comment.
type upload struct {
	ID      int64
	Name    string
	Size    int64
	Owner   int64
	Created time.Time
}

// recentView is an entry of a user's recently-viewed list.
type recentView struct {
	ID      int64 // issue, project or wiki id
	Updated time.Time
}

// projectID is the project an entity belongs to (the handler kit's inProject
// checks the caller may change it).
func (x *pullRequest) projectID() int64 { return x.ProjectID }

func (x *repository) projectID() int64 { return x.ProjectID }

func (x *wiki) projectID() int64 { return x.ProjectID }
