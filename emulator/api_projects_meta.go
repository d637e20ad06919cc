package emulator

import "time"

// Project metadata endpoints: issue types, categories, versions/milestones,
// statuses (with updateDisplayOrder) and custom fields (with list items;
// their handlers live in api_customfields.go).
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
	return reading(c, c.visibleProject, f)
}

// writeMeta runs a metadata write under the write lock for a manager.
func (s *Server) writeMeta(c *call, f func(st *store, p *project) (any, error)) error {
	return writing(c, c.managedProject, f)
}

// metaKind is one kind of project metadata that a path names by its {id}:
// how to find one in a project (a 404 naming the kind when it is not there)
// and its JSON shape. Updating and deleting an item read the same for every
// kind — only these and the store's mutation differ — so changeMeta and
// deleteMeta serve them all.
type metaKind[T any] struct {
	find   func(c *call, p *project) (*T, error)
	render func(st *store, p *project, x *T) any
}

var (
	issueTypeMeta = metaKind[issueType]{metaByID("issue type", findIssueType),
		func(_ *store, _ *project, t *issueType) any { return renderIssueType(t) }}
	categoryMeta = metaKind[category]{metaByID("category", findCategory),
		func(_ *store, _ *project, x *category) any { return renderCategory(x) }}
	versionMeta = metaKind[version]{metaByID("version", findVersion),
		func(_ *store, _ *project, v *version) any { return renderVersion(v) }}
	statusMeta = metaKind[status]{(*call).metaStatus,
		func(st *store, p *project, x *status) any { return st.statusOf(p, x.ID) }}
	customFieldMeta = metaKind[customField]{metaByID("custom field", customFieldByID),
		func(_ *store, _ *project, f *customField) any { return renderCustomField(f) }}
)

// metaByID finds the item of a project whose id the path's {id} names; a
// missing one is a 404 naming the kind (what).
func metaByID[T any](what string, find func(p *project, id int64) *T) func(c *call, p *project) (*T, error) {
	return func(c *call, p *project) (*T, error) {
		id, err := c.pathInt("id", what)
		if err != nil {
			return nil, err
		}
		if x := find(p, id); x != nil {
			return x, nil
		}
		return nil, notFound(what)
	}
}

// changeMeta changes the item the path names (change runs under the write
// lock, the caller a manager of the project) and answers its new shape.
func changeMeta[T any](s *Server, c *call, k metaKind[T], change func(st *store, p *project, x *T) error) error {
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		x, err := k.find(c, p)
		if err != nil {
			return nil, err
		}
		if err := change(st, p, x); err != nil {
			return nil, err
		}
		return k.render(st, p, x), nil
	})
}

// deleteMeta deletes the item the path names and answers its shape from
// before the deletion.
func deleteMeta[T any](s *Server, c *call, k metaKind[T], del func(st *store, p *project, x *T) error) error {
	return s.writeMeta(c, func(st *store, p *project) (any, error) {
		x, err := k.find(c, p)
		if err != nil {
			return nil, err
		}
		j := k.render(st, p, x)
		return j, del(st, p, x)
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

func (s *Server) patchIssueType(c *call) error {
	in := &issueTypeUpdate{Name: c.q.optStr("name"), Color: c.q.optStr("color"),
		TemplateSummary: c.q.optClear("templateSummary"), TemplateDescription: c.q.optClear("templateDescription")}
	return changeMeta(s, c, issueTypeMeta, func(st *store, p *project, t *issueType) error {
		return st.updateIssueType(c.u, s.now(), p, t, in)
	})
}

func (s *Server) deleteIssueType(c *call) error {
	sub, e := c.q.requiredInt64("substituteIssueTypeId")
	if e != nil {
		return e
	}
	return deleteMeta(s, c, issueTypeMeta, func(st *store, p *project, t *issueType) error {
		return st.deleteIssueType(c.u, s.now(), p, t, sub)
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

func (s *Server) patchCategory(c *call) error {
	name, e := c.q.required("name")
	if e != nil {
		return e
	}
	return changeMeta(s, c, categoryMeta, func(st *store, p *project, x *category) error {
		return st.updateCategory(c.u, s.now(), p, x, name)
	})
}

func (s *Server) deleteCategory(c *call) error {
	return deleteMeta(s, c, categoryMeta, func(st *store, p *project, x *category) error {
		return st.deleteCategory(c.u, s.now(), p, x)
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
	return clearable(p, k, params.optDate)
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

func (s *Server) patchVersion(c *call) error {
	if _, e := c.q.required("name"); e != nil {
		return e // the docs mark name required on update too
	}
	in, err := versionParams(c)
	if err != nil {
		return err
	}
	return changeMeta(s, c, versionMeta, func(st *store, p *project, v *version) error {
		return st.updateVersion(c.u, s.now(), p, v, in)
	})
}

func (s *Server) deleteVersion(c *call) error {
	return deleteMeta(s, c, versionMeta, func(st *store, p *project, v *version) error {
		return st.deleteVersion(c.u, s.now(), p, v)
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
func (c *call) metaStatus(p *project) (*status, error) {
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
	return changeMeta(s, c, statusMeta, func(st *store, p *project, x *status) error {
		return st.updateStatus(c.u, s.now(), p, x, name, color)
	})
}

func (s *Server) deleteStatus(c *call) error {
	sub, e := c.q.requiredInt64("substituteStatusId")
	if e != nil {
		return e
	}
	return deleteMeta(s, c, statusMeta, func(st *store, p *project, x *status) error {
		return st.deleteStatus(c.u, s.now(), p, x, sub)
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
