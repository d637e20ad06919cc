package emulator

import (
	"mime"
	"path"
	"strconv"
)

// routesAttachments registers issue attachments and the temporary upload
// endpoint POST /space/attachment. It is called from routesIssues so that
// routes.go needs no change.
func (s *Server) routesAttachments() {
	s.handle("POST /api/v2/space/attachment", s.postSpaceAttachment)
	s.handle("GET /api/v2/issues/{issueIdOrKey}/attachments", s.getIssueAttachments)
	s.handle("GET /api/v2/issues/{issueIdOrKey}/attachments/{attachmentId}", s.getIssueAttachment)
	s.handle("DELETE /api/v2/issues/{issueIdOrKey}/attachments/{attachmentId}", s.deleteIssueAttachment)
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
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
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
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	if c.u.RoleType == RoleViewer {
		return forbidden()
	}
	u := st.addUpload(c.u, s.now(), f.Name, f.Size)
	return c.ok(map[string]any{"id": u.ID, "name": u.Name, "size": u.Size})
}

// issueAttachment resolves the path's attachment of a visible issue.
func (st *store) issueAttachment(u *user, issueIDOrKey, attachmentID string) (*issue, *attachment, error) {
	is, _, err := st.visibleIssue(u, issueIDOrKey)
	if err != nil {
		return nil, nil, err
	}
	id, perr := strconv.ParseInt(attachmentID, 10, 64)
	if perr == nil {
		for _, a := range is.Attachments {
			if a.ID == id {
				return is, a, nil
			}
		}
	}
	return nil, nil, notFound("attachment")
}

// getIssueAttachments serves GET /issues/:id/attachments.
func (s *Server) getIssueAttachments(c *call) error {
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	is, _, err := st.visibleIssue(c.u, c.path("issueIdOrKey"))
	if err != nil {
		return err
	}
	return c.ok(st.renderAttachments(is.Attachments))
}

// getIssueAttachment serves GET /issues/:id/attachments/:attachmentId: the
// bytes with Content-Disposition.
func (s *Server) getIssueAttachment(c *call) error {
	st := s.store
	st.mu.RLock()
	_, a, err := st.issueAttachment(c.u, c.path("issueIdOrKey"), c.path("attachmentId"))
	var id, size int64
	var name string
	if a != nil {
		id, size, name = a.ID, a.Size, a.Name
	}
	st.mu.RUnlock()
	if err != nil {
		return err
	}
	return c.file(name, contentTypeOf(name), attachmentBytes(id, size))
}

// deleteIssueAttachment serves DELETE /issues/:id/attachments/:attachmentId:
// the removed Attachment; the removal shows up as a change-log comment.
func (s *Server) deleteIssueAttachment(c *call) error {
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	is, a, err := st.issueAttachment(c.u, c.path("issueIdOrKey"), c.path("attachmentId"))
	if err != nil {
		return err
	}
	out := st.renderAttachments([]*attachment{a})[0]
	if err := st.deleteAttachment(c.u, s.now(), is, a); err != nil {
		return err
	}
	return c.ok(out)
}
