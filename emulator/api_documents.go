package emulator

import (
	"sort"
	"strings"
)

// Document endpoints (endpoints.md §9 and the document writes of §14).
//
// The official pages say the caller must have joined the document's project
// (also administrators); documents of other projects answer 404, and the list
// only covers joined projects. Deleted documents move to the tree's trashTree;
// they stay readable by id but leave the list and the count.

// routesDocuments registers the routes of this area.
func (s *Server) routesDocuments() {
	s.handle("GET /api/v2/documents", s.getDocuments)
	s.handle("GET /api/v2/documents/count", s.getDocumentCount)
	s.handle("GET /api/v2/documents/tree", s.getDocumentTree)
	s.handle("GET /api/v2/documents/{documentId}", s.getDocument)
	s.handle("GET /api/v2/documents/{documentId}/comments", s.getDocumentComments)
	s.handle("POST /api/v2/documents", s.postDocument)
	s.handle("DELETE /api/v2/documents/{documentId}", s.deleteDocumentByID)
	s.handle("POST /api/v2/documents/{documentId}/tags", s.postDocumentTags)
	s.handle("DELETE /api/v2/documents/{documentId}/tags", s.deleteDocumentTags)
}

// ------------------------------------------------------------ lookups

// documentProject resolves a required projectIdOrKey query parameter to a
// project the caller joined.
func (c *call) documentProject() (*project, error) {
	st := c.s.store
	v, e := c.q.required("projectIdOrKey")
	if e != nil {
		return nil, e
	}
	p := st.projectByIDOrKey(v)
	if p == nil || !p.isMember(c.u.ID) {
		return nil, notFound("project")
	}
	return p, nil
}

// visibleDocument resolves the documentId path segment to a document of a
// project the caller joined.
func (c *call) visibleDocument() (*document, error) {
	st := c.s.store
	d := st.documents[c.path("documentId")]
	if d == nil {
		return nil, notFound("document")
	}
	p := st.projects[d.ProjectID]
	if p == nil || !p.isMember(c.u.ID) {
		return nil, notFound("document")
	}
	return d, nil
}

// ------------------------------------------------------------ handlers

// getDocuments serves GET /documents (get-document-list): documents of the
// joined projects (optionally only projectId[]), keyword on title and text,
// sort created/updated (default updated), order (default desc); offset is
// required, count 1–100 (default 20).
func (s *Server) getDocuments(c *call) error {
	pids, e := c.q.ints("projectId")
	if e != nil {
		return e
	}
	if _, e := c.q.required("offset"); e != nil {
		return e
	}
	offset, count, e := c.offsetPage(20, 100)
	if e != nil {
		return e
	}
	asc, e := c.q.order()
	if e != nil {
		return e
	}
	sortKey := c.q.str("sort")
	switch sortKey {
	case "":
		sortKey = "updated"
	case "created", "updated":
	default:
		return badRequest("Invalid sort: %q (use created or updated).", sortKey)
	}
	kw := strings.ToLower(c.q.str("keyword"))
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	scope := st.joinedProjects(c.u)
	if len(pids) > 0 {
		want := map[int64]bool{}
		for _, id := range pids {
			if scope[id] {
				want[id] = true
			}
		}
		scope = want
	}
	var list []*document
	for _, d := range st.docList {
		if d.Trashed || !scope[d.ProjectID] {
			continue
		}
		if kw != "" && !strings.Contains(strings.ToLower(d.Title), kw) && !strings.Contains(strings.ToLower(d.Plain), kw) {
			continue
		}
		list = append(list, d)
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		ta, tb := a.Updated, b.Updated
		if sortKey == "created" {
			ta, tb = a.Created, b.Created
		}
		if !ta.Equal(tb) {
			return ta.Before(tb) == asc
		}
		return (a.ID < b.ID) == asc
	})
	page := slicePage(list, offset, count)
	return c.ok(renderAll(page, st.renderDocument))
}

