package emulator

import (
	"strconv"
	"strings"
)

// Wiki endpoints (endpoints.md §7 and the wiki writes of §14).
//
// A project whose useWiki flag is off answers every wiki endpoint as if the
// page or project had no wiki: 404, code 6, "No wiki." Backlog's own answer
// is not documented; a 404 keeps sync clients on their "gone" path rather
// than their "permission" path.

// routesWikis registers the routes of this area.
func (s *Server) routesWikis() {
	s.handle("GET /api/v2/wikis", s.getWikis)
	s.handle("GET /api/v2/wikis/count", s.getWikiCount)
	s.handle("GET /api/v2/wikis/tags", s.getWikiTags)
	s.handle("GET /api/v2/wikis/{wikiId}", s.getWiki)
	s.handle("GET /api/v2/wikis/{wikiId}/history", s.getWikiHistory)
	s.handle("GET /api/v2/wikis/{wikiId}/stars", s.getWikiStars)
	s.handle("POST /api/v2/wikis", s.postWiki)
	s.handle("PATCH /api/v2/wikis/{wikiId}", s.patchWiki)
	s.handle("DELETE /api/v2/wikis/{wikiId}", s.deleteWikiPage)
	s.handle("POST /api/v2/wikis/{wikiId}/attachments", s.postWikiAttachments)
}

// ------------------------------------------------------ shared helpers

// canWriteContent reports whether u's role may write wikis, documents and
// pull requests: administrators and normal users; reporters (restricted to
// adding issues) and viewers may not.
func canWriteContent(u *user) bool { return u.RoleType == RoleAdmin || u.RoleType == RoleNormal }

// pathID parses a numeric path segment; anything else is the resource's 404.
func pathID(v, what string) (int64, error) {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound(what)
	}
	return id, nil
}

// ------------------------------------------------------------ lookups

// wikiProject resolves the projectIdOrKey query parameter of the wiki
// lists: required, visible, and with the wiki feature on.
func (c *call) wikiProject() (*project, error) {
	st := c.s.store
	v, e := c.q.required("projectIdOrKey")
	if e != nil {
		return nil, e
	}
	p, err := st.contentProject(c.u, v)
	if err != nil {
		return nil, err
	}
	if !p.UseWiki {
		return nil, notFound("wiki")
	}
	return p, nil
}

// wikiFromPath resolves the wikiId path segment.
func (c *call) wikiFromPath() (*wiki, error) {
	st := c.s.store
	id, err := pathID(c.path("wikiId"), "wiki")
	if err != nil {
		return nil, err
	}
	w := st.wikis[id]
	if w == nil {
		return nil, notFound("wiki")
	}
	p := st.projects[w.ProjectID]
	if p == nil || !st.canSee(c.u, p) || !p.UseWiki {
		return nil, notFound("wiki")
	}
	return w, nil
}

// ------------------------------------------------------------ handlers

// wikiMatches reports whether a page matches a keyword (name or content,
// case-insensitive).
func wikiMatches(w *wiki, kw string) bool {
	if kw == "" {
		return true
	}
	kw = strings.ToLower(kw)
	return strings.Contains(strings.ToLower(w.Name), kw) || strings.Contains(strings.ToLower(w.Content), kw)
}

// getWikis serves GET /wikis (get-wiki-page-list): every page of the
// project, in creation order, without content.
func (s *Server) getWikis(c *call) error {
	return reading(c, c.wikiProject, func(st *store, p *project) any {
		kw := c.q.str("keyword")
		out := []*jsonWikiListItem{}
		for _, w := range st.wikiList {
			if w.ProjectID == p.ID && wikiMatches(w, kw) {
				out = append(out, st.renderWikiListItem(w))
			}
		}
		return out
	})
}

// getWikiCount serves GET /wikis/count (count-wiki-page).
func (s *Server) getWikiCount(c *call) error {
	return reading(c, c.wikiProject, func(st *store, p *project) any {
		n := 0
		for _, w := range st.wikiList {
			if w.ProjectID == p.ID {
				n++
			}
		}
		return counted(n)
	})
}

// getWikiTags serves GET /wikis/tags (get-wiki-page-tag-list).
func (s *Server) getWikiTags(c *call) error {
	return reading(c, c.wikiProject, func(st *store, p *project) any { return renderTags(p.WikiTags) })
}

