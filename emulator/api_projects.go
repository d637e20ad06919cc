package emulator

import (
	"slices"
	"strconv"
)

// Projects: the project list, one project, its members, administrators and
// teams, icon and disk usage, and the writes on them (add/update/delete
// project, add/remove user, administrator, team). Metadata lists are in
// api_projects_meta.go, webhooks in api_webhooks.go.

// routesProjects registers the project routes.
func (s *Server) routesProjects() {
	const p = "/api/v2/projects/{projectIdOrKey}"
	s.handle("GET /api/v2/projects", s.getProjects)
	s.handle("POST /api/v2/projects", s.postProject)
	s.handle("GET "+p, s.getProject)
	s.handle("PATCH "+p, s.patchProject)
	s.handle("DELETE "+p, s.deleteProject)
	s.handle("GET "+p+"/users", s.getProjectUsers)
	s.handle("POST "+p+"/users", s.postProjectUser)
	s.handle("DELETE "+p+"/users", s.deleteProjectUser)
	s.handle("GET "+p+"/administrators", s.getProjectAdmins)
	s.handle("POST "+p+"/administrators", s.postProjectAdmin)
	s.handle("DELETE "+p+"/administrators", s.deleteProjectAdmin)
	s.handle("GET "+p+"/teams", s.getProjectTeams)
	s.handle("POST "+p+"/teams", s.postProjectTeam)
	s.handle("DELETE "+p+"/teams", s.deleteProjectTeam)
	s.handle("GET "+p+"/image", s.getProjectImage)
	s.handle("GET "+p+"/diskUsage", s.getProjectDiskUsage)
	s.routesProjectMeta()
	s.routesWebhooks()
}

// visibleProject resolves {projectIdOrKey} to a project the caller can see
// (404 "No project." otherwise). The store lock must be held.
func (c *call) visibleProject() (*project, error) {
	return c.s.store.contentProject(c.u, c.path("projectIdOrKey"))
}

// managedProject resolves {projectIdOrKey} to a visible project the caller
// administers (403 otherwise).
func (c *call) managedProject() (*project, error) {
	p, err := c.visibleProject()
	if err != nil {
		return nil, err
	}
	if !canManage(c.u, p) {
		return nil, forbidden()
	}
	return p, nil
}

// requireAdmin refuses callers who are not space administrators.
func (c *call) requireAdmin() error {
	if c.u.RoleType != RoleAdmin {
		return forbidden()
	}
	return nil
}

// paramUser resolves a numeric user-id parameter to a live user: a missing
// parameter is 400, an unknown user 400 as well (it is a body parameter).
func (c *call) paramUser(name string) (*user, error) {
	id, e := c.q.requiredInt64(name)
	if e != nil {
		return nil, e
	}
	u := c.s.store.liveUser(id)
	if u == nil {
		return nil, badRequest("Invalid %s: no user %d.", name, id)
	}
	return u, nil
}

// projectParams parses add-/update-project parameters.
func projectParams(c *call) (*projectInput, error) {
	in := &projectInput{Name: c.q.optStr("name"), Key: c.q.optStr("key"),
		TextFormattingRule: c.q.optStr("textFormattingRule")}
	for _, f := range []struct {
		name string
		dst  **bool
	}{
		{"chartEnabled", &in.ChartEnabled}, {"useResolvedForChart", &in.UseResolvedForChart},
		{"subtaskingEnabled", &in.SubtaskingEnabled}, {"grandchildIssueEnabled", &in.GrandchildIssueEnabled},
		{"projectLeaderCanEditProjectLeader", &in.ProjectLeaderCanEditProjectLeader},
		{"useWiki", &in.UseWiki}, {"useDocument", &in.UseDocument}, {"useFileSharing", &in.UseFileSharing},
		{"useWikiTreeView", &in.UseWikiTreeView}, {"useOriginalImageSizeAtWiki", &in.UseOriginalImageSizeAtWiki},
		{"useSubversion", &in.UseSubversion}, {"useGit", &in.UseGit}, {"useDevAttributes", &in.UseDevAttributes},
		{"archived", &in.Archived},
	} {
		v, e := c.q.optBool(f.name)
		if e != nil {
			return nil, e
		}
		*f.dst = v
	}
	return in, nil
}

// getProjects serves GET /projects: archived (omitted = all, true/false),
// all (administrators only: every project instead of the joined ones).
func (s *Server) getProjects(c *call) error {
	archived, e := c.q.optBool("archived")
	if e != nil {
		return e
	}
	all, e := c.q.bool("all", false)
	if e != nil {
		return e
	}
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	all = all && c.u.RoleType == RoleAdmin
	out := []*jsonProject{}
	for _, p := range st.projectList {
		if !all && !p.isMember(c.u.ID) {
			continue
		}
		if archived != nil && p.Archived != *archived {
			continue
		}
		out = append(out, renderProject(p))
	}
	return c.ok(out)
}

// getProject serves GET /projects/:p.
func (s *Server) getProject(c *call) error {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	p, err := c.visibleProject()
	if err != nil {
		return err
	}
	return c.ok(renderProject(p))
}

// postProject serves POST /projects (administrators; 201 with Location).
func (s *Server) postProject(c *call) error {
	in, err := projectParams(c)
	if err != nil {
		return err
	}
	if in.Archived != nil {
		in.Archived = nil // not an add-project parameter
	}
	if _, e := c.q.required("name"); e != nil {
		return e
	}
	if _, e := c.q.required("key"); e != nil {
		return e
	}
	return creating(c, adminOnly(c, c.caller), func(st *store, u *user) (string, any, error) {
		p, err := st.createProject(u, s.now(), in)
		if err != nil {
			return "", nil, err
		}
		return st.webURL() + "/projects/" + p.Key, renderProject(p), nil
	})
}

