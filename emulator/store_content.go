package emulator

import (
	"time"
)

// Mutations of the content area: wikis, shared files, documents, Git
// repositories and pull requests. Each assumes the write lock is held by the
// caller, takes its time from the caller and records the activities the real
// service records (entities.md "Activity type codes").

// Activity content mini-objects (snake_case snapshots).
type (
	actContentAttachment struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
		Size int64  `json:"size"`
	}
	actFileRef struct {
		ID   int64  `json:"id"`
		Dir  string `json:"dir"`
		Name string `json:"name"`
		Size int64  `json:"size"`
	}
	actWiki struct {
		ID          int64                  `json:"id"`
		Name        string                 `json:"name"`
		Content     string                 `json:"content"`
		Diff        *string                `json:"diff"`
		Version     int64                  `json:"version"`
		Attachments []actContentAttachment `json:"attachments"`
		SharedFiles []actFileRef           `json:"shared_files"`
	}
	actDocument struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	actRepository struct {
		ID          int64  `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	actRevision struct {
		Rev     string `json:"rev"`
		Comment string `json:"comment"`
	}
	actGitPush struct {
		Repository    actRepository `json:"repository"`
		ChangeType    string        `json:"change_type"`
		RevisionType  string        `json:"revision_type"`
		Ref           string        `json:"ref"`
		RevisionCount int           `json:"revision_count"`
		Revisions     []actRevision `json:"revisions"`
	}
	actPRChange struct {
		Field    string  `json:"field"`
		NewValue *string `json:"new_value"`
		OldValue *string `json:"old_value"`
	}
	actPRComment struct {
		ID      int64  `json:"id"`
		Content string `json:"content"`
	}
	actPRIssue struct {
		ID          int64  `json:"id"`
		KeyID       int64  `json:"key_id"`
		IssueKey    string `json:"issue_key"`
		Summary     string `json:"summary"`
		Description string `json:"description"`
	}
	actPullRequest struct {
		ID          int64         `json:"id"`
		Number      int64         `json:"number"`
		Summary     string        `json:"summary"`
		Description string        `json:"description"`
		Comment     *actPRComment `json:"comment"`
		Changes     []actPRChange `json:"changes"`
		Issue       *actPRIssue   `json:"issue"`
		Repository  actRepository `json:"repository"`
	}
)

// takeContentUploads consumes temporary uploads (POST /space/attachment) of
// actor and turns them into attachments. Unknown ids, or ids uploaded by
// someone else, are a code-7 error and consume nothing.
func (s *store) takeContentUploads(actor *user, at time.Time, ids []int64) ([]*attachment, error) {
	seen := map[int64]bool{}
	for _, id := range ids {
		up := s.uploads[id]
		if up == nil || up.Owner != actor.ID || seen[id] {
			return nil, badRequest("Invalid attachmentId: %d is not a pending upload of this user.", id)
		}
		seen[id] = true
	}
	out := make([]*attachment, 0, len(ids))
	for _, id := range ids {
		up := s.uploads[id]
		delete(s.uploads, id)
		out = append(out, &attachment{ID: up.ID, Name: up.Name, Size: up.Size, CreatedUser: actor.ID, Created: at})
	}
	return out, nil
}
