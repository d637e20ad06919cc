package emulator

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Mutations of project metadata: issue types, categories, versions,
// statuses (custom fields: store_customfields.go). Each assumes the write lock is held; changes to
// objects embedded in issues call s.touch().

// issueTypeColors is Backlog's issue-type palette (add-issue-type).
var issueTypeColors = []string{"#e30000", "#990000", "#934981", "#814fbc", "#2779ca", "#007e9a",
	"#7ea800", "#ff9200", "#ff3265", "#666665"}

// statusColors is Backlog's custom-status palette (add-status).
var statusColors = []string{"#ea2c00", "#e87758", "#e07b9a", "#868cb7", "#3b9dbd", "#4caf93",
	"#b0be3c", "#eda62a", "#f42858", "#393939"}

// maxCustomStatuses is the number of custom statuses a project may have
// besides the four built-in ones.
const maxCustomStatuses = 8

// checkName validates a required, project-unique name.
func checkName(what, name string, taken func(string) bool) error {
	if strings.TrimSpace(name) == "" {
		return badRequest("Missing required parameter: name.")
	}
	if taken(name) {
		return badRequest("The %s name %q is already used in this project.", what, name)
	}
	return nil
}

// addIssueType adds an issue type (color from Backlog's palette).
func (s *store) addIssueType(actor *user, at time.Time, p *project, name, color string) (*issueType, error) {
	if err := checkName("issue type", name, func(n string) bool { return issueTypeNamed(p, n, nil) }); err != nil {
		return nil, err
	}
	if !slices.Contains(issueTypeColors, color) {
		return nil, badRequest("Invalid color: %q is not one of %s.", color, strings.Join(issueTypeColors, " "))
	}
	var order int64
	for _, t := range p.IssueTypes {
		order = max(order, t.DisplayOrder+1)
	}
	t := &issueType{ID: s.nextID("meta"), ProjectID: p.ID, Name: name, Color: color, DisplayOrder: order}
	p.IssueTypes = append(p.IssueTypes, t)
	return t, nil
}

func issueTypeNamed(p *project, name string, self *issueType) bool {
	for _, t := range p.IssueTypes {
		if t != self && t.Name == name {
			return true
		}
	}
	return false
}

// issueTypeUpdate carries update-issue-type parameters.
type issueTypeUpdate struct {
	Name, Color                          *string
	TemplateSummary, TemplateDescription opt[string]
}

// updateIssueType changes an issue type.
func (s *store) updateIssueType(actor *user, at time.Time, p *project, t *issueType, in *issueTypeUpdate) error {
	if in.Name != nil {
		if err := checkName("issue type", *in.Name, func(n string) bool { return issueTypeNamed(p, n, t) }); err != nil {
			return err
		}
	}
	if in.Color != nil && !slices.Contains(issueTypeColors, *in.Color) {
		return badRequest("Invalid color: %q is not one of %s.", *in.Color, strings.Join(issueTypeColors, " "))
	}
	if in.Name != nil {
		t.Name = *in.Name
	}
	if in.Color != nil {
		t.Color = *in.Color
	}
	if in.TemplateSummary.Set {
		t.TemplateSummary = in.TemplateSummary.Value
	}
	if in.TemplateDescription.Set {
		t.TemplateDescription = in.TemplateDescription.Value
	}
	s.touch()
	return nil
}

// deleteIssueType removes an issue type, moving its issues to substitute.
func (s *store) deleteIssueType(actor *user, at time.Time, p *project, t *issueType, substituteID int64) error {
	sub := findIssueType(p, substituteID)
	if sub == nil || sub == t {
		return badRequest("Invalid substituteIssueTypeId: %d.", substituteID)
	}
	for _, is := range s.issueList {
		if is.ProjectID == p.ID && is.IssueTypeID == t.ID {
			is.IssueTypeID = sub.ID
			s.issueChanged(is)
		}
	}
	p.IssueTypes = slices.DeleteFunc(p.IssueTypes, func(x *issueType) bool { return x == t })
	for _, f := range p.CustomFields {
		f.ApplicableIssueTypes = removeID(f.ApplicableIssueTypes, t.ID)
	}
	s.touch()
	return nil
}

