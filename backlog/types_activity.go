package backlog

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// ActivityType is the type code of an activity (entities.md).
type ActivityType int

// Activity type codes.
const (
	ActivityIssueCreated             ActivityType = 1
	ActivityIssueUpdated             ActivityType = 2
	ActivityIssueCommented           ActivityType = 3
	ActivityIssueDeleted             ActivityType = 4
	ActivityWikiCreated              ActivityType = 5
	ActivityWikiUpdated              ActivityType = 6
	ActivityWikiDeleted              ActivityType = 7
	ActivityFileAdded                ActivityType = 8
	ActivityFileUpdated              ActivityType = 9
	ActivityFileDeleted              ActivityType = 10
	ActivitySVNCommitted             ActivityType = 11
	ActivityGitPushed                ActivityType = 12
	ActivityGitRepositoryCreated     ActivityType = 13
	ActivityIssueMultiUpdated        ActivityType = 14
	ActivityProjectUserAdded         ActivityType = 15
	ActivityProjectUserDeleted       ActivityType = 16
	ActivityCommentNotificationAdded ActivityType = 17
	ActivityPullRequestAdded         ActivityType = 18
	ActivityPullRequestUpdated       ActivityType = 19
	ActivityPullRequestCommented     ActivityType = 20
	ActivityPullRequestMerged        ActivityType = 21
	ActivityMilestoneCreated         ActivityType = 22
	ActivityMilestoneUpdated         ActivityType = 23
	ActivityMilestoneDeleted         ActivityType = 24
	ActivityProjectTeamAdded         ActivityType = 25
	ActivityProjectTeamDeleted       ActivityType = 26
	ActivityStatusDeleted            ActivityType = 34
	ActivityIssuesDatesUpdated       ActivityType = 35
	ActivityDocumentCreated          ActivityType = 36
	ActivityDocumentDeleted          ActivityType = 37
	ActivityDocumentTitleUpdated     ActivityType = 38
	ActivityDocumentUpdated          ActivityType = 39
	ActivityDocumentCommentCreated   ActivityType = 40
	ActivityDocumentCommentUpdated   ActivityType = 41
	ActivityDocumentCommentDeleted   ActivityType = 42
	ActivityDocumentReplyCreated     ActivityType = 43
	ActivityDocumentReplyUpdated     ActivityType = 44
	ActivityDocumentReplyDeleted     ActivityType = 45
	ActivityDocumentAttachmentAdded  ActivityType = 46
	ActivityIssuesMultiCreated       ActivityType = 47
	ActivityDocumentsMultiCreated    ActivityType = 48
	ActivityDocumentMentioned        ActivityType = 49
)

// Activity is an entry of a recent-updates feed. Content keeps the raw
// snake_case payload; decode it with Activity.DecodeContent or the typed
// methods (IssueContent, WikiContent, …), each of which accepts only its
// family of types.
type Activity struct {
	ID            int64                   `json:"id"`
	Project       *Project                `json:"project"`
	Type          ActivityType            `json:"type"`
	Content       json.RawMessage         `json:"content"`
	Notifications []*ActivityNotification `json:"notifications"` // [] in list endpoints since 2022
	CreatedUser   *User                   `json:"createdUser"`
	Created       time.Time               `json:"created"`

	Extra Extra `json:"-"` // members this struct does not know
}

var activityFields = fieldsOf[Activity]()

// UnmarshalJSON decodes an activity and keeps unknown members in Extra.
func (a *Activity) UnmarshalJSON(data []byte) error {
	type plain Activity
	return decodeWithExtra(data, (*plain)(a), activityFields, &a.Extra)
}

// ActivityNotification is a user notified by an activity (GET /activities/:id only).
type ActivityNotification struct {
	ID                  int64 `json:"id"`
	AlreadyRead         bool  `json:"alreadyRead"`
	Reason              int   `json:"reason"`
	User                *User `json:"user"`
	ResourceAlreadyRead bool  `json:"resourceAlreadyRead"`
}

