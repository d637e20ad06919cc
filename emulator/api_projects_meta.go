package emulator

import "time"

// Project metadata endpoints: issue types, categories, versions/milestones,
// statuses (with updateDisplayOrder) and custom fields (with list items;
// their handlers live in customfields.go).
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
	return reading(c, c.visibleProject, func(st *store, p *project) any {
		return f(st, p)
	})
}

// writeMeta runs a metadata write under the write lock for a manager.
func (s *Server) writeMeta(c *call, f func(st *store, p *project) (any, error)) error {
	return writing(c, c.managedProject, func(st *store, p *project) (any, error) {
		v, err := f(st, p)
		if err != nil {
			return nil, err
		}
		return v, nil
	})
}

// ---- issue types

func (s *Server) getIssueTypes(c *call) error {
	return s.readMeta(c, func(st *store, p *project) any {
		return renderAll(p.IssueTypes, renderIssueType)
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
		return renderAll(p.Categories, renderCategory)
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
		return renderAll(p.Versions, renderVersion)
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
