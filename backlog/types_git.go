package backlog

import "time"

// Repository is a project's Git repository.
type Repository struct {
	ID           int64      `json:"id"`
	ProjectID    int64      `json:"projectId"`
	Name         string     `json:"name"`
	Description  string     `json:"description"`
	HookURL      *string    `json:"hookUrl"`
	HTTPURL      string     `json:"httpUrl"`
	SSHURL       string     `json:"sshUrl"`
	DisplayOrder int64      `json:"displayOrder"`
	PushedAt     *time.Time `json:"pushedAt"`
	CreatedUser  *User      `json:"createdUser"`
	Created      time.Time  `json:"created"`
	UpdatedUser  *User      `json:"updatedUser"`
	Updated      time.Time  `json:"updated"`
}

// RepositorySummary is the short repository shape in notifications and
// activity content.
type RepositorySummary struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

// PullRequestStatus is a pull request's status: 1 Open, 2 Closed, 3 Merged.
type PullRequestStatus struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// PullRequest is a pull request of a Git repository. In list responses Issue
// carries only its ID.
type PullRequest struct {
	ID           int64              `json:"id"`
	ProjectID    int64              `json:"projectId"`
	RepositoryID int64              `json:"repositoryId"`
	Number       int64              `json:"number"`
	Summary      string             `json:"summary"`
	Description  string             `json:"description"`
	Base         string             `json:"base"`
	Branch       string             `json:"branch"`
	Status       *PullRequestStatus `json:"status"`
	Assignee     *User              `json:"assignee"`
	Issue        *Issue             `json:"issue"`
	BaseCommit   *string            `json:"baseCommit"`
	BranchCommit *string            `json:"branchCommit"`
	MergeCommit  *string            `json:"mergeCommit"`
	CloseAt      *time.Time         `json:"closeAt"`
	MergeAt      *time.Time         `json:"mergeAt"`
	CreatedUser  *User              `json:"createdUser"`
	Created      time.Time          `json:"created"`
	UpdatedUser  *User              `json:"updatedUser"`
	Updated      time.Time          `json:"updated"`
	Attachments  []*Attachment      `json:"attachments"`
	Stars        []*Star            `json:"stars"`

	Extra Extra `json:"-"` // members this struct does not know
}

var pullRequestFields = fieldsOf[PullRequest]()

// UnmarshalJSON decodes a pull request and keeps unknown members in Extra.
func (pr *PullRequest) UnmarshalJSON(data []byte) error {
	type plain PullRequest
	return decodeWithExtra(data, (*plain)(pr), pullRequestFields, &pr.Extra)
}

// PullRequestComment is a comment on a pull request.
type PullRequestComment struct {
	ID            int64                  `json:"id"`
	Content       string                 `json:"content"`
	ChangeLog     []*ChangeLogEntry      `json:"changeLog"`
	CreatedUser   *User                  `json:"createdUser"`
	Created       time.Time              `json:"created"`
	Updated       time.Time              `json:"updated"`
	Stars         []*Star                `json:"stars"`
	Notifications []*CommentNotification `json:"notifications"`
}
