package emulator

import (
	"mime"
	"path"
	"strconv"
	"strings"
)

// Attachments of issues, wiki pages, pull requests and documents are served
// by one implementation: an attachmentHolder says, for each kind, how the
// request names the object, what it may do, and what deleting one means.
// The routes differ only in what Backlog offers for each kind:
//
//	kind          list  download  delete
//	issue          ✓       ✓        ✓   (a change-log comment, activity 2)
//	wiki page      ✓       ✓
//	pull request   ✓       ✓        ✓   (uploader, project or space administrators)
//	document               ✓
//
// Uploads go through POST /space/attachment and are attached by each kind's
// own write call (add-issue, attach-file-to-wiki, …).

// attachmentHolder resolves the object named by a request's path (visible to
// the caller) and returns its attachments and how to delete one (nil when
// Backlog has no delete call for the kind). The store's lock is held.
type attachmentHolder func(s *Server, c *call) (list []*attachment, remove func(a *attachment) error, err error)

// attachmentKind is one kind of object with attachments: the route prefix
// naming one object, whether it has list and delete routes, and its holder
// (whose remove is non-nil exactly when del is set).
type attachmentKind struct {
	prefix    string
	list, del bool
	holder    attachmentHolder
}

// routesAttachments registers the attachment routes of every kind and the
// temporary upload endpoint POST /space/attachment.
func (s *Server) routesAttachments() {
	s.handle("POST /api/v2/space/attachment", s.postSpaceAttachment)
	kinds := []attachmentKind{
		{"/api/v2/issues/{issueIdOrKey}", true, true, func(s *Server, c *call) ([]*attachment, func(*attachment) error, error) {
			is, err := c.pathIssue()
			if err != nil {
				return nil, nil, err
			}
			return is.Attachments, func(a *attachment) error { return s.store.deleteAttachment(c.u, s.now(), is, a) }, nil
		}},
		{"/api/v2/wikis/{wikiId}", true, false, func(s *Server, c *call) ([]*attachment, func(*attachment) error, error) {
			w, err := c.wikiFromPath()
			if err != nil {
				return nil, nil, err
			}
			return w.Attachments, nil, nil
		}},
		{"/api/v2/projects/{projectIdOrKey}/git/repositories/{repoIdOrName}/pullRequests/{number}", true, true,
			func(s *Server, c *call) ([]*attachment, func(*attachment) error, error) {
				pr, err := c.visiblePullRequest()
				if err != nil {
					return nil, nil, err
				}
				return pr.Attachments, func(a *attachment) error { return s.store.deletePullRequestAttachment(c.u, pr, a) }, nil
			}},
		{"/api/v2/documents/{documentId}", false, false, func(s *Server, c *call) ([]*attachment, func(*attachment) error, error) {
			d, err := c.visibleDocument()
			if err != nil {
				return nil, nil, err
			}
			return d.Attachments, nil, nil
		}},
	}
	for _, k := range kinds {
		if k.list {
			s.handle("GET "+k.prefix+"/attachments", s.listAttachments(k.holder))
		}
		s.handle("GET "+k.prefix+"/attachments/{attachmentId}", s.downloadAttachment(k.holder))
		if k.del {
			s.handle("DELETE "+k.prefix+"/attachments/{attachmentId}", s.removeAttachment(k.holder))
		}
	}
}

// listAttachments serves GET …/attachments: the object's Attachment list.
func (s *Server) listAttachments(h attachmentHolder) handlerFunc {
	return func(c *call) error {
		find := func() ([]*attachment, error) {
			list, _, err := h(s, c)
			return list, err
		}
		return reading(c, find, (*store).renderAttachments)
	}
}

// downloadAttachment serves GET …/attachments/:attachmentId: the bytes with
// Content-Disposition, generated after the store's lock is released.
func (s *Server) downloadAttachment(h attachmentHolder) handlerFunc {
	return func(c *call) error {
		st := s.store
		st.mu.RLock()
		list, _, err := h(s, c)
		var a attachment
		if err == nil {
			if found := findAttachment(list, c.path("attachmentId")); found != nil {
				a = *found
			} else {
				err = notFound("attachment")
			}
		}
		st.mu.RUnlock()
		if err != nil {
			return err
		}
		return c.sendAttachment(&a)
	}
}

// removeAttachment serves DELETE …/attachments/:attachmentId: the removed
// Attachment.
func (s *Server) removeAttachment(h attachmentHolder) handlerFunc {
	return func(c *call) error {
		var remove func(*attachment) error
		find := func() (*attachment, error) {
			list, rm, err := h(s, c)
			if err != nil {
				return nil, err
			}
			remove = rm
			if a := findAttachment(list, c.path("attachmentId")); a != nil {
				return a, nil
			}
			return nil, notFound("attachment")
		}
		return writing(c, find, func(st *store, a *attachment) (any, error) {
			out := st.renderAttachments([]*attachment{a})[0]
			if err := remove(a); err != nil {
				return nil, err
			}
			return out, nil
		})
	}
}

// findAttachment finds an attachment by its path id.
func findAttachment(list []*attachment, v string) *attachment {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil
	}
	for _, a := range list {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// sendAttachment serves an attachment's (or a shared file's) bytes as a
// download.
func (c *call) sendAttachment(a *attachment) error {
	return c.file(a.Name, contentTypeOf(a.Name), attachmentBytes(a.ID, a.Size))
}

// maxAttachmentBytes caps the generated content of a download; the declared
// size of bigger attachments is kept in the metadata only.
const maxAttachmentBytes = 1 << 20

// attachmentBytes returns deterministic content for an attachment: size
// bytes (capped) derived from its id, so repeated downloads are identical.
func attachmentBytes(id, size int64) []byte {
	n := size
	if n > maxAttachmentBytes {
		n = maxAttachmentBytes
	}
	if n < 0 {
		n = 0
	}
	out := make([]byte, n)
	x := uint64(id)*0x9E3779B97F4A7C15 + 1
	for i := range out {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		out[i] = byte(x)
	}
	return out
}

// contentTypeOf guesses a download's Content-Type from its name.
func contentTypeOf(name string) string {
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		return t
	}
	return "application/octet-stream"
}

// postSpaceAttachment serves POST /space/attachment (multipart part "file"):
// {id, name, size}; the upload must be attached within an hour.
func (s *Server) postSpaceAttachment(c *call) error {
	var f *uploadedFile
	for i := range c.files {
		if c.files[i].Field == "file" {
			f = &c.files[i]
			break
		}
	}
	if f == nil {
		return badRequest("Missing required parameter: file (multipart/form-data part).")
	}
	if f.Name == "" {
		return badRequest("The uploaded file has no name.")
	}
	find := func() (*user, error) {
		if c.u.RoleType == RoleViewer {
			return nil, forbidden()
		}
		return c.u, nil
	}
	return writing(c, find, func(st *store, u *user) (any, error) {
		up := st.addUpload(u, s.now(), f.Name, f.Size)
		return map[string]any{"id": up.ID, "name": up.Name, "size": up.Size}, nil
	})
}
