package emulator

// Shared-file endpoints (endpoints.md §8).

// routesFiles registers the routes of this area.
func (s *Server) routesFiles() {
	// The root directory is the empty path: backlog-js asks for
	// ".../files/metadata/" when path is "". Without the slash it is the
	// root too.
	s.handle("GET /api/v2/projects/{projectIdOrKey}/files/metadata", s.getSharedFiles)
	s.handle("GET /api/v2/projects/{projectIdOrKey}/files/metadata/{path...}", s.getSharedFiles)
	s.handle("GET /api/v2/projects/{projectIdOrKey}/files/{sharedFileId}", s.getSharedFile)
}

// getSharedFiles serves GET /projects/:p/files/metadata/:path
// (get-list-of-shared-files): the entries of one directory level, ordered by
// id (order asc/desc, default desc), offset + count 1–1000 (default 1000).
// A directory that does not exist answers 404 "No directory.".
func (s *Server) getSharedFiles(c *call) error {
	asc, e := c.q.order()
	if e != nil {
		return e
	}
	offset, count, e := c.offsetPage(1000, 1000)
	if e != nil {
		return e
	}
	dir, err := cleanDir(c.path("path"))
	if err != nil {
		return notFound("directory")
	}
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	p, err := st.contentProject(c.u, c.path("projectIdOrKey"))
	if err != nil {
		return err
	}
	if !sharedDirExists(p, dir) {
		return notFound("directory")
	}
	var list []*sharedFile
	for _, f := range p.SharedFiles {
		if f.Dir == dir {
			list = append(list, f)
		}
	}
	// p.SharedFiles is in creation (= id) order.
	if !asc {
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
	}
	page := slicePage(list, offset, count)
	out := make([]*jsonSharedFile, 0, len(page))
	for _, f := range page {
		out = append(out, st.renderSharedFile(f))
	}
	return c.ok(out)
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
	defer st.mu.RUnlock()
	p, err := st.contentProject(c.u, c.path("projectIdOrKey"))
	if err != nil {
		return err
	}
	f := st.sharedFiles[id]
	if f == nil || f.ProjectID != p.ID || f.Type != "file" {
		return notFound("file")
	}
	return c.sendAttachment(&attachment{ID: f.ID, Name: f.Name, Size: f.Size})
}

// linkSharedFiles checks that every id names a file (not a directory) of the
// project and appends the ones not yet linked to *links. It returns the
// distinct ids of this call, in request order; nothing is linked on error.
func (st *store) linkSharedFiles(projectID int64, links *[]int64, ids []int64) ([]int64, error) {
	for _, id := range ids {
		f := st.sharedFiles[id]
		if f == nil || f.ProjectID != projectID || f.Type != "file" {
			return nil, notFound("file")
		}
	}
	linked := []int64{}
	for _, id := range ids {
		if !containsID(*links, id) {
			*links = append(*links, id)
		}
		if !containsID(linked, id) {
			linked = append(linked, id)
		}
	}
	return linked, nil
}
