package emulator

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// Watchings: GET /users/:userId/watchings (+ /count), GET/PATCH/DELETE
// /watchings/:id, POST /watchings, POST /watchings/:id/markAsRead.
//
// A watching is read while the issue has not been updated since the watcher
// last marked it read: LastContentUpdated holds the issue's updated time at
// that moment, so no hook in the issue mutations is needed.

// routesWatchings registers the watching routes.
func (s *Server) routesWatchings() {
	s.handle("GET /api/v2/users/{userId}/watchings", s.getWatchings)
	s.handle("GET /api/v2/users/{userId}/watchings/count", s.countWatchings)
	s.handle("POST /api/v2/watchings", s.postWatching)
	s.handle("GET /api/v2/watchings/{watchingId}", s.getWatching)
	s.handle("PATCH /api/v2/watchings/{watchingId}", s.patchWatching)
	s.handle("DELETE /api/v2/watchings/{watchingId}", s.deleteWatching)
	s.handle("POST /api/v2/watchings/{watchingId}/markAsRead", s.markWatchingAsRead)
}

// getWatchings serves GET /users/:userId/watchings.
func (s *Server) getWatchings(c *call) error {
	asc, e := c.q.order()
	if e != nil {
		return e
	}
	sortKey := c.q.str("sort")
	switch sortKey {
	case "":
		sortKey = "issueUpdated"
	case "created", "updated", "issueUpdated":
	default:
		return badRequest("Invalid sort: %q (created, updated or issueUpdated).", sortKey)
	}
	offset, count, e := c.offsetPage(20, 100)
	if e != nil {
		return e
	}
	var f watchingFilter
	if f.read, e = c.q.optBool("resourceAlreadyRead"); e != nil {
		return e
	}
	if f.issueIDs, e = c.q.ints("issueId"); e != nil {
		return e
	}
	return reading(c, c.pathUser, func(st *store, u *user) []*jsonWatching {
		list := st.watchingsOf(c.u, u, f)
		key := func(w *watching) time.Time {
			switch sortKey {
			case "created":
				return w.Created
			case "updated":
				return w.Updated
			}
			return st.issues[w.IssueID].Updated
		}
		slices.SortStableFunc(list, func(a, b *watching) int {
			r := key(a).Compare(key(b))
			if r == 0 {
				r = cmp.Compare(a.ID, b.ID)
			}
			if !asc {
				r = -r
			}
			return r
		})
		return renderAll(slicePage(list, offset, count), st.renderWatching)
	})
}

// countWatchings serves GET /users/:userId/watchings/count. alreadyRead is
// accepted as a synonym of resourceAlreadyRead.
func (s *Server) countWatchings(c *call) error {
	var f watchingFilter
	var e *apiError
	if f.read, e = c.q.optBool("resourceAlreadyRead"); e != nil {
		return e
	}
	if f.read == nil {
		if f.read, e = c.q.optBool("alreadyRead"); e != nil {
			return e
		}
	}
	return reading(c, c.pathUser, func(st *store, u *user) map[string]int {
		return counted(len(st.watchingsOf(c.u, u, f)))
	})
}

// pathWatching resolves {watchingId} to a watching visible to the caller.
func (c *call) pathWatching() (*watching, error) {
	id, err := strconv.ParseInt(c.path("watchingId"), 10, 64)
	if err != nil {
		return nil, notFound("watching")
	}
	st := c.s.store
	w := st.watchings[id]
	if w == nil || !st.watchingVisible(c.u, w) {
		return nil, notFound("watching")
	}
	return w, nil
}

// getWatching serves GET /watchings/:id.
func (s *Server) getWatching(c *call) error {
	return reading(c, c.pathWatching, (*store).renderWatching)
}

// postWatching serves POST /watchings.
func (s *Server) postWatching(c *call) error {
	key, e := c.q.required("issueIdOrKey")
	if e != nil {
		return e
	}
	note := c.q.str("note")
	find := func() (*issue, error) {
		is, _, err := s.store.visibleIssue(c.u, key)
		return is, err
	}
	return writing(c, find, func(st *store, is *issue) (any, error) {
		w, err := st.addWatching(c.u, s.now(), is, note)
		if err != nil {
			return nil, err
		}
		return st.renderWatching(w), nil
	})
}

// patchWatching serves PATCH /watchings/:id; only the watcher may, also
// without a note to change.
func (s *Server) patchWatching(c *call) error {
	note := c.q.optStr("note")
	return writing(c, c.pathWatching, func(st *store, w *watching) (any, error) {
		if w.UserID != c.u.ID {
			return nil, forbidden()
		}
		if note != nil {
			if err := st.updateWatching(c.u, s.now(), w, *note); err != nil {
				return nil, err
			}
		}
		return st.renderWatching(w), nil
	})
}

// deleteWatching serves DELETE /watchings/:id; it answers with the watching
// as it was.
func (s *Server) deleteWatching(c *call) error {
	return writing(c, c.pathWatching, func(st *store, w *watching) (any, error) {
		j := st.renderWatching(w)
		return j, st.deleteWatching(c.u, s.now(), w)
	})
}

// markWatchingAsRead serves POST /watchings/:id/markAsRead (204).
func (s *Server) markWatchingAsRead(c *call) error {
	return writing(c, c.pathWatching, func(st *store, w *watching) (any, error) {
		return nil, st.markWatchingRead(c.u, s.now(), w)
	})
}
