package emulator

import "strconv"

// Users: GET /users (administrators and project administrators),
// /users/:userId, /users/myself, /users/:userId/icon and the legacy writes
// POST/PATCH/DELETE /users (administrators only; backlog-js postUser,
// patchUser, deleteUser).

// routesUsers registers the user routes.
func (s *Server) routesUsers() {
	s.handle("GET /api/v2/users", s.getUsers)
	s.handle("POST /api/v2/users", s.postUser)
	s.handle("GET /api/v2/users/myself", s.getMyself)
	s.handle("GET /api/v2/users/{userId}", s.getUser)
	s.handle("PATCH /api/v2/users/{userId}", s.patchUser)
	s.handle("DELETE /api/v2/users/{userId}", s.deleteUser)
	s.handle("GET /api/v2/users/{userId}/icon", s.getUserIcon)
	s.routesRecent()
}

// getUsers serves GET /users.
func (s *Server) getUsers(c *call) error {
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	if c.u.RoleType != RoleAdmin && !st.isAnyProjectAdmin(c.u) {
		return forbidden()
	}
	out := make([]*jsonUser, 0, len(st.userList))
	for _, u := range st.userList {
		out = append(out, st.renderUser(u.ID))
	}
	return c.ok(out)
}

// getMyself serves GET /users/myself.
func (s *Server) getMyself(c *call) error {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	return c.ok(s.store.renderUser(c.u.ID))
}

// getUser serves GET /users/:userId.
func (s *Server) getUser(c *call) error {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	u, err := c.pathUser()
	if err != nil {
		return err
	}
	return c.ok(s.store.renderUser(u.ID))
}

// getUserIcon serves GET /users/:userId/icon (icon class).
func (s *Server) getUserIcon(c *call) error {
	s.store.mu.RLock()
	u, err := c.pathUser()
	s.store.mu.RUnlock()
	if err != nil {
		return err
	}
	return c.image(u.UserID + ".png")
}

// roleParam parses roleType (1–4).
func roleParam(c *call) (*int, error) {
	v, e := c.q.optInt64("roleType")
	if e != nil {
		return nil, e
	}
	if v == nil {
		return nil, nil
	}
	if *v < RoleAdmin || *v > RoleViewer {
		return nil, badRequest("Invalid roleType: %d (1 to 4).", *v)
	}
	r := int(*v)
	return &r, nil
}

// postUser serves POST /users (userId, password, name, mailAddress, roleType).
func (s *Server) postUser(c *call) error {
	var in userInput
	var e *apiError
	if in.UserID, e = c.q.required("userId"); e != nil {
		return e
	}
	if _, e = c.q.required("password"); e != nil {
		return e
	}
	if in.Name, e = c.q.required("name"); e != nil {
		return e
	}
	if in.MailAddress, e = c.q.required("mailAddress"); e != nil {
		return e
	}
	if _, e = c.q.required("roleType"); e != nil {
		return e
	}
	role, err := roleParam(c)
	if err != nil {
		return err
	}
	in.RoleType = *role
	return writing(c, adminOnly(c, c.caller), func(st *store, _ *user) (any, error) {
		u, err := st.createUser(s.now(), in)
		if err != nil {
			return nil, err
		}
		return st.renderUser(u.ID), nil
	})
}

// patchUser serves PATCH /users/:userId (name, mailAddress, roleType; the
// password is accepted and ignored).
func (s *Server) patchUser(c *call) error {
	in := userUpdate{Name: c.q.optStr("name"), MailAddress: c.q.optStr("mailAddress")}
	var err error
	if in.RoleType, err = roleParam(c); err != nil {
		return err
	}
	return writing(c, adminOnly(c, c.pathUser), func(st *store, u *user) (any, error) {
		if err := st.updateUser(s.now(), u, in); err != nil {
			return nil, err
		}
		return st.renderUser(u.ID), nil
	})
}

// deleteUser serves DELETE /users/:userId.
func (s *Server) deleteUser(c *call) error {
	return writing(c, adminOnly(c, c.pathUser), func(st *store, u *user) (any, error) {
		if u.ID == c.u.ID {
			return nil, badRequest("You cannot delete yourself.")
		}
		j := st.renderUser(u.ID)
		if err := st.deleteUser(s.now(), u); err != nil {
			return nil, err
		}
		return j, nil
	})
}

// formatID formats an id for messages.
func formatID(id int64) string { return strconv.FormatInt(id, 10) }
