package backlog

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// get sends a GET for path with query q and decodes the JSON answer into a T.
func get[T any](ctx context.Context, c *Client, path string, q url.Values) (T, *Response, error) {
	var v T
	req, err := c.NewRequest(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return v, nil, err
	}
	resp, err := c.Do(req, &v)
	if err != nil {
		var zero T
		return zero, resp, err
	}
	return v, resp, nil
}

// countResult is the {"count": N} answer of the /count endpoints.
type countResult struct {
	Count int `json:"count"`
}

// getCount sends a GET to a /count endpoint.
func getCount(ctx context.Context, c *Client, path string, q url.Values) (int, *Response, error) {
	v, resp, err := get[countResult](ctx, c, path, q)
	return v.Count, resp, err
}

// seg escapes one path segment (an id, key or name).
func seg(s string) string { return url.PathEscape(s) }

// id formats a numeric path segment.
func id(n int64) string { return strconv.FormatInt(n, 10) }

// escapePath escapes each segment of a slash-separated path and drops
// leading and trailing slashes.
func escapePath(p string) string {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}