// Type families of the typed content decoders.
var (
	issueActivityTypes       = []ActivityType{1, 2, 3, 4, 17}
	wikiActivityTypes        = []ActivityType{5, 6, 7}
	fileActivityTypes        = []ActivityType{8, 9, 10}
	svnActivityTypes         = []ActivityType{11}
	gitActivityTypes         = []ActivityType{12, 13}
	bulkUpdateActivityTypes  = []ActivityType{14}
	projectUserActivityTypes = []ActivityType{15, 16}
	pullRequestActivityTypes = []ActivityType{18, 19, 20, 21}
	milestoneActivityTypes   = []ActivityType{22, 23, 24}
	teamActivityTypes        = []ActivityType{25, 26}
	statusActivityTypes      = []ActivityType{34}
	documentActivityTypes    = []ActivityType{36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 49}
	bulkCreateActivityTypes  = []ActivityType{47}
	documentsActivityTypes   = []ActivityType{48}
)

// ContentTypeError reports a typed content decoder used on an activity of
// another type family.
type ContentTypeError struct {
	Type ActivityType
	Want string
}

// Error implements error.
func (e *ContentTypeError) Error() string {
	return fmt.Sprintf("backlog: activity type %d does not carry %s content", int(e.Type), e.Want)
}

func decodeContent[T any](a *Activity, family []ActivityType, name string) (*T, error) {
	if !slices.Contains(family, a.Type) {
		return nil, &ContentTypeError{Type: a.Type, Want: name}
	}
	v := new(T)
	if len(a.Content) == 0 || isNull(a.Content) {
		return v, nil
	}
	if err := json.Unmarshal(a.Content, v); err != nil {
		return nil, fmt.Errorf("backlog: activity %d (type %d) content: %w", a.ID, int(a.Type), err)
	}
	return v, nil
}

// DecodeContent decodes Content by type into one of the *…Content types of
// this package. Types without a known shape (27–33, 35, new ones) yield the
// raw json.RawMessage.
func (a *Activity) DecodeContent() (any, error) {
	switch {
	case slices.Contains(issueActivityTypes, a.Type):
		return a.IssueContent()
	case slices.Contains(wikiActivityTypes, a.Type):
		return a.WikiContent()
	case slices.Contains(fileActivityTypes, a.Type):
		return a.FileContent()
	case slices.Contains(svnActivityTypes, a.Type):
		return a.SVNContent()
	case slices.Contains(gitActivityTypes, a.Type):
		return a.GitContent()
	case slices.Contains(bulkUpdateActivityTypes, a.Type):
		return a.BulkUpdateContent()
	case slices.Contains(projectUserActivityTypes, a.Type):
		return a.ProjectUserContent()
	case slices.Contains(pullRequestActivityTypes, a.Type):
		return a.PullRequestContent()
	case slices.Contains(milestoneActivityTypes, a.Type):
		return a.MilestoneContent()
	case slices.Contains(teamActivityTypes, a.Type):
		return a.TeamContent()
	case slices.Contains(statusActivityTypes, a.Type):
		return a.StatusDeletedContent()
	case slices.Contains(documentActivityTypes, a.Type):
		return a.DocumentContent()
	case slices.Contains(bulkCreateActivityTypes, a.Type):
		return a.BulkCreateContent()
	case slices.Contains(documentsActivityTypes, a.Type):
		return a.DocumentsContent()
	}
	return a.Content, nil
}

// ActivityComment is the comment snapshot in activity content.
type ActivityComment struct {
	ID      int64  `json:"id,omitempty"`
	Content string `json:"content"`
}

// ActivityChange is one field change in activity content; Type is "standard"
// or a custom-field kind.
type ActivityChange struct {
	Field    string `json:"field"`
	NewValue string `json:"new_value"`
	OldValue string `json:"old_value"`
	Type     string `json:"type,omitempty"`
}

