package emulator

import (
	"net/http"
	"time"
)

// routesSpace registers /space, /priorities and /resolutions.
func (s *Server) routesSpace() {
	s.handle("GET /api/v2/space", s.getSpace)
	s.handle("GET /api/v2/space/licence", s.getLicence)
	s.handle("GET /api/v2/space/diskUsage", s.getSpaceDiskUsage)
	s.handle("GET /api/v2/space/notification", s.getSpaceNotification)
	s.handle("PUT /api/v2/space/notification", s.putSpaceNotification)
	s.handle("GET /api/v2/space/image", s.getSpaceImage)
	s.handle("GET /api/v2/priorities", s.getPriorities)
	s.handle("GET /api/v2/resolutions", s.getResolutions)
}

// getSpace serves GET /space (get-space).
func (s *Server) getSpace(c *call) error {
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	sp := st.space
	return c.ok(jsonSpace{SpaceKey: sp.SpaceKey, Name: sp.Name, OwnerID: sp.OwnerID, Lang: sp.Lang,
		Timezone: sp.Timezone, ReportSendTime: sp.ReportSendTime, TextFormattingRule: sp.TextFormattingRule,
		Created: ts(sp.Created), Updated: ts(sp.Updated)})
}

// getLicence serves GET /space/licence (get-licence): a paid "Premium"-like plan.
func (s *Server) getLicence(c *call) error {
	st := s.store
	st.mu.RLock()
	created := st.space.Created
	st.mu.RUnlock()
	return c.ok(map[string]any{
		"active": true, "attachmentLimit": 0, "attachmentLimitPerFile": 104857600,
		"attachmentNumLimit": 0, "attribute": true, "attributeLimit": 0, "burndown": true,
		"commentLimit": 0, "componentLimit": 0, "fileSharing": true, "gantt": true, "git": true,
		"issueLimit": 0, "licenceTypeId": 43, "limitDate": ts(created.AddDate(10, 0, 0)),
		"nulabAccount": true, "parentChildIssue": true, "postIssueByMail": true, "projectLimit": 100,
		"pullRequestAttachmentLimitPerFile": 104857600, "pullRequestAttachmentNumLimit": 0,
		"remoteAddress": true, "remoteAddressLimit": 100, "startedOn": ts(created),
		"storageLimit": 107374182400, "subversion": true, "subversionExternal": true,
		"userLimit": 0, "versionLimit": 0, "wikiAttachment": true,
		"wikiAttachmentLimitPerFile": 104857600, "wikiAttachmentNumLimit": 0,
		"grandchildIssueEnabled": true,
	})
}

// getSpaceDiskUsage serves GET /space/diskUsage (administrators only).
func (s *Server) getSpaceDiskUsage(c *call) error {
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	if c.u.RoleType != RoleAdmin {
		return forbidden()
	}
	total := jsonProjectDiskUsage{}
	details := []jsonProjectDiskUsage{}
	for _, p := range st.projectList {
		u := st.projectDiskUsage(p)
		details = append(details, u)
		total.Issue += u.Issue
		total.Wiki += u.Wiki + u.Document
		total.File += u.File
		total.Git += u.Git
	}
	return c.ok(map[string]any{"capacity": st.space.Capacity, "issue": total.Issue, "wiki": total.Wiki,
		"file": total.File, "subversion": 0, "git": total.Git, "gitLFS": 0, "details": details})
}

// getSpaceNotification serves GET /space/notification.
func (s *Server) getSpaceNotification(c *call) error {
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	return c.ok(st.renderSpaceNotification())
}

// putSpaceNotification serves PUT /space/notification (administrators only).
func (s *Server) putSpaceNotification(c *call) error {
	content, e := c.q.required("content")
	if e != nil {
		return e
	}
	return writing(c, adminOnly(c, c.caller), func(st *store, _ *user) (any, error) {
		st.space.Notification, st.space.NotificationAt = content, s.now()
		return st.renderSpaceNotification(), nil
	})
}

// getSpaceImage serves GET /space/image (icon class).
func (s *Server) getSpaceImage(c *call) error {
	return c.image("space.png")
}

// getPriorities serves GET /priorities.
func (s *Server) getPriorities(c *call) error {
	out := make([]*jsonIDName, 0, len(priorities))
	for _, p := range priorities {
		out = append(out, s.store.priority(p.ID))
	}
	return c.ok(out)
}

// getResolutions serves GET /resolutions.
func (s *Server) getResolutions(c *call) error {
	out := make([]*jsonIDName, 0, len(resolutions))
	for _, r := range resolutions {
		id := r.ID
		out = append(out, s.store.resolution(&id))
	}
	return c.ok(out)
}

// iconPNG is a valid 1×1 PNG served for every icon and logo.
var iconPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

// image serves an icon with a Content-Disposition naming the file.
func (c *call) image(name string) error {
	return c.file(name, "image/png", iconPNG)
}

// file serves bytes as a download with Backlog's Content-Disposition form
// (RFC 5987 filename*=UTF-8”).
func (c *call) file(name, contentType string, data []byte) error {
	h := c.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", contentDisposition(name))
	h.Set("Last-Modified", time.Unix(0, 0).UTC().Format(http.TimeFormat))
	c.w.WriteHeader(http.StatusOK)
	if c.r.Method != http.MethodHead {
		_, _ = c.w.Write(data)
	}
	return nil
}
