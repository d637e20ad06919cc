package emulator

import (
	"time"
)

// moveIssue moves is to project to, as Backlog's web UI does ("Move issue";
// the API has no parameter for it). This is our model of that move:
//
//   - the issue keeps its id and gets the next key of to (its issueKey
//     changes; the old key no longer resolves);
//   - its issue type and status become to's ones with the same name, else
//     to's first;
//   - categories, versions, milestones and custom-field values are cleared
//     (they belong to the old project);
//   - an issue with a parent or with children is refused (Backlog requires
//     parent and child in one project), as is a move to its own project or
//     by someone who may not edit it or write to to;
//   - its comments and the notifications about it now belong to to
//     (ProjectID fields); activities already recorded keep their project;
//   - its shared-file links are removed (a link names a file of the issue's
//     project, so none can stay);
//   - Updated and UpdatedUser are set, and an activity 2 (issue updated) is
//     recorded in to with a "project" change and no comment (comment id 0).
//
// Attachments, stars, watchings, related issues and the comments' text are
// kept. Nothing is changed when the move is refused.
func (s *store) moveIssue(actor *user, at time.Time, is *issue, to *project) error {
	if err := s.checkEdit(actor, is); err != nil {
		return err
	}
	if err := s.checkWrite(actor, to); err != nil { // notFound for a nil project
		return err
	}
	from := s.projects[is.ProjectID]
	if from.ID == to.ID {
		return badRequest("Issue %s-%d is already in project %s.", from.Key, is.KeyID, to.Key)
	}
	if is.ParentIssueID != nil || len(s.childrenOf(is.ID)) > 0 {
		return badRequest("Issue %s-%d has a parent or child issues: parent and children must stay in one project.", from.Key, is.KeyID)
	}
	if len(to.IssueTypes) == 0 {
		return badRequest("Project %s has no issue type.", to.Key)
	}
	typeID := to.IssueTypes[0].ID
	if old := findIssueType(from, is.IssueTypeID); old != nil {
		for _, t := range to.IssueTypes {
			if t.Name == old.Name {
				typeID = t.ID
				break
			}
		}
	}
	statuses := s.projectStatuses(to)
	statusID := statuses[0].ID
	if old := s.statusOf(from, is.StatusID); old != nil {
		for _, st := range statuses {
			if st.Name == old.Name {
				statusID = st.ID
				break
			}
		}
	}

	delete(s.issueKeys, [2]int64{from.ID, is.KeyID})
	if to.NextKeyID < 1 {
		to.NextKeyID = 1
	}
	is.ProjectID, is.KeyID = to.ID, to.NextKeyID
	to.NextKeyID++
	s.issueKeys[[2]int64{to.ID, is.KeyID}] = is
	is.IssueTypeID, is.StatusID = typeID, statusID
	is.CategoryIDs, is.VersionIDs, is.MilestoneIDs = []int64{}, []int64{}, []int64{}
	is.CustomFields = nil
	is.SharedFileIDs = []int64{}
	for _, c := range is.Comments {
		c.ProjectID = to.ID
	}
	for _, n := range s.notifications {
		if n.IssueID == is.ID {
			n.ProjectID = to.ID
		}
	}
	is.Updated, is.UpdatedUser = at, actor.ID
	s.issueChanged(is)
	s.addActivity(to.ID, ActIssueUpdated, actor, at, actUpdateContent{ID: is.ID, KeyID: is.KeyID,
		Summary: is.Summary, Description: is.Description, Comment: actComment{Content: strp("")},
		Changes:     []actChange{{Field: "project", NewValue: strp(to.Name), OldValue: strp(from.Name), Type: "standard"}},
		Attachments: []actAttachment{}, SharedFiles: s.actSharedFiles(nil), ExternalFileLinks: []any{}})
	return nil
}