// getDocumentCount serves GET /documents/count (count-document).
func (s *Server) getDocumentCount(c *call) error {
	return reading(c, c.documentProject, func(st *store, p *project) any {
		n := 0
		for _, d := range st.docList {
			if d.ProjectID == p.ID && !d.Trashed {
				n++
			}
		}
		return counted(n)
	})
}

// getDocumentTree serves GET /documents/tree (get-document-tree).
func (s *Server) getDocumentTree(c *call) error {
	return reading(c, c.documentProject, func(st *store, p *project) any {
		return st.documentTree(p)
	})
}

// getDocument serves GET /documents/:documentId (get-document).
func (s *Server) getDocument(c *call) error {
	return reading(c, c.visibleDocument, func(st *store, d *document) any {
		return st.renderDocument(d)
	})
}

// getDocumentComments serves GET /documents/:documentId/comments.
func (s *Server) getDocumentComments(c *call) error {
	return reading(c, c.visibleDocument, func(st *store, d *document) any {
		return st.renderDocumentComments(d)
	})
}

// postDocument serves POST /documents (add-document).
func (s *Server) postDocument(c *call) error {
	pid, e := c.q.requiredInt64("projectId")
	if e != nil {
		return e
	}
	addLast, e := c.q.bool("addLast", false)
	if e != nil {
		return e
	}
	in := &documentInput{ProjectID: pid, Title: c.q.str("title"), Content: c.q.str("content"),
		Emoji: c.q.optStr("emoji"), ParentID: c.q.str("parentId"), AddLast: addLast}
	find := func() (*project, error) {
		if p := s.store.projects[pid]; p != nil && p.isMember(c.u.ID) {
			return p, nil
		}
		return nil, notFound("project")
	}
	return writing(c, find, func(st *store, _ *project) (any, error) {
		if !canWriteContent(c.u) {
			return nil, forbidden()
		}
		d, err := st.createDocument(c.u, s.now(), in)
		if err != nil {
			return nil, err
		}
		return renderDocumentWritten(d, false), nil
	})
}

// deleteDocumentByID serves DELETE /documents/:documentId (delete-document):
// space administrators and project administrators only.
func (s *Server) deleteDocumentByID(c *call) error {
	return writing(c, c.visibleDocument, func(st *store, d *document) (any, error) {
		if d.Trashed {
			return nil, notFound("document")
		}
		if c.u.RoleType != RoleAdmin && !st.projects[d.ProjectID].isAdmin(c.u.ID) {
			return nil, forbidden()
		}
		if err := st.deleteDocument(c.u, s.now(), d); err != nil {
			return nil, err
		}
		return renderDocumentWritten(d, true), nil
	})
}

// tagNames reads the required tagNames[] parameter.
func tagNames(c *call) ([]string, error) {
	var names []string
	for _, n := range c.q["tagNames"] {
		if strings.TrimSpace(n) != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, badRequest("Missing required parameter: tagNames[].")
	}
	return names, nil
}

// postDocumentTags serves POST /documents/:documentId/tags (add-document-tag):
// answers the tags named.
func (s *Server) postDocumentTags(c *call) error {
	names, err := tagNames(c)
	if err != nil {
		return err
	}
	return writing(c, c.taggableDocument, func(st *store, d *document) (any, error) {
		return renderTags(st.addDocumentTags(d, names)), nil
	})
}

// deleteDocumentTags serves DELETE /documents/:documentId/tags
// (remove-document-tag): 204 No Content.
func (s *Server) deleteDocumentTags(c *call) error {
	names, err := tagNames(c)
	if err != nil {
		return err
	}
	return writing(c, c.taggableDocument, func(st *store, d *document) (any, error) {
		st.removeDocumentTags(d, names)
		return nil, nil
	})
}

// taggableDocument is the path's document, for a caller who may write
// content (403 otherwise).
func (c *call) taggableDocument() (*document, error) {
	d, err := c.visibleDocument()
	if err == nil && !canWriteContent(c.u) {
		return nil, forbidden()
	}
	return d, err
}
