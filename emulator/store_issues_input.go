package emulator

import (
	"strings"
	"time"
)

// The input of add-issue, update-issue and bulk update, and its validation
// against the project (ids, parent/child rules, notified users, uploads).

// opt is an optional, clearable value: Set=false means "not given";
// Set=true with Value=nil means "clear" (an empty form value).
type opt[T any] struct {
	Set   bool
	Value *T
}

// cfInput is a custom-field value as sent in a form: Values holds one entry
// for text/numeric/date/single-list/radio fields and several for multi-list
// and check-box fields (list item ids as decimal strings). Other is the
// "other" free text of check boxes and radios.
type cfInput struct {
	Values []string
	Other  *string
}

// issueInput carries the parameters of add-issue and update-issue.
type issueInput struct {
	ProjectID       int64 // add only
	Summary         *string
	Description     *string
	IssueTypeID     *int64
	PriorityID      *int64
	StatusID        *int64 // update; on create only internal callers (generator) set it
	ResolutionID    opt[int64]
	AssigneeID      opt[int64]
	ParentIssueID   opt[int64]
	StartDate       opt[time.Time]
	DueDate         opt[time.Time]
	EstimatedHours  opt[float64]
	ActualHours     opt[float64]
	CategoryIDs     *[]int64
	VersionIDs      *[]int64
	MilestoneIDs    *[]int64
	CustomFields    map[int64]cfInput
	NotifiedUserIDs []int64
	AttachmentIDs   []int64 // ids of uploads from POST /space/attachment
	Comment         *string // update only: the text of the change comment
}

// issueFields are the editable fields of an issue. Create and update both
// build the new state in an issueFields, validate it, diff it against the old
// state (update) and only then write it to the issue.
type issueFields struct {
	Summary        string
	Description    string
	IssueTypeID    int64
	PriorityID     int64
	StatusID       int64
	ResolutionID   *int64
	AssigneeID     *int64
	CategoryIDs    []int64
	VersionIDs     []int64
	MilestoneIDs   []int64
	StartDate      *time.Time
	DueDate        *time.Time
	EstimatedHours *float64
	ActualHours    *float64
	ParentIssueID  *int64
	CustomFields   []*cfValue
}

func fieldsOf(is *issue) issueFields {
	return issueFields{Summary: is.Summary, Description: is.Description, IssueTypeID: is.IssueTypeID,
		PriorityID: is.PriorityID, StatusID: is.StatusID, ResolutionID: is.ResolutionID,
		AssigneeID: is.AssigneeID, CategoryIDs: is.CategoryIDs, VersionIDs: is.VersionIDs,
		MilestoneIDs: is.MilestoneIDs, StartDate: is.StartDate, DueDate: is.DueDate,
		EstimatedHours: is.EstimatedHours, ActualHours: is.ActualHours, ParentIssueID: is.ParentIssueID,
		CustomFields: is.CustomFields}
}

func (f *issueFields) applyTo(is *issue) {
	is.Summary, is.Description, is.IssueTypeID = f.Summary, f.Description, f.IssueTypeID
	is.PriorityID, is.StatusID, is.ResolutionID = f.PriorityID, f.StatusID, f.ResolutionID
	is.AssigneeID, is.CategoryIDs, is.VersionIDs = f.AssigneeID, f.CategoryIDs, f.VersionIDs
	is.MilestoneIDs, is.StartDate, is.DueDate = f.MilestoneIDs, f.StartDate, f.DueDate
	is.EstimatedHours, is.ActualHours, is.ParentIssueID = f.EstimatedHours, f.ActualHours, f.ParentIssueID
	is.CustomFields = f.CustomFields
}

// statusExists reports whether id is a built-in or custom status of p.
func statusExists(p *project, id int64) bool {
	if id >= StatusOpen && id <= StatusClosed {
		return true
	}
	for _, st := range p.Statuses {
		if st.ID == id {
			return true
		}
	}
	return false
}

func priorityExists(id int64) bool {
	for _, p := range priorities {
		if p.ID == id {
			return true
		}
	}
	return false
}

func resolutionExists(id int64) bool {
	for _, r := range resolutions {
		if r.ID == id {
			return true
		}
	}
	return false
}

