package emulator

import (
	"strconv"
	"time"
)

// Project metadata endpoints: issue types, categories, versions/milestones,
// statuses (with updateDisplayOrder) and custom fields (with list items).
// Reads need a visible project; writes need an administrator or project
// administrator.

// routesProjectMeta registers the metadata routes.
func (s *Server) routesProjectMeta() {
	const p = "/api/v2/projects/{projectIdOrKey}"
	s.handle("GET "+p+"/issueTypes", s.getIssueTypes)
	s.handle("POST "+p+"/issueTypes", s.postIssueType)
	s.handle("PATCH "+p+"/issueTypes/{id}", s.patchIssueType)
	s.handle("DELETE "+p+"/issueTypes/{id}", s.deleteIssueType)
	s.handle("GET "+p+"/categories", s.getCategories)
	s.handle("POST "+p+"/categories", s.postCategory)
	s.handle("PATCH "+p+"/categories/{id}", s.patchCategory)
	s.handle("DELETE "+p+"/categories/{id}", s.deleteCategory)
	s.handle("GET "+p+"/versions", s.getVersions)
	s.handle("POST "+p+"/versions", s.postVersion)
	s.handle("PATCH "+p+"/versions/{id}", s.patchVersion)
	s.handle("DELETE "+p+"/versions/{id}", s.deleteVersion)
	s.handle("GET "+p+"/statuses", s.getStatuses)
	s.handle("POST "+p+"/statuses", s.postStatus)
	s.handle("PATCH "+p+"/statuses/updateDisplayOrder", s.patchStatusOrder)
	s.handle("PATCH "+p+"/statuses/{id}", s.patchStatus)
	s.handle("DELETE "+p+"/statuses/{id}", s.deleteStatus)
	s.handle("GET "+p+"/customFields", s.getCustomFields)
	s.handle("POST "+p+"/customFields", s.postCustomField)
	s.handle("PATCH "+p+"/customFields/{id}", s.patchCustomField)
	s.handle("DELETE "+p+"/customFields/{id}", s.deleteCustomField)
	s.handle("POST "+p+"/customFields/{id}/items", s.postListItem)
	s.handle("PATCH "+p+"/customFields/{id}/items/{itemId}", s.patchListItem)
	s.handle("DELETE "+p+"/customFields/{id}/items/{itemId}", s.deleteListItem)
}

// readMeta runs a metadata read under the read lock.
func (s *Server) readMeta(c *call, f func(st *store, p *project) any) error {
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	p, err := c.visibleProject()
	if err != nil {
		return err
	}
	return c.ok(f(st, p))
}

// writeMeta runs a metadata write under the write lock for a manager.
func (s *Server) writeMeta(c *call, f func(st *store, p *project) (any, error)) error {
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	p, err := c.managedProject()
	if err != nil {
		return err
	}
	v, err := f(st, p)
	if err != nil {
		return err
	}
	return c.ok(v)
}

// ---- issue types

func (s *Server) getIssueTypes(c *call) error {
	return s.readMeta(c, func(st *store, p *project) any {
		out := make([]*jsonIssueType, 0, len(p.IssueTypes))
		for _, t := range p.IssueTypes {
			out = append(out, renderIssueType(t))
		}
		return out
	})
}

// optClear reads an optional, clearable string ("" clears).
func (p params) optClear(k string) opt[string] {
	if !p.has(k) {
		return opt[string]{}
	}
	v := p.str(k)
	if v == "" {
		return opt[string]{Set: true}
	}
	return opt[string]{Set: true, Value: &v}
}

func (s *Server) postIssueType(c *call) error {
	name, e := c.q.required("name")
	if e != nil {
		return e
	}
	color, e := c.q.required("color")
	if e != nil {
		return e
	}
	tsum, tdesc := c.q.optClear("templateSummary"), c.q.optClear("templateDescription")
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		t, err := st.addIssueType(c.u, s.now(), p, name, color)
		if err != nil {
			return nil, err
		}
		t.TemplateSummary, t.TemplateDescription = tsum.Value, tdesc.Value
		return renderIssueType(t), nil
	})
}

