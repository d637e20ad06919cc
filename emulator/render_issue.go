package emulator

// This file renders the Issue object (entities.md "Issue") by appending
// bytes. Its output is byte-identical to json.Marshal of the struct shapes in
// render.go; render_issue_test.go checks that on a generated space.

// appendIssue appends the Issue JSON of is.
func (s *store) appendIssue(w *jw, is *issue) {
	p := s.projects[is.ProjectID]
	w.open()
	w.key("id")
	w.int(is.ID)
	w.key("projectId")
	w.int(is.ProjectID)
	w.key("issueKey")
	w.str(s.issueKey(is))
	w.key("keyId")
	w.int(is.KeyID)
	w.key("issueType")
	if t := findIssueType(p, is.IssueTypeID); t != nil {
		w.open()
		w.key("id")
		w.int(t.ID)
		w.key("projectId")
		w.int(t.ProjectID)
		w.key("name")
		w.str(t.Name)
		w.key("color")
		w.str(t.Color)
		w.key("displayOrder")
		w.int(t.DisplayOrder)
		w.key("templateSummary")
		w.strp(t.TemplateSummary)
		w.key("templateDescription")
		w.strp(t.TemplateDescription)
		w.close()
	} else {
		w.null()
	}
	w.key("summary")
	w.str(is.Summary)
	w.key("description")
	w.str(is.Description)
	w.key("resolution")
	appendIDName(w, s.resolution(is.ResolutionID))
	w.key("priority")
	appendIDName(w, s.priority(is.PriorityID))
	w.key("status")
	if st := s.statusOf(p, is.StatusID); st != nil {
		w.open()
		w.key("id")
		w.int(st.ID)
		w.key("projectId")
		w.int(st.ProjectID)
		w.key("name")
		w.str(st.Name)
		w.key("color")
		w.str(st.Color)
		w.key("displayOrder")
		w.int(st.DisplayOrder)
		w.close()
	} else {
		w.null()
	}
	w.key("assignee")
	if is.AssigneeID == nil {
		w.null()
	} else {
		w.raw(s.userJSON(*is.AssigneeID))
	}
	w.key("category")
	w.openArr()
	for _, id := range is.CategoryIDs {
		if c := findCategory(p, id); c != nil {
			w.elem()
			w.open()
			w.key("id")
			w.int(c.ID)
			w.key("projectId")
			w.int(c.ProjectID)
			w.key("name")
			w.str(c.Name)
			w.key("displayOrder")
			w.int(c.DisplayOrder)
			w.close()
		}
	}
	w.closeArr()
	w.key("versions")
	appendVersions(w, p, is.VersionIDs)
	w.key("milestone")
	appendVersions(w, p, is.MilestoneIDs)
	w.key("startDate")
	w.timep(is.StartDate)
	w.key("dueDate")
	w.timep(is.DueDate)
	w.key("estimatedHours")
	w.floatp(is.EstimatedHours)
	w.key("actualHours")
	w.floatp(is.ActualHours)
	w.key("parentIssueId")
	w.int64p(is.ParentIssueID)
	w.key("createdUser")
	w.raw(s.userJSON(is.CreatedUser))
	w.key("created")
	w.time(is.Created)
	w.key("updatedUser")
	w.raw(s.userJSON(is.UpdatedUser))
	w.key("updated")
	w.time(is.Updated)
	w.key("customFields")
	s.appendCFValues(w, p, is)
	w.key("attachments")
	w.openArr()
	for _, a := range is.Attachments {
		w.elem()
		w.open()
		w.key("id")
		w.int(a.ID)
		w.key("name")
		w.str(a.Name)
		w.key("size")
		w.int(a.Size)
		w.key("createdUser")
		w.raw(s.userJSON(a.CreatedUser))
		w.key("created")
		w.time(a.Created)
		w.close()
	}
	w.closeArr()
	w.key("sharedFiles")
	w.openArr()
	for _, id := range is.SharedFileIDs {
		if f := s.sharedFiles[id]; f != nil {
			w.elem()
			s.appendSharedFile(w, f)
		}
	}
	w.closeArr()
	w.key("externalFileLinks")
	w.openArr()
	w.closeArr()
	w.key("stars")
	w.openArr()
	for _, st := range is.Stars {
		w.elem()
		w.open()
		w.key("id")
		w.int(st.ID)
		w.key("comment")
		w.strp(st.Comment)
		w.key("url")
		w.str(st.URL)
		w.key("title")
		w.str(st.Title)
		w.key("presenter")
		w.raw(s.userJSON(st.Presenter))
		w.key("created")
		w.time(st.Created)
		w.close()
	}
	w.closeArr()
	w.close()
}

func appendIDName(w *jw, v *jsonIDName) {
	if v == nil {
		w.null()
		return
	}
	w.open()
	w.key("id")
	w.int(v.ID)
	w.key("name")
	w.str(v.Name)
	w.close()
}