// ActivityAttachment is an attachment snapshot in activity content.
type ActivityAttachment struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// ActivityLink is one issue of a bulk activity (types 14, 34, 47).
type ActivityLink struct {
	ID      int64            `json:"id"`
	KeyID   int64            `json:"key_id"`
	Title   string           `json:"title"`
	Comment *ActivityComment `json:"comment,omitempty"`
}

// IssueContent is the content of issue activities (types 1–4 and 17).
type IssueContent struct {
	ID                int64                `json:"id"`
	KeyID             int64                `json:"key_id"`
	Summary           string               `json:"summary"`
	Description       string               `json:"description"`
	Comment           *ActivityComment     `json:"comment"`
	Changes           []ActivityChange     `json:"changes"`
	Attachments       []ActivityAttachment `json:"attachments"`
	SharedFiles       []FileContent        `json:"shared_files"`
	ExternalFileLinks []json.RawMessage    `json:"external_file_links"`
}

// IssueContent decodes the content of an issue activity (1–4, 17).
func (a *Activity) IssueContent() (*IssueContent, error) {
	return decodeContent[IssueContent](a, issueActivityTypes, "issue")
}

// WikiContent is the content of wiki activities (types 5–7).
type WikiContent struct {
	ID          int64                `json:"id"`
	Name        string               `json:"name"`
	Content     string               `json:"content"`
	Diff        string               `json:"diff"`
	Version     int64                `json:"version"`
	Attachments []ActivityAttachment `json:"attachments"`
	SharedFiles []FileContent        `json:"shared_files"`
}

// WikiContent decodes the content of a wiki activity (5–7).
func (a *Activity) WikiContent() (*WikiContent, error) {
	return decodeContent[WikiContent](a, wikiActivityTypes, "wiki")
}

