// Why this file is over 600 lines: it is the issue write contract (create,
// update with its change log, comments, bulk update, delete, attachments,
// relations) that the HTTP handlers, the generator and churn all call; the
// change-log rules are shared by every one of them.

package emulator

import (
	"sort"
	"strings"
	"time"
)

// Issue and comment mutations (the issues-area contract). They are shared by
// the HTTP write handlers, the space generator and churn. Each assumes the
// store's write lock is held, validates its input, records the comments,
// activities and notifications the real service records, and returns
// *apiError for bad input. Nothing is changed when validation fails.

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

// uploadTTL is how long a temporary upload may wait to be attached.
const uploadTTL = time.Hour

// Notification reasons used by this area (entities.md "Notification").
const (
	reasonAssigned  = 1
	reasonCommented = 2
	reasonAdded     = 3
	reasonUpdated   = 4
)

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

// canWriteIssues reports whether actor may add issues/comments in p.
func (s *store) checkWrite(actor *user, p *project) error {
	if p == nil || !s.canSee(actor, p) {
		return notFound("project")
	}
	if actor.RoleType == RoleViewer {
		return forbidden()
	}
	return nil
}

// checkEdit reports whether actor may edit is: viewers never; reporters
// (role 3, "restricted to adding issues") only issues they created.
func (s *store) checkEdit(actor *user, is *issue) error {
	p := s.projects[is.ProjectID]
	if p == nil || !s.canSee(actor, p) {
		return notFound("issue")
	}
	if actor.RoleType == RoleViewer || actor.RoleType == RoleReporter && is.CreatedUser != actor.ID {
		return forbidden()
	}
	return nil
}