// metaIssueType resolves the {id} wildcard to an issue type of p.
func (c *call) metaIssueType(p *project) (*issueType, error) {
	id, err := c.pathInt("id", "issue type")
	if err != nil {
		return nil, err
	}
	if t := findIssueType(p, id); t != nil {
		return t, nil
	}
	return nil, notFound("issue type")
}

func (s *Server) patchIssueType(c *call) error {
	in := &issueTypeUpdate{Name: c.q.optStr("name"), Color: c.q.optStr("color"),
		TemplateSummary: c.q.optClear("templateSummary"), TemplateDescription: c.q.optClear("templateDescription")}
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		t, err := c.metaIssueType(p)
		if err != nil {
			return nil, err
		}
		if err := st.updateIssueType(c.u, s.now(), p, t, in); err != nil {
			return nil, err
		}
		return renderIssueType(t), nil
	})
}

func (s *Server) deleteIssueType(c *call) error {
	sub, e := c.q.requiredInt64("substituteIssueTypeId")
	if e != nil {
		return e
	}
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		t, err := c.metaIssueType(p)
		if err != nil {
			return nil, err
		}
		j := renderIssueType(t)
		return j, st.deleteIssueType(c.u, s.now(), p, t, sub)
	})
}

// ---- categories

func (s *Server) getCategories(c *call) error {
	return s.readMeta(c, func(st *store, p *project) any {
		out := make([]*jsonCategory, 0, len(p.Categories))
		for _, x := range p.Categories {
			out = append(out, renderCategory(x))
		}
		return out
	})
}

func (s *Server) postCategory(c *call) error {
	name, e := c.q.required("name")
	if e != nil {
		return e
	}
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		x, err := st.addCategory(c.u, s.now(), p, name)
		if err != nil {
			return nil, err
		}
		return renderCategory(x), nil
	})
}

func (c *call) metaCategory(p *project) (*category, error) {
	id, err := c.pathInt("id", "category")
	if err != nil {
		return nil, err
	}
	if x := findCategory(p, id); x != nil {
		return x, nil
	}
	return nil, notFound("category")
}

func (s *Server) patchCategory(c *call) error {
	name, e := c.q.required("name")
	if e != nil {
		return e
	}
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		x, err := c.metaCategory(p)
		if err != nil {
			return nil, err
		}
		if err := st.updateCategory(c.u, s.now(), p, x, name); err != nil {
			return nil, err
		}
		return renderCategory(x), nil
	})
}

func (s *Server) deleteCategory(c *call) error {
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		x, err := c.metaCategory(p)
		if err != nil {
			return nil, err
		}
		return renderCategory(x), st.deleteCategory(c.u, s.now(), p, x)
	})
}

// ---- versions

func (s *Server) getVersions(c *call) error {
	return s.readMeta(c, func(st *store, p *project) any {
		out := make([]*jsonVersion, 0, len(p.Versions))
		for _, v := range p.Versions {
			out = append(out, renderVersion(v))
		}
		return out
	})
}

// optDateClear reads an optional, clearable date ("" clears).
func (p params) optDateClear(k string) (opt[time.Time], *apiError) {
	if !p.has(k) {
		return opt[time.Time]{}, nil
	}
	d, e := p.optDate(k)
	if e != nil {
		return opt[time.Time]{}, e
	}
	return opt[time.Time]{Set: true, Value: d}, nil
}

func versionParams(c *call) (*versionInput, error) {
	in := &versionInput{Name: c.q.optStr("name"), Description: c.q.optStr("description")}
	var e *apiError
	if in.StartDate, e = c.q.optDateClear("startDate"); e != nil {
		return nil, e
	}
	if in.ReleaseDueDate, e = c.q.optDateClear("releaseDueDate"); e != nil {
		return nil, e
	}
	if in.Archived, e = c.q.optBool("archived"); e != nil {
		return nil, e
	}
	return in, nil
}