func categoryNamed(p *project, name string, self *category) bool {
	for _, c := range p.Categories {
		if c != self && c.Name == name {
			return true
		}
	}
	return false
}

// addCategory adds a category.
func (s *store) addCategory(actor *user, at time.Time, p *project, name string) (*category, error) {
	if err := checkName("category", name, func(n string) bool { return categoryNamed(p, n, nil) }); err != nil {
		return nil, err
	}
	c := &category{ID: s.nextID("meta"), ProjectID: p.ID, Name: name, DisplayOrder: defaultProjectDisplayOrder}
	p.Categories = append(p.Categories, c)
	return c, nil
}

// updateCategory renames a category.
func (s *store) updateCategory(actor *user, at time.Time, p *project, c *category, name string) error {
	if err := checkName("category", name, func(n string) bool { return categoryNamed(p, n, c) }); err != nil {
		return err
	}
	c.Name = name
	s.touch()
	return nil
}

// deleteCategory removes a category from the project and its issues.
func (s *store) deleteCategory(actor *user, at time.Time, p *project, c *category) error {
	for _, is := range s.issueList {
		if is.ProjectID == p.ID && slices.Contains(is.CategoryIDs, c.ID) {
			is.CategoryIDs = removeID(is.CategoryIDs, c.ID)
			s.issueChanged(is)
		}
	}
	p.Categories = slices.DeleteFunc(p.Categories, func(x *category) bool { return x == c })
	s.touch()
	return nil
}

// versionInput carries add-/update-version parameters.
type versionInput struct {
	Name           *string
	Description    *string
	StartDate      opt[time.Time]
	ReleaseDueDate opt[time.Time]
	Archived       *bool
}

func versionNamed(p *project, name string, self *version) bool {
	for _, v := range p.Versions {
		if v != self && v.Name == name {
			return true
		}
	}
	return false
}

// dateString renders a calendar date for activity content ("2006-01-02" or null).
func dateString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	v := t.Format(dateLayout)
	return &v
}

// versionActivityContent is the content of activities 22 and 24.
func versionActivityContent(v *version) map[string]any {
	return map[string]any{"id": v.ID, "name": v.Name, "start_date": dateString(v.StartDate),
		"reference_date": dateString(v.ReleaseDueDate), "description": v.Description}
}

// addVersion adds a version/milestone (activity 22).
func (s *store) addVersion(actor *user, at time.Time, p *project, in *versionInput) (*version, error) {
	if in.Name == nil {
		return nil, badRequest("Missing required parameter: name.")
	}
	if err := checkName("version", *in.Name, func(n string) bool { return versionNamed(p, n, nil) }); err != nil {
		return nil, err
	}
	v := &version{ID: s.nextID("meta"), ProjectID: p.ID, Name: *in.Name,
		StartDate: in.StartDate.Value, ReleaseDueDate: in.ReleaseDueDate.Value}
	if in.Description != nil {
		v.Description = *in.Description
	}
	if in.Archived != nil {
		v.Archived = *in.Archived
	}
	if v.StartDate != nil && v.ReleaseDueDate != nil && v.ReleaseDueDate.Before(*v.StartDate) {
		return nil, badRequest("Invalid releaseDueDate: before startDate.")
	}
	for _, o := range p.Versions {
		v.DisplayOrder = max(v.DisplayOrder, o.DisplayOrder+1)
	}
	p.Versions = append(p.Versions, v)
	s.addActivity(p.ID, ActMilestoneCreated, actor, at, versionActivityContent(v))
	return v, nil
}

// activityChange is one entry of an activity's snake_case changes list.
type activityChange struct {
	Field    string  `json:"field"`
	NewValue *string `json:"new_value"`
	OldValue *string `json:"old_value"`
}