// FileContent is the content of shared-file activities (types 8–10).
type FileContent struct {
	ID   int64  `json:"id"`
	Dir  string `json:"dir"`
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// FileContent decodes the content of a shared-file activity (8–10).
func (a *Activity) FileContent() (*FileContent, error) {
	return decodeContent[FileContent](a, fileActivityTypes, "shared file")
}

// SVNContent is the content of a Subversion commit activity (type 11).
type SVNContent struct {
	Rev     int64  `json:"rev"`
	Comment string `json:"comment"`
}

// SVNContent decodes the content of a Subversion activity (11).
func (a *Activity) SVNContent() (*SVNContent, error) {
	return decodeContent[SVNContent](a, svnActivityTypes, "subversion")
}

// GitRevision is one pushed commit.
type GitRevision struct {
	Rev     string `json:"rev"`
	Comment string `json:"comment"`
}

// GitContent is the content of Git activities (types 12 and 13).
type GitContent struct {
	Repository    RepositorySummary `json:"repository"`
	ChangeType    string            `json:"change_type"`
	RevisionType  string            `json:"revision_type"`
	Ref           string            `json:"ref"`
	RevisionCount int               `json:"revision_count"`
	Revisions     []GitRevision     `json:"revisions"`
}

// GitContent decodes the content of a Git activity (12, 13).
func (a *Activity) GitContent() (*GitContent, error) {
	return decodeContent[GitContent](a, gitActivityTypes, "git")
}

// BulkUpdateContent is the content of a bulk issue update (type 14).
type BulkUpdateContent struct {
	TxID    int64            `json:"tx_id"`
	Comment *ActivityComment `json:"comment"`
	Link    []ActivityLink   `json:"link"`
	Changes []ActivityChange `json:"changes"`
}

// BulkUpdateContent decodes the content of a bulk update (14).
func (a *Activity) BulkUpdateContent() (*BulkUpdateContent, error) {
	return decodeContent[BulkUpdateContent](a, bulkUpdateActivityTypes, "bulk update")
}

// ProjectUserContent is the content of project membership activities (15, 16).
type ProjectUserContent struct {
	Users                  []*User `json:"users"`
	GroupProjectActivities []struct {
		ID   int64 `json:"id"`
		Type int   `json:"type"`
	} `json:"group_project_activities"`
	Comment string `json:"comment"`
}

// ProjectUserContent decodes the content of a membership activity (15, 16).
func (a *Activity) ProjectUserContent() (*ProjectUserContent, error) {
	return decodeContent[ProjectUserContent](a, projectUserActivityTypes, "project user")
}

// ActivityIssueRef is the issue snapshot in pull-request activity content.
type ActivityIssueRef struct {
	ID          int64  `json:"id"`
	KeyID       int64  `json:"key_id"`
	IssueKey    string `json:"issue_key,omitempty"`
	Summary     string `json:"summary"`
	Description string `json:"description"`
}

// PullRequestContent is the content of pull-request activities (18–21).
type PullRequestContent struct {
	ID          int64             `json:"id"`
	Number      int64             `json:"number"`
	Summary     string            `json:"summary"`
	Description string            `json:"description"`
	Comment     *ActivityComment  `json:"comment"`
	Changes     []ActivityChange  `json:"changes"`
	Issue       *ActivityIssueRef `json:"issue"`
	Repository  RepositorySummary `json:"repository"`
}

// PullRequestContent decodes the content of a pull-request activity (18–21).
func (a *Activity) PullRequestContent() (*PullRequestContent, error) {
	return decodeContent[PullRequestContent](a, pullRequestActivityTypes, "pull request")
}

// MilestoneContent is the content of version/milestone activities (22–24).
type MilestoneContent struct {
	ID            int64            `json:"id"`
	Name          string           `json:"name"`
	StartDate     *Date            `json:"start_date"`
	ReferenceDate *Date            `json:"reference_date"`
	Description   string           `json:"description"`
	Changes       []ActivityChange `json:"changes"`
}

// MilestoneContent decodes the content of a milestone activity (22–24).
func (a *Activity) MilestoneContent() (*MilestoneContent, error) {
	return decodeContent[MilestoneContent](a, milestoneActivityTypes, "milestone")
}

// Party is a team (formerly group) in team activities.
type Party struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// TeamContent is the content of team membership activities (25, 26).
type TeamContent struct {
	Parties []Party `json:"parties"`
}

// TeamContent decodes the content of a team activity (25, 26).
func (a *Activity) TeamContent() (*TeamContent, error) {
	return decodeContent[TeamContent](a, teamActivityTypes, "team")
}

// StatusDeletedContent is the content of a status deletion (type 34).
type StatusDeletedContent struct {
	DeletedStatus struct {
		Name string `json:"name"`
	} `json:"deletedStatus"`
	Link   []ActivityLink  `json:"link"`
	Change *ActivityChange `json:"change"`
}

// StatusDeletedContent decodes the content of a status deletion (34).
func (a *Activity) StatusDeletedContent() (*StatusDeletedContent, error) {
	return decodeContent[StatusDeletedContent](a, statusActivityTypes, "status deletion")
}

// DocumentContent is the content of document activities (36–46, 49).
type DocumentContent struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// DocumentContent decodes the content of a document activity (36–46, 49).
func (a *Activity) DocumentContent() (*DocumentContent, error) {
	return decodeContent[DocumentContent](a, documentActivityTypes, "document")
}

// BulkCreateContent is the content of a bulk issue creation (type 47).
type BulkCreateContent struct {
	Link []ActivityLink `json:"link"`
}

// BulkCreateContent decodes the content of a bulk creation (47).
func (a *Activity) BulkCreateContent() (*BulkCreateContent, error) {
	return decodeContent[BulkCreateContent](a, bulkCreateActivityTypes, "bulk create")
}

// DocumentsContent is the content of a bulk document creation (type 48).
type DocumentsContent struct {
	Documents []DocumentContent `json:"documents"`
}

// DocumentsContent decodes the content of a bulk document creation (48).
func (a *Activity) DocumentsContent() (*DocumentsContent, error) {
	return decodeContent[DocumentsContent](a, documentsActivityTypes, "documents")
}