func (s *Server) postVersion(c *call) error {
	if _, e := c.q.required("name"); e != nil {
		return e
	}
	in, err := versionParams(c)
	if err != nil {
		return err
	}
	in.Archived = nil
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		v, err := st.addVersion(c.u, s.now(), p, in)
		if err != nil {
			return nil, err
		}
		return renderVersion(v), nil
	})
}

func (c *call) metaVersion(p *project) (*version, error) {
	id, err := c.pathInt("id", "version")
	if err != nil {
		return nil, err
	}
	if v := findVersion(p, id); v != nil {
		return v, nil
	}
	return nil, notFound("version")
}

func (s *Server) patchVersion(c *call) error {
	if _, e := c.q.required("name"); e != nil {
		return e // the docs mark name required on update too
	}
	in, err := versionParams(c)
	if err != nil {
		return err
	}
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		v, err := c.metaVersion(p)
		if err != nil {
			return nil, err
		}
		if err := st.updateVersion(c.u, s.now(), p, v, in); err != nil {
			return nil, err
		}
		return renderVersion(v), nil
	})
}

func (s *Server) deleteVersion(c *call) error {
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		v, err := c.metaVersion(p)
		if err != nil {
			return nil, err
		}
		return renderVersion(v), st.deleteVersion(c.u, s.now(), p, v)
	})
}

// ---- statuses

func (s *Server) getStatuses(c *call) error {
	return s.readMeta(c, func(st *store, p *project) any { return st.projectStatuses(p) })
}

func (s *Server) postStatus(c *call) error {
	name, e := c.q.required("name")
	if e != nil {
		return e
	}
	color, e := c.q.required("color")
	if e != nil {
		return e
	}
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		x, err := st.addStatus(c.u, s.now(), p, name, color)
		if err != nil {
			return nil, err
		}
		return st.statusOf(p, x.ID), nil
	})
}

// metaStatus resolves {id} to a status of p: built-in statuses are 400
// (they cannot be changed), unknown ones 404.
func (c *call) metaStatus(st *store, p *project) (*status, error) {
	id, err := c.pathInt("id", "status")
	if err != nil {
		return nil, err
	}
	if x := customStatus(p, id); x != nil {
		return x, nil
	}
	if id >= StatusOpen && id <= StatusClosed {
		return nil, badRequest("The built-in status %d cannot be changed or deleted.", id)
	}
	return nil, notFound("status")
}

func (s *Server) patchStatus(c *call) error {
	name, color := c.q.optStr("name"), c.q.optStr("color")
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		x, err := c.metaStatus(st, p)
		if err != nil {
			return nil, err
		}
		if err := st.updateStatus(c.u, s.now(), p, x, name, color); err != nil {
			return nil, err
		}
		return st.statusOf(p, x.ID), nil
	})
}

func (s *Server) deleteStatus(c *call) error {
	sub, e := c.q.requiredInt64("substituteStatusId")
	if e != nil {
		return e
	}
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		x, err := c.metaStatus(st, p)
		if err != nil {
			return nil, err
		}
		j := st.statusOf(p, x.ID)
		return j, st.deleteStatus(c.u, s.now(), p, x, sub)
	})
}

func (s *Server) patchStatusOrder(c *call) error {
	ids, e := c.q.ints("statusId")
	if e != nil {
		return e
	}
	if len(ids) == 0 {
		return badRequest("Missing required parameter: statusId[].")
	}
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		if err := st.updateStatusOrder(c.u, s.now(), p, ids); err != nil {
			return nil, err
		}
		return st.projectStatuses(p), nil
	})
}

// ---- custom fields