// updateVersion changes a version (activity 23 listing the changes).
func (s *store) updateVersion(actor *user, at time.Time, p *project, v *version, in *versionInput) error {
	if in.Name != nil {
		if err := checkName("version", *in.Name, func(n string) bool { return versionNamed(p, n, v) }); err != nil {
			return err
		}
	}
	start, due := v.StartDate, v.ReleaseDueDate
	if in.StartDate.Set {
		start = in.StartDate.Value
	}
	if in.ReleaseDueDate.Set {
		due = in.ReleaseDueDate.Value
	}
	if start != nil && due != nil && due.Before(*start) {
		return badRequest("Invalid releaseDueDate: before startDate.")
	}
	var changes []activityChange
	str := func(v string) *string { return &v }
	if in.Name != nil && *in.Name != v.Name {
		changes = append(changes, activityChange{"name", str(*in.Name), str(v.Name)})
		v.Name = *in.Name
	}
	if in.Description != nil && *in.Description != v.Description {
		changes = append(changes, activityChange{"description", str(*in.Description), str(v.Description)})
		v.Description = *in.Description
	}
	if !equalDate(start, v.StartDate) {
		changes = append(changes, activityChange{"start_date", dateString(start), dateString(v.StartDate)})
		v.StartDate = start
	}
	if !equalDate(due, v.ReleaseDueDate) {
		changes = append(changes, activityChange{"reference_date", dateString(due), dateString(v.ReleaseDueDate)})
		v.ReleaseDueDate = due
	}
	if in.Archived != nil && *in.Archived != v.Archived {
		changes = append(changes, activityChange{"archived", str(strconv.FormatBool(*in.Archived)), str(strconv.FormatBool(v.Archived))})
		v.Archived = *in.Archived
	}
	s.touch()
	if len(changes) > 0 {
		s.addActivity(p.ID, ActMilestoneUpdated, actor, at, map[string]any{"id": v.ID, "name": v.Name, "changes": changes})
	}
	return nil
}

func equalDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// deleteVersion removes a version from the project and its issues (activity 24).
func (s *store) deleteVersion(actor *user, at time.Time, p *project, v *version) error {
	for _, is := range s.issueList {
		if is.ProjectID == p.ID && (slices.Contains(is.VersionIDs, v.ID) || slices.Contains(is.MilestoneIDs, v.ID)) {
			is.VersionIDs = removeID(is.VersionIDs, v.ID)
			is.MilestoneIDs = removeID(is.MilestoneIDs, v.ID)
			s.issueChanged(is)
		}
	}
	p.Versions = slices.DeleteFunc(p.Versions, func(x *version) bool { return x == v })
	s.touch()
	s.addActivity(p.ID, ActMilestoneDeleted, actor, at, versionActivityContent(v))
	return nil
}

// statusNamed reports whether a status of p other than self has the name.
func (s *store) statusNamed(p *project, name string, self int64) bool {
	for _, st := range s.projectStatuses(p) {
		if st.ID != self && st.Name == name {
			return true
		}
	}
	return false
}

// customStatus returns p's custom status with the given id, or nil.
func customStatus(p *project, id int64) *status {
	for _, st := range p.Statuses {
		if st.ID == id {
			return st
		}
	}
	return nil
}

// statusOrder returns p's status order (the built-in order when unset).
func statusOrder(p *project) []int64 {
	if len(p.StatusOrder) == 0 {
		p.StatusOrder = []int64{StatusOpen, StatusInProgress, StatusResolved, StatusClosed}
		for _, st := range p.Statuses {
			p.StatusOrder = slices.Insert(p.StatusOrder, len(p.StatusOrder)-1, st.ID)
		}
	}
	return p.StatusOrder
}

