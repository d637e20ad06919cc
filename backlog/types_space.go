package backlog

import "time"

// Space is the Backlog space (GET /space).
type Space struct {
	SpaceKey           string    `json:"spaceKey"`
	Name               string    `json:"name"`
	OwnerID            int64     `json:"ownerId"`
	Lang               string    `json:"lang"`
	Timezone           string    `json:"timezone"`
	ReportSendTime     string    `json:"reportSendTime"`
	TextFormattingRule string    `json:"textFormattingRule"`
	Created            time.Time `json:"created"`
	Updated            time.Time `json:"updated"`
}

// SpaceNotification is the space-wide announcement.
type SpaceNotification struct {
	Content string     `json:"content"`
	Updated *time.Time `json:"updated"`
}

// SpaceDiskUsage is the space's storage use in bytes.
type SpaceDiskUsage struct {
	Capacity   int64               `json:"capacity"`
	Issue      int64               `json:"issue"`
	Wiki       int64               `json:"wiki"`
	File       int64               `json:"file"`
	Subversion int64               `json:"subversion"`
	Git        int64               `json:"git"`
	GitLFS     int64               `json:"gitLFS"`
	Details    []*ProjectDiskUsage `json:"details"`
}

// ProjectDiskUsage is one project's storage use in bytes.
type ProjectDiskUsage struct {
	ProjectID  int64 `json:"projectId"`
	Issue      int64 `json:"issue"`
	Wiki       int64 `json:"wiki"`
	Document   int64 `json:"document"`
	File       int64 `json:"file"`
	Subversion int64 `json:"subversion"`
	Git        int64 `json:"git"`
	GitLFS     int64 `json:"gitLFS"`
}

// Licence describes the space's plan. Numeric limits of 0 mean unlimited.
type Licence struct {
	Active                            bool       `json:"active"`
	Attribute                         bool       `json:"attribute"`
	Burndown                          bool       `json:"burndown"`
	FileSharing                       bool       `json:"fileSharing"`
	Gantt                             bool       `json:"gantt"`
	Git                               bool       `json:"git"`
	NulabAccount                      bool       `json:"nulabAccount"`
	ParentChildIssue                  bool       `json:"parentChildIssue"`
	GrandchildIssueEnabled            bool       `json:"grandchildIssueEnabled"`
	PostIssueByMail                   bool       `json:"postIssueByMail"`
	RemoteAddress                     bool       `json:"remoteAddress"`
	Subversion                        bool       `json:"subversion"`
	SubversionExternal                bool       `json:"subversionExternal"`
	WikiAttachment                    bool       `json:"wikiAttachment"`
	AttachmentLimit                   int64      `json:"attachmentLimit"`
	AttachmentLimitPerFile            int64      `json:"attachmentLimitPerFile"`
	AttachmentNumLimit                int64      `json:"attachmentNumLimit"`
	AttributeLimit                    int64      `json:"attributeLimit"`
	CommentLimit                      int64      `json:"commentLimit"`
	ComponentLimit                    int64      `json:"componentLimit"`
	IssueLimit                        int64      `json:"issueLimit"`
	LicenceTypeID                     int64      `json:"licenceTypeId"`
	ProjectLimit                      int64      `json:"projectLimit"`
	PullRequestAttachmentLimitPerFile int64      `json:"pullRequestAttachmentLimitPerFile"`
	PullRequestAttachmentNumLimit     int64      `json:"pullRequestAttachmentNumLimit"`
	RemoteAddressLimit                int64      `json:"remoteAddressLimit"`
	StorageLimit                      int64      `json:"storageLimit"`
	UserLimit                         int64      `json:"userLimit"`
	VersionLimit                      int64      `json:"versionLimit"`
	WikiAttachmentLimitPerFile        int64      `json:"wikiAttachmentLimitPerFile"`
	WikiAttachmentNumLimit            int64      `json:"wikiAttachmentNumLimit"`
	LimitDate                         *time.Time `json:"limitDate"`
	StartedOn                         *time.Time `json:"startedOn"`
}