// renderCustomField renders a custom-field definition with the extra
// fields of its type (entities.md "CustomField definition").
func renderCustomField(f *customField) map[string]any {
	app := f.ApplicableIssueTypes
	if app == nil {
		app = []int64{}
	}
	j := map[string]any{"id": f.ID, "projectId": f.ProjectID, "typeId": f.TypeID, "name": f.Name,
		"description": f.Description, "required": f.Required, "useIssueType": len(app) > 0,
		"applicableIssueTypes": app, "displayOrder": f.DisplayOrder}
	switch f.TypeID {
	case CFNumeric:
		j["min"], j["max"], j["initialValue"], j["unit"] = f.Min, f.Max, f.InitialValue, f.Unit
	case CFDate:
		j["min"], j["max"] = tsp(f.MinDate), tsp(f.MaxDate)
		if f.InitialValueType == 0 {
			j["initialDate"] = nil
		} else {
			j["initialDate"] = map[string]any{"id": f.InitialValueType, "shift": f.InitialShift, "date": tsp(f.InitialDate)}
		}
	case CFSingleList, CFMultipleList, CFCheckBox, CFRadio:
		items := make([]jsonListItem, 0, len(f.Items))
		for _, it := range f.Items {
			items = append(items, jsonListItem{it.ID, it.Name, it.DisplayOrder})
		}
		j["items"], j["allowAddItem"] = items, f.AllowAddItem
		if f.TypeID == CFCheckBox || f.TypeID == CFRadio {
			j["allowInput"] = f.AllowInput
		}
	}
	return j
}

func (s *Server) getCustomFields(c *call) error {
	return s.readMeta(c, func(st *store, p *project) any {
		out := make([]map[string]any, 0, len(p.CustomFields))
		for _, f := range p.CustomFields {
			out = append(out, renderCustomField(f))
		}
		return out
	})
}

// optFloatClear reads an optional, clearable number.
func (p params) optFloatClear(k string) (opt[float64], *apiError) {
	if !p.has(k) {
		return opt[float64]{}, nil
	}
	v, e := p.optFloat(k)
	return opt[float64]{Set: true, Value: v}, e
}

func (s *Server) postCustomField(c *call) error {
	typeID, e := c.q.requiredInt64("typeId")
	if e != nil {
		return e
	}
	if typeID < CFText || typeID > CFRadio {
		return badRequest("Invalid typeId: %d (1 to 8).", typeID)
	}
	name, e := c.q.required("name")
	if e != nil {
		return e
	}
	in := &customFieldInput{TypeID: int(typeID), Name: name, Description: c.q.str("description")}
	if in.ApplicableIssueTypes, e = c.q.ints("applicableIssueTypes"); e != nil {
		return e
	}
	if in.Required, e = c.q.bool("required", false); e != nil {
		return e
	}
	switch in.TypeID {
	case CFNumeric:
		if in.Min, e = c.q.optFloat("min"); e != nil {
			return e
		}
		if in.Max, e = c.q.optFloat("max"); e != nil {
			return e
		}
		if in.InitialValue, e = c.q.optFloat("initialValue"); e != nil {
			return e
		}
		in.Unit = c.q.optStr("unit")
	case CFDate:
		if in.MinDate, e = c.q.optDate("min"); e != nil {
			return e
		}
		if in.MaxDate, e = c.q.optDate("max"); e != nil {
			return e
		}
		n, e := c.q.int64("initialValueType", 0)
		if e != nil {
			return e
		}
		in.InitialValueType = int(n)
		if in.InitialDate, e = c.q.optDate("initialDate"); e != nil {
			return e
		}
		if sh, e := c.q.optInt64("initialShift"); e != nil {
			return e
		} else if sh != nil {
			v := int(*sh)
			in.InitialShift = &v
		}
	case CFSingleList, CFMultipleList, CFCheckBox, CFRadio:
		in.Items = c.q["items"]
		if in.AllowAddItem, e = c.q.bool("allowAddItem", false); e != nil {
			return e
		}
		if in.AllowInput, e = c.q.bool("allowInput", false); e != nil {
			return e
		}
	}
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		f, err := st.addCustomField(c.u, s.now(), p, in)
		if err != nil {
			return nil, err
		}
		return renderCustomField(f), nil
	})
}

func (c *call) metaCustomField(p *project) (*customField, error) {
	id, err := c.pathInt("id", "custom field")
	if err != nil {
		return nil, err
	}
	if f := customFieldByID(p, id); f != nil {
		return f, nil
	}
	return nil, notFound("custom field")
}

