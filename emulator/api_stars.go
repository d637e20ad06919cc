package emulator

import (
	"strconv"
)

// Stars: POST /stars, DELETE /stars/:starId, GET /users/:userId/stars and
// /users/:userId/stars/count. Stars are embedded in the Stars slices of the
// starred issue, comment, wiki page, pull request or pull-request comment.

// routesStars registers the star routes.
func (s *Server) routesStars() {
	s.handle("POST /api/v2/stars", s.postStar)
	s.handle("DELETE /api/v2/stars/{starId}", s.deleteStar)
	s.handle("GET /api/v2/users/{userId}/stars", s.getUserStars)
	s.handle("GET /api/v2/users/{userId}/stars/count", s.countUserStars)
}

// postStar serves POST /stars (204 No Content).
func (s *Server) postStar(c *call) error {
	var t starTarget
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"issueId", &t.IssueID}, {"commentId", &t.CommentID}, {"wikiId", &t.WikiID},
		{"pullRequestId", &t.PullRequestID}, {"pullRequestCommentId", &t.PullRequestCommentID}} {
		v, e := c.q.int64(f.name, 0)
		if e != nil {
			return e
		}
		if v < 0 {
			return badRequest("Invalid %s: %d.", f.name, v)
		}
		*f.dst = v
	}
	return writing(c, c.caller, func(st *store, u *user) (any, error) {
		_, err := st.addStar(u, s.now(), t, nil)
		return nil, err // nil answers 204 No Content
	})
}

// deleteStar serves DELETE /stars/:starId (204 No Content).
func (s *Server) deleteStar(c *call) error {
	find := func() (*star, error) {
		id, err := strconv.ParseInt(c.path("starId"), 10, 64)
		if sr := s.store.stars[id]; err == nil && sr != nil && s.store.starVisible(c.u, sr) {
			return sr, nil
		}
		return nil, notFound("star")
	}
	return writing(c, find, func(st *store, sr *star) (any, error) {
		return nil, st.removeStar(c.u, s.now(), sr)
	})
}

// pathUser resolves the numeric {userId} wildcard to a live user.
func (c *call) pathUser() (*user, error) {
	id, err := strconv.ParseInt(c.path("userId"), 10, 64)
	if err != nil {
		return nil, notFound("user")
	}
	u := c.s.store.liveUser(id)
	if u == nil {
		return nil, notFound("user")
	}
	return u, nil
}

// getUserStars serves GET /users/:userId/stars (stars the user received).
func (s *Server) getUserStars(c *call) error {
	cur, e := c.idCursor()
	if e != nil {
		return e
	}
	return reading(c, c.pathUser, func(st *store, u *user) []*jsonStar {
		return st.renderStars(pageByID(st.starsByUser[u.ID], func(x *star) int64 { return x.ID }, cur,
			func(x *star) bool { return st.starVisible(c.u, x) }))
	})
}

// countUserStars serves GET /users/:userId/stars/count (since/until are
// inclusive calendar dates, UTC).
func (s *Server) countUserStars(c *call) error {
	since, e := c.q.optDate("since")
	if e != nil {
		return e
	}
	until, e := c.q.optDate("until")
	if e != nil {
		return e
	}
	return reading(c, c.pathUser, func(st *store, u *user) map[string]int {
		n := 0
		for _, x := range st.starsByUser[u.ID] {
			if since != nil && x.Created.Before(*since) || until != nil && !x.Created.Before(until.AddDate(0, 0, 1)) {
				continue
			}
			if st.starVisible(c.u, x) {
				n++
			}
		}
		return counted(n)
	})
}