// patchProject serves PATCH /projects/:p (administrators, project administrators).
func (s *Server) patchProject(c *call) error {
	in, err := projectParams(c)
	if err != nil {
		return err
	}
	return writing(c, c.managedProject, func(st *store, p *project) (any, error) {
		if err := st.updateProject(c.u, s.now(), p, in); err != nil {
			return nil, err
		}
		return renderProject(p), nil
	})
}

// deleteProject serves DELETE /projects/:p (administrators).
func (s *Server) deleteProject(c *call) error {
	return writing(c, c.visibleProject, func(st *store, p *project) (any, error) {
		if err := c.requireAdmin(); err != nil {
			return nil, err
		}
		j := renderProject(p)
		if err := st.deleteProject(c.u, s.now(), p); err != nil {
			return nil, err
		}
		return j, nil
	})
}

// getProjectUsers serves GET /projects/:p/users (excludeGroupMembers drops
// members who joined only through a team).
func (s *Server) getProjectUsers(c *call) error {
	exclude, e := c.q.bool("excludeGroupMembers", false)
	if e != nil {
		return e
	}
	return reading(c, c.visibleProject, func(st *store, p *project) any {
		ids := p.Users
		if exclude {
			ids = slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return slices.Contains(p.ViaTeam, id) })
		}
		return st.renderUsers(ids)
	})
}

// projectMemberWrite runs a member mutation and answers the user.
func (s *Server) projectMemberWrite(c *call, f func(p *project, u *user) error) error {
	return writing(c, c.managedProject, func(st *store, p *project) (any, error) {
		u, err := c.paramUser("userId")
		if err != nil {
			return nil, err
		}
		if err := f(p, u); err != nil {
			return nil, err
		}
		return st.renderUser(u.ID), nil
	})
}

// postProjectUser serves POST /projects/:p/users (activity 15).
func (s *Server) postProjectUser(c *call) error {
	return s.projectMemberWrite(c, func(p *project, u *user) error {
		return s.store.addProjectUser(c.u, s.now(), p, u)
	})
}

// deleteProjectUser serves DELETE /projects/:p/users (activity 16).
func (s *Server) deleteProjectUser(c *call) error {
	return s.projectMemberWrite(c, func(p *project, u *user) error {
		return s.store.removeProjectUser(c.u, s.now(), p, u)
	})
}

// getProjectAdmins serves GET /projects/:p/administrators.
func (s *Server) getProjectAdmins(c *call) error {
	return reading(c, c.visibleProject, func(st *store, p *project) any {
		return st.renderUsers(p.Admins)
	})
}

// postProjectAdmin serves POST /projects/:p/administrators.
func (s *Server) postProjectAdmin(c *call) error {
	return s.projectMemberWrite(c, func(p *project, u *user) error {
		return s.store.addProjectAdmin(c.u, s.now(), p, u)
	})
}

// deleteProjectAdmin serves DELETE /projects/:p/administrators.
func (s *Server) deleteProjectAdmin(c *call) error {
	return s.projectMemberWrite(c, func(p *project, u *user) error {
		return s.store.removeProjectAdmin(c.u, s.now(), p, u)
	})
}

// getProjectTeams serves GET /projects/:p/teams.
func (s *Server) getProjectTeams(c *call) error {
	return reading(c, c.visibleProject, func(st *store, p *project) any {
		out := make([]*jsonTeam, 0, len(p.Teams))
		for _, id := range p.Teams {
			if t := st.teams[id]; t != nil {
				out = append(out, st.renderTeam(t))
			}
		}
		return out
	})
}

// projectTeamWrite runs a project-team mutation and answers the team.
func (s *Server) projectTeamWrite(c *call, f func(p *project, t *team) error) error {
	id, e := c.q.requiredInt64("teamId")
	if e != nil {
		return e
	}
	return writing(c, c.managedProject, func(st *store, p *project) (any, error) {
		t := st.teams[id]
		if t == nil {
			return nil, badRequest("Invalid teamId: no team %d.", id)
		}
		if err := f(p, t); err != nil {
			return nil, err
		}
		return st.renderTeam(t), nil
	})
}

// postProjectTeam serves POST /projects/:p/teams (activity 25).
func (s *Server) postProjectTeam(c *call) error {
	return s.projectTeamWrite(c, func(p *project, t *team) error {
		return s.store.addProjectTeam(c.u, s.now(), p, t)
	})
}

// deleteProjectTeam serves DELETE /projects/:p/teams (activity 26).
func (s *Server) deleteProjectTeam(c *call) error {
	return s.projectTeamWrite(c, func(p *project, t *team) error {
		return s.store.removeProjectTeam(c.u, s.now(), p, t)
	})
}

// getProjectImage serves GET /projects/:p/image (icon class).
func (s *Server) getProjectImage(c *call) error {
	s.store.mu.RLock()
	p, err := c.visibleProject()
	s.store.mu.RUnlock()
	if err != nil {
		return err
	}
	return c.image(p.Key + ".png")
}

// getProjectDiskUsage serves GET /projects/:p/diskUsage (administrators).
func (s *Server) getProjectDiskUsage(c *call) error {
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	p, err := c.visibleProject()
	if err != nil {
		return err
	}
	if err := c.requireAdmin(); err != nil {
		return err
	}
	return c.ok(st.projectDiskUsage(p))
}

// pathInt parses a numeric path wildcard; malformed ids are "No <what>.".
func (c *call) pathInt(name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.path(name), 10, 64)
	if err != nil {
		return 0, notFound(what)
	}
	return id, nil
}
