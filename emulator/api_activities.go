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

// activityPage renders one page of the activity feed for u; the store's
// read lock is held.
func activityPage(st *store, u *user, cur idCursor, types map[int]bool, keep func(*activity) bool) []*jsonActivity {
	visible := map[int64]bool{}
	for _, p := range st.projectList {
		if st.canSee(u, p) {
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
	return out
}

// getSpaceActivities serves GET /space/activities.
func (s *Server) getSpaceActivities(c *call) error {
	cur, types, err := c.activityQuery()
	if err != nil {
		return err
	}
	return reading(c, c.caller, func(st *store, u *user) []*jsonActivity {
		return activityPage(st, u, cur, types, nil)
	})
}

// getProjectActivities serves GET /projects/:p/activities.
func (s *Server) getProjectActivities(c *call) error {
	cur, types, err := c.activityQuery()
	if err != nil {
		return err
	}
	return reading(c, c.visibleProject, func(st *store, p *project) []*jsonActivity {
		return activityPage(st, c.u, cur, types, func(a *activity) bool { return a.ProjectID == p.ID })
	})
}

// getUserActivities serves GET /users/:userId/activities.
func (s *Server) getUserActivities(c *call) error {
	cur, types, err := c.activityQuery()
	if err != nil {
		return err
	}
	return reading(c, c.pathUser, func(st *store, u *user) []*jsonActivity {
		return activityPage(st, c.u, cur, types, func(a *activity) bool { return a.CreatedUser == u.ID })
	})
}

// getActivity serves GET /activities/:activityId.
func (s *Server) getActivity(c *call) error {
	find := func() (*activity, error) {
		st := s.store
		id, err := strconv.ParseInt(c.path("activityId"), 10, 64)
		if err != nil {
			return nil, notFound("activity")
		}
		list := st.activities
		i := searchID(len(list), func(i int) int64 { return list[i].ID }, id)
		if i < 0 {
			return nil, notFound("activity")
		}
		a := list[i]
		if p := st.projects[a.ProjectID]; p == nil || !st.canSee(c.u, p) {
			return nil, notFound("activity")
		}
		return a, nil
	}
	return reading(c, find, func(st *store, a *activity) *jsonActivity { return st.renderActivity(a, true) })
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