func (s *Server) patchCustomField(c *call) error {
	in := &customFieldUpdate{Name: c.q.optStr("name"), Description: c.q.optStr("description")}
	var e *apiError
	if in.Required, e = c.q.optBool("required"); e != nil {
		return e
	}
	if c.q.has("applicableIssueTypes") {
		ids, e := c.q.ints("applicableIssueTypes")
		if e != nil {
			return e
		}
		in.ApplicableIssueTypes = &ids
	}
	if in.AllowAddItem, e = c.q.optBool("allowAddItem"); e != nil {
		return e
	}
	if in.AllowInput, e = c.q.optBool("allowInput"); e != nil {
		return e
	}
	in.Unit = c.q.optClear("unit")
	if in.InitialShift.Set = c.q.has("initialShift"); in.InitialShift.Set {
		sh, e := c.q.optInt64("initialShift")
		if e != nil {
			return e
		}
		if sh != nil {
			v := int(*sh)
			in.InitialShift.Value = &v
		}
	}
	if c.q.has("initialValueType") {
		n, e := c.q.int64("initialValueType", 0)
		if e != nil {
			return e
		}
		v := int(n)
		in.InitialValueType = &v
	}
	if in.InitialDate, e = c.q.optDateClear("initialDate"); e != nil {
		return e
	}
	if in.InitialValue, e = c.q.optFloatClear("initialValue"); e != nil {
		return e
	}
	raw := struct{ min, max bool }{c.q.has("min"), c.q.has("max")}
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		f, err := c.metaCustomField(p)
		if err != nil {
			return nil, err
		}
		// min/max are numbers on numeric fields and dates on date fields.
		if raw.min || raw.max {
			var e *apiError
			if f.TypeID == CFDate {
				if in.MinDate, e = c.q.optDateClear("min"); e != nil {
					return nil, e
				}
				if in.MaxDate, e = c.q.optDateClear("max"); e != nil {
					return nil, e
				}
			} else {
				if in.Min, e = c.q.optFloatClear("min"); e != nil {
					return nil, e
				}
				if in.Max, e = c.q.optFloatClear("max"); e != nil {
					return nil, e
				}
			}
		}
		if err := st.updateCustomField(c.u, s.now(), p, f, in); err != nil {
			return nil, err
		}
		return renderCustomField(f), nil
	})
}

func (s *Server) deleteCustomField(c *call) error {
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		f, err := c.metaCustomField(p)
		if err != nil {
			return nil, err
		}
		j := renderCustomField(f)
		return j, st.deleteCustomField(c.u, s.now(), p, f)
	})
}

// metaListItem resolves {itemId} in f.
func (c *call) metaListItem(f *customField) (*listItem, error) {
	id, err := strconv.ParseInt(c.path("itemId"), 10, 64)
	if err == nil {
		if it := listItemByID(f, id); it != nil {
			return it, nil
		}
	}
	return nil, notFound("list item")
}

func (s *Server) postListItem(c *call) error {
	name, e := c.q.required("name")
	if e != nil {
		return e
	}
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		f, err := c.metaCustomField(p)
		if err != nil {
			return nil, err
		}
		if _, err := st.addListItem(c.u, s.now(), p, f, name); err != nil {
			return nil, err
		}
		return renderCustomField(f), nil
	})
}

func (s *Server) patchListItem(c *call) error {
	name, e := c.q.required("name")
	if e != nil {
		return e
	}
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		f, err := c.metaCustomField(p)
		if err != nil {
			return nil, err
		}
		it, err := c.metaListItem(f)
		if err != nil {
			return nil, err
		}
		if err := st.updateListItem(c.u, s.now(), p, f, it, name); err != nil {
			return nil, err
		}
		return renderCustomField(f), nil
	})
}

func (s *Server) deleteListItem(c *call) error {
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		f, err := c.metaCustomField(p)
		if err != nil {
			return nil, err
		}
		it, err := c.metaListItem(f)
		if err != nil {
			return nil, err
		}
		if err := st.deleteListItem(c.u, s.now(), p, f, it); err != nil {
			return nil, err
		}
		return renderCustomField(f), nil
	})
}
