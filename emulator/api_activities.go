package emulator

import (
	"strconv"
)

// Activity feeds: GET /space/activities, /projects/:p/activities,
// /users/:userId/activities (id cursor; only projects the caller can see;
// notifications always []) and GET /activities/:activityId (notifications
// filled).

// routesActivities registers the activity routes.
func (s *Server) routesActivities() {
	s.handle("GET /api/v2/space/activities", s.getSpaceActivities)
	s.handle("GET /api/v2/projects/{projectIdOrKey}/activities", s.getProjectActivities)
	s.handle("GET /api/v2/users/{userId}/activities", s.getUserActivities)
	s.handle("GET /api/v2/activities/{activityId}", s.getActivity)
}

// activityQuery parses the cursor and the activityTypeId[] filter.
func (c *call) activityQuery() (idCursor, map[int]bool, error) {
	cur, e := c.idCursor()
	if e != nil {
		return cur, nil, e
	}
	ids, e := c.q.ints("activityTypeId")
	if e != nil {
		return cur, nil, e
	}
	var types map[int]bool
	for _, t := range ids {
		if t < 1 || t > maxActivityType {
			return cur, nil, badRequest("Invalid activityTypeId[]: %d (1 to %d).", t, maxActivityType)
		}
		if types == nil {
			types = map[int]bool{}
		}
		types[int(t)] = true
	}
	return cur, types, nil
}

// activityPage renders one page of the activity feed for the caller.
func (s *Server) activityPage(c *call, cur idCursor, types map[int]bool, keep func(*activity) bool) error {
	st := s.store
	visible := map[int64]bool{}
	for _, p := range st.projectList {
		if st.canSee(c.u, p) {
			visible[p.ID] = true
		}
	}
	page := pageByID(st.activities, func(a *activity) int64 { return a.ID }, cur, func(a *activity) bool {
		return visible[a.ProjectID] && (types == nil || types[a.Type]) && (keep == nil || keep(a))
	})
	out := make([]*jsonActivity, 0, len(page))
	for _, a := range page {
		out = append(out, st.renderActivity(a, false))
	}
	return c.ok(out)
}

// getSpaceActivities serves GET /space/activities.
func (s *Server) getSpaceActivities(c *call) error {
	cur, types, err := c.activityQuery()
	if err != nil {
		return err
	}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	return s.activityPage(c, cur, types, nil)
}

// getProjectActivities serves GET /projects/:p/activities.
func (s *Server) getProjectActivities(c *call) error {
	cur, types, err := c.activityQuery()
	if err != nil {
		return err
	}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	p, err := c.visibleProject()
	if err != nil {
		return err
	}
	return s.activityPage(c, cur, types, func(a *activity) bool { return a.ProjectID == p.ID })
}

// getUserActivities serves GET /users/:userId/activities.
func (s *Server) getUserActivities(c *call) error {
	cur, types, err := c.activityQuery()
	if err != nil {
		return err
	}
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	u, err := c.pathUser()
	if err != nil {
		return err
	}
	return s.activityPage(c, cur, types, func(a *activity) bool { return a.CreatedUser == u.ID })
}

// getActivity serves GET /activities/:activityId.
func (s *Server) getActivity(c *call) error {
	id, err := strconv.ParseInt(c.path("activityId"), 10, 64)
	if err != nil {
		return notFound("activity")
	}
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	list := st.activities
	i := searchID(len(list), func(i int) int64 { return list[i].ID }, id)
	if i < 0 {
		return notFound("activity")
	}
	a := list[i]
	p := st.projects[a.ProjectID]
	if p == nil || !st.canSee(c.u, p) {
		return notFound("activity")
	}
	return c.ok(st.renderActivity(a, true))
}

// searchID finds id in an id-ascending sequence of n items; -1 if absent.
func searchID(n int, id func(int) int64, want int64) int {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if id(m) < want {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < n && id(lo) == want {
		return lo
	}
	return -1
}
