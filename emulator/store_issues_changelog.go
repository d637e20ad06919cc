package emulator

import (
	"strconv"
	"strings"
	"time"
)

// The change log of issue updates: display values of every field and the
// diff between two states of an issue (Backlog field names).

func strp(s string) *string { return &s }

func dateStr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	return strp(t.UTC().Format(dateLayout))
}

func numStr(f *float64) *string {
	if f == nil {
		return nil
	}
	return strp(strconv.FormatFloat(*f, 'f', -1, 64))
}

func (s *store) userName(id *int64) *string {
	if id == nil {
		return nil
	}
	if u := s.users[*id]; u != nil {
		return strp(u.Name)
	}
	return nil
}

func (s *store) statusName(p *project, id int64) *string {
	if st := s.statusOf(p, id); st != nil {
		return strp(st.Name)
	}
	return nil
}

func (s *store) priorityName(id int64) *string {
	if pr := s.priority(id); pr != nil {
		return strp(pr.Name)
	}
	return nil
}

func (s *store) resolutionName(id *int64) *string {
	if r := s.resolution(id); r != nil {
		return strp(r.Name)
	}
	return nil
}

func issueTypeName(p *project, id int64) *string {
	if t := findIssueType(p, id); t != nil {
		return strp(t.Name)
	}
	return nil
}

// joinNames renders a multi-valued field as comma-joined names ("" → null).
func joinNames(ids []int64, name func(int64) string) *string {
	if len(ids) == 0 {
		return nil
	}
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		parts = append(parts, name(id))
	}
	return strp(strings.Join(parts, ","))
}

func (s *store) parentKey(id *int64) *string {
	if id == nil {
		return nil
	}
	if is := s.issues[*id]; is != nil {
		return strp(s.issueKey(is))
	}
	return strp(strconv.FormatInt(*id, 10))
}

// cfDisplay renders a custom-field value for a change log.
func cfDisplay(f *customField, v *cfValue) *string {
	if v == nil {
		return nil
	}
	switch f.TypeID {
	case CFText, CFTextArea:
		return v.Text
	case CFNumeric:
		return numStr(v.Number)
	case CFDate:
		return dateStr(v.Date)
	}
	var parts []string
	for _, id := range v.Items {
		if it := listItemByID(f, id); it != nil {
			parts = append(parts, it.Name)
		}
	}
	if v.Other != nil && *v.Other != "" {
		parts = append(parts, *v.Other)
	}
	if len(parts) == 0 {
		return nil
	}
	return strp(strings.Join(parts, ","))
}

func eqStrp(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// diffFields lists the changes from o to n with Backlog's change-log field
// names and display values, in Backlog's field order.
func (s *store) diffFields(p *project, o, n *issueFields) []changeLogEntry {
	var out []changeLogEntry
	add := func(field string, nv, ov *string) {
		if !eqStrp(nv, ov) {
			out = append(out, changeLogEntry{Field: field, NewValue: nv, OriginalValue: ov})
		}
	}
	catName := func(id int64) string {
		if c := findCategory(p, id); c != nil {
			return c.Name
		}
		return strconv.FormatInt(id, 10)
	}
	verName := func(id int64) string {
		if v := findVersion(p, id); v != nil {
			return v.Name
		}
		return strconv.FormatInt(id, 10)
	}
	add("summary", strp(n.Summary), strp(o.Summary))
	add("description", strp(n.Description), strp(o.Description))
	add("component", joinNames(n.CategoryIDs, catName), joinNames(o.CategoryIDs, catName))
	add("version", joinNames(n.VersionIDs, verName), joinNames(o.VersionIDs, verName))
	add("milestone", joinNames(n.MilestoneIDs, verName), joinNames(o.MilestoneIDs, verName))
	add("status", s.statusName(p, n.StatusID), s.statusName(p, o.StatusID))
	add("assigner", s.userName(n.AssigneeID), s.userName(o.AssigneeID))
	add("issueType", issueTypeName(p, n.IssueTypeID), issueTypeName(p, o.IssueTypeID))
	add("startDate", dateStr(n.StartDate), dateStr(o.StartDate))
	add("limitDate", dateStr(n.DueDate), dateStr(o.DueDate))
	add("priority", s.priorityName(n.PriorityID), s.priorityName(o.PriorityID))
	add("resolution", s.resolutionName(n.ResolutionID), s.resolutionName(o.ResolutionID))
	add("estimatedHours", numStr(n.EstimatedHours), numStr(o.EstimatedHours))
	add("actualHours", numStr(n.ActualHours), numStr(o.ActualHours))
	add("parentIssue", s.parentKey(n.ParentIssueID), s.parentKey(o.ParentIssueID))
	for _, def := range p.CustomFields {
		nv, ov := cfDisplay(def, cfByField(n.CustomFields, def.ID)), cfDisplay(def, cfByField(o.CustomFields, def.ID))
		if !eqStrp(nv, ov) {
			out = append(out, changeLogEntry{Field: def.Name, NewValue: nv, OriginalValue: ov,
				AttributeInfo: &attributeInfo{ID: def.ID, TypeID: def.TypeID}})
		}
	}
	return out
}

// attachmentChanges records added attachments in a change log.
func attachmentChanges(added []*attachment) []changeLogEntry {
	out := make([]changeLogEntry, 0, len(added))
	for _, a := range added {
		out = append(out, changeLogEntry{Field: "attachment", NewValue: strp(a.Name),
			AttachmentInfo: &attachmentInfo{ID: a.ID, Name: a.Name}})
	}
	return out
}
