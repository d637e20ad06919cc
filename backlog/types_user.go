package backlog

import (
	"encoding/json"
	"strconv"
	"time"
)

// RoleType is a user's role in the space. Current plans use 1–4; classic
// plans used 1 Admin, 2 Normal user, 3 Reporter, 4 Viewer, 5 Guest Reporter,
// 6 Guest Viewer.
type RoleType int

// Role types of current plans.
const (
	RoleAdministrator RoleType = 1 // space administrator
	RoleMember        RoleType = 2 // member or guest without restriction
	RoleAddIssues     RoleType = 3 // member or guest restricted to adding issues
	RoleViewIssues    RoleType = 4 // member or guest restricted to viewing issues
)

// String names the role as Backlog's pages do ("Administrator", "Normal
// user", "Reporter", "Viewer", and the classic plans' "Guest Reporter" and
// "Guest Viewer"); an unknown value is "role N".
func (rt RoleType) String() string {
	switch rt {
	case RoleAdministrator:
		return "Administrator"
	case RoleMember:
		return "Normal user"
	case RoleAddIssues:
		return "Reporter"
	case RoleViewIssues:
		return "Viewer"
	case 5:
		return "Guest Reporter"
	case 6:
		return "Guest Viewer"
	}
	return "role " + strconv.Itoa(int(rt))
}

// User is a Backlog user. Embedded users (createdUser, assignee, …) are full
// User objects too.
type User struct {
	ID            int64         `json:"id"`
	UserID        *string       `json:"userId"` // login id; absent in very old payloads
	Name          string        `json:"name"`
	RoleType      RoleType      `json:"roleType"`
	Lang          *string       `json:"lang"`
	NulabAccount  *NulabAccount `json:"nulabAccount"`
	MailAddress   string        `json:"mailAddress"`
	LastLoginTime *time.Time    `json:"lastLoginTime"`
	Keyword       string        `json:"keyword,omitempty"` // document-related responses only

	Extra Extra `json:"-"` // members this struct does not know
}

var userFields = fieldsOf[User]()

// UnmarshalJSON decodes a user and keeps unknown members in Extra.
func (u *User) UnmarshalJSON(data []byte) error {
	if fastInto(data, u, fastUser) {
		return nil
	}
	type plain User
	return decodeWithExtra(data, (*plain)(u), userFields, &u.Extra)
}

// NulabAccount links a user to a Nulab account.
type NulabAccount struct {
	NulabID  string `json:"nulabId"`
	Name     string `json:"name"`
	UniqueID string `json:"uniqueId"`
	IconURL  string `json:"iconUrl,omitempty"`
}

// Team is a group of users that can join projects.
type Team struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Members      []*User   `json:"members"`
	DisplayOrder *int64    `json:"displayOrder"`
	CreatedUser  *User     `json:"createdUser"`
	Created      time.Time `json:"created"`
	UpdatedUser  *User     `json:"updatedUser"`
	Updated      time.Time `json:"updated"`
}

// Star is a star given to an issue, comment, wiki page or pull request.
type Star struct {
	ID        int64     `json:"id"`
	Comment   *string   `json:"comment"`
	URL       string    `json:"url"`
	Title     string    `json:"title"`
	Presenter *User     `json:"presenter"`
	Created   time.Time `json:"created"`
}

// Watching is an issue the user watches.
type Watching struct {
	ID                  int64      `json:"id"`
	ResourceAlreadyRead bool       `json:"resourceAlreadyRead"`
	Note                string     `json:"note"`
	Type                string     `json:"type"` // "issue"
	Issue               *Issue     `json:"issue"`
	LastContentUpdated  *time.Time `json:"lastContentUpdated"`
	Created             time.Time  `json:"created"`
	Updated             time.Time  `json:"updated"`
}

// Notification is one of the caller's own notifications.
type Notification struct {
	ID                   int64               `json:"id"`
	AlreadyRead          bool                `json:"alreadyRead"`
	Reason               int                 `json:"reason"`
	ResourceAlreadyRead  bool                `json:"resourceAlreadyRead"`
	Project              *Project            `json:"project"`
	Issue                *Issue              `json:"issue"`
	Comment              *Comment            `json:"comment"`
	Repository           *RepositorySummary  `json:"repository"`
	PullRequest          *PullRequest        `json:"pullRequest"`
	PullRequestComment   *PullRequestComment `json:"pullRequestComment"`
	Document             json.RawMessage     `json:"document,omitempty"`
	DocumentComment      json.RawMessage     `json:"documentComment,omitempty"`
	DocumentCommentReply json.RawMessage     `json:"documentCommentReply,omitempty"`
	Sender               *User               `json:"sender"`
	Created              time.Time           `json:"created"`
}