func appendVersions(w *jw, p *project, ids []int64) {
	w.openArr()
	for _, id := range ids {
		v := findVersion(p, id)
		if v == nil {
			continue
		}
		w.elem()
		w.open()
		w.key("id")
		w.int(v.ID)
		w.key("projectId")
		w.int(v.ProjectID)
		w.key("name")
		w.str(v.Name)
		w.key("description")
		w.str(v.Description)
		w.key("startDate")
		w.timep(v.StartDate)
		w.key("releaseDueDate")
		w.timep(v.ReleaseDueDate)
		w.key("archived")
		w.bool(v.Archived)
		w.key("displayOrder")
		w.int(v.DisplayOrder)
		w.close()
	}
	w.closeArr()
}

func (s *store) appendSharedFile(w *jw, f *sharedFile) {
	w.open()
	w.key("id")
	w.int(f.ID)
	w.key("projectId")
	w.int(f.ProjectID)
	w.key("type")
	w.str(f.Type)
	w.key("dir")
	w.str(f.Dir)
	w.key("name")
	w.str(f.Name)
	w.key("size")
	w.int(f.Size)
	w.key("createdUser")
	w.raw(s.userJSON(f.CreatedUser))
	w.key("created")
	w.time(f.Created)
	w.key("updatedUser")
	if f.UpdatedUser == 0 {
		w.null()
	} else {
		w.raw(s.userJSON(f.UpdatedUser))
	}
	w.key("updated")
	if f.Updated.IsZero() {
		w.null()
	} else {
		w.time(f.Updated)
	}
	w.close()
}

func appendListItem(w *jw, it *listItem) {
	w.open()
	w.key("id")
	w.int(it.ID)
	w.key("name")
	w.str(it.Name)
	w.key("displayOrder")
	w.int(it.DisplayOrder)
	w.close()
}

// appendCFValues appends the issue's custom-field values: one entry per
// project field that applies to the issue's type (renderCFValues' rules).
func (s *store) appendCFValues(w *jw, p *project, is *issue) {
	w.openArr()
	for _, f := range p.CustomFields {
		if !fieldApplies(f, is.IssueTypeID) {
			continue
		}
		var val *cfValue
		for _, v := range is.CustomFields {
			if v.FieldID == f.ID {
				val = v
				break
			}
		}
		w.elem()
		w.open()
		w.key("id")
		w.int(f.ID)
		w.key("fieldTypeId")
		w.int(int64(f.TypeID))
		w.key("name")
		w.str(f.Name)
		w.key("value")
		switch f.TypeID {
		case CFText, CFTextArea:
			if val != nil && val.Text != nil {
				w.str(*val.Text)
			} else {
				w.null()
			}
		case CFNumeric:
			if val != nil && val.Number != nil {
				w.float(*val.Number)
			} else {
				w.null()
			}
		case CFDate:
			if val != nil && val.Date != nil {
				w.time(*val.Date)
			} else {
				w.null()
			}
		case CFSingleList, CFRadio:
			var it *listItem
			if val != nil && len(val.Items) > 0 {
				it = listItemByID(f, val.Items[0])
			}
			if it != nil {
				appendListItem(w, it)
			} else {
				w.null()
			}
		case CFMultipleList, CFCheckBox:
			w.openArr()
			if val != nil {
				for _, id := range val.Items {
					if it := listItemByID(f, id); it != nil {
						w.elem()
						appendListItem(w, it)
					}
				}
			}
			w.closeArr()
		default:
			w.null()
		}
		if f.TypeID == CFCheckBox || f.TypeID == CFRadio {
			w.key("otherValue")
			if val != nil {
				w.strp(val.Other)
			} else {
				w.null()
			}
		}
		w.close()
	}
	w.closeArr()
}

// childSummary counts the direct children of is and the closed ones.
func (st *store) childSummaries(ids map[int64]bool) map[int64][2]int {
	out := map[int64][2]int{}
	for id := range ids {
		var v [2]int
		for _, c := range st.childrenOf(id) {
			v[0]++
			if c.StatusID == StatusClosed {
				v[1]++
			}
		}
		if v[0] > 0 {
			out[id] = v
		}
	}
	return out
}

// issuesWithChildSummary renders issues with expand[]=childIssueSummary.
func (st *store) issuesWithChildSummary(list []*issue) []byte {
	ids := make(map[int64]bool, len(list))
	for _, is := range list {
		ids[is.ID] = true
	}
	sums := st.childSummaries(ids)
	buf := []byte{'['}
	for i, is := range list {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, mergeJSON(st.issueJSON(is), childSummaryJSON(sums[is.ID]))...)
	}
	return append(buf, ']')
}

// participants lists the creator, the assignee and the commenters of an
// issue, distinct, in first-seen order.
func (st *store) participants(is *issue) []*jsonUser {
	seen := map[int64]bool{}
	out := []*jsonUser{}
	add := func(id int64) {
		if seen[id] {
			return
		}
		seen[id] = true
		if u := st.renderUser(id); u != nil {
			out = append(out, u)
		}
	}
	add(is.CreatedUser)
	if is.AssigneeID != nil {
		add(*is.AssigneeID)
	}
	for _, c := range is.Comments {
		add(c.CreatedUser)
	}
	return out
}
