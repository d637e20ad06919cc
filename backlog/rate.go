package backlog

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Rate is the rate-limit budget of one class, as reported by Backlog.
type Rate struct {
	Class     RateClass // derived from the request (Backlog does not send it)
	Limit     int       // X-RateLimit-Limit: requests per window
	Remaining int       // X-RateLimit-Remaining
	Reset     time.Time // X-RateLimit-Reset: when the window ends (UTC)
}

// RateClass is one of Backlog's four rate-limit buckets.
type RateClass string

// The rate-limit classes of behaviour.md §5.
const (
	RateRead   RateClass = "read"   // every GET that is not search or icon
	RateUpdate RateClass = "update" // POST, PUT, PATCH, DELETE
	RateSearch RateClass = "search" // GET /issues, /issues/count, /wikis, /wikis/count
	RateIcon   RateClass = "icon"   // space, user, project and team images
)

// ClassOf returns the rate-limit class of a request with the given method
// and path relative to the API root (e.g. "issues/count").
func ClassOf(method, path string) RateClass {
	switch method {
	case http.MethodGet, http.MethodHead, "":
	default:
		return RateUpdate
	}
	path = strings.Trim(path, "/")
	switch path {
	case "issues", "issues/count", "wikis", "wikis/count":
		return RateSearch
	case "space/image":
		return RateIcon
	}
	seg := strings.Split(path, "/")
	if len(seg) == 3 {
		switch {
		case seg[0] == "users" && seg[2] == "icon",
			seg[0] == "teams" && seg[2] == "icon",
			seg[0] == "projects" && seg[2] == "image":
			return RateIcon
		}
	}
	return RateRead
}

// classOf returns the rate-limit class of a request built by NewRequest.
func (c *Client) classOf(req *http.Request) RateClass {
	p := strings.TrimPrefix(req.URL.Path, c.apiURL.Path)
	return ClassOf(req.Method, p)
}

// parseRate reads the X-RateLimit-* headers.
func parseRate(h http.Header, class RateClass) Rate {
	r := Rate{Class: class}
	if v := h.Get("X-RateLimit-Limit"); v != "" {
		r.Limit, _ = strconv.Atoi(v)
	}
	if v := h.Get("X-RateLimit-Remaining"); v != "" {
		r.Remaining, _ = strconv.Atoi(v)
	}
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			r.Reset = time.Unix(n, 0).UTC()
		}
	}
	return r
}