// addStatus adds a custom status (at most 8 custom per project), placed
// just before Closed.
func (s *store) addStatus(actor *user, at time.Time, p *project, name, color string) (*status, error) {
	if err := checkName("status", name, func(n string) bool { return s.statusNamed(p, n, 0) }); err != nil {
		return nil, err
	}
	if !slices.Contains(statusColors, color) {
		return nil, badRequest("Invalid color: %q is not one of %s.", color, strings.Join(statusColors, " "))
	}
	if len(p.Statuses) >= maxCustomStatuses {
		return nil, badRequest("A project can have at most %d custom statuses.", maxCustomStatuses)
	}
	order := statusOrder(p)
	st := &status{ID: s.nextID("meta"), ProjectID: p.ID, Name: name, Color: color}
	p.Statuses = append(p.Statuses, st)
	p.StatusOrder = slices.Insert(order, len(order)-1, st.ID)
	for i, id := range p.StatusOrder {
		if cs := customStatus(p, id); cs != nil {
			cs.DisplayOrder = int64(i+1) * 1000
		}
	}
	s.touch()
	return st, nil
}

// updateStatus renames or recolours a custom status.
func (s *store) updateStatus(actor *user, at time.Time, p *project, st *status, name, color *string) error {
	if name != nil {
		if err := checkName("status", *name, func(n string) bool { return s.statusNamed(p, n, st.ID) }); err != nil {
			return err
		}
	}
	if color != nil && !slices.Contains(statusColors, *color) {
		return badRequest("Invalid color: %q is not one of %s.", *color, strings.Join(statusColors, " "))
	}
	if name != nil {
		st.Name = *name
	}
	if color != nil {
		st.Color = *color
	}
	s.touch()
	return nil
}

// deleteStatus removes a custom status, moving its issues to substitute
// (activity 34 lists the moved issues).
func (s *store) deleteStatus(actor *user, at time.Time, p *project, st *status, substituteID int64) error {
	if substituteID == st.ID || s.statusOf(p, substituteID) == nil {
		return badRequest("Invalid substituteStatusId: %d.", substituteID)
	}
	subName := s.statusOf(p, substituteID).Name
	type link struct {
		ID    int64  `json:"id"`
		KeyID int64  `json:"key_id"`
		Title string `json:"title"`
	}
	links := []link{}
	for _, is := range s.issueList {
		if is.ProjectID == p.ID && is.StatusID == st.ID {
			is.StatusID = substituteID
			is.UpdatedUser, is.Updated = actor.ID, at
			s.issueChanged(is)
			links = append(links, link{is.ID, is.KeyID, is.Summary})
		}
	}
	p.Statuses = slices.DeleteFunc(p.Statuses, func(x *status) bool { return x == st })
	p.StatusOrder = removeID(statusOrder(p), st.ID)
	s.touch()
	content := map[string]any{"deletedStatus": map[string]string{"name": st.Name}, "link": links, "change": nil}
	if len(links) > 0 {
		content["change"] = map[string]string{"field": "status", "new_value": subName, "type": "standard"}
	}
	s.addActivity(p.ID, ActStatusDeleted, actor, at, content)
	return nil
}

// updateStatusOrder sets the display order of all of p's statuses: every
// status exactly once, Open first, Closed last, In Progress before Resolved.
func (s *store) updateStatusOrder(actor *user, at time.Time, p *project, ids []int64) error {
	cur := statusOrder(p)
	if len(ids) != len(cur) {
		return badRequest("Invalid statusId[]: list every status of the project exactly once.")
	}
	for _, id := range cur {
		if !slices.Contains(ids, id) {
			return badRequest("Invalid statusId[]: list every status of the project exactly once.")
		}
	}
	if ids[0] != StatusOpen || ids[len(ids)-1] != StatusClosed ||
		slices.Index(ids, StatusInProgress) > slices.Index(ids, StatusResolved) {
		return badRequest("Invalid statusId[]: Open must come first, Closed last and In Progress before Resolved.")
	}
	p.StatusOrder = slices.Clone(ids)
	for i, id := range p.StatusOrder {
		if cs := customStatus(p, id); cs != nil {
			cs.DisplayOrder = int64(i+1) * 1000
		}
	}
	s.touch()
	return nil
}