// getWiki serves GET /wikis/:wikiId (get-wiki-page).
func (s *Server) getWiki(c *call) error {
	return reading(c, c.wikiFromPath, func(st *store, w *wiki) any {
		return st.renderWiki(w)
	})
}

// getWikiHistory serves GET /wikis/:wikiId/history. History entries have no
// id of their own; minId/maxId page over version numbers.
func (s *Server) getWikiHistory(c *call) error {
	cur, e := c.idCursor()
	if e != nil {
		return e
	}
	return reading(c, c.wikiFromPath, func(st *store, w *wiki) any {
		page := pageByID(w.History, func(h *wikiHistory) int64 { return h.Version }, cur, nil)
		out := make([]*jsonWikiHistory, 0, len(page))
		for _, h := range page {
			out = append(out, &jsonWikiHistory{PageID: w.ID, Version: h.Version, Name: h.Name, Content: h.Content,
				CreatedUser: st.renderUser(h.CreatedUser), Created: ts(h.Created)})
		}
		return out
	})
}

// getWikiStars serves GET /wikis/:wikiId/stars.
func (s *Server) getWikiStars(c *call) error {
	return reading(c, c.wikiFromPath, func(st *store, w *wiki) any {
		return st.renderStars(w.Stars)
	})
}

// postWiki serves POST /wikis (add-wiki-page).
func (s *Server) postWiki(c *call) error {
	pid, e := c.q.requiredInt64("projectId")
	if e != nil {
		return e
	}
	name, e := c.q.required("name")
	if e != nil {
		return e
	}
	if !c.q.has("content") {
		return badRequest("Missing required parameter: content.")
	}
	content := c.q.str("content")
	if _, e := c.q.optBool("mailNotify"); e != nil {
		return e
	}
	find := func() (*project, error) {
		st := s.store
		p := st.projects[pid]
		if p == nil || !st.canSee(c.u, p) {
			return nil, notFound("project")
		}
		if !p.UseWiki {
			return nil, notFound("wiki")
		}
		return p, nil
	}
	return inProject(c, find, func(p *project) int64 { return p.ID }, func(st *store, p *project) (any, error) {
		w, err := st.createWiki(c.u, s.now(), p, name, content, nil)
		if err != nil {
			return nil, err
		}
		return st.renderWiki(w), nil
	})
}

// patchWiki serves PATCH /wikis/:wikiId (update-wiki-page).
func (s *Server) patchWiki(c *call) error {
	name, content := c.q.optStr("name"), c.q.optStr("content")
	if _, e := c.q.optBool("mailNotify"); e != nil {
		return e
	}
	return inProject(c, c.wikiFromPath, (*wiki).projectID, func(st *store, w *wiki) (any, error) {
		if name == nil && content == nil {
			return st.renderWiki(w), nil
		}
		if err := st.updateWiki(c.u, s.now(), w, name, content); err != nil {
			return nil, err
		}
		return st.renderWiki(w), nil
	})
}

// deleteWikiPage serves DELETE /wikis/:wikiId (delete-wiki-page): space and
// project administrators and the page's author may delete it.
func (s *Server) deleteWikiPage(c *call) error {
	if _, e := c.q.optBool("mailNotify"); e != nil {
		return e
	}
	return writing(c, c.wikiFromPath, func(st *store, w *wiki) (any, error) {
		p := st.projects[w.ProjectID]
		if err := st.writableProject(c.u, p); err != nil {
			return nil, err
		}
		if c.u.RoleType != RoleAdmin && !p.isAdmin(c.u.ID) && w.CreatedUser != c.u.ID {
			return nil, forbidden()
		}
		out := st.renderWiki(w)
		if err := st.deleteWiki(c.u, s.now(), w); err != nil {
			return nil, err
		}
		return out, nil
	})
}

// postWikiAttachments serves POST /wikis/:wikiId/attachments
// (attach-file-to-wiki): the uploads named by attachmentId[] are consumed.
func (s *Server) postWikiAttachments(c *call) error {
	ids, e := c.q.ints("attachmentId")
	if e != nil {
		return e
	}
	if len(ids) == 0 {
		return badRequest("Missing required parameter: attachmentId[].")
	}
	return inProject(c, c.wikiFromPath, (*wiki).projectID, func(st *store, w *wiki) (any, error) {
		list, err := st.addWikiAttachments(c.u, s.now(), w, ids)
		if err != nil {
			return nil, err
		}
		return st.renderAttachments(list), nil
	})
}
