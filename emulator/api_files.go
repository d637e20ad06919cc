package emulator

import "strconv"

// Shared-file endpoints (endpoints.md §8).

// routesFiles registers the routes of this area.
func (s *Server) routesFiles() {
	// The root directory is the empty path: backlog-js asks for
	// ".../files/metadata/" when path is "". Without the slash it is the
	// root too.
	s.handle("GET /api/v2/projects/{projectIdOrKey}/files/metadata", s.getSharedFiles)
	s.handle("GET /api/v2/projects/{projectIdOrKey}/files/metadata/{path...}", s.getSharedFiles)
	s.handle("GET /api/v2/projects/{projectIdOrKey}/files/{sharedFileId}", s.getSharedFile)
	s.routesFileLinks()
}

// getSharedFiles serves GET /projects/:p/files/metadata/:path
// (get-list-of-shared-files): the entries of one directory level, ordered by
// id (order asc/desc, default desc), offset + count 1–1000 (default 1000).
// A directory that does not exist answers 404 "No directory.".
func (s *Server) getSharedFiles(c *call) error {
	pg, e := c.listPage(1000, 1000)
	if e != nil {
		return e
	}
	dir, err := cleanDir(c.path("path"))
	if err != nil {
		return notFound("directory")
	}
	find := func() (*project, error) {
		p, err := c.visibleProject()
		if err == nil && !sharedDirExists(p, dir) {
			err = notFound("directory")
		}
		return p, err
	}
	return reading(c, find, func(st *store, p *project) []*jsonSharedFile {
		var list []*sharedFile
		for _, f := range p.SharedFiles {
			if f.Dir == dir {
				list = append(list, f)
			}
		}
		// p.SharedFiles is in creation (= id) order.
		return renderAll(pageOf(pg, list), st.renderSharedFile)
	})
}

// getSharedFile serves GET /projects/:p/files/:sharedFileId (get-file): the
// file's bytes. Directories have no content and answer 404 "No file.".
func (s *Server) getSharedFile(c *call) error {
	id, err := pathID(c.path("sharedFileId"), "file")
	if err != nil {
		return err
	}
	st := s.store
	st.mu.RLock()
	p, err := c.visibleProject()
	var a attachment
	if err == nil {
		if f := st.sharedFiles[id]; f != nil && f.ProjectID == p.ID && f.Type == "file" {
			a = attachment{ID: f.ID, Name: f.Name, Size: f.Size}
		} else {
			err = notFound("file")
		}
	}
	st.mu.RUnlock()
	if err != nil {
		return err
	}
	return c.sendAttachment(&a)
}

// Issues and wiki pages link shared files the same way (get, link, unlink:
// /issues/:id/sharedFiles and /wikis/:id/sharedFiles); a fileLinker says,
// for each, how the request names the object and who may change its links.

// fileLinks are the shared-file links of one object.
type fileLinks struct {
	projectID int64
	ids       *[]int64
	// canEdit reports whether the caller may change the links.
	canEdit func() error
	// changed is called after the links changed.
	changed func()
}

// fileLinker resolves the object named by a request's path, visible to the
// caller; the store's lock is held.
type fileLinker func(s *Server, c *call) (*fileLinks, error)

// routesFileLinks registers the shared-file link routes of issues and wiki
// pages.
func (s *Server) routesFileLinks() {
	issue := func(s *Server, c *call) (*fileLinks, error) {
		is, err := c.pathIssue()
		if err != nil {
			return nil, err
		}
		return &fileLinks{projectID: is.ProjectID, ids: &is.SharedFileIDs,
			canEdit: func() error { return s.store.checkEdit(c.u, is) },
			changed: func() { s.store.issueChanged(is) }}, nil
	}
	wiki := func(s *Server, c *call) (*fileLinks, error) {
		w, err := c.wikiFromPath()
		if err != nil {
			return nil, err
		}
		return &fileLinks{projectID: w.ProjectID, ids: &w.SharedFileIDs,
			canEdit: func() error {
				if !canWriteContent(c.u) {
					return forbidden()
				}
				return nil
			},
			changed: func() {}}, nil
	}
	for _, k := range []struct {
		prefix string
		linker fileLinker
	}{{"/api/v2/issues/{issueIdOrKey}", issue}, {"/api/v2/wikis/{wikiId}", wiki}} {
		s.handle("GET "+k.prefix+"/sharedFiles", s.getFileLinks(k.linker))
		s.handle("POST "+k.prefix+"/sharedFiles", s.postFileLinks(k.linker))
		s.handle("DELETE "+k.prefix+"/sharedFiles/{fileId}", s.deleteFileLink(k.linker))
	}
}

// getFileLinks serves GET …/sharedFiles: the linked files.
func (s *Server) getFileLinks(l fileLinker) handlerFunc {
	return func(c *call) error {
		return reading(c, func() (*fileLinks, error) { return l(s, c) },
			func(st *store, fl *fileLinks) []*jsonSharedFile { return st.renderSharedFiles(*fl.ids) })
	}
}

// postFileLinks serves POST …/sharedFiles (fileId[]): the files linked by
// this call.
func (s *Server) postFileLinks(l fileLinker) handlerFunc {
	return func(c *call) error {
		if _, e := c.q.required("fileId"); e != nil {
			return e
		}
		ids, e := c.q.ints("fileId")
		if e != nil {
			return e
		}
		return writing(c, func() (*fileLinks, error) { return l(s, c) }, func(st *store, fl *fileLinks) (any, error) {
			if err := fl.canEdit(); err != nil {
				return nil, err
			}
			linked, err := st.linkSharedFiles(fl.projectID, fl.ids, ids)
			if err != nil {
				return nil, err
			}
			fl.changed()
			return st.renderSharedFiles(linked), nil
		})
	}
}

// deleteFileLink serves DELETE …/sharedFiles/:fileId: the unlinked file.
func (s *Server) deleteFileLink(l fileLinker) handlerFunc {
	return func(c *call) error {
		id, perr := strconv.ParseInt(c.path("fileId"), 10, 64)
		return writing(c, func() (*fileLinks, error) { return l(s, c) }, func(st *store, fl *fileLinks) (any, error) {
			if perr != nil || !containsID(*fl.ids, id) || st.sharedFiles[id] == nil {
				return nil, notFound("file")
			}
			if err := fl.canEdit(); err != nil {
				return nil, err
			}
			*fl.ids = removeID(*fl.ids, id)
			fl.changed()
			return st.renderSharedFile(st.sharedFiles[id]), nil
		})
	}
}