// applyInput copies the given parameters of in onto f and validates every
// referenced id against project p. is is the issue being updated (nil on
// create).
func (s *store) applyInput(p *project, is *issue, f *issueFields, in *issueInput) error {
	if in.Summary != nil {
		if strings.TrimSpace(*in.Summary) == "" {
			return badRequest("Summary must not be empty.")
		}
		if len([]rune(*in.Summary)) > 255 {
			return badRequest("Summary is too long (at most 255 characters).")
		}
		f.Summary = *in.Summary
	}
	if in.Description != nil {
		f.Description = *in.Description
	}
	if in.IssueTypeID != nil {
		if findIssueType(p, *in.IssueTypeID) == nil {
			return badRequest("No issue type %d in project %s.", *in.IssueTypeID, p.Key)
		}
		f.IssueTypeID = *in.IssueTypeID
	}
	if in.PriorityID != nil {
		if !priorityExists(*in.PriorityID) {
			return badRequest("No priority %d.", *in.PriorityID)
		}
		f.PriorityID = *in.PriorityID
	}
	if in.StatusID != nil {
		if !statusExists(p, *in.StatusID) {
			return badRequest("No status %d in project %s.", *in.StatusID, p.Key)
		}
		f.StatusID = *in.StatusID
	}
	if in.ResolutionID.Set {
		if v := in.ResolutionID.Value; v != nil && !resolutionExists(*v) {
			return badRequest("No resolution %d.", *v)
		}
		f.ResolutionID = in.ResolutionID.Value
	}
	if in.AssigneeID.Set {
		if v := in.AssigneeID.Value; v != nil && (s.users[*v] == nil || !p.isMember(*v)) {
			return badRequest("Assignee %d is not a member of project %s.", *v, p.Key)
		}
		f.AssigneeID = in.AssigneeID.Value
	}
	check := func(ids []int64, what string, ok func(int64) bool) ([]int64, error) {
		out := []int64{}
		for _, id := range ids {
			if !ok(id) {
				return nil, badRequest("No %s %d in project %s.", what, id, p.Key)
			}
			if !containsID(out, id) {
				out = append(out, id)
			}
		}
		return out, nil
	}
	var err error
	if in.CategoryIDs != nil {
		if f.CategoryIDs, err = check(*in.CategoryIDs, "category", func(id int64) bool { return findCategory(p, id) != nil }); err != nil {
			return err
		}
	}
	if in.VersionIDs != nil {
		if f.VersionIDs, err = check(*in.VersionIDs, "version", func(id int64) bool { return findVersion(p, id) != nil }); err != nil {
			return err
		}
	}
	if in.MilestoneIDs != nil {
		if f.MilestoneIDs, err = check(*in.MilestoneIDs, "milestone", func(id int64) bool { return findVersion(p, id) != nil }); err != nil {
			return err
		}
	}
	if in.StartDate.Set {
		f.StartDate = in.StartDate.Value
	}
	if in.DueDate.Set {
		f.DueDate = in.DueDate.Value
	}
	if f.StartDate != nil && f.DueDate != nil && f.DueDate.Before(*f.StartDate) {
		return badRequest("The due date must not be before the start date.")
	}
	for _, h := range []struct {
		name string
		in   opt[float64]
		dst  **float64
	}{{"estimatedHours", in.EstimatedHours, &f.EstimatedHours}, {"actualHours", in.ActualHours, &f.ActualHours}} {
		if !h.in.Set {
			continue
		}
		if v := h.in.Value; v != nil && (*v < 0 || *v > 99999.99) {
			return badRequest("Invalid %s: %v is out of range.", h.name, *v)
		}
		*h.dst = h.in.Value
	}
	if in.ParentIssueID.Set {
		if v := in.ParentIssueID.Value; v != nil {
			if err := s.checkParent(p, is, *v); err != nil {
				return err
			}
		}
		f.ParentIssueID = in.ParentIssueID.Value
	}
	if len(in.CustomFields) > 0 {
		if f.CustomFields, err = s.applyCustomFields(p, f.IssueTypeID, f.CustomFields, in.CustomFields); err != nil {
			return err
		}
	}
	return nil
}

// checkParent validates making parentID the parent of is (nil on create).
func (s *store) checkParent(p *project, is *issue, parentID int64) error {
	if !p.SubtaskingEnabled {
		return badRequest("Subtasking is not enabled in project %s.", p.Key)
	}
	parent := s.issues[parentID]
	if parent == nil || parent.ProjectID != p.ID {
		return badRequest("The parent issue %d is not an issue of project %s.", parentID, p.Key)
	}
	if is != nil && parent.ID == is.ID {
		return badRequest("An issue cannot be its own parent.")
	}
	depth := s.issueDepth(parent) // 1 = top level
	below := 0                    // levels below is (0 when it has no children)
	if is != nil {
		below = s.subtreeHeight(is)
		for a := parent; a != nil && a.ParentIssueID != nil; a = s.issues[*a.ParentIssueID] {
			if *a.ParentIssueID == is.ID {
				return badRequest("The parent issue %d is a descendant of this issue.", parentID)
			}
		}
	}
	maxDepth := 2
	if p.GrandchildIssueEnabled {
		maxDepth = 3
	}
	if depth+1+below > maxDepth {
		if !p.GrandchildIssueEnabled {
			return badRequest("The parent issue %d is itself a child issue and grandchild issues are not enabled in project %s.", parentID, p.Key)
		}
		return badRequest("Issues can be nested at most three levels deep.")
	}
	return nil
}

// issueDepth returns 1 for a top-level issue, 2 for a child, 3 for a grandchild.
func (s *store) issueDepth(is *issue) int {
	d := 1
	for a := is; a.ParentIssueID != nil && d < 10; d++ {
		a = s.issues[*a.ParentIssueID]
		if a == nil {
			break
		}
	}
	return d
}

// subtreeHeight returns how many levels of descendants is has.
func (s *store) subtreeHeight(is *issue) int {
	h := 0
	for _, c := range s.childrenOf(is.ID) {
		if ch := 1 + s.subtreeHeight(c); ch > h {
			h = ch
		}
	}
	return h
}

func containsID(list []int64, id int64) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

// checkNotified validates notifiedUserId[]: project members only.
func (s *store) checkNotified(p *project, ids []int64) error {
	for _, id := range ids {
		if s.users[id] == nil || !p.isMember(id) {
			return badRequest("Notified user %d is not a member of project %s.", id, p.Key)
		}
	}
	return nil
}

// checkUploads validates attachmentId[]: the actor's own unexpired uploads.
func (s *store) checkUploads(actor *user, at time.Time, ids []int64) error {
	seen := map[int64]bool{}
	for _, id := range ids {
		u := s.uploads[id]
		if u == nil || u.Owner != actor.ID || at.Sub(u.Created) > uploadTTL || seen[id] {
			return badRequest("No attachment %d: upload it with POST /api/v2/space/attachment first (uploads expire after one hour).", id)
		}
		seen[id] = true
	}
	return nil
}
