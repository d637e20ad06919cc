package emulator

import (
	"encoding/json"
	"slices"
)

// Recently viewed: GET /users/myself/recentlyViewedIssues, …Projects,
// …Wikis (order, offset, count) and POST …Issues (issueIdOrKey) and …Wikis
// (wikiId). Viewing an issue or wiki page also records its project.

// routesRecent registers the recently-viewed routes.
func (s *Server) routesRecent() {
	s.handle("GET /api/v2/users/myself/recentlyViewedIssues", s.getRecentIssues)
	s.handle("POST /api/v2/users/myself/recentlyViewedIssues", s.postRecentIssue)
	s.handle("GET /api/v2/users/myself/recentlyViewedProjects", s.getRecentProjects)
	s.handle("GET /api/v2/users/myself/recentlyViewedWikis", s.getRecentWikis)
	s.handle("POST /api/v2/users/myself/recentlyViewedWikis", s.postRecentWiki)
}

// recentPage pages a recently-viewed list: render returns nil for entries
// that are gone or invisible, which are skipped before paging.
func (s *Server) recentPage(c *call, m map[int64][]recentView, render func(recentView) any) error {
	pg, e := c.listPage(20, 100)
	if e != nil {
		return e
	}
	return reading(c, c.caller, func(_ *store, u *user) any {
		var items []any // oldest first
		for _, v := range slices.Backward(m[u.ID]) {
			if j := render(v); j != nil {
				items = append(items, j)
			}
		}
		return pageOf(pg, items)
	})
}

func (s *Server) getRecentIssues(c *call) error {
	st := s.store
	return s.recentPage(c, st.recentIssues, func(v recentView) any {
		is := st.visibleIssueByID(c.u, v.ID)
		if is == nil {
			return nil
		}
		return &jsonRecentIssue{st.issueJSON(is), ts(v.Updated)}
	})
}

func (s *Server) getRecentProjects(c *call) error {
	st := s.store
	return s.recentPage(c, st.recentProjects, func(v recentView) any {
		p := st.projects[v.ID]
		if p == nil || !st.canSee(c.u, p) {
			return nil
		}
		return &jsonRecentProject{renderProject(p), ts(v.Updated)}
	})
}

func (s *Server) getRecentWikis(c *call) error {
	st := s.store
	return s.recentPage(c, st.recentWikis, func(v recentView) any {
		w := st.visibleWiki(c.u, v.ID)
		if w == nil {
			return nil
		}
		return &jsonRecentWiki{st.renderWikiListItem(w), ts(v.Updated)}
	})
}

// postRecentIssue serves POST /users/myself/recentlyViewedIssues; it answers
// the issue.
func (s *Server) postRecentIssue(c *call) error {
	key, e := c.q.required("issueIdOrKey")
	if e != nil {
		return e
	}
	find := func() (*issue, error) {
		is, _, err := s.store.visibleIssue(c.u, key)
		return is, err
	}
	return writing(c, find, func(st *store, is *issue) (any, error) {
		st.viewIssue(c.u, s.now(), is)
		return json.RawMessage(st.issueJSON(is)), nil
	})
}

// postRecentWiki serves POST /users/myself/recentlyViewedWikis; it answers
// the wiki page.
func (s *Server) postRecentWiki(c *call) error {
	id, e := c.q.requiredInt64("wikiId")
	if e != nil {
		return e
	}
	find := func() (*wiki, error) {
		if w := s.store.visibleWiki(c.u, id); w != nil {
			return w, nil
		}
		return nil, notFound("wiki")
	}
	return writing(c, find, func(st *store, w *wiki) (any, error) {
		st.viewWiki(c.u, s.now(), w)
		return st.renderWiki(w), nil
	})
}
