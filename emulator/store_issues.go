package emulator

import (
	"sort"
	"strings"
	"time"
)

// Issue mutations (the issues-area contract; the input and its validation
// are in store_issues_input.go, comments in store_comments.go, the change
// log in store_issues_changelog.go). They are shared by
// the HTTP write handlers, the space generator and churn. Each assumes the
// store's write lock is held, validates its input, records the comments,
// activities and notifications the real service records, and returns
// *apiError for bad input. Nothing is changed when validation fails.

// uploadTTL is how long a temporary upload may wait to be attached.
const uploadTTL = time.Hour

// Notification reasons used by this area (entities.md "Notification").
const (
	reasonAssigned  = 1
	reasonCommented = 2
	reasonAdded     = 3
	reasonUpdated   = 4
)

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
	s.linkChild(is)
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
	s.unlinkChild(is)
	pu.fields.applyTo(is)
	s.linkChild(is)
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
	for _, c := range s.childrenOf(is.ID) { // a copy-on-write list: safe to change the index here
		s.setParent(c, nil)
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
