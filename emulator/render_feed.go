package emulator

import (
	"encoding/json"
)

// Shapes of the feeds: activities, notifications, watchings, webhooks and
// the recently viewed lists.

type jsonNotifRepository struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

type jsonNotification struct {
	ID                  int64                `json:"id"`
	AlreadyRead         bool                 `json:"alreadyRead"`
	Reason              int                  `json:"reason"`
	ResourceAlreadyRead bool                 `json:"resourceAlreadyRead"`
	Project             *jsonProject         `json:"project"`
	Issue               json.RawMessage      `json:"issue"`
	Comment             *jsonComment         `json:"comment"`
	Repository          *jsonNotifRepository `json:"repository"`
	PullRequest         *jsonPullRequest     `json:"pullRequest"`
	PullRequestComment  *jsonPRComment       `json:"pullRequestComment"`
	Sender              *jsonUser            `json:"sender"`
	Created             ts                   `json:"created"`
}

// renderNotification renders a notification; objects deleted since render
// as null.
func (s *store) renderNotification(n *notification) *jsonNotification {
	j := &jsonNotification{ID: n.ID, AlreadyRead: n.AlreadyRead, Reason: n.Reason,
		ResourceAlreadyRead: n.ResourceAlreadyRead, Issue: json.RawMessage("null"),
		Sender: s.renderUser(n.SenderID), Created: ts(n.Created)}
	if p := s.projects[n.ProjectID]; p != nil {
		j.Project = renderProject(p)
	}
	if is := s.issues[n.IssueID]; is != nil && n.IssueID != 0 {
		j.Issue = s.issueJSON(is)
	}
	if c := s.comments[n.CommentID]; c != nil && n.CommentID != 0 {
		j.Comment = s.renderComment(c)
	}
	if pr := s.pullReqs[n.PullRequestID]; pr != nil && n.PullRequestID != 0 {
		if r := s.repos[pr.RepositoryID]; r != nil {
			j.Repository = &jsonNotifRepository{r.ID, r.Name, r.Description}
		}
		j.PullRequest = s.renderPullRequest(pr, false)
	}
	if c := s.prComments[n.PullRequestComment]; c != nil && n.PullRequestComment != 0 {
		j.PullRequestComment = s.renderPullRequestComment(c)
	}
	return j
}

type jsonWatching struct {
	ID                  int64           `json:"id"`
	ResourceAlreadyRead bool            `json:"resourceAlreadyRead"`
	Note                string          `json:"note"`
	Type                string          `json:"type"`
	Issue               json.RawMessage `json:"issue"`
	LastContentUpdated  ts              `json:"lastContentUpdated"`
	Created             ts              `json:"created"`
	Updated             ts              `json:"updated"`
}

func (s *store) renderWatching(w *watching) *jsonWatching {
	is := s.issues[w.IssueID]
	return &jsonWatching{ID: w.ID, ResourceAlreadyRead: s.watchingRead(w), Note: w.Note, Type: "issue",
		Issue: s.issueJSON(is), LastContentUpdated: ts(is.Updated), Created: ts(w.Created), Updated: ts(w.Updated)}
}

type jsonWebhook struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	Description     string    `json:"description"`
	HookURL         string    `json:"hookUrl"`
	AllEvent        bool      `json:"allEvent"`
	ActivityTypeIDs []int64   `json:"activityTypeIds"`
	CreatedUser     *jsonUser `json:"createdUser"`
	Created         ts        `json:"created"`
	UpdatedUser     *jsonUser `json:"updatedUser"`
	Updated         ts        `json:"updated"`
}

func (s *store) renderWebhook(w *webhook) *jsonWebhook {
	ids := w.ActivityTypeIDs
	if ids == nil {
		ids = []int64{}
	}
	return &jsonWebhook{ID: w.ID, Name: w.Name, Description: w.Description, HookURL: w.HookURL,
		AllEvent: w.AllEvent, ActivityTypeIDs: ids, CreatedUser: s.renderUser(w.CreatedUser),
		Created: ts(w.Created), UpdatedUser: s.renderUser(w.UpdatedUser), Updated: ts(w.Updated)}
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

// The recently viewed lists (GET /users/myself/recentlyViewed…): the entity
// and when the user last viewed it.

type jsonRecentIssue struct {
	Issue   json.RawMessage `json:"issue"`
	Updated ts              `json:"updated"`
}

type jsonRecentProject struct {
	Project *jsonProject `json:"project"`
	Updated ts           `json:"updated"`
}

type jsonRecentWiki struct {
	Page    *jsonWikiListItem `json:"page"`
	Updated ts                `json:"updated"`
}
