package emulator

import (
	"strings"
	"time"
)

// --------------------------------------------------------- shared files

// cleanDir normalises a directory path to "/a/b/" form ("/" for the root).
func cleanDir(dir string) (string, error) {
	var parts []string
	for _, seg := range strings.Split(dir, "/") {
		if seg == "" {
			continue
		}
		if seg == "." || seg == ".." {
			return "", badRequest("Invalid directory path: %q.", dir)
		}
		parts = append(parts, seg)
	}
	if len(parts) == 0 {
		return "/", nil
	}
	return "/" + strings.Join(parts, "/") + "/", nil
}

// sharedFileAt returns the entry named name in directory dir of p, or nil.
func sharedFileAt(p *project, dir, name string) *sharedFile {
	for _, f := range p.SharedFiles {
		if f.Dir == dir && f.Name == name {
			return f
		}
	}
	return nil
}

// sharedDirExists reports whether dir ("/a/b/") exists in p; the root always does.
func sharedDirExists(p *project, dir string) bool {
	if dir == "/" {
		return true
	}
	trim := strings.TrimSuffix(dir, "/")
	i := strings.LastIndexByte(trim, '/')
	f := sharedFileAt(p, trim[:i+1], trim[i+1:])
	return f != nil && f.Type == "directory"
}

// addSharedFile adds a file or directory under dir ("/" or "/a/b/"),
// creating missing parent directories (activity 8 for files).
func (s *store) addSharedFile(actor *user, at time.Time, p *project, dir, name string, size int64, isDir bool) (*sharedFile, error) {
	d, err := cleanDir(dir)
	if err != nil {
		return nil, err
	}
	if name == "" || strings.Contains(name, "/") {
		return nil, badRequest("Invalid file name: %q.", name)
	}
	if size < 0 {
		return nil, badRequest("Invalid size: %d.", size)
	}
	// Create the parents one level at a time.
	parent := "/"
	for _, seg := range strings.Split(strings.Trim(d, "/"), "/") {
		if seg == "" {
			break
		}
		if f := sharedFileAt(p, parent, seg); f != nil {
			if f.Type != "directory" {
				return nil, badRequest("%s%s is a file, not a directory.", parent, seg)
			}
		} else {
			s.putSharedFile(p, &sharedFile{ID: s.nextID("file"), ProjectID: p.ID, Type: "directory",
				Dir: parent, Name: seg, CreatedUser: actor.ID, Created: at, Updated: at})
		}
		parent += seg + "/"
	}
	if existing := sharedFileAt(p, d, name); existing != nil {
		if isDir && existing.Type == "directory" {
			return existing, nil
		}
		return nil, badRequest("%s%s already exists.", d, name)
	}
	f := &sharedFile{ID: s.nextID("file"), ProjectID: p.ID, Type: "file", Dir: d, Name: name, Size: size,
		CreatedUser: actor.ID, Created: at, Updated: at}
	if isDir {
		f.Type, f.Size = "directory", 0
	}
	s.putSharedFile(p, f)
	if !isDir {
		s.addActivity(p.ID, ActFileAdded, actor, at, actFileRef{f.ID, f.Dir, f.Name, f.Size})
	}
	return f, nil
}

func (s *store) putSharedFile(p *project, f *sharedFile) {
	s.sharedFiles[f.ID] = f
	p.SharedFiles = append(p.SharedFiles, f)
}

// updateSharedFile replaces a file's content size (activity 9).
func (s *store) updateSharedFile(actor *user, at time.Time, f *sharedFile, size int64) error {
	if f.Type != "file" {
		return badRequest("%s%s is a directory.", f.Dir, f.Name)
	}
	if size < 0 {
		return badRequest("Invalid size: %d.", size)
	}
	f.Size, f.UpdatedUser, f.Updated = size, actor.ID, at
	s.sharedFileLinksChanged(f.ID)
	s.addActivity(f.ProjectID, ActFileUpdated, actor, at, actFileRef{f.ID, f.Dir, f.Name, f.Size})
	return nil
}

// deleteSharedFile removes a file, or a directory with everything below it
// (activity 10 per removed file).
func (s *store) deleteSharedFile(actor *user, at time.Time, f *sharedFile) error {
	p := s.projects[f.ProjectID]
	if p == nil || s.sharedFiles[f.ID] != f {
		return notFound("file")
	}
	gone := map[int64]bool{f.ID: true}
	if f.Type == "directory" {
		prefix := f.Dir + f.Name + "/"
		for _, x := range p.SharedFiles {
			if strings.HasPrefix(x.Dir, prefix) {
				gone[x.ID] = true
			}
		}
	}
	kept := p.SharedFiles[:0:0]
	for _, x := range p.SharedFiles {
		if !gone[x.ID] {
			kept = append(kept, x)
			continue
		}
		delete(s.sharedFiles, x.ID)
		if x.Type == "file" {
			s.addActivity(p.ID, ActFileDeleted, actor, at, actFileRef{x.ID, x.Dir, x.Name, x.Size})
		}
	}
	p.SharedFiles = kept
	for id := range gone {
		s.sharedFileLinksChanged(id)
	}
	// Unlink from issues and wikis.
	for _, is := range s.issueList {
		if is.ProjectID == p.ID && len(is.SharedFileIDs) > 0 {
			if out := dropIDs(is.SharedFileIDs, gone); len(out) != len(is.SharedFileIDs) {
				is.SharedFileIDs = out
				s.issueChanged(is)
			}
		}
	}
	for _, w := range s.wikiList {
		if w.ProjectID == p.ID {
			w.SharedFileIDs = dropIDs(w.SharedFileIDs, gone)
		}
	}
	return nil
}

// sharedFileLinksChanged invalidates issues that embed the shared file.
func (s *store) sharedFileLinksChanged(id int64) {
	for _, is := range s.issueList {
		if ctContains(is.SharedFileIDs, id) {
			s.issueChanged(is)
		}
	}
}

func dropIDs(ids []int64, gone map[int64]bool) []int64 {
	out := ids[:0:0]
	for _, id := range ids {
		if !gone[id] {
			out = append(out, id)
		}
	}
	return out
}

func ctContains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
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

// projectDiskUsage sums the sizes of a project's attachments and files.
func (st *store) projectDiskUsage(p *project) jsonProjectDiskUsage {
	u := jsonProjectDiskUsage{ProjectID: p.ID}
	for _, is := range st.issueList {
		if is.ProjectID == p.ID {
			for _, a := range is.Attachments {
				u.Issue += a.Size
			}
		}
	}
	for _, w := range st.wikiList {
		if w.ProjectID == p.ID {
			for _, a := range w.Attachments {
				u.Wiki += a.Size
			}
		}
	}
	for _, d := range st.docList {
		if d.ProjectID == p.ID {
			for _, a := range d.Attachments {
				u.Document += a.Size
			}
		}
	}
	for _, f := range p.SharedFiles {
		u.File += f.Size
	}
	for _, r := range p.Repositories {
		u.Git += 1 << 20 * int64(1+len(r.PullRequests))
	}
	return u
}
