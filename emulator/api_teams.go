package emulator

// Teams: GET /teams (administrators and project administrators; offset,
// count, order by id), GET /teams/:teamId (administrators), the team icon
// and POST/PATCH/DELETE /teams (administrators).

// routesTeams registers the team routes.
func (s *Server) routesTeams() {
	s.handle("GET /api/v2/teams", s.getTeams)
	s.handle("POST /api/v2/teams", s.postTeam)
	s.handle("GET /api/v2/teams/{teamId}", s.getTeam)
	s.handle("PATCH /api/v2/teams/{teamId}", s.patchTeam)
	s.handle("DELETE /api/v2/teams/{teamId}", s.deleteTeam)
	s.handle("GET /api/v2/teams/{teamId}/icon", s.getTeamIcon)
}

// pathTeam resolves {teamId}.
func (c *call) pathTeam() (*team, error) {
	id, err := c.pathInt("teamId", "team")
	if err != nil {
		return nil, err
	}
	if t := c.s.store.teams[id]; t != nil {
		return t, nil
	}
	return nil, notFound("team")
}

// getTeams serves GET /teams.
func (s *Server) getTeams(c *call) error {
	pg, e := c.listPage(20, 100)
	if e != nil {
		return e
	}
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	if c.u.RoleType != RoleAdmin && !st.isAnyProjectAdmin(c.u) {
		return forbidden()
	}
	return c.ok(renderAll(pageOf(pg, st.teamList), st.renderTeam))
}

// getTeam serves GET /teams/:teamId.
func (s *Server) getTeam(c *call) error {
	return reading(c, adminOnly(c, c.pathTeam), (*store).renderTeam)
}

// getTeamIcon serves GET /teams/:teamId/icon (icon class).
func (s *Server) getTeamIcon(c *call) error {
	s.store.mu.RLock()
	t, err := c.pathTeam()
	s.store.mu.RUnlock()
	if err != nil {
		return err
	}
	return c.image("team" + formatID(t.ID) + ".png")
}

// postTeam serves POST /teams (name, members[]).
func (s *Server) postTeam(c *call) error {
	name, e := c.q.required("name")
	if e != nil {
		return e
	}
	members, e := c.q.ints("members")
	if e != nil {
		return e
	}
	return writing(c, adminOnly(c, c.caller), func(st *store, _ *user) (any, error) {
		t, err := st.createTeam(c.u, s.now(), name, members)
		if err != nil {
			return nil, err
		}
		return st.renderTeam(t), nil
	})
}

// patchTeam serves PATCH /teams/:teamId (name, members[]).
func (s *Server) patchTeam(c *call) error {
	name := c.q.optStr("name")
	var members *[]int64
	if c.q.has("members") {
		ids, e := c.q.ints("members")
		if e != nil {
			return e
		}
		members = &ids
	}
	return writing(c, adminOnly(c, c.pathTeam), func(st *store, t *team) (any, error) {
		if err := st.updateTeam(c.u, s.now(), t, name, members); err != nil {
			return nil, err
		}
		return st.renderTeam(t), nil
	})
}

// deleteTeam serves DELETE /teams/:teamId.
func (s *Server) deleteTeam(c *call) error {
	return writing(c, adminOnly(c, c.pathTeam), func(st *store, t *team) (any, error) {
		j := st.renderTeam(t)
		if err := st.deleteTeam(c.u, s.now(), t); err != nil {
			return nil, err
		}
		return j, nil
	})
}