// canAdminProject reports whether u is a space or project administrator of p.
func canAdminProject(u *user, p *project) bool {
	return u.RoleType == RoleAdmin || p.isAdmin(u.ID)
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

// childrenOf lists the direct children of an issue (O(number of issues)).
func (s *store) childrenOf(id int64) []*issue {
	var out []*issue
	for _, c := range s.issueList {
		if c.ParentIssueID != nil && *c.ParentIssueID == id {
			out = append(out, c)
		}
	}
	return out
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

// consumeUploads turns uploads into attachments (same ids).
func (s *store) consumeUploads(actor *user, at time.Time, ids []int64) []*attachment {
	out := make([]*attachment, 0, len(ids))
	for _, id := range ids {
		u := s.uploads[id]
		delete(s.uploads, id)
		out = append(out, &attachment{ID: u.ID, Name: u.Name, Size: u.Size, CreatedUser: actor.ID, Created: at})
	}
	return out
}

// notifyUsers notifies each recipient once and returns the comment
// notification entries (shown on comments and by GET /activities/:id).
func (s *store) notifyUsers(recipients []int64, reason int, actor *user, at time.Time, ref notificationRef) []*commentNotification {
	var out []*commentNotification
	seen := map[int64]bool{}
	for _, uid := range recipients {
		if seen[uid] || s.users[uid] == nil {
			continue
		}
		seen[uid] = true
		id := int64(0)
		if n := s.notify(uid, reason, actor, at, ref); n != nil {
			id = n.ID
		} else {
			id = s.nextID("notification")
		}
		out = append(out, &commentNotification{ID: id, Reason: reason, UserID: uid})
	}
	return out
}

// createIssue adds an issue (activity 1; notifications: the assignee with
// reason 1, notifiedUserId[] with reason 3). keyId is the project's next
// sequence number. StatusID may be set by internal callers; the API always
// creates issues as Open.
func (s *store) createIssue(actor *user, at time.Time, in *issueInput) (*issue, error) {
	p := s.projects[in.ProjectID]
	if err := s.checkWrite(actor, p); err != nil {
		return nil, err
	}
	if in.Summary == nil || strings.TrimSpace(*in.Summary) == "" {
		return nil, badRequest("Missing required parameter: summary.")
	}
	if in.IssueTypeID == nil {
		return nil, badRequest("Missing required parameter: issueTypeId.")
	}
	if in.PriorityID == nil {
		return nil, badRequest("Missing required parameter: priorityId.")
	}
	f := issueFields{StatusID: StatusOpen, CategoryIDs: []int64{}, VersionIDs: []int64{}, MilestoneIDs: []int64{}}
	// The issue type decides which custom fields apply: set it first.
	if findIssueType(p, *in.IssueTypeID) == nil {
		return nil, badRequest("No issue type %d in project %s.", *in.IssueTypeID, p.Key)
	}
	f.IssueTypeID = *in.IssueTypeID
	if err := s.applyInput(p, nil, &f, in); err != nil {
		return nil, err
	}
	if err := checkRequiredFields(p, &f); err != nil {
		return nil, err
	}
	if err := s.checkNotified(p, in.NotifiedUserIDs); err != nil {
		return nil, err
	}
	if err := s.checkUploads(actor, at, in.AttachmentIDs); err != nil {
		return nil, err
	}
	if p.NextKeyID < 1 {
		p.NextKeyID = 1
	}
	is := &issue{ID: s.nextID("issue"), ProjectID: p.ID, KeyID: p.NextKeyID, CreatedUser: actor.ID,
		Created: at, UpdatedUser: actor.ID, Updated: at, SharedFileIDs: []int64{}}
	p.NextKeyID++
	f.applyTo(is)
	is.Attachments = s.consumeUploads(actor, at, in.AttachmentIDs)
	s.insertIssue(is)
	s.issueChanged(is)

	ref := notificationRef{ProjectID: p.ID, IssueID: is.ID}
	var notified []*commentNotification
	if is.AssigneeID != nil {
		notified = append(notified, s.notifyUsers([]int64{*is.AssigneeID}, reasonAssigned, actor, at, ref)...)
	}
	notified = append(notified, s.notifyUsers(in.NotifiedUserIDs, reasonAdded, actor, at, ref)...)
	s.addActivity(p.ID, ActIssueCreated, actor, at, actIssueContent{
		ID: is.ID, KeyID: is.KeyID, Summary: is.Summary, Description: is.Description,
		Attachments: actAttachments(is.Attachments), SharedFiles: s.actSharedFiles(is.SharedFileIDs), ExternalFileLinks: []any{},
	}, notified...)
	return is, nil
}

// insertIssue adds is to the indexes, keeping issueList ascending by id.
func (s *store) insertIssue(is *issue) {
	s.issues[is.ID] = is
	s.issueKeys[[2]int64{is.ProjectID, is.KeyID}] = is
	n := len(s.issueList)
	if n == 0 || s.issueList[n-1].ID < is.ID {
		s.issueList = append(s.issueList, is)
		return
	}
	i := sort.Search(n, func(i int) bool { return s.issueList[i].ID >= is.ID })
	s.issueList = append(s.issueList, nil)
	copy(s.issueList[i+1:], s.issueList[i:])
	s.issueList[i] = is
}

// Activity content mini-objects (snake_case, entities.md "Activity").
type actAttachment struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
}

type actComment struct {
	ID      int64   `json:"id"`
	Content *string `json:"content"`
}

type actChange struct {
	Field    string  `json:"field"`
	NewValue *string `json:"new_value"`
	OldValue *string `json:"old_value"`
	Type     string  `json:"type"`
}

// actIssueContent is the content of activities 1, 2, 3 and 17 (Comment and
// Changes are left out of type 1).
type actIssueContent struct {
	ID                int64           `json:"id"`
	KeyID             int64           `json:"key_id"`
	Summary           string          `json:"summary"`
	Description       string          `json:"description"`
	Comment           *actComment     `json:"comment,omitempty"`
	Changes           []actChange     `json:"changes,omitempty"`
	Attachments       []actAttachment `json:"attachments"`
	SharedFiles       []actFileRef    `json:"shared_files"`
	ExternalFileLinks []any           `json:"external_file_links"`
}

// actUpdateContent is actIssueContent with comment and changes always present.
type actUpdateContent struct {
	ID                int64           `json:"id"`
	KeyID             int64           `json:"key_id"`
	Summary           string          `json:"summary"`
	Description       string          `json:"description"`
	Comment           actComment      `json:"comment"`
	Changes           []actChange     `json:"changes"`
	Attachments       []actAttachment `json:"attachments"`
	SharedFiles       []actFileRef    `json:"shared_files"`
	ExternalFileLinks []any           `json:"external_file_links"`
}

func actAttachments(list []*attachment) []actAttachment {
	out := make([]actAttachment, 0, len(list))
	for _, a := range list {
		out = append(out, actAttachment{a.ID, a.Name, a.Size})
	}
	return out
}

// commentContent builds the content of activities 2, 3 and 17.
func (s *store) commentContent(is *issue, c *comment, added []*attachment) actUpdateContent {
	changes := make([]actChange, 0, len(c.ChangeLog))
	for _, e := range c.ChangeLog {
		typ := "standard"
		if e.AttributeInfo != nil {
			typ = "customField"
		}
		changes = append(changes, actChange{Field: e.Field, NewValue: e.NewValue, OldValue: e.OriginalValue, Type: typ})
	}
	return actUpdateContent{ID: is.ID, KeyID: is.KeyID, Summary: is.Summary, Description: is.Description,
		Comment: actComment{ID: c.ID, Content: c.Content}, Changes: changes,
		Attachments: actAttachments(added), SharedFiles: s.actSharedFiles(is.SharedFileIDs), ExternalFileLinks: []any{}}
}

// Display strings for change logs.

// plannedUpdate is a validated update of one issue, not yet applied.
type plannedUpdate struct {
	is      *issue
	p       *project
	fields  issueFields
	changes []changeLogEntry
}

// planUpdate validates in against is and computes the change log.
func (s *store) planUpdate(actor *user, at time.Time, is *issue, in *issueInput) (*plannedUpdate, error) {
	if err := s.checkEdit(actor, is); err != nil {
		return nil, err
	}
	p := s.projects[is.ProjectID]
	old := fieldsOf(is)
	nw := old
	if err := s.applyInput(p, is, &nw, in); err != nil {
		return nil, err
	}
	for id, v := range in.CustomFields {
		// Clearing a required field is refused; untouched ones are left alone.
		if def := customFieldByID(p, id); def != nil && def.Required && fieldApplies(def, nw.IssueTypeID) {
			if pv, _ := parseCFInput(def, v); pv == nil {
				return nil, badRequest("Custom field %s (customField_%d) is required.", def.Name, def.ID)
			}
		}
	}
	if err := s.checkNotified(p, in.NotifiedUserIDs); err != nil {
		return nil, err
	}
	if err := s.checkUploads(actor, at, in.AttachmentIDs); err != nil {
		return nil, err
	}
	return &plannedUpdate{is: is, p: p, fields: nw, changes: s.diffFields(p, &old, &nw)}, nil
}

// applyUpdate writes a planned update and its comment (no activity). It
// returns the comment and the attachments added, or a nil comment when
// nothing changed and no comment text was given.
func (s *store) applyUpdate(actor *user, at time.Time, pu *plannedUpdate, in *issueInput) (*comment, []*attachment) {
	is := pu.is
	hasText := in.Comment != nil && *in.Comment != ""
	if len(pu.changes) == 0 && len(in.AttachmentIDs) == 0 && !hasText {
		return nil, nil
	}
	added := s.consumeUploads(actor, at, in.AttachmentIDs)
	pu.fields.applyTo(is)
	is.Attachments = append(is.Attachments, added...)
	content := ""
	if in.Comment != nil {
		content = *in.Comment
	}
	log := append(pu.changes, attachmentChanges(added)...)
	if log == nil {
		log = []changeLogEntry{}
	}
	c := &comment{ID: s.nextID("comment"), ProjectID: is.ProjectID, IssueID: is.ID, Content: &content,
		ChangeLog: log, CreatedUser: actor.ID, Created: at, Updated: at, Stars: []*star{}}
	s.appendComment(is, c)
	is.Updated, is.UpdatedUser = at, actor.ID
	s.issueChanged(is)
	ref := notificationRef{ProjectID: is.ProjectID, IssueID: is.ID, CommentID: c.ID}
	for _, e := range pu.changes {
		if e.Field == "assigner" && is.AssigneeID != nil {
			c.Notifications = append(c.Notifications, s.notifyUsers([]int64{*is.AssigneeID}, reasonAssigned, actor, at, ref)...)
		}
	}
	c.Notifications = append(c.Notifications, s.notifyUsers(in.NotifiedUserIDs, reasonUpdated, actor, at, ref)...)
	return c, added
}

// appendComment adds c to its issue and the comment index.
func (s *store) appendComment(is *issue, c *comment) {
	is.Comments = append(is.Comments, c)
	s.comments[c.ID] = c
}

// updateIssue applies in to is. When fields change, files are attached or a
// comment is given it appends a comment whose changeLog lists the changes
// (Backlog field names: summary, description, component, version,
// milestone, status, assigner, issueType, startDate, limitDate, priority,
// resolution, estimatedHours, actualHours, parentIssue, attachment,
// custom-field names) and an activity 2. It returns the comment (nil when
// nothing changed and no comment was given; then nothing is touched).
func (s *store) updateIssue(actor *user, at time.Time, is *issue, in *issueInput) (*comment, error) {
	pu, err := s.planUpdate(actor, at, is, in)
	if err != nil {
		return nil, err
	}
	c, added := s.applyUpdate(actor, at, pu, in)
	if c == nil {
		return nil, nil
	}
	s.addActivity(is.ProjectID, ActIssueUpdated, actor, at, s.commentContent(is, c, added), c.Notifications...)
	return c, nil
}

// deleteIssue removes an issue (space or project administrators only): its
// comments go with it, children are detached (parentIssueId → null),
// related-issue links are removed; activity 4 {id, key_id}.
func (s *store) deleteIssue(actor *user, at time.Time, is *issue) error {
	p := s.projects[is.ProjectID]
	if p == nil || !s.canSee(actor, p) {
		return notFound("issue")
	}
	if !canAdminProject(actor, p) {
		return forbidden()
	}
	for _, c := range s.childrenOf(is.ID) {
		c.ParentIssueID = nil
		s.issueChanged(c)
	}
	for _, rid := range is.Related {
		if r := s.issues[rid]; r != nil {
			r.Related = removeID(r.Related, is.ID)
			s.issueChanged(r)
		}
	}
	for _, st := range is.Stars {
		delete(s.stars, st.ID)
	}
	for _, c := range is.Comments {
		for _, st := range c.Stars {
			delete(s.stars, st.ID)
		}
	}
	s.removeIssue(is)
	s.issueChanged(is)
	s.addActivity(p.ID, ActIssueDeleted, actor, at, struct {
		ID    int64 `json:"id"`
		KeyID int64 `json:"key_id"`
	}{is.ID, is.KeyID})
	return nil
}

// removeID returns a copy of list without id (never in place: the old slice
// may still be shared by a snapshot).
func removeID(list []int64, id int64) []int64 {
	out := list[:0:0]
	for _, x := range list {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// addComment adds a comment to an issue, bumps the issue's updated time and
// records activity 3 (changes list the attached files, if any). notified
// users get reason-2 notifications.
func (s *store) addComment(actor *user, at time.Time, is *issue, content string, notified, uploads []int64) (*comment, error) {
	p := s.projects[is.ProjectID]
	if p == nil || !s.canSee(actor, p) {
		return nil, notFound("issue")
	}
	if actor.RoleType == RoleViewer {
		return nil, forbidden()
	}
	if strings.TrimSpace(content) == "" {
		return nil, badRequest("Missing required parameter: content.")
	}
	if err := s.checkNotified(p, notified); err != nil {
		return nil, err
	}
	if err := s.checkUploads(actor, at, uploads); err != nil {
		return nil, err
	}
	added := s.consumeUploads(actor, at, uploads)
	is.Attachments = append(is.Attachments, added...)
	c := &comment{ID: s.nextID("comment"), ProjectID: is.ProjectID, IssueID: is.ID, Content: &content,
		ChangeLog: attachmentChanges(added), CreatedUser: actor.ID, Created: at, Updated: at, Stars: []*star{}}
	s.appendComment(is, c)
	is.Updated, is.UpdatedUser = at, actor.ID
	s.issueChanged(is)
	c.Notifications = s.notifyUsers(notified, reasonCommented, actor, at,
		notificationRef{ProjectID: is.ProjectID, IssueID: is.ID, CommentID: c.ID})
	s.addActivity(is.ProjectID, ActIssueCommented, actor, at, s.commentContent(is, c, added), c.Notifications...)
	return c, nil
}

// bulkUpdateIssues applies one change to several issues of one project the
// way Backlog's web "bulk update" does: one comment per changed issue and a
// single activity 14 {tx_id, comment:{content}, link:[{id, key_id, title,
// comment:{id, content}}], changes:[{field, new_value, type}]}. Every issue
// is validated before any is changed. Uploads are not supported here.
func (s *store) bulkUpdateIssues(actor *user, at time.Time, list []*issue, in *issueInput) error {
	if len(list) == 0 {
		return badRequest("No issues to update.")
	}
	if len(in.AttachmentIDs) > 0 {
		return badRequest("Bulk updates cannot attach files.")
	}
	plans := make([]*plannedUpdate, 0, len(list))
	for _, is := range list {
		if is.ProjectID != list[0].ProjectID {
			return badRequest("Bulk updates must stay within one project.")
		}
		pu, err := s.planUpdate(actor, at, is, in)
		if err != nil {
			return err
		}
		plans = append(plans, pu)
	}
	type link struct {
		ID      int64      `json:"id"`
		KeyID   int64      `json:"key_id"`
		Title   string     `json:"title"`
		Comment actComment `json:"comment"`
	}
	type change struct {
		Field    string  `json:"field"`
		NewValue *string `json:"new_value"`
		Type     string  `json:"type"`
	}
	content := struct {
		TxID    int64 `json:"tx_id"`
		Comment struct {
			Content *string `json:"content"`
		} `json:"comment"`
		Link    []link   `json:"link"`
		Changes []change `json:"changes"`
	}{Link: []link{}, Changes: []change{}}
	text := ""
	if in.Comment != nil {
		text = *in.Comment
	}
	content.Comment.Content = &text
	seen := map[string]bool{}
	var notified []*commentNotification
	for _, pu := range plans {
		c, _ := s.applyUpdate(actor, at, pu, in)
		if c == nil {
			continue
		}
		if content.TxID == 0 {
			content.TxID = c.ID
		}
		notified = append(notified, c.Notifications...)
		content.Link = append(content.Link, link{ID: pu.is.ID, KeyID: pu.is.KeyID, Title: pu.is.Summary,
			Comment: actComment{ID: c.ID, Content: c.Content}})
		for _, e := range c.ChangeLog {
			if seen[e.Field] {
				continue
			}
			seen[e.Field] = true
			typ := "standard"
			if e.AttributeInfo != nil {
				typ = "customField"
			}
			content.Changes = append(content.Changes, change{Field: e.Field, NewValue: e.NewValue, Type: typ})
		}
	}
	if len(content.Link) == 0 {
		return nil
	}
	s.addActivity(list[0].ProjectID, ActIssueMultiUpdated, actor, at, content, notified...)
	return nil
}

// addUpload stores a temporary upload (POST /space/attachment).
func (s *store) addUpload(actor *user, at time.Time, name string, size int64) *upload {
	u := &upload{ID: s.nextID("attachment"), Name: name, Size: size, Owner: actor.ID, Created: at}
	s.uploads[u.ID] = u
	return u
}

// deleteAttachment removes an attachment from an issue and records the
// removal as a comment (changeLog field "attachment") with activity 2.
func (s *store) deleteAttachment(actor *user, at time.Time, is *issue, a *attachment) error {
	if err := s.checkEdit(actor, is); err != nil {
		return err
	}
	out := is.Attachments[:0:0]
	for _, x := range is.Attachments {
		if x.ID != a.ID {
			out = append(out, x)
		}
	}
	is.Attachments = out
	empty := ""
	c := &comment{ID: s.nextID("comment"), ProjectID: is.ProjectID, IssueID: is.ID, Content: &empty,
		ChangeLog: []changeLogEntry{{Field: "attachment", OriginalValue: strp(a.Name),
			AttachmentInfo: &attachmentInfo{ID: a.ID, Name: a.Name}}},
		CreatedUser: actor.ID, Created: at, Updated: at, Stars: []*star{}}
	s.appendComment(is, c)
	is.Updated, is.UpdatedUser = at, actor.ID
	s.issueChanged(is)
	s.addActivity(is.ProjectID, ActIssueUpdated, actor, at, s.commentContent(is, c, nil))
	return nil
}

// relateIssues relates two different issues (RELATES is symmetric); an
// existing relation is left as it is.
func (s *store) relateIssues(is, t *issue) {
	if is == t || containsID(is.Related, t.ID) {
		return
	}
	is.Related = append(is.Related, t.ID)
	t.Related = append(t.Related, is.ID)
	s.issueChanged(is)
	s.issueChanged(t)
}
